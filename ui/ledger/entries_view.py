"""Journal entries: every entry, newest first, filtered by text, amount, account, dates, user, state, journal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import PaksaError
from paksa_desktop.ledger.models import EntryState
from paksa_desktop.ledger.queries import EntryFilter, EntryRow, LedgerQueries
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, PagedRowsModel
from ui.style import MUTED, icon, set_state
from ui.widgets.account_picker import AccountPicker
from ui.widgets.choices import fill_codes
from ui.widgets.date_edit import OptionalDateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

PAGE = 200
EXPORT_PAGE = 5000

COLUMNS = (
    Col("number", "Number", lambda r: r.number or "(draft)", width=145),
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=100),
    Col("journal", "Journal", lambda r: r.journal, width=64),
    Col("state", "State", lambda r: r.state.value.capitalize(), width=86),
    Col("reference", "Reference", lambda r: r.reference, width=135),
    Col("memo", "Memo", lambda r: r.memo),
    Col("total", "Total", lambda r: r.total, ColumnKind.MONEY, width=115),
    Col("source", "Source", lambda r: r.source, width=74),
    Col("created_by", "Created by", lambda r: r.created_by, width=96),
)


def entry_look(row: EntryRow) -> tuple[QColor | None, bool]:
    """Drafts in italics (not yet in the books), reversed entries greyed."""
    if row.state is EntryState.REVERSED:
        return MUTED, False
    return None, row.state is EntryState.DRAFT


class EntriesPager:
    """Offset pages of LedgerQueries.entries for one filter."""

    def __init__(self, queries: LedgerQueries, flt: EntryFilter, page: int = PAGE) -> None:
        self.queries = queries
        self.flt = flt
        self.page = page
        self.offset = 0

    def next_page(self) -> tuple[Sequence[EntryRow], bool]:
        rows = self.queries.entries(self.flt, offset=self.offset, limit=self.page)
        self.offset += len(rows)
        return rows, len(rows) == self.page


class EntriesView(LedgerView):
    title = "Journal entries"
    subtitle = "Drafts in italics, reversed entries greyed. Double-click or press Enter to open an entry."
    concerns = frozenset({Kind.ENTRIES, Kind.ACCOUNTS, Kind.JOURNALS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = PagedRowsModel(COLUMNS, exponent=hub.exponent, look=entry_look, parent=self)
        self.current_filter = EntryFilter()

        self.new_button = QPushButton(icon("new-entry"), "New entry…")
        self.new_button.setProperty("primary", True)
        self.open_button = QPushButton("Open")
        self.header.add(self.new_button)
        self.header.add(self.open_button)
        self.header.add(self.add_export_button())
        self.new_button.clicked.connect(hub.newEntryRequested)
        self.new_button.setEnabled(hub.session.can(Permission.ENTRY_CREATE))  # off on a read-only company too
        self.open_button.clicked.connect(self.open_current)

        self.filters = FilterBar()
        self.text = QLineEdit()
        self.text.setPlaceholderText("memo, reference, number")
        self.text.setMinimumWidth(160)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("e.g. 1250.00")
        self.amount.setMinimumWidth(90)
        self.amount.setMaximumWidth(130)
        self.account = AccountPicker()
        self.account.setMinimumWidth(170)
        self.date_from = OptionalDateEdit()
        self.date_to = OptionalDateEdit()
        self.user = QLineEdit()
        self.user.setPlaceholderText("user name")
        self.user.setMinimumWidth(80)
        self.user.setMaximumWidth(120)
        self.state = QComboBox()
        self.state.addItem("All", None)
        for state in EntryState:
            self.state.addItem(state.value.capitalize(), state.value)
        self.journal = QComboBox()
        self.journal.addItem("All", None)
        self.filters.add("&Search", self.text, 3)
        self.filters.add("A&mount", self.amount, 1)
        self.filters.add("Acco&unt", self.account, 3)
        self.filters.add("&From", self.date_from)
        self.filters.add("&To", self.date_to)
        self.filters.add("&User", self.user)
        self.filters.add("St&ate", self.state)
        self.filters.add("&Journal", self.journal)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.account.accountChosen.connect(lambda _code: self.filters.apply_now())
        self.body.addWidget(self.filters)

        self.message = QLabel()
        self.message.setObjectName("inlineError")
        self.message.hide()
        self.body.addWidget(self.message)

        self.table = make_table("entriesTable", self.model, COLUMNS, stretch="memo")
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.body.addWidget(self.table, 1)

        self.count = QLabel()
        self.count.setProperty("state", "muted")
        self.body.addWidget(self.count)

    # ---- loading
    def refresh(self) -> None:
        fill_codes(self.journal, self.hub.journals(), first="All", label=lambda j: j.code)
        self.account.set_choices(self.hub.account_choices())
        self.load(self.current_filter)

    def read_filter(self) -> EntryFilter | None:
        """The filter as typed, or None (with the reason shown) if the account is unknown."""
        account_text = self.account.text().strip()
        account = self.account.code() if account_text else ""
        if account is None:
            self.show_message(f"Account filter: no account matches '{account_text}'")
            return None
        return EntryFilter(
            text=self.text.text(),
            amount=self.amount.text(),
            account=account,
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            user=self.user.text(),
            state=EntryState(self.state.currentData()) if self.state.currentData() else None,
            journal=self.journal.currentData() or "",
        )

    def apply_filter(self) -> None:
        flt = self.read_filter()
        if flt is not None:
            self.load(flt)

    def clear_filter(self) -> None:
        for edit in (self.text, self.amount, self.account, self.user):
            edit.clear()
        for date_edit in (self.date_from, self.date_to):
            date_edit.clear_value()
        for combo in (self.state, self.journal):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.load(EntryFilter())

    def load(self, flt: EntryFilter) -> None:
        queries = self.session.queries
        try:
            self.model.set_pager(EntriesPager(queries, flt))
        except PaksaError as exc:
            self.model.set_pager(None)
            self.show_message(message_for(exc))
            self.count.setText("")
            return
        self.current_filter = flt
        self.show_message("")
        self.count.setText("Counting…")
        self.loader.load(lambda: queries.count_entries(flt), self._show_count)

    def _show_count(self, count: int) -> None:
        self.count.setText(f"{count:,} entr{'y' if count == 1 else 'ies'}")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        set_state(self.message, "bad")

    # ---- opening
    def current_entry(self) -> EntryRow | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def open_current(self) -> None:
        row = self.current_entry()
        if row is not None:
            self.hub.open_entry(row.id)

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.data(index, ROW_ROLE)
        if row is not None:
            self.hub.open_entry(row.id)

    # ---- export: every entry matching the filter, not only the pages loaded so far
    def export_builder(self) -> ReportBuilder:
        queries = self.session.queries
        flt = self.current_filter
        info = self.hub.info()

        def build(progress: Progress, cancelled: IsCancelled) -> Report:
            total = queries.count_entries(flt)
            rows: list[EntryRow] = []
            while True:
                page = queries.entries(flt, offset=len(rows), limit=EXPORT_PAGE)
                rows.extend(page)
                progress(len(rows), total)
                if len(page) < EXPORT_PAGE or cancelled():
                    break
            return rows_report(
                "Journal entries",
                COLUMNS,
                rows,
                subtitle=describe(flt),
                company=info.name,
                currency=info.base_currency,
                exponent=info.exponent,
            )

        return build


def describe(flt: EntryFilter) -> str:
    """The filter in words, for an export's subtitle."""
    parts = []
    if flt.text.strip():
        parts.append(f"text '{flt.text.strip()}'")
    if flt.amount.strip():
        parts.append(f"amount {flt.amount.strip()}")
    if flt.account:
        parts.append(f"account {flt.account}")
    if flt.date_from or flt.date_to:
        parts.append(f"dates {flt.date_from or '…'} to {flt.date_to or '…'}")
    if flt.user.strip():
        parts.append(f"user {flt.user.strip()}")
    if flt.state is not None:
        parts.append(f"state {flt.state.value}")
    if flt.journal:
        parts.append(f"journal {flt.journal}")
    return "filtered by " + ", ".join(parts) if parts else "all entries"
