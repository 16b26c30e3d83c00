"""The top of every view: a title with the view's actions on its right, and a one-line explanation below."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from ui.widgets.flow_layout import FlowLayout


class ViewHeader(QWidget):
    """The explanation spans the full width, so many action buttons never squeeze it into a column; the
    buttons wrap onto a second row in a narrow window instead of widening the window."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setObjectName("viewTitle")
        self.subtitle = QLabel(subtitle)
        self.subtitle.setObjectName("viewSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setVisible(bool(subtitle))
        self.buttons = QWidget()
        self.buttons.setObjectName("viewActions")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.buttons.setSizePolicy(policy)
        self.actions = FlowLayout(self.buttons, spacing=6)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.title, 0, 0, Qt.AlignmentFlag.AlignTop)  # level with the first row of buttons
        layout.addWidget(self.buttons, 0, 1)
        layout.addWidget(self.subtitle, 1, 0, 1, 2)
        layout.setColumnStretch(0, 1)

    def add(self, widget: QWidget) -> QWidget:
        self.actions.addWidget(widget)
        return widget
