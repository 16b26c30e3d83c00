"""Help > About: name, version, licence, and the Qt, PySide6, Python and database versions."""

from __future__ import annotations

from html import escape

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from paksa_desktop.about import APP_NAME, LICENCE_URL, about_facts, licence_file
from ui.style import icon


def facts(database: str | None) -> list[tuple[str, str]]:
    """The core's rows with the Qt ones after Version and Licence."""
    rows = about_facts(database)
    return [*rows[:2], ("Qt", qVersion()), ("PySide6", PySide6.__version__), *rows[2:]]


class AboutDialog(QDialog):
    """Selectable text, so a user can paste the versions into a support request."""

    def __init__(self, database: str | None = None, location: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2 style='margin:0'>{APP_NAME}</h2>")
        blurb = QLabel(
            "Double-entry financial management for finance teams, over a SQLite company file "
            "or a shared PostgreSQL database."
        )
        blurb.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.rows = facts(database)
        if location:
            self.rows.append(("Company", location))
        for row, (label, value) in enumerate(self.rows):
            name = QLabel(f"<b>{escape(label)}</b>")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            shown = QLabel(escape(value))
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setObjectName(f"about{label}")
            grid.addWidget(name, row, 0)
            grid.addWidget(shown, row, 1)
        grid.setColumnStretch(1, 1)

        path = licence_file()
        links = [f"<a href='{LICENCE_URL}'>{LICENCE_URL}</a>"]
        if path is not None:
            links.insert(0, f"<a href='{QUrl.fromLocalFile(str(path)).toString()}'>the full licence text (LICENSE)</a>")
        self.licence_link = QLabel(" · ".join(links))
        self.licence_link.setObjectName("aboutLicenceLink")
        self.licence_link.setOpenExternalLinks(True)
        self.licence_link.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        text.addSpacing(8)
        text.addLayout(grid)
        text.addSpacing(4)
        text.addWidget(self.licence_link)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addSpacing(12)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def text(self) -> str:
        """Everything the dialog says, one 'Label: value' a line (what a support request would quote)."""
        return "\n".join(f"{label}: {value}" for label, value in self.rows)
