"""What every General Ledger view shares: a header, refresh-on-change, and lazy reloads when hidden."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.reporting.pdf import PdfOptions
from paksa_desktop.security.permissions import Permission
from ui.hub import Hub
from ui.session import AppSession
from ui.widgets.export_button import ExportButton, ReportBuilder
from ui.widgets.view_header import ViewHeader


class LedgerView(QWidget):
    """A view reloads only for the kinds of change that concern it, and only once it is visible."""

    title = ""
    subtitle = ""
    concerns: frozenset[Kind] = frozenset()

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.stale = True
        self.header = ViewHeader(self.title, self.subtitle)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 12)
        self.body.setSpacing(8)
        self.body.addWidget(self.header)
        hub.changed.connect(self.on_changes)

    @property
    def session(self) -> AppSession:
        return self.hub.session

    def on_changes(self, changes: Changes) -> None:
        if self.concerns & changes.kinds:
            self.stale = True
            if self.isVisible():
                self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.reload()

    def reload(self) -> None:
        self.stale = False
        self.refresh()

    def refresh(self) -> None:
        """Fetch what the view shows; subclasses override."""

    def confirm_leave(self) -> bool:
        """May the user leave the view? A view holding unsaved work asks (and may save) first."""
        return True

    def export_builder(self) -> ReportBuilder:
        """Called on the GUI thread when Export is chosen: snapshot what the view shows and return
        the function that builds its Report on a worker thread."""
        raise NotImplementedError

    def add_export_button(self) -> ExportButton:
        self.export_button = ExportButton(
            self.export_builder, self.file_stem, self, audit=self.audit_export, pdf_options=self.pdf_options
        )
        return self.export_button

    def pdf_options(self) -> PdfOptions:
        """A printed report carries the company's logo and who printed it."""
        return PdfOptions(logo=self.session.queries.company_logo(), printed_by=self.session.ctx.username)

    def audit_export(self, path: Path, count: int) -> None:
        """Exports are audited like changes (called on the export's worker thread)."""
        from paksa_desktop.audit.service import AuditService

        AuditService(self.session.company.engine, self.session.ctx).record_export(
            self.file_stem(), path, count, permission=Permission.LEDGER_EXPORT
        )

    def file_stem(self) -> str:
        return self.title.lower().replace(" ", "-")
