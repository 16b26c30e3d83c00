"""The bills screens: a clerk types a bill in the editor, saves it as a draft and submits it; a controller
approves it from the queue; the clerk posts it and the list shows its number; the same vendor invoice is
warned about as a duplicate before saving; the vendor's PDF is shown beside the form; who sees which
buttons. Screenshots of the list, the editor with its PDF and the queue go to /tmp/apbillsui-*.png."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QWidget
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from paksa_desktop.documents.models import OwnerKind
from paksa_desktop.documents.service import DocumentService
from paksa_desktop.payables.models import BillState
from paksa_desktop.payables.vendors import VendorInput
from paksa_desktop.receivables.commands import TaxCodeInput
from paksa_desktop.security.context import UserContext
from tests.conftest import Books
from tests.ui.ar_data import focus
from tests.ui.conftest import Messages, wait_idle
from ui.hub import Hub
from ui.payables.approvals_view import ApprovalsView
from ui.payables.bill_dialog import ACCOUNT, DESCRIPTION, PRICE, QUANTITY, TAX, BillDialog
from ui.payables.bills_view import BillsView
from ui.payables.payables_tab import PayablesTab
from ui.session import AppSession

PASSWORD = "Bills-Passw0rd-42"
ON = QDate(2024, 6, 3)
SHOTS = Path("/tmp")


@pytest.fixture
def people(sqlite_books: Books) -> dict[str, UserContext]:
    """ACME (USD, net 30, expense 6130, VAT20) and CLOUD (no defaults); an AP clerk, a controller; the
    company's segregation-of-duties policy on (the creator cannot approve)."""
    b = sqlite_books
    b.company.receivables(b.ctx).create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    vendors = b.company.vendors(b.ctx)
    vendors.add(VendorInput("ACME", "Acme Office Supplies", "USD", "2/10 net 30", expense_account="6130",
                            tax_code="VAT20"))  # fmt: skip
    vendors.add(VendorInput("CLOUD", "CloudCo Hosting", "USD", "net 15"))
    b.company.add_user(b.ctx, "ap", PASSWORD, roles=("AP clerk",), full_name="Alex Payable")
    b.company.add_user(b.ctx, "carol", PASSWORD, roles=("Controller",), full_name="Carol Checker")
    policy = b.company.security_queries(b.ctx).policy()
    b.company.security_policy(b.ctx).update_policy(dataclasses.replace(policy, creator_cannot_approve=True))
    return {name: b.company.login(name, PASSWORD) for name in ("ap", "carol")}


def _hub(books: Books, ctx: UserContext) -> Hub:
    return Hub(AppSession(books.company, ctx))


def _view(qtbot: Any, cls: type, hub: Hub) -> Any:
    view = cls(hub)
    qtbot.addWidget(view)
    view.resize(1280, 560)
    view.show()
    qtbot.waitExposed(view)
    wait_idle(qtbot, view)
    return view


def _new_bill(qtbot: Any, view: BillsView, vendor: str, invoice: str) -> BillDialog:
    dialog = BillDialog(view.hub, parent=view)
    qtbot.addWidget(dialog)
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(vendor))
    dialog.date.setDate(ON)
    dialog.vendor_invoice.setText(invoice)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _type(qtbot: Any, dialog: BillDialog, row: int, column: int, text: str) -> None:
    """Go to a cell and type: the first key opens the cell's editor, the rest go into it."""
    focus(qtbot, dialog.grid)
    dialog.grid.setCurrentCell(row, column)
    qtbot.keyClicks(dialog.grid, text[0])
    editor = dialog.grid.current_editor()
    assert editor is not None, "typing opens the cell's editor"
    qtbot.keyClicks(editor, text[1:])


def _cell(dialog: BillDialog, row: int, column: int) -> str:
    item = dialog.grid.item(row, column)
    return item.text() if item is not None else ""


def _pdf(path: Path, pages: int = 2) -> Path:
    """A small vendor invoice PDF made with reportlab."""
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        sheet.setFont("Helvetica-Bold", 22)
        sheet.drawString(60, 780, "ACME OFFICE SUPPLIES")
        sheet.setFont("Helvetica", 12)
        sheet.drawString(60, 750, f"Invoice A-1001 · page {n} of {pages}")
        sheet.drawString(60, 720, "Copy paper A4, 10 boxes            250.00")
        sheet.drawString(60, 700, "VAT 20 %                              50.00")
        sheet.drawString(60, 680, "Total USD                            300.00")
        sheet.showPage()
    sheet.save()
    return path


def test_a_bill_is_typed_submitted_approved_from_the_queue_and_posted(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext], messages: Messages
) -> None:
    books = sqlite_books
    clerk_hub = _hub(books, people["ap"])
    bills = _view(qtbot, BillsView, clerk_hub)
    assert "No bills yet" in bills.count.text()

    dialog = _new_bill(qtbot, bills, "ACME", "A-1001")
    assert dialog.currency.text() == "USD"
    assert "due 2024-07-03" in dialog.terms.text() and "2 % off if paid by 2024-06-13" in dialog.terms.text()
    assert not dialog.approve_post_button.isVisibleTo(dialog)  # a clerk does not approve
    _type(qtbot, dialog, 0, DESCRIPTION, "Copy paper A4, 10 boxes")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert _cell(dialog, 0, QUANTITY) == "1" and _cell(dialog, 0, TAX) == "VAT20"  # the vendor's defaults
    assert _cell(dialog, 0, ACCOUNT) == "6130"
    _type(qtbot, dialog, 0, QUANTITY, "10")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    _type(qtbot, dialog, 0, PRICE, "25.00")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Return)  # kept, and on to a new line
    assert dialog.grid.rowCount() == 2
    total = dialog.findChild(QWidget, "billTotal")
    assert total is not None and total.text() == "<b>300.00</b>"  # type: ignore[attr-defined]
    dialog.grab().save(str(SHOTS / "apbillsui-editor-new.png"))
    qtbot.keyClick(dialog.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S: Save draft
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.saved_code == "draft"
    bills.hub.broadcast(dialog.changes)
    wait_idle(qtbot, bills)
    (row,) = bills.model.rows
    assert row.state is BillState.DRAFT and row.total == D("300.00") and row.vendor_invoice == "A-1001"

    bills.select(row.id)
    detail = books.company.bill_queries(people["ap"]).bill(row.id)
    draft = BillDialog(clerk_hub, detail, parent=bills)
    qtbot.addWidget(draft)
    assert draft.editable and draft.submit_button.isVisibleTo(draft)
    assert draft.submit()
    assert draft.done_message == "Submitted the bill for approval"
    bills.hub.broadcast(draft.changes)
    wait_idle(qtbot, bills)
    assert bills.model.rows[0].state is BillState.SUBMITTED
    assert bills.steps[row.id] == "awaiting approval"

    # the clerk opens it again: no Approve button for someone without payables.bill.approve
    waiting = BillDialog(clerk_hub, books.company.bill_queries(people["ap"]).bill(row.id), parent=bills)
    qtbot.addWidget(waiting)
    assert not waiting.editable
    assert not waiting.approve_button.isVisibleTo(waiting) and not waiting.reject_button.isVisibleTo(waiting)
    assert not waiting.post_button.isVisibleTo(waiting)

    # the controller approves from the queue
    queue = _view(qtbot, ApprovalsView, _hub(books, people["carol"]))
    assert [r.id for r in queue.model.rows] == [row.id]
    assert queue.model.rows[0].entered_by == "ap" and queue.flag_text(queue.model.rows[0]) == ""
    queue.select_rows([0])
    assert queue.approve_selected() == 1
    wait_idle(qtbot, queue)
    assert queue.model.rows == [] and "Nothing is waiting for your approval" in queue.count.text()

    # the clerk posts it; the list shows it posted with its number
    wait_idle(qtbot, bills)
    bills.refresh()
    wait_idle(qtbot, bills)
    assert bills.steps[row.id] == "approved by carol"
    approved = BillDialog(clerk_hub, books.company.bill_queries(people["ap"]).bill(row.id), parent=bills)
    qtbot.addWidget(approved)
    assert approved.post_button.isVisibleTo(approved) and not approved.approve_button.isVisibleTo(approved)
    assert "approved" in approved.history.text() and "carol" in approved.history.text()
    assert approved.post()
    assert approved.done_message == "Posted BILL-2024-000001"
    bills.hub.broadcast(approved.changes)
    wait_idle(qtbot, bills)
    posted = bills.model.rows[0]
    assert (posted.state, posted.number) == (BillState.POSTED, "BILL-2024-000001")
    number_column = [c.key for c in bills.columns].index("number")
    assert bills.model.data(bills.model.index(0, number_column)) == "BILL-2024-000001"

    # a posted bill opens read-only with its number and entry
    done = BillDialog(clerk_hub, books.company.bill_queries(people["ap"]).bill(row.id), parent=bills)
    qtbot.addWidget(done)
    assert not done.editable and not done.save_button.isVisibleTo(done)
    assert "BILL-2024-000001" in done.status.text() and "entry" in done.status.text()
    assert "BILL-2024-000001" in done.windowTitle()

    # the same vendor invoice again: named before saving; "No" saves nothing
    again = _new_bill(qtbot, bills, "ACME", "a-1001 ")
    _type(qtbot, dialog=again, row=0, column=DESCRIPTION, text="Copy paper again")
    qtbot.keyClick(again.grid.current_editor(), Qt.Key.Key_Tab)
    _type(qtbot, again, 0, PRICE, "12.00")
    qtbot.keyClick(again.grid.current_editor(), Qt.Key.Key_Tab)
    messages.answer = messages.answer.No
    assert not again.save_draft()
    assert "BILL-2024-000001 (vendor invoice A-1001)" in messages.last()
    assert "same vendor invoice number" in messages.last()
    assert again.duplicates_label.isVisibleTo(again) and "BILL-2024-000001" in again.duplicates_label.text()
    assert again.problem.text().startswith("Not saved")
    assert len(books.company.bill_queries(people["ap"]).bills()) == 1
    bills.refresh()
    wait_idle(qtbot, bills)
    bills.grab().save(str(SHOTS / "apbillsui-bills.png"))


def test_a_likely_duplicate_is_flagged_in_the_queue_and_posted_only_with_a_reason(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext], messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from tests.payables.bill_fixtures import bill, line

    books = sqlite_books
    service = books.company.bills(people["ap"])
    first, _ = service.save_draft(bill("ACME", "2024-06-01", line(tax_code=""), vendor_invoice="X-9"))
    service.submit(first.id)
    second, _ = service.save_draft(bill("ACME", "2024-06-03", line(tax_code=""), vendor_invoice="X-10"))
    service.submit(second.id)
    queue = _view(qtbot, ApprovalsView, _hub(books, people["carol"]))
    assert len(queue.model.rows) == 2
    flags = [queue.flag_text(r) for r in queue.model.rows]
    assert all("Likely duplicate of draft" in f and "same amount within 7 days" in f for f in flags)
    assert "2 may be duplicates" in queue.count.text()
    queue.grab().save(str(SHOTS / "apbillsui-approvals.png"))
    queue.select_rows([0, 1])
    assert queue.approve_button.text() == "Approve 2"
    assert queue.approve_selected() == 2  # several at once

    service.post(first.id)
    clerk_hub = _hub(books, people["ap"])
    detail = books.company.bill_queries(people["ap"]).bill(second.id)
    dialog = BillDialog(clerk_hub, detail)
    qtbot.addWidget(dialog)
    assert dialog.duplicates_label.isVisibleTo(dialog) and "BILL-2024-000001" in dialog.duplicates_label.text()
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *_a, **_k: ("", False)))
    assert not dialog.post()  # no reason: not posted
    assert dialog.problem.text() == "Not posted: give a reason to post a likely duplicate."
    monkeypatch.setattr(
        QInputDialog, "getMultiLineText", staticmethod(lambda *_a, **_k: ("Two deliveries the same week", True))
    )
    assert dialog.post()
    assert dialog.done_message == "Posted BILL-2024-000002"
    history = books.company.bill_queries(people["ap"]).bill(second.id).approvals
    assert history[-1].note == "Two deliveries the same week"

    # a controller rejects with a reason; the clerk's list shows it in red
    third, _ = service.save_draft(bill("CLOUD", "2024-06-05", line(tax_code=""), vendor_invoice="C-1"))
    service.submit(third.id)
    queue.refresh()
    wait_idle(qtbot, queue)
    queue.select_rows([0])
    assert queue.reject_selected("Wrong month: this is May's invoice") == 1
    bills = _view(qtbot, BillsView, clerk_hub)
    steps = bills.steps
    assert steps[third.id] == "rejected by carol: Wrong month: this is May's invoice"


def test_the_vendors_pdf_is_shown_beside_the_form(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext], messages: Messages, tmp_path: Path
) -> None:
    books = sqlite_books
    admin_hub = _hub(books, books.ctx)
    bills = _view(qtbot, BillsView, admin_hub)
    dialog = _new_bill(qtbot, bills, "ACME", "A-1001")
    viewer = dialog.viewer
    assert viewer.empty.isVisibleTo(viewer) and "No document attached yet" in viewer.empty.text()
    assert viewer.attach(_pdf(tmp_path / "acme-A-1001.pdf"))
    pixmap = viewer.page_view.pixmap()
    assert pixmap is not None and not pixmap.isNull() and viewer.pages == 2
    assert viewer.page_label.text() == "Page 1 of 2" and viewer.pending is not None
    viewer.next_page()
    assert viewer.page == 1 and viewer.page_label.text() == "Page 2 of 2"
    width = viewer.page_view.pixmap().width()
    viewer.zoom_in()
    assert viewer.page_view.pixmap().width() > width and viewer.zoom_label.text().endswith("%")
    viewer.fit_width()
    viewer.previous_page()
    _type(qtbot, dialog, 0, DESCRIPTION, "Copy paper A4, 10 boxes")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    _type(qtbot, dialog, 0, PRICE, "250.00")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    dialog.resize(1380, 780)
    QApplication.processEvents()
    dialog.grab().save(str(SHOTS / "apbillsui-editor-pdf.png"))
    assert dialog.save_draft()
    stored = DocumentService(books.company.engine, books.ctx).documents(OwnerKind.BILL, dialog.bill_id)
    assert [(d.name, d.current_version) for d in stored] == [("acme-A-1001.pdf", 1)]

    # opened again, the stored PDF is read back (on a worker) and shown; a second upload is version 2
    detail = books.company.bill_queries(books.ctx).bill(dialog.bill_id)  # type: ignore[arg-type]
    reopened = BillDialog(admin_hub, detail)
    qtbot.addWidget(reopened)
    reopened.show()
    wait_idle(qtbot, reopened.viewer)
    shown = reopened.viewer.page_view.pixmap()
    assert shown is not None and not shown.isNull() and reopened.viewer.pages == 2
    assert reopened.viewer.attach(_pdf(tmp_path / "acme-A-1001.pdf", pages=1))
    wait_idle(qtbot, reopened.viewer)
    assert reopened.viewer.pages == 1
    assert [reopened.viewer.choice.itemText(i) for i in range(reopened.viewer.choice.count())] == [
        "acme-A-1001.pdf — v2 (current)",
        "acme-A-1001.pdf — v1",
    ]
    assert reopened.approve_post_button.isVisibleTo(reopened)  # the administrator holds both permissions

    # a PNG receipt shows too; a file that is neither is refused with the reason, nothing stored
    png = tmp_path / "receipt.png"
    reopened.viewer.page_view.pixmap().save(str(png))
    assert reopened.viewer.attach(png)
    wait_idle(qtbot, reopened.viewer)
    text = tmp_path / "notes.txt"
    text.write_text("not a document")
    assert not reopened.viewer.attach(text)
    assert "attach a PDF, PNG or JPEG file" in reopened.viewer.empty.text()

    # the AP clerk who entered the bill sees the vendor's PDF beside it and may attach another version
    clerk = BillDialog(_hub(books, people["ap"]), books.company.bill_queries(people["ap"]).bill(detail.row.id))
    qtbot.addWidget(clerk)
    wait_idle(qtbot, clerk.viewer)
    assert not clerk.viewer.page_view.pixmap().isNull() and clerk.viewer.attach_button.isVisibleTo(clerk)


def test_the_tab_lists_bills_for_everyone_and_approvals_for_approvers(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext]
) -> None:
    books = sqlite_books
    clerk_tab = PayablesTab(_hub(books, people["ap"]))
    qtbot.addWidget(clerk_tab)
    assert "bills" in clerk_tab.views and "approvals" not in clerk_tab.views
    controller_tab = PayablesTab(_hub(books, people["carol"]))
    qtbot.addWidget(controller_tab)
    assert {"bills", "approvals"} <= set(controller_tab.views)
    bills = controller_tab.show_view("bills")
    wait_idle(qtbot, bills)
    assert not bills.new_button.isEnabled()  # a controller approves; entering bills is the clerk's
    assert "payables.bill.create" in bills.new_button.toolTip()
