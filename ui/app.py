"""Start the desktop application: `paksa` with no subcommand, or `paksa --db FILE_OR_URL`."""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from paksa_desktop import __version__
from ui.controller import AppController
from ui.errors import message_for
from ui.style import APP_NAME, ORGANISATION, apply_style

log = logging.getLogger(__name__)


def configure_application(app: QApplication) -> None:
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationVersion(__version__)
    apply_style(app)


def _show_unexpected(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """Last resort for an exception that escaped a slot: log the traceback, show a plain message."""
    log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, error, tb)))
    QMessageBox.critical(QApplication.activeWindow(), APP_NAME, message_for(error))


_IMPORTED_AT = time.monotonic()
SMOKE_TIMEOUT_MS = 120_000


def seconds_since_launch() -> float:
    """How long this process has been running: from /proc on Linux (bootloader and imports included),
    else from when this module was imported."""
    try:
        fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time, ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(uptime - started, 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT


class FileOpenFilter(QObject):
    """macOS hands a double-clicked .paksa file to the running program as a FileOpen event, not argv."""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            self.controller.open_target(event.file())
            return True
        return super().eventFilter(watched, event)


def _watch_for_first_window(app: QApplication, controller: AppController, expect_main: bool) -> QTimer:
    """--smoke-start: once the window is shown and painted, print how long that took and quit.

    The window awaited is the main window when a company was given (logged in with PAKSA_USER and
    PAKSA_PASSWORD), else the start screen. No window within two minutes: exit status 1.
    """
    deadline = time.monotonic() + SMOKE_TIMEOUT_MS / 1000
    timer = QTimer(app)
    timer.setInterval(10)

    def check() -> None:
        window: QWidget | None = controller.window if expect_main else controller.start_screen
        if window is not None and window.isVisible():
            timer.stop()
            window.repaint()  # painted once, not only mapped
            print(f"shown after {seconds_since_launch():.3f} s: {window.windowTitle()}", flush=True)
            window.close()
            app.exit(0)
        elif time.monotonic() > deadline:
            timer.stop()
            print("paksa: error: no window was shown within two minutes", file=sys.stderr, flush=True)
            app.exit(1)

    timer.timeout.connect(check)
    timer.start()
    return timer


def run_gui(db: str | None = None, *, smoke_start: bool = False) -> int:
    """Show the start screen, or the login for `db`; run until the last window closes.

    `smoke_start`: quit as soon as the first window is shown, printing the time since launch.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    configure_application(app)
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected
    controller = AppController()
    file_open = FileOpenFilter(controller)
    app.installEventFilter(file_open)
    watcher = _watch_for_first_window(app, controller, expect_main=bool(db)) if smoke_start else None
    try:
        if db:
            controller.open_target(db)
        else:
            controller.show_start()
        return app.exec()
    finally:
        if watcher is not None:
            watcher.stop()
        app.removeEventFilter(file_open)
        QThreadPool.globalInstance().waitForDone()
        controller.shutdown()
        sys.excepthook = previous_hook
