"""Invoices and credit notes: the list with its filters, and what can be done to the selected one."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QDialog, QLineEdit, QPushButton, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.document_queries import DocumentQueries, InvoiceRow
from paksa_desktop.receivables.models import DocumentKind, InvoiceState
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.receivables.credit_note_dialog import CreditNoteDialog
from ui.receivables.fields import refill_choices
from ui.receivables.invoice_dialog import InvoiceDialog
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress


def state_text(row: InvoiceRow) -> str:
    return row.state.value.replace("_", " ")


def signed(row: InvoiceRow, value: Any) -> Any:
    """A credit note's figures are credits: shown negative (in parentheses)."""
    return -value if row.kind is DocumentKind.CREDIT_NOTE else value


def _places(row: InvoiceRow) -> int:
    return currency_exponent(row.currency)


COLUMNS = (
    Col("number", "Number", lambda r: r.number or "(draft)", width=144),
    Col("kind", "Kind", lambda r: "credit note" if r.kind is DocumentKind.CREDIT_NOTE else "invoice", width=96),
    Col("customer", "Customer", lambda r: f"{r.customer} — {r.customer_name}"),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("due_date", "Due", lambda r: r.due_date, ColumnKind.DATE, width=100),
    Col("currency", "Cur.", lambda r: r.currency, width=56),
    Col("total", "Total", lambda r: signed(r, r.total), ColumnKind.MONEY, width=100, places=_places),
    Col(
        "open", "Open", lambda r: signed(r, r.open_amount), ColumnKind.MONEY, blank_zero=True, width=100, places=_places
    ),
    Col("state", "State", state_text, width=90),
    Col("overdue", "Overdue", lambda r: r.days_overdue or None, ColumnKind.INTEGER, width=80),
)
STATES = (("All", None), *((s.value.replace("_", " ").capitalize(), s) for s in InvoiceState))


class InvoicesView(ReceivablesView):
    title = "Invoices"
    subtitle = "Invoices and credit notes. Enter opens the selected one, Ctrl+N starts an invoice."
    concerns = frozenset({Kind.INVOICES, Kind.RECEIPTS, Kind.CUSTOMERS})
    noun, plural = "invoice", "invoices"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[InvoiceRow] = []
        session = self.session
        self.can_create = session.can(Permission.AR_INVOICE_CREATE)
        self.can_credit = session.can(Permission.AR_CREDIT_NOTE_CREATE)
        self.can_write_off = session.can(Permission.AR_WRITE_OFF)
        self.model = RowsTableModel(COLUMNS, exponent=hub.exponent, parent=self)

        self.new_button = QPushButton(icon("add"), "New invoice…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Start an invoice (Ctrl+N)")
        self.credit_button = QPushButton("Credit note…")
        self.credit_button.setToolTip("Credit the selected posted invoice in part or in full")
        self.open_button = QPushButton(icon("edit"), "Open…")
        self.post_button = QPushButton("Post draft")
        self.delete_button = QPushButton("Delete draft")
        self.write_off_button = QPushButton("Write off")
        for button in (
            self.new_button,
            self.credit_button,
            self.open_button,
            self.post_button,
            self.delete_button,
            self.write_off_button,
        ):
            self.header.add(button)
        self.write_off_button.setVisible(self.can_write_off)
        self.header.add(self.add_export_button())
        self.new_button.clicked.connect(self.new_record)
        self.credit_button.clicked.connect(self.credit_current)
        self.open_button.clicked.connect(self.open_current)
        self.post_button.clicked.connect(self.post_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.write_off_button.clicked.connect(self.write_off_current)

        self.filters = FilterBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("number, customer or reference")
        self.filters.add("&Search", self.search, 3)
        self.state = QComboBox()
        for text, data in STATES:
            self.state.addItem(text, data)
        self.filters.add("Stat&e", self.state)
        self.customer = QComboBox()
        self.customer.addItem("All", None)
        self.customer.setMinimumContentsLength(10)
        self.filters.add("C&ustomer", self.customer)
        self.date_from = _date_edit()
        self.date_to = _date_edit()
        self.filters.add("&From", self.date_from)
        self.filters.add("&To", self.date_to)
        self.overdue = QCheckBox("&Overdue only")
        self.filters.add("", self.overdue)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.overdue.toggled.connect(self.apply_filter)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)

        self.table = make_table("invoicesTable", self.model, COLUMNS, stretch="customer")
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    # ---- rows
    def refresh(self) -> None:
        documents: DocumentQueries = self.session.documents
        today = self.session.today()
        self.loader.load(lambda: documents.invoices(today=today), self._apply)

    def _apply(self, rows: list[InvoiceRow]) -> None:
        current = self.current()
        self.all_rows = list(rows)
        refill_choices(self.customer, (r.customer for r in rows))
        self.apply_filter(select=current.id if current else getattr(self, "_select_after", None))

    def accepts(self, row: InvoiceRow) -> bool:
        needle = self.search.text().strip().casefold()
        if needle and not any(
            needle in t.casefold() for t in (row.number or "", row.customer, row.customer_name, row.reference)
        ):
            return False
        if self.state.currentData() is not None and row.state is not self.state.currentData():
            return False
        if self.customer.currentData() is not None and row.customer != self.customer.currentData():
            return False
        if self.overdue.isChecked() and row.days_overdue <= 0:
            return False
        low, high = _day(self.date_from), _day(self.date_to)
        return not ((low and row.date < low) or (high and row.date > high))

    def apply_filter(self, *_args: object, select: int | None = None) -> None:
        current = self.current()
        wanted = select if select is not None else (current.id if current else None)
        rows = [r for r in self.all_rows if self.accepts(r)]
        self.model.set_rows(rows)
        self.table.clearSelection()
        for i, row in enumerate(rows):
            if row.id == wanted:
                self.table.selectRow(i)
                break
        total = len(self.all_rows)
        if not total:
            self.count.setText("No invoices yet." + (" New invoice… adds one." if self.can_create else ""))
        elif len(rows) == total:
            self.count.setText(f"{total:,} document{'s' if total != 1 else ''}")
        else:
            self.count.setText(f"{len(rows):,} of {total:,} documents match the filter")
        self._update_buttons()

    def clear_filter(self) -> None:
        for widget in (self.state, self.customer):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(True)
            edit.setDate(edit.minimumDate())
            edit.blockSignals(False)
        self.overdue.blockSignals(True)
        self.overdue.setChecked(False)
        self.overdue.blockSignals(False)
        self.search.clear()
        self.apply_filter()

    def current(self) -> InvoiceRow | None:
        if not hasattr(self, "table") or not self.table.selectionModel().hasSelection():
            return None
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        draft = row is not None and row.state is InvoiceState.DRAFT
        posted_invoice = row is not None and not draft and row.kind is DocumentKind.INVOICE
        self.new_button.setEnabled(self.can_create)
        self.credit_button.setEnabled(
            self.can_credit and posted_invoice and row.state is not InvoiceState.WRITTEN_OFF  # type: ignore[union-attr]
        )
        self.open_button.setEnabled(row is not None)
        self.post_button.setEnabled(draft and (self.can_create or self.can_credit))
        self.delete_button.setEnabled(draft and (self.can_create or self.can_credit))
        written_off = row is not None and row.state is InvoiceState.WRITTEN_OFF
        self.write_off_button.setText("Reverse write-off" if written_off else "Write off")
        self.write_off_button.setEnabled(
            self.can_write_off and posted_invoice and (written_off or row.open_amount > 0)  # type: ignore[union-attr]
        )

    # ---- actions
    def _after(self, changes: Any, message: str, select: int | None = None) -> None:
        self._select_after = select
        self.hub.broadcast(changes)
        notify(self, message)

    def new_record(self) -> None:
        if self.can_create:
            self._run(InvoiceDialog(self.hub, parent=self))

    def open_current(self) -> None:
        row = self.current()
        if row is None:
            return
        detail = attempt(self, lambda: self.session.documents.invoice(row.id))
        if detail is not None:
            self._run(InvoiceDialog(self.hub, detail, parent=self))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_current()

    def _run(self, dialog: QDialog) -> None:
        self.last_dialog = dialog
        if dialog.exec():
            code = getattr(dialog, "saved_code", "")
            message = getattr(dialog, "done_message", "") or (
                f"Posted {code}" if code and code != "draft" else "Saved the draft"
            )
            self._after(dialog.changes, message)  # type: ignore[attr-defined]
        dialog.deleteLater()

    def post_current(self) -> None:
        row = self.current()
        if row is None or row.state is not InvoiceState.DRAFT:
            return
        detail = attempt(self, lambda: self.session.documents.invoice(row.id))
        if detail is None:
            return
        dialog = InvoiceDialog(self.hub, detail, parent=self)
        self.last_dialog = dialog
        if dialog.post():
            self._after(dialog.changes, f"Posted {dialog.saved_code}", row.id)
        else:
            self._run(dialog)  # the reason is in the form; the user can fix it there

    def delete_current(self) -> None:
        row = self.current()
        if row is None or row.state is not InvoiceState.DRAFT:
            return
        changes = attempt(self, lambda: self.session.invoicing.delete_draft(row.id, row.version))
        if changes is not None:
            self._after(changes, "Deleted the draft")

    def credit_current(self) -> None:
        row = self.current()
        if row is None or row.number is None:
            return
        detail = attempt(self, lambda: self.session.documents.invoice(row.id))
        if detail is None:
            return
        dialog = CreditNoteDialog(self.hub, detail, self)
        self.last_dialog = dialog
        if dialog.exec():
            self._after(dialog.changes, f"Credit note {dialog.saved_code} credits {row.number}")
        dialog.deleteLater()

    def write_off_current(self) -> None:
        row = self.current()
        if row is None or row.number is None or not self.can_write_off:
            return
        service, today, number = self.session.receipts, self.session.today(), row.number
        if row.state is InvoiceState.WRITTEN_OFF:
            changes = attempt(self, lambda: service.reverse_write_off(number, today))
            if changes is not None:
                self._after(changes, f"Reversed the write-off of {number}", row.id)
        else:
            result = attempt(self, lambda: service.write_off(number, today))
            if result is not None:
                self._after(result[1], f"Wrote {number} off as a bad debt", row.id)

    # ---- export: exactly the rows shown
    def export_builder(self) -> ReportBuilder:
        rows, title, company = self.model.rows, self.title, self.hub.info().name
        currency, exponent = self.hub.info().base_currency, self.hub.exponent

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, COLUMNS, rows, company=company, currency=currency, exponent=exponent)

        return build


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(QDate(1900, 1, 1))
    edit.setSpecialValueText("any")
    edit.setDate(edit.minimumDate())
    return edit


def _day(edit: QDateEdit) -> date | None:
    return None if edit.date() == edit.minimumDate() else edit.date().toPython()
