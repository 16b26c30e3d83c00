"""Follow-ups: the collector's work queue of collection notes and promises to pay.

By default the list is the work queue of a day (today unless changed): notes not done whose follow-up
day has come, and promises to pay that were broken. "Show all notes" lists every note instead, done ones
included (grey). A follow-up whose day has passed, and a broken promise, are red and say how late they are.
New note… records a call or letter (customer, optionally one invoice of theirs, the text, a follow-up day,
a promise of an amount by a day); Mark done takes a note off the queue. Writing needs one of the
customer-facing permissions (`collections.WRITERS`); everyone with `receivables.view` reads.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.collections import WRITERS, CollectionService, NoteInput, NoteRow
from paksa_desktop.receivables.models import DocumentKind
from paksa_desktop.reporting.model import ColumnKind, Report
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.receivables.fields import AmountEdit, fill_customers
from ui.receivables.record_dialog import FormProblem
from ui.style import MUTED, NEGATIVE, icon
from ui.widgets.dialogs import button_box, field_grid, note
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table
from ui.workers import IsCancelled, Loader, Progress


def collections(hub: Hub) -> CollectionService:
    return hub.session.company.collections(hub.session.ctx)


def may_write_notes(hub: Hub) -> bool:
    return any(hub.session.can(p) for p in WRITERS)


def due_day(row: NoteRow) -> date | None:
    """The day the note asks for action: its follow-up day, else the promised day."""
    return row.follow_up_on or row.promised_on


def status(row: NoteRow, on: date) -> str:
    """Where a note stands on `on`, in words (the colour only repeats it)."""
    if row.done:
        return "done"
    if "broken promise" in row.why:
        return "broken promise"
    if row.promised_on is not None and row.follow_up_on is None and row.promised_on >= on:
        return "promise due today" if row.promised_on == on else f"promised in {(row.promised_on - on).days} d"
    if row.follow_up_on is None:
        return "open"
    late = (on - row.follow_up_on).days
    if late > 0:
        return f"overdue {late} d"
    return "due today" if late == 0 else f"in {-late} d"


def _places(row: NoteRow) -> int:
    return currency_exponent(row.currency)


def columns_for(on: date) -> tuple[Col, ...]:
    return (
        Col("status", "Status", lambda r: status(r, on), width=128),
        Col("follow_up", "Follow up", lambda r: r.follow_up_on, ColumnKind.DATE, width=104),
        Col("customer", "Customer", lambda r: f"{r.customer} — {r.customer_name}", width=170),
        Col("invoice", "Invoice", lambda r: r.invoice or "", width=142),
        Col("promised_on", "Promised by", lambda r: r.promised_on, ColumnKind.DATE, width=108),
        Col("currency", "Cur.", lambda r: r.currency if r.promised_amount is not None else "", width=52),
        Col("promised", "Promised", lambda r: r.promised_amount, ColumnKind.MONEY, width=96, places=_places),
        Col("note", "Note", lambda r: r.note),
        Col("author", "By", lambda r: r.created_by, width=76),
    )


class FollowUpsView(ReceivablesView):
    title = "Follow-ups"
    subtitle = (
        "Collection notes and promises to pay that need action by the day chosen. Ctrl+N records a call or a "
        "promise; Mark done takes a note off the list."
    )
    concerns = frozenset({Kind.COLLECTIONS, Kind.RECEIPTS, Kind.INVOICES, Kind.CUSTOMERS})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[NoteRow] = []
        self.can_write = may_write_notes(hub)
        self.shown_on = self.session.today()
        self.columns = columns_for(self.shown_on)
        self.model = RowsTableModel(self.columns, exponent=hub.exponent, look=self._look, parent=self)

        self.new_button = QPushButton(icon("add"), "New note…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Record a call, a letter or a promise to pay (Ctrl+N)")
        self.done_button = QPushButton("Mark &done")
        self.done_button.setToolTip("Take the selected note off the work queue")
        for button in (self.new_button, self.done_button):
            self.header.add(button)
        self.header.add(self.add_export_button())
        if not self.can_write:
            why = "Your role cannot write collection notes (" + ", ".join(p.value for p in WRITERS) + ": any one)."
            self.new_button.setToolTip(why)
            self.done_button.setToolTip(why)
        self.new_button.clicked.connect(self.new_record)
        self.done_button.clicked.connect(self.mark_done)

        self.filters = FilterBar()
        self.on = QDateEdit()
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.on.setDate(QDate(self.shown_on))
        self.on.setToolTip("Follow-ups due on or before this day, and promises broken by then")
        self.search = QLineEdit()
        self.search.setPlaceholderText("customer, invoice or note text")
        self.show_all = QCheckBox("Show &all notes, done ones too")
        self.filters.add("Due &by", self.on)
        self.filters.add("&Search", self.search, 3)
        self.filters.add("", self.show_all)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.on.dateChanged.connect(self.refresh)
        self.show_all.toggled.connect(self.refresh)
        self.body.addWidget(self.filters)

        self.table = make_table("followUpsTable", self.model, self.columns, stretch="note")
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    # ---- loading
    def day(self) -> date:
        return self.on.date().toPython()  # type: ignore[no-any-return]

    def refresh(self, *_args: object) -> None:
        service, on, everything = collections(self.hub), self.day(), self.show_all.isChecked()
        self.loader.load(
            lambda: (on, service.notes(include_done=True) if everything else service.work_queue(on)), self._apply
        )

    def _apply(self, result: tuple[date, list[NoteRow]]) -> None:
        self.shown_on, rows = result
        self.columns = columns_for(self.shown_on)
        self.model.columns = list(self.columns)
        current = self.current()
        self.all_rows = rows
        self.apply_filter(select=current.id if current else None)

    def _look(self, row: NoteRow) -> tuple[QColor | None, bool]:
        """Done notes grey and italic; overdue follow-ups and broken promises red."""
        if row.done:
            return MUTED, True
        words = status(row, self.shown_on)
        if words.startswith("overdue") or words == "broken promise":
            return NEGATIVE, False
        return None, False

    def apply_filter(self, *_args: object, select: int | None = None) -> None:
        needle = self.search.text().strip().casefold()
        rows = [
            r
            for r in self.all_rows
            if not needle or any(needle in t.casefold() for t in (r.customer, r.customer_name, r.invoice or "", r.note))
        ]
        self.model.set_rows(rows)
        for k, r in enumerate(rows):
            if r.id == select:
                self.table.selectRow(k)
        total = len(self.all_rows)
        overdue = sum(1 for r in rows if self._look(r)[0] is NEGATIVE)
        if not total:
            hint = " New note… records one." if self.can_write else ""
            if self.show_all.isChecked():
                self.count.setText("No collection notes yet." + hint)
            else:
                self.count.setText(f"Nothing to follow up by {self.shown_on}: no note is due and no promise broken.")
        else:
            shown = f"{len(rows):,} of {total:,} notes match the filter" if len(rows) != total else f"{total:,} notes"
            if total == 1 and len(rows) == 1:
                shown = "1 note"
            self.count.setText(shown + (f"; {overdue} overdue (red)" if overdue else ""))
        self._update_buttons()

    def clear_filter(self) -> None:
        self.search.clear()
        self.apply_filter()

    # ---- actions
    def current(self) -> NoteRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)  # type: ignore[no-any-return]

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        self.new_button.setEnabled(self.can_write)
        self.done_button.setEnabled(self.can_write and row is not None)
        self.done_button.setText("Mark not &done" if row is not None and row.done else "Mark &done")

    def new_record(self) -> None:
        if not self.can_write:
            return
        row = self.current()
        dialog = NoteDialog(self.hub, row.customer if row else None, parent=self)
        self.last_dialog = dialog
        if dialog.exec():
            self.hub.broadcast(dialog.changes)
            notify(self, f"Saved the note about {dialog.customer.currentData()}")
        dialog.deleteLater()

    def mark_done(self) -> None:
        row = self.current()
        if row is None or not self.can_write:
            return
        service, done = collections(self.hub), not row.done
        changes = attempt(self, lambda: service.mark_done(row.id, row.version, done=done), title="Follow-ups")
        if changes is not None:
            self.hub.broadcast(changes)
            notify(self, f"The note about {row.customer} is {'done' if done else 'open again'}")

    # ---- export: exactly the rows shown
    def export_builder(self) -> ReportBuilder:
        rows, columns, company = self.model.rows, self.columns, self.hub.info().name
        title = "Collection notes" if self.show_all.isChecked() else f"Follow-ups due by {self.shown_on}"
        currency, exponent = self.hub.info().base_currency, self.hub.exponent

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, company=company, currency=currency, exponent=exponent)

        return build


def optional_date(special: str) -> QDateEdit:
    """A day that may be left empty: its lowest value reads `special`."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(QDate(1900, 1, 1))
    edit.setSpecialValueText(special)
    edit.setDate(edit.minimumDate())
    return edit


def chosen_day(edit: QDateEdit) -> date | None:
    return None if edit.date() == edit.minimumDate() else edit.date().toPython()


class NoteDialog(QDialog):
    """A collection note: customer, an invoice of theirs (optional), text, follow-up day, a promise to pay."""

    def __init__(self, hub: Hub, customer: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes = Changes()
        self.setObjectName("collectionNoteDialog")
        self.setWindowTitle("New collection note")
        self.resize(560, 420)
        session = hub.session
        today = session.today()
        self.customer = QComboBox()
        self.customer.setObjectName("noteCustomer")
        fill_customers(self.customer, session.receivables_queries.customers(include_inactive=False), customer)
        self.invoice = QComboBox()
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("e.g. Called Maria: the payment run is on Friday")
        self.follow_up = optional_date("none")
        self.follow_up.setDate(QDate(today + timedelta(days=7)))
        self.follow_up.setToolTip("The day the note comes back on the work queue (the lowest day: none)")
        self.promised_on = optional_date("no promise")
        self.promised_amount = AmountEdit(2)
        self.promised_amount.setPlaceholderText("any amount")
        self.promised_amount.setMaximumWidth(150)
        self.currency = QLabel()
        self.currency.setProperty("state", "muted")
        grid = field_grid(
            (0, 0, "C&ustomer", self.customer, 3),
            (1, 0, "&Invoice", self.invoice, 3),
            (2, 0, "&Follow up on", self.follow_up, 1),
            (3, 0, "&Promised by", self.promised_on, 1),
            (3, 2, "A&mount", self.promised_amount, 1),
        )
        grid.addWidget(self.currency, 3, 4)
        grid.setColumnStretch(4, 1)
        text_label = QLabel("&Note")
        text_label.setBuddy(self.text)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(text_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(
            note(
                "A promise about an invoice is broken if the invoice is still open after the promised day; a "
                "promise about the customer, if less than the amount was received by then.",
                muted=True,
            )
        )
        layout.addWidget(button_box(self, "Save", accept=self.save))
        self.customer.currentIndexChanged.connect(self._customer_changed)
        self._customer_changed()
        self.text.setFocus()

    def _customer_changed(self, *_args: object) -> None:
        """The customer's open invoices to choose from; the promise is in their currency."""
        code = self.customer.currentData()
        self.invoice.clear()
        self.invoice.addItem("— about the customer as a whole —", None)
        currency = self.hub.info().base_currency
        if code:
            session = self.hub.session
            customer = session.receivables_queries.customer(code)
            currency = customer.currency
            for r in session.documents.invoices(customer=code, open_only=True, kind=DocumentKind.INVOICE):
                if r.number:
                    places = currency_exponent(r.currency)
                    self.invoice.addItem(
                        f"{r.number} · due {r.due_date} · open {r.currency} {r.open_amount:,.{places}f}", r.number
                    )
        self.currency.setText(currency)
        self.promised_amount.set_exponent(currency_exponent(currency))

    def read_input(self) -> NoteInput:
        code = self.customer.currentData()
        if not code:
            raise FormProblem("Customer: choose the customer the note is about")
        text = self.text.toPlainText().strip()
        if not text:
            raise FormProblem("Note: write what was said or agreed")
        amount: Decimal | None = self.promised_amount.amount("Promised amount")
        promised_on = chosen_day(self.promised_on)
        if amount is not None and promised_on is None:
            raise FormProblem("Promised by: a promised amount needs the day it is promised for")
        invoice = self.invoice.currentData()
        return NoteInput(code, text, invoice, promised_on, amount, chosen_day(self.follow_up))

    def save(self) -> None:
        try:
            data = self.read_input()
        except FormProblem as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        service = collections(self.hub)
        result = attempt(self, lambda: service.add_note(data), title=self.windowTitle())
        if result is not None:
            self.note_id, self.changes = result
            self.accept()
