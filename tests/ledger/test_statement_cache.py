"""Statements reuse the chart, layouts, company facts and closing entries between runs; these tests prove
that a change by another client (its own process, its own cache) shows in the very next statement, on
both engines, whatever made the change: a service, or plain SQL that no service code saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, select, text

from paksa_desktop.company import Company
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.ledger.models import AccountSubtype, FiscalYear
from paksa_desktop.ledger.statement_layout import LineSpec, StatementKind
from paksa_desktop.ledger.statements import By, Compare, StatementOptions, StatementQueries
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.reporting.model import Report
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.helpers import entry
from tests.ledger.test_statements import figure, labels, trading_year

D = Decimal
YEAR = StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31))
AS_OF = StatementOptions(as_of=date(2024, 12, 31))


@pytest.fixture
def other(books: Books) -> Iterator[Company]:
    """A second client on the same database, with a cache of its own."""
    company = Company.open(books.url, clock=books.clock)
    yield company
    company.close()


def fresh(books: Books) -> StatementQueries:
    """Statements with an empty cache: what the database says now."""
    return StatementQueries(books.company.engine, books.ctx)


def same(a: Report, b: Report) -> None:
    assert (a.rows, a.totals, a.columns, a.company) == (b.rows, b.totals, b.columns, b.company)


def test_a_parent_set_by_plain_sql_elsewhere_shows_at_once(books: Books, other: Company) -> None:
    trading_year(books)
    statements = books.company.statements(books.ctx)
    before = statements.income_statement(YEAR)
    assert "6100 Rent" in labels(before) and "6110 Utilities" in labels(before)
    with other.engine.begin() as conn:  # no service: only the database's triggers can tell
        conn.execute(
            text("UPDATE accounts SET parent_id = (SELECT id FROM accounts WHERE code = '6100') WHERE code = '6110'")
        )
    after = statements.income_statement(YEAR)
    assert "6100 Rent" not in labels(after)  # a parent now: no longer a postable account of its own
    assert "6110 Utilities" in labels(after)
    same(after, fresh(books).income_statement(YEAR))


def test_a_subtype_changed_by_another_user_moves_the_account(books: Books, other: Company) -> None:
    trading_year(books)
    statements = books.company.statements(books.ctx)
    assert figure(statements.income_statement(YEAR), "Depreciation and amortisation") == D("1000.00")
    other_ctx = other.login("admin", ADMIN_PASSWORD)
    other.ledger(other_ctx).update_account("6100", subtype=AccountSubtype.DEPRECIATION)
    after = statements.income_statement(YEAR)
    assert figure(after, "Depreciation and amortisation") == D("7500.00")  # rent 6,500 joined it
    same(after, fresh(books).income_statement(YEAR))


def test_a_layout_line_saved_by_another_user_shows_at_once(books: Books, other: Company) -> None:
    trading_year(books)
    statements = books.company.statements(books.ctx)
    assert "Cash and cash equivalents" in labels(statements.balance_sheet(AS_OF))
    other_ctx = other.login("admin", ADMIN_PASSWORD)
    layouts = other.statement_layouts(other_ctx)
    lines: dict[str, list[LineSpec]] = {}
    for view in layouts.layout(StatementKind.BALANCE_SHEET).lines:
        title = "Money in the bank" if view.key == "cash_and_bank" else view.title
        lines.setdefault(view.group_key, []).append(LineSpec(view.key, title, view.rules))
    layouts.save_layout(StatementKind.BALANCE_SHEET, lines, {})
    after = statements.balance_sheet(AS_OF)
    assert figure(after, "Money in the bank") == D("49000.00")
    assert "Cash and cash equivalents" not in labels(after)
    same(after, fresh(books).balance_sheet(AS_OF))
    layouts.reset_layout(StatementKind.BALANCE_SHEET)
    assert "Cash and cash equivalents" in labels(statements.balance_sheet(AS_OF))


def test_a_year_closed_by_another_user_stays_out_of_the_year(books: Books, other: Company) -> None:
    trading_year(books)
    books.ledger.ensure_fiscal_year(date(2024, 1, 1))
    statements = books.company.statements(books.ctx)
    assert figure(statements.income_statement(YEAR), "Net income") == D("4000.00")
    assert figure(statements.balance_sheet(AS_OF), "Current-year earnings") == D("4000.00")
    other_ctx = other.login("admin", ADMIN_PASSWORD)
    with UnitOfWork(other.engine, write=False) as uow:
        year_id = uow.session.execute(select(FiscalYear.id).where(FiscalYear.name == "2024")).scalar_one()
    ref, _ = other.ledger(other_ctx).close_year(year_id)
    assert ref is not None
    # the closing entry must be known to be one, or it would count as income and expense of 2024
    assert figure(statements.income_statement(YEAR), "Net income") == D("4000.00")
    assert figure(statements.balance_sheet(AS_OF), "Current-year earnings") == D("4000.00")
    same(statements.changes_in_equity(YEAR), fresh(books).changes_in_equity(YEAR))


def test_a_company_renamed_elsewhere_heads_the_next_report(books: Books, other: Company) -> None:
    statements = books.company.statements(books.ctx)
    assert statements.income_statement(YEAR).company == "Test Company Ltd"
    with other.engine.begin() as conn:
        conn.execute(text("UPDATE company SET name = 'Renamed Ltd'"))
    assert statements.income_statement(YEAR).company == "Renamed Ltd"


def _count_queries(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    return seen


def test_a_second_run_reads_only_the_counter_and_the_figures(books: Books) -> None:
    """The point of the cache: once read, the structure costs one tiny query per statement."""
    trading_year(books)
    statements = books.company.statements(books.ctx)
    statements.income_statement(YEAR)
    seen = _count_queries(books.company.engine)
    statements.income_statement(YEAR)
    structure = [q for q in seen if any(t in q for t in ("FROM accounts", "FROM statement_line", "FROM company"))]
    assert structure == []
    assert sum("structure_version" in q for q in seen) == 1
    books.ledger.post(entry("2024-07-01", ("1100", "10.00"), ("4010", "-10.00")))  # postings keep the cache
    seen.clear()
    assert figure(statements.income_statement(YEAR), "Total revenue") == D("12010.00")
    assert not any("FROM accounts" in q for q in seen)


def test_the_trial_balance_names_an_account_renamed_elsewhere(books: Books, other: Company) -> None:
    trading_year(books)
    queries = books.queries
    assert {r.code: r.name for r in queries.trial_balance().rows}["6100"] == "Rent"
    with other.engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET name = 'Office rent' WHERE code = '6100'"))
    assert {r.code: r.name for r in queries.trial_balance().rows}["6100"] == "Office rent"


def test_a_budget_created_elsewhere_is_found(books: Books, other: Company) -> None:
    trading_year(books)
    statements = books.company.statements(books.ctx)
    with pytest.raises(ValidationError, match="no budget yet"):
        statements.budget_vs_actual(YEAR)
    other_ctx = other.login("admin", ADMIN_PASSWORD)
    other.budgets(other_ctx).create_budget("Plan 2024")
    assert statements.budget_vs_actual(YEAR).columns[2].title == "Budget"
    other.budgets(other_ctx).rename_budget("Plan 2024", "Plan A")
    with pytest.raises(NotFoundError, match="unknown budget 'Plan 2024'"):
        statements.budget_vs_actual(StatementOptions(start=YEAR.start, end=YEAR.end, budget="Plan 2024"))


def test_each_statement_is_one_query_once_the_structure_is_known(books: Books) -> None:
    """All a statement reads (its figures, the closing entries it leaves out, the budget it compares with)
    and the counter that vouches for the cached structure go to the database as one SQL statement: one
    round trip, and on PostgreSQL one snapshot for figures and structure alike."""
    trading_year(books)
    books.ledger.ensure_fiscal_year(date(2024, 1, 1))
    with UnitOfWork(books.company.engine, write=False) as uow:
        year_id = uow.session.execute(select(FiscalYear.id).where(FiscalYear.name == "2024")).scalar_one()
    ref, _ = books.ledger.close_year(year_id)
    assert ref is not None
    books.company.budgets(books.ctx).create_budget("Plan 2024")
    statements = books.company.statements(books.ctx)
    next_year = StatementOptions(start=date(2025, 1, 1), end=date(2025, 12, 31))
    runs: dict[str, Callable[[], object]] = {
        "balance sheet": lambda: statements.balance_sheet(AS_OF),
        "balance sheet, previous year": lambda: statements.balance_sheet(
            StatementOptions(as_of=AS_OF.as_of, compare=Compare.PREVIOUS_YEAR)
        ),
        "balance sheet by month": lambda: statements.balance_sheet(StatementOptions(as_of=AS_OF.as_of, by=By.MONTH)),
        "income statement": lambda: statements.income_statement(YEAR),
        "income statement by quarter": lambda: statements.income_statement(replace(YEAR, by=By.QUARTER)),
        "budget versus actual": lambda: statements.budget_vs_actual(YEAR),
        "cash flow": lambda: statements.cash_flow(YEAR),
        "cash flow by month": lambda: statements.cash_flow(replace(YEAR, by=By.MONTH)),
        "changes in equity": lambda: statements.changes_in_equity(YEAR),
        "changes in equity, the year after": lambda: statements.changes_in_equity(next_year),
        "trial balance": lambda: books.queries.trial_balance(as_of=date(2024, 12, 31)),
        "trial balance of a range": lambda: books.queries.trial_balance(start=YEAR.start, end=YEAR.end),
    }
    seen = _count_queries(books.company.engine)
    for name, run in runs.items():
        run()
        seen.clear()
        run()
        selects = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, (name, selects)
        assert "structure_version" in selects[0], name
