"""Statements built directly, as the file readers will produce them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine

IBAN = "DE89 3704 0044 0532 0130 00"


def line(day: str, amount: str, reference: str = "", bank_id: str = "", row: int = 0, **more: object) -> StatementLine:
    return StatementLine(
        date.fromisoformat(day), Decimal(amount), reference=reference, bank_id=bank_id, row=row, **more
    )  # type: ignore[arg-type]


def statement(*lines: StatementLine, source: str = "jan.ofx", **fields: object) -> ParsedStatement:
    values: dict[str, object] = {"format": "ofx", "source": source, "lines": tuple(lines)}
    for name in ("opening", "closing"):
        if isinstance(fields.get(name), str):
            fields[name] = Decimal(str(fields[name]))
    for name in ("start", "end"):
        if isinstance(fields.get(name), str):
            fields[name] = date.fromisoformat(str(fields[name]))
    values.update(fields)
    return ParsedStatement(**values)  # type: ignore[arg-type]


def operating(number: str | None = IBAN, **more: object) -> BankAccountInput:
    values: dict[str, object] = {
        "name": "Operating",
        "gl_account": "1100",
        "currency": "USD",
        "bank_name": "First Bank",
        "number": number,
    }
    values.update(more)
    return BankAccountInput(**values)  # type: ignore[arg-type]
