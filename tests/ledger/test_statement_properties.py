"""Properties of the statements for any ledger (hypothesis): the balance sheet balances on every date,
the cash flow statement explains the change in cash of every period, and the statement of changes in
equity ends where the balance sheet does — with or without a year-end close in between."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from paksa_desktop.ledger.commands import EntryInput, LineInput
from paksa_desktop.ledger.models import FiscalYear
from paksa_desktop.ledger.statements import By, StatementOptions, StatementQueries
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.ledger.test_properties import COMMON, Template, copy_of, make_template

# every kind of account a statement treats differently: cash, working capital, fixed assets and
# their depreciation, loans, capital, retained earnings, income and expenses
ACCOUNTS = ("1010", "1100", "1200", "1300", "1400", "1550", "1650", "1700", "2010", "2100", "2200", "2710",
            "3100", "3200", "4010", "4110", "5010", "6100", "6300", "7010", "8000")  # fmt: skip
CASH = ("1010", "1020", "1100", "1110")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(str(tmp_path_factory.mktemp("statements-template") / "template.paksa"))


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[EntryInput], bool, list[date]]:
    entries = []
    for _ in range(draw(st.integers(1, 12))):
        day = draw(st.dates(date(2024, 1, 1), date(2025, 12, 31)))
        amounts = draw(st.lists(st.integers(1, 10**9), min_size=1, max_size=3))
        accounts = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=len(amounts) + 1, max_size=len(amounts) + 1))
        lines = [LineInput(a, debit=Decimal(v) / 100) for a, v in zip(accounts, amounts, strict=False)]
        lines.append(LineInput(accounts[-1], credit=Decimal(sum(amounts)) / 100))
        entries.append(EntryInput(day, tuple(lines), memo="random"))
    dates = draw(st.lists(st.dates(date(2023, 12, 1), date(2026, 1, 31)), min_size=1, max_size=4))
    return entries, draw(st.booleans()), dates


@given(ledger=ledgers())
@COMMON
def test_statements_always_add_up(template: Template, ledger: tuple[list[EntryInput], bool, list[date]]) -> None:
    entries, close_2024, dates = ledger
    with copy_of(template) as books:
        for e in entries:
            books.ledger.post(e)
        if close_2024:
            books.ledger.ensure_fiscal_year(date(2024, 1, 1))
            with UnitOfWork(books.company.engine, write=False) as uow:
                year = uow.session.execute(select(FiscalYear.id).where(FiscalYear.name == "2024")).scalar_one()
            books.ledger.close_year(year)
        statements = StatementQueries(books.company.engine, books.template.ctx)
        for day in dates:
            keys = statements.balance_sheet(StatementOptions(as_of=day)).meta["keys"]
            assert keys["total_assets"] == keys["total_liabilities_and_equity"], day
        by_month = statements.balance_sheet(StatementOptions(as_of=date(2025, 12, 31), by=By.MONTH)).meta["keys"]
        assert by_month["total_assets"] == by_month["total_liabilities_and_equity"]

        for start, end in ((date(2024, 1, 1), date(2024, 12, 31)), (min(dates), max(dates))):
            cash_flow = statements.cash_flow(StatementOptions(start=start, end=end))
            closing_row = cash_flow.rows[-1]
            assert closing_row.cells[0] == "Cash at the end of the period"
            balances = books.queries.trial_balance(as_of=end)
            cash = sum((r.closing for r in balances.rows if r.code in CASH), Decimal(0))
            assert closing_row.cells[1] == cash, (start, end)
            opening = cash_flow.rows[-2].cells[1]
            before = books.queries.trial_balance(as_of=start - timedelta(days=1))
            assert opening == sum((r.closing for r in before.rows if r.code in CASH), Decimal(0))

            equity = statements.changes_in_equity(StatementOptions(start=start, end=end))
            sheet = statements.balance_sheet(StatementOptions(as_of=end)).meta["keys"]
            assert equity.totals[0].cells[-1] == Decimal(sheet["equity"][0]) / 100
            income = statements.income_statement(StatementOptions(start=start, end=end)).meta["keys"]
            assert equity.rows[1].cells[-1] == Decimal(income["net_income"][0]) / 100
