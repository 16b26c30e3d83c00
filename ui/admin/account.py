"""The user's own account: change the password, enrol in two-factor authentication (QR code)."""

from __future__ import annotations

import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPlainTextEdit, QWidget

from paksa_desktop.security.service import MfaEnrolment
from ui.errors import message_for
from ui.session import AppSession
from ui.widgets.dialogs import button_box, form, inline_error, note, show_inline, stack
from ui.workers import Job


def qr_pixmap(text: str, scale: int = 6) -> QPixmap:
    """The QR code of `text` (an otpauth:// URI), drawn by segno as a PNG."""
    import io

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


def _secret_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


class ChangePasswordDialog(QDialog):
    """Current password, the new one twice; the policy is checked by the service (argon2 runs off the GUI thread)."""

    def __init__(self, session: AppSession, parent: QWidget | None = None, *, forced: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("Change password")
        self.setMinimumWidth(440)
        self.session = session
        self.job: Job | None = None
        self.current = _secret_field()
        self.new = _secret_field("at least 12 characters, not a common password")
        self.repeat = _secret_field()
        self.message = inline_error()
        self.buttons = button_box(self, "Change password", accept=self.submit)
        intro = note(
            "An administrator reset your password: choose your own now."
            if forced
            else "Choose a password of at least 12 characters that is not your user name or a common password."
        )
        stack(
            self,
            intro,
            form(("&Current password", self.current), ("&New password", self.new), ("&Repeat", self.repeat)),
            self.message,
            self.buttons,
        )

    def submit(self) -> None:
        if self.job is not None:
            return
        if self.new.text() != self.repeat.text():
            show_inline(self.message, "The two new passwords differ.")
            return
        own = self.session.company.own_account(self.session.ctx)
        current, new = self.current.text(), self.new.text()
        self.buttons.setEnabled(False)
        show_inline(self.message, "Checking…", "muted")
        self.job = Job(lambda _p, _c: own.change_password(current, new), self)
        self.job.succeeded.connect(lambda _r: self.accept())
        self.job.failed.connect(self._failed)
        self.job.start()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.buttons.setEnabled(True)
        show_inline(self.message, message_for(error))

    def reject(self) -> None:
        if self.job is None:
            super().reject()


class MfaEnrolDialog(QDialog):
    """Scan the QR code with an authenticator app, type the code it shows and your password; then the
    ten recovery codes are shown once, to print or write down."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mfaEnrolDialog")
        self.setWindowTitle("Set up two-factor authentication")
        self.setMinimumWidth(520)
        self.session = session
        self.own = session.company.own_account(session.ctx)
        self.enrolment: MfaEnrolment = self.own.begin_mfa_enrolment()
        self.result_codes: tuple[str, ...] = ()
        self.qr = QLabel()
        self.qr.setObjectName("mfaQrCode")
        self.qr.setPixmap(qr_pixmap(self.enrolment.uri))
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.secret = QLabel(
            " ".join(self.enrolment.secret[i : i + 4] for i in range(0, len(self.enrolment.secret), 4))
        )
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setObjectName("mfaSecret")
        self.code = QLineEdit()
        self.code.setPlaceholderText("6-digit code")
        self.code.setMaxLength(6)
        self.password = _secret_field()
        self.codes = QPlainTextEdit()
        self.codes.setReadOnly(True)
        self.codes.setObjectName("recoveryCodes")
        self.codes.setFixedHeight(self.codes.fontMetrics().lineSpacing() * 11 + 12)  # all ten codes at once
        self.codes.hide()
        self.done_note = note(
            "Two-factor authentication is on. Keep these recovery codes somewhere safe: each works once when "
            "your phone is not at hand. They are not shown again."
        )
        self.done_note.setObjectName("mfaDone")
        self.done_note.hide()
        self.message = inline_error()
        self.buttons = button_box(self, "Turn on", accept=self.submit)
        stack(
            self,
            note("1. Scan this code with an authenticator app (or type the key below into it)."),
            self.qr,
            self.secret,
            note("2. Enter the code the app shows, and your password."),
            form(("&Code", self.code), ("&Password", self.password)),
            self.codes,
            self.done_note,
            self.message,
            self.buttons,
        )
        self.code.setFocus()

    def submit(self) -> None:
        if self.result_codes:
            self.accept()
            return
        try:
            done = self.own.confirm_mfa_enrolment(self.password.text(), self.enrolment.secret, self.code.text())
        except Exception as exc:
            show_inline(self.message, message_for(exc))
            return
        self.result_codes = done.recovery_codes
        self.codes.setPlainText("\n".join(self.result_codes))
        self.codes.show()
        for widget in (self.code, self.password):
            widget.setEnabled(False)
        show_inline(self.message, "")
        self.done_note.show()
        self.buttons.button(self.buttons.StandardButton.Ok).setText("Done")
        self.buttons.button(self.buttons.StandardButton.Cancel).hide()
