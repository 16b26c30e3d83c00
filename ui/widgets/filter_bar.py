"""A filter bar: labelled fields in a row, applied as the user types (debounced) or presses Enter."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

DEBOUNCE_MS = 350


class FilterBar(QFrame):
    """Emits `changed` once typing pauses, at once on Enter or when a choice changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(10, 8, 10, 8)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(4)
        self._column = 0
        self._row = 0  # the caption row of the fields being added (the field sits below it)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Clear every filter")
        self._fields: list[QWidget] = []

    def add(self, label: str, field: QWidget, stretch: int = 0) -> QWidget:
        caption = QLabel(label)
        caption.setBuddy(field)
        caption.setProperty("state", "muted")
        self.grid.addWidget(caption, self._row, self._column)
        self.grid.addWidget(field, self._row + 1, self._column)
        self.grid.setColumnStretch(self._column, stretch)
        self._column += 1
        self._fields.append(field)
        if isinstance(field, QLineEdit):
            field.setClearButtonEnabled(True)
            field.textEdited.connect(self._later)
            field.returnPressed.connect(self.apply_now)
            field.textChanged.connect(self._cleared)
        elif isinstance(field, QComboBox):
            field.currentIndexChanged.connect(self.apply_now)
        elif isinstance(field, QDateEdit):
            field.dateChanged.connect(self._later)
        return field

    def new_row(self) -> None:
        """Put the next fields on a row of their own: a bar of many fields then fits a small window."""
        self._row += 2
        self._column = 0

    def finish(self) -> None:
        """Put the Clear button at the end of the row."""
        self.grid.addWidget(self.clear_button, self._row + 1, self._column)

    def _later(self, *_args: object) -> None:
        self._timer.start()

    def _cleared(self, text: str) -> None:
        if not text:
            self._later()

    def apply_now(self, *_args: object) -> None:
        self._timer.stop()
        self.changed.emit()
