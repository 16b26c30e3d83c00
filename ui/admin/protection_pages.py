"""Administration pages for what protects the company from outside: the IP allowlist (with the
matching pg_hba.conf lines) and the data key that encrypts sensitive fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from paksa_desktop.security.field_crypto import DataKeyService
from paksa_desktop.security.ip_allowlist import IpAllowlistService, parse_ranges, pg_hba_lines
from ui.errors import attempt
from ui.session import AppSession
from ui.widgets.dialogs import inline_error, note, show_inline
from ui.widgets.notify import notify


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _ranges_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class IpAllowlistPage(QWidget):
    """One CIDR range per line; Save replaces the list in one audited change."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("ipRanges")
        self.editor.setPlaceholderText("192.168.10.0/24\n10.20.0.0/16\n203.0.113.7")
        self.editor.setMaximumHeight(160)
        self.editor.textChanged.connect(self._preview)
        self.message = inline_error()
        self.save_button = QPushButton("Save allowlist")
        self.save_button.setObjectName("saveAllowlist")
        self.save_button.clicked.connect(self.save)
        self.hba = QPlainTextEdit()
        self.hba.setObjectName("pgHba")
        self.hba.setReadOnly(True)
        self.hba.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Logins are accepted only from these address ranges, one per line (an address or a CIDR range). "
                "An empty list allows every address. The address checked is the one the PostgreSQL server sees."
            )
        )
        if session.company.is_sqlite:
            layout.addWidget(
                note("This company is a local file with no network clients: the list does not apply to it.")
            )
            self.editor.setEnabled(False)
            self.save_button.setEnabled(False)
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(
            note("Matching lines for the server's pg_hba.conf (a second lock, at the server):", muted=True)
        )
        layout.addWidget(self.hba, 1)

    def _service(self) -> IpAllowlistService:
        return IpAllowlistService(self.session.company.engine, self.session.ctx)

    def reload(self) -> None:
        ranges = attempt(self, lambda: self._service().ranges())
        if ranges is not None:
            self.editor.setPlainText("\n".join(ranges))
            show_inline(self.message, "")

    def _preview(self) -> None:
        try:
            ranges = parse_ranges(_ranges_of(self.editor.toPlainText()))
        except Exception as exc:
            show_inline(self.message, str(exc))
            return
        show_inline(self.message, "")
        if self.session.company.is_sqlite or not ranges:
            self.hba.setPlainText("" if ranges else "# no allowlist: pg_hba.conf alone decides")
            return
        self.hba.setPlainText("\n".join(pg_hba_lines(ranges, self.session.company.url.database or "")))

    def save(self) -> None:
        ranges = _ranges_of(self.editor.toPlainText())
        if attempt(self, lambda: self._service().set_ranges(ranges), title="IP allowlist") is not None:
            self.reload()
            notify(self, f"IP allowlist saved: {_count(len(ranges), 'range')}")


class DataKeyPage(QWidget):
    """Rotate the company data key: every sensitive value is re-encrypted in one transaction."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.status = note("")
        self.status.setObjectName("dataKeyStatus")
        self.rotate_button = QPushButton("Rotate the data key…")
        self.rotate_button.setObjectName("rotateKey")
        self.rotate_button.clicked.connect(self.rotate)
        self.rotate_button.setEnabled(session.ctx.data_key is not None)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "National ID and tax numbers, bank account numbers and IBANs, and salary amounts are encrypted "
                "with the company data key (AES-GCM). The key is stored wrapped for each user whose role may "
                "read those fields. Rotate it when someone who held it leaves, or on your schedule."
            )
        )
        if session.ctx.data_key is None:
            layout.addWidget(note("You do not hold the data key, so you cannot rotate it.", muted=True))
        layout.addWidget(self.rotate_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def reload(self) -> None:
        key = self.session.ctx.data_key
        self.status.setText(f"Current data key: number {key.key_id}." if key is not None else "")

    def rotate(self) -> None:
        answer = QMessageBox.question(
            self,
            "Rotate the data key",
            "Create a new data key and re-encrypt every sensitive value with it? Other users keep working; "
            "those logged in now read the new key at their next login.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        service = DataKeyService(self.session.company.engine, self.session.ctx)
        result = attempt(self, service.rotate, title="Rotate the data key")
        if result is None:
            return
        ctx, values, holders = result
        self.session.use_context(ctx)
        self.reload()
        notify(self, f"Data key rotated: {_count(values, 'value')} re-encrypted, {_count(holders, 'key holder')}")
