"""Tests that read like ledgers: entry("2024-01-31", ("1100", "100.00"), ("4010", "-100.00"))."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.ledger.commands import EntryInput, LineInput


def line(
    account: str, amount: str, memo: str = "", department: str | None = None, project: str | None = None
) -> LineInput:
    value = Decimal(amount)
    return LineInput(
        account,
        debit=max(value, Decimal(0)),
        credit=max(-value, Decimal(0)),
        memo=memo,
        department=department,
        project=project,
    )


def entry(
    day: str, *lines: tuple[str, str] | LineInput, memo: str = "", journal: str = "GEN", auto_reverse: bool = False
) -> EntryInput:
    built = tuple(x if isinstance(x, LineInput) else line(*x) for x in lines)
    return EntryInput(date.fromisoformat(day), built, memo=memo, journal=journal, auto_reverse=auto_reverse)
