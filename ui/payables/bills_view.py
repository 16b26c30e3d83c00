"""Bills and vendor credit notes: the list with its filters (search, state, vendor, due before, kind), the
approval step each bill has reached, and New bill (Ctrl+N) / New credit note / Open (Enter) / Delete draft /
Export of exactly the rows shown. Built like the invoices list (ui/receivables/invoices_view.py)."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from PySide6.QtCore import QDate, QModelIndex
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDateEdit, QDialog, QLineEdit, QMessageBox, QPushButton, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.bill_queries import BillRow
from paksa_desktop.payables.models import BillKind, BillState
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.bill_dialog import BillDialog
from ui.receivables.base_view import ReceivablesView
from ui.receivables.fields import fill_customers
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress


class CodeName(NamedTuple):
    code: str
    name: str


LIMIT = 5000  # newest first; the count line says when there are more
RED = QColor("#b3261e")


def state_text(row: BillRow) -> str:
    return row.state.value.replace("_", " ")


def signed(row: BillRow, value: Any) -> Any:
    """A credit note reduces what is owed: shown negative (in parentheses)."""
    return -value if row.kind is BillKind.CREDIT_NOTE else value


def number_text(row: BillRow) -> str:
    """The number; before posting the state in brackets, naming a credit note (the list has no kind column)."""
    if row.number:
        return row.number
    what = " credit note" if row.kind is BillKind.CREDIT_NOTE else ""
    return f"(draft{what})" if row.state is BillState.DRAFT else f"(not posted{what})"


def places(row: BillRow) -> int:
    return currency_exponent(row.currency)


class BillsView(ReceivablesView):
    title = "Bills"
    subtitle = (
        "Vendors' bills and credit notes, newest first, with where each stands in its approval. "
        "Enter opens the selected one beside its PDF, Ctrl+N enters a bill."
    )
    concerns = frozenset({Kind.BILLS, Kind.PAYMENTS, Kind.VENDORS})
    export_permission = Permission.AP_VIEW
    noun, plural = "bill", "bills"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[BillRow] = []
        self.steps: dict[int, str] = {}
        self._select_after: int | None = None
        self.can_create = self.session.can(Permission.AP_BILL_CREATE)
        self.columns = (
            Col("number", "Number", number_text, width=140),
            Col("vendor", "Vendor", lambda r: f"{r.vendor_code} — {r.vendor_name}", width=200),  # stretches
            Col("vendor_invoice", "Vendor inv.", lambda r: r.vendor_invoice, width=124),
            Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=96),
            Col("due_date", "Due", lambda r: r.due_date, ColumnKind.DATE, width=96),
            Col("currency", "Cur.", lambda r: r.currency, width=54),
            Col("total", "Total", lambda r: signed(r, r.total), ColumnKind.MONEY, width=100, places=places),
            Col(
                "open",
                "Open",
                lambda r: signed(r, r.open_amount),
                ColumnKind.MONEY,
                blank_zero=True,
                width=100,
                places=places,
            ),
            Col("state", "State", state_text, width=92),
            Col("approval", "Approval", lambda r: self.steps.get(r.id, ""), width=150),
        )
        self.model = RowsTableModel(self.columns, exponent=hub.exponent, look=self._look, parent=self)

        self.new_button = QPushButton(icon("add"), "New bill…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Enter a vendor's bill (Ctrl+N)")
        self.credit_button = QPushButton("New credit note…")
        self.credit_button.setToolTip("Enter a vendor credit note (it reduces what is owed)")
        self.open_button = QPushButton(icon("edit"), "Open…")
        self.open_button.setToolTip("Open the selected bill beside its PDF (Enter)")
        self.delete_button = QPushButton(icon("delete"), "Delete draft")
        for button in (self.new_button, self.credit_button, self.open_button, self.delete_button):
            self.header.add(button)
        self.header.add(self.add_export_button())
        if not self.can_create:
            why = "Your role cannot enter bills (payables.bill.create)."
            for button in (self.new_button, self.credit_button, self.delete_button):
                button.setToolTip(why)
        self.new_button.clicked.connect(self.new_record)
        self.credit_button.clicked.connect(self.new_credit_note)
        self.open_button.clicked.connect(self.open_current)
        self.delete_button.clicked.connect(self.delete_current)

        self.filters = FilterBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText("number, vendor, vendor invoice")
        self.filters.add("&Search", self.search, 3)
        self.state = QComboBox()
        self.state.addItem("All", None)
        self.state.addItem("Open (posted, not paid)", "open")
        for s in BillState:
            self.state.addItem(s.value.replace("_", " ").capitalize(), s)
        self.filters.add("Stat&e", self.state)
        self.vendor = QComboBox()
        self.vendor.addItem("All", None)
        self.vendor.setMinimumContentsLength(14)
        self.filters.add("&Vendor", self.vendor)
        self.due_before = QDateEdit()
        self.due_before.setCalendarPopup(True)
        self.due_before.setDisplayFormat("yyyy-MM-dd")
        self.due_before.setMinimumDate(QDate(1900, 1, 1))
        self.due_before.setSpecialValueText("any")
        self.due_before.setDate(self.due_before.minimumDate())
        self.due_before.setToolTip("Bills due on or before this day")
        self.filters.add("&Due by", self.due_before)
        self.kind = QComboBox()
        for text, data in (("All", None), ("Bills", BillKind.BILL), ("Credit notes", BillKind.CREDIT_NOTE)):
            self.kind.addItem(text, data)
        self.filters.add("&Kind", self.kind)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.due_before.dateChanged.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)

        self.table = make_table("billsTable", self.model, self.columns, stretch="vendor")
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    def _look(self, row: BillRow) -> tuple[QColor | None, bool]:
        """Drafts italic; a draft sent back by its approver in red, so the clerk sees it."""
        if row.state is not BillState.DRAFT:
            return None, False
        return (RED if self.steps.get(row.id, "").startswith("rejected") else None), True

    # ---- rows
    def refresh(self) -> None:
        company, ctx = self.session.company, self.session.ctx

        def fetch() -> tuple[list[BillRow], dict[int, str]]:
            rows = company.bill_queries(ctx).bills(limit=LIMIT)
            return rows, company.bill_flags(ctx).approval_steps(r.id for r in rows)

        self.loader.load(fetch, self._apply)

    def _apply(self, result: tuple[list[BillRow], dict[int, str]]) -> None:
        current = self.current()
        self.all_rows, self.steps = list(result[0]), result[1]
        chosen = self.vendor.currentData()
        vendors = {r.vendor_code: r for r in self.all_rows}
        named = [CodeName(code, vendors[code].vendor_name) for code in sorted(vendors)]
        fill_customers(self.vendor, named, chosen, first=("All", None))
        wanted = self._select_after if self._select_after is not None else (current.id if current else None)
        self._select_after = None
        self.apply_filter(select=wanted)

    def accepts(self, row: BillRow) -> bool:
        needle = self.search.text().strip().casefold()
        if needle and not any(
            needle in t.casefold() for t in (row.number or "", row.vendor_code, row.vendor_name, row.vendor_invoice)
        ):
            return False
        state = self.state.currentData()
        if state == "open" and row.state not in (BillState.POSTED, BillState.PARTIALLY_PAID):
            return False
        if isinstance(state, BillState) and row.state is not state:
            return False
        if self.vendor.currentData() is not None and row.vendor_code != self.vendor.currentData():
            return False
        if self.kind.currentData() is not None and row.kind is not self.kind.currentData():
            return False
        due = _day(self.due_before)
        return not (due and row.due_date > due)

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
        more = f" (the newest {LIMIT:,})" if total >= LIMIT else ""
        if not total:
            self.count.setText("No bills yet." + (" New bill… enters the first one." if self.can_create else ""))
        elif len(rows) == total:
            self.count.setText(f"{total:,} document{'s' if total != 1 else ''}{more}")
        else:
            self.count.setText(f"{len(rows):,} of {total:,} match the filter{more}")
        self._update_buttons()

    def clear_filter(self) -> None:
        for widget in (self.state, self.vendor, self.kind):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        self.due_before.blockSignals(True)
        self.due_before.setDate(self.due_before.minimumDate())
        self.due_before.blockSignals(False)
        self.search.clear()
        self.apply_filter()

    def current(self) -> BillRow | None:
        if not hasattr(self, "table") or not self.table.selectionModel().hasSelection():
            return None
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def select(self, bill_id: int) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.id == bill_id:
                self.table.selectRow(i)
                return True
        return False

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        self.new_button.setEnabled(self.can_create)
        self.credit_button.setEnabled(self.can_create)
        self.open_button.setEnabled(row is not None)
        self.delete_button.setEnabled(self.can_create and row is not None and row.state is BillState.DRAFT)

    # ---- actions
    def new_record(self) -> None:
        if self.can_create:
            self._run(BillDialog(self.hub, parent=self))

    def new_credit_note(self) -> None:
        if self.can_create:
            self._run(BillDialog(self.hub, credit_note=True, parent=self))

    def open_current(self) -> None:
        row = self.current()
        if row is None:
            return
        detail = attempt(self, lambda: self.session.company.bill_queries(self.session.ctx).bill(row.id))
        if detail is not None:
            self._run(BillDialog(self.hub, detail, parent=self))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_current()

    def _run(self, dialog: QDialog) -> None:
        self.last_dialog = dialog
        if dialog.exec() and isinstance(dialog, BillDialog):
            self._select_after = dialog.bill_id
            self.hub.broadcast(dialog.changes)
            notify(self, dialog.done_message or "Saved")
        dialog.deleteLater()

    def delete_current(self) -> None:
        row = self.current()
        if row is None or row.state is not BillState.DRAFT or not self.can_create:
            return
        what = f"the draft {'credit note' if row.kind is BillKind.CREDIT_NOTE else 'bill'} of {row.vendor_name}"
        answer = QMessageBox.question(self, "Delete draft", f"Delete {what}? Its lines go with it.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        service = self.session.company.bills(self.session.ctx)
        changes = attempt(self, lambda: service.delete_draft(row.id, row.version))
        if changes is not None:
            self.hub.broadcast(changes)
            notify(self, f"Deleted {what}")

    # ---- export: exactly the rows shown
    def export_builder(self) -> ReportBuilder:
        rows, columns, title, company = list(self.model.rows), self.columns, self.title, self.hub.info().name
        currency, exponent = self.hub.info().base_currency, self.hub.exponent

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, company=company, currency=currency, exponent=exponent)

        return build


def _day(edit: QDateEdit) -> date | None:
    return None if edit.date() == edit.minimumDate() else edit.date().toPython()
