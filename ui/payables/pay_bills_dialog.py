"""Pay bills (one vendor, outside a run) and Void payment.

The pay dialog lists the vendor's open bills payable from the chosen bank account (its currency), each
with a check box and the amount to pay (all that is open less the discount, or less for a part payment),
the early-payment discount when the date is within the bill's discount date, and the withholding of a
flagged vendor; then the vendor's open credit notes to apply. The figures under the grid come from
`payment_queries.preview_payment`, the payment service's own rules, so what is shown is what posts.
"Amount paid", when filled in, is what leaves the bank: more than the ticked bills need is paid on account
(kept as the payment's unapplied remainder), and with no bill ticked the whole payment is a prepayment.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.payment_queries import (
    OpenItem,
    PaymentListRow,
    PaymentPreview,
    VendorOpenItems,
    preview_payment,
)
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.reporting.formatting import money_text
from ui.errors import message_for
from ui.hub import Hub
from ui.payables.payment_runs_view import bank_choices
from ui.style import set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import field_grid, inline_error, show_inline, typed_decimal
from ui.widgets.notify import notify
from ui.widgets.tables import stretch_column

BILL_COLUMNS = ("Bill", "Vendor invoice", "Due", "Open", "Discount", "Pay", "Withheld", "To vendor")
BILL, INVOICE, DUE, OPEN, DISCOUNT, PAY, WITHHELD, CASH = range(len(BILL_COLUMNS))
NOTE_COLUMNS = ("Credit note", "Vendor reference", "Dated", "Open", "Applied")
NOTE, NOTE_REF, NOTE_DATE, NOTE_OPEN, APPLIED = range(len(NOTE_COLUMNS))
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _grid(name: str, columns: tuple[str, ...], stretch: int, numeric: tuple[int, ...]) -> QTableWidget:
    grid = QTableWidget(0, len(columns))
    grid.setObjectName(name)
    grid.setHorizontalHeaderLabels(columns)
    grid.verticalHeader().hide()
    grid.setAlternatingRowColors(True)
    grid.setTabKeyNavigation(True)
    stretch_column(grid, stretch, 120)
    for column in numeric:
        grid.horizontalHeaderItem(column).setTextAlignment(RIGHT)
    return grid


class PayBillsDialog(QDialog):
    """A single payment: one vendor, one bank account, one day, the bills it settles."""

    def __init__(self, hub: Hub, vendor: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes: Changes | None = None
        self.saved_code = ""
        self.items: VendorOpenItems | None = None
        self.preview: PaymentPreview | None = None
        session = hub.session
        self.queries = session.company.payment_queries(session.ctx)
        self.setObjectName("payBillsDialog")
        self.setWindowTitle("Pay bills")
        self.resize(940, 600)

        self.vendor = QComboBox()
        self.vendor.setMinimumContentsLength(28)
        for row in session.vendors.list():
            if row.is_active:
                self.vendor.addItem(f"{row.code} — {row.name}", row.code)
        if vendor:
            self.vendor.setCurrentIndex(max(0, self.vendor.findData(vendor)))
        self.bank = QComboBox()
        self.banks = self.queries.banks()
        bank_choices(self.bank, self.banks)
        self.date = DateEdit(session.today())
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("optional")
        self.reference.setToolTip("Shown to the vendor with the payment")
        self.paid = QLineEdit()
        self.paid.setObjectName("payAmount")
        self.paid.setPlaceholderText("what the bills need")
        self.paid.setAlignment(RIGHT)
        self.paid.setToolTip(
            "Leave empty to pay what the ticked bills need. More is paid on account (a prepayment kept as vendor "
            "credit, applied to bills or refunded later); with no bill ticked the whole amount is on account."
        )
        grid = field_grid(
            (0, 0, "&Vendor", self.vendor, 3),
            (0, 4, "&Date", self.date, 1),
            (1, 0, "&Bank account", self.bank, 3),
            (1, 4, "Re&ference", self.reference, 1),
            (2, 4, "&Amount paid", self.paid, 1),
        )
        grid.setColumnStretch(1, 1)
        self.vendor_note = QLabel()
        self.vendor_note.setObjectName("payVendorNote")
        self.vendor_note.setWordWrap(True)
        self.bills = _grid("payBills", BILL_COLUMNS, BILL, (OPEN, DISCOUNT, PAY, WITHHELD, CASH))
        for column, width in ((INVOICE, 120), (DUE, 100), (OPEN, 104), (DISCOUNT, 92), (PAY, 110), (WITHHELD, 92),
                              (CASH, 110)):  # fmt: skip
            self.bills.setColumnWidth(column, width)
        self.bills.setColumnWidth(BILL, 170)
        self.notes = _grid("payCreditNotes", NOTE_COLUMNS, NOTE, (NOTE_OPEN, APPLIED))
        for column, width in ((NOTE_REF, 140), (NOTE_DATE, 100), (NOTE_OPEN, 110), (APPLIED, 110)):
            self.notes.setColumnWidth(column, width)
        self.notes.setMaximumHeight(120)
        self.notes_caption = QLabel("Credit notes to apply first")
        self.summary = QLabel()
        self.summary.setObjectName("paySummary")
        self.summary.setWordWrap(True)
        self.error = inline_error()

        buttons = QDialogButtonBox()
        self.pay_button = buttons.addButton("&Pay", QDialogButtonBox.ButtonRole.AcceptRole)
        self.pay_button.setProperty("primary", True)
        self.pay_button.setToolTip("Post the payment (Ctrl+S)")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(self.vendor_note)
        layout.addWidget(QLabel("Open bills (tick the ones to pay; lower the amount to pay part)"))
        layout.addWidget(self.bills, 1)
        layout.addWidget(self.notes_caption)
        layout.addWidget(self.notes)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        self.vendor.currentIndexChanged.connect(self.load)
        self.bank.currentIndexChanged.connect(self.load)
        self.date.dateChanged.connect(self._date_changed)
        self.bills.itemChanged.connect(self._bill_changed)
        self.notes.itemChanged.connect(lambda _i: self.update_preview())
        self.paid.textChanged.connect(lambda _t: self.update_preview())
        self.load()

    # ---- loading the vendor's open items
    def load(self, *_args: object) -> None:
        vendor, bank = self.vendor.currentData(), self.bank.currentData()
        self.items = None
        self.bills.setRowCount(0)
        self.notes.setRowCount(0)
        if not vendor or not bank:
            self.vendor_note.setText("Choose a vendor and a bank account." if self.banks else "No active bank account.")
            self.update_preview()
            return
        try:
            self.items = self.queries.open_items(vendor, bank)
        except Exception as exc:  # named in the form
            show_inline(self.error, message_for(exc))
            return
        items = self.items
        e = currency_exponent(items.currency)
        self.bills.blockSignals(True)
        for row, bill in enumerate(items.bills):
            self.bills.insertRow(row)
            cells = (bill.number, bill.vendor_invoice, bill.due_date.isoformat(), money_text(bill.open_value, e),
                     "", "", "", "")  # fmt: skip
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setFlags(READ_ONLY | (Qt.ItemFlag.ItemIsEditable if column == PAY else Qt.ItemFlag.NoItemFlags))
                if column >= OPEN:
                    cell.setTextAlignment(RIGHT)
                self.bills.setItem(row, column, cell)
            first = self.bills.item(row, BILL)
            if bill.in_run is not None:
                first.setFlags(Qt.ItemFlag.ItemIsSelectable)
                self.bills.item(row, PAY).setFlags(Qt.ItemFlag.ItemIsSelectable)
                first.setToolTip(f"In payment run {bill.in_run}, not yet posted: take it out of the run to pay it here")
                self.bills.item(row, INVOICE).setText(f"in run {bill.in_run}")
            else:
                first.setFlags(READ_ONLY | Qt.ItemFlag.ItemIsUserCheckable)
                first.setCheckState(Qt.CheckState.Unchecked)
        self.bills.blockSignals(False)
        self.notes.blockSignals(True)
        for row, credit in enumerate(items.credit_notes):
            self.notes.insertRow(row)
            opened = money_text(credit.open_value, e)
            cells = (credit.number, credit.vendor_invoice, credit.date.isoformat(), opened, "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setFlags(READ_ONLY)
                if column >= NOTE_OPEN:
                    cell.setTextAlignment(RIGHT)
                self.notes.setItem(row, column, cell)
            self.notes.item(row, NOTE).setFlags(READ_ONLY | Qt.ItemFlag.ItemIsUserCheckable)
            self.notes.item(row, NOTE).setCheckState(Qt.CheckState.Unchecked)
        self.notes.blockSignals(False)
        self.notes.setVisible(bool(items.credit_notes))
        self.notes_caption.setVisible(bool(items.credit_notes))
        words = []
        if not items.bills:
            words.append(
                f"{items.vendor} has no open {items.currency} bill to pay from this account: enter an amount paid "
                "to pay on account (a prepayment)."
            )
        if items.other_currency:
            words.append(
                f"{items.other_currency} open bill(s) in another currency: pay them from a bank account in their "
                "currency."
            )
        if items.withholding:
            words.append(
                f"Withholding vendor: {items.withholding_percent.normalize():f} % of what is paid in cash is kept "
                "back and owed to the tax authority."
            )
        self.vendor_note.setText(" ".join(words))
        self.vendor_note.setVisible(bool(words))
        self._show_discounts()
        self.update_preview()

    def _show_discounts(self) -> None:
        """The discount each bill earns if paid in full on the date (blank when the discount date passed)."""
        if self.items is None:
            return
        e, day = currency_exponent(self.items.currency), self.date.value()
        self.bills.blockSignals(True)
        for row, bill in enumerate(self.items.bills):
            discount = bill.discount_on(day)
            cell = self.bills.item(row, DISCOUNT)
            cell.setText(money_text(discount, e, blank_zero=True))
            cell.setToolTip(f"If paid in full by {bill.discount_date}" if discount else "")
        self.bills.blockSignals(False)

    def _date_changed(self, *_args: object) -> None:
        """A new date changes the discounts: the amounts of the ticked bills follow (all that is open less it)."""
        self._show_discounts()
        if self.items is not None:
            self.bills.blockSignals(True)
            for row, bill in enumerate(self.items.bills):
                if self._ticked(row):
                    self.bills.item(row, PAY).setText(self._default(bill))
            self.bills.blockSignals(False)
        self.update_preview()

    def _default(self, bill: OpenItem) -> str:
        return money_text(bill.open_value - bill.discount_on(self.date.value()), bill.exponent)

    def _ticked(self, row: int) -> bool:
        item = self.bills.item(row, BILL)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def _bill_changed(self, item: QTableWidgetItem) -> None:
        if self.items is None:
            return
        row, bill = item.row(), self.items.bills[item.row()]
        self.bills.blockSignals(True)
        if item.column() == BILL:
            self.bills.item(row, PAY).setText(self._default(bill) if self._ticked(row) else "")
        elif item.column() == PAY and item.text().strip() and not self._ticked(row):
            self.bills.item(row, BILL).setCheckState(Qt.CheckState.Checked)
        self.bills.blockSignals(False)
        self.update_preview()

    # ---- what the payment does
    def tick(self, bill: str, amount: str | None = None) -> None:
        """Tick a bill (and type an amount): what a user does with the check box and the Pay cell."""
        assert self.items is not None
        row = [b.number for b in self.items.bills].index(bill)
        self.bills.item(row, BILL).setCheckState(Qt.CheckState.Checked)
        if amount is not None:
            self.bills.item(row, PAY).setText(amount)

    def amounts(self) -> dict[str, Decimal]:
        assert self.items is not None
        result = {}
        for row, bill in enumerate(self.items.bills):
            if self._ticked(row):
                amount = typed_decimal(self.bills.item(row, PAY).text(), f"bill {bill.number}: amount")
                if amount is None:
                    raise ValidationError(f"bill {bill.number}: enter the amount to pay")
                result[bill.number] = amount
        return result

    def credit_notes(self) -> list[str]:
        assert self.items is not None
        return [
            n.number
            for row, n in enumerate(self.items.credit_notes)
            if self.notes.item(row, NOTE).checkState() == Qt.CheckState.Checked
        ]

    def update_preview(self) -> None:
        self.preview = None
        self.pay_button.setEnabled(False)
        if self.items is None:
            self.summary.clear()
            return
        e, currency = currency_exponent(self.items.currency), self.items.currency
        try:
            amounts = self.amounts()
            preview = preview_payment(self.items, amounts, self.credit_notes(), self.date.value())
        except Exception as exc:  # named under the grid; Pay stays off until it is right
            show_inline(self.error, message_for(exc))
            set_state(self.summary, "muted")
            return
        show_inline(self.error, "")
        by_bill = {b.bill: b for b in preview.bills}
        self.bills.blockSignals(True)
        for row, bill in enumerate(self.items.bills):
            shown = by_bill.get(bill.number)
            self.bills.item(row, WITHHELD).setText(money_text(shown.withheld, e, blank_zero=True) if shown else "")
            self.bills.item(row, CASH).setText(money_text(shown.cash + shown.credited, e) if shown else "")
            if shown is not None:
                self.bills.item(row, DISCOUNT).setText(money_text(shown.discount, e, blank_zero=True))
        self.bills.blockSignals(False)
        applied = dict.fromkeys(self.credit_notes(), Decimal(0))
        left = preview.credited
        self.notes.blockSignals(True)
        for row, n in enumerate(self.items.credit_notes):
            piece = min(left, n.open_value) if n.number in applied else Decimal(0)
            left -= piece
            self.notes.item(row, APPLIED).setText(money_text(piece, e, blank_zero=True))
        self.notes.blockSignals(False)
        self.preview = preview
        try:
            on_account = self.on_account()
        except Exception as exc:  # named under the grid
            show_inline(self.error, message_for(exc))
            set_state(self.summary, "muted")
            return
        if not amounts and not on_account:
            self.summary.setText("Tick the bills to pay, or enter an amount to pay on account (a prepayment).")
            set_state(self.summary, "muted")
            return
        settled = sum(amounts.values(), Decimal(0))
        parts = [f"Bills settled {money_text(settled, e)}"] if amounts else ["No bill: a prepayment"]
        if preview.discount:
            parts.append(f"discount {money_text(preview.discount, e)}")
        if preview.credited:
            parts.append(f"credit notes −{money_text(preview.credited, e)}")
        if preview.withheld:
            parts.append(f"withheld −{money_text(preview.withheld, e)}")
        if on_account:
            parts.append(f"on account {money_text(on_account, e)}")
        cash = preview.cash + on_account
        self.summary.setText(" · ".join(parts) + f" · <b>leaves the bank: {money_text(cash, e)} {currency}</b>")
        set_state(self.summary, "ok")
        self.pay_button.setEnabled(True)

    def amount_paid(self) -> Decimal | None:
        """The amount typed in "Amount paid", or None when it is empty (what the bills need)."""
        return typed_decimal(self.paid.text().strip(), "amount paid")

    def on_account(self) -> Decimal:
        """What the payment keeps on account: the amount paid beyond what the ticked bills need."""
        paid = self.amount_paid()
        if paid is None or self.preview is None:
            return Decimal(0)
        rest = paid - self.preview.cash
        if rest < 0:
            e = currency_exponent(self.items.currency) if self.items else 2
            raise ValidationError(
                f"amount paid: {money_text(paid, e)} is less than the {money_text(self.preview.cash, e)} the ticked "
                "bills need; lower a bill's amount to pay it in part"
            )
        return rest

    def input(self) -> PaymentInput:
        assert self.items is not None
        amounts = self.amounts()
        paid = self.amount_paid()
        if not amounts and paid is None:
            raise ValidationError("tick at least one bill to pay, or enter an amount to pay on account")
        return PaymentInput(
            vendor=self.items.vendor,
            bank_account=self.bank.currentData(),
            date=self.date.value(),
            bills=tuple(BillToPay(number, amount) for number, amount in amounts.items()),
            credit_notes=tuple(self.credit_notes()),
            reference=self.reference.text().strip(),
            amount=paid,
        )

    def save(self) -> bool:
        try:
            data = self.input()
            ref, changes = self.hub.session.company.vendor_payments(self.hub.session.ctx).pay(data)
        except Exception as exc:  # named in the form; the unit of work stored nothing
            show_inline(self.error, message_for(exc))
            return False
        self.changes, self.saved_code = changes, ref.number
        self.accept()
        return True


def pay_bills(hub: Hub, parent: QWidget | None = None, vendor: str | None = None) -> PayBillsDialog:
    """Open the pay dialog; a payment made is broadcast and announced."""
    dialog = PayBillsDialog(hub, vendor, parent)
    if dialog.exec() and dialog.changes is not None:
        hub.broadcast(dialog.changes)
        notify(parent, f"Posted payment {dialog.saved_code}")
    dialog.deleteLater()
    return dialog


class VoidPaymentDialog(QDialog):
    """Void a payment on a day with a reason: its entry is reversed and the bills it settled reopen."""

    def __init__(self, hub: Hub, payment: PaymentListRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.payment = payment
        self.changes: Changes | None = None
        self.setObjectName("voidPaymentDialog")
        self.setWindowTitle(f"Void payment {payment.number}")
        self.setMinimumWidth(480)
        e = currency_exponent(payment.currency)
        what = QLabel(
            f"<b>{payment.number}</b> · {payment.vendor} {payment.vendor_name} · {payment.date} · "
            f"{money_text(payment.amount, e)} {payment.currency} from {payment.bank_account}"
            + (f" · payment run {payment.run_id}" if payment.run_id else "")
        )
        what.setWordWrap(True)
        self.date = DateEdit(max(hub.session.today(), payment.date))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (kept with the payment and in the audit trail)")
        grid = field_grid((0, 0, "&Void on", self.date, 1), (1, 0, "&Reason", self.reason, 1))
        explain = QLabel(
            "The payment's entry is reversed on that day and the bills and credit notes it settled are open "
            "again. The payment stays in the list, marked voided."
        )
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        self.error = inline_error()
        buttons = QDialogButtonBox()
        self.void_button = buttons.addButton("&Void payment", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(grid)
        layout.addWidget(explain)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        service = self.hub.session.company.vendor_payments(self.hub.session.ctx)
        try:
            _entry, changes = service.void(self.payment.number, self.date.value(), self.reason.text())
        except Exception as exc:  # named in the form; nothing was changed
            show_inline(self.error, message_for(exc))
            return False
        self.changes = changes
        self.accept()
        return True
