"""A table model over a computed Report, so the screen shows exactly what Excel, CSV and PDF get."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Report, ReportRow, RowStyle
from ui.models.rows_model import LEFT, RIGHT, Index, column_header, read_only_flags

DRILL_ROLE = Qt.ItemDataRole.UserRole + 10  # the DrillKey of a row, or None
TOTAL_BACKGROUND = QColor("#eef1f4")


class ReportTableModel(QAbstractTableModel):
    """Rows then totals; totals bold on a grey band; every data row carries its drill-down key."""

    def __init__(self, parent: Any = None, *, blank_zero: frozenset[str] = frozenset()) -> None:
        super().__init__(parent)
        self.blank_zero = blank_zero  # column keys whose zeros read as blank on screen (debit, credit)
        self.report: Report | None = None
        self._rows: tuple[ReportRow, ...] = ()

    def set_report(self, report: Report | None) -> None:
        self.beginResetModel()
        self.report = report
        self._rows = (report.rows + report.totals) if report else ()
        self.endResetModel()

    def report_row(self, row: int) -> ReportRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.report is None else len(self.report.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.report is None or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.report.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row.cells[index.column()]
            if (
                column.key in self.blank_zero
                and isinstance(value, Decimal)
                and not value
                and row.style is RowStyle.NORMAL
            ):
                return ""
            return cell_text(value, self.report.exponent, kind=column.kind)  # a rate reads 8.3%
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column.numeric else LEFT)
        if role == Qt.ItemDataRole.FontRole and row.style is not RowStyle.NORMAL:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and row.style is RowStyle.TOTAL:
            return QBrush(TOTAL_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and row.drill is not None:
            return "Double-click to see the entries behind this figure"
        if role == DRILL_ROLE:
            return row.drill
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return column_header(self.report.columns if self.report is not None else (), section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return read_only_flags(index)
