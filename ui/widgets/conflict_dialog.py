"""The dialog for a save that met someone else's change: who, when, and Reload or Keep editing.

Nothing was saved when it shows (the service refused the stale version), so both choices are safe:
Reload throws this window's unsaved edits away only because the user asked for it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from paksa_desktop.core.errors import ConflictError


def conflict_text(error: ConflictError, fallback: str = "This record") -> str:
    """'X was changed by NAME at TIME' with the time in this computer's time zone."""
    what = error.what or fallback
    what = what[:1].upper() + what[1:]
    by = f" by {error.who}" if error.who else " by another user"
    at = f" at {error.when.astimezone():%Y-%m-%d %H:%M}" if error.when is not None else ""
    return f"{what} was {error.verb}{by}{at}."


class ConflictDialog(QMessageBox):
    """'X was changed by NAME at TIME' with the buttons Reload and Keep editing (the default: nothing lost)."""

    def __init__(self, error: ConflictError, parent: QWidget | None = None, *, fallback: str = "This record") -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Changed by someone else")
        self.setText(conflict_text(error, fallback))
        self.setInformativeText(
            "Your changes were not saved.\n\n"
            "Reload shows the record as it is now and discards your unsaved edits in this window. "
            "Keep editing leaves your edits here, unsaved."
        )
        self.reload_button = self.addButton("&Reload", QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = self.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    def wants_reload(self) -> bool:
        """Show the dialog; True if the user chose Reload."""
        self.exec()
        return self.clickedButton() is self.reload_button
