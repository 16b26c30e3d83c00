"""The editable lines of a journal entry (or a recurring template) with live totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor

from paksa_desktop.ledger.commands import LineInput
from paksa_desktop.ledger.queries import EntryLineRow
from paksa_desktop.reporting.formatting import money_text
from ui.models.account_choices import AccountChoices
from ui.models.rows_model import LEFT, RIGHT, Index
from ui.style import NEGATIVE

ZERO = Decimal(0)
ACCOUNT, DEBIT, CREDIT, MEMO, DEPARTMENT, PROJECT = range(6)
HEADERS = ("Account", "Debit", "Credit", "Memo", "Department", "Project")


@dataclass(frozen=True, slots=True)
class EditLine:
    account: str = ""  # a code, or the text typed if it names no account
    debit: Decimal | None = None
    credit: Decimal | None = None
    memo: str = ""
    department: str = ""
    project: str = ""

    def is_blank(self) -> bool:
        return not (self.account or self.debit or self.credit or self.memo or self.department or self.project)


def parse_money(text: str, exponent: int) -> Decimal | None:
    """'1,234.5' -> Decimal('1234.50'); '' -> None; raises ValueError for anything else."""
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"'{text}' is not a positive amount")
    quantum = Decimal(1).scaleb(-exponent)
    if value != value.quantize(quantum):
        raise ValueError(f"'{text}' has more than {exponent} decimal places")
    return value.quantize(quantum) if value else None


class EntryLinesModel(QAbstractTableModel):
    """Lines as typed; `lines()` turns them into LineInput for the service (blank rows dropped)."""

    totalsChanged = Signal()

    def __init__(self, choices: AccountChoices, exponent: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices = choices
        self.exponent = exponent
        self.read_only = False
        self._lines: list[EditLine] = [EditLine(), EditLine()]
        for signal in (self.modelReset, self.dataChanged, self.rowsInserted, self.rowsRemoved):
            signal.connect(self._emit_totals)

    def _emit_totals(self, *_args: object) -> None:
        self.totalsChanged.emit()

    # ---- loading and reading
    def set_lines(self, rows: Sequence[EntryLineRow]) -> None:
        self.beginResetModel()
        self._lines = [
            EditLine(r.account_code, r.debit or None, r.credit or None, r.memo, r.department, r.project) for r in rows
        ] or [EditLine(), EditLine()]
        self.endResetModel()

    def edit_lines(self) -> list[EditLine]:
        return list(self._lines)

    def lines(self) -> tuple[LineInput, ...]:
        return tuple(
            LineInput(
                line.account,
                debit=line.debit or ZERO,
                credit=line.credit or ZERO,
                memo=line.memo,
                department=line.department or None,
                project=line.project or None,
            )
            for line in self._lines
            if not line.is_blank()
        )

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit or ZERO for line in self._lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit or ZERO for line in self._lines), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.total_debit - self.total_credit

    def add_line(self, at: int | None = None) -> int:
        row = len(self._lines) if at is None else at
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.insert(row, EditLine())
        self.endInsertRows()
        return row

    def remove_line(self, row: int) -> None:
        if 0 <= row < len(self._lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._lines[row]
            self.endRemoveRows()
            if not self._lines:
                self.add_line()

    # ---- Qt model interface
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._lines):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ACCOUNT:
                return self.choices.label(line.account)
            if column in (DEBIT, CREDIT):
                value = line.debit if column == DEBIT else line.credit
                return money_text(value, self.exponent) if value else ""
            return (None, None, None, line.memo, line.department, line.project)[column]
        if role == Qt.ItemDataRole.EditRole:
            if column in (DEBIT, CREDIT):
                value = line.debit if column == DEBIT else line.credit
                return f"{value}" if value else ""
            return (line.account, None, None, line.memo, line.department, line.project)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column in (DEBIT, CREDIT) else LEFT)
        problem = self.account_problem(index.row()) if column == ACCOUNT else None
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return QColor(NEGATIVE)
        if role == Qt.ItemDataRole.ToolTipRole and problem:
            return problem[:1].upper() + problem[1:]
        return None

    def account_problem(self, row: int) -> str | None:
        line = self._lines[row]
        return self.choices.problem(line.account) if line.account else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if section in (DEBIT, CREDIT) else LEFT)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.read_only else base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self.read_only or not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        line = self._lines[row]
        text = "" if value is None else str(value)
        if column == ACCOUNT:
            new = replace(line, account=self.choices.resolve(text) or text.strip())
        elif column in (DEBIT, CREDIT):
            try:
                amount = parse_money(text, self.exponent)
            except ValueError:
                return False
            if column == DEBIT:
                new = replace(line, debit=amount, credit=None if amount else line.credit)
            else:
                new = replace(line, credit=amount, debit=None if amount else line.debit)
        elif column == MEMO:
            new = replace(line, memo=text)
        elif column == DEPARTMENT:
            new = replace(line, department=text.strip())
        else:
            new = replace(line, project=text.strip())
        if new == line:
            return True
        self._lines[row] = new
        first = DEBIT if column in (DEBIT, CREDIT) else column
        last = CREDIT if column in (DEBIT, CREDIT) else column
        self.dataChanged.emit(self.index(row, first), self.index(row, last))
        return True
