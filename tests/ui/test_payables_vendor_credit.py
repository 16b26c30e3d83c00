"""Vendor credit in the Payables tab: a prepayment made in Pay bills… with no bill ticked, an overpayment
kept on account, the payments list's On account column, and Vendor credit… applying a payment's remainder
to a later bill, booking a vendor's refund of a credit note and voiding it; an AP clerk sees the credit
but neither Refund… nor Void refund…."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool

from paksa_desktop.payables.models import VendorRefund
from paksa_desktop.payables.payments import PaymentInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables, gl_balance, open_amounts
from tests.ui.ar_data import user_session
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.hub import Hub
from ui.payables.pay_bills_dialog import PayBillsDialog
from ui.payables.payments_view import PaymentsView
from ui.payables.vendor_credit_dialog import RefundDialog, VendorCreditDialog
from ui.payables.vendors_view import VendorsView

SHOTS = Path(os.environ.get("PAKSA_SCREENSHOTS") or tempfile.gettempdir())
JUNE = date(2024, 6, 3)


def shot(widget: Any, name: str) -> Path:
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = SHOTS / f"aprefund-{name}.png"
    widget.grab().save(str(path))
    return path


@pytest.fixture
def ap(sqlite_books: Books) -> Payables:
    p = Payables(sqlite_books)
    p.bank()
    sqlite_books.ledger.post(entry("2024-06-01", ("1100", "5000.00"), ("3100", "-5000.00"), memo="Capital"))
    p.vendor("ACME", "Acme Office Supplies")
    p.vendor("BOLT", "Bolt Hardware Ltd")
    return p


def show(qtbot: Any, widget: Any) -> Any:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_prepay_apply_refund_and_void_in_the_payables_screens(qtbot: Any, ap: Payables, messages: Messages) -> None:
    treasurer = Hub(user_session(ap.books, "treasurer", "Treasurer"))
    acme_bill = ap.bill("ACME", "400.00", JUNE, vendor_invoice="A-1")

    # a prepayment: no bill ticked, an amount paid
    dialog = show(qtbot, PayBillsDialog(treasurer, "BOLT"))
    dialog.date.set_value(JUNE)
    assert "enter an amount paid to pay on account" in dialog.vendor_note.text()
    assert not dialog.pay_button.isEnabled()
    dialog.paid.setText("300.00")
    assert "No bill: a prepayment" in dialog.summary.text() and "leaves the bank: 300.00 USD" in dialog.summary.text()
    assert dialog.pay_button.isEnabled()
    shot(dialog, "pay-on-account")
    assert dialog.save() and dialog.saved_code == "PMT-2024-000001"

    # an overpayment: the bill and 50.00 on account; less than the bill needs is refused, named
    dialog = show(qtbot, PayBillsDialog(treasurer, "ACME"))
    dialog.date.set_value(date(2024, 6, 5))
    dialog.tick(acme_bill)
    dialog.paid.setText("390.00")
    assert "is less than the 400.00 the ticked bills need" in dialog.error.text() and not dialog.pay_button.isEnabled()
    dialog.paid.setText("450.00")
    assert "on account 50.00" in dialog.summary.text() and "leaves the bank: 450.00 USD" in dialog.summary.text()
    assert dialog.save()
    assert open_amounts(ap.books)[acme_bill] == (0, "paid")
    assert gl_balance(ap.books, "2010") == 35000  # both vendors owe us what we paid on account

    view = show(qtbot, PaymentsView(treasurer))
    wait_idle(qtbot, view)
    on_account = {view.model.row_at(r).number: view.model.row_at(r).unapplied for r in range(view.model.rowCount())}
    assert on_account == {"PMT-2024-000001": Decimal("300.00"), "PMT-2024-000002": Decimal("50.00")}
    view.resize(1200, 360)
    shot(view, "payments")

    # Vendor credit…: BOLT's prepayment applied to a bill posted since, then a credit note refunded
    bolt_bill = ap.bill("BOLT", "180.00", date(2024, 6, 10), vendor_invoice="B-9")
    note = ap.credit_note("BOLT", "75.00", date(2024, 6, 11), vendor_invoice="BC-1")
    credit = show(qtbot, VendorCreditDialog(treasurer, "BOLT"))
    credit.date.set_value(date(2024, 6, 12))
    assert [r.number for r in credit.model.rows] == ["PMT-2024-000001", note]
    credit.table.selectRow(0)
    credit.apply_selected()
    assert "Applied PMT-2024-000001 to " + bolt_bill in credit.message.text(), credit.error.text()
    assert open_amounts(ap.books)[bolt_bill] == (0, "paid")
    assert [(r.number, r.available) for r in credit.model.rows] == [
        ("PMT-2024-000001", Decimal("120.00")),
        (note, Decimal("75.00")),
    ]
    credit.table.selectRow(1)

    def refund(box: RefundDialog) -> None:
        assert box.amount_edit.text() == "75.00"
        box.amount_edit.setText("80.00")
        box.save()  # more than the credit note has: refused, named
        assert "more than the 75.00 left" in box.error.text()
        box.amount_edit.setText("75.00")
        box.reference.setText("BOLT refund 11/6")
        shot(box, "refund")
        assert box.save()

    handler = handle_dialog(RefundDialog, refund)
    credit.refund_selected()
    del handler
    assert "Booked the refund of 75.00 USD" in credit.message.text()
    assert open_amounts(ap.books)[note] == (0, "paid")
    assert credit.refund_model.rowCount() == 1
    credit.resize(900, 540)
    shot(credit, "vendor-credit")
    credit.refund_table.selectRow(0)
    assert credit.void_button.isEnabled()
    credit.void_selected("returned by the bank")
    assert open_amounts(ap.books)[note] == (7500, "posted")
    assert credit.refund_model.row_at(0).voided_on == date(2024, 6, 12)
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        assert uow.session.query(VendorRefund).one().void_reason == "returned by the bank"
    credit.reject()


def test_a_clerk_sees_vendor_credit_but_cannot_refund(qtbot: Any, ap: Payables, messages: Messages) -> None:
    ap.credit_note("BOLT", "40.00", JUNE)
    clerk = Hub(user_session(ap.books, "clerk", "AP clerk"))
    vendors = show(qtbot, VendorsView(clerk))
    wait_idle(qtbot, vendors)
    assert vendors.credit_button.isVisible()
    credit = show(qtbot, VendorCreditDialog(clerk, "BOLT"))
    assert credit.model.rowCount() == 1
    assert not credit.refund_button.isVisible() and not credit.void_button.isVisible()
    assert credit.apply_button.isEnabled()  # a clerk applies credit notes, as on the bill screen
    credit.apply_selected()
    assert "no open USD bill" in credit.error.text()
    empty = show(qtbot, VendorCreditDialog(clerk, "ACME"))
    assert "No payment on account or open credit note" in empty.message.text()


def test_the_aging_shows_money_on_account_and_drills_to_the_vendors_credit(
    qtbot: Any, window: Any, sqlite_books: Books
) -> None:
    ap = Payables(sqlite_books)
    ap.bank()
    ap.vendor("BOLT", "Bolt Hardware Ltd")
    bill = ap.bill("BOLT", "200.00", date(2024, 5, 1), due=date(2024, 6, 14))  # 16 days overdue
    sqlite_books.company.vendor_payments(sqlite_books.ctx).pay(
        PaymentInput("BOLT", "Operating", date(2024, 6, 20), (), amount=Decimal("500.00"), reference="order 9")
    )
    tab = window.payables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("aging")
    wait_idle(qtbot, view)
    first = [view.model.index(0, c).data() or "" for c in range(view.model.columnCount())]
    assert first == ["BOLT", "Bolt Hardware Ltd", "(500.00)", "200.00", "", "", "", "(300.00)"]
    assert "total (300.00) USD · overdue 200.00" in view.status.text()
    view.table.selectRow(0)
    view.drill_current()
    qtbot.waitUntil(lambda: not view.detail_loader.busy and view.detail_model.rowCount() > 0)
    rows = {r.cells[0]: r for r in view.detail_model.report.rows}
    assert set(rows) == {bill, "PMT-2024-000001"} and "On account" in rows["PMT-2024-000001"].cells
    view.resize(1200, 560)
    shot(view, "aging-detail")
    number = [r.cells[0] for r in view.detail_model.report.rows].index("PMT-2024-000001")
    seen: list[str] = []

    def credit(dialog: VendorCreditDialog) -> None:
        seen.append(dialog.vendor.currentData())
        dialog.reject()

    handler = handle_dialog(VendorCreditDialog, credit)
    view.detail_table.selectRow(number)
    view._open_document(view.detail_model.index(number, 0))
    del handler
    assert seen == ["BOLT"]


def test_the_run_editor_nets_money_on_account(qtbot: Any, ap: Payables, messages: Messages) -> None:
    from ui.payables.payment_runs_view import AMOUNT, NAME, OPEN, TO_PAY, RunEditor

    ap.bill("ACME", "420.00", JUNE, due=date(2024, 6, 10), vendor_invoice="AC-77")
    ap.bill("BOLT", "180.00", JUNE, due=date(2024, 6, 10), vendor_invoice="B-18")
    ap.bill("BOLT", "300.00", JUNE, due=date(2024, 6, 11), vendor_invoice="B-19")
    payments = ap.books.company.vendor_payments(ap.books.ctx)
    acme_deposit, _ = payments.pay(PaymentInput("ACME", "Operating", JUNE, (), amount=Decimal("500.00")))
    bolt_deposit, _ = payments.pay(PaymentInput("BOLT", "Operating", JUNE, (), amount=Decimal("250.00")))
    proposal, _ = ap.books.company.payment_runs(ap.books.ctx).propose(date(2024, 6, 12), "Operating", date(2024, 6, 11))
    editor = show(qtbot, RunEditor(Hub(user_session(ap.books, "treasurer", "Treasurer")), proposal.run_id))
    # the money on account is a sub-row of its vendor, taken away from what the vendor receives
    row = editor.find(bolt_deposit.number)
    assert row is not None and row.text(NAME) == bolt_deposit.number and row.text(1) == "Paid on account"
    assert not row.flags() & Qt.ItemFlag.ItemIsUserCheckable  # follows the vendor's bills
    assert (row.text(AMOUNT), row.text(TO_PAY)) == ("(250.00)", "(250.00)")
    assert editor.find("BOLT").text(TO_PAY) == "230.00"
    # ACME's 420 is covered by its 500 deposit: nothing is sent to it; 80 stays on account
    acme = editor.find("ACME")
    assert acme.text(TO_PAY) == "0.00" and acme.text(1) == "1 bill, covered"
    assert editor.find(acme_deposit.number).text(OPEN) == "(500.00)"
    assert "Leaves the bank: 230.00 USD" in editor.totals.text()
    assert "money on account used 670.00" in editor.totals.text()
    assert "not netted" not in editor.dropped.text()
    editor.resize(1040, 420)
    shot(editor, "run-editor")
    path = SHOTS / "runnet-run-editor.png"
    editor.grab().save(str(path))
    editor.approve()
    qtbot.waitUntil(lambda: editor.proposal.state == "approved")
    editor.post()
    qtbot.waitUntil(lambda: editor.proposal.state == "posted", timeout=10_000)
    assert messages.texts("question")[-1].startswith("Post run 1: 1 payment(s) totalling 230.00 USD")
    assert "Money on account applied: 670.00 USD." in messages.texts("question")[-1]
    assert all(state == (0, "paid") for state in open_amounts(ap.books).values())
    assert payments.payment(acme_deposit.number).unapplied == Decimal("80.00")
    assert payments.payment(bolt_deposit.number).unapplied == Decimal("0.00")
    editor.reject()
