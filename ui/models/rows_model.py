"""Table models over lists of frozen rows: a static one and a lazily paged one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from paksa_desktop.reporting.formatting import cell_text
from ui.models.columns import Col

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the frozen row object behind a table row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the raw value, for sorting and tests

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class _Titled(Protocol):
    title: str

    @property
    def numeric(self) -> bool: ...


def column_header(columns: Sequence[_Titled], section: int, orientation: Qt.Orientation, role: int) -> Any:
    """The horizontal header every read-only table shows: the title, aligned like the figures below."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(columns):
        return None
    column = columns[section]
    if role == Qt.ItemDataRole.DisplayRole:
        return column.title
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(RIGHT if column.numeric else LEFT)
    return None


def read_only_flags(index: Index) -> Qt.ItemFlag:
    if not index.isValid():
        return Qt.ItemFlag.NoItemFlags
    return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class RowLook(Protocol):
    def __call__(self, row: Any) -> tuple[QColor | None, bool]: ...


class RowsTableModel(QAbstractTableModel):
    """Formats rows for display; never queries, so painting stays instant."""

    def __init__(
        self,
        columns: Sequence[Col],
        *,
        exponent: int = 2,
        look: Callable[[Any], tuple[QColor | None, bool]] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.exponent = exponent
        self.look = look  # (foreground colour, italic) per row
        self._rows: list[Any] = []

    # ---- data in
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    # ---- Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(row)
            if column.blank_zero and isinstance(value, Decimal) and not value:
                return ""
            return cell_text(value, column.places(row) if column.places else self.exponent)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column.numeric else LEFT)
        if role == Qt.ItemDataRole.ToolTipRole and not column.numeric:
            value = column.value(row)
            return value if isinstance(value, str) and len(value) > 24 else None
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            value = column.value(row)
            return str(value) if isinstance(value, Decimal) else value
        if self.look is not None and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            colour, italic = self.look(row)
            if role == Qt.ItemDataRole.ForegroundRole:
                return colour
            if italic:
                font = QFont()
                font.setItalic(True)
                return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return column_header(self.columns, section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return read_only_flags(index)


class Pager(Protocol):
    """Hands out the next page of rows; `more` tells whether another page exists."""

    def next_page(self) -> tuple[Sequence[Any], bool]: ...


class PagedRowsModel(RowsTableModel):
    """Rows arrive a page at a time as the view scrolls (canFetchMore/fetchMore)."""

    def __init__(self, columns: Sequence[Col], **kwargs: Any) -> None:
        super().__init__(columns, **kwargs)
        self._pager: Pager | None = None
        self._more = False

    def set_pager(self, pager: Pager | None) -> None:
        """Start over with a new source; the first page loads at once."""
        self.beginResetModel()
        self._pager = pager
        self._rows = []
        self._more = pager is not None
        self.endResetModel()
        if pager is not None:
            self.fetchMore(QModelIndex())

    @property
    def has_more(self) -> bool:
        return self._more

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._pager is None:
            return
        rows, more = self._pager.next_page()
        self._more = more
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def fetch_all(self, limit: int | None = None) -> None:
        """Load pages until the end (or `limit` rows); for tests and 'go to end'."""
        while self._more and (limit is None or len(self._rows) < limit):
            self.fetchMore(QModelIndex())
