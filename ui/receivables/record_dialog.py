"""The form of one customer, item or tax code: what the three dialogs share.

Save (or Ctrl+S) calls the receivables service once, with the version that was read. A refusal is
named in red above the buttons and the dialog stays open to fix it; a save that met someone else's
change opens the conflict dialog (Reload shows their version, Keep editing keeps ours, nothing saved).
Users without the managing permission see the record read-only, with Close only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ConflictError, PaksaError
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.security.permissions import Permission
from ui.audit.history import show_history
from ui.errors import attempt, message_for, show_error
from ui.hub import Hub
from ui.widgets.conflict_dialog import ConflictDialog
from ui.widgets.dialogs import inline_error, show_inline


class FormProblem(Exception):
    """Something the form finds itself before calling the service (an unknown account typed, say)."""


class RecordDialog(QDialog):
    noun = "record"
    entity = ""  # the audit trail's name for these records (History)

    def __init__(self, hub: Hub, record: Any | None, *, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.session = hub.session
        self.record = record  # as read, with its version; None for a new record
        self.editable = editable
        self.changes = Changes()
        self.saved_code = ""
        self.setObjectName(f"{self.entity.replace('_', '')}Dialog")
        self.message = inline_error()
        self.buttons = QDialogButtonBox()
        if editable:
            self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
            self.save_button.setToolTip("Save (Ctrl+S)")
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            QShortcut(QKeySequence.StandardKey.Save, self, self.accept)
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.history_button = QPushButton("History")
        self.history_button.setAutoDefault(False)
        self.history_button.setToolTip(f"Every change to this {self.noun}, from the audit trail")
        self.history_button.clicked.connect(self.show_history)
        self.history_button.setVisible(record is not None and self.session.can(Permission.AUDIT_VIEW))
        self.left_buttons = QHBoxLayout()
        self.left_buttons.addWidget(self.history_button)

    def title_for(self, record: Any | None) -> str:
        return f"{self.noun.capitalize()} {record.code}" if record is not None else f"New {self.noun}"

    def finish(self, *parts: QWidget | QLayout) -> None:
        """Lay out `parts` top to bottom, then the message line and the buttons; read-only if not editable."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        for part in parts:
            if isinstance(part, QLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        layout.addWidget(self.message)
        bottom = QHBoxLayout()
        bottom.addLayout(self.left_buttons)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.setWindowTitle(self.title_for(self.record) + ("" if self.editable else " (read-only)"))
        if not self.editable:
            self.make_read_only()

    def make_read_only(self) -> None:
        for edit in self.findChildren(QLineEdit):
            edit.setReadOnly(True)
        for text in self.findChildren(QPlainTextEdit):
            text.setReadOnly(True)
        for combo in self.findChildren(QComboBox):
            combo.setEnabled(False)
        for view in self.findChildren(QAbstractItemView):
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        keep = {self.history_button, *self.buttons.buttons(), *self.read_only_buttons()}
        for button in self.findChildren(QAbstractButton):
            if isinstance(button, QCheckBox | QRadioButton | QPushButton) and button not in keep:
                button.setEnabled(False)

    def read_only_buttons(self) -> list[QAbstractButton]:
        """Buttons that only look (Attachments…), left on in a read-only form."""
        return []

    # ---- what a form provides (overridden)
    def read_input(self) -> Any:
        """The command for the service from the fields; raises FormProblem for what the form checks itself."""
        raise NotImplementedError

    def create(self, service: ReceivablesService, data: Any) -> Changes:
        raise NotImplementedError

    def update(self, service: ReceivablesService, code: str, data: Any, version: int) -> Changes:
        raise NotImplementedError

    def record_service(self) -> Any:
        """What `create` and `update` save through (the receivables service; a vendor form its own)."""
        return self.session.receivables

    def fetch(self, code: str) -> Any:
        """The record as it is now (after Reload)."""
        raise NotImplementedError

    def show_record(self, record: Any) -> None:
        """Fill the fields from `record` and remember it (its version is what the next save checks)."""
        raise NotImplementedError

    # ---- saving
    def accept(self) -> None:
        if not self.editable:
            self.reject()
            return
        try:
            data = self.read_input()
        except FormProblem as exc:
            self.say(str(exc))
            return
        service = self.record_service()
        try:
            if self.record is None:
                changes = self.create(service, data)
            else:
                changes = self.update(service, self.record.code, data, self.record.version)
        except ConflictError as exc:
            self._conflict(exc)
            return
        except PaksaError as exc:  # a refusal: named here, the dialog stays open to fix it
            self.say(message_for(exc))
            return
        except Exception as exc:
            show_error(self, exc, title=self.windowTitle())
            return
        self.changes = changes
        self.saved_code = data.code
        super().accept()

    def say(self, text: str) -> None:
        """Name a problem in red above the buttons (or clear it); the dialog grows at once to show it."""
        show_inline(self.message, text)
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def _conflict(self, error: ConflictError) -> None:
        """Nothing was saved: Reload shows the record as it is now; Keep editing leaves the fields as typed."""
        code = self.record.code if self.record is not None else ""
        self.say("")
        if ConflictDialog(error, self, fallback=f"{self.noun.capitalize()} {code}".strip()).wants_reload() and code:
            fresh = attempt(self, lambda: self.fetch(code), title=self.windowTitle())
            if fresh is not None:
                self.show_record(fresh)

    def show_history(self) -> None:
        if self.record is not None:
            show_history(self.session, self.entity, self.record.code, self.windowTitle(), self)
