"""The small dialogs of the Budgets view: a new (or renamed) budget, and copy from actuals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLineEdit, QWidget

from paksa_desktop.core.periods import FiscalYearSpan, add_months, fiscal_year_containing
from paksa_desktop.ledger.budget_rules import MAX_NAME
from ui.widgets.dialogs import button_box, form, inline_error, note, show_inline, stack


class BudgetNameDialog(QDialog):
    """Name and description of a new budget, or a new name for one."""

    def __init__(self, parent: QWidget | None = None, *, current: str = "", description: str | None = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Rename budget" if current else "New budget")
        self.setMinimumWidth(460)
        self.name = QLineEdit(current)
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText("e.g. Budget 2026, Forecast Q3")
        self.description = QLineEdit(description or "")
        self.error = inline_error()
        rows: list[tuple[str, QWidget]] = [("&Name", self.name)]
        if description is not None:
            rows.append(("&Description", self.description))
        stack(self, form(*rows), self.error, button_box(self, "Rename" if current else "Create", accept=self._accept))

    def _accept(self) -> None:
        if not self.name.text().strip():
            show_inline(self.error, "A budget needs a name.")
            self.name.setFocus()
            return
        self.accept()


@dataclass(frozen=True, slots=True)
class CopyRequest:
    source: FiscalYearSpan
    percent: Decimal
    all_accounts: bool


class CopyActualsDialog(QDialog):
    """Which year's actuals, by how much to change them, and which accounts."""

    def __init__(
        self,
        years: list[FiscalYearSpan],
        target: FiscalYearSpan,
        scope: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Copy from actuals")
        self.setMinimumWidth(520)
        self.years = years
        self.source = QComboBox()
        for year in years:
            self.source.addItem(f"{year.name}  ({year.start:%b %Y} – {year.end:%b %Y})")
        before = [i for i, y in enumerate(years) if y.start < target.start]
        self.source.setCurrentIndex(before[-1] if before else 0)
        self.percent = QLineEdit("0")
        self.percent.setValidator(QRegularExpressionValidator(QRegularExpression(r"^[-+]?[0-9]{0,4}(\.[0-9]{0,4})?$")))
        self.percent.setPlaceholderText("e.g. 5 for +5%, -10 for -10%")
        self.all_accounts = QCheckBox("Balance sheet accounts too (their monthly movements)")
        self.error = inline_error()
        stack(
            self,
            form(("&Actuals of", self.source), ("&Change, %", self.percent), ("", self.all_accounts)),
            note(
                f"Sets every month of {target.name} {scope} to the posted actuals of the same month of the chosen "
                "year, changed by the percentage and rounded to the currency's smallest unit (half to even). "
                "The amounts of those accounts already in these months are replaced; year-end closing entries "
                "are left out."
            ),
            self.error,
            button_box(self, "Copy", accept=self._accept),
        )

    def request(self) -> CopyRequest:
        source = self.years[self.source.currentIndex()]
        return CopyRequest(source, self._percent() or Decimal(0), self.all_accounts.isChecked())

    def _percent(self) -> Decimal | None:
        text = self.percent.text().strip() or "0"
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() and value >= -100 else None

    def _accept(self) -> None:
        if self._percent() is None:
            show_inline(self.error, "The change is a percentage of at least -100 (e.g. 5 or -2.5).")
            self.percent.setFocus()
            return
        self.accept()


def year_choices(start_month: int, first: date, today: date, spans: int) -> list[FiscalYearSpan]:
    """Fiscal years from the one containing `first` to `spans` years after today's."""
    years = [fiscal_year_containing(min(first, today), start_month)]
    last = fiscal_year_containing(add_months(today, 12 * spans), start_month)
    while years[-1].start < last.start:
        years.append(fiscal_year_containing(add_months(years[-1].start, 12), start_month))
    return years
