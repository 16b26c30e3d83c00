"""Financial statements on both engines: figures, closing entries, comparisons, columns, filters, budgets,
custom layouts, and the rules that keep every statement adding up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.models import Account, FiscalYear
from paksa_desktop.ledger.statement_layout import LineSpec, StatementKind
from paksa_desktop.ledger.statement_models import Budget, BudgetAmount
from paksa_desktop.ledger.statements import By, Compare, Detail, StatementOptions
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Report, RowStyle
from paksa_desktop.reporting.pdf import to_pdf
from paksa_desktop.reporting.renderers import to_xlsx
from tests.conftest import Books
from tests.ledger.helpers import entry, line

D = Decimal


def post(books: Books, *entries: object) -> None:
    for e in entries:
        books.ledger.post(e)  # type: ignore[arg-type]


def figure(report: Report, label: str, column: int = 1) -> Decimal | None:
    """The figure of the first row whose label is `label` (statement lines and totals)."""
    for row in report.rows + report.totals:
        if row.cells[0] == label:
            return row.cells[column]  # type: ignore[return-value]
    raise AssertionError(f"no row '{label}' in {[r.cells[0] for r in report.rows]}")


def labels(report: Report) -> list[str]:
    return [str(r.cells[0]) for r in report.rows]


def trading_year(books: Books) -> None:
    """2024: capital 50,000; sales 12,000 (2,000 unpaid); costs 7,000; a van 9,000 on a loan of 6,000;
    depreciation 1,000; 1,500 of stock; an accrual of 500."""
    post(
        books,
        entry("2024-01-02", ("1100", "50000.00"), ("3100", "-50000.00"), memo="capital"),
        entry("2024-02-10", ("1100", "10000.00"), ("4010", "-10000.00"), memo="cash sales"),
        entry("2024-03-15", ("1200", "2000.00"), ("4010", "-2000.00"), memo="sales on credit"),
        entry("2024-04-01", ("6100", "6500.00"), ("1100", "-6500.00"), memo="rent"),
        entry("2024-05-01", ("1550", "9000.00"), ("1100", "-3000.00"), ("2710", "-6000.00"), memo="van"),
        entry("2024-06-30", ("6300", "1000.00"), ("1650", "-1000.00"), memo="depreciation"),
        entry("2024-06-30", ("1300", "1500.00"), ("1100", "-1500.00"), memo="stock"),
        entry("2024-06-30", ("6110", "500.00"), ("2100", "-500.00"), memo="accrued utilities"),
    )


@pytest.fixture
def traded(books: Books) -> Books:
    trading_year(books)
    return books


def test_balance_sheet_figures_and_it_balances(traded: Books) -> None:
    bs = traded.company.statements(traded.ctx).balance_sheet(StatementOptions(as_of=date(2024, 6, 30)))
    assert bs.title == "Balance sheet" and bs.subtitle == "as of 30 June 2024" and bs.currency == "USD"
    assert figure(bs, "Cash and cash equivalents") == D("49000.00")
    assert figure(bs, "1100 Operating bank account") == D("49000.00")
    assert figure(bs, "Trade receivables") == D("2000.00")
    assert figure(bs, "Inventories") == D("1500.00")
    assert figure(bs, "Property, plant and equipment") == D("8000.00")
    assert figure(bs, "Total assets") == D("60500.00")
    assert figure(bs, "Accruals") == D("500.00")
    assert figure(bs, "Loans and borrowings") == D("6000.00")
    assert figure(bs, "Share capital") == D("50000.00")
    assert figure(bs, "Current-year earnings") == D("4000.00")
    assert figure(bs, "Total equity") == D("54000.00")
    assert figure(bs, "Total liabilities and equity") == D("60500.00")
    assert "Investments" not in labels(bs)  # zero lines hidden by default
    shown = traded.company.statements(traded.ctx).balance_sheet(
        StatementOptions(as_of=date(2024, 6, 30), show_zero=True, detail=Detail.LINES)
    )
    assert "Investments" in labels(shown) and "1100 Operating bank account" not in labels(shown)
    styles = {str(r.cells[0]): r.style for r in bs.rows}
    assert styles["Current assets"] is RowStyle.HEADING and styles["Total assets"] is RowStyle.TOTAL
    account_row = next(r for r in bs.rows if r.cells[0] == "1200 Accounts receivable")
    assert account_row.drill is not None and account_row.drill.kind == "account" and account_row.level == 2


def test_income_statement_sections(traded: Books) -> None:
    income = traded.company.statements(traded.ctx).income_statement(
        StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31))
    )
    assert figure(income, "Total revenue") == D("12000.00")
    assert figure(income, "Gross profit") == D("12000.00")
    assert figure(income, "Depreciation and amortisation") == D("1000.00")
    assert figure(income, "Total operating expenses") == D("8000.00")
    assert figure(income, "Operating profit") == D("4000.00")
    assert figure(income, "Net income") == D("4000.00")
    assert income.totals == () and income.rows[-1].style is RowStyle.TOTAL


def test_closing_entries_stay_out_of_period_figures(traded: Books) -> None:
    """After the year-end close the 2024 income statement still shows 2024's income; the balance sheet
    at 31 December shows the result as current-year earnings, and in 2025 as retained earnings."""
    ledger, statements = traded.ledger, traded.company.statements(traded.ctx)
    ledger.ensure_fiscal_year(date(2024, 1, 1))
    with UnitOfWork(traded.company.engine, write=False) as uow:
        year_id = uow.session.execute(select(FiscalYear.id).where(FiscalYear.name == "2024")).scalar_one()
    ref, _ = ledger.close_year(year_id)
    assert ref is not None
    post(traded, entry("2025-02-01", ("1100", "300.00"), ("4020", "-300.00")))
    income = statements.income_statement(StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31)))
    assert figure(income, "Net income") == D("4000.00")
    year_end = statements.balance_sheet(StatementOptions(as_of=date(2024, 12, 31)))
    assert figure(year_end, "Current-year earnings") == D("4000.00")
    assert figure(year_end, "Total equity") == D("54000.00")
    assert "Retained earnings" not in labels(year_end)  # the closing entry itself is left out
    later = statements.balance_sheet(StatementOptions(as_of=date(2025, 3, 31)))
    assert figure(later, "Retained earnings") == D("4000.00")
    assert figure(later, "Current-year earnings") == D("300.00")
    assert figure(later, "Total assets") == figure(later, "Total liabilities and equity")


def test_an_unclosed_year_shows_in_retained_earnings(traded: Books) -> None:
    statements = traded.company.statements(traded.ctx)
    bs = statements.balance_sheet(StatementOptions(as_of=date(2025, 1, 31)))
    assert figure(bs, "Retained earnings") == D("4000.00")
    assert figure(bs, "Results of earlier years not yet closed") == D("4000.00")
    assert "Current-year earnings" not in labels(bs)
    assert figure(bs, "Total assets") == figure(bs, "Total liabilities and equity") == D("60500.00")


def test_cash_flow_reconciles_to_cash(traded: Books) -> None:
    cf = traded.company.statements(traded.ctx).cash_flow(
        StatementOptions(start=date(2024, 1, 1), end=date(2024, 6, 30))
    )
    assert figure(cf, "Net income") == D("4000.00")
    assert figure(cf, "Depreciation and amortisation") == D("1000.00")
    assert figure(cf, "(Increase) decrease in trade receivables") == D("-2000.00")
    assert figure(cf, "(Increase) decrease in inventories") == D("-1500.00")
    assert figure(cf, "Increase (decrease) in other current liabilities") == D("500.00")
    assert figure(cf, "Net cash from operating activities") == D("2000.00")
    assert figure(cf, "Net cash from investing activities") == D("-9000.00")
    assert figure(cf, "Net cash from financing activities") == D("56000.00")
    assert figure(cf, "Net change in cash") == D("49000.00")
    assert figure(cf, "Cash at the beginning of the period") == D("0.00")
    cash = traded.queries.trial_balance(as_of=date(2024, 6, 30))
    bank = next(r.closing for r in cash.rows if r.code == "1100")
    assert figure(cf, "Cash at the end of the period") == bank == D("49000.00")


def test_changes_in_equity_agree_with_the_balance_sheets(traded: Books) -> None:
    statements = traded.company.statements(traded.ctx)
    post(traded, entry("2024-09-01", ("3200", "1000.00"), ("1100", "-1000.00"), memo="dividend"))
    eq = statements.changes_in_equity(StatementOptions(start=date(2024, 7, 1), end=date(2024, 12, 31)))
    columns = [c.key for c in eq.columns]
    assert columns == ["label", "share_capital", "other_equity", "retained_earnings", "total"]
    opening, income, other = eq.rows
    assert opening.cells[-1] == D("54000.00") and income.cells[-1] == D("0.00")
    assert other.cells[columns.index("retained_earnings")] == D("-1000.00")
    closing = eq.totals[0]
    bs = statements.balance_sheet(StatementOptions(as_of=date(2024, 12, 31)))
    assert closing.cells[-1] == figure(bs, "Total equity") == D("53000.00")


def test_comparisons_add_variance_columns(traded: Books) -> None:
    post(traded, entry("2025-02-10", ("1100", "15000.00"), ("4010", "-15000.00")))
    statements = traded.company.statements(traded.ctx)
    income = statements.income_statement(
        StatementOptions(start=date(2025, 1, 1), end=date(2025, 12, 31), compare=Compare.PREVIOUS_YEAR)
    )
    assert [c.key for c in income.columns] == ["line", "current", "previous", "variance", "variance_pct"]
    assert [c.title for c in income.columns[1:3]] == ["Jan–Dec 2025", "Jan–Dec 2024"]
    row = next(r for r in income.rows if r.cells[0] == "Total revenue")
    assert row.cells[1:] == (D("15000.00"), D("12000.00"), D("3000.00"), D("25.0"))
    net = next(r for r in income.rows if r.cells[0] == "Net income")
    assert net.cells[1:] == (D("15000.00"), D("4000.00"), D("11000.00"), D("275.0"))
    previous = statements.income_statement(
        StatementOptions(start=date(2024, 4, 1), end=date(2024, 6, 30), compare=Compare.PREVIOUS_PERIOD)
    )
    assert [c.title for c in previous.columns[1:3]] == ["Apr–Jun 2024", "Jan–Mar 2024"]
    assert figure(previous, "Total revenue", 2) == D("12000.00")
    bs = statements.balance_sheet(StatementOptions(as_of=date(2024, 6, 30), compare=Compare.PREVIOUS_PERIOD))
    assert bs.columns[2].title == "31 May 2024"
    assert figure(bs, "Inventories", 2) == D("0.00") and figure(bs, "Inventories", 4) is None  # no % of zero


def test_columns_by_month_and_quarter_add_up_to_the_year(traded: Books) -> None:
    statements = traded.company.statements(traded.ctx)
    year = StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31))
    by_month = statements.income_statement(replace(year, by=By.MONTH))
    assert [c.title for c in by_month.columns[1:4]] == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert len(by_month.columns) == 13
    revenue = next(r for r in by_month.rows if r.cells[0] == "Total revenue")
    assert revenue.cells[2] == D("10000.00") and revenue.cells[3] == D("2000.00")
    assert sum(revenue.cells[1:], D(0)) == D("12000.00")
    quarters = statements.income_statement(replace(year, by=By.QUARTER))
    assert [c.key for c in quarters.columns[1:]] == ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
    assert figure(quarters, "Net income", 1) == D("12000.00") and figure(quarters, "Net income", 2) == D("-8000.00")
    month_ends = statements.balance_sheet(StatementOptions(as_of=date(2024, 6, 30), by=By.MONTH))
    assert len(month_ends.columns) == 7
    totals = next(r for r in month_ends.rows if r.cells[0] == "Total assets").cells[1:]
    balance = next(r for r in month_ends.rows if r.cells[0] == "Total liabilities and equity").cells[1:]
    assert totals == balance and totals[-1] == D("60500.00")


def test_department_and_project_filters(books: Books) -> None:
    ledger = books.ledger
    ledger.create_department("SALES", "Sales")
    ledger.create_project("EXPO", "Expo")
    post(
        books,
        entry("2024-03-01", ("1100", "700.00"), line("4010", "-500.00", department="SALES"), line("4020", "-200.00")),
        entry("2024-03-02", line("6100", "50.00", project="EXPO"), ("1100", "-50.00")),
    )
    statements = books.company.statements(books.ctx)
    sales = statements.income_statement(StatementOptions(start=date(2024, 1, 1), department="SALES"))
    assert figure(sales, "Total revenue") == D("500.00") and "department SALES" in sales.subtitle
    expo = statements.income_statement(StatementOptions(start=date(2024, 1, 1), project="EXPO"))
    assert figure(expo, "Net income") == D("-50.00")
    with pytest.raises(NotFoundError, match="unknown department 'NOPE'"):
        statements.income_statement(StatementOptions(department="NOPE"))


def add_budget(books: Books, name: str, cells: dict[tuple[str, str], int]) -> None:
    """Budget rows straight into the tables (the budget service has its own tests)."""
    with UnitOfWork(books.company.engine) as uow:
        s = uow.session
        budget = Budget(name=name, description="", created_at=datetime(2024, 1, 1, tzinfo=UTC), created_by="admin")
        s.add(budget)
        s.flush()
        for (code, month), amount in cells.items():
            account_id = s.execute(select(Account.id).where(Account.code == code)).scalar_one()
            s.add(
                BudgetAmount(budget_id=budget.id, account_id=account_id, month=date.fromisoformat(month), amount=amount)
            )
        uow.commit()


def test_budget_versus_actual(traded: Books) -> None:
    statements = traded.company.statements(traded.ctx)
    with pytest.raises(ValidationError, match="no budget yet"):
        statements.budget_vs_actual(StatementOptions(start=date(2024, 1, 1), end=date(2024, 6, 30)))
    add_budget(traded, "Plan 2024", {("4010", "2024-02-01"): -1_100_000, ("6100", "2024-04-01"): 600_000})
    report = statements.budget_vs_actual(StatementOptions(start=date(2024, 1, 1), end=date(2024, 6, 30)))
    assert report.title == "Budget versus actual"
    assert [c.key for c in report.columns] == ["line", "actual", "budget", "variance", "variance_pct"]
    revenue = next(r for r in report.rows if r.cells[0] == "Total revenue")
    assert revenue.cells[1:] == (D("12000.00"), D("11000.00"), D("1000.00"), D("9.1"))
    rent = next(r for r in report.rows if r.cells[0] == "6100 Rent")
    assert rent.cells[1:3] == (D("6500.00"), D("6000.00"))
    add_budget(traded, "Stretch", {})
    with pytest.raises(ValidationError, match=r"choose the budget to compare with \(Plan 2024, Stretch\)"):
        statements.budget_vs_actual(StatementOptions(start=date(2024, 1, 1)))
    named = statements.budget_vs_actual(StatementOptions(start=date(2024, 1, 1), budget="Stretch"))
    assert figure(named, "Total revenue", 2) == D("0.00")
    with pytest.raises(ValidationError, match="budgets compare with the income statement"):
        statements.balance_sheet(StatementOptions(compare=Compare.BUDGET))


@pytest.mark.parametrize(
    ("call", "options", "message"),
    [
        ("balance_sheet", StatementOptions(start=date(2024, 1, 1)), "as of a date"),
        ("income_statement", StatementOptions(as_of=date(2024, 1, 1)), "covers a period"),
        ("income_statement", StatementOptions(start=date(2024, 2, 1), end=date(2024, 1, 1)), "ends .* before"),
        ("income_statement", StatementOptions(by=By.MONTH, compare=Compare.PREVIOUS_YEAR), "not both"),
        ("changes_in_equity", StatementOptions(by=By.MONTH), "no comparison or period columns"),
    ],
)
def test_bad_options_are_clear_errors(books: Books, call: str, options: StatementOptions, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        getattr(books.company.statements(books.ctx), call)(options)


def test_custom_layout_moves_accounts_and_renames_lines(traded: Books) -> None:
    layouts = traded.company.statement_layouts(traded.ctx)
    view = layouts.layout(StatementKind.BALANCE_SHEET)
    assert not view.customised
    lines: dict[str, list[LineSpec]] = {}
    for line_view in view.lines:
        lines.setdefault(line_view.group_key, []).append(LineSpec(line_view.key, line_view.title, line_view.rules))
    lines["current_assets"].insert(0, LineSpec("van_fund", "Cash set aside", ()))
    lines["current_assets"][1] = LineSpec("cash_and_bank", "Cash at bank", ("asset/bank", "asset/cash"))
    layouts.save_layout(StatementKind.BALANCE_SHEET, lines, {"1100": "van_fund"})
    statements = traded.company.statements(traded.ctx)
    bs = statements.balance_sheet(StatementOptions(as_of=date(2024, 6, 30)))
    assert labels(bs)[1:3] == ["Cash set aside", "1100 Operating bank account"]
    assert figure(bs, "Cash set aside") == D("49000.00") and "Cash at bank" not in labels(bs)
    assert figure(bs, "Total assets") == figure(bs, "Total liabilities and equity")
    assert layouts.layout(StatementKind.BALANCE_SHEET).customised

    without = {g: [x for x in v if x.key != "retained_earnings"] for g, v in lines.items()}
    with pytest.raises(ValidationError, match="'retained_earnings' cannot be removed"):
        layouts.save_layout(StatementKind.BALANCE_SHEET, without, {})
    moved = {**lines, "equity": [x for x in lines["equity"] if x.key != "current_earnings"]}
    moved["current_assets"] = [*moved["current_assets"], LineSpec("current_earnings", "Earnings", ())]
    with pytest.raises(ValidationError, match="'current_earnings' must stay in the group 'equity'"):
        layouts.save_layout(StatementKind.BALANCE_SHEET, moved, {})
    with pytest.raises(ValidationError, match="no line 'nowhere'"):
        layouts.save_layout(StatementKind.BALANCE_SHEET, lines, {"1100": "nowhere"})
    layouts.reset_layout(StatementKind.BALANCE_SHEET)
    again = statements.balance_sheet(StatementOptions(as_of=date(2024, 6, 30)))
    assert figure(again, "Cash and cash equivalents") == D("49000.00")
    assert not layouts.layout(StatementKind.BALANCE_SHEET).customised


def test_layout_changes_need_the_permission(books: Books) -> None:
    books.company.add_user(books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    viewer = books.company.login("viewer", "viewer-password-1")
    layouts = books.company.statement_layouts(viewer)
    assert layouts.layout(StatementKind.INCOME_STATEMENT).lines  # reading is allowed
    with pytest.raises(PermissionDenied):
        layouts.reset_layout(StatementKind.INCOME_STATEMENT)


def test_general_ledger_and_journal_reports(traded: Books) -> None:
    detail = traded.company.detail_reports(traded.ctx)
    gl = detail.general_ledger(StatementOptions(start=date(2024, 4, 1), end=date(2024, 6, 30)), ("1100",))
    heading, opening, *lines, closing = gl.rows
    assert heading.cells[2] == "1100 Operating bank account" and opening.cells[-1] == D("60000.00")
    assert [r.cells[5] for r in lines] == [D("6500.00"), D("3000.00"), D("1500.00")]
    assert closing.cells[3] == "Closing balance" and closing.cells[-1] == D("49000.00")
    journal = detail.journal(StatementOptions(start=date(2024, 6, 30), end=date(2024, 6, 30)))
    assert sum(1 for r in journal.rows if r.style is RowStyle.HEADING) == 3
    assert journal.totals[0].cells[4:] == (D("3000.00"), D("3000.00"))


def test_pdf_and_excel_carry_the_model_figures(traded: Books, tmp_path: Path) -> None:
    """The same numbers on paper and in Excel as in the model: every figure, in order."""
    statements = traded.company.statements(traded.ctx)
    report = statements.income_statement(
        StatementOptions(start=date(2024, 1, 1), end=date(2024, 6, 30), compare=Compare.PREVIOUS_YEAR)
    )
    pdf = tmp_path / "income.pdf"
    to_pdf(report, pdf)
    words = [w for page in PdfReader(pdf).pages for w in page.extract_text().splitlines()]
    kinds = [c.kind for c in report.columns]
    expected = [
        cell_text(v, report.exponent, kind=k)
        for r in report.rows
        for v, k in zip(r.cells, kinds, strict=True)
        if v is not None
    ]
    found = iter(words)
    assert all(any(w == text for w in found) for text in expected)  # each in order, as a whole cell

    xlsx = tmp_path / "income.xlsx"
    to_xlsx(report, xlsx)
    sheet = openpyxl.load_workbook(xlsx).active
    cells = [v for row in sheet.iter_rows(min_row=5, values_only=True) for v in row if v is not None]
    model = [v for r in report.rows for v in r.cells if v is not None]
    assert len(cells) == len(model)
    for got, want in zip(cells, model, strict=True):
        assert (Decimal(str(got)) == want) if isinstance(want, Decimal) else (got == want)
    assert sheet.freeze_panes == "A5" and sheet.column_dimensions["A"].width > 30
    net = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == "Net income")
    assert net[0].font.b and net[1].number_format.startswith("#,##0.00") and net[1].border.bottom.style == "double"
    account = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == "6100 Rent")
    assert account[0].alignment.indent == 2 and account[4].number_format == '#,##0.0"%";(#,##0.0"%")'


def test_closing_a_year_whose_result_is_exactly_zero(books: Books) -> None:
    """Found by the property test: income and expenses cancelling out must not make a zero line."""
    post(books, entry("2024-03-01", ("4010", "0.01"), ("4110", "-0.01")))
    books.ledger.ensure_fiscal_year(date(2024, 1, 1))
    with UnitOfWork(books.company.engine, write=False) as uow:
        year_id = uow.session.execute(select(FiscalYear.id).where(FiscalYear.name == "2024")).scalar_one()
    ref, _ = books.ledger.close_year(year_id)
    assert ref is not None
    lines = books.queries.entry(ref.id).lines
    assert sorted((line.account_code, line.debit, line.credit) for line in lines) == [
        ("4010", D("0"), D("0.01")),
        ("4110", D("0.01"), D("0")),
    ]


@pytest.mark.parametrize(
    ("start", "end"), [(date(2024, 2, 10), date(2024, 4, 20)), (date(2024, 1, 1), date(2024, 6, 1))]
)
def test_month_columns_of_a_period_cut_mid_month(traded: Books, start: date, end: date) -> None:
    """The first and last columns are partial months; each column equals the statement of its own dates."""
    post(
        traded,
        entry("2024-02-05", ("1100", "1.00"), ("4020", "-1.00")),
        entry("2024-04-25", ("1100", "2.00"), ("4020", "-2.00")),
    )
    statements = traded.company.statements(traded.ctx)
    by_month = statements.income_statement(StatementOptions(start=start, end=end, by=By.MONTH))
    for i, (first, last) in enumerate(by_month.meta["spans"], start=1):
        alone = statements.income_statement(StatementOptions(start=first, end=last))
        assert figure(by_month, "Net income", i) == figure(alone, "Net income"), (first, last)
