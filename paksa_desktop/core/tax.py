"""Sales tax (VAT, GST) on invoice and bill lines: exclusive or inclusive prices, rounded per line or per
total, several codes on one document.

Everything is in integer minor units; rounding is half-even to the minor unit, and only where a tax
amount is fixed. An inclusive price is split so that net + tax equals the price exactly. Shared by
receivables and payables; pure, no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from paksa_desktop.core.errors import ValidationError

ONE = Decimal(1)


class TaxRounding(enum.StrEnum):
    LINE = "line"  # each line's tax is rounded, the document's tax is their sum
    TOTAL = "total"  # each code's tax is computed on the sum of its lines and rounded once


@dataclass(frozen=True, slots=True)
class TaxCode:
    code: str
    rate: Decimal  # percent, e.g. Decimal("20") or Decimal("7.5")
    inclusive: bool = False  # prices on lines with this code include the tax

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.rate <= Decimal(100):
            raise ValidationError(f"tax code {self.code}: a rate of {self.rate} % is not between 0 and 100")


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One line's amount as entered (net for exclusive codes, gross for inclusive ones) and its code."""

    amount: int
    code: TaxCode | None


@dataclass(frozen=True, slots=True)
class TaxSplit:
    net: int
    tax: int

    @property
    def gross(self) -> int:
        return self.net + self.tax


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """A document's tax by code (the tax summary printed on an invoice) and its lines' splits."""

    lines: tuple[TaxSplit, ...]
    by_code: tuple[tuple[str, int, int], ...]  # (code, taxable base, tax), in first-seen order

    @property
    def net(self) -> int:
        return sum(split.net for split in self.lines)

    @property
    def tax(self) -> int:
        return sum(tax for _code, _base, tax in self.by_code)

    @property
    def gross(self) -> int:
        return self.net + self.tax


def _round(value: Decimal) -> int:
    return int(value.quantize(ONE, ROUND_HALF_EVEN))


def _exact_tax(amount: int, code: TaxCode) -> Decimal:
    """The unrounded tax in an amount: on top of a net amount, or inside a gross one."""
    rate = code.rate / 100
    if code.inclusive:
        return Decimal(amount) * rate / (ONE + rate)
    return Decimal(amount) * rate


def split_line(amount: int, code: TaxCode | None) -> TaxSplit:
    """Net and tax of one line, tax rounded on its own."""
    if code is None or not code.rate:
        return TaxSplit(amount, 0)
    tax = _round(_exact_tax(amount, code))
    return TaxSplit(amount - tax, tax) if code.inclusive else TaxSplit(amount, tax)


def compute(lines: Sequence[TaxLine], rounding: TaxRounding = TaxRounding.LINE) -> TaxSummary:
    """The document's tax. Per line: each line rounded, the codes' totals their sums. Per total: each
    code's tax rounded once on the sum of its lines, then spread back over the lines (largest remainder)
    so that the lines still add up to the document exactly."""
    if rounding is TaxRounding.LINE:
        splits = [split_line(line.amount, line.code) for line in lines]
    else:
        splits = _spread_per_code(lines)
    order: list[str] = []
    base: dict[str, int] = {}
    tax: dict[str, int] = {}
    for line, split in zip(lines, splits, strict=True):
        if line.code is None:
            continue
        if line.code.code not in base:
            order.append(line.code.code)
            base[line.code.code] = tax[line.code.code] = 0
        base[line.code.code] += split.net
        tax[line.code.code] += split.tax
    return TaxSummary(tuple(splits), tuple((c, base[c], tax[c]) for c in order))


def _spread_per_code(lines: Sequence[TaxLine]) -> list[TaxSplit]:
    splits: list[TaxSplit | None] = [None] * len(lines)
    groups: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.code is None or not line.code.rate:
            splits[i] = TaxSplit(line.amount, 0)
        else:
            groups.setdefault(line.code.code, []).append(i)
    for indexes in groups.values():
        code = lines[indexes[0]].code
        assert code is not None
        exact = [_exact_tax(lines[i].amount, code) for i in indexes]
        total = _round(sum(exact, Decimal(0)))
        floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
        # what the floors leave (0..n units, as the floors lose less than one unit each) goes one unit
        # each to the lines with the largest remainders, ties to the first
        left = total - sum(floors)
        by_remainder = sorted(range(len(indexes)), key=lambda k: (-(exact[k] - floors[k]), k))
        extra = {k: 1 for k in by_remainder[:left]}
        for k, i in enumerate(indexes):
            line_tax = floors[k] + extra.get(k, 0)
            amount = lines[i].amount
            splits[i] = TaxSplit(amount - line_tax, line_tax) if code.inclusive else TaxSplit(amount, line_tax)
    return [s for s in splits if s is not None]
