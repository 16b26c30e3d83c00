"""Fiscal years with their monthly periods, as a two-level tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont

from paksa_desktop.ledger.models import PeriodState
from paksa_desktop.ledger.queries import CodeName, PeriodRow
from ui.models.rows_model import ROW_ROLE, Index
from ui.style import MUTED, NEGATIVE

COLUMNS = ("Period", "Start", "End", "State")


@dataclass(frozen=True, slots=True)
class YearRow:
    id: int
    name: str
    start_date: date
    end_date: date
    periods: tuple[PeriodRow, ...]

    @property
    def state_text(self) -> str:
        closed = sum(p.state is PeriodState.CLOSED for p in self.periods)
        if closed == len(self.periods):
            return "Closed"
        return "Open" if closed == 0 else f"{closed} of {len(self.periods)} closed"


def build_years(years: Sequence[CodeName], periods: Sequence[PeriodRow]) -> list[YearRow]:
    """Join LedgerQueries.fiscal_years() (id, name) with periods() on the year's name."""
    by_year: dict[str, list[PeriodRow]] = {}
    for p in periods:
        by_year.setdefault(p.fiscal_year, []).append(p)
    result = []
    for y in years:
        rows = tuple(sorted(by_year.get(y.code, []), key=lambda p: p.start_date))
        if rows:
            result.append(YearRow(y.id, y.code, rows[0].start_date, rows[-1].end_date, rows))
    return result


class PeriodsTreeModel(QAbstractItemModel):
    """Internal ids: 2*i+1 for the i-th year, 2*(j+1) for the j-th period overall."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._years: list[YearRow] = []
        self._periods: list[tuple[int, int]] = []  # (year index, row in year) per period slot
        self._slot: dict[tuple[int, int], int] = {}

    def set_years(self, years: Sequence[YearRow]) -> None:
        self.beginResetModel()
        self._years = list(years)
        self._periods = [(yi, pi) for yi, y in enumerate(self._years) for pi in range(len(y.periods))]
        self._slot = {(yi, pi): n for n, (yi, pi) in enumerate(self._periods)}
        self.endResetModel()

    @property
    def years(self) -> list[YearRow]:
        return list(self._years)

    def item(self, index: Index) -> YearRow | PeriodRow | None:
        if not index.isValid():
            return None
        key = index.internalId()
        if key % 2:
            return self._years[(key - 1) // 2]
        yi, pi = self._periods[key // 2 - 1]
        return self._years[yi].periods[pi]

    def index_of_period(self, period_id: int) -> QModelIndex:
        for n, (yi, pi) in enumerate(self._periods):
            if self._years[yi].periods[pi].id == period_id:
                return self.createIndex(pi, 0, 2 * (n + 1))
        return QModelIndex()

    def index_of_year(self, year_id: int) -> QModelIndex:
        for yi, y in enumerate(self._years):
            if y.id == year_id:
                return self.createIndex(yi, 0, 2 * yi + 1)
        return QModelIndex()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 2 * row + 1)
        yi = (parent.internalId() - 1) // 2
        return self.createIndex(row, column, 2 * (self._slot[(yi, row)] + 1))

    def parent(self, child: Index | None = None) -> Any:  # type: ignore[override]
        if child is None:
            return super().parent()
        if not child.isValid() or child.internalId() % 2:
            return QModelIndex()
        yi, _ = self._periods[child.internalId() // 2 - 1]
        return self.createIndex(yi, 0, 2 * yi + 1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._years)
        if parent.column() != 0 or not parent.internalId() % 2:
            return 0
        return len(self._years[(parent.internalId() - 1) // 2].periods)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index)
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(item, YearRow):
                return (f"Fiscal year {item.name}", str(item.start_date), str(item.end_date), item.state_text)[column]
            return (
                f"{item.start_date:%Y-%m} (period {item.number})",
                str(item.start_date),
                str(item.end_date),
                item.state.value.capitalize(),
            )[column]
        if role == Qt.ItemDataRole.FontRole and isinstance(item, YearRow):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(item, PeriodRow) and item.state is PeriodState.CLOSED:
            return NEGATIVE if column == 3 else MUTED
        if role == ROW_ROLE:
            return item
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 4:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
