"""The pieces every small dialog is made of: a form, a note, an inline error and OK/Cancel."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.errors import ValidationError
from ui.style import set_state

OK_CANCEL = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel


def form(*rows: tuple[str, QWidget | QLayout]) -> QFormLayout:
    """Labelled fields, one a row; an '&' in a label makes Alt+letter jump to its field."""
    layout = QFormLayout()
    for label, field in rows:
        layout.addRow(label, field)
    return layout


def buddy(text: str, field: QWidget) -> QLabel:
    """A label whose '&' letter jumps to `field` (for grid layouts, where QFormLayout does not do it)."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def typed_decimal(text: str, what: str) -> Decimal | None:
    """A number typed in a field or cell ('1,234.50'; blank -> None); anything else is a ValidationError
    naming `what`."""
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"{what}: '{text}' is not a number") from None
    if not value.is_finite():
        raise ValidationError(f"{what}: '{text}' is not a number")
    return value


def note(text: str, *, muted: bool = False) -> QLabel:
    """A wrapped explanation under a form (muted when it is a side remark, not an instruction)."""
    label = QLabel(text)
    label.setWordWrap(True)
    if muted:
        label.setProperty("state", "muted")
    return label


def inline_error() -> QLabel:
    """A hidden red line for problems the dialog finds itself, named next to the fields."""
    label = QLabel()
    label.setObjectName("inlineError")
    label.setWordWrap(True)
    label.hide()
    return label


def show_inline(label: QLabel, text: str, state: str = "bad") -> None:
    label.setText(text)
    label.setVisible(bool(text))
    set_state(label, state)


def button_box(
    dialog: QDialog,
    ok_text: str = "",
    *,
    buttons: QDialogButtonBox.StandardButton = OK_CANCEL,
    accept: Callable[[], object] | None = None,
) -> QDialogButtonBox:
    """OK/Cancel wired to the dialog; `ok_text` names what OK does ("Run", "Import") so the button says it."""
    box = QDialogButtonBox(buttons)
    if ok_text:
        box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(accept or dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def stack(parent: QWidget, *parts: QWidget | QLayout) -> QVBoxLayout:
    """Lay out `parent` top to bottom: typically the form, a note, then the buttons."""
    layout = QVBoxLayout(parent)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


def field_grid(*fields: tuple[int, int, str, QWidget, int]) -> QGridLayout:
    """Header fields on a grid: (row, column, caption, field, span); the caption sits at `column`, its field
    right of it spanning `span` columns. An empty caption leaves the caption cell blank (for a check box)."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(10)
    for row, column, caption, field, span in fields:
        if caption:
            label = QLabel(caption)
            label.setBuddy(field)
            grid.addWidget(label, row, column)
        grid.addWidget(field, row, column + 1, 1, span)
    return grid
