"""The editable lines of a journal entry (or a recurring template) with live totals.

Two more columns, Currency and Foreign amount, carry what a line is in the currency the money moved in.
They exist only while `foreign` is on (the entry editor turns it on for a company that deals in foreign
money, see EntryEditor); a base-only company's grid keeps its six columns. A foreign amount is kept
unsigned, on the line's debit or credit side, as the service takes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor

from paksa_desktop.core.errors import PaksaError
from paksa_desktop.core.money import currency_exponent, is_currency
from paksa_desktop.ledger.commands import LineInput
from paksa_desktop.ledger.queries import EntryLineRow
from paksa_desktop.reporting.formatting import money_text
from ui.errors import message_for
from ui.models.account_choices import AccountChoices
from ui.models.rows_model import LEFT, RIGHT, Index
from ui.style import NEGATIVE

ZERO = Decimal(0)
ACCOUNT, DEBIT, CREDIT, MEMO, DEPARTMENT, PROJECT, CURRENCY, FOREIGN = range(8)
HEADERS = ("Account", "Debit", "Credit", "Memo", "Department", "Project", "Currency", "Foreign amount")
BASE_COLUMNS = 6  # without the two foreign columns (appended, so every other column keeps its number)
AMOUNTS = (DEBIT, CREDIT, FOREIGN)

# base amount of `foreign` units of `currency` on the entry's date; raises a PaksaError (no rate) to say why not
Converter = Callable[[str, Decimal], Decimal]


@dataclass(frozen=True, slots=True)
class EditLine:
    account: str = ""  # a code, or the text typed if it names no account
    debit: Decimal | None = None
    credit: Decimal | None = None
    memo: str = ""
    department: str = ""
    project: str = ""
    currency: str = ""  # the currency the money moved in; "" for a base line
    foreign: Decimal | None = None  # in `currency`, unsigned, on the line's side
    converted: bool = False  # the base amount was filled from the rate (refilled when the foreign amount changes)

    def is_blank(self) -> bool:
        return not (
            self.account or self.debit or self.credit or self.memo or self.department or self.project or self.foreign
        )


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


def currency_places(code: str) -> int | None:
    """The ISO 4217 exponent of a currency code, or None for a code that is not one."""
    return currency_exponent(code) if len(code) == 3 and is_currency(code) else None


class EntryLinesModel(QAbstractTableModel):
    """Lines as typed; `lines()` turns them into LineInput for the service (blank rows dropped)."""

    totalsChanged = Signal()
    fxNotice = Signal(str)  # why a foreign amount was not converted ("" once one is)

    def __init__(self, choices: AccountChoices, exponent: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices = choices
        self.exponent = exponent
        self.read_only = False
        self.foreign = False  # the Currency and Foreign amount columns; set_foreign() turns them on
        self.base_currency = ""
        self.bank_currency: dict[str, str] = {}  # GL account code -> currency of its foreign bank account
        self.converter: Converter | None = None
        self._lines: list[EditLine] = [EditLine(), EditLine()]
        for signal in (self.modelReset, self.dataChanged, self.rowsInserted, self.rowsRemoved):
            signal.connect(self._emit_totals)

    def _emit_totals(self, *_args: object) -> None:
        self.totalsChanged.emit()

    # ---- loading and reading
    def set_foreign(self, on: bool) -> None:
        """Show or hide the Currency and Foreign amount columns (hidden only when no line has a foreign amount)."""
        on = on or any(line.currency or line.foreign for line in self._lines)
        if on != self.foreign:
            self.beginResetModel()
            self.foreign = on
            self.endResetModel()

    def set_lines(self, rows: Sequence[EntryLineRow]) -> None:
        self.beginResetModel()
        self._lines = [
            EditLine(
                r.account_code,
                r.debit or None,
                r.credit or None,
                r.memo,
                r.department,
                r.project,
                r.currency,
                r.amount_cur,
            )
            for r in rows
        ] or [EditLine(), EditLine()]
        if any(line.currency for line in self._lines):
            self.foreign = True
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
                currency=line.currency or None,
                amount_cur=line.foreign if line.currency else None,
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
        return 0 if parent.isValid() else len(HEADERS) if self.foreign else BASE_COLUMNS

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
            if column == FOREIGN:
                places = currency_places(line.currency)
                return money_text(line.foreign, 2 if places is None else places) if line.foreign else ""
            return (None, None, None, line.memo, line.department, line.project, line.currency, None)[column]
        if role == Qt.ItemDataRole.EditRole:
            if column in (DEBIT, CREDIT):
                value = line.debit if column == DEBIT else line.credit
                return f"{value}" if value else ""
            if column == FOREIGN:
                return f"{line.foreign}" if line.foreign else ""
            return (line.account, None, None, line.memo, line.department, line.project, line.currency, None)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column in AMOUNTS else LEFT)
        problem = None
        if column == ACCOUNT:
            problem = self.account_problem(index.row())
        elif column in (CURRENCY, FOREIGN):
            problem = self.currency_problem(index.row())
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return QColor(NEGATIVE)
        if role == Qt.ItemDataRole.ToolTipRole and problem:
            return problem[:1].upper() + problem[1:]
        return None

    def account_problem(self, row: int) -> str | None:
        line = self._lines[row]
        return self.choices.problem(line.account) if line.account else None

    def currency_problem(self, row: int) -> str | None:
        """What is wrong with a line's currency as typed (the service says the same when saving)."""
        line = self._lines[row]
        if line.currency and currency_places(line.currency) is None:
            return f"'{line.currency}' is not an ISO 4217 currency code (such as EUR)"
        if line.currency and not line.foreign and (line.debit or line.credit):
            return f"type the amount in {line.currency} too"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if section in AMOUNTS else LEFT)
        if role == Qt.ItemDataRole.ToolTipRole and section == FOREIGN:
            return (
                "The amount in the line's currency. With the debit and credit empty, the base amount is "
                "filled from the rate on the entry date (a minus sign puts it on the credit side); "
                "the base amount stays editable."
            )
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
            bank = self.bank_currency.get(new.account)
            if bank and not new.currency:  # a foreign bank account's line is in its currency
                new = replace(new, currency=bank)
        elif column in (DEBIT, CREDIT):
            try:
                amount = parse_money(text, self.exponent)
            except ValueError:
                return False
            if amount == (line.debit if column == DEBIT else line.credit):
                return True  # left as it was (Tab through the cell): a converted amount stays converted
            if amount and line.currency:
                self.fxNotice.emit("")  # the base amount is typed: a missing rate no longer matters
            if column == DEBIT:
                new = replace(line, debit=amount, credit=None if amount else line.credit, converted=False)
            else:
                new = replace(line, credit=amount, debit=None if amount else line.debit, converted=False)
        elif column == CURRENCY:
            code = text.strip().upper()
            if code == self.base_currency:
                code = ""  # a base line has no foreign amount
            new = replace(line, currency=code, foreign=line.foreign if code else None)
            if new.currency != line.currency and new.converted:
                new = self._convert(new, negative=bool(new.credit))
        elif column == FOREIGN:
            new = self._set_foreign(row, line, text)
            if new is None:
                return False
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
        if column in (ACCOUNT, CURRENCY, FOREIGN) and self.foreign:
            first, last = ACCOUNT, FOREIGN  # the currency, foreign or base amounts may follow
        self.dataChanged.emit(self.index(row, first), self.index(row, last))
        return True

    # ---- foreign amounts
    def _set_foreign(self, row: int, line: EditLine, text: str) -> EditLine | None:
        """The foreign amount typed; with no base amount yet (or one filled from the rate), convert it."""
        cleaned = text.strip()
        negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
        cleaned = cleaned.strip("-()")
        if not line.currency and cleaned:
            self.fxNotice.emit("Type the line's currency (such as EUR) before its foreign amount.")
            return None
        places = currency_places(line.currency)
        try:
            amount = parse_money(cleaned, 2 if places is None else places)
        except ValueError:
            return None
        new = replace(line, foreign=amount)
        if amount is None:
            return replace(new, debit=None, credit=None, converted=False) if line.converted else new
        if line.debit or line.credit:
            if not line.converted:
                return new  # the base amount the user typed (the bank's actual rate) stays
            negative = bool(line.credit)
        elif not negative:
            # no side given: the one that brings the entry towards balance
            others = sum((ln.debit or ZERO) - (ln.credit or ZERO) for i, ln in enumerate(self._lines) if i != row)
            negative = others > 0
        return self._convert(new, negative=negative)

    def _convert(self, line: EditLine, *, negative: bool) -> EditLine:
        """Fill the base amount from the rate; without one, say so and leave the base amount to the user."""
        if self.converter is None or not line.currency or not line.foreign:
            return line
        try:
            base = self.converter(line.currency, line.foreign)
        except Exception as exc:  # no rate (or no database): said under the grid, never raised into Qt
            text = message_for(exc) if isinstance(exc, PaksaError) else f"The rate could not be read: {exc}"
            self.fxNotice.emit(f"{text}. Type the base amount yourself.")
            return replace(line, debit=None, credit=None, converted=False) if line.converted else line
        self.fxNotice.emit("")
        if negative:
            return replace(line, debit=None, credit=base or None, converted=True)
        return replace(line, debit=base or None, credit=None, converted=True)

    def reconvert(self) -> None:
        """The entry date changed: base amounts filled from a rate take the new date's rate."""
        for row, line in enumerate(self._lines):
            if line.converted:
                new = self._convert(line, negative=bool(line.credit))
                if new != line:
                    self._lines[row] = new
                    self.dataChanged.emit(self.index(row, DEBIT), self.index(row, CREDIT))
