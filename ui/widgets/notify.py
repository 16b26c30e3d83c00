"""Short confirmations in the main window's status bar (no dialog to dismiss for routine success)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

SHOW_MS = 8000


def notify(widget: QWidget | None, text: str) -> None:
    window = widget.window() if widget is not None else None
    while window is not None and not isinstance(window, QMainWindow):
        parent = window.parentWidget()
        window = parent.window() if parent is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, SHOW_MS)
