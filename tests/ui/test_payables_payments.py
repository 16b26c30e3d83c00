"""The payment screens of the Payables tab: a proposal made in the dialog, edited in the run editor (a bill
unticked changes the total; Space ticks it again; an amount above what is open is refused with the
service's message), approved by a treasurer (Ctrl+Shift+A) and posted, its pain.001 file and remittance
advices written; a single payment that pays a bill in part, then voided so the bill is open again; an AP
clerk proposes but sees no Approve or Post; the payment schedule with its chart and drill-down."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog

from paksa_desktop.payables.pain001 import validate_pain001
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables, open_amounts
from tests.ui.ar_data import focus, user_session
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.hub import Hub
from ui.payables.pay_bills_dialog import DISCOUNT, PAY, WITHHELD, PayBillsDialog, VoidPaymentDialog
from ui.payables.payables_tab import PAGES
from ui.payables.payment_runs_view import AMOUNT, NAME, NewProposalDialog, PaymentRunsView, RunEditor
from ui.payables.payment_schedule_view import PaymentScheduleView
from ui.payables.payments_view import PaymentsView

SHOTS = Path(os.environ.get("PAKSA_SCREENSHOTS") or tempfile.gettempdir())
JUNE = date(2024, 6, 3)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def shot(widget: Any, name: str) -> Path:
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = SHOTS / f"appayui-{name}.png"
    widget.grab().save(str(path))
    return path


@pytest.fixture
def ap(sqlite_books: Books) -> Payables:
    """A bank account holding 1,500.00; vendors ACME (2/10 net 30), BOLT (net 30) and DESIGN (24 % withheld)."""
    p = Payables(sqlite_books)
    p.bank()
    sqlite_books.ledger.post(entry("2024-06-01", ("1100", "1500.00"), ("3100", "-1500.00"), memo="Capital"))
    p.vendor("ACME", "Acme Office Supplies", terms="2/10 net 30")
    p.vendor("BOLT", "Bolt Hardware Ltd")
    p.vendor("DESIGN", "Maya Lopez Design", withholding_percent="24")
    return p


def session_hub(books: Books, username: str, role: str) -> Hub:
    return Hub(user_session(books, username, role))


def show(qtbot: Any, widget: Any) -> Any:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_run_proposed_edited_approved_posted_and_its_files_written(
    qtbot: Any, ap: Payables, messages: Messages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = ap.bill("ACME", "1000.00", date(2024, 6, 25), vendor_invoice="A-1001")  # discount until 5 July
    bolt1 = ap.bill("BOLT", "400.00", JUNE, due=date(2024, 7, 3), vendor_invoice="B-77")
    bolt2 = ap.bill("BOLT", "250.00", JUNE, due=date(2024, 7, 10), vendor_invoice="B-78")
    note = ap.credit_note("BOLT", "50.00", JUNE, vendor_invoice="BC-3")
    ap.bill("DESIGN", "500.00", JUNE, due=date(2024, 7, 5), vendor_invoice="D-12")
    clerk = session_hub(ap.books, "clerk", "AP clerk")

    # the AP clerk proposes, and sees neither Approve nor Post
    runs_view = show(qtbot, PaymentRunsView(clerk))
    wait_idle(qtbot, runs_view)
    assert not runs_view.new_button.isHidden() and runs_view.pay_button.isHidden()
    assert runs_view.count.text() == "No payment runs yet. New proposal… proposes the bills due."
    dialog = show(qtbot, NewProposalDialog(clerk))
    assert dialog.bank.currentText() == "Operating (USD)"
    assert dialog.balance.text() == "Balance today: 1,500.00 USD"
    dialog.pay_date.set_value(date(2024, 6, 30))
    dialog.cutoff.set_value(date(2024, 7, 12))
    dialog.next_run.set_value(date(2024, 7, 14))  # ACME's discount ends before it: paid now, with the discount
    dialog.propose()
    qtbot.waitUntil(lambda: dialog.proposal is not None)
    run_id = dialog.proposal.run_id
    # 980.00 (discount 20.00) + 400 + 250 - 50 + 380 (120.00 withheld)
    assert dialog.proposal.total == Decimal("1960.00")

    editor = show(qtbot, RunEditor(clerk, run_id))
    assert editor.approve_button.isHidden() and editor.post_button.isHidden() and editor.file_button.isHidden()
    assert not editor.cancel_run_button.isHidden() and editor.cancel_run_button.isEnabled()
    assert "Leaves the bank: 1,960.00 USD" in editor.totals.text()
    assert "exceeds the balance by 460.00" in editor.totals.text()
    assert editor.totals.property("state") == "bad"
    shot(editor, "run-editor")
    editor.find(bolt2).setCheckState(NAME, Qt.CheckState.Unchecked)  # untick one bill: the total follows
    assert editor.proposal.total == Decimal("1710.00")
    qtbot.waitUntil(lambda: not editor.redraw_pending)  # the tree is redrawn once the check box's signal returned
    assert editor.find("BOLT").text(7) == "350.00" and editor.find(bolt2).text(AMOUNT) == ""
    qtbot.waitUntil(lambda: not editor.redraw_pending)
    editor.tree.setCurrentItem(editor.find(bolt2))
    qtbot.keyClick(editor.tree, Qt.Key.Key_Space)  # Space ticks it again
    assert editor.proposal.total == Decimal("1960.00")
    editor.set_amount(bolt1, "400.01")  # above what is open: the service refuses, its words are shown
    assert "more than its open amount 400.00" in editor.error.text()
    qtbot.waitUntil(lambda: not editor.redraw_pending)
    assert editor.proposal.total == Decimal("1960.00") and editor.find(bolt1).text(AMOUNT) == "400.00"
    qtbot.waitUntil(lambda: not editor.redraw_pending)
    editor.set_amount(bolt1, "300.00")
    assert editor.proposal.total == Decimal("1860.00") and editor.error.text() == ""
    qtbot.waitUntil(lambda: not editor.redraw_pending)
    editor.find("DESIGN").setCheckState(NAME, Qt.CheckState.Unchecked)  # a whole vendor out
    assert editor.proposal.total == Decimal("1480.00")
    assert "after the run 20.00" in editor.totals.text() and editor.totals.property("state") == "ok"
    assert editor.changes is not None

    # the treasurer approves (Ctrl+Shift+A), posts, writes the bank file and the advices
    treasurer = session_hub(ap.books, "treasurer", "Treasurer")
    release = show(qtbot, RunEditor(treasurer, run_id))
    assert release.approve_button.isEnabled() and not release.post_button.isEnabled()
    assert release.find(acme).flags() & Qt.ItemFlag.ItemIsUserCheckable == Qt.ItemFlag.NoItemFlags  # read-only
    focus(qtbot, release.tree)
    qtbot.keyClick(release.tree, Qt.Key.Key_A, CTRL_SHIFT)
    qtbot.waitUntil(lambda: release.proposal.state == "approved")
    assert release.post_button.isEnabled() and not release.approve_button.isEnabled()
    assert "approved by treasurer" in release.heading.text()
    release.post()
    qtbot.waitUntil(lambda: release.proposal.state == "posted", timeout=10_000)
    assert messages.texts("question")[-1].startswith("Post run 1: 2 payment(s) totalling 1,480.00 USD")
    states = open_amounts(ap.books)
    assert states[acme] == (0, "paid") and states[bolt1] == (10000, "partially_paid") and states[note] == (0, "paid")
    shot(release, "run-posted")

    xml = tmp_path / "run.xml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(xml), "pain.001 (*.xml)"))
    release.choose_file()
    qtbot.waitUntil(lambda: xml.exists() and getattr(release, "written", None) == xml)
    validate_pain001(xml.read_bytes())
    assert b"<EndToEndId>PMT-2024-000001</EndToEndId>" in xml.read_bytes()
    folder = tmp_path / "advices"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    release.choose_folder()
    qtbot.waitUntil(lambda: getattr(release, "remittances", None) is not None)
    assert sorted(p.name for p in folder.iterdir()) == [
        "remittance-ACME-2024-06-30.pdf",
        "remittance-BOLT-2024-06-30.pdf",
    ]

    runs_view.reload()
    wait_idle(qtbot, runs_view)
    row = runs_view.model.row_at(0)
    assert (row.id, row.state, row.proposer, row.approver, row.vendors, row.bills) == (
        run_id, "posted", "clerk", "treasurer", 2, 3,
    )  # fmt: skip
    runs_view.resize(1100, 420)
    shot(runs_view, "runs-list")


def test_the_proposer_cannot_approve_when_segregation_of_duties_is_on(qtbot: Any, ap: Payables) -> None:
    from dataclasses import replace

    books = ap.books
    policy = books.company.security_queries(books.ctx).policy()
    books.company.security_policy(books.ctx).update_policy(replace(policy, creator_cannot_approve=True))
    ap.bill("BOLT", "400.00", JUNE, due=date(2024, 6, 20))
    proposal, _ = books.company.payment_runs(books.ctx).propose(date(2024, 6, 30), "Operating", date(2024, 6, 30))
    editor = show(qtbot, RunEditor(Hub(user_session(books, "boss", "Administrator")), proposal.run_id))
    assert editor.approve_button.isEnabled()  # someone else
    mine = show(qtbot, RunEditor(Hub(_admin_session(books)), proposal.run_id))
    assert not mine.approve_button.isEnabled()
    assert "segregation-of-duties" in mine.approve_button.toolTip()


def _admin_session(books: Books) -> Any:
    from ui.session import AppSession

    return AppSession(books.company, books.ctx)


def test_a_single_payment_pays_part_of_a_bill_and_voiding_it_reopens_the_bill(
    qtbot: Any, ap: Payables, messages: Messages
) -> None:
    acme = ap.bill("ACME", "1000.00", date(2024, 6, 25), vendor_invoice="A-1001")  # discount until 5 July
    design = ap.bill("DESIGN", "500.00", JUNE, due=date(2024, 7, 5), vendor_invoice="D-12")
    treasurer = session_hub(ap.books, "treasurer", "Treasurer")

    dialog = show(qtbot, PayBillsDialog(treasurer, "ACME"))
    assert dialog.bills.item(0, DISCOUNT).text() == "20.00"  # paid by 5 July: the discount is shown
    dialog.tick(acme)
    assert dialog.bills.item(0, PAY).text() == "980.00"
    assert "leaves the bank: 980.00 USD" in dialog.summary.text()
    dialog.date.set_value(date(2024, 7, 6))  # after the discount date: no discount, all that is open
    assert dialog.bills.item(0, DISCOUNT).text() == "" and dialog.bills.item(0, PAY).text() == "1,000.00"
    dialog.reject()

    dialog = show(qtbot, PayBillsDialog(treasurer, "DESIGN"))
    assert "24 % of what is paid in cash is kept back" in dialog.vendor_note.text()
    dialog.tick(design, "200.00")  # a part payment: 48.00 withheld, 152.00 to the vendor
    assert dialog.bills.item(0, WITHHELD).text() == "48.00"
    assert "withheld −48.00" in dialog.summary.text() and "leaves the bank: 152.00 USD" in dialog.summary.text()
    dialog.tick(design, "600.00")
    assert "more than its open amount 500.00" in dialog.error.text() and not dialog.pay_button.isEnabled()
    dialog.tick(design, "200.00")
    shot(dialog, "pay-bills")
    assert dialog.save()
    assert dialog.saved_code == "PMT-2024-000001"
    assert open_amounts(ap.books)[design] == (30000, "partially_paid")

    view = show(qtbot, PaymentsView(treasurer))
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 1 and view.model.row_at(0).withheld == Decimal("48.00")
    view.table.selectRow(0)
    assert view.void_button.isEnabled()

    def void(box: VoidPaymentDialog) -> None:
        box.save()  # no reason: refused, named
        assert "needs a reason" in box.error.text()
        box.reason.setText("paid the wrong amount")
        assert box.save()

    handler = handle_dialog(VoidPaymentDialog, void)
    view.void_current()
    del handler
    assert open_amounts(ap.books)[design] == (50000, "posted")
    wait_idle(qtbot, view)
    row = view.model.row_at(0)
    assert row.voided and row.voided_on == date(2024, 6, 30) and row.void_reason == "paid the wrong amount"
    assert not view.void_button.isEnabled() or view.current() is None
    view.resize(1100, 420)
    shot(view, "payments")


def test_the_ap_clerk_may_not_pay_or_void(qtbot: Any, ap: Payables) -> None:
    clerk = session_hub(ap.books, "clerk", "AP clerk")
    payments = show(qtbot, PaymentsView(clerk))
    wait_idle(qtbot, payments)
    assert payments.pay_button.isHidden() and payments.void_button.isHidden()
    assert payments.count.text() == "No payments yet."
    assert {p.key for p in PAGES if p.group == "Payments"} == {"schedule", "payment-runs", "payments"}


def test_the_schedule_shows_cash_needed_week_by_week_against_the_bank(qtbot: Any, ap: Payables) -> None:
    ap.bill("BOLT", "400.00", JUNE, due=date(2024, 6, 20))  # overdue: the first week
    ap.bill("ACME", "1000.00", date(2024, 6, 25))  # due 25 July, discount until 5 July
    bolt = ap.bill("BOLT", "250.00", JUNE, due=date(2024, 7, 10), on_hold=True)
    hub = Hub(_admin_session(ap.books))
    view = show(qtbot, PaymentScheduleView(hub))
    view.resize(1200, 720)
    wait_idle(qtbot, view)
    lines = view.lines
    assert len(lines) == 8 and lines[0].start == date(2024, 6, 30)
    assert [(w.due, w.discounts, w.discount) for w in lines[:4]] == [
        (Decimal("400.00"), 1, Decimal("20.00")),
        (Decimal("250.00"), 0, Decimal("0")),
        (Decimal("0.00"), 0, Decimal("0")),
        (Decimal("1000.00"), 0, Decimal("0")),
    ]
    assert lines[3].cumulative == Decimal("1650.00") and lines[3].left == Decimal("-150.00")
    assert view.chart.bars[:4] == [400.0, 250.0, 0.0, 1000.0]
    assert "short from the week of 21 Jul" in view.status.text() and view.status.property("state") == "bad"
    view.week_table.selectRow(1)
    assert [b.bill for b in view.bill_model.rows] == [bolt] and view.bill_model.rows[0].on_hold
    shot(view, "schedule")
    view.bank.setCurrentIndex(view.bank.findData("Operating"))
    assert "Operating 1,500.00" in view.status.text()
