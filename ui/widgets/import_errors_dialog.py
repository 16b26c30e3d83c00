"""A rejected file's problems as a scrollable list, one `FILE:ROW: column: reason` per line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.errors import ImportFileError


class ImportErrorsDialog(QDialog):
    """Nothing was imported; every problem is listed so the user can fix the file in one go."""

    def __init__(self, error: ImportFileError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importErrorsDialog")
        self.setWindowTitle("File rejected")
        self.resize(760, 420)
        count = len(error.errors)
        more = " (and more not shown)" if error.truncated else ""
        heading = QLabel(
            f"<b>The file was not imported: {count} problem{'s' if count != 1 else ''} found{more}.</b><br>"
            "Nothing was changed. Fix these rows and import the file again."
        )
        heading.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("importErrorList")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.addItems([str(e) for e in error.errors] or [str(error)])
        if error.truncated:
            self.list.addItem("… more errors not shown")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy list")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.lines()))
