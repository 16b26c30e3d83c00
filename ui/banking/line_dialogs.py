"""Dialogs that book one statement line of the reconciliation screen beyond a plain match.

- **Split** (S): the line's amount over several parts in one go: open items (invoices, customer credit,
  GL lines), each for an amount up to what is open (a part payment), and GL account lines (account, tax
  code, department, project, memo) for the rest, e.g. a receipt paying an invoice less the bank's fee. The
  remaining amount is shown live and **Book split** is off until it is zero.
- **Transfer** (T): to or from another of the company's bank accounts.
- **Receipt on account** (P): a customer's money that pays no invoice yet (customer credit).
- **Payment on account** (V): money out to a vendor that pays no bill yet (a prepayment, vendor credit).

Each only collects what the clerk chose; the reconciliation screen runs the service call on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.banking.accounts import BankAccountRow
from paksa_desktop.banking.candidates import ItemSource, OpenItem
from paksa_desktop.banking.split import AccountPart, ItemPart
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.model import ColumnKind
from ui.errors import show_error
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.receivables.fields import fill_customers, fill_tax_codes
from ui.widgets.account_picker import AccountPicker
from ui.widgets.dialogs import button_box, form, note, stack
from ui.widgets.tables import make_table, on_enter
from ui.workers import Loader

GREEN, RED = QColor("#1b7f3b"), QColor("#b3261e")

ITEM_COLUMNS = (
    Col("kind", "Kind", lambda i: i.kind_label[:1].upper() + i.kind_label[1:], width=110),  # Bill, GL line
    Col("number", "Number", lambda i: i.number, width=160),
    Col("date", "Date", lambda i: i.date, ColumnKind.DATE, width=96),
    Col("due", "Due", lambda i: i.due, ColumnKind.DATE, width=96),
    Col("counterparty", "Counterparty", lambda i: i.counterparty or i.reference),
    Col("amount", "Open amount", lambda i: i.amount, ColumnKind.MONEY, width=120),
)


def money(amount: Decimal, exponent: int) -> str:
    """An amount as the screens show it: thousands separated, negatives in parentheses."""
    text = f"{abs(amount).quantize(Decimal(1).scaleb(-exponent)):,}"
    return f"({text})" if amount < 0 else text


def describe(line: Any, exponent: int) -> str:
    return f"Bank line {line.booked}  {money(line.amount, exponent)}  {line.text}  {line.reference}".strip()


# ------------------------------------------------------------------------------------------ split

PART_COLUMNS = ("Part", "GL account", "Tax code", "Department", "Project", "Memo", "Amount")
ACCOUNT, TAX, DEPARTMENT, PROJECT, MEMO, AMOUNT = range(1, 7)


@dataclass
class _Part:
    """A row of the parts table: an open item, or None for a GL account line."""

    item: OpenItem | None


class SplitDialog(QDialog):
    """Split a bank line's amount over open items and GL account lines; Book split when nothing remains."""

    def __init__(self, hub: Hub, service: Any, account: str, line: Any, on: date, exponent: int, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("splitDialog")
        self.setWindowTitle("Split the bank line")
        self.resize(1120, 620)
        self.hub = hub
        self.line = line
        self.exponent = exponent
        self.step = Decimal(1).scaleb(-exponent)
        self.items: list[OpenItem] = []
        self.parts: list[_Part] = []
        self.chosen_items: list[ItemPart] = []
        self.chosen_accounts: list[AccountPart] = []
        self.loader = Loader(self)

        head = QLabel(describe(line, exponent))
        head.setWordWrap(True)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("search open items: number, customer or amount")
        self.filter.textChanged.connect(self.apply_filter)
        self.model = RowsTableModel(ITEM_COLUMNS, exponent=exponent, parent=self)
        self.candidates = make_table("splitCandidatesTable", self.model, ITEM_COLUMNS, stretch="counterparty")
        self.candidates.setMaximumHeight(200)
        self.candidates.doubleClicked.connect(lambda _i: self.add_item())
        self.shortcuts = [on_enter(self.candidates, self.add_item)]

        self.add_item_button = QPushButton("Add &item ↓")
        self.add_item_button.setToolTip("Add the selected open item as a part (Enter in the list)")
        self.add_item_button.clicked.connect(self.add_item)
        self.add_account_button = QPushButton("Add &GL account line")
        self.add_account_button.setToolTip("A part posted to a GL account: a bank fee, a discount, … (Ctrl+L)")
        self.add_account_button.clicked.connect(lambda: self.add_account())
        self.remove_button = QPushButton("&Remove part")
        self.remove_button.setToolTip("Remove the selected part (Delete)")
        self.remove_button.clicked.connect(self.remove_part)
        actions = QHBoxLayout()
        for button in (self.add_item_button, self.add_account_button, self.remove_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.table = QTableWidget(0, len(PART_COLUMNS))
        self.table.setObjectName("splitPartsTable")
        self.table.setHorizontalHeaderLabels(PART_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((280, 180, 140, 100, 90, 0, 110)):
            if width:
                self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(MEMO, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda _i: self.update_remaining())

        self.remaining = QLabel()
        self.remaining.setObjectName("splitRemaining")
        self.remaining.setAlignment(Qt.AlignmentFlag.AlignRight)
        font = self.remaining.font()
        font.setBold(True)
        self.remaining.setFont(font)
        self.buttons = button_box(self, "Book split", accept=self.accept)
        for button in self.buttons.buttons():  # Enter adds the item searched for; it never books by accident
            button.setAutoDefault(False)
            button.setDefault(False)
        self.filter.returnPressed.connect(self.add_item)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.filter)
        layout.addWidget(self.candidates)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.remaining)
        layout.addWidget(
            note(
                "An item part may be less than what is open (a part payment); a GL line is cleared whole. "
                "Amounts are signed like the line: money out is negative. With a tax code a GL account line "
                "includes the tax.",
                muted=True,
            )
        )
        layout.addWidget(self.buttons)
        for key, slot in (("Ctrl+L", self.add_account), ("Delete", self.remove_part)):
            shortcut = QShortcut(QKeySequence(key), self, slot)
            self.shortcuts.append(shortcut)
        self.update_remaining()
        self.loader.load(lambda: service.open_items(account, max(on, line.booked)), self._loaded)

    # ---- the open items
    def _loaded(self, items: list[OpenItem]) -> None:
        self.items = items
        self.apply_filter()

    def apply_filter(self) -> None:
        words = self.filter.text().lower().split()
        used = {(str(p.item.source), str(p.item.id)) for p in self.parts if p.item is not None}

        def hit(item: OpenItem) -> bool:
            if (str(item.source), str(item.id)) in used:
                return False
            hay = f"{item.kind_label} {item.number} {item.counterparty} {item.reference} {item.amount}".lower()
            return all(w in hay for w in words)

        self.model.set_rows([i for i in self.items if hit(i)])
        if self.model.rowCount():
            self.candidates.setCurrentIndex(self.model.index(0, 0))
            self.candidates.selectRow(0)

    # ---- the parts
    def left(self) -> Decimal | None:
        """What remains to split (None while an amount cannot be read)."""
        total = Decimal(0)
        for row in range(self.table.rowCount()):
            value = self._amount(row)
            if value is None:
                return None
            total += value
        return self.line.amount - total

    def _amount(self, row: int) -> Decimal | None:
        cell = self.table.item(row, AMOUNT)
        text = (cell.text() if cell else "").replace(",", "").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() and value == value.quantize(self.step) else None

    def add_item(self) -> None:
        index = self.candidates.currentIndex()
        if not self.model.rowCount():
            return
        item: OpenItem = self.model.row_at(index.row() if index.isValid() else 0)
        left = self.left() or Decimal(0)
        amount = item.amount
        partial = ItemSource(item.source) is not ItemSource.GL and (left > 0) == (item.amount > 0) and left != 0
        if partial and abs(left) < abs(item.amount):
            amount = left  # what is left of the line pays part of the item
        label = f"{item.caption} (open {money(item.amount, self.exponent)})"
        self._add_row(_Part(item), label, amount)
        self.filter.clear()  # back to every item still open, for the next part
        self.apply_filter()

    def add_account(self, code: str = "", amount: Decimal | None = None, memo: str = "") -> None:
        left = self.left()
        self._add_row(_Part(None), "GL account", left if amount is None and left is not None else amount, memo)
        row = self.table.rowCount() - 1
        picker: AccountPicker = self.table.cellWidget(row, ACCOUNT)  # type: ignore[assignment]
        if code:
            picker.set_code(code)
        picker.setFocus()

    def _add_row(self, part: _Part, label: str, amount: Decimal | None, memo: str = "") -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.parts.append(part)
        kind = QTableWidgetItem(label)
        kind.setFlags(kind.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, 0, kind)
        if part.item is None:
            picker = AccountPicker(self.hub.account_choices(), postable_only=True)
            self.table.setCellWidget(row, ACCOUNT, picker)
            tax = QComboBox()
            fill_tax_codes(tax, self.hub.tax_codes(), None)
            self.table.setCellWidget(row, TAX, tax)
            for col in (DEPARTMENT, PROJECT):
                self.table.setItem(row, col, QTableWidgetItem(""))
            self.table.setItem(row, MEMO, QTableWidgetItem(memo or self.line.text))
        else:
            for col in (ACCOUNT, TAX, DEPARTMENT, PROJECT, MEMO):
                cell = QTableWidgetItem("")
                cell.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(row, col, cell)
            self.table.item(row, MEMO).setText(part.item.counterparty or part.item.reference)
        value = QTableWidgetItem("" if amount is None else f"{amount.quantize(self.step)}")
        value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, AMOUNT, value)
        self.table.blockSignals(False)
        self.table.selectRow(row)
        self.update_remaining()

    def remove_part(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        del self.parts[row]
        self.apply_filter()
        self.update_remaining()

    def update_remaining(self) -> None:
        left = self.left()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if left is None:
            self.remaining.setText(f"An amount cannot be read (at most {self.exponent} decimals)")
            self.remaining.setStyleSheet(f"color: {RED.name()};")
            ok.setEnabled(False)
            return
        done = left == 0 and bool(self.parts)
        self.remaining.setText(
            f"Line {money(self.line.amount, self.exponent)}   Parts {money(self.line.amount - left, self.exponent)}"
            f"   Remaining {money(left, self.exponent)}"
        )
        self.remaining.setStyleSheet(f"color: {(GREEN if done else RED).name()};")
        ok.setEnabled(done)

    def collect(self) -> tuple[list[ItemPart], list[AccountPart]]:
        """The parts as the service takes them; a ValidationError names the part and the column."""
        items: list[ItemPart] = []
        accounts: list[AccountPart] = []
        for row, part in enumerate(self.parts):
            where = f"Part {row + 1}"
            amount = self._amount(row)
            if amount is None:
                text = self.table.item(row, AMOUNT).text()
                raise ValidationError(
                    f"{where}, Amount: '{text}' is not an amount with at most {self.exponent} decimals"
                )
            if part.item is not None:
                items.append(ItemPart(str(part.item.source), str(part.item.id), amount))
                continue
            picker: AccountPicker = self.table.cellWidget(row, ACCOUNT)  # type: ignore[assignment]
            code = picker.code()
            if code is None:
                typed = picker.text().strip()
                raise ValidationError(
                    f"{where}, GL account: no postable account matches '{typed}'"
                    if typed
                    else f"{where}, GL account: choose the account"
                )
            tax: QComboBox = self.table.cellWidget(row, TAX)  # type: ignore[assignment]
            accounts.append(
                AccountPart(
                    code,
                    amount,
                    tax_code=tax.currentData() or "",
                    department=self.table.item(row, DEPARTMENT).text().strip(),
                    project=self.table.item(row, PROJECT).text().strip(),
                    memo=self.table.item(row, MEMO).text().strip(),
                )
            )
        return items, accounts

    def accept(self) -> None:
        try:
            self.chosen_items, self.chosen_accounts = self.collect()
        except ValidationError as exc:
            show_error(self, exc, title="Split")
            return
        if self.left() != 0:
            return
        super().accept()


# ------------------------------------------------------------------------------------------ transfer


class TransferDialog(QDialog):
    """A transfer to (money out) or from (money in) another of the company's bank accounts."""

    def __init__(
        self, line: Any, exponent: int, here: str, others: list[BankAccountRow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transferDialog")
        self.setWindowTitle("Transfer between bank accounts")
        self.line = line
        self.exponent = exponent
        self.here = here
        self.other = QComboBox()
        for a in others:
            self.other.addItem(f"{a.name} ({a.currency}, GL {a.gl_account})", a.name)
        self.other.setMinimumWidth(320)
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("Transfer … (from the line's description)")
        self.explain = note("")
        self.buttons = button_box(self, "Post transfer")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(others))
        stack(
            self,
            form(
                ("Bank line", QLabel(describe(line, exponent))),
                ("&Other account" if line.amount < 0 else "&From account", self.other),
                ("&Memo", self.memo),
            ),
            self.explain,
            note(
                "One entry moves the money between the two GL accounts, linked to this line. When the other "
                "account's statement shows it, that line matches the entry (a GL line)."
                if others
                else f"There is no other active bank account in the same currency as {here}: add one under Bank "
                "accounts first.",
                muted=True,
            ),
            self.buttons,
        )
        self.other.currentIndexChanged.connect(self._explain)
        self._explain()
        self.explain.setVisible(bool(others))  # no "goes from Euro to …" when there is nowhere to go

    def chosen(self) -> str:
        return str(self.other.currentData() or "")

    def _explain(self, *_args: object) -> None:
        amount = money(abs(self.line.amount), self.exponent)
        other = self.chosen() or "…"
        self.explain.setText(
            f"{amount} goes from {self.here} to {other}."
            if self.line.amount < 0
            else f"{amount} comes from {other} into {self.here}."
        )


# ------------------------------------------------------------------------------------------ receipt on account


class ReceiptOnAccountDialog(QDialog):
    """Money in from a customer that pays no invoice yet: recorded as a receipt left as customer credit."""

    def __init__(self, line: Any, exponent: int, customers: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receiptOnAccountDialog")
        self.setWindowTitle("Receipt on account")
        self.customer = QComboBox()
        self.customer.setEditable(False)
        self.customer.setMinimumWidth(320)
        fill_customers(self.customer, customers)
        counterparty = (getattr(line, "counterparty", "") or line.text).casefold()
        for n, c in enumerate(customers):  # the payer's name, when it is a customer's
            if c.name.casefold() and c.name.casefold() in counterparty:
                self.customer.setCurrentIndex(n)
                break
        self.buttons = button_box(self, "Record receipt")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(customers))
        stack(
            self,
            form(("Bank line", QLabel(describe(line, exponent))), ("&Customer", self.customer)),
            note(
                f"A receipt of {money(line.amount, exponent)} is recorded for the customer and left as customer "
                "credit, to apply to an invoice later (Receivables → Receipts). It needs receivables.receipt.record."
                if customers
                else "There are no active customers.",
                muted=True,
            ),
            self.buttons,
        )

    def chosen(self) -> str:
        return str(self.customer.currentData() or "")


# ------------------------------------------------------------------------------------------ payment on account


class PaymentOnAccountDialog(QDialog):
    """Money out to a vendor that pays no bill yet: recorded as a vendor payment kept on account."""

    def __init__(self, line: Any, exponent: int, vendors: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentOnAccountDialog")
        self.setWindowTitle("Payment on account")
        self.vendor = QComboBox()
        self.vendor.setMinimumWidth(320)
        for v in vendors:
            self.vendor.addItem(f"{v.code} — {v.name}", v.code)
        counterparty = (getattr(line, "counterparty", "") or line.text).casefold()
        for n, v in enumerate(vendors):  # the payee's name, when it is a vendor's
            if v.name.casefold() and v.name.casefold() in counterparty:
                self.vendor.setCurrentIndex(n)
                break
        self.buttons = button_box(self, "Record payment")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(vendors))
        stack(
            self,
            form(("Bank line", QLabel(describe(line, exponent))), ("&Vendor", self.vendor)),
            note(
                f"A payment of {money(-line.amount, exponent)} is recorded for the vendor and kept on account (a "
                "prepayment), to apply to a bill later or to be refunded (Payables → Payments → Vendor credit…). "
                "It needs payables.paymentrun.approve."
                if vendors
                else "There are no active vendors.",
                muted=True,
            ),
            self.buttons,
        )

    def chosen(self) -> str:
        return str(self.vendor.currentData() or "")
