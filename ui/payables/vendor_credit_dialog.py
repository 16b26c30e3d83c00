"""Vendor credit…: a vendor's payments on account and open credit notes, with Apply to open bills (oldest
due first, as receivables' Customer credit… does), Refund… (the vendor paid the money back into a bank
account) and, for refunds already booked, Void refund…. Reached from the vendors and payments screens."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.vendor_credit import CREDIT_NOTE, CreditRow, CreditUse, RefundRow
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.payment_runs_view import bank_choices
from ui.style import set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import field_grid, inline_error, show_inline, typed_decimal
from ui.widgets.notify import notify
from ui.widgets.tables import make_table


def _places(row: Any) -> int:
    return currency_exponent(row.currency)


KIND_TEXT = {"payment": "On account", CREDIT_NOTE: "Credit note"}
CREDIT_COLUMNS = (
    Col("number", "Source", lambda r: r.number, width=150),
    Col("kind", "Kind", lambda r: KIND_TEXT.get(r.kind, r.kind), width=140),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("reference", "Reference", lambda r: "" if r.reference == r.number else r.reference),
    Col("currency", "Cur.", lambda r: r.currency, width=52),
    Col("total", "Amount", lambda r: r.total, ColumnKind.MONEY, width=110, places=_places),
    Col("available", "Available", lambda r: r.available, ColumnKind.MONEY, width=110, places=_places),
)
REFUND_COLUMNS = (
    Col("id", "Refund", lambda r: r.id, ColumnKind.INTEGER, width=64),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("source", "Of", lambda r: r.source, width=150),
    Col("bank", "Into", lambda r: r.bank_account),
    Col("currency", "Cur.", lambda r: r.currency, width=52),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=110, places=_places),
    Col("voided", "Voided", lambda r: r.voided_on or "", ColumnKind.DATE, width=100),
)


class VendorCreditDialog(QDialog):
    """One vendor's credit: what it can be applied to or refunded from, and the refunds booked."""

    def __init__(self, hub: Hub, vendor: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes: Changes | None = None
        session = hub.session
        self.service = session.company.vendor_credit(session.ctx)
        self.setObjectName("vendorCreditDialog")
        self.setWindowTitle("Vendor credit")
        self.resize(860, 520)
        self.can_pay = session.can(Permission.AP_PAYMENT_RUN_APPROVE)
        self.can_credit = session.can(Permission.AP_BILL_CREATE)

        self.vendor = QComboBox()
        self.vendor.setMinimumContentsLength(28)
        for row in session.vendors.list():
            self.vendor.addItem(f"{row.code} — {row.name}", row.code)
        if vendor:
            self.vendor.setCurrentIndex(max(0, self.vendor.findData(vendor)))
        self.date = DateEdit(session.today())
        top = field_grid((0, 0, "&Vendor", self.vendor, 1), (0, 2, "&Date", self.date, 1))
        top.setColumnStretch(1, 1)

        self.model = RowsTableModel(CREDIT_COLUMNS, exponent=hub.exponent, parent=self)
        self.table = make_table("vendorCreditSources", self.model, CREDIT_COLUMNS, stretch="reference")
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.apply_button = QPushButton("&Apply to open bills")
        self.apply_button.setToolTip("Settle the vendor's open bills with the selected credit, oldest due first")
        self.refund_button = QPushButton("&Refund…")
        self.refund_button.setToolTip("The vendor paid the selected credit back: book the money received")
        self.apply_button.clicked.connect(self.apply_selected)
        self.refund_button.clicked.connect(self.refund_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.apply_button)
        actions.addWidget(self.refund_button)
        actions.addStretch(1)

        self.refund_model = RowsTableModel(REFUND_COLUMNS, exponent=hub.exponent, parent=self)
        self.refund_table = make_table("vendorRefunds", self.refund_model, REFUND_COLUMNS, stretch="bank")
        self.refund_table.setMaximumHeight(150)
        self.refund_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.void_button = QPushButton("&Void refund…")
        self.void_button.setToolTip("Reverse the selected refund (the bank returned it): its credit is open again")
        self.void_button.clicked.connect(self.void_selected)
        refund_actions = QHBoxLayout()
        refund_actions.addWidget(QLabel("Refunds received"))
        refund_actions.addStretch(1)
        refund_actions.addWidget(self.void_button)
        for button in (self.refund_button, self.void_button):
            button.setVisible(self.can_pay)

        self.message = QLabel()
        self.message.setObjectName("vendorCreditMessage")
        self.message.setWordWrap(True)
        self.error = inline_error()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("Payments on account and open credit notes"))
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addLayout(refund_actions)
        layout.addWidget(self.refund_table)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.vendor.currentIndexChanged.connect(self.load)
        self.load()

    # ---- reading
    def load(self, *_args: object) -> None:
        code = self.vendor.currentData()
        try:
            sources = self.service.credits(code) if code else []
            refunds = self.service.refunds(code) if code else []
        except Exception as exc:  # named in the dialog
            show_inline(self.error, message_for(exc))
            return
        self.model.set_rows(sources)
        self.refund_model.set_rows(refunds)
        if sources:
            self.table.selectRow(0)
            self.message.setText("")
        else:
            self.message.setText(
                "No payment on account or open credit note. Pay bills… with an amount above the bills (or no "
                "bill) pays on account."
            )
        set_state(self.message, "muted")
        self._update_buttons()

    def selected(self) -> CreditRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)

    def selected_refund(self) -> RefundRow | None:
        index = self.refund_table.currentIndex()
        if not index.isValid() or not self.refund_table.selectionModel().hasSelection():
            return None
        return self.refund_model.data(index, ROW_ROLE)

    def _update_buttons(self) -> None:
        source = self.selected()
        may_apply = source is not None and (self.can_credit if source.kind == CREDIT_NOTE else self.can_pay)
        self.apply_button.setEnabled(may_apply)
        self.refund_button.setEnabled(self.can_pay and source is not None)
        refund = self.selected_refund()
        self.void_button.setEnabled(self.can_pay and refund is not None and refund.voided_on is None)

    def _done(self, changes: Changes, text: str) -> None:
        self.changes = changes if self.changes is None else Changes(self.changes.kinds | changes.kinds)
        show_inline(self.error, "")
        self.load()
        self.message.setText(text)
        set_state(self.message, "ok")

    # ---- actions
    def apply_selected(self) -> None:
        source = self.selected()
        code = self.vendor.currentData()
        if source is None or not code:
            return
        try:
            bills = self.service.open_bills(code, source.currency)
        except Exception as exc:  # named in the dialog
            show_inline(self.error, message_for(exc))
            return
        left, uses = source.available, []
        for number, _due, open_amount in bills:
            piece = min(left, open_amount)
            if piece > 0:
                uses.append(CreditUse(number, piece))
                left -= piece
        if not uses:
            show_inline(self.error, f"The vendor has no open {source.currency} bill to apply {source.number} to.")
            return
        try:
            _ids, changes = self.service.apply(source.number, uses, self.date.value())
        except Exception as exc:  # named in the dialog; nothing was stored
            show_inline(self.error, message_for(exc))
            return
        self._done(changes, f"Applied {source.number} to {', '.join(u.bill for u in uses)}.")

    def refund_selected(self) -> RefundDialog | None:
        source = self.selected()
        if source is None:
            return None
        dialog = RefundDialog(self.hub, source, self.date.value(), self)
        self.last_refund = dialog
        if dialog.exec() and dialog.changes is not None:
            e = currency_exponent(source.currency)
            self._done(dialog.changes, f"Booked the refund of {money_text(dialog.amount, e)} {source.currency} "
                                       f"of {source.number}.")  # fmt: skip
        dialog.deleteLater()
        return dialog

    def void_selected(self, reason: str | None = None) -> None:
        refund = self.selected_refund()
        if refund is None or refund.voided_on is not None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, f"Void refund {refund.id}", "Reason (kept with the refund):")
            if not ok:
                return
        try:
            _entry, changes = self.service.void_refund(refund.id, max(self.date.value(), refund.date), reason)
        except Exception as exc:  # named in the dialog; nothing was changed
            show_inline(self.error, message_for(exc))
            return
        self._done(changes, f"Voided refund {refund.id}: {refund.source} has its credit back.")


class RefundDialog(QDialog):
    """Book money a vendor paid back: into which bank account (in the credit's currency), when, how much."""

    def __init__(self, hub: Hub, source: CreditRow, on: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.source = source
        self.changes: Changes | None = None
        self.amount = Decimal(0)
        self.setObjectName("vendorRefundDialog")
        self.setWindowTitle(f"Refund of {source.number}")
        self.setMinimumWidth(540)
        e = currency_exponent(source.currency)
        session = hub.session
        self.bank = QComboBox()
        banks = [b for b in session.company.payment_queries(session.ctx).banks() if b.currency == source.currency]
        bank_choices(self.bank, banks)
        self.date = DateEdit(max(on, source.date))
        self.amount_edit = QLineEdit(money_text(source.available, e))
        self.amount_edit.setObjectName("refundAmount")
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("optional: the vendor's reference on the bank line")
        head = QLabel(
            f"<b>{source.number}</b> · {source.vendor} {source.vendor_name} · "
            f"{money_text(source.available, e)} {source.currency} available"
        )
        head.setWordWrap(True)
        grid = field_grid(
            (0, 0, "&Into bank account", self.bank, 1),
            (1, 0, "&Date", self.date, 1),
            (2, 0, "&Amount", self.amount_edit, 1),
            (3, 0, "Re&ference", self.reference, 1),
        )
        explain = QLabel(
            "Posts Dr bank, Cr payable: the credit is used by the amount refunded. A foreign refund is taken at "
            "the day's rate; the difference to the credit's own rate is a realised exchange gain or loss."
        )
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        self.error = inline_error()
        if not banks:
            show_inline(self.error, f"No active bank account in {source.currency} to receive the refund.")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Book refund", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setProperty("primary", True)
        self.save_button.setEnabled(bool(banks))
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(grid)
        layout.addWidget(explain)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        session = self.hub.session
        try:
            amount = typed_decimal(self.amount_edit.text(), "amount")
            if amount is None:
                raise ValidationError("amount: enter the amount refunded")
            _ref, changes = session.company.vendor_credit(session.ctx).refund(
                self.source.number, amount, self.bank.currentData() or "", self.date.value(),
                reference=self.reference.text(),
            )  # fmt: skip
        except Exception as exc:  # named in the form; nothing was stored
            show_inline(self.error, message_for(exc))
            return False
        self.changes, self.amount = changes, amount
        self.accept()
        return True


def vendor_credit(hub: Hub, parent: QWidget | None = None, vendor: str | None = None) -> VendorCreditDialog:
    """Open Vendor credit…; whatever it changed is broadcast when it closes."""
    dialog = VendorCreditDialog(hub, vendor, parent)
    dialog.exec()
    if dialog.changes is not None:
        hub.broadcast(dialog.changes)
        notify(parent, "Vendor credit updated")
    dialog.deleteLater()
    return dialog
