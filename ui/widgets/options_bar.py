"""A report's options above it: labelled fields on one or more lines, each field hideable with its caption.

Unlike the FilterBar's single grid, each line flows on its own, so hiding a field that does not apply
(the 'From' date of a balance sheet) closes the gap instead of leaving an empty column.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.filter_bar import DEBOUNCE_MS


class OptionField(QWidget):
    """A caption over its field; `setVisible` hides both."""

    def __init__(self, label: str, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.caption = QLabel(label)
        self.caption.setBuddy(field)
        self.caption.setProperty("state", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(field)


class OptionsBar(QFrame):
    """Emits `changed` at once when a choice changes, and once typing in a date pauses."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")  # the filter bar's look
        self._lines = QVBoxLayout(self)
        self._lines.setContentsMargins(10, 8, 10, 8)
        self._lines.setSpacing(8)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self._line: QHBoxLayout | None = None
        self.new_line()

    def new_line(self) -> None:
        if self._line is not None:
            self._line.addStretch(1)
        self._line = QHBoxLayout()
        self._line.setSpacing(12)
        self._lines.addLayout(self._line)

    def add(self, label: str, field: QWidget) -> OptionField:
        assert self._line is not None
        option = OptionField(label, field)
        self._line.addWidget(option, 0, Qt.AlignmentFlag.AlignTop)  # captions on one line whatever the heights
        if isinstance(field, QComboBox):
            field.activated.connect(self.apply_now)
        elif isinstance(field, QDateEdit):
            field.dateChanged.connect(self._later)
        elif isinstance(field, QAbstractButton):
            field.toggled.connect(self.apply_now)
        return option

    def finish(self) -> None:
        """Close the last line (the fields keep their natural width, the space goes to the right)."""
        assert self._line is not None
        self._line.addStretch(1)
        self._line = None

    def _later(self, *_args: object) -> None:
        self._timer.start()

    def apply_now(self, *_args: object) -> None:
        self._timer.stop()
        self.changed.emit()
