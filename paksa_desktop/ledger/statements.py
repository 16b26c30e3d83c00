"""Financial statements computed into the neutral report model: balance sheet, income statement, cash flow
(indirect method), changes in equity, budget versus actual.

Each statement needs one grouped aggregation over the posted lines (a sum per column), plus a small one
over the year-end closing entries, which statements of a period leave out (they move a year's result
into retained earnings; they are not income or expense). Everything after that is arithmetic on a few
hundred account totals, so a statement costs about what its SQL costs.

A run plans its SQL on the cached structure (`statement_structure.py`), sends it as one statement that
also reads the structure counter (`statement_sql.py`), then builds the report from integers of minor
units, turned into Decimal only in the report's cells.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import add_months, fiscal_year_end, fiscal_year_start, month_end
from paksa_desktop.ledger.models import AccountType, Department, JournalLine, Project
from paksa_desktop.ledger.statement_layout import (
    BALANCE_SHEET,
    CASH_FLOW,
    CASH_GROUP,
    CURRENT_EARNINGS,
    INCOME_STATEMENT,
    NET_INCOME,
    RETAINED_EARNINGS,
    AccountInfo,
    GroupSpec,
    Layout,
    StatementKind,
    StatementSpec,
    TotalSpec,
)
from paksa_desktop.ledger.statement_sql import SqlRun, id_list
from paksa_desktop.ledger.statement_structure import Structure, StructureCache
from paksa_desktop.persistence.unit_of_work import read_connection
from paksa_desktop.reporting.model import Chart, Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

PL_TYPES = (AccountType.INCOME, AccountType.EXPENSE)
MONTH_SUMS_FROM = 4  # columns from which sums by account and month beat one conditional sum per column
MAX_ATTEMPTS = 3  # runs of a statement while the structure keeps changing under it (then the last one stands)
T = TypeVar("T")


class Compare(enum.StrEnum):
    PREVIOUS_PERIOD = "previous-period"
    PREVIOUS_YEAR = "previous-year"
    BUDGET = "budget"


class By(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class Detail(enum.StrEnum):
    LINES = "lines"  # account groups collapsed: one row per statement line
    ACCOUNTS = "accounts"  # each line followed by the accounts that feed it


@dataclass(frozen=True, slots=True)
class StatementOptions:
    """What a user picks above a statement. A balance sheet takes `as_of` (or `end`); the others a range."""

    as_of: date | None = None
    start: date | None = None
    end: date | None = None
    compare: Compare | None = None
    budget: str | None = None  # which budget `compare=budget` uses (default: the only one)
    by: By | None = None
    department: str | None = None
    project: str | None = None
    show_zero: bool = False
    detail: Detail = Detail.ACCOUNTS


@dataclass(frozen=True, slots=True)
class Span:
    """One figure column: a range (start..end) or, with start None, everything up to end."""

    title: str
    end: date
    start: date | None = None
    budget: bool = False


@dataclass(slots=True)
class _Figures:
    """Per account, one integer (minor units, ledger sign) per column."""

    width: int
    by_account: dict[int, list[int]] = field(default_factory=dict)
    special: dict[str, list[int]] = field(default_factory=dict)  # figures of computed lines, by line key

    def of(self, account_id: int) -> list[int]:
        return self.by_account.get(account_id) or [0] * self.width

    def total(self, ids: Iterable[int]) -> list[int]:
        out = [0] * self.width
        for account_id in ids:
            for i, v in enumerate(self.of(account_id)):
                out[i] += v
        return out


Later = Callable[[], _Figures]  # figures, readable once the run's SQL was executed


def _add(a: Sequence[int], b: Sequence[int], k: int = 1) -> list[int]:
    return [x + k * y for x, y in zip(a, b, strict=True)]


def _label(start: date, end: date) -> str:
    """A column title: 'Mar 2025', 'Jan–Mar 2025', 'Jul 2024–Jun 2025', else the two dates."""
    if start.day == 1 and end == month_end(end):
        if (start.year, start.month) == (end.year, end.month):
            return f"{start:%b %Y}"
        if start.year == end.year:
            return f"{start:%b}–{end:%b %Y}"
        return f"{start:%b %Y}–{end:%b %Y}"
    return f"{start:%d %b %Y}–{end:%d %b %Y}"


def _months(start: date, end: date, step: int) -> list[tuple[date, date]]:
    spans = []
    first = start
    while first <= end:
        last = min(month_end(add_months(first.replace(day=1), step - 1)), end)
        spans.append((first, last))
        first = last + timedelta(days=1)
    return spans


class StatementQueries(GuardedService):
    """Read-only: every statement needs `ledger.view`; drill-down keys lead to the account ledger.

    `structure` is the company's cache of chart, layouts and closing entries (one per open company, so
    that runs share it); without one, this object keeps its own."""

    def __init__(self, engine: Engine, ctx: UserContext, structure: StructureCache | None = None) -> None:
        super().__init__(engine, ctx)
        self.structure = structure if structure is not None else StructureCache()

    def _statement(self, options: StatementOptions, plan: Callable[[_Context], Callable[[], T]]) -> T:
        """One statement run: `plan` queues the SQL it needs on the structure at hand and returns what finishes
        the report; the SQL goes out as one statement that also reads the structure counter. Should the
        counter say the structure at hand is out of date, the run starts again on the structure read anew
        (in the same transaction, so on SQLite the second attempt always agrees)."""
        self.ctx.require(Permission.LEDGER_VIEW)
        today = self.ctx.clock.today()
        with read_connection(self.engine) as conn:  # a plain connection: no ORM session to set up and tear down
            structure = self.structure.current
            checked = structure is None  # the structure at hand is known to be the stored one
            if structure is None:
                structure = self.structure.get(conn)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                ctx = _Context.load(conn, options, today, structure)
                try:
                    finish = plan(ctx)
                except (ValidationError, NotFoundError):
                    # perhaps only because the structure at hand is out of date (a budget created elsewhere)
                    if checked:
                        raise
                    fresh, checked = self.structure.get(conn), True
                    if fresh.version == structure.version:
                        raise
                    structure = fresh
                    continue
                version = ctx.run.execute(conn)
                if version == structure.version or attempt == MAX_ATTEMPTS:
                    return finish()
                structure, checked = self.structure.get(conn), True
            raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover

    # ------------------------------------------------------------------ public statements
    def balance_sheet(self, options: StatementOptions) -> Report:
        def plan(ctx: _Context) -> Callable[[], Report]:
            spans = ctx.balance_spans()
            layout = ctx.layout(BALANCE_SHEET)
            balances = _balance_columns(ctx, spans)
            title = f"as of {spans[0].end:%d %B %Y}" if options.by is None else f"month ends to {spans[-1].end}"
            return lambda: ctx.report(BALANCE_SHEET, layout, spans, balances()[0], title)

        return self._statement(options, plan)

    def income_statement(self, options: StatementOptions) -> Report:
        def plan(ctx: _Context) -> Callable[[], Report]:
            spans = ctx.range_spans(allow_budget=True)
            layout = ctx.layout(INCOME_STATEMENT)
            figures = ctx.movements(spans, exclude_closing=True)
            return lambda: ctx.report(INCOME_STATEMENT, layout, spans, figures(), ctx.range_title())

        return self._statement(options, plan)

    def monthly_chart(self, options: StatementOptions) -> Chart:
        """Revenue, expenses and net income by month over the statement's period (for the printed form)."""
        self.ctx.require(Permission.LEDGER_VIEW)
        report = self.income_statement(replace(options, by=By.MONTH, compare=None))
        keys = report.meta["keys"]
        exp = report.exponent
        revenue = [from_minor(v, exp) for v in keys["revenue"]]
        net = [from_minor(v, exp) for v in keys["net_income"]]
        expenses = [r - n for r, n in zip(revenue, net, strict=True)]
        months = tuple(c.title for c in report.columns[1:])
        series = (("Revenue", tuple(revenue)), ("Expenses", tuple(expenses)), ("Net income", tuple(net)))
        return Chart("Revenue, expenses and net income by month", months, series)

    def budget_vs_actual(self, options: StatementOptions) -> Report:
        self.ctx.require(Permission.LEDGER_VIEW)
        report = self.income_statement(replace(options, compare=Compare.BUDGET, by=None))
        return replace(report, title="Budget versus actual")

    def cash_flow(self, options: StatementOptions) -> Report:
        def plan(ctx: _Context) -> Callable[[], Report]:
            spans = ctx.range_spans(allow_budget=False)
            layout = ctx.layout(CASH_FLOW)
            movements = ctx.movements(spans, exclude_closing=True)
            opening = ctx.cash_before(layout, spans)

            def finish() -> Report:
                figures = movements()
                # the net income line: every income and expense account's movement, as one line
                net = figures.total(a.id for a in ctx.accounts.values() if a.type in PL_TYPES)
                return ctx.report(
                    CASH_FLOW,
                    layout,
                    spans,
                    figures,
                    ctx.range_title(),
                    special={NET_INCOME: net},
                    opening=opening(),
                )

            return finish

        return self._statement(options, plan)

    def changes_in_equity(self, options: StatementOptions) -> Report:
        """Opening balance, net income, other movements and closing balance of each equity line."""

        def plan(ctx: _Context) -> Callable[[], Report]:
            if options.compare is not None or options.by is not None:
                raise ValidationError("the statement of changes in equity has no comparison or period columns")
            start, end = ctx.range()
            spans = [Span("opening", start - timedelta(days=1)), Span("closing", end)]
            # retained and current-year earnings share a column here: no need to split them
            balances = _balance_columns(ctx, spans, split_earnings=False)
            # the period's income: what the income and expense accounts held at its end less what they held
            # the day before it started (the same pass), closing entries within it left out
            closed = ctx.movements([Span("period", end, start)], only_closing=True)
            return lambda: _changes_in_equity(ctx, start, end, *balances(), closed())

        return self._statement(options, plan)


def _changes_in_equity(
    ctx: _Context, start: date, end: date, balances: _Figures, upto: _Figures, closed: _Figures
) -> Report:
    layout = ctx.layout(BALANCE_SHEET)
    net_income = -sum(
        upto.of(a.id)[1] - upto.of(a.id)[0] - closed.of(a.id)[0] for a in ctx.accounts.values() if a.type in PL_TYPES
    )
    assigned = ctx.structure.assigned(BALANCE_SHEET.kind)
    group = BALANCE_SHEET.group("equity")
    merged = {RETAINED_EARNINGS: (RETAINED_EARNINGS, CURRENT_EARNINGS)}
    keys = [line.key for line in layout.lines["equity"] if line.key != CURRENT_EARNINGS]
    titles = {line.key: line.title for line in layout.lines["equity"]}
    columns = [Column("label", "")]
    values: list[tuple[int, int]] = []
    for key in keys:
        parts = merged.get(key, (key,))
        ledger = [0, 0]
        for part in parts:
            ids = [a.id for a in assigned.get(part, [])]
            ledger = _add(ledger, balances.total(ids))
            ledger = _add(ledger, balances.special.get(part, [0, 0]))
        values.append((group.sign * ledger[0], group.sign * ledger[1]))
        columns.append(Column(key, titles[key], ColumnKind.MONEY))
    columns.append(Column("total", "Total equity", ColumnKind.MONEY))
    retained = keys.index(RETAINED_EARNINGS)
    exp = ctx.exponent

    def row(label: str, cells: list[int], style: RowStyle = RowStyle.NORMAL) -> ReportRow:
        figures = [from_minor(v, exp) for v in cells]
        return ReportRow((label, *figures, sum(figures, Decimal(0))), style)

    opening = [v[0] for v in values]
    closing = [v[1] for v in values]
    income_row = [net_income if i == retained else 0 for i in range(len(keys))]
    other = [closing[i] - opening[i] - income_row[i] for i in range(len(keys))]
    rows = (
        row(f"Balance at {start - timedelta(days=1):%d %B %Y}", opening, RowStyle.SUBTOTAL),
        row("Net income for the period", income_row),
        row("Capital issued, dividends and other movements", other),
    )
    totals = (row(f"Balance at {end:%d %B %Y}", closing, RowStyle.TOTAL),)
    return Report(
        "Statement of changes in equity",
        tuple(columns),
        rows,
        subtitle=ctx.range_title(),
        company=ctx.company,
        currency=ctx.currency,
        exponent=exp,
        totals=totals,
        meta={"statement": "equity", **ctx.meta()},
    )


@dataclass
class _Context:
    """What one statement run knows: company facts, options, accounts, the filters and SQL of the run."""

    conn: Connection
    options: StatementOptions
    structure: Structure
    company: str
    currency: str
    exponent: int
    fy_start_month: int
    accounts: Mapping[int, AccountInfo]
    department_id: int | None
    project_id: int | None
    today: date
    run: SqlRun
    budget_id: int | None = None

    @classmethod
    def load(cls, conn: Connection, options: StatementOptions, today: date, structure: Structure) -> _Context:
        return cls(
            conn,
            options,
            structure,
            structure.company,
            structure.currency,
            structure.exponent,
            structure.fy_start_month,
            structure.accounts,
            dimension_id(conn, Department, options.department),
            dimension_id(conn, Project, options.project),
            today,
            SqlRun(conn.dialect.name),
        )

    def layout(self, spec: StatementSpec) -> Layout:
        return self.structure.layouts[spec.kind]

    # ---- periods and columns
    def range(self) -> tuple[date, date]:
        return period_of(self.options, self.fy_start_month, self.today)

    def range_title(self) -> str:
        start, end = self.range()
        return f"{start:%d %B %Y} to {end:%d %B %Y}"

    def range_spans(self, *, allow_budget: bool) -> list[Span]:
        start, end = self.range()
        o = self.options
        if o.by is not None:
            if o.compare is not None:
                raise ValidationError("choose either columns by month or quarter, or a comparison, not both")
            step = 1 if o.by is By.MONTH else 3
            return [Span(_label(a, b), b, a) for a, b in _months(start, end, step)]
        spans = [Span(_label(start, end) if o.compare else "Amount", end, start)]
        if o.compare is Compare.BUDGET:
            if not allow_budget:
                raise ValidationError("budgets compare with the income statement; choose another comparison")
            self.budget_id = _budget_id(self.structure.budgets, o.budget)
            spans[0] = replace(spans[0], title="Actual")
            spans.append(Span("Budget", end, start, budget=True))
        elif o.compare is Compare.PREVIOUS_YEAR:
            spans.append(
                Span(_label(add_months(start, -12), add_months(end, -12)), add_months(end, -12), add_months(start, -12))
            )
        elif o.compare is Compare.PREVIOUS_PERIOD:
            length = (end - start).days + 1
            if start.day == 1 and end == month_end(end):  # whole months: the same number of months before
                months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
                prev_start = add_months(start, -months)
                prev_end = month_end(add_months(prev_start, months - 1))
            else:
                prev_end = start - timedelta(days=1)
                prev_start = prev_end - timedelta(days=length - 1)
            spans.append(Span(_label(prev_start, prev_end), prev_end, prev_start))
        return spans

    def balance_spans(self) -> list[Span]:
        o = self.options
        if o.start is not None:
            raise ValidationError("a balance sheet is as of a date: give --as-of (or --to), not --from")
        as_of = o.as_of or o.end or self.today
        if o.by is not None:
            if o.compare is not None:
                raise ValidationError("choose either columns by month or quarter, or a comparison, not both")
            fy_start = fiscal_year_start(as_of, self.fy_start_month)
            step = 1 if o.by is By.MONTH else 3
            ends = [b for _a, b in _months(fy_start, as_of, step)]
            return [Span(f"{e:%d %b %Y}", e) for e in ends]
        spans = [Span(f"{as_of:%d %b %Y}", as_of)]
        if o.compare is Compare.BUDGET:
            raise ValidationError("budgets compare with the income statement; choose another comparison")
        if o.compare is Compare.PREVIOUS_YEAR:
            prior = add_months(as_of, -12)
            spans.append(Span(f"{prior:%d %b %Y}", prior))
        elif o.compare is Compare.PREVIOUS_PERIOD:
            prior = (
                month_end(add_months(as_of.replace(day=1), -1)) if as_of == month_end(as_of) else add_months(as_of, -1)
            )
            spans.append(Span(f"{prior:%d %b %Y}", prior))
        return spans

    def meta(self) -> dict[str, object]:
        o = self.options
        return {"department": o.department or "", "project": o.project or "", "compare": o.compare or ""}

    # ---- the SQL (queued on the run; each method returns what reads its figures once the run executed)
    def _filters(self) -> list[str]:
        """Conditions on journal lines for the department and project filters."""
        run, found = self.run, []
        if self.department_id is not None:
            found.append(f"department_id = {run.param(self.department_id)}")
        if self.project_id is not None:
            found.append(f"project_id = {run.param(self.project_id)}")
        return found

    def _sums(self, spans: Sequence[Span], where: Sequence[str] = ()) -> Later:
        """Per account, the sum of the lines within each span (a span without start: everything up to its
        end), in as cheap a pass as the spans allow: one span is a plain SUM; spans made of whole months
        are added up from one SUM per account and month; anything else takes a filtered sum per span (a
        plain SUM for a span that covers the whole range read)."""
        width = len(spans)
        if not spans:
            return lambda: _Figures(0)
        run = self.run
        last = max(sp.end for sp in spans)
        starts = [sp.start for sp in spans]
        first_day = min(st for st in starts if st is not None) if all(st is not None for st in starts) else None
        # the start first: SQLite tests the terms in this order on each index row, and most rows of a
        # long ledger lie before the period (one comparison rejects them instead of two)
        limits = [f"date >= {run.param(first_day)}"] if first_day is not None else []
        limits.append(f"date <= {run.param(last)}")
        conditions = " AND ".join([*where, *limits, *self._filters()])
        if width == 1:
            one = run.add("account_id, SUM(amount)", f"FROM journal_lines WHERE {conditions} GROUP BY account_id", 2)

            def single() -> _Figures:
                figures = _Figures(1)
                for row in run.rows(one):
                    if row[2]:
                        figures.by_account[row[1]] = [int(row[2])]
                return figures

            return single
        # Month sums serve when every span starts and ends at a month's edge, or at the edge of the whole
        # range read (the WHERE cuts the first and last month there, e.g. a year ending on the 1st); and
        # only for many columns: for two or three, a filtered sum each costs less than grouping every
        # line by month as well (opening and closing balances, comparisons: 2.8 ms against 6.2 ms for the
        # demo company on SQLite).
        if width >= MONTH_SUMS_FROM and all(
            (sp.start is None or sp.start.day == 1 or sp.start == first_day)
            and (sp.end == month_end(sp.end) or sp.end == last)
            for sp in spans
        ):
            by_month = run.add(
                f"account_id, {run.month_selected}, SUM(amount)",
                f"FROM journal_lines WHERE {conditions} GROUP BY account_id, {run.month}",
                3,
                "month",
            )
            keys = [(None if sp.start is None else f"{sp.start:%Y-%m}", f"{sp.end:%Y-%m}") for sp in spans]

            def monthly() -> _Figures:
                figures = _Figures(width)
                columns_of: dict[object, list[int]] = {}  # month as read -> the columns it adds to
                for row in run.rows(by_month):
                    account_id, month, total = row[1], row[2], row[3]
                    if not total:
                        continue
                    indexes = columns_of.get(month)
                    if indexes is None:
                        key = month if isinstance(month, str) else f"{month:%Y-%m}"
                        indexes = columns_of[month] = [
                            i
                            for i, (first, final) in enumerate(keys)
                            if (first is None or key >= first) and key <= final
                        ]
                    values = figures.by_account.get(account_id)
                    if values is None:
                        values = figures.by_account[account_id] = [0] * width
                    amount = int(total)
                    for i in indexes:
                        values[i] += amount
                return figures

            return monthly
        columns = []
        for sp in spans:
            terms = [f"date >= {run.param(sp.start)}"] if sp.start is not None and sp.start != first_day else []
            if sp.end != last:
                terms.append(f"date <= {run.param(sp.end)}")
            columns.append(f"SUM(amount) FILTER (WHERE {' AND '.join(terms)})" if terms else "SUM(amount)")
        handle = run.add(
            f"account_id, {', '.join(columns)}", f"FROM journal_lines WHERE {conditions} GROUP BY account_id", 1 + width
        )
        return lambda: _per_span(run.rows(handle), width)

    def balances(self, spans: Sequence[Span], years: Sequence[Span] = ()) -> tuple[Later, Later]:
        """Everything posted up to each span's end; and the income and expense accounts' lines within each of
        `years` (on SQLite read through the account index, so only those lines are touched)."""
        upto = [Span(sp.title, sp.end) for sp in spans]
        if not years:
            return self._sums(upto), lambda: _Figures(0)
        if not self.run.sqlite and len(spans) == 1 and years[0].end == spans[0].end:
            # PostgreSQL: the year as a filtered sum in the same pass costs next to nothing (a second
            # aggregation through the account index: some 10% more on the demo company and on a million lines)
            both = functools.cache(self._sums([upto[0], years[0]]))

            def split(column: int) -> _Figures:
                figures = both()
                out = _Figures(1)
                out.by_account = {a: [v[column]] for a, v in figures.by_account.items() if v[column]}
                return out

            return lambda: split(0), lambda: split(1)
        pl = [a.id for a in self.accounts.values() if a.type in PL_TYPES]
        within = self._sums(years, [f"account_id IN {id_list(pl)}"]) if pl else (lambda: _Figures(len(years)))
        return self._sums(upto), within

    def movements(
        self,
        spans: Sequence[Span],
        *,
        exclude_closing: bool = False,
        only_closing: bool = False,
        accounts: Sequence[int] | None = None,
    ) -> Later:
        """What was posted within each span (budget spans read the budget instead); to `accounts` only, if
        given (read through the account index, so only their lines are touched)."""
        actual = [sp for sp in spans if not sp.budget]
        if accounts is not None and not accounts:
            return lambda: _Figures(len(spans))
        where = [] if accounts is None else [f"account_id IN {id_list(accounts)}"]
        closing_ids = self.closing_entries(actual)
        closing_where = [*where, f"entry_id IN {id_list(closing_ids)}"]
        closing: Later | None = None
        if only_closing:
            main = self._sums(actual, closing_where) if closing_ids else (lambda: _Figures(len(actual)))
        else:
            main = self._sums(actual, where)
            if exclude_closing and closing_ids:
                closing = self._sums(actual, closing_where)
        budget = self._budget([sp for sp in spans if sp.budget]) if len(actual) < len(spans) else None

        def figures() -> _Figures:
            found = main()
            if closing is not None:
                for account_id, values in closing().by_account.items():
                    found.by_account[account_id] = _add(found.of(account_id), values, -1)
            if budget is None:
                return found
            # interleave the budget columns where they were asked for
            planned = budget()
            merged = _Figures(len(spans))
            for account_id in set(found.by_account) | set(planned.by_account):
                a, b = iter(found.of(account_id)), iter(planned.of(account_id))
                merged.by_account[account_id] = [next(b) if sp.budget else next(a) for sp in spans]
            return merged

        return figures

    def cash_before(self, layout: Layout, spans: Sequence[Span]) -> Later:
        """The cash accounts' balances the day before each span starts (read through the account index)."""
        assigned = self.structure.assigned(layout.spec.kind)
        cash = [a.id for line in layout.lines.get(CASH_GROUP, []) for a in assigned[line.key]]
        before = [Span(sp.title, sp.start - timedelta(days=1)) for sp in spans if sp.start is not None]
        if not cash:
            return lambda: _Figures(len(before))
        return self._sums(before, [f"account_id IN {id_list(cash)}"])

    def closing_entries(self, spans: Sequence[Span]) -> list[int]:
        """The year-end closing entries dated within the spans (a handful, kept with the structure), so a
        period without a year end reads no closing lines at all."""
        return [
            entry_id
            for entry_id, day in self.structure.closing
            if any((sp.start is None or sp.start <= day) and day <= sp.end for sp in spans)
        ]

    def _budget(self, spans: Sequence[Span]) -> Later:
        run = self.run
        months = [(sp.start.replace(day=1), sp.end) for sp in spans]  # type: ignore[union-attr]
        first, last = min(m[0] for m in months), max(m[1] for m in months)
        terms = [f"budget_id = {run.param(self.budget_id)}"]
        if self.department_id is not None:
            terms.append(f"department_id = {run.param(self.department_id)}")
        if self.project_id is not None:
            terms.append(f"project_id = {run.param(self.project_id)}")
        terms += [f"month >= {run.param(first)}", f"month <= {run.param(last)}"]
        columns = []
        for start, end in months:
            cut = ([f"month >= {run.param(start)}"] if start != first else []) + (
                [f"month <= {run.param(end)}"] if end != last else []
            )
            columns.append(f"SUM(amount) FILTER (WHERE {' AND '.join(cut)})" if cut else "SUM(amount)")
        handle = run.add(
            f"account_id, {', '.join(columns)}",
            f"FROM budget_amounts WHERE {' AND '.join(terms)} GROUP BY account_id",
            1 + len(spans),
        )
        return lambda: _per_span(run.rows(handle), len(spans))

    # ---- the report
    def report(
        self,
        spec: StatementSpec,
        layout: Layout,
        spans: list[Span],
        figures: _Figures,
        subtitle: str,
        *,
        special: dict[str, list[int]] | None = None,
        opening: _Figures | None = None,
    ) -> Report:
        """Groups, lines and (in accounts detail) accounts, then the totals; variance columns last."""
        special = {**figures.special, **(special or {})}
        exp = self.exponent
        o = self.options
        compare = o.compare is not None
        assigned = self.structure.assigned(spec.kind)
        display: dict[str, list[int]] = {}  # group and total key -> display figures
        rows: list[ReportRow] = []
        width = len(spans)
        by_account = figures.by_account

        decimals: dict[int, Decimal] = {}  # minor units -> Decimal: a statement repeats many figures (zeros)

        def money(values: Sequence[int]) -> tuple[Decimal, ...]:
            cells = []
            for v in values:
                cell = decimals.get(v)
                if cell is None:
                    cell = decimals[v] = from_minor(v, exp)
                cells.append(cell)
            if not compare:
                return tuple(cells)
            current, other = cells[0], cells[1]
            variance = current - other
            pct = None if not other else (variance * 100 / abs(other)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
            return (*cells, variance, pct)  # type: ignore[return-value]

        def shown(values: Sequence[int]) -> bool:
            return o.show_zero or any(values)

        cash_ids: list[int] = []
        for block in spec.blocks:
            if isinstance(block, TotalSpec):
                total = [0] * len(spans)
                for key, k in block.terms:
                    total = _add(total, display[key], k)
                display[block.key] = total
                style = RowStyle.TOTAL if block.grand else RowStyle.SUBTOTAL
                rows.append(ReportRow((block.title, *money(total)), style, level=0))
                continue
            group: GroupSpec = block
            if group.key == CASH_GROUP:
                cash_ids = [a.id for line in layout.lines[group.key] for a in assigned.get(line.key, [])]
                continue
            group_total = [0] * len(spans)
            group_rows: list[ReportRow] = []
            sign = group.sign
            for line in layout.lines.get(group.key, []):
                accounts = assigned.get(line.key, [])
                ledger = [0] * width
                fed = False  # some account of the line has a figure
                for account in accounts:
                    found = by_account.get(account.id)
                    if found is not None and any(found):
                        fed = True
                        for i, v in enumerate(found):
                            ledger[i] += v
                extra = special.get(line.key)
                if extra is not None:
                    ledger = _add(ledger, extra)
                values = [sign * v for v in ledger]
                group_total = _add(group_total, values)
                if not fed and not shown(values):
                    continue
                group_rows.append(ReportRow((line.title, *money(values)), RowStyle.NORMAL, level=1))
                if o.detail is Detail.ACCOUNTS:
                    for account in accounts:
                        found = by_account.get(account.id)
                        account_values = [sign * v for v in found] if found is not None else [0] * width
                        if not shown(account_values):
                            continue
                        drill = DrillKey("account", account.id, spans[0].start, spans[0].end)
                        label = f"{account.code} {account.name}"
                        group_rows.append(ReportRow((label, *money(account_values)), RowStyle.NORMAL, drill, 2))
                    if extra is not None and any(extra) and accounts:
                        label = _special_label(line.key)
                        group_rows.append(ReportRow((label, *money([group.sign * v for v in extra])), level=2))
            display[group.key] = group_total
            if not group_rows and not o.show_zero:
                continue
            rows.append(ReportRow((group.title, *(None for _ in money(group_total))), RowStyle.HEADING, level=0))
            rows.extend(group_rows)
            if group.total_title:
                rows.append(ReportRow((group.total_title, *money(group_total)), RowStyle.SUBTOTAL, level=0))

        if spec.kind is StatementKind.CASH_FLOW and opening is not None:
            start_cash = opening.total(cash_ids)
            change = display["net_change"]
            end_cash = _add(start_cash, change)
            rows.append(ReportRow(("Cash at the beginning of the period", *money(start_cash)), level=0))
            rows.append(ReportRow(("Cash at the end of the period", *money(end_cash)), RowStyle.TOTAL, level=0))

        columns = [Column("line", "")]
        for i, sp in enumerate(spans):
            columns.append(Column(_column_key(i, sp, o), sp.title, ColumnKind.MONEY))
        if compare:
            columns.append(Column("variance", "Variance", ColumnKind.MONEY))
            columns.append(Column("variance_pct", "Variance %", ColumnKind.PERCENT))
        filters = [f"department {o.department}" if o.department else "", f"project {o.project}" if o.project else ""]
        return Report(
            spec.title,
            tuple(columns),
            tuple(rows),
            subtitle=" · ".join(p for p in (subtitle, *filters) if p),
            company=self.company,
            currency=self.currency,
            exponent=exp,
            meta={
                "statement": spec.kind.value,
                "keys": dict(display),  # group and total keys -> display figures (minor units) per column
                "spans": [(sp.start, sp.end) for sp in spans],  # the dates behind each figure column
                **self.meta(),
            },
        )


def _balance_columns(
    ctx: _Context, spans: list[Span], *, split_earnings: bool = True
) -> Callable[[], tuple[_Figures, _Figures]]:
    """Balances as of each span's end, with this fiscal year's closing entry left out and the results
    of earlier years not yet closed shown within retained earnings, so the sheet balances always.

    Without `split_earnings` every result shows as retained earnings (no read of the year's income).
    Also returns the plain balances read (everything up to each span's end)."""
    years = [Span("", sp.end, fiscal_year_start(sp.end, ctx.fy_start_month)) for sp in spans]
    read_balances, read_in_year = ctx.balances(spans, years if split_earnings else ())
    read_closing = ctx.movements(years, only_closing=True)

    def done() -> tuple[_Figures, _Figures]:
        balances, in_year, closing = read_balances(), read_in_year(), read_closing()
        width = len(spans)
        columns = range(width)
        adjusted = _Figures(width)
        current = [0] * width
        before = [0] * width
        zeros = [0] * width
        for account in ctx.accounts.values():
            bal = balances.by_account.get(account.id, zeros)
            closed = closing.by_account.get(account.id)
            if closed is not None:
                bal = [b - c for b, c in zip(bal, closed, strict=True)]
            if account.type in PL_TYPES:
                if split_earnings:
                    year = in_year.by_account.get(account.id, zeros)
                    if closed is not None:
                        year = [y - c for y, c in zip(year, closed, strict=True)]
                    for i in columns:
                        current[i] += year[i]
                        before[i] += bal[i] - year[i]
                else:
                    for i in columns:
                        before[i] += bal[i]
            elif any(bal):
                adjusted.by_account[account.id] = bal
        adjusted.special = {CURRENT_EARNINGS: current, RETAINED_EARNINGS: before}
        return adjusted, balances

    return done


def _per_span(rows: Iterable[Sequence[object]], width: int) -> _Figures:
    """Figures from rows of (tag, account id, one sum per span, any padding)."""
    figures = _Figures(width)
    end = 2 + width
    for row in rows:
        values = [int(v or 0) for v in row[2:end]]  # type: ignore[call-overload]
        if any(values):
            figures.by_account[row[1]] = values  # type: ignore[index]
    return figures


def period_of(options: StatementOptions, fy_start_month: int, today: date) -> tuple[date, date]:
    """The period a report covers: the dates given, filled in from the fiscal year (default: this one)."""
    if options.as_of is not None:
        raise ValidationError("this report covers a period: give --from and --to, not --as-of")
    end = options.end or fiscal_year_end(options.start or today, fy_start_month)
    start = options.start or fiscal_year_start(end, fy_start_month)
    if end < start:
        raise ValidationError(f"the period ends ({end}) before it starts ({start})")
    return start, end


def line_filters(department_id: int | None, project_id: int | None) -> list:  # type: ignore[type-arg]
    """WHERE conditions on journal lines for the department and project filters."""
    line = JournalLine.__table__.c
    found = []
    if department_id is not None:
        found.append(line.department_id == department_id)
    if project_id is not None:
        found.append(line.project_id == project_id)
    return found


def _column_key(index: int, span: Span, options: StatementOptions) -> str:
    """The CSV header of a figure column: amount; current/previous; actual/budget; or the period's end."""
    if options.by is not None:
        return span.end.isoformat()
    if options.compare is Compare.BUDGET:
        return "budget" if span.budget else "actual"
    if options.compare is not None:
        return "current" if index == 0 else "previous"
    return "amount"


def _special_label(key: str) -> str:
    return {
        CURRENT_EARNINGS: "Result of the fiscal year to date",
        RETAINED_EARNINGS: "Results of earlier years not yet closed",
        NET_INCOME: "Net income for the period",
    }.get(key, key)


def dimension_id(s: Session | Connection, model: type[Department] | type[Project], code: str | None) -> int | None:
    if not code:
        return None
    found = s.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"unknown {model.__tablename__[:-1]} '{code}'")
    return found


def _budget_id(budgets: Sequence[tuple[int, str]], name: str | None) -> int:
    """The budget named, else the only one; `budgets` are (id, name) in name order."""
    if name:
        found = next((budget_id for budget_id, budget_name in budgets if budget_name == name), None)
        if found is None:
            raise NotFoundError(f"unknown budget '{name}'")
        return found
    if not budgets:
        raise ValidationError("the company has no budget yet: enter or import one first")
    if len(budgets) > 1:
        names = ", ".join(budget_name for _id, budget_name in budgets)
        raise ValidationError(f"choose the budget to compare with ({names})")
    return budgets[0][0]
