"""The idle lock: after the company's idle time, cover the window and ask for the password again.

The cover is a child widget over the main window, so open editors and unsaved work stay as they are
underneath; modal dialogs are hidden while it shows and come back after unlocking.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from paksa_desktop.core.errors import MfaRequired
from ui.errors import message_for
from ui.session import AppSession
from ui.widgets.dialogs import inline_error, show_inline
from ui.workers import Job

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class LockScreen(QFrame):
    """Covers the window; unlocks with the password (and a one-time code for users with MFA)."""

    def __init__(self, session: AppSession, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)
        self.session = session
        self.window_ = window
        self.job: Job | None = None
        self.hidden_dialogs: list[QWidget] = []
        where = session.company.location
        where = where if len(where) <= 48 else "…" + where[-47:]
        title = QLabel(f"<h2>Locked</h2><p>{session.ctx.username} — {where}</p>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.otp = QLineEdit()
        self.otp.setPlaceholderText("one-time code")
        self.otp.setVisible(False)
        self.message = inline_error()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.otp.returnPressed.connect(self.try_unlock)
        box = QFrame()
        box.setObjectName("lockBox")
        box.setFixedWidth(440)
        inner = QVBoxLayout(box)
        for widget in (title, self.password, self.otp, self.message, self.unlock_button):
            inner.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.hide()

    def lock(self) -> None:
        if self.isVisible():
            return
        for widget in QApplication.topLevelWidgets():
            if widget is not self.window_ and widget.isVisible() and widget.isWindow():
                widget.hide()
                self.hidden_dialogs.append(widget)
        self.setGeometry(self.window_.rect())
        self.password.clear()
        self.otp.clear()
        show_inline(self.message, "")
        self.show()
        self.raise_()
        self.password.setFocus()
        try:
            self.session.company.own_account(self.session.ctx).lock()
        except Exception as exc:  # the lock holds even if it cannot be recorded
            show_inline(self.message, message_for(exc))

    def try_unlock(self) -> None:
        if self.job is not None:
            return
        own = self.session.company.own_account(self.session.ctx)
        password, otp = self.password.text(), self.otp.text().strip() or None
        self.unlock_button.setEnabled(False)
        show_inline(self.message, "Checking…", "muted")
        self.job = Job(lambda _p, _c: own.unlock(password, otp), self)
        self.job.succeeded.connect(lambda _r: self._unlocked())
        self.job.failed.connect(self._failed)
        self.job.start()

    def _unlocked(self) -> None:
        self.job = None
        self.unlock_button.setEnabled(True)
        self.hide()
        for widget in self.hidden_dialogs:
            widget.show()
        self.hidden_dialogs.clear()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.unlock_button.setEnabled(True)
        if isinstance(error, MfaRequired):
            self.otp.setVisible(True)
            self.otp.setFocus()
        else:
            self.password.selectAll()
            self.password.setFocus()
        show_inline(self.message, message_for(error))

    def resize_to_window(self) -> None:
        if self.isVisible():
            self.setGeometry(self.window_.rect())


class IdleLock(QObject):
    """Watches the application's input; after `minutes` without any, locks the window."""

    def __init__(self, screen: LockScreen, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.screen = screen
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.screen.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and not self.screen.isVisible():
            self.timer.start()
        elif event.type() == QEvent.Type.Resize and watched is self.screen.window_:
            self.screen.resize_to_window()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
