"""Every failure reaches the user as a clear message, never as a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

from paksa_desktop.core.errors import ImportFileError, PaksaError

log = logging.getLogger(__name__)
T = TypeVar("T")

UNEXPECTED = (
    "Something unexpected went wrong and the action was not completed; nothing was changed.\n\n"
    "Details: {kind}: {detail}"
)


def message_for(error: BaseException) -> str:
    """The text shown for an error: our own messages as they are, anything else wrapped."""
    if isinstance(error, PaksaError):
        text = str(error)
        return text[:1].upper() + text[1:] if text else type(error).__name__
    return UNEXPECTED.format(kind=type(error).__name__, detail=str(error) or "(no message)")


def show_error(parent: QWidget | None, error: BaseException, *, title: str = "Paksa Desktop") -> None:
    """A message box for expected errors, a scrollable list for rejected files, a generic box otherwise."""
    if isinstance(error, ImportFileError):
        from ui.widgets.import_errors_dialog import ImportErrorsDialog

        ImportErrorsDialog(error, parent).exec()
    elif isinstance(error, PaksaError):
        QMessageBox.warning(parent, title, message_for(error))
    else:
        log.error("unexpected error", exc_info=error)
        QMessageBox.critical(parent, title, message_for(error))


def attempt(parent: QWidget | None, action: Callable[[], T], *, title: str = "Paksa Desktop") -> T | None:
    """Run a short service call; on failure show why and return None."""
    try:
        return action()
    except Exception as exc:  # every failure becomes a dialog
        show_error(parent, exc, title=title)
        return None
