"""What the Receivables views share.

`ReceivablesView` is a ledger view (header, refresh on the kinds of change that concern it, lazy reloads
while hidden, Export) whose exports are audited under `receivables.view`. `RecordListView` is a list of
coded records (customers, items, tax codes): a filter bar, the table, New / Edit / Deactivate, Export,
Enter or a double-click to open the selected row; the buttons that change data are off for users
without the view's managing permission (and say why), and those users open a record read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton, QWidget

from paksa_desktop.core.changes import Changes
from paksa_desktop.receivables.queries import ReceivablesQueries
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.reporting.model import Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.ledger.dimensions_view import inactive_look
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

STATUSES = (("All", None), ("Active", True), ("Inactive", False))


class ReceivablesView(LedgerView):
    """A view of the Receivables tab (and of the module tabs built like it); `new_record` is what Ctrl+N does."""

    export_permission = Permission.AR_VIEW  # what its exports are audited under (payables: payables.view)

    def audit_export(self, path: Path, count: int) -> None:
        from paksa_desktop.audit.service import AuditService

        AuditService(self.session.company.engine, self.session.ctx).record_export(
            self.file_stem(), path, count, permission=self.export_permission
        )

    def new_record(self) -> None:
        """Ctrl+N: a view that creates records overrides this."""


def choice_filter(*choices: tuple[str, object]) -> QComboBox:
    combo = QComboBox()
    for text, data in choices:
        combo.addItem(text, data)
    return combo


class RecordListView(ReceivablesView):
    """A filtered list of coded records with the actions that maintain them (see the module's docstring)."""

    noun = "record"
    plural = "records"
    columns: tuple[Col, ...] = ()
    stretch = ""  # the column key that takes the spare width
    manage = Permission.AR_VIEW  # the permission that changes these records
    search_hint = "code or name"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[Any] = []
        self._select_after_load: str | None = None
        self.can_manage = self.session.can(self.manage)
        self.model = RowsTableModel(self.columns, exponent=hub.exponent, look=inactive_look, parent=self)

        self.new_button = QPushButton(icon("add"), f"New {self.noun}…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip(f"Create a {self.noun} (Ctrl+N)")
        self.open_button = QPushButton(icon("edit"), "Edit…" if self.can_manage else "Open…")
        self.open_button.setToolTip(f"Open the selected {self.noun} (Enter)")
        self.toggle_button = QPushButton("Deactivate")
        self.managed_buttons: list[QPushButton] = [self.new_button, self.toggle_button]
        for button in (self.new_button, self.open_button, self.toggle_button):
            self.header.add(button)
        self.add_actions()
        self.header.add(self.add_export_button())
        if not self.can_manage:
            why = f"Your role cannot change {self.plural} ({self.manage.value})."
            for button in self.managed_buttons:
                button.setToolTip(why)
        self.new_button.clicked.connect(self.new_record)
        self.open_button.clicked.connect(self.open_current)
        self.toggle_button.clicked.connect(self.toggle_active)

        self.filters = FilterBar()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.search_hint)
        self.search.setMinimumWidth(200)
        self.filters.add("&Search", self.search, 3)
        self.add_filters(self.filters)
        self.status = choice_filter(*STATUSES)
        self.filters.add("Stat&us", self.status)
        self.filters.finish()
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)

        self.table = make_table(f"{self.file_stem()}Table", self.model, self.columns, stretch=self.stretch)
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    # ---- what a list adds (overridden)
    def add_actions(self) -> None:
        """More header buttons between Deactivate and Export (add them to `managed_buttons` if they change data)."""

    def add_filters(self, bar: FilterBar) -> None:
        """More filter fields between Search and Status."""

    def fetch(self, queries: ReceivablesQueries) -> Any:
        """The rows (runs on a worker thread: no widgets here)."""
        raise NotImplementedError

    def show_rows(self, result: Any) -> list[Any]:
        """Take what `fetch` returned (on the GUI thread); return the rows."""
        return list(result)

    def haystack(self, row: Any) -> tuple[str, ...]:
        """The texts the search matches in."""
        return (row.code, getattr(row, "name", ""))

    def passes(self, row: Any) -> bool:
        """The list's own filters."""
        return True

    def filter_words(self) -> list[str]:
        """The list's own filters in words, for an export's subtitle."""
        return []

    def dialog(self, row: Any | None) -> QDialog | None:
        """The form for `row` (None: a new record); None if it cannot open (the reason was shown)."""
        raise NotImplementedError

    def set_active(self, service: ReceivablesService, code: str, active: bool) -> Changes:
        raise NotImplementedError

    def report_exponent(self, rows: Sequence[Any]) -> int:
        return self.hub.exponent

    def record_queries(self) -> Any:
        """What `fetch` reads from (a fresh service; a payables list returns its own)."""
        return self.session.receivables_queries

    def record_service(self) -> Any:
        """What `set_active` changes records through."""
        return self.session.receivables

    def report_currency(self) -> str:
        return self.hub.info().base_currency

    # ---- loading and filtering
    def refresh(self) -> None:
        queries = self.record_queries()
        self.loader.load(lambda: self.fetch(queries), self._apply)

    def _apply(self, result: Any) -> None:
        self.all_rows = self.show_rows(result)
        current = self.current()
        wanted = self._select_after_load or (current.code if current is not None else None)
        self._select_after_load = None
        self.apply_filter(select=wanted)

    def accepts(self, row: Any) -> bool:
        needle = self.search.text().strip().casefold()
        if needle and not any(needle in text.casefold() for text in self.haystack(row) if text):
            return False
        active = self.status.currentData()
        if active is not None and row.is_active != active:
            return False
        return self.passes(row)

    def apply_filter(self, *_args: object, select: str | None = None) -> None:
        current = self.current()
        wanted = select or (current.code if current is not None else None)
        rows = [r for r in self.all_rows if self.accepts(r)]
        self.model.set_rows(rows)
        if wanted is None or not self.select(wanted):
            self.table.clearSelection()
        self._show_count(len(rows))
        self._update_buttons()

    def clear_filter(self) -> None:
        self.search.clear()
        for combo in self.findChildren(QComboBox):
            if combo.parent() is self.filters:
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)
        self.apply_filter()

    def _show_count(self, shown: int) -> None:
        total = len(self.all_rows)
        if not total:
            hint = f" {self.new_button.text()} adds one." if self.can_manage else ""
            self.count.setText(f"No {self.plural} yet.{hint}")
        elif shown == total:
            self.count.setText(f"{total:,} {self.noun if total == 1 else self.plural}")
        else:
            self.count.setText(f"{shown:,} of {total:,} {self.plural} match the filter")

    def describe_filter(self) -> str:
        words = []
        if self.search.text().strip():
            words.append(f"text '{self.search.text().strip()}'")
        words += self.filter_words()
        if self.status.currentData() is not None:
            words.append(self.status.currentText().lower())
        return "filtered by " + ", ".join(words) if words else f"all {self.plural}"

    # ---- selection
    def current(self) -> Any | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def select(self, code: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).code == code:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                return True
        return False

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        self.new_button.setEnabled(self.can_manage)
        self.open_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(self.can_manage and row is not None)
        self.toggle_button.setText("Activate" if row is not None and not row.is_active else "Deactivate")
        self.update_actions(row)

    def update_actions(self, row: Any | None) -> None:
        """Enable the list's own buttons for the selected row."""

    # ---- actions
    def new_record(self) -> None:
        if self.can_manage:
            self._run(self.dialog(None))

    def open_current(self) -> None:
        row = self.current()
        if row is not None:
            self._run(self.dialog(row))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_current()

    def _run(self, dialog: QDialog | None) -> None:
        if dialog is None:
            return
        saved = dialog.exec()
        dialog.deleteLater()
        if saved:
            code = getattr(dialog, "saved_code", "")
            self._select_after_load = code or None
            self.hub.broadcast(getattr(dialog, "changes", None))
            notify(self, f"Saved {self.noun} {code}")

    def toggle_active(self) -> None:
        row = self.current()
        if row is None or not self.can_manage:
            return
        service, active = self.record_service(), not row.is_active
        changes = attempt(self, lambda: self.set_active(service, row.code, active))
        if changes is not None:
            self._select_after_load = row.code
            self.hub.broadcast(changes)
            notify(self, f"{self.noun.capitalize()} {row.code} is now {'active' if active else 'inactive'}")

    # ---- export: exactly the rows shown
    def export_builder(self) -> ReportBuilder:
        rows, columns, title = self.model.rows, self.columns, self.title
        subtitle, company = self.describe_filter(), self.hub.info().name
        currency, exponent = self.report_currency(), self.report_exponent(self.model.rows)

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(
                title, columns, rows, subtitle=subtitle, company=company, currency=currency, exponent=exponent
            )

        return build
