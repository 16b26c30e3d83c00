"""Log in to an open company: user name and password, with a clear message when they are wrong.

"Remember my password" keeps it in the OS keyring (only a secure one: plaintext backends are refused),
under the same name the `paksa` command looks up, so the GUI and the CLI share it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QLineEdit, QWidget

from paksa_desktop.company import Company
from paksa_desktop.core.errors import MfaRequired
from paksa_desktop.security import credentials
from paksa_desktop.security.context import UserContext
from ui.errors import message_for
from ui.widgets.dialogs import button_box, form, inline_error, show_inline, stack
from ui.workers import Job

log = logging.getLogger(__name__)


def secure_keyring() -> credentials.KeyringStore | None:
    backend = credentials.detect_keyring()
    return credentials.KeyringStore(backend) if backend is not None else None


class LoginDialog(QDialog):
    """The password check runs off the GUI thread (it is slow by design, and may cross a network)."""

    def __init__(self, company: Company, name: str, user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.company = company
        self.ctx: UserContext | None = None
        self.job: Job | None = None
        self.setWindowTitle(f"Log in to {name}")
        self.setMinimumWidth(420)

        title = QLabel(f"<b>{name}</b>")
        title.setObjectName("viewTitle")
        where = QLabel(company.location)
        where.setProperty("state", "muted")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user = QLineEdit(user)
        self.user.setPlaceholderText("user name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.otp = QLineEdit()
        self.otp.setObjectName("otpField")
        self.otp.setPlaceholderText("6-digit code, or a recovery code")
        self.fields = form(("&User", self.user), ("&Password", self.password), ("&One-time code", self.otp))
        self.fields.setRowVisible(self.otp, False)  # the second step, shown when the account has MFA
        self.remember = QCheckBox("&Remember my password on this computer")
        self.remember.setObjectName("rememberPassword")
        self.keyring = secure_keyring()
        if self.keyring is None:
            self.remember.setEnabled(False)
            self.remember.setToolTip("No secure password store (OS keyring) is available on this computer")
        else:
            self.remember.setToolTip(f"Kept in the {self.keyring.description}, never in a file of Paksa's")
        self.user.editingFinished.connect(self._fill_saved_password)
        self.message = inline_error()
        self.buttons = button_box(self, "Log in", accept=self.try_login)
        layout = stack(self, title, where, self.fields, self.remember, self.message, self.buttons)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        self._fill_saved_password()
        (self.password if user else self.user).setFocus()

    def _secret_name(self) -> str:
        return credentials.secret_name(self.user.text().strip(), self.company.location)

    def _fill_saved_password(self) -> None:
        if self.keyring is None or not self.user.text().strip() or self.password.text():
            return
        try:
            saved = self.keyring.get(self._secret_name())
        except credentials.CredentialError as exc:
            self.show_message(str(exc), "muted")
            return
        if saved:
            self.password.setText(saved)
            self.remember.setChecked(True)

    def _keep_or_forget_password(self, password: str) -> None:
        """After a successful login only: a wrong password is never kept."""
        if self.keyring is None:
            return
        try:
            if self.remember.isChecked():
                self.keyring.set(self._secret_name(), password)
            elif self.keyring.get(self._secret_name()) is not None:
                self.keyring.delete(self._secret_name())
        except credentials.CredentialError as exc:  # logged by the store; the login itself stands
            log.warning("could not update the saved password: %s", type(exc).__name__)

    def try_login(self) -> None:
        if self.job is not None:
            return
        username, password = self.user.text().strip(), self.password.text()
        if not username or not password:
            self.show_message("Enter your user name and password.")
            return
        otp = self.otp.text().strip() or None if self.otp_step else None
        if self.otp_step and not otp:
            self.show_message("Enter the code from your authenticator app, or one of your recovery codes.")
            return
        self._busy(True)
        company = self.company
        self.job = Job(lambda _p, _c: company.login(username, password, otp, client="gui"), self)
        self.job.succeeded.connect(self._logged_in)
        self.job.failed.connect(self._failed)
        self.job.start()

    @property
    def otp_step(self) -> bool:
        return self.fields.isRowVisible(self.otp)

    def _busy(self, busy: bool) -> None:
        for widget in (self.user, self.password, self.otp, self.remember, self.buttons):
            widget.setEnabled(not busy)
        if busy:
            self.show_message("Checking…", state="muted")

    def _logged_in(self, ctx: UserContext) -> None:
        self.job = None
        self.ctx = ctx
        self._keep_or_forget_password(self.password.text())
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self._busy(False)
        self.show_message(message_for(error), "muted" if isinstance(error, MfaRequired) else "bad")
        if isinstance(error, MfaRequired) or self.otp_step:
            self.fields.setRowVisible(self.otp, True)
            self.otp.selectAll()
            self.otp.setFocus()
            return
        self.password.selectAll()
        self.password.setFocus()

    def show_message(self, text: str, state: str = "bad") -> None:
        show_inline(self.message, text, state)

    def reject(self) -> None:
        if self.job is None:  # never leave while the check is still running
            super().reject()
