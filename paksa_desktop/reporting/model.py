"""The neutral report model every renderer (Qt view, CSV, Excel, text, PDF) draws from."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


class ColumnKind(enum.StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    INTEGER = "integer"
    PERCENT = "percent"  # a Decimal such as 12.5 for 12.5 %


class RowStyle(enum.StrEnum):
    NORMAL = "normal"
    HEADING = "heading"
    SUBTOTAL = "subtotal"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = ColumnKind.TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (ColumnKind.MONEY, ColumnKind.INTEGER, ColumnKind.PERCENT)


@dataclass(frozen=True, slots=True)
class DrillKey:
    """What a figure stands for, so any view can open the entries behind it."""

    kind: str  # "account", "entry"
    id: int
    start: date | None = None
    end: date | None = None


Cell = str | Decimal | int | date | None


@dataclass(frozen=True, slots=True)
class Chart:
    """Series of figures over categories (e.g. months), drawn above a report's table on paper."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[Decimal, ...]], ...]


@dataclass(frozen=True, slots=True)
class ReportRow:
    cells: tuple[Cell, ...]
    style: RowStyle = RowStyle.NORMAL
    drill: DrillKey | None = None
    level: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[ReportRow, ...]
    subtitle: str = ""
    company: str = ""
    currency: str = ""
    exponent: int = 2
    totals: tuple[ReportRow, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def select(self, keys: tuple[str, ...]) -> Report:
        """The same report restricted to some columns, in the given order (e.g. a file contract)."""
        index = [self.column_index(k) for k in keys]

        def pick(row: ReportRow) -> ReportRow:
            return ReportRow(tuple(row.cells[i] for i in index), row.style, row.drill, row.level)

        return Report(
            self.title,
            tuple(self.columns[i] for i in index),
            tuple(pick(r) for r in self.rows),
            self.subtitle,
            self.company,
            self.currency,
            self.exponent,
            tuple(pick(r) for r in self.totals),
            self.meta,
        )
