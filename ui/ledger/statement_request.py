"""What the statements screen asks the engine for, built from its controls; and the dates behind a column.

Kept free of widgets so the rules (which options each statement takes, what a month column covers)
are plain values a test can check against the engine's own columns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from paksa_desktop.core.periods import FiscalYearSpan, add_months, fiscal_year_containing, month_end
from paksa_desktop.ledger.statement_layout import StatementKind
from paksa_desktop.ledger.statements import By, Compare, Detail, StatementOptions, StatementQueries
from paksa_desktop.reporting.model import Report


class Statement(enum.StrEnum):
    BALANCE_SHEET = "balance_sheet"
    INCOME_STATEMENT = "income_statement"
    CASH_FLOW = "cash_flow"
    CHANGES_IN_EQUITY = "changes_in_equity"
    BUDGET_VS_ACTUAL = "budget_vs_actual"

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def layout(self) -> StatementKind:
        """Whose lines this statement shows: the layout the editor changes for it."""
        return _LAYOUTS[self]

    @property
    def as_of(self) -> bool:
        return self is Statement.BALANCE_SHEET

    @property
    def takes_columns(self) -> bool:
        """Comparison and by-month/quarter columns (the equity statement and budget review have fixed ones)."""
        return self not in (Statement.CHANGES_IN_EQUITY, Statement.BUDGET_VS_ACTUAL)

    @property
    def takes_budget(self) -> bool:
        return self in (Statement.INCOME_STATEMENT, Statement.BUDGET_VS_ACTUAL)


_TITLES = {
    Statement.BALANCE_SHEET: "Balance sheet",
    Statement.INCOME_STATEMENT: "Income statement",
    Statement.CASH_FLOW: "Cash flow statement",
    Statement.CHANGES_IN_EQUITY: "Changes in equity",
    Statement.BUDGET_VS_ACTUAL: "Budget versus actual",
}
_LAYOUTS = {
    Statement.BALANCE_SHEET: StatementKind.BALANCE_SHEET,
    Statement.INCOME_STATEMENT: StatementKind.INCOME_STATEMENT,
    Statement.CASH_FLOW: StatementKind.CASH_FLOW,
    Statement.CHANGES_IN_EQUITY: StatementKind.BALANCE_SHEET,
    Statement.BUDGET_VS_ACTUAL: StatementKind.INCOME_STATEMENT,
}
COMPARISONS = (
    (None, "None"),
    (Compare.PREVIOUS_PERIOD, "Previous period"),
    (Compare.PREVIOUS_YEAR, "Same period last year"),
    (Compare.BUDGET, "Budget"),
)
COLUMNS = ((None, "Single"), (By.MONTH, "By month"), (By.QUARTER, "By quarter"))
DETAILS = ((Detail.ACCOUNTS, "Accounts"), (Detail.LINES, "Lines only"))


@dataclass(frozen=True, slots=True)
class StatementRequest:
    statement: Statement
    options: StatementOptions

    @classmethod
    def build(
        cls,
        statement: Statement,
        *,
        as_of: date,
        start: date,
        end: date,
        compare: Compare | None = None,
        budget: str | None = None,
        by: By | None = None,
        department: str | None = None,
        project: str | None = None,
        show_zero: bool = False,
        detail: Detail = Detail.ACCOUNTS,
    ) -> StatementRequest:
        """Only the options the statement takes: a balance sheet gets its date, the others their range."""
        if not statement.takes_columns:
            compare, by = None, None
        if compare is not None:
            by = None  # the engine takes one or the other; the screen keeps the last chosen
        if statement is not Statement.BUDGET_VS_ACTUAL and compare is not Compare.BUDGET:
            budget = None
        dates = {"as_of": as_of} if statement.as_of else {"start": start, "end": end}
        options = StatementOptions(
            **dates,  # type: ignore[arg-type]
            compare=compare,
            budget=budget,
            by=by,
            department=department,
            project=project,
            show_zero=show_zero,
            detail=detail,
        )
        return cls(statement, options)

    def fetch(self, queries: StatementQueries) -> Report:
        """Runs on a worker thread."""
        return getattr(queries, self.statement.value)(self.options)  # type: ignore[no-any-return]

    @property
    def end(self) -> date:
        o = self.options
        end = o.as_of if self.statement.as_of else o.end
        assert end is not None, "build() always gives the statement its dates"
        return end

    def period(self) -> tuple[date | None, date]:
        """The dates the statement covers: (None, as of) for a balance sheet, else (start, end)."""
        o = self.options
        return (None, self.end) if self.statement.as_of else (o.start, self.end)

    def fiscal_year(self, start_month: int) -> FiscalYearSpan:
        return fiscal_year_containing(self.end, start_month)

    def file_stem(self) -> str:
        name = self.statement.title.lower().replace(" ", "-")
        start, end = self.period()
        return f"{name}-{end}" if start is None else f"{name}-{start}-to-{end}"


def presets(today: date, start_month: int) -> list[tuple[str, date, date]]:
    """Periods a finance team reaches for, as (name, start, end)."""
    fy = fiscal_year_containing(today, start_month)
    last_fy = fiscal_year_containing(fy.start - timedelta(days=1), start_month)
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    quarter = next(p for p in fy.periods if p.start <= today <= p.end).number
    quarter_start = fy.periods[(quarter - 1) // 3 * 3].start
    return [
        ("This month", month_start, month_end(today)),
        ("Last month", last_month_end.replace(day=1), last_month_end),
        ("This quarter", quarter_start, month_end(add_months(quarter_start, 2))),
        ("Year to date", fy.start, today),
        ("This fiscal year", fy.start, fy.end),
        ("Last fiscal year", last_fy.start, last_fy.end),
    ]
