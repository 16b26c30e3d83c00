"""Every table and tree model passes Qt's model tester over real data."""

from __future__ import annotations

from datetime import date

from paksa_desktop.ledger.commands import RecurringInput
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.ledger.queries import EntryFilter
from paksa_desktop.ledger.reports import trial_balance_report
from tests.ledger.helpers import line
from tests.ui.data import post_bank_lines, post_sample
from ui.ledger.account_ledger_view import COLUMNS as LEDGER_COLUMNS
from ui.ledger.account_ledger_view import LedgerPager
from ui.ledger.accounts_view import AccountsFilter
from ui.ledger.entries_view import COLUMNS as ENTRY_COLUMNS
from ui.ledger.entries_view import EntriesPager
from ui.ledger.recurring_view import COLUMNS as RECURRING_COLUMNS
from ui.models.account_choices import AccountChoices
from ui.models.accounts_tree_model import AccountsTreeModel
from ui.models.entry_lines_model import EntryLinesModel
from ui.models.periods_model import PeriodsTreeModel, build_years
from ui.models.report_model import ReportTableModel
from ui.models.rows_model import PagedRowsModel, RowsTableModel


def test_accounts_tree_and_its_filter(qtmodeltester, sqlite_books):
    post_sample(sqlite_books)
    model = AccountsTreeModel(2)
    model.set_accounts(sqlite_books.queries.accounts())
    qtmodeltester.check(model)
    proxy = AccountsFilter()
    proxy.setSourceModel(model)
    proxy.set_filter("bank", show_inactive=True)
    qtmodeltester.check(proxy)
    shown = set()
    for row in range(proxy.rowCount()):
        parent = proxy.index(row, 0)
        shown.add(parent.data())
        shown.update(proxy.index(r, 0, parent).data() for r in range(proxy.rowCount(parent)))
    # matches keep their parents so the path stays visible
    assert shown == {"1000", "1100", "1110", "2700", "2710", "6000", "6210"}


def test_trial_balance_report_model(qtmodeltester, sqlite_books):
    post_sample(sqlite_books)
    model = ReportTableModel()
    tb = sqlite_books.queries.trial_balance(start=date(2024, 1, 1), end=date(2024, 12, 31))
    model.set_report(trial_balance_report(tb, "Test", 2))
    qtmodeltester.check(model)
    assert model.rowCount() == len(tb.rows) + 1


def test_paged_entries_and_ledger_models(qtmodeltester, sqlite_books, tmp_path):
    post_bank_lines(sqlite_books, tmp_path, 300)
    entries = PagedRowsModel(ENTRY_COLUMNS)
    entries.set_pager(EntriesPager(sqlite_books.queries, EntryFilter(), page=100))
    qtmodeltester.check(entries)
    bank = sqlite_books.queries.account("1100").id
    ledger = PagedRowsModel(LEDGER_COLUMNS)
    ledger.set_pager(LedgerPager(sqlite_books.queries, bank, None, None, page=120))
    qtmodeltester.check(ledger)


def test_periods_tree(qtmodeltester, sqlite_books):
    post_sample(sqlite_books)
    sqlite_books.ledger.ensure_fiscal_year(date(2025, 1, 1))
    model = PeriodsTreeModel()
    model.set_years(build_years(sqlite_books.queries.fiscal_years(), sqlite_books.queries.periods()))
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.rowCount(model.index(0, 0)) == 12


def test_entry_lines_and_recurring_models(qtmodeltester, sqlite_books):
    lines = EntryLinesModel(AccountChoices(sqlite_books.queries.accounts()))
    lines.setData(lines.index(0, 0), "1100")
    lines.setData(lines.index(0, 1), "12.50")
    qtmodeltester.check(lines)
    sqlite_books.ledger.save_recurring(
        RecurringInput("Rent", Frequency.MONTHLY, date(2024, 1, 31), (line("6100", "800"), line("1100", "-800")))
    )
    recurring = RowsTableModel(RECURRING_COLUMNS)
    recurring.set_rows(sqlite_books.queries.recurring())
    qtmodeltester.check(recurring)
