"""Receipts: the list, a new receipt, and a customer's credit (receipt remainders and open credit notes)
with Apply (to open invoices, oldest due first) and Refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.commands import AllocationInput
from paksa_desktop.receivables.document_queries import CreditSource, ReceiptRow
from paksa_desktop.receivables.models import DocumentKind
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, message_for
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.receivables.fields import fill_customers
from ui.receivables.receipt_dialog import ReceiptDialog, bank_accounts
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress


def _places(row: Any) -> int:
    return currency_exponent(row.currency)


COLUMNS = (
    Col("number", "Number", lambda r: r.number, width=150),
    Col("customer", "Customer", lambda r: f"{r.customer} — {r.customer_name}"),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("method", "Method", lambda r: r.method, width=104),
    Col("bank", "Bank", lambda r: r.bank_account, width=60),
    Col("currency", "Cur.", lambda r: r.currency, width=56),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=120, places=_places),
    Col("unapplied", "Unapplied", lambda r: r.unapplied, ColumnKind.MONEY, blank_zero=True, width=120, places=_places),
    Col("reference", "Reference", lambda r: r.reference, width=110),
)
CREDIT_COLUMNS = (
    Col("number", "Source", lambda r: r.number, width=150),
    Col("kind", "Kind", lambda r: r.kind.replace("_", " "), width=100),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("currency", "Cur.", lambda r: r.currency, width=56),
    Col("available", "Available", lambda r: r.available, ColumnKind.MONEY, width=120, places=_places),
)


class ReceiptsView(ReceivablesView):
    title = "Receipts"
    subtitle = "Customer payments and what they settled. Ctrl+N records a receipt."
    concerns = frozenset({Kind.RECEIPTS, Kind.INVOICES, Kind.CUSTOMERS})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[ReceiptRow] = []
        self.can_record = self.session.can(Permission.AR_RECEIPT_RECORD)
        self.model = RowsTableModel(COLUMNS, exponent=hub.exponent, parent=self)
        self.new_button = QPushButton(icon("add"), "New receipt…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Record a customer's payment (Ctrl+N)")
        self.new_button.setEnabled(self.can_record)
        self.credit_button = QPushButton("Customer credit…")
        self.credit_button.setToolTip("Apply or refund the selected customer's unapplied receipts and credit notes")
        self.new_button.clicked.connect(self.new_record)
        self.credit_button.clicked.connect(self.open_credit)
        self.header.add(self.new_button)
        self.header.add(self.credit_button)
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("number, customer or reference")
        self.filters.add("&Search", self.search, 3)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(lambda: (self.search.clear(), self.apply_filter()))
        self.body.addWidget(self.filters)
        self.table = make_table("receiptsTable", self.model, COLUMNS, stretch="customer")
        self.table.doubleClicked.connect(lambda _i: self.open_credit())
        on_enter(self.table, self.open_credit)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)

    def refresh(self) -> None:
        documents = self.session.documents
        self.loader.load(documents.receipts, self._apply)

    def _apply(self, rows: list[ReceiptRow]) -> None:
        self.all_rows = list(rows)
        self.apply_filter()

    def apply_filter(self, *_args: object) -> None:
        needle = self.search.text().strip().casefold()
        rows = [
            r
            for r in self.all_rows
            if not needle or any(needle in t.casefold() for t in (r.number, r.customer, r.customer_name, r.reference))
        ]
        self.model.set_rows(rows)
        total = len(self.all_rows)
        if not total:
            self.count.setText("No receipts yet." + (" New receipt… records one." if self.can_record else ""))
        elif len(rows) == total:
            self.count.setText(f"{total:,} receipt{'s' if total != 1 else ''}")
        else:
            self.count.setText(f"{len(rows):,} of {total:,} receipts match the filter")

    def current(self) -> ReceiptRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)

    def new_record(self) -> None:
        if not self.can_record:
            return
        dialog = ReceiptDialog(self.hub, parent=self)
        self.last_dialog = dialog
        if dialog.exec():
            self.hub.broadcast(dialog.changes)
            notify(self, f"Recorded receipt {dialog.saved_code}")
        dialog.deleteLater()

    def open_credit(self, *_args: object) -> None:
        row = self.current()
        dialog = CustomerCreditDialog(self.hub, row.customer if row else None, parent=self)
        self.last_dialog = dialog
        dialog.exec()
        if dialog.changes is not None:
            self.hub.broadcast(dialog.changes)
        dialog.deleteLater()

    def export_builder(self) -> ReportBuilder:
        rows, title, company = self.model.rows, self.title, self.hub.info().name
        currency, exponent = self.hub.info().base_currency, self.hub.exponent

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, COLUMNS, rows, company=company, currency=currency, exponent=exponent)

        return build


class CustomerCreditDialog(QDialog):
    """A customer's credit sources; Apply settles their open invoices oldest due first, Refund pays it back."""

    def __init__(self, hub: Hub, customer: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes: Changes | None = None
        self.setWindowTitle("Customer credit")
        self.resize(640, 400)
        session = hub.session
        self.customer = QComboBox()
        fill_customers(self.customer, session.receivables_queries.customers(include_inactive=False), customer)
        self.model = RowsTableModel(CREDIT_COLUMNS, exponent=hub.exponent, parent=self)
        self.table = make_table("creditSources", self.model, CREDIT_COLUMNS, stretch="number")
        self.bank = QComboBox()
        for code, label in bank_accounts(hub):
            self.bank.addItem(label, code)
        self.apply_button = QPushButton("&Apply to open invoices")
        self.refund_button = QPushButton("&Refund…")
        may = session.can(Permission.AR_RECEIPT_RECORD)
        self.apply_button.setEnabled(may)
        self.refund_button.setEnabled(may)
        self.apply_button.clicked.connect(self.apply_selected)
        self.refund_button.clicked.connect(self.refund_selected)
        self.message = QLabel()
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        label = QLabel("C&ustomer")
        label.setBuddy(self.customer)
        top.addWidget(label)
        top.addWidget(self.customer, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.apply_button)
        actions.addStretch(1)
        actions.addWidget(QLabel("Refund from"))
        actions.addWidget(self.bank)
        actions.addWidget(self.refund_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.customer.currentIndexChanged.connect(self.load)
        self.load()

    def load(self, *_args: object) -> None:
        code = self.customer.currentData()
        sources = self.hub.session.documents.customer_credit(code) if code else []
        self.model.set_rows(sources)
        if sources:
            self.table.selectRow(0)
        else:
            self.message.setText("No unapplied receipts or open credit notes.")

    def selected(self) -> CreditSource | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def _done(self, changes: Changes, text: str) -> None:
        self.changes = changes if self.changes is None else Changes(self.changes.kinds | changes.kinds)
        self.load()
        self.message.setText(text)

    def apply_selected(self) -> None:
        source = self.selected()
        code = self.customer.currentData()
        if source is None or not code:
            return
        session = self.hub.session
        invoices = session.documents.invoices(customer=code, open_only=True, kind=DocumentKind.INVOICE)
        left, allocations = source.available, []
        for r in sorted(invoices, key=lambda r: (r.due_date, r.date)):
            piece = min(left, r.open_amount)
            if piece > 0 and r.number:
                allocations.append(AllocationInput(r.number, piece, Decimal(0)))
                left -= piece
        if not allocations:
            self.message.setText("The customer has no open invoices to apply the credit to.")
            return
        result = attempt(self, lambda: session.receipts.apply_credit(source.number, allocations, session.today()))
        if result is not None:
            self._done(result[1], f"Applied {source.number} to {', '.join(a.invoice for a in allocations)}.")

    def refund_selected(self) -> None:
        source = self.selected()
        bank = self.bank.currentData()
        if source is None or not bank:
            return
        session = self.hub.session
        try:
            _id, changes = session.receipts.refund(source.number, source.available, bank, session.today())
        except Exception as exc:  # named here; nothing was stored
            self.message.setText(message_for(exc))
            return
        self._done(changes, f"Refunded {source.currency} {source.available:,} of {source.number}.")
