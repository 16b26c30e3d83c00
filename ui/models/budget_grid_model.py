"""The budget grid: one row per account, twelve editable months and a total, with the edits not yet saved.

Accounts sit in the vertical header, so they stay in view while the months scroll sideways. The model
keeps the loaded grid untouched and the user's edits beside it: a cell is dirty while its edit differs
from what was loaded, and `changed_cells()` is what Save sends. A second, read-only model holds the
totals shown under the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import from_minor, to_minor
from paksa_desktop.ledger.budgets import BudgetCell, BudgetGrid, BudgetGridRow
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.reporting.formatting import money_text
from ui.models.rows_model import LEFT, RIGHT, Index
from ui.style import MUTED, NEGATIVE

MONTHS = 12
TOTAL = 12  # the column after the twelve months
DIRTY = QColor("#fff1c2")  # a changed cell, not saved yet
ZERO = Decimal(0)
RESULT_TYPES = (AccountType.INCOME, AccountType.EXPENSE)
TYPE_TITLES = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.EQUITY: "Equity",
    AccountType.INCOME: "Income",
    AccountType.EXPENSE: "Expenses",
}


def parse_budget_amount(text: str, exponent: int) -> Decimal:
    """'1,234.5' -> 1234.50, '-20' or '(20)' -> -20.00, '' -> 0; ValueError with a reason otherwise."""
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "").strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1]
    if not cleaned:
        return ZERO
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not an amount")
    try:
        to_minor(value, exponent)  # refuses excess decimals
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
    return (-value if negative else value).quantize(Decimal(1).scaleb(-exponent))


def spread(total: Decimal, exponent: int) -> list[Decimal]:
    """An annual amount in twelve equal months; the cents that do not divide go to the last month."""
    minor = to_minor(total, exponent)
    base, rest = divmod(abs(minor), MONTHS)
    sign = -1 if minor < 0 else 1
    return [from_minor(sign * (base + (rest if m == MONTHS - 1 else 0)), exponent) for m in range(MONTHS)]


class BudgetGridModel(QAbstractTableModel):
    dirtyChanged = Signal(bool)
    totalsChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid: BudgetGrid | None = None
        self.exponent = 2
        self.read_only = False
        self.show_balance_sheet = False
        self._rows: list[BudgetGridRow] = []
        self._visible: list[int] = []
        self._edits: dict[tuple[int, int], Decimal] = {}  # (index into _rows, month) -> natural amount
        self._was_dirty = False

    # ---- loading
    def set_grid(self, grid: BudgetGrid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self._rows = list(grid.rows) if grid else []
        self.exponent = grid.exponent if grid else 2
        self._edits = {}
        if grid is not None and any(r.type not in RESULT_TYPES and any(r.amounts) for r in grid.rows):
            self.show_balance_sheet = True  # never hide amounts the budget holds
        self._visible = self._visible_rows()
        self.endResetModel()
        self._changed()

    def set_show_balance_sheet(self, show: bool) -> None:
        if show == self.show_balance_sheet:
            return
        self.beginResetModel()
        self.show_balance_sheet = show
        self._visible = self._visible_rows()
        self.endResetModel()
        self.totalsChanged.emit()

    def _visible_rows(self) -> list[int]:
        return [i for i, r in enumerate(self._rows) if self.show_balance_sheet or r.type in RESULT_TYPES]

    # ---- values
    def row_at(self, row: int) -> BudgetGridRow:
        return self._rows[self._visible[row]]

    def value(self, index: int, month: int) -> Decimal:
        """The amount shown for a row of `_rows` (the edit if any, else what was loaded)."""
        return self._edits.get((index, month), self._rows[index].amounts[month])

    def values(self, row: int) -> list[Decimal]:
        index = self._visible[row]
        return [self.value(index, m) for m in range(MONTHS)]

    def row_of(self, code: str) -> int:
        return next(row for row, index in enumerate(self._visible) if self._rows[index].code == code)

    @property
    def dirty(self) -> bool:
        return bool(self._edits)

    @property
    def dirty_count(self) -> int:
        return len(self._edits)

    def is_dirty(self, row: int, month: int) -> bool:
        return (self._visible[row], month) in self._edits

    def changed_cells(self) -> list[BudgetCell]:
        """What Save writes: every edited cell, for the grid's department and project."""
        grid = self.grid
        if grid is None:
            return []
        return [
            BudgetCell(
                self._rows[index].code,
                grid.months[month],
                amount,
                grid.department,
                grid.project,
                expected=self._rows[index].amounts[month],  # another user's change meanwhile is not overwritten
            )
            for (index, month), amount in sorted(self._edits.items())
        ]

    def totals(self) -> list[tuple[str, list[Decimal]]]:
        """Per account type shown (natural sign), then the net result: income less expenses."""
        by_type: dict[AccountType, list[Decimal]] = {}
        for index, row in enumerate(self._rows):
            sums = by_type.setdefault(row.type, [ZERO] * MONTHS)
            for m in range(MONTHS):
                sums[m] += self.value(index, m)
        shown = [t for t in AccountType if t in RESULT_TYPES or self.show_balance_sheet]
        lines = [(TYPE_TITLES[t], by_type.get(t, [ZERO] * MONTHS)) for t in shown]
        income = by_type.get(AccountType.INCOME, [ZERO] * MONTHS)
        expenses = by_type.get(AccountType.EXPENSE, [ZERO] * MONTHS)
        lines.append(("Net result", [i - e for i, e in zip(income, expenses, strict=True)]))
        return lines

    # ---- editing
    def _set(self, index: int, month: int, value: Decimal) -> None:
        if value == self._rows[index].amounts[month]:
            self._edits.pop((index, month), None)
        else:
            self._edits[(index, month)] = value

    def set_amount(self, row: int, month: int, value: Decimal) -> None:
        self._set(self._visible[row], month, value)
        self.dataChanged.emit(self.index(row, month), self.index(row, TOTAL))
        self._changed()

    def clear(self, indexes: Iterable[QModelIndex]) -> int:
        """Set the given month cells to zero, on any row (clearing is allowed where entering is not)."""
        cleared = 0
        if self.read_only:
            return 0
        for index in indexes:
            if index.isValid() and index.column() < MONTHS:
                self._set(self._visible[index.row()], index.column(), ZERO)
                self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), TOTAL))
                cleared += 1
        self._changed()
        return cleared

    def discard(self) -> None:
        self.beginResetModel()
        self._edits = {}
        self.endResetModel()
        self._changed()

    def _changed(self) -> None:
        self.totalsChanged.emit()
        if self.dirty != self._was_dirty:
            self._was_dirty = self.dirty
            self.dirtyChanged.emit(self.dirty)

    # ---- Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else MONTHS + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        row, column = index.row(), index.column()
        record = self.row_at(row)
        value = sum(self.values(row), ZERO) if column == TOTAL else self.value(self._visible[row], column)
        if role == Qt.ItemDataRole.DisplayRole:
            return money_text(value, self.exponent, blank_zero=True)
        if role == Qt.ItemDataRole.EditRole:
            return "" if not value else f"{value}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        if role == Qt.ItemDataRole.BackgroundRole and column < MONTHS and self.is_dirty(row, column):
            return DIRTY
        if role == Qt.ItemDataRole.ForegroundRole:
            if not record.editable:
                return MUTED
            return NEGATIVE if value < 0 else None
        if role == Qt.ItemDataRole.FontRole and column == TOTAL:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column, record)
        return None

    def _tooltip(self, row: int, column: int, record: BudgetGridRow) -> str | None:
        if column == TOTAL:
            return None if self.read_only else "Type an annual amount here to spread it evenly over the twelve months"
        if self.is_dirty(row, column):
            was = money_text(record.amounts[column], self.exponent)
            return f"Changed, not saved yet (was {was})"
        if not record.editable:
            why = "inactive" if not record.is_active else "a parent account"
            return f"Account {record.code} is {why}: its amounts can be cleared (Delete) but not changed"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if not 0 <= section < len(self._visible):
                return None
            record = self.row_at(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{record.code}  {record.name}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(LEFT)
            if role == Qt.ItemDataRole.ToolTipRole:
                inactive = "" if record.editable else " (takes no new amounts)"
                return f"{record.code} {record.name} · {record.type.value}{inactive}"
            return None
        if self.grid is None or not 0 <= section <= TOTAL:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "Total" if section == TOTAL else f"{self.grid.months[section]:%b %Y}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.read_only or not self.row_at(index.row()).editable:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.read_only:
            return False
        if not self.row_at(index.row()).editable:
            return False
        try:
            amount = parse_budget_amount("" if value is None else str(value), self.exponent)
        except ValueError:
            return False
        row = index.row()
        if index.column() == TOTAL:
            position = self._visible[row]
            for month, part in enumerate(spread(amount, self.exponent)):
                self._set(position, month, part)
            self.dataChanged.emit(self.index(row, 0), self.index(row, TOTAL))
            self._changed()
            return True
        self.set_amount(row, index.column(), amount)
        return True


class BudgetTotalsModel(QAbstractTableModel):
    """The totals under the grid (read-only), recomputed whenever a cell changes."""

    def __init__(self, grid: BudgetGridModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self._lines: list[tuple[str, list[Decimal]]] = []
        grid.totalsChanged.connect(self.refresh)
        grid.modelReset.connect(self.refresh)

    def refresh(self) -> None:
        lines = self.grid.totals() if self.grid.grid is not None else []
        if len(lines) != len(self._lines) or self.columnCount() != self.grid.columnCount():
            self.beginResetModel()
            self._lines = lines
            self.endResetModel()
        else:
            self._lines = lines
            if lines:
                self.dataChanged.emit(self.index(0, 0), self.index(len(lines) - 1, TOTAL))

    def line(self, title: str) -> list[Decimal]:
        return next(values for name, values in self._lines if name == title)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._lines else MONTHS + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._lines):
            return None
        title, values = self._lines[index.row()]
        value = sum(values, ZERO) if index.column() == TOTAL else values[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return money_text(value, self.grid.exponent)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT)
        if role == Qt.ItemDataRole.ForegroundRole and value < 0:
            return NEGATIVE
        if role == Qt.ItemDataRole.FontRole and (title == "Net result" or index.column() == TOTAL):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._lines):
            if role == Qt.ItemDataRole.DisplayRole:
                title = self._lines[section][0]
                return "Net result (income − expenses)" if title == "Net result" else f"Total {title.lower()}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(LEFT)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.grid.headerData(section, orientation, role)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags
