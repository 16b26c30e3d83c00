"""The financial statements screen: the tree shows the engine's figures, options change them, drill-down,
expand/collapse, export; a user without the layout permission does not see the layout editor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from paksa_desktop.audit.service import AuditFilter, AuditService
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.statements import By, Compare, Detail
from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Report
from tests.conftest import Books
from tests.ui.conftest import wait_idle
from tests.ui.data import refresh_all
from tests.ui.statement_data import add_budget, post_half_year
from tests.ui.test_drilldown import double_click
from ui.ledger.ledger_tab import ACCOUNT_LEDGER, STATEMENTS
from ui.ledger.statement_request import Statement
from ui.ledger.statements_view import StatementsView
from ui.main_window import MainWindow
from ui.session import AppSession

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def open_statements(qtbot: Any, window: MainWindow, books: Books) -> StatementsView:
    post_half_year(books)
    refresh_all(window)
    view = window.ledger_tab.show_view(STATEMENTS)
    assert isinstance(view, StatementsView)
    wait_idle(qtbot, view)
    return view


def choose(qtbot: Any, view: StatementsView, statement: Statement, **controls: Any) -> Report:
    """Set controls as a user would, then wait for the new figures."""
    view.options.statement.setCurrentIndex(view.options.statement.findData(statement))
    view.options.statement_chosen()
    for name, value in controls.items():
        widget = getattr(view.options, name)
        if hasattr(widget, "set_value"):
            widget.blockSignals(True)
            widget.set_value(value)
            widget.blockSignals(False)
        elif hasattr(widget, "setChecked"):
            widget.setChecked(value)
        else:
            widget.setCurrentIndex(0 if value is None else widget.findData(value))
            {"compare": view.options.compare_chosen, "columns": view.options.columns_chosen}.get(name, lambda: None)()
    view.options.apply_now()
    wait_idle(qtbot, view)
    assert view.model.report is not None
    return view.model.report


def shown_rows(view: StatementsView) -> list[tuple[int, list[str]]]:
    """Every row of the tree in reading order: (depth, texts)."""
    rows = []
    model = view.model
    for index in model.all_indexes():
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        texts = [model.index(index.row(), c, index.parent()).data() for c in range(model.columnCount())]
        rows.append((depth, texts))
    return rows


def engine_texts(report: Report) -> list[list[str]]:
    return [
        [cell_text(v, report.exponent, kind=c.kind) for v, c in zip(row.cells, report.columns, strict=True)]
        for row in report.rows + report.totals
    ]


@pytest.mark.parametrize("statement", list(Statement))
def test_the_tree_shows_the_engines_figures(qtbot, window, sqlite_books, statement):
    view = open_statements(qtbot, window, sqlite_books)
    if statement is Statement.BUDGET_VS_ACTUAL:
        add_budget(sqlite_books, "Plan 2024", {("4010", m): "-1500.00" for m in range(1, 13)})
        view.reload()
    report = choose(qtbot, view, statement)
    engine = getattr(sqlite_books.company.statements(sqlite_books.ctx), statement.value)(view.shown.options)
    assert engine.title == report.title
    assert [depth_texts[1] for depth_texts in shown_rows(view)] == engine_texts(engine)
    headers = [view.model.headerData(i, Qt.Orientation.Horizontal) for i in range(view.model.columnCount())]
    assert headers == [c.title for c in engine.columns]
    assert [depth for depth, _texts in shown_rows(view)] == [r.level for r in engine.rows + engine.totals]


def test_balance_sheet_nests_headings_lines_accounts_and_balances(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    window.ledger_tab.show_view(0)
    action = window.view_actions[STATEMENTS]
    assert action.shortcut().toString() == "Ctrl+8" and action.text() == "Financial &statements"
    action.trigger()
    assert window.ledger_tab.current_view() is view
    assert window.ledger_tab.nav.currentItem().text() == "Financial statements"
    choose(qtbot, view, Statement.BALANCE_SHEET, as_of=date(2024, 6, 30))
    model = view.model
    heading = model.find("Current assets")
    cash = model.find("Cash and cash equivalents")
    bank = model.find("1100")
    assert cash.parent() == heading and bank.parent() == cash
    assert model.rowCount(heading) == 2 and model.rowCount(cash) == 1  # cash; receivables
    # 10,000 + 5,000 − 6 × 950 = 9,300 in the bank; 21,000 receivable
    assert model.index(bank.row(), 1, bank.parent()).data() == "9,300.00"
    total = model.find("Total assets")
    assert not total.parent().isValid() and model.index(total.row(), 1).data() == "32,300.00"
    assert view.status.property("state") == "ok" and "Balanced" in view.status.text()
    assert "as of 30 June 2024" in view.period_label.text() and "USD" in view.period_label.text()
    shot(window, "statements-balance-sheet.png")

    view.collapse_all()
    assert not view.tree.isExpanded(heading) and view.tree.visualRect(bank).isEmpty()
    view.tree.expand(heading)  # the user opens one heading: its lines show, their accounts stay folded
    assert view.tree.isExpanded(heading) and not view.tree.isExpanded(cash)
    view.refresh()  # a reload keeps what the user folded
    wait_idle(qtbot, view)
    heading, cash = view.model.find("Current assets"), view.model.find("Cash and cash equivalents")
    assert view.tree.isExpanded(heading) and not view.tree.isExpanded(cash)
    view.expand_all()
    assert view.tree.isExpanded(view.model.find("Cash and cash equivalents"))


def test_options_change_the_figures(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    single = choose(qtbot, view, Statement.INCOME_STATEMENT, start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert [c.title for c in single.columns] == ["", "Amount"]
    net = view.model.find("Net income")
    assert view.model.index(net.row(), 1).data() == "15,300.00"

    compared = choose(qtbot, view, Statement.INCOME_STATEMENT, compare=Compare.PREVIOUS_YEAR)
    assert [c.title for c in compared.columns][-2:] == ["Variance", "Variance %"]
    revenue = view.model.find("Total revenue")
    assert view.model.index(revenue.row(), 3).data() == "21,000.00"  # nothing last year
    assert view.model.index(revenue.row(), 4).data() == ""  # no percentage of nothing

    by_month = choose(qtbot, view, Statement.INCOME_STATEMENT, columns=By.MONTH)
    assert view.options.compare.currentData() is None  # months replace the comparison
    assert len(by_month.columns) == 13 and by_month.columns[1].title == "Jan 2024"
    net = view.model.find("Net income")
    assert [view.model.index(net.row(), c).data() for c in (1, 6, 7)] == ["50.00", "5,050.00", "0.00"]
    shot(window, "statements-income-by-month.png")

    lines = choose(qtbot, view, Statement.INCOME_STATEMENT, columns=None, detail=Detail.LINES)
    assert all(r.level < 2 for r in lines.rows) and not view.model.find("6100").isValid()

    department = choose(qtbot, view, Statement.INCOME_STATEMENT, detail=Detail.ACCOUNTS, department="OPS")
    assert "department OPS" in department.subtitle
    net = view.model.find("Net income")
    assert view.model.index(net.row(), 1).data() == "21,000.00"  # only the sales carry the department

    zero = choose(qtbot, view, Statement.INCOME_STATEMENT, department=None, show_zero=True)
    assert view.model.find("Cost of sales").isValid() and len(zero.rows) > len(single.rows)


def test_budget_comparison_offers_the_budget_when_there_are_several(qtbot, window, sqlite_books, messages):
    view = open_statements(qtbot, window, sqlite_books)
    add_budget(sqlite_books, "Plan 2024", {("4010", m): "-1500.00" for m in range(1, 13)})
    add_budget(sqlite_books, "Stretch 2024", {("4010", m): "-3000.00" for m in range(1, 13)})
    view.reload()
    wait_idle(qtbot, view)
    assert not view.options.budget_field.isVisibleTo(view)
    report = choose(qtbot, view, Statement.INCOME_STATEMENT, compare=Compare.BUDGET)
    assert view.options.budget_field.isVisibleTo(view) and view.options.budget.currentText() == "Plan 2024"
    assert [c.title for c in report.columns] == ["", "Actual", "Budget", "Variance", "Variance %"]
    view.options.budget.setCurrentIndex(view.options.budget.findText("Stretch 2024"))
    view.options.apply_now()
    wait_idle(qtbot, view)
    revenue = view.model.find("Total revenue")
    assert view.model.index(revenue.row(), 2).data() == "36,000.00"
    assert view.model.index(revenue.row(), 4).data() == "(41.7%)"
    view.options.statement.setCurrentIndex(view.options.statement.findData(Statement.BALANCE_SHEET))
    view.options.statement_chosen()
    assert view.options.compare.currentData() is None  # a balance sheet has no budget
    assert not view.options.budget_field.isVisibleTo(view)


def test_a_refused_combination_shows_the_engines_message(qtbot, window, sqlite_books, messages):
    view = open_statements(qtbot, window, sqlite_books)
    assert view.options.preset.currentText() == "This month"  # a balance sheet as of today (30 June)
    view.options.statement.setCurrentIndex(view.options.statement.findData(Statement.INCOME_STATEMENT))
    view.options.statement_chosen()
    assert view.options.preset.currentText() == "This fiscal year"
    view.options.compare.setCurrentIndex(view.options.compare.findData(Compare.BUDGET))
    view.options.apply_now()
    wait_idle(qtbot, view)
    assert messages.last() == "The company has no budget yet: enter or import one first"
    assert view.model.report is None and view.status.property("state") == "bad"
    with pytest.raises(ValidationError, match="no statement on screen"):
        view.export_builder()


def test_drill_down_opens_the_ledger_for_the_statements_dates(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    tab = window.ledger_tab
    choose(qtbot, view, Statement.INCOME_STATEMENT, start=date(2024, 1, 1), end=date(2024, 12, 31))
    rent = view.model.find("6100")
    double_click(qtbot, view.tree, view.model.index(rent.row(), 1, rent.parent()))
    ledger = tab.current_view()
    assert ledger is tab.views[ACCOUNT_LEDGER]
    wait_idle(qtbot, ledger)
    assert ledger.account.code() == "6100"
    assert (ledger.start.value(), ledger.end.value()) == (date(2024, 1, 1), date(2024, 12, 31))
    assert ledger.model.rowCount() == 6

    tab.show_view(STATEMENTS)
    choose(qtbot, view, Statement.INCOME_STATEMENT, columns=By.MONTH)
    rent = view.model.find("6100")
    march = view.model.index(rent.row(), 3, rent.parent())
    view.tree.setCurrentIndex(march)
    view.drill_current()  # Enter does the same as a double-click
    wait_idle(qtbot, ledger)
    assert (ledger.start.value(), ledger.end.value()) == (date(2024, 3, 1), date(2024, 3, 31))
    assert ledger.model.rowCount() == 1
    double_click(qtbot, ledger.table, ledger.model.index(0, 2))
    editor = tab.editors[ledger.model.row_at(0).entry_id]
    assert editor.memo.text() == "Rent 2024-03"
    editor.reject()

    tab.show_view(STATEMENTS)
    choose(qtbot, view, Statement.BALANCE_SHEET, columns=None, as_of=date(2024, 6, 30))
    bank = view.model.find("1100")
    double_click(qtbot, view.tree, view.model.index(bank.row(), 0, bank.parent()))
    wait_idle(qtbot, ledger)
    assert ledger.account.code() == "1100"
    assert (ledger.start.value(), ledger.end.value()) == (None, date(2024, 6, 30))
    assert "9,300.00" in ledger.closing.text()


def test_month_columns_cover_the_engines_periods(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    for statement, by, count in (
        (Statement.INCOME_STATEMENT, By.QUARTER, 4),
        (Statement.CASH_FLOW, By.MONTH, 12),
        (Statement.BALANCE_SHEET, By.MONTH, 6),
    ):
        report = choose(qtbot, view, statement, columns=by)
        periods = report.meta["spans"]
        assert len(periods) == len(report.columns) - 1 == count
        if statement is Statement.BALANCE_SHEET:
            assert [c.title for c in report.columns[1:]] == [f"{end:%d %b %Y}" for _s, end in periods]


def test_export_to_pdf_and_excel_is_audited(qtbot, window, sqlite_books, tmp_path):
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.BALANCE_SHEET, as_of=date(2024, 6, 30))
    assert view.file_stem() == "balance-sheet-2024-06-30"
    for suffix in ("pdf", "xlsx"):
        job = view.export_button.export_to(tmp_path / f"bs.{suffix}")
        qtbot.waitUntil(lambda job=job: job.done, timeout=20_000)
        assert job.error is None
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "bs.pdf").pages)
    assert "Balance sheet" in text and "32,300.00" in text and "Printed" in text
    sheet = openpyxl.load_workbook(tmp_path / "bs.xlsx").active
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert Decimal(str(values["Total assets"])) == Decimal("32300")
    audit = AuditService(sqlite_books.company.engine, sqlite_books.ctx).rows(AuditFilter(action="export"))
    assert {r.entity for r in audit} == {"balance-sheet-2024-06-30"}


def test_a_viewer_does_not_see_the_layout_button(qtbot, sqlite_books, recent):
    sqlite_books.company.add_user(sqlite_books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    ctx = sqlite_books.company.login("viewer", "viewer-password-1")
    window = MainWindow(AppSession(sqlite_books.company, ctx), recent)
    qtbot.addWidget(window)
    window.show()
    view = window.ledger_tab.show_view(STATEMENTS)
    wait_idle(qtbot, view)
    assert not view.layout_button.isVisibleTo(view)
    assert view.print_button.isEnabled() and view.model.report is not None
    window.close()


def test_the_tree_model_passes_qts_model_tester(qtmodeltester, sqlite_books):
    from paksa_desktop.ledger.statements import StatementOptions
    from ui.models.statement_tree_model import StatementTreeModel, nest

    post_half_year(sqlite_books)
    statements = sqlite_books.company.statements(sqlite_books.ctx)
    model = StatementTreeModel()
    for report in (
        statements.balance_sheet(StatementOptions(as_of=date(2024, 6, 30))),
        statements.income_statement(StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31), by=By.MONTH)),
        statements.changes_in_equity(StatementOptions(start=date(2024, 1, 1), end=date(2024, 12, 31))),
    ):
        model.set_report(report)
        qtmodeltester.check(model)
    nodes, top = nest(())
    assert (nodes, top) == ([], [])


def test_pdf_export_carries_the_company_logo(qtbot, window, sqlite_books, tmp_path):
    from tests.reporting.test_pdf import tiny_png

    sqlite_books.ledger.set_company_logo(tiny_png())
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.BALANCE_SHEET, as_of=date(2024, 6, 30))
    job = view.export_button.export_to(tmp_path / "bs.pdf")
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    assert job.error is None and len(PdfReader(tmp_path / "bs.pdf").pages[0].images) == 1
