"""The reconciliation screen with payables: a payment run's single debit and a bill's payment are proposed
with their reasons; Ctrl+Shift+A books both (the bill paid, the run's payments cleared)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt

from tests.banking.helpers import line, statement
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, open_amounts
from tests.ui.conftest import Messages
from tests.ui.test_banking_reconciliation import settle, shot
from ui.banking.reconciliation_view import BankReconciliationView
from ui.hub import Hub

JUNE = date(2024, 6, 3)
END = date(2024, 6, 30)


def test_a_run_and_a_bill_are_proposed_and_booked(
    qtbot: Any, sqlite_books: Books, hub: Hub, messages: Messages
) -> None:
    ap = Payables(sqlite_books)
    ap.bank()
    for code, name in (("A", "Alpine Freight"), ("B", "Blue River Foods"), ("C", "Harbor Packaging")):
        ap.vendor(code, name)
    for code, total, due in (("A", "100.00", 20), ("B", "250.50", 21), ("C", "40.25", 22)):
        ap.bill(code, total, JUNE, due=date(2024, 6, due))
    runs = sqlite_books.company.payment_runs(sqlite_books.ctx)
    proposal, _ = runs.propose(date(2024, 6, 24), "Operating", date(2024, 6, 23))
    runs.approve(proposal.run_id)
    runs.post(proposal.run_id)
    bill = ap.bill("C", "1180.00", JUNE, due=date(2024, 6, 28), vendor_invoice="HP-2024-118")
    message = f"PAKSA-RUN-{proposal.run_id}-20240624"
    sqlite_books.company.statement_import(sqlite_books.ctx).import_statements(
        "Operating",
        [
            statement(
                line("2024-06-24", "-390.75", f"{message}-1", "B1", description="SEPA batch, 3 transfers"),
                line("2024-06-28", "-1180.00", "HP-2024-118", "B2", counterparty="HARBOR PACKAGING"),
            )
        ],
    )
    view = BankReconciliationView(hub)
    qtbot.addWidget(view)
    view.resize(1280, 420)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=10_000)
    view.statement_date.set_value(END)
    view.balance.setText("-1570.75")
    view.balance.editingFinished.emit()
    settle(qtbot, view)
    rows = view.model.rows
    assert [r.amount for r in rows] == [Decimal("-390.75"), Decimal("-1180.00")]
    assert rows[0].items == f"payment run {proposal.run_id} ({message})"
    assert (
        rows[0].reasons
        == f"amount equal, payment run {proposal.run_id} ({message}) in reference, booked on the due date"
    )
    assert rows[1].items == f"bill {bill}"
    assert rows[1].reasons.startswith(f"amount equal, bill {bill} in reference, same counterparty")
    assert all(r.score is not None and r.score >= 80 for r in rows)
    shot(view, "payables")

    view.activateWindow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, view)
    assert view.model.rows == [] and messages.shown == []
    assert open_amounts(sqlite_books)[bill] == (0, "paid")
    assert view.figures["difference"].text() == "0.00"


def test_v_books_a_debit_with_no_bill_as_a_payment_on_account(
    qtbot: Any, sqlite_books: Books, hub: Hub, messages: Messages
) -> None:
    from tests.ui.conftest import handle_dialog
    from ui.banking.line_dialogs import PaymentOnAccountDialog

    ap = Payables(sqlite_books)
    ap.bank()
    ap.vendor("A", "Alpine Freight")
    ap.vendor("B", "Blue River Foods")
    sqlite_books.company.statement_import(sqlite_books.ctx).import_statements(
        "Operating",
        [statement(line("2024-06-12", "-600.00", "Deposit order 77", "D1", counterparty="BLUE RIVER FOODS LTD"))],
    )
    view = BankReconciliationView(hub)
    qtbot.addWidget(view)
    view.resize(1280, 420)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=10_000)
    view.statement_date.set_value(END)
    settle(qtbot, view)
    view.table.selectRow(0)
    view.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(lambda: view.isActiveWindow() and view.table.hasFocus(), timeout=5_000)
    assert view.prepay_button.isEnabled() and not view.receipt_button.isEnabled()
    view.grab().save("/tmp/aprefund-recon.png")

    def prepay(dialog: PaymentOnAccountDialog) -> None:
        assert dialog.chosen() == "B"  # the payee's name on the line
        dialog.grab().save("/tmp/aprefund-payment-on-account.png")
        dialog.accept()

    keep = handle_dialog(PaymentOnAccountDialog, prepay)
    qtbot.keyClick(view.table, Qt.Key.Key_V)
    settle(qtbot, view)
    del keep
    [credit] = sqlite_books.company.vendor_credit(sqlite_books.ctx).credits("B")
    assert (credit.kind, credit.available, credit.date) == ("payment", Decimal("600.00"), date(2024, 6, 12))
    assert view.model.rows == [] and messages.shown == []
