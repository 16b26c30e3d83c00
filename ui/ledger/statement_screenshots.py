"""Screenshots of the financial statements screen, its chart and the layout editor (for ui/screenshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from paksa_desktop.ledger.statement_layout import StatementKind
from paksa_desktop.ledger.statements import By, Compare
from ui.ledger.layout_editor import LayoutEditor, load_layout_state
from ui.ledger.ledger_tab import STATEMENTS
from ui.ledger.statement_request import Statement
from ui.ledger.statements_view import StatementsView
from ui.main_window import MainWindow

Save = Callable[[QWidget, Path], None]


def statement_shots(window: MainWindow, out: Path, docs: Path | None, save: Save, settle: Callable[[], None]) -> None:
    view = window.ledger_tab.show_view(STATEMENTS)
    assert isinstance(view, StatementsView)
    settle()

    def show(statement: Statement, *, compare: Compare | None = None, by: By | None = None) -> None:
        view.options.statement.setCurrentIndex(view.options.statement.findData(statement))
        view.options.statement_chosen()
        view.options.compare.setCurrentIndex(max(0, view.options.compare.findData(compare)) if compare else 0)
        view.options.columns.setCurrentIndex(max(0, view.options.columns.findData(by)) if by else 0)
        view.refresh()
        settle()

    preset = view.options.preset.findText("Last fiscal year")
    view.options.preset_chosen(preset)
    show(Statement.BALANCE_SHEET, compare=Compare.PREVIOUS_YEAR)
    view.collapse_all()
    for label in ("Current assets", "Cash and cash equivalents", "Current liabilities", "Equity"):
        view.tree.expand(view.model.find(label))
    save(window, out / "40-statements-balance-sheet.png")
    if docs is not None:
        save(window, docs / "statements.png")
    view.expand_all()

    show(Statement.INCOME_STATEMENT, by=By.MONTH)
    save(window, out / "41-statements-income-by-month.png")

    show(Statement.INCOME_STATEMENT, compare=Compare.PREVIOUS_YEAR)
    size = window.size()
    window.resize(size.width(), 960)  # the chart wants a taller window than the statement alone
    settle()
    view.chart_button.setChecked(True)
    view.collapse_all()
    view.tree.expand(view.model.find("Revenue"))
    settle()
    save(window, out / "42-statements-chart.png")
    view.chart_button.setChecked(False)
    view.expand_all()
    window.resize(size)

    state = load_layout_state(window.session, StatementKind.BALANCE_SHEET)
    editor = LayoutEditor(window.hub, state, window)
    editor.show()
    editor.select_line("other_current_assets")
    settle()
    save(editor, out / "43-statement-layout.png")
    if docs is not None:
        save(editor, docs / "statement-layout.png")
    editor.dirty = False
    editor.close()
    editor.deleteLater()
