"""Column definitions shared by a table model and the report it exports: one model, many renderers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paksa_desktop.reporting.model import Cell, Column, ColumnKind, Report, ReportRow


@dataclass(frozen=True, slots=True)
class Col:
    """How one column reads a value out of a frozen row, and what kind of figure it is."""

    key: str
    title: str
    value: Callable[[Any], Cell]
    kind: ColumnKind = ColumnKind.TEXT
    blank_zero: bool = False  # ledgers leave the empty side of a line blank
    width: int = 0  # preferred width in pixels; 0 lets the view decide
    places: Callable[[Any], int] | None = None  # decimals of this row's figure (its own currency); None: the model's

    @property
    def numeric(self) -> bool:
        return self.kind in (ColumnKind.MONEY, ColumnKind.INTEGER)


def rows_report(
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Any],
    *,
    subtitle: str = "",
    company: str = "",
    currency: str = "",
    exponent: int = 2,
    totals: Sequence[ReportRow] = (),
) -> Report:
    """The report a list exports: exactly the columns and rows the list shows."""
    return Report(
        title,
        tuple(Column(c.key, c.title, c.kind) for c in columns),
        tuple(ReportRow(tuple(c.value(r) for c in columns)) for r in rows),
        subtitle=subtitle,
        company=company,
        currency=currency,
        exponent=exponent,
        totals=tuple(totals),
    )
