"""A small editable grid of text cells (a customer's contacts): rows are added, typed in and removed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui.models.rows_model import column_header

Index = QModelIndex | QPersistentModelIndex


class _Title:
    """What `column_header` needs of a column: its title, and that it is text (left-aligned)."""

    numeric = False

    def __init__(self, title: str) -> None:
        self.title = title


class TextGridModel(QAbstractTableModel):
    """Plain strings, one list per row; `rows()` returns them stripped, leaving out rows left blank."""

    def __init__(self, titles: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.titles = [_Title(t) for t in titles]
        self.read_only = False
        self._rows: list[list[str]] = []

    # ---- data in and out
    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.beginResetModel()
        self._rows = [self._fit(r) for r in rows]
        self.endResetModel()

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(c.strip() for c in r) for r in self._rows if any(c.strip() for c in r)]

    def add_row(self, values: Sequence[str] = ()) -> int:
        """Append a row (blank unless `values`); returns its number."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(self._fit(values))
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def _fit(self, values: Sequence[str]) -> list[str]:
        cells = [str(v) for v in values][: len(self.titles)]
        return cells + [""] * (len(self.titles) - len(cells))

    # ---- Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[index.row()][index.column()]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self.read_only or role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if index.row() >= len(self._rows):
            return False
        text = "" if value is None else str(value)
        if self._rows[index.row()][index.column()] == text:
            return True
        self._rows[index.row()][index.column()] = text
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return column_header(self.titles, section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags if self.read_only else flags | Qt.ItemFlag.ItemIsEditable
