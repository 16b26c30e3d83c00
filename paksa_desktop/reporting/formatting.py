"""How figures read on screen and paper: grouped, right-aligned, negatives in parentheses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.reporting.model import Cell, ColumnKind


def money_text(value: Decimal, exponent: int = 2, *, parentheses: bool = True, blank_zero: bool = False) -> str:
    if blank_zero and not value:
        return ""
    quantum = Decimal(1).scaleb(-exponent)
    text = f"{abs(value).quantize(quantum):,}"
    if value < 0:
        return f"({text})" if parentheses else f"-{text}"
    return text


def percent_text(value: Decimal) -> str:
    text = f"{abs(value):,.1f}%"
    return f"({text})" if value < 0 else text


def cell_text(value: Cell, exponent: int = 2, *, parentheses: bool = True, kind: ColumnKind | None = None) -> str:
    if value is None:
        return ""
    if kind is ColumnKind.PERCENT and isinstance(value, Decimal):
        return percent_text(value)
    if isinstance(value, Decimal):
        return money_text(value, exponent, parentheses=parentheses)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
