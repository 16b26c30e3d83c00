"""The Budgets view: type and save months, leave with unsaved changes, copy from actuals, files, read-only."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from paksa_desktop.security.permissions import Permission
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows, cell, stored
from tests.ledger.helpers import entry
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.ledger.budget_dialogs import BudgetNameDialog, CopyActualsDialog
from ui.ledger.budgets_view import BudgetsView
from ui.ledger.ledger_tab import BUDGETS, ENTRIES
from ui.main_window import MainWindow
from ui.models.budget_grid_model import DIRTY, TOTAL, BudgetGridModel, parse_budget_amount, spread
from ui.session import AppSession
from ui.settings import RecentCompanies

D = Decimal
PASSWORD = "viewer-password-1"


def open_budgets(qtbot: Any, window: MainWindow) -> BudgetsView:
    """Through Ledger → Budgets (Ctrl+9), as a user would."""
    action = window.view_actions[BUDGETS]
    assert action.shortcut().toString() == "Ctrl+9" and action.text() == "&Budgets"
    action.trigger()
    view = window.ledger_tab.current_view()
    assert isinstance(view, BudgetsView) and view.isVisible()
    wait_idle(qtbot, view)
    return view


def with_budget(books: Books, name: str = "Plan 2024") -> None:
    service = books.company.budgets(books.ctx)
    service.create_budget(name, "the plan")
    service.set_amounts(name, [cell("4010", "2024-01", "1000.00"), cell("6100", "2024-02", "800.00")])


def test_amount_text_and_spreading() -> None:
    assert parse_budget_amount("1,234.5", 2) == D("1234.50")
    assert parse_budget_amount("-20", 2) == D("-20.00") == parse_budget_amount("(20)", 2)
    assert parse_budget_amount("  ", 2) == D(0)
    for bad in ("1.234", "abc", "NaN", "1e3x"):
        with pytest.raises(ValueError):
            parse_budget_amount(bad, 2)
    assert spread(D("1200"), 2) == [D("100.00")] * 12
    assert spread(D("100.01"), 2) == [D("8.33")] * 11 + [D("8.38")]  # what does not divide goes to the last month
    assert spread(D("-100.01"), 2) == [D("-8.33")] * 11 + [D("-8.38")]
    assert sum(spread(D("7"), 0)) == D(7)


def test_type_months_see_the_totals_and_save(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, sqlite_books: Books
) -> None:
    with_budget(sqlite_books)
    view = open_budgets(qtbot, window)
    model, table = view.model, view.table
    qtmodeltester.check(model)
    qtmodeltester.check(view.totals_model)
    assert view.budget.currentText() == "Plan 2024" and view.year.currentText() == "2024"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Jan 2024"
    assert model.headerData(TOTAL, Qt.Orientation.Horizontal) == "Total"
    sales = model.row_of("4010")
    assert model.headerData(sales, Qt.Orientation.Vertical) == "4010  Product sales"
    assert model.index(sales, 0).data() == "1,000.00" and model.index(sales, 1).data() == ""
    assert model.index(sales, 0).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert "1100" not in [model.row_at(r).code for r in range(model.rowCount())]  # income and expense only
    assert not view.save_button.isEnabled()

    # type into March of Product sales, as a user: the editor takes the app's amount entry
    table.setFocus()
    table.setCurrentIndex(model.index(sales, 2))
    qtbot.keyClick(table, "1")  # typing opens the cell's editor
    editor = table.delegate.open_editor
    assert editor is not None
    qtbot.keyClicks(editor, ",250.5x")  # the validator takes an amount only
    assert editor.text() == "1,250.5"
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits and closes the editor on the next turn of the loop
    qtbot.waitUntil(lambda: table.delegate.open_editor is None)
    assert model.index(sales, 2).data() == "1,250.50"
    assert model.index(sales, 2).data(Qt.ItemDataRole.BackgroundRole) == DIRTY
    assert model.index(sales, TOTAL).data() == "2,250.50"
    rent = model.row_of("6100")
    assert model.setData(model.index(rent, TOTAL), "12,000")  # a year spread over the months
    assert model.values(rent) == [D("1000.00")] * 12
    assert not model.setData(model.index(rent, 0), "12.345")  # refused, cell unchanged
    assert view.totals_model.line("Income")[2] == D("1250.50")
    assert view.totals_model.line("Net result")[0] == D("0.00")  # 1000 income - 1000 rent
    assert view.totals_model.line("Net result")[1] == D("-1000.00")
    assert view.save_button.isEnabled()
    assert view.status.text() == "13 unsaved changes (tinted): Save or Ctrl+S"

    view.save_button.click()
    wait_idle(qtbot, view)
    assert not model.dirty and not view.save_button.isEnabled()
    grid = sqlite_books.company.budget_queries(sqlite_books.ctx).grid("Plan 2024", date(2024, 1, 1))
    assert grid.row("4010").amounts[2] == D("1250.50") and grid.row("6100").amounts == (D("1000.00"),) * 12
    assert model.index(model.row_of("4010"), 2).data() == "1,250.50"  # reloaded from the database
    assert window.statusBar().currentMessage() == "Saved 13 amounts of budget 'Plan 2024'"
    assert audit_rows(sqlite_books)[-1][3]["changed"] == 13  # one audited transaction


def test_delete_paste_and_the_balance_sheet(qtbot: Any, window: MainWindow, sqlite_books: Books) -> None:
    with_budget(sqlite_books)
    view = open_budgets(qtbot, window)
    model, table = view.model, view.table
    sales = model.row_of("4010")
    table.setCurrentIndex(model.index(sales, 0))
    table.selectionModel().select(model.index(sales, 0), table.selectionModel().SelectionFlag.ClearAndSelect)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert model.values(sales)[0] == D(0) and model.dirty
    QGuiApplication.clipboard().setText("10\t20\t30\n1,000.00\t-5\n")  # two rows copied from a spreadsheet
    table.setCurrentIndex(model.index(sales, 3))
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert model.values(sales)[3:6] == [D("10.00"), D("20.00"), D("30.00")]
    assert model.values(sales + 1)[3:5] == [D("1000.00"), D("-5.00")]
    view.balance_sheet.setChecked(True)
    assert "1100" in [model.row_at(r).code for r in range(model.rowCount())]
    assert [title for title, _ in model.totals()] == [
        "Assets",
        "Liabilities",
        "Equity",
        "Income",
        "Expenses",
        "Net result",
    ]
    assert model.dirty  # showing more rows keeps the edits
    view.discard_action.trigger()
    assert not model.dirty and model.values(model.row_of("4010"))[0] == D("1000.00")


def test_leaving_with_unsaved_changes_asks(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    with_budget(sqlite_books)
    sqlite_books.company.budgets(sqlite_books.ctx).create_budget("Zero-based")
    view = open_budgets(qtbot, window)
    model = view.model
    model.setData(model.index(model.row_of("6100"), 0), "5")

    messages.answer = QMessageBox.StandardButton.Cancel
    window.ledger_tab.show_view(ENTRIES)
    assert window.ledger_tab.current_view() is view and window.ledger_tab.nav.currentRow() == BUDGETS
    assert messages.last() == "1 changed amount of budget 'Plan 2024' is not saved. Save it now?"
    view.budget.setCurrentIndex(view.budget.findData("Zero-based"))  # another budget: asked, and kept
    assert view.budget.currentData() == "Plan 2024" and model.dirty
    assert not window.close_editors()  # closing the window or the company asks too

    messages.answer = QMessageBox.StandardButton.Save
    view.year.setCurrentIndex(view.year.findText("2025"))
    wait_idle(qtbot, view)
    assert view.model.grid is not None and view.model.grid.fiscal_year == "2025"
    grid = sqlite_books.company.budget_queries(sqlite_books.ctx).grid("Plan 2024", date(2024, 1, 1))
    assert grid.row("6100").amounts[0] == D("5.00")  # saved on the way out

    model.setData(model.index(model.row_of("6100"), 0), "7")
    messages.answer = QMessageBox.StandardButton.Yes  # the fixture answers Discard where it is offered
    window.ledger_tab.show_view(ENTRIES)
    assert window.ledger_tab.current_view() is not view and not model.dirty
    assert [month for _code, month, *_rest in stored(sqlite_books, "Plan 2024")] == [date(2024, 1, 1)] * 2 + [
        date(2024, 2, 1)
    ]  # 4010 and 6100 in January (the saved 5.00), 6100 in February; nothing of the discarded 2025 edit


def test_new_budget_and_copy_from_actuals(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    ledger = sqlite_books.ledger
    ledger.post(entry("2023-03-10", ("1100", "1000.00"), ("4010", "-1000.00")))
    ledger.post(entry("2023-03-20", ("6100", "333.33"), ("1100", "-333.33")))
    view = open_budgets(qtbot, window)
    assert view.banner.isVisible() and "No budget yet" in view.banner.text()

    def name(dialog: BudgetNameDialog) -> None:
        qtbot.keyClicks(dialog.name, "Plan 2024")
        qtbot.keyClicks(dialog.description, "from last year")
        dialog.accept()

    keep = handle_dialog(BudgetNameDialog, name)
    view.new_button.click()
    del keep
    wait_idle(qtbot, view)
    assert view.budget.currentData() == "Plan 2024" and not view.banner.isVisible()

    def copy(dialog: CopyActualsDialog) -> None:
        assert dialog.source.currentText().startswith("2023")  # the year before the one shown
        dialog.percent.setText("5")
        dialog.accept()

    keep = handle_dialog(CopyActualsDialog, copy)
    view.copy_button.click()
    qtbot.waitUntil(lambda: any(kind == "information" for kind, _t, _x in messages.shown), timeout=20_000)
    del keep
    assert messages.last() == "Set 2024 from the actuals of 2023 (+5%): 2 non-zero amounts on 2 accounts."
    wait_idle(qtbot, view)
    model = view.model
    assert model.values(model.row_of("4010"))[2] == D("1050.00")
    assert model.values(model.row_of("6100"))[2] == D("350.00")  # 333.33 x 1.05 = 349.9965
    assert [a for a, *_ in audit_rows(sqlite_books)] == ["create", "copy"]


def test_import_and_export_from_the_view(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages, tmp_path: Path
) -> None:
    view = open_budgets(qtbot, window)
    source = tmp_path / "plan.csv"
    source.write_text("budget,account,month,amount\nPlan,4010,2024-02,99.5\nPlan,6100,2024-02,40\n", encoding="utf-8")
    job = view.choose_and_import(source)
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    assert messages.last() == "Imported 2 amounts from plan.csv into 'Plan' (2, new)."
    wait_idle(qtbot, view)
    assert view.budget.currentData() == "Plan"
    assert view.model.values(view.model.row_of("4010"))[1] == D("99.50")

    target = tmp_path / "out.csv"
    job = view.choose_and_export(target)
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows == [
        ["budget", "account", "month", "department", "project", "amount"],
        ["Plan", "4010", "2024-02", "", "", "99.50"],
        ["Plan", "6100", "2024-02", "", "", "40.00"],
    ]
    assert window.statusBar().currentMessage() == f"Exported 2 amounts of budget 'Plan' to {target}"


def test_a_viewer_sees_the_grid_read_only(
    qtbot: Any, sqlite_books: Books, recent: RecentCompanies, messages: Messages
) -> None:
    with_budget(sqlite_books)
    company = sqlite_books.company
    company.add_user(sqlite_books.ctx, "vera", PASSWORD, roles=("Viewer",))
    ctx = company.login("vera", PASSWORD)
    assert not ctx.can(Permission.BUDGET_MANAGE) and ctx.can(Permission.LEDGER_EXPORT)
    window = MainWindow(AppSession(company, ctx), recent)
    qtbot.addWidget(window)
    window.show()
    view = open_budgets(qtbot, window)
    model: BudgetGridModel = view.model
    sales = model.row_of("4010")
    assert model.read_only and model.index(sales, 0).data() == "1,000.00"
    assert not model.flags(model.index(sales, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(sales, 0), "5")
    assert model.clear([model.index(sales, 0)]) == 0 and not model.dirty
    for button in (view.new_button, view.copy_button, view.import_button, view.more_button, view.save_button):
        assert not button.isEnabled()
    assert view.export_button.isEnabled()
    assert view.banner.isVisible() and "needs the permission ledger.budget.manage" in view.banner.text()
    window.close()


def test_a_change_by_another_user_is_not_overwritten(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    with_budget(sqlite_books)
    view = open_budgets(qtbot, window)
    model = view.model
    rent = model.row_of("6100")
    model.setData(model.index(rent, 1), "850")
    # meanwhile, on another computer
    sqlite_books.company.budgets(sqlite_books.ctx).set_amounts("Plan 2024", [cell("6100", "2024-02", "900")])
    assert not view.save()
    assert messages.last().splitlines()[1] == "account 6100, 2024-02: 900.00 now (you started from 800.00)"
    assert model.dirty  # the typed amount is still there to enter again after a reload
    view.discard()
    wait_idle(qtbot, view)
    assert model.values(rent)[1] == D("900.00")
