"""Recurring entries: templates that create drafts or posted entries on a schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.ledger.queries import RecurringRow
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.ledger.recurring_dialog import RecurringDialog
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import MUTED, icon
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import button_box, form, note, stack
from ui.widgets.export_button import ReportBuilder
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Progress

COLUMNS = (
    Col("name", "Name", lambda r: r.name),
    Col("journal", "Journal", lambda r: r.journal, width=70),
    Col("frequency", "Frequency", lambda r: r.frequency.value.capitalize(), width=95),
    Col("next_date", "Next date", lambda r: r.next_date, ColumnKind.DATE, width=100),
    Col("end_date", "End date", lambda r: r.end_date, ColumnKind.DATE, width=100),
    Col("creates", "Creates", lambda r: "Posted entries" if r.post else "Drafts", width=120),
    Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=60),
    Col("amount", "Amount", lambda r: sum((ln.debit for ln in r.lines), Decimal(0)), ColumnKind.MONEY, width=120),
)


def recurring_look(row: RecurringRow) -> tuple[QColor | None, bool]:
    return (None, False) if row.is_active else (MUTED, True)


class RunDueDialog(QDialog):
    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run due recurring entries")
        self.date = DateEdit(today)
        stack(
            self,
            form(("Create every occurrence due &up to", self.date)),
            note("Templates that post create posted entries; the others create drafts to review."),
            button_box(self, "Run"),
        )


class RecurringView(LedgerView):
    title = "Recurring entries"
    subtitle = "Rent, depreciation, accruals: entered once, created on schedule when you run the due entries."
    concerns = frozenset({Kind.RECURRING, Kind.ACCOUNTS, Kind.JOURNALS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.model = RowsTableModel(COLUMNS, exponent=hub.exponent, look=recurring_look, parent=self)
        can_manage = self.session.can(Permission.RECURRING_MANAGE)
        self.new_button = QPushButton(icon("add"), "New…")
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.delete_button = QPushButton(icon("delete"), "Delete")
        self.run_button = QPushButton(icon("recurring"), "Run due entries…")
        self.run_button.setProperty("primary", True)
        for button in (self.new_button, self.edit_button, self.delete_button, self.run_button):
            button.setEnabled(can_manage)
            self.header.add(button)
        self.header.add(self.add_export_button())
        self.new_button.clicked.connect(self.new_template)
        self.edit_button.clicked.connect(self.edit_template)
        self.delete_button.clicked.connect(self.delete_template)
        self.run_button.clicked.connect(lambda: self.run_due())

        self.table = make_table("recurringTable", self.model, COLUMNS, stretch="name")
        self.table.doubleClicked.connect(self._edit_index)
        self.body.addWidget(self.table, 1)
        self.empty = QLabel("No recurring entries yet. Create one with New… — for example the monthly rent.")
        self.empty.setProperty("state", "muted")
        self.body.addWidget(self.empty)

    def refresh(self) -> None:
        current = self.current_template()
        self.model.set_rows(self.session.queries.recurring())
        self.empty.setVisible(self.model.rowCount() == 0)
        if current is not None:
            for row in range(self.model.rowCount()):
                if self.model.row_at(row).id == current.id:
                    self.table.selectRow(row)

    def current_template(self) -> RecurringRow | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def _edit_index(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.edit_template()

    def dialog(self, row: RecurringRow | None = None) -> RecurringDialog:
        return RecurringDialog(self.hub, row, self)

    def new_template(self) -> None:
        dialog = self.dialog()
        if dialog.exec():
            self.hub.broadcast(dialog.changes)

    def edit_template(self) -> None:
        row = self.current_template()
        if row is None:
            return
        dialog = self.dialog(row)
        if dialog.exec():
            self.hub.broadcast(dialog.changes)

    def delete_template(self) -> None:
        row = self.current_template()
        if row is None:
            return
        answer = QMessageBox.question(
            self, "Delete recurring entry", f"Delete the recurring entry '{row.name}'? Entries it created stay."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ledger = self.session.ledger
        self.hub.broadcast(attempt(self, lambda: ledger.delete_recurring(row.id)))

    def run_due(self, as_of: date | None = None) -> None:
        if as_of is None:
            dialog = RunDueDialog(self.session.today(), self)
            if not dialog.exec():
                return
            as_of = dialog.date.value()
        ledger = self.session.ledger
        day = as_of
        result = attempt(self, lambda: ledger.run_recurring(day), title="Run due recurring entries")
        if result is None:
            return
        run, changes = result
        self.hub.broadcast(changes)
        created = len(run.created)
        drafts = created - run.posted
        text = (
            f"Created {created} entr{'y' if created == 1 else 'ies'} due up to {day}: "
            f"{run.posted} posted, {drafts} draft{'s' if drafts != 1 else ''} to review."
            if created
            else f"Nothing was due up to {day}."
        )
        QMessageBox.information(self, "Run due recurring entries", text)

    def export_builder(self) -> ReportBuilder:
        rows = self.model.rows
        info = self.hub.info()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(
                "Recurring entries",
                COLUMNS,
                rows,
                company=info.name,
                currency=info.base_currency,
                exponent=info.exponent,
            )

        return build
