"""A customer's payment: where it went, and which open invoices it settles.

The allocation grid lists the customer's open invoices oldest due first; "Allocate oldest first" spreads
the amount over them, and the unallocated remainder (kept as customer credit) updates as you type.
Saving calls `ReceiptService.record` once: all of it is stored, or nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, to_minor
from paksa_desktop.ledger.models import AccountSubtype
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from paksa_desktop.receivables.document_queries import InvoiceRow
from paksa_desktop.receivables.models import DocumentKind
from paksa_desktop.receivables.queries import CustomerView
from ui.errors import message_for
from ui.hub import Hub
from ui.receivables.fields import fill_customers
from ui.receivables.lines_form import RIGHT, money_text
from ui.widgets.date_edit import to_qdate
from ui.widgets.dialogs import buddy, typed_decimal

ALLOCATION_COLUMNS = ("Invoice", "Due", "Open", "Allocate", "Discount")
NUMBER, DUE, OPEN, ALLOCATE, DISCOUNT = range(len(ALLOCATION_COLUMNS))
METHODS = ("bank transfer", "card", "cheque", "cash", "direct debit")


def bank_accounts(hub: Hub) -> list[tuple[str, str]]:
    """(code, label) of the active postable bank and cash accounts."""
    choices = hub.account_choices()
    wanted = [
        a
        for a in choices.by_code.values()
        if a.subtype in (AccountSubtype.BANK, AccountSubtype.CASH) and a.is_active and a.is_leaf
    ]
    wanted.sort(key=lambda a: (a.subtype is not AccountSubtype.BANK, a.code))  # bank accounts first
    return [(a.code, f"{a.code} — {a.name}") for a in wanted]


class ReceiptDialog(QDialog):
    def __init__(self, hub: Hub, customer: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes: Changes | None = None
        self.saved_code = ""
        self.open_rows: list[InvoiceRow] = []
        session = hub.session
        self.base_currency = hub.info().base_currency
        self.customers: dict[str, CustomerView] = {
            c.code: c for c in session.receivables_queries.customers(include_inactive=False)
        }
        self.setWindowTitle("New receipt")
        self.resize(760, 560)

        self.customer = QComboBox()
        self.customer.setMinimumContentsLength(26)
        fill_customers(self.customer, sorted(self.customers.values(), key=lambda c: c.code))
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(to_qdate(session.today()))
        self.amount = QLineEdit()
        self.amount.setAlignment(RIGHT)
        self.amount.setPlaceholderText("0.00")
        self.currency = QLabel()
        self.bank = QComboBox()
        for code, label in bank_accounts(hub):
            self.bank.addItem(label, code)
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(METHODS)
        self.reference = QLineEdit()
        self.rate = QLineEdit()
        self.rate.setPlaceholderText("from the rate table")
        self.rate_label = buddy("&Rate", self.rate)

        form = QGridLayout()
        form.setHorizontalSpacing(12)
        form.addWidget(buddy("C&ustomer", self.customer), 0, 0)
        form.addWidget(self.customer, 0, 1, 1, 3)
        form.addWidget(buddy("&Date", self.date), 0, 4)
        form.addWidget(self.date, 0, 5)
        form.addWidget(buddy("&Amount", self.amount), 1, 0)
        form.addWidget(self.amount, 1, 1)
        form.addWidget(self.currency, 1, 2)
        form.addWidget(self.rate_label, 1, 4)
        form.addWidget(self.rate, 1, 5)
        form.addWidget(buddy("&Bank account", self.bank), 2, 0)
        form.addWidget(self.bank, 2, 1, 1, 3)
        form.addWidget(buddy("&Method", self.method), 2, 4)
        form.addWidget(self.method, 2, 5)
        form.addWidget(buddy("Re&ference", self.reference), 3, 0)
        form.addWidget(self.reference, 3, 1, 1, 5)
        form.setColumnStretch(1, 1)

        self.grid = QTableWidget(0, len(ALLOCATION_COLUMNS))
        self.grid.setObjectName("receiptAllocations")
        self.grid.setHorizontalHeaderLabels(ALLOCATION_COLUMNS)
        self.grid.verticalHeader().hide()
        self.grid.setTabKeyNavigation(True)
        self.grid.setAlternatingRowColors(True)
        self.grid.horizontalHeader().setSectionResizeMode(NUMBER, QHeaderView.ResizeMode.Stretch)
        for col, width in ((DUE, 100), (OPEN, 120), (ALLOCATE, 120), (DISCOUNT, 100)):
            self.grid.setColumnWidth(col, width)
            if col != DUE:
                self.grid.horizontalHeaderItem(col).setTextAlignment(RIGHT)
        self.grid.itemChanged.connect(self._update_remainder)

        self.oldest_button = QPushButton("Allocate &oldest first")
        self.oldest_button.clicked.connect(self.allocate_oldest)
        self.unallocated = QLabel()
        self.unallocated.setObjectName("receiptUnallocated")
        self.unallocated.setAlignment(RIGHT)
        self.problem = QLabel()
        self.problem.setObjectName("formMessage")
        self.problem.setProperty("state", "error")
        self.problem.setWordWrap(True)
        row = QGridLayout()
        row.addWidget(self.oldest_button, 0, 0)
        row.addWidget(self.unallocated, 0, 1)
        row.setColumnStretch(1, 1)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save receipt", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Record the receipt and its allocations (Ctrl+S)")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(QLabel("Open invoices"))
        layout.addWidget(self.grid, 1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

        self.customer.currentIndexChanged.connect(self._customer_changed)
        self.amount.textChanged.connect(self._update_remainder)
        if customer is not None:
            self.customer.setCurrentIndex(max(0, self.customer.findData(customer)))
        self._customer_changed()

    @property
    def document_currency(self) -> str:
        c = self.customers.get(self.customer.currentData())
        return c.currency if c is not None else self.base_currency

    @property
    def exponent(self) -> int:
        return currency_exponent(self.document_currency)

    def _customer_changed(self, *_args: object) -> None:
        code = self.customer.currentData()
        foreign = self.document_currency != self.base_currency
        self.currency.setText(self.document_currency)
        self.rate.setVisible(foreign)
        self.rate_label.setVisible(foreign)
        rows = []
        if code:
            rows = self.hub.session.documents.invoices(customer=code, open_only=True, kind=DocumentKind.INVOICE)
        self.open_rows = sorted(rows, key=lambda r: (r.due_date, r.date, r.number or ""))
        self.grid.blockSignals(True)
        self.grid.setRowCount(0)
        e = self.exponent
        for i, r in enumerate(self.open_rows):
            self.grid.insertRow(i)
            cells = (r.number or "", r.due_date.isoformat(), money_text(to_minor(r.open_amount, e), e), "", "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (NUMBER, DUE, OPEN):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if col not in (NUMBER, DUE):
                    item.setTextAlignment(RIGHT)
                self.grid.setItem(i, col, item)
        self.grid.blockSignals(False)
        self._update_remainder()

    def _cell(self, row: int, col: int) -> str:
        item = self.grid.item(row, col)
        return item.text() if item is not None else ""

    def allocate_oldest(self) -> None:
        try:
            left = typed_decimal(self.amount.text(), "Amount") or Decimal(0)
        except ValidationError as exc:
            self.problem.setText(message_for(exc))
            return
        self.grid.blockSignals(True)
        for i, r in enumerate(self.open_rows):
            piece = min(left, r.open_amount)
            left -= piece
            self.grid.item(i, ALLOCATE).setText(
                money_text(to_minor(piece, self.exponent), self.exponent) if piece else ""
            )
        self.grid.blockSignals(False)
        self._update_remainder()

    def allocations(self) -> tuple[AllocationInput, ...]:
        result = []
        for i, r in enumerate(self.open_rows):
            amount = typed_decimal(self._cell(i, ALLOCATE), f"{r.number}: allocate")
            discount = typed_decimal(self._cell(i, DISCOUNT), f"{r.number}: discount")
            if amount or discount:
                result.append(AllocationInput(r.number or "", amount or Decimal(0), discount))
        return tuple(result)

    def _update_remainder(self, *_args: object) -> None:
        e = self.exponent
        try:
            amount = typed_decimal(self.amount.text(), "Amount") or Decimal(0)
            allocated = sum((a.amount for a in self.allocations()), Decimal(0))
        except (ValidationError, InvalidOperation) as exc:
            self.problem.setText(message_for(exc))
            return
        self.problem.clear()
        left = to_minor(amount, e) - to_minor(allocated, e)
        note = " (kept as customer credit)" if left > 0 else " (more allocated than received)" if left < 0 else ""
        self.unallocated.setText(f"Unallocated{note}: {self.document_currency} {money_text(left, e)}")

    def input(self) -> ReceiptInput:
        code = self.customer.currentData()
        if not code:
            raise ValidationError("Customer: choose who paid")
        amount = typed_decimal(self.amount.text(), "Amount")
        if not amount or amount <= 0:
            raise ValidationError("Amount: enter what was received")
        bank = self.bank.currentData()
        if not bank:
            raise ValidationError("Bank account: no bank or cash account to receive into")
        rate = typed_decimal(self.rate.text(), "Rate") if self.document_currency != self.base_currency else None
        return ReceiptInput(
            customer=code,
            date=self.date.date().toPython(),
            amount=amount,
            bank_account=bank,
            allocations=self.allocations(),
            method=self.method.currentText().strip() or METHODS[0],
            reference=self.reference.text().strip(),
            rate=rate,
        )

    def save(self) -> bool:
        try:
            ref, changes = self.hub.session.receipts.record(self.input())
        except Exception as exc:  # named in the form; the unit of work stored nothing
            self.problem.setText(message_for(exc))
            return False
        self.changes, self.saved_code = changes, ref.number or ""
        self.accept()
        return True
