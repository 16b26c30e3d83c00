"""The bank account form's opening reconciled date and balance: both or neither (named in a dialog), saved
through the service with the rest of the form, shown again when the account is reopened."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.ui.conftest import Messages, handle_dialog, wait_idle
from tests.ui.test_banking_tab import account_row, add_account, shot
from ui.banking.accounts_view import BankAccountDialog, BankAccountsView
from ui.hub import Hub


def test_opening_reconciled_balance_in_the_account_form(qtbot: Any, hub: Hub, messages: Messages) -> None:
    add_account(hub, "Operating", "1100")
    view = BankAccountsView(hub)
    qtbot.addWidget(view)
    view.show()
    wait_idle(qtbot, view)
    seen: list[str] = []

    def fill(dialog: BankAccountDialog) -> None:
        assert dialog.reconciled_from.value() is None and dialog.opening.text() == ""
        dialog.reconciled_from.set_value(date(2024, 2, 29))
        dialog.save()  # a date without a balance
        seen.append(messages.last())
        assert dialog.isVisible()
        dialog.opening.setText("12,500.5x")
        dialog.save()
        seen.append(messages.last())
        dialog.opening.setText("12,500.50")
        shot(dialog, "account-opening")
        dialog.save()

    timer = handle_dialog(BankAccountDialog, fill)
    view.table.selectRow(0)
    view.open_current()
    del timer
    assert seen[0].startswith("Reconciled from / Opening reconciled balance: give both")
    assert seen[1] == "Opening reconciled balance: '12500.5x' is not an amount"
    row = account_row(hub, "Operating")
    assert (row.reconciled_from, row.opening_reconciled) == (date(2024, 2, 29), Decimal("12500.50"))

    def check(dialog: BankAccountDialog) -> None:
        assert dialog.reconciled_from.value() == date(2024, 2, 29) and dialog.opening.text() == "12500.50"
        dialog.reject()

    qtbot.waitUntil(lambda: view.model.row_at(0).account.reconciled_from is not None, timeout=5_000)
    view.table.selectRow(0)
    timer = handle_dialog(BankAccountDialog, check)
    view.open_current()
    del timer
