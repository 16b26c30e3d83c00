"""Help > Check for updates and Help > Update settings; the quiet check at start-up when it is on.

The check runs on a worker thread (httpx, 10 s timeout). At start-up it only writes to the status bar;
the Help action opens a non-blocking dialog with the answer, the release notes and the download link.
A feed that cannot be read is a message, never a crash.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.updates import UpdateCheckError, UpdateInfo, check_feed_url, check_for_update
from ui.settings import UpdatePreferences, UpdateSettings
from ui.workers import Job

if TYPE_CHECKING:
    from ui.main_window import MainWindow

STATUS_MS = 30_000


class UpdateSettingsDialog(QDialog):
    def __init__(self, prefs: UpdatePreferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("updateSettingsDialog")
        self.setWindowTitle("Update settings")
        self.on_start = QCheckBox("Check for a new version when Paksa Desktop starts")
        self.on_start.setChecked(prefs.check_on_start)
        self.feed = QLineEdit(prefs.feed_url)
        self.feed.setPlaceholderText("https://updates.example.com/paksa/feed.json")
        self.feed.setMinimumWidth(380)
        explain = QLabel(
            "Your administrator or the publisher gives this address. Paksa only reads it and tells you "
            "when a newer version exists; it never downloads or installs anything by itself."
        )
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        self.problem = QLabel()
        self.problem.setProperty("state", "bad")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow(self.on_start)
        form.addRow("Update feed URL:", self.feed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def prefs(self) -> UpdatePreferences:
        return UpdatePreferences(self.on_start.isChecked(), self.feed.text().strip())

    def accept(self) -> None:
        """A checked box needs a valid URL; an empty URL with the box off is fine (checks stay off)."""
        prefs = self.prefs()
        if prefs.feed_url or prefs.check_on_start:
            try:
                check_feed_url(prefs.feed_url)
            except UpdateCheckError as exc:
                self.problem.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
                self.problem.show()
                self.adjustSize()  # room for the message: nothing above it is squeezed
                self.feed.setFocus()
                return
        super().accept()


def result_text(info: UpdateInfo) -> str:
    text = f"<p><b>{escape(info.message())}</b></p>"
    if info.newer and info.notes:
        text += f"<p>{escape(info.notes)}</p>"
    if info.newer and info.url:
        text += f"<p>Download: <a href='{escape(info.url, quote=True)}'>{escape(info.url)}</a></p>"
    return text


class UpdateChecks:
    """The Help menu's update actions for one main window, and its start-up check."""

    def __init__(self, window: MainWindow, settings: UpdateSettings | None = None) -> None:
        self.window = window
        self.settings = settings or UpdateSettings()
        self.job: Job | None = None
        self.dialog: QMessageBox | None = None
        self.check_action = window.addAction("Check for &updates…")
        self.check_action.triggered.connect(self.check_now)
        self.settings_action = window.addAction("Update &settings…")
        self.settings_action.triggered.connect(self.edit_settings)

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.check_action)
        menu.addAction(self.settings_action)

    def start_up(self) -> Job | None:
        """The quiet check, when the user turned it on: the answer goes to the status bar only."""
        prefs = self.settings.load()
        if not prefs.check_on_start or not prefs.feed_url:
            return None
        return self._run(prefs.feed_url, loud=False)

    def check_now(self) -> Job | None:
        prefs = self.settings.load()
        if not prefs.feed_url:
            self._show(
                "Check for updates", "<p>No update feed is set.</p><p>Set its address in Help > Update settings.</p>"
            )
            return None
        self.window.statusBar().showMessage("Checking for updates…")
        return self._run(prefs.feed_url, loud=True)

    def edit_settings(self) -> UpdateSettingsDialog:
        dialog = UpdateSettingsDialog(self.settings.load(), self.window)
        dialog.accepted.connect(lambda: self.settings.save(dialog.prefs()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _run(self, url: str, *, loud: bool) -> Job:
        job = Job(lambda _progress, _cancelled: check_for_update(url), self.window)

        def succeeded(info: object) -> None:
            assert isinstance(info, UpdateInfo)
            if info.newer:
                self.window.statusBar().showMessage(f"{info.message()} See Help > Check for updates.", STATUS_MS)
            elif loud:
                self.window.statusBar().showMessage(info.message(), STATUS_MS)
            if loud:
                self._show("Check for updates", result_text(info))

        def failed(error: BaseException) -> None:
            reason = str(error) if isinstance(error, UpdateCheckError) else f"unexpected {type(error).__name__}"
            self.window.statusBar().showMessage(f"Update check failed: {reason}", STATUS_MS)
            if loud:
                self._show("Check for updates", f"<p>The update check failed:</p><p>{escape(reason)}.</p>", warn=True)

        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        self.job = job.start()
        return job

    def _show(self, title: str, html: str, *, warn: bool = False) -> None:
        """Non-blocking: the window stays usable while the answer is on screen."""
        box = QMessageBox(
            QMessageBox.Icon.Warning if warn else QMessageBox.Icon.Information,
            title,
            html,
            QMessageBox.StandardButton.Close,
            self.window,
        )
        box.setObjectName("updateResult")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.dialog = box
