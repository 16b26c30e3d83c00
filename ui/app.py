"""Start the desktop application: `paksa` with no subcommand, or `paksa --db FILE_OR_URL`."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

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


def run_gui(db: str | None = None) -> int:
    """Show the start screen, or the login for `db`; run until the last window closes."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    configure_application(app)
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected
    controller = AppController()
    try:
        if db:
            controller.open_target(db)
        else:
            controller.show_start()
        return app.exec()
    finally:
        QThreadPool.globalInstance().waitForDone()
        controller.shutdown()
        sys.excepthook = previous_hook
