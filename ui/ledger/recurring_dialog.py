"""Create or edit a recurring entry: its schedule and the lines every occurrence gets."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.ledger.commands import RecurringInput
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.ledger.queries import RecurringRow
from ui.errors import attempt
from ui.hub import Hub
from ui.models.entry_lines_model import EntryLinesModel
from ui.widgets.balance_bar import BalanceBar
from ui.widgets.choices import fill_codes
from ui.widgets.date_edit import DateEdit, OptionalDateEdit
from ui.widgets.dialogs import button_box, field_grid
from ui.widgets.entry_grid import EntryGrid


class RecurringDialog(QDialog):
    def __init__(self, hub: Hub, row: RecurringRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.row = row
        self.changes = Changes()
        self.setWindowTitle(f"Recurring entry {row.name}" if row else "New recurring entry")
        self.resize(980, 580)

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Office rent")
        self.journal = QComboBox()
        fill_codes(self.journal, hub.journals(), active_only=True)
        self.frequency = QComboBox()
        for f in Frequency:
            self.frequency.addItem(f.value.capitalize(), f.value)
        self.next_date = DateEdit(hub.session.today())
        self.end_date = OptionalDateEdit("no end")
        self.memo = QLineEdit()
        self.post = QCheckBox("Post each occurrence (otherwise it is created as a draft to review)")
        self.active = QCheckBox("Active")
        self.active.setChecked(True)

        grid = field_grid(
            (0, 0, "&Name", self.name, 1),
            (0, 2, "&Journal", self.journal, 3),
            (1, 0, "&Frequency", self.frequency, 1),
            (1, 2, "Ne&xt date", self.next_date, 1),
            (1, 4, "&End date", self.end_date, 1),
            (2, 0, "&Memo", self.memo, 5),
            (3, 0, "", self.post, 5),
            (4, 0, "", self.active, 5),
        )
        grid.setColumnStretch(1, 1)

        self.model = EntryLinesModel(hub.account_choices(), hub.exponent, self)
        self.grid = EntryGrid()
        self.grid.setModel(self.model)
        queries = hub.session.queries
        self.grid.set_dimensions([d.code for d in queries.departments()], [p.code for p in queries.projects()])
        self.balance = BalanceBar(self.model)

        buttons = button_box(
            self, buttons=QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        for button in buttons.buttons():
            button.setAutoDefault(False)
        QShortcut(QKeySequence.StandardKey.Save, self, self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addLayout(grid)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.balance)
        layout.addWidget(buttons)

        if row is not None:
            self.name.setText(row.name)
            self.journal.setCurrentIndex(max(0, self.journal.findData(row.journal)))
            self.frequency.setCurrentIndex(self.frequency.findData(row.frequency.value))
            self.next_date.set_value(row.next_date)
            self.end_date.set_value(row.end_date)
            self.memo.setText(row.memo)
            self.post.setChecked(row.post)
            self.active.setChecked(row.is_active)
            self.model.set_lines(row.lines)

    def recurring_input(self) -> RecurringInput:
        return RecurringInput(
            name=self.name.text().strip(),
            frequency=Frequency(self.frequency.currentData()),
            next_date=self.next_date.value(),
            lines=self.model.lines(),
            end_date=self.end_date.value(),
            post=self.post.isChecked(),
            memo=self.memo.text().strip(),
            journal=self.journal.currentData() or "GEN",
            is_active=self.active.isChecked(),
        )

    def accept(self) -> None:
        editor = self.grid.current_editor()
        if editor is not None:
            self.grid.delegate.commitData.emit(editor)
        data = self.recurring_input()
        ledger = self.hub.session.ledger
        template_id = self.row.id if self.row else None
        result = attempt(self, lambda: ledger.save_recurring(data, template_id), title=self.windowTitle())
        if result is not None:
            _id, self.changes = result
            super().accept()
