"""A financial statement as a tree: the Report's flat rows nested by their `level`.

The engine emits rows in reading order with a level (0 headings and totals, 1 statement lines, 2 the
accounts under a line); a row of level n+1 belongs to the closest row above it with a lower level. The
tree only formats what the Report holds, so the screen, the PDF, Excel and CSV show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Report, ReportRow, RowStyle
from ui.models.report_model import DRILL_ROLE
from ui.models.rows_model import LEFT, RIGHT, ROW_ROLE, Index, column_header, read_only_flags

STYLE_ROLE = Qt.ItemDataRole.UserRole + 11  # the row's RowStyle, for the delegate that rules totals
TOTAL_BACKGROUND = QColor("#eef1f4")
HEADING_INK = QColor("#1d2733")
ROOT = -1  # internal id of the invisible root; nodes are numbered from 0 in reading order


@dataclass(slots=True)
class _Node:
    row: ReportRow
    parent: int  # node number of the parent, ROOT for a top-level row
    position: int  # row number among its siblings
    children: list[int] = field(default_factory=list)


def nest(rows: tuple[ReportRow, ...]) -> tuple[list[_Node], list[int]]:
    """Nodes in reading order and the top-level node numbers: each row under the last shallower row."""
    nodes: list[_Node] = []
    top: list[int] = []
    stack: list[int] = []  # node numbers of the open ancestors, shallowest first
    for row in rows:
        while stack and nodes[stack[-1]].row.level >= row.level:
            stack.pop()
        parent = stack[-1] if stack else ROOT
        siblings = nodes[parent].children if stack else top
        nodes.append(_Node(row, parent, len(siblings)))
        siblings.append(len(nodes) - 1)
        stack.append(len(nodes) - 1)
    return nodes, top


class StatementTreeModel(QAbstractItemModel):
    """Read-only; an index's internalId is its node number, so parent() is a look-up, never a search."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.report: Report | None = None
        self._nodes: list[_Node] = []
        self._top: list[int] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_report(self, report: Report | None) -> None:
        self.beginResetModel()
        self.report = report
        self._nodes, self._top = nest((report.rows + report.totals) if report else ())
        self.endResetModel()

    # ---- navigation helpers for views and tests
    def report_row(self, index: Index) -> ReportRow | None:
        return self._nodes[index.internalId()].row if index.isValid() else None

    def all_indexes(self, column: int = 0) -> list[QModelIndex]:
        """Every row's index in reading order (the order of the Report)."""
        return [self.createIndex(node.position, column, n) for n, node in enumerate(self._nodes)]

    def find(self, label: str, column: int = 0) -> QModelIndex:
        """The first row whose label is `label` (or starts with it: an account's code)."""
        for n, node in enumerate(self._nodes):
            text = str(node.row.cells[0] or "")
            if text == label or text.startswith(f"{label} "):
                return self.createIndex(node.position, column, n)
        return QModelIndex()

    def path(self, index: Index) -> tuple[str, ...]:
        """The labels from the top row down to this one: survives a reload, unlike an index."""
        labels: list[str] = []
        n = index.internalId() if index.isValid() else ROOT
        while n != ROOT:
            labels.append(str(self._nodes[n].row.cells[0] or ""))
            n = self._nodes[n].parent
        return tuple(reversed(labels))

    # ---- structure
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        children = self._nodes[parent.internalId()].children if parent.isValid() else self._top
        return self.createIndex(row, column, children[row])

    def parent(self, child: Index | None = None) -> Any:  # type: ignore[override]
        if child is None:
            return super().parent()
        if not child.isValid():
            return QModelIndex()
        parent = self._nodes[child.internalId()].parent
        if parent == ROOT:
            return QModelIndex()
        return self.createIndex(self._nodes[parent].position, 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._top)
        if parent.column() != 0:
            return 0
        return len(self._nodes[parent.internalId()].children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.report.columns) if self.report is not None else 0

    # ---- content
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.report is None:
            return None
        row = self._nodes[index.internalId()].row
        column = self.report.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(row.cells[index.column()], self.report.exponent, kind=column.kind)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column.numeric else LEFT)
        if role == Qt.ItemDataRole.FontRole and row.style is not RowStyle.NORMAL:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and row.style is RowStyle.HEADING:
            return QBrush(HEADING_INK)
        if role == Qt.ItemDataRole.BackgroundRole and row.style is RowStyle.TOTAL:
            return QBrush(TOTAL_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and row.drill is not None:
            return "Double-click or press Enter to see the entries behind this figure"
        if role == DRILL_ROLE:
            return row.drill
        if role == STYLE_ROLE:
            return row.style
        if role == ROW_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return column_header(self.report.columns if self.report is not None else (), section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return read_only_flags(index)
