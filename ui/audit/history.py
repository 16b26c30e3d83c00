"""The per-record History action: every audit row of one entry, account or user, with its field diff."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSplitter, QVBoxLayout, QWidget

from paksa_desktop.audit.service import AuditRow, AuditService
from paksa_desktop.security.permissions import Permission
from ui.audit.audit_tab import audit_table, diff_table
from ui.errors import attempt
from ui.session import AppSession


class HistoryDialog(QDialog):
    """Oldest first: how the record came to be what it is."""

    def __init__(self, session: AppSession, entity: str, entity_id: object, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(f"History — {title}")
        self.resize(900, 560)
        self.table, self.model = audit_table(self)
        self.diff, self.diff_model = diff_table(self)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        rows = AuditService(session.company.engine, session.ctx).history(entity, entity_id)
        self.model.set_rows(rows)
        heading = QLabel(f"<b>{title}</b> — {len(rows)} change{'s' if len(rows) != 1 else ''} in the audit trail")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.diff)
        splitter.setSizes([300, 200])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        if rows:
            self.table.selectRow(len(rows) - 1)

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        row: AuditRow | None = self.model.row_at(rows[0].row()) if rows else None
        self.diff_model.set_rows(row.changes() if row is not None else [])


def can_see_history(session: AppSession) -> bool:
    return session.can(Permission.AUDIT_VIEW)


def show_history(
    session: AppSession, entity: str, entity_id: object, title: str, parent: QWidget | None = None
) -> HistoryDialog | None:
    """Open the History dialog (non-modal); a missing permission shows a message instead."""
    dialog = attempt(parent, lambda: HistoryDialog(session, entity, entity_id, title, parent), title="History")
    if dialog is not None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
    return dialog
