"""Vendor payments: every payment made (single or by a run) with Pay bills…, Void payment… and Vendor
credit… (payments on account and credit notes applied or refunded); Enter shows what the selected payment
settled."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.payment_queries import PaymentListRow
from paksa_desktop.payables.payments import PaymentRow
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.pay_bills_dialog import VoidPaymentDialog, pay_bills
from ui.payables.vendor_credit_dialog import vendor_credit
from ui.receivables.base_view import ReceivablesView, choice_filter
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

MUTED = QColor("#6b7785")


def _places(row: Any) -> int:
    return currency_exponent(row.currency)


COLUMNS = (
    Col("number", "Number", lambda r: r.number, width=140),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=96),
    Col("vendor", "Vendor", lambda r: f"{r.vendor} — {r.vendor_name}", width=200),  # stretches
    Col("bank", "Bank account", lambda r: r.bank_account, width=118),
    Col("currency", "Cur.", lambda r: r.currency, width=52),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=110, places=_places),
    Col("discount", "Discount", lambda r: r.discount, ColumnKind.MONEY, blank_zero=True, width=90, places=_places),
    Col("withheld", "Withheld", lambda r: r.withheld, ColumnKind.MONEY, blank_zero=True, width=90, places=_places),
    Col(
        "on_account", "On account", lambda r: r.unapplied, ColumnKind.MONEY, blank_zero=True, width=100, places=_places
    ),
    Col("run", "Run", lambda r: r.run_id or "", ColumnKind.INTEGER, width=52),
    Col("voided", "Voided", lambda r: r.voided_on or "", ColumnKind.DATE, width=96),
)
ALLOCATION_COLUMNS = (
    Col("kind", "Kind", lambda r: r.kind.replace("_", " "), width=80),
    Col("bill", "Bill", lambda r: r.bill, width=150),
    Col("credit_note", "Credit note", lambda r: r.credit_note),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=110),
    Col("discount", "Discount", lambda r: r.discount, ColumnKind.MONEY, blank_zero=True, width=90),
    Col("withheld", "Withheld", lambda r: r.withheld, ColumnKind.MONEY, blank_zero=True, width=90),
    Col("reversed", "Reversed", lambda r: r.reversed_on or "", ColumnKind.DATE, width=96),
)
SHOW = (("All", None), ("Not voided", False), ("Voided", True))


def _look(row: PaymentListRow) -> tuple[QColor | None, bool]:
    return (MUTED, True) if row.voided else (None, False)


class PaymentsView(ReceivablesView):
    title = "Payments"
    subtitle = (
        "Every vendor payment, single or from a run; voided ones are grey. Enter shows what a payment settled; "
        "Void payment… reverses it and reopens its bills; Vendor credit… applies or refunds money paid on account."
    )
    concerns = frozenset({Kind.PAYMENTS, Kind.BILLS, Kind.VENDORS})
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[PaymentListRow] = []
        self.can_pay = self.session.can(Permission.AP_PAYMENT_RUN_APPROVE)
        self.model = RowsTableModel(COLUMNS, exponent=hub.exponent, look=_look, parent=self)
        self.pay_button = QPushButton(icon("add"), "Pay bills…")
        self.pay_button.setProperty("primary", True)
        self.pay_button.setToolTip("Pay open bills of one vendor (Ctrl+N)")
        self.void_button = QPushButton("Void payment…")
        self.void_button.setToolTip("Reverse the selected payment and reopen the bills it settled")
        self.credit_button = QPushButton("Vendor credit…")
        self.credit_button.setToolTip("Apply or refund the selected vendor's payments on account and open credit notes")
        self.credit_button.clicked.connect(self.open_credit)
        self.open_button = QPushButton("Details…")
        self.open_button.setToolTip("What the selected payment settled (Enter)")
        for button in (self.pay_button, self.void_button):
            button.setVisible(self.can_pay)
        self.pay_button.clicked.connect(self.new_record)
        self.void_button.clicked.connect(self.void_current)
        self.open_button.clicked.connect(self.open_current)
        for button in (self.pay_button, self.void_button, self.credit_button, self.open_button):
            self.header.add(button)
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("number, vendor or reference")
        self.filters.add("&Search", self.search, 3)
        self.show_voided = choice_filter(*SHOW)
        self.filters.add("Sho&w", self.show_voided)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)
        self.table = make_table("paymentsTable", self.model, COLUMNS, stretch="vendor")
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        on_enter(self.table, self.open_current)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    def refresh(self) -> None:
        queries = self.session.company.payment_queries(self.session.ctx)
        self.loader.load(queries.payments, self._apply)

    def _apply(self, rows: list[PaymentListRow]) -> None:
        self.all_rows = list(rows)
        self.apply_filter()

    def apply_filter(self, *_args: object) -> None:
        current = self.current()
        needle = self.search.text().strip().casefold()
        voided = self.show_voided.currentData()
        rows = [
            r
            for r in self.all_rows
            if (not needle or any(needle in t.casefold() for t in (r.number, r.vendor, r.vendor_name, r.reference)))
            and (voided is None or r.voided == voided)
        ]
        self.model.set_rows(rows)
        if current is not None:
            self.select(current.number)
        total = len(self.all_rows)
        if not total:
            self.count.setText("No payments yet." + (" Pay bills… pays a vendor." if self.can_pay else ""))
        elif len(rows) == total:
            self.count.setText(f"{total:,} payment{'s' if total != 1 else ''}")
        else:
            self.count.setText(f"{len(rows):,} of {total:,} payments match the filter")
        self._update_buttons()

    def clear_filter(self) -> None:
        self.search.clear()
        self.show_voided.setCurrentIndex(0)
        self.apply_filter()

    def current(self) -> PaymentListRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)

    def select(self, number: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).number == number:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        row = self.current()
        self.void_button.setEnabled(self.can_pay and row is not None and not row.voided)
        self.open_button.setEnabled(row is not None)

    # ---- actions
    def new_record(self) -> None:
        if self.can_pay:
            self.last_pay = pay_bills(self.hub, self)

    def void_current(self) -> VoidPaymentDialog | None:
        row = self.current()
        if row is None or row.voided or not self.can_pay:
            return None
        dialog = VoidPaymentDialog(self.hub, row, self)
        self.last_void = dialog
        if dialog.exec() and dialog.changes is not None:
            self.hub.broadcast(dialog.changes)
            notify(self, f"Voided payment {row.number}; its bills are open again")
        dialog.deleteLater()
        return dialog

    def open_credit(self) -> None:
        row = self.current()
        self.last_credit = vendor_credit(self.hub, self, row.vendor if row else None)

    def open_current(self) -> None:
        row = self.current()
        if row is None:
            return
        service = self.session.company.vendor_payments(self.session.ctx)
        detail = attempt(self, lambda: service.payment(row.number), title="Payment")
        if detail is not None:
            dialog = PaymentDetailDialog(detail, row, self)
            self.last_detail = dialog
            dialog.exec()
            dialog.deleteLater()

    def export_builder(self) -> ReportBuilder:
        rows, company = self.model.rows, self.hub.info().name
        exponent = max([self.hub.exponent, *(currency_exponent(r.currency) for r in rows)])

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report("Payments", COLUMNS, rows, company=company, currency="", exponent=exponent)

        return build


class PaymentDetailDialog(QDialog):
    """What one payment settled: each bill, credit note applied, discount and withholding."""

    def __init__(self, detail: PaymentRow, row: PaymentListRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDetail")
        self.setWindowTitle(f"Payment {detail.number}")
        self.resize(820, 320)  # every allocation column, Reversed included, without scrolling
        e = currency_exponent(detail.currency)
        text = (
            f"<b>{detail.number}</b> · {row.vendor} {row.vendor_name} · {detail.date} · "
            f"<b>{money_text(detail.amount, e)} {detail.currency}</b> from {detail.bank_account}"
        )
        if detail.run_id:
            text += f" · payment run {detail.run_id}"
        if detail.unapplied:
            text += f" · {money_text(detail.unapplied, e)} still on account (Vendor credit… applies or refunds it)"
        if detail.voided_on:
            text += f"<br><b>Voided on {detail.voided_on}</b>: {detail.void_reason}"
        head = QLabel(text)
        head.setWordWrap(True)
        model = RowsTableModel(ALLOCATION_COLUMNS, exponent=e, parent=self)
        model.set_rows(list(detail.allocations))
        table = make_table("paymentAllocations", model, ALLOCATION_COLUMNS, stretch="credit_note")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
