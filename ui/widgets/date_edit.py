"""Date fields in ISO form (2024-06-30) with a calendar popup; an optional one may be left empty."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget

DISPLAY = "yyyy-MM-dd"
EMPTY = QDate(1900, 1, 1)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_date(qdate: QDate) -> date:
    return date(qdate.year(), qdate.month(), qdate.day())


class DateEdit(QDateEdit):
    """A required date."""

    def __init__(self, day: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DISPLAY)
        self.setMinimumWidth(108)
        if day is not None:
            self.set_value(day)

    def value(self) -> date:
        return to_date(self.date())

    def set_value(self, day: date) -> None:
        self.setDate(to_qdate(day))


class OptionalDateEdit(DateEdit):
    """A date that may be empty (shown as the placeholder text); the bottom date stands for 'none'."""

    def __init__(self, placeholder: str = "any", parent: QWidget | None = None) -> None:
        super().__init__(None, parent)
        self.setMinimumDate(EMPTY)
        self.setSpecialValueText(placeholder)
        self.setDate(EMPTY)

    def value(self) -> date | None:  # type: ignore[override]
        return None if self.date() == EMPTY else to_date(self.date())

    def set_value(self, day: date | None) -> None:  # type: ignore[override]
        self.setDate(EMPTY if day is None else to_qdate(day))

    def clear_value(self) -> None:
        self.setDate(EMPTY)
