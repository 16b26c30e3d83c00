"""The Attachments dialog of an entry or account: attach files, see every version, open one, restore one."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QItemSelection, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.documents.service import DocumentInfo, DocumentService, VersionInfo
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.session import AppSession
from ui.widgets.notify import notify


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MB"


DOCUMENT_PATTERNS = "*.pdf *.png *.jpg *.jpeg *.gif *.tif *.tiff *.xlsx *.xls *.csv *.ods *.docx *.txt"
VERSION_COLUMNS = (
    Col("document", "Document", lambda r: r[0].name, width=170),
    Col("version", "Version", lambda r: r[1].number, ColumnKind.INTEGER, width=75),
    Col("current", "Current", lambda r: "✓" if r[1].is_current else "", width=75),
    Col("file", "File", lambda r: r[1].filename, width=160),
    Col("size", "Size", lambda r: _size(r[1].size), width=80),
    Col("uploaded", "Uploaded (UTC)", lambda r: r[1].uploaded_at.strftime("%Y-%m-%d %H:%M"), width=150),
    Col("by", "By", lambda r: r[1].uploaded_by, width=80),
    Col("note", "Note", lambda r: f"restored from v{r[1].restored_from}" if r[1].restored_from else "", width=160),
    Col("sha256", "SHA-256", lambda r: r[1].sha256[:16] + "…"),
)


class AttachmentsDialog(QDialog):
    """One row per version (newest first within each document); actions act on the selected version."""

    def __init__(
        self, session: AppSession, owner_kind: str, owner_id: object, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsDialog")
        self.setWindowTitle(f"Attachments — {title}")
        self.resize(1180, 420)
        self.session = session
        self.owner_kind = owner_kind
        self.owner_id = str(owner_id)
        self.opened: list[Path] = []  # temp files written for "Open", so tests can look at them
        self.model = RowsTableModel(VERSION_COLUMNS, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, col in enumerate(VERSION_COLUMNS):
            if col.width:
                self.table.setColumnWidth(i, col.width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())

        can_attach = session.can(Permission.DOCUMENT_ATTACH)
        self.attach_button = QPushButton("Attach file…")
        self.attach_button.setEnabled(can_attach)
        self.attach_button.clicked.connect(self.choose_and_attach)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setToolTip("Make the selected version current again (kept as a new version)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_button.setVisible(can_attach)
        self.limit = QLabel()
        buttons = QHBoxLayout()
        for button in (self.attach_button, self.open_button, self.restore_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.limit)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{title}</b> — files kept in the company database, every version"))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.reload()

    def service(self) -> DocumentService:
        return DocumentService(self.session.company.engine, self.session.ctx)

    def reload(self) -> None:
        service = attempt(self, self.service, title="Attachments")
        if service is None:
            return
        documents: list[DocumentInfo] | None = attempt(
            self, lambda: service.documents(self.owner_kind, self.owner_id), title="Attachments"
        )
        self.limit.setText(f"Largest file: {service.max_bytes / 1048576:.0f} MB")
        rows = [(doc, v) for doc in documents or [] for v in doc.versions]
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> tuple[DocumentInfo, VersionInfo] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self, *_args: QItemSelection) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(chosen is not None and self.session.can(Permission.DOCUMENT_VIEW))
        self.restore_button.setEnabled(chosen is not None and not chosen[1].is_current)

    # ---- actions
    def choose_and_attach(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Attach a file", "", f"Documents ({DOCUMENT_PATTERNS});;All files (*)"
        )
        if chosen:
            self.attach(Path(chosen))

    def attach(self, path: Path) -> VersionInfo | None:
        result = attempt(self, lambda: self.service().attach(self.owner_kind, self.owner_id, path), title="Attach")
        if result is not None:
            notify(self, f"Attached {path.name} as version {result.number}")
            self.reload()
        return result

    def open_selected(self) -> Path | None:
        """Write the version to a temp file and hand it to the desktop's viewer for that file type."""
        chosen = self.selected()
        if chosen is None:
            return None
        doc, version = chosen
        fetched = attempt(self, lambda: self.service().content(doc.id, version.number), title="Open")
        if fetched is None:
            return None
        folder = Path(tempfile.mkdtemp(prefix="paksa-doc-"))
        stem, dot, suffix = version.filename.rpartition(".")
        name = f"{stem} (v{version.number}).{suffix}" if dot else f"{version.filename} (v{version.number})"
        path = folder / name
        path.write_bytes(fetched[1])
        self.opened.append(path)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def restore_selected(self) -> VersionInfo | None:
        chosen = self.selected()
        if chosen is None:
            return None
        doc, version = chosen
        result = attempt(self, lambda: self.service().restore(doc.id, version.number), title="Restore")
        if result is not None:
            notify(self, f"Version {version.number} of {doc.name} restored as version {result.number}")
            self.reload()
        return result


def show_attachments(
    session: AppSession, owner_kind: str, owner_id: object, title: str, parent: QWidget | None = None
) -> AttachmentsDialog:
    dialog = AttachmentsDialog(session, owner_kind, owner_id, title, parent)
    dialog.show()
    return dialog
