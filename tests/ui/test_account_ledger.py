"""The account ledger fetches pages as the view scrolls, with the running balance carried across pages."""

from __future__ import annotations

from decimal import Decimal

from tests.ui.conftest import wait_idle
from tests.ui.data import post_bank_lines
from ui.ledger.account_ledger_view import PAGE

ENTRIES = 2600  # 2,600 lines on the bank account


def test_lazy_pages_keep_the_running_balance(qtbot, window, sqlite_books, tmp_path):
    post_bank_lines(sqlite_books, tmp_path, ENTRIES)
    bank_id = sqlite_books.queries.account("1100").id
    tab = window.ledger_tab
    tab.show_account_ledger(bank_id)
    view = tab.account_ledger
    wait_idle(qtbot, view)
    model = view.model
    assert model.rowCount() == PAGE and model.canFetchMore()
    assert "500 lines loaded — scroll for more" in view.loaded.text()
    expected_closing = Decimal(ENTRIES * (ENTRIES + 1) // 2)
    assert f"{expected_closing:,.2f}" in view.closing.text()

    # scrolling to the bottom makes the view ask for the next page
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > PAGE)
    assert model.rowCount() == 2 * PAGE

    model.fetch_all()
    assert model.rowCount() == ENTRIES and not model.canFetchMore()
    balances = [model.row_at(r).balance for r in range(model.rowCount())]
    assert balances[PAGE - 1] == Decimal(PAGE * (PAGE + 1) // 2)
    assert balances[PAGE] == balances[PAGE - 1] + Decimal(PAGE + 1)  # carried across the page boundary
    assert balances[-1] == expected_closing
    assert view.loaded.text() == f"{ENTRIES:,} lines loaded"


def test_unknown_account_asks_for_one(qtbot, window):
    view = window.ledger_tab.account_ledger
    window.ledger_tab.show_view(3)
    view.account.setText("no such account")
    view.load()
    assert view.model.rowCount() == 0 and "Choose an account" in view.opening.text()
