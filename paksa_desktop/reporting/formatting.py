"""How figures read on screen and paper: grouped, right-aligned, negatives in parentheses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.reporting.model import Cell


def money_text(value: Decimal, exponent: int = 2, *, parentheses: bool = True, blank_zero: bool = False) -> str:
    if blank_zero and not value:
        return ""
    quantum = Decimal(1).scaleb(-exponent)
    text = f"{abs(value).quantize(quantum):,}"
    if value < 0:
        return f"({text})" if parentheses else f"-{text}"
    return text


def cell_text(value: Cell, exponent: int = 2, *, parentheses: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money_text(value, exponent, parentheses=parentheses)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
