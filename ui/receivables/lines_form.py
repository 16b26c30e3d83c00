"""What the document editors with a lines grid share (the invoice editor, the bill editor and, for the
totals, the credit note dialog): the grid's set-up, its coded cells (a code shown with its name as the
tooltip, an unknown one marked), reading a typed line's coded cells, the due date field, the live
totals (net, tax per code, total) and a failure put on the form with the cursor on the bad cell.

The editors keep what differs: their columns (passed as class attributes), their inputs and services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QFormLayout, QLabel, QTableWidget, QTableWidgetItem

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import format_amount, from_minor
from paksa_desktop.core.tax import TaxCode, TaxSummary
from ui.errors import message_for
from ui.models.code_choices import CodeChoices
from ui.style import NEGATIVE
from ui.widgets.tables import stretch_column

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
BAD_CELL = QColor("#fde7e5")
DESCRIPTION_COLUMN = 1  # the column that stretches, in every editor


class Rated(Protocol):
    @property
    def rate(self) -> Decimal: ...


def money_text(units: int, exponent: int) -> str:
    """1234.5 -> '1,234.50'; negatives in parentheses."""
    text = format_amount(from_minor(abs(units), exponent), exponent, grouping=True)
    return f"({text})" if units < 0 else text


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 1.50 -> '1.5', 1E+1 -> '10'."""
    return format(value.normalize(), "f")


def set_up_grid(
    grid: QTableWidget, name: str, titles: Sequence[str], widths: Sequence[int], numeric: Sequence[int]
) -> None:
    """Titles, widths, the description column stretched, numbers right-aligned, typing edits a cell."""
    grid.setObjectName(name)
    grid.setHorizontalHeaderLabels(list(titles))
    grid.setTabKeyNavigation(True)
    grid.verticalHeader().setDefaultSectionSize(26)
    grid.setAlternatingRowColors(True)
    for i, width in enumerate(widths):
        grid.setColumnWidth(i, width)
    stretch_column(grid, DESCRIPTION_COLUMN)  # readable in a small window too
    for col in numeric:
        grid.horizontalHeaderItem(col).setTextAlignment(RIGHT)
    grid.setEditTriggers(
        QAbstractItemView.EditTrigger.AnyKeyPressed
        | QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
    )


def due_date(text: str) -> date | None:
    """The Due date field: empty (from the terms) or an ISO date."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"Due date: '{text}' is not a date (yyyy-mm-dd)") from None


def add_total_row(totals: QFormLayout, label: str, value: str, name: str = "") -> None:
    figure = QLabel(value)
    figure.setAlignment(RIGHT)
    figure.setMinimumWidth(110)
    if name:
        figure.setObjectName(name)
    totals.addRow(QLabel(label), figure)


def show_totals(
    totals: QFormLayout, summary: TaxSummary, exponent: int, rates: Mapping[str, Rated], title: str, name: str
) -> None:
    """Net, each tax code's tax ('rate % of base') and the bold total (`title`, its figure named `name`)."""
    add_total_row(totals, "Net", money_text(summary.net, exponent))
    for code, base, tax in summary.by_code:
        rate = rates[code].rate if code in rates else Decimal(0)
        add_total_row(totals, f"{code} ({plain(rate)} % of {money_text(base, exponent)})", money_text(tax, exponent))
    add_total_row(totals, f"<b>{title}</b>", f"<b>{money_text(summary.gross, exponent)}</b>", name)


class Domained(Protocol):
    def domain(self) -> TaxCode: ...


def tax_domain(taxes: Mapping[str, Domained], code: str | None, where: str) -> TaxCode | None:
    """A line's tax code as the tax functions take it (None: no tax); an unknown one names the line."""
    if not code:
        return None
    tax = taxes.get(code)
    if tax is None:
        raise ValidationError(f"{where}: unknown tax code '{code}'")
    return tax.domain()


class LinesForm:
    """Mixed into an editor (before QDialog) that has `grid`, `pickers`, `problem`, `editable` and `bad_cell`;
    `NUMERIC`, `PICKED` and `COLUMN_TITLES` are its column numbers and the titles its messages use."""

    NUMERIC: tuple[int, ...] = ()
    PICKED: tuple[int, ...] = ()
    COLUMN_TITLES: Mapping[int, str] = {}

    grid: QTableWidget
    pickers: dict[int, CodeChoices]
    problem: QLabel
    editable: bool
    bad_cell: tuple[int, int] | None
    totals: QFormLayout
    summary: TaxSummary | None

    def compute_summary(self) -> TaxSummary:
        """The lines priced and taxed by the service's own functions (raises for a line that cannot be)."""
        raise NotImplementedError

    def show_summary(self, summary: TaxSummary) -> None:
        """The totals rows of `summary` (see `show_totals`)."""
        raise NotImplementedError

    def recompute(self) -> None:
        """The totals again after a change; a line that cannot be priced is named in the form instead."""
        while self.totals.rowCount():
            self.totals.removeRow(0)
        try:
            summary = self.compute_summary()
        except (ValidationError, ValueError) as exc:
            self.summary = None
            self.problem.setText(message_for(exc))
            return
        if self.problem.property("kept") is not True:
            self.problem.clear()
        self.summary = summary
        self.show_summary(summary)

    def _set(self, row: int, col: int, text: str) -> None:
        item = QTableWidgetItem(text)
        if col in self.NUMERIC:
            item.setTextAlignment(RIGHT)
        self.grid.setItem(row, col, item)
        if col in self.PICKED:
            self._resolve_cell(item)

    def _resolve_cell(self, item: QTableWidgetItem) -> None:
        """A code typed or set in a coded column: shown as the code with its name as the tooltip; a code that
        names nothing usable stays as typed, marked, with the reason as the tooltip."""
        choices = self.pickers[item.column()]
        text = item.text().strip()
        code = choices.resolve(text) if text else None
        if code is not None and code != item.text():
            item.setText(code)
        problem = choices.problem(text) if text else None
        if problem:
            item.setBackground(BAD_CELL)
            item.setForeground(NEGATIVE)
            item.setToolTip(problem[:1].upper() + problem[1:])
        else:
            item.setData(Qt.ItemDataRole.BackgroundRole, None)
            item.setData(Qt.ItemDataRole.ForegroundRole, None)
            item.setToolTip(choices.name(code) if code else "")

    def _text(self, row: int, col: int) -> str:
        item = self.grid.item(row, col)
        return item.text().strip() if item is not None else ""

    def _blank(self, row: int) -> bool:
        return not any(self._text(row, col) for col in range(self.grid.columnCount()))

    def _check_codes(self, row: int, where: str) -> None:
        """A coded cell of the line that names nothing usable: its problem, with the cursor put on it."""
        for col in self.PICKED:
            text = self._text(row, col)
            problem = self.pickers[col].problem(text) if text else None
            if problem:
                self.bad_cell = (row, col)
                raise ValidationError(f"{where}, {self.COLUMN_TITLES[col]}: {problem}")

    def _fail(self, exc: Exception, prefix: str = "") -> None:
        """The reason in the form; a problem of a cell puts the cursor on it."""
        self.problem.setText(prefix + message_for(exc))
        if isinstance(exc, ValidationError) and self.bad_cell is not None and self.editable:
            self.grid.setCurrentCell(*self.bad_cell)
            self.grid.setFocus()
