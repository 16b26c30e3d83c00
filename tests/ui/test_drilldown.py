"""From a figure to the entries behind it: trial balance → account ledger → entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt

from tests.ui.conftest import wait_idle
from tests.ui.data import post_sample, refresh_all
from ui.ledger.ledger_tab import ACCOUNT_LEDGER, ACCOUNTS, TRIAL_BALANCE
from ui.ledger.trial_balance_view import RANGE


def row_of(model, code: str) -> int:
    return next(r for r in range(model.rowCount()) if model.report_row(r).cells[0] == code)


def double_click(qtbot, view, index) -> None:
    view.scrollTo(index)
    pos = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_trial_balance_to_account_ledger_to_entry(qtbot, window, sqlite_books):
    post_sample(sqlite_books)
    refresh_all(window)
    tab = window.ledger_tab
    tb = tab.show_view(TRIAL_BALANCE)
    tb.mode.setCurrentIndex(tb.mode.findData(RANGE))
    tb.start.set_value(date(2024, 2, 1))
    tb.end.set_value(date(2024, 3, 31))
    tb.filters.apply_now()
    wait_idle(qtbot, tb)
    assert tb.status.property("state") == "ok"
    assert [c.title for c in tb.model.report.columns] == [
        "Code", "Account", "Opening", "Debit", "Credit", "Net movement", "Closing",
    ]  # fmt: skip
    bank = tb.model.report_row(row_of(tb.model, "1100")).cells
    assert bank[2:] == (Decimal("10000.00"), Decimal("0.00"), Decimal("800.00"), Decimal("-800.00"), Decimal("9200.00"))
    assert tb.model.index(row_of(tb.model, "1100"), 5).data() == "(800.00)"  # negatives in parentheses
    total = tb.model.rowCount() - 1
    assert tb.model.index(total, 1).data() == "Total"

    double_click(qtbot, tb.table, tb.model.index(row_of(tb.model, "1100"), 1))
    ledger = tab.current_view()
    assert ledger is tab.views[ACCOUNT_LEDGER]
    wait_idle(qtbot, ledger)
    assert ledger.account.code() == "1100"
    assert (ledger.start.value(), ledger.end.value()) == (date(2024, 2, 1), date(2024, 3, 31))
    assert ledger.model.rowCount() == 1  # only the March rent in the range
    assert "10,000.00" in ledger.opening.text() and "9,200.00" in ledger.closing.text()
    line = ledger.model.row_at(0)
    assert (line.credit, line.balance) == (Decimal("800.00"), Decimal("9200.00"))

    double_click(qtbot, ledger.table, ledger.model.index(0, 2))
    editor = tab.editors[line.entry_id]
    assert editor.isVisible() and editor.memo.text() == "March rent" and editor.model.read_only
    editor.reject()


def test_chart_of_accounts_balance_drills_to_the_ledger(qtbot, window, sqlite_books):
    post_sample(sqlite_books)
    refresh_all(window)
    tab = window.ledger_tab
    accounts = tab.show_view(ACCOUNTS)
    wait_idle(qtbot, accounts)
    source = accounts.model.index_of(sqlite_books.queries.account("6100").id, 4)
    index = accounts.proxy.mapFromSource(source)
    assert index.data() == "800.00"
    parent = accounts.proxy.mapFromSource(accounts.model.index_of(sqlite_books.queries.account("6000").id, 4))
    assert parent.data() == "800.00"  # rolled up
    double_click(qtbot, accounts.tree, index)
    assert tab.current_view() is tab.account_ledger
    assert tab.account_ledger.account.code() == "6100"
    assert tab.account_ledger.model.rowCount() == 1
