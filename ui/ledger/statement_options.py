"""The options above a financial statement, and the rules that keep them a combination the engine takes.

A balance sheet shows an as-of date, the others a range; the equity statement and the budget review have
fixed columns; a budget compares only with the income statement; months and a comparison exclude each
other (choosing one resets the other). So the engine's refusals are rare, and shown as its own message.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.ledger.queries import CodeName
from paksa_desktop.ledger.statements import By, Compare, Detail
from ui.ledger.statement_request import COLUMNS, COMPARISONS, DETAILS, Statement, StatementRequest, presets
from ui.widgets.choices import fill_codes
from ui.widgets.date_edit import DateEdit
from ui.widgets.options_bar import OptionsBar


class StatementOptionsBar(OptionsBar):
    """Emits `changed` (from OptionsBar) once a choice is made; `request()` reads the whole bar."""

    def __init__(self, today: date, fiscal_year_start_month: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        fy = fiscal_year_containing(today, fiscal_year_start_month)
        self.budgets: list[str] = []
        self.statement = QComboBox()
        for statement in Statement:
            self.statement.addItem(statement.title, statement)
        self.preset = QComboBox()
        self.preset.addItem("Custom", None)
        for name, first, last in presets(today, fiscal_year_start_month):
            self.preset.addItem(name, (first, last))
        self.as_of = DateEdit(today)
        self.start = DateEdit(fy.start)
        self.end = DateEdit(fy.end)
        self.compare = QComboBox()
        for value, text in COMPARISONS:
            self.compare.addItem(text, value)
        self.budget = QComboBox()
        self.budget.setMinimumWidth(140)
        self.columns = QComboBox()
        for value, text in COLUMNS:
            self.columns.addItem(text, value)
        self.department = QComboBox()
        self.project = QComboBox()
        for combo in (self.department, self.project):
            combo.setMinimumWidth(190)
        self.detail = QComboBox()
        for value, text in DETAILS:
            self.detail.addItem(text, value)
        self.show_zero = QCheckBox("Show zero lines")
        # the coupling runs before `changed`: slots fire in the order they were connected
        self.statement.activated.connect(self.statement_chosen)
        self.preset.activated.connect(self.preset_chosen)
        self.compare.activated.connect(self.compare_chosen)
        self.columns.activated.connect(self.columns_chosen)
        self.add("&Statement", self.statement)
        self.add("&Period", self.preset)
        self.as_of_field = self.add("&As of", self.as_of)
        self.start_field = self.add("F&rom", self.start)
        self.end_field = self.add("&To", self.end)
        self.add("&Compare with", self.compare)
        self.budget_field = self.add("&Budget", self.budget)
        self.add("Co&lumns", self.columns)
        self.new_line()
        self.add("&Department", self.department)
        self.add("Pro&ject", self.project)
        self.add("D&etail", self.detail)
        self.add(" ", self.show_zero)
        self.finish()
        for edit in (self.as_of, self.start, self.end):
            edit.dateChanged.connect(lambda *_: self.preset.setCurrentIndex(0))
        self.statement_chosen()

    # ---- what is chosen (a combo hands its StrEnum data back as a plain str: turn it back into the enum)
    def current_statement(self) -> Statement:
        return Statement(self.statement.currentData())

    def current_compare(self) -> Compare | None:
        value = self.compare.currentData()
        return Compare(value) if value else None

    def current_by(self) -> By | None:
        value = self.columns.currentData()
        return By(value) if value else None

    def request(self) -> StatementRequest:
        return StatementRequest.build(
            self.current_statement(),
            as_of=self.as_of.value(),
            start=self.start.value(),
            end=self.end.value(),
            compare=self.current_compare(),
            budget=self.budget.currentText() if self.budget_field.isVisibleTo(self) else None,
            by=self.current_by(),
            department=self.department.currentData(),
            project=self.project.currentData(),
            show_zero=self.show_zero.isChecked(),
            detail=Detail(self.detail.currentData()),
        )

    # ---- keeping the choices consistent
    def statement_chosen(self, *_args: object) -> None:
        statement = self.current_statement()
        self.as_of_field.setVisible(statement.as_of)
        self.start_field.setVisible(not statement.as_of)
        self.end_field.setVisible(not statement.as_of)
        self.compare.setEnabled(statement.takes_columns)
        self.columns.setEnabled(statement.takes_columns)
        fixed = "" if statement.takes_columns else f"The {statement.title.lower()} has fixed columns"
        self.compare.setToolTip(fixed)
        self.columns.setToolTip(fixed)
        model = self.compare.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(self.compare.findData(Compare.BUDGET))
            item.setEnabled(statement.takes_budget)
            item.setToolTip("" if statement.takes_budget else "Budgets compare with the income statement")
        if not statement.takes_budget and self.current_compare() is Compare.BUDGET:
            self.compare.setCurrentIndex(0)
        self._show_budget_choice()
        self._show_matching_preset()

    def compare_chosen(self, *_args: object) -> None:
        if self.current_compare() is not None:
            self.columns.setCurrentIndex(0)  # the engine takes a comparison or period columns, not both
        self._show_budget_choice()

    def columns_chosen(self, *_args: object) -> None:
        if self.current_by() is not None:
            self.compare.setCurrentIndex(0)
        self._show_budget_choice()

    def preset_chosen(self, index: int) -> None:
        span = self.preset.itemData(index)
        if span is None:
            return
        first, last = span
        for edit, value in ((self.start, first), (self.end, last), (self.as_of, last)):
            edit.blockSignals(True)
            edit.set_value(value)
            edit.blockSignals(False)
        self.preset.setCurrentIndex(index)

    def fill(self, departments: list[CodeName], projects: list[CodeName], budgets: list[str]) -> None:
        """Refill the choices that come from the books, keeping what the user chose."""
        fill_codes(self.department, departments, first="All departments")
        fill_codes(self.project, projects, first="All projects")
        self.budgets = budgets
        chosen = self.budget.currentText()
        self.budget.clear()
        self.budget.addItems(budgets)
        self.budget.setCurrentIndex(max(0, self.budget.findText(chosen)))
        self._show_budget_choice()

    def _show_budget_choice(self) -> None:
        wanted = self.current_statement() is Statement.BUDGET_VS_ACTUAL or self.current_compare() is Compare.BUDGET
        self.budget_field.setVisible(wanted and len(self.budgets) > 1)

    def _show_matching_preset(self) -> None:
        """The period name that matches the dates this statement uses, else Custom."""
        statement = self.current_statement()
        for index in range(1, self.preset.count()):
            first, last = self.preset.itemData(index)
            if (statement.as_of and last == self.as_of.value()) or (
                not statement.as_of and (first, last) == (self.start.value(), self.end.value())
            ):
                self.preset.setCurrentIndex(index)
                return
        self.preset.setCurrentIndex(0)
