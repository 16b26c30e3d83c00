"""How sure a match proposal is: a score from 0 to 100 and the reasons behind it, in plain words.

The points are few and fixed so that a clerk can read a proposal's reasons and add the score up in
their head (docs/user-guide/banking.md lists them): the amount (+35), the reference naming the item
(+40), the same counterparty (+15 by IBAN, +10 by name), the date near the due date (+10); penalties
for a part payment (-15), a different amount (-25), another currency (-30) and a tie with another
proposal (-10).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from paksa_desktop.banking.candidates import OpenItem
from paksa_desktop.banking.normalise import same_name
from paksa_desktop.banking.statement_data import StatementLine

AMOUNT_EQUAL = 35
REFERENCE = 40  # the item's number (or its payment reference) appears in the line's text
REFERENCE_DIGITS = 30  # only the digits of the number appear ("2024/0113" for "INV-2024-0113")
SAME_ACCOUNT = 15
SAME_NAME = 10
DATE_NEAR = 10
PARTIAL_AMOUNT = -15
AMOUNT_DIFFERS = -25
OTHER_CURRENCY = -30
AMBIGUOUS = -10


class MatchKind(enum.StrEnum):
    ONE_TO_ONE = "one-to-one"  # one line settles one item
    ONE_TO_MANY = "one-to-many"  # one line settles several items (a customer paying three invoices)
    MANY_TO_ONE = "many-to-one"  # several lines settle one item (instalments, a split batch)


class Hit(enum.IntEnum):
    """How a line's text names an item; stronger is larger."""

    DIGITS = 1
    REFERENCE = 2  # the item's own payment reference
    NUMBER = 3


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """The knobs of matching; the defaults suit a typical business account."""

    date_window_days: int = 7  # "near the due date" means within this many days
    max_group: int = 4  # at most this many items (or lines) combined by subset search
    max_pool: int = 12  # subset search looks at no more than this many candidates per line or item
    max_amount_candidates: int = 25  # above this many items of one amount, only the same counterparty's
    min_score: int = 30  # weaker proposals are not shown at all
    accept_threshold: int = 80  # the one-key accept takes proposals scoring at least this


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed match: which statement line(s) settle which open item(s), how sure, and why."""

    kind: MatchKind
    line_indices: tuple[int, ...]  # positions in the `lines` given to `match`
    lines: tuple[StatementLine, ...]
    items: tuple[OpenItem, ...]
    score: int  # 0-100
    reasons: tuple[str, ...]  # short phrases, strongest first: "amount equal", "invoice X in reference"
    difference: Decimal = field(default=Decimal(0))  # lines total minus items total (0: settled exactly)

    @property
    def explanation(self) -> str:
        return ", ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class LineView:
    """A statement line with its normalised counterparty and the items its text names."""

    index: int
    line: StatementLine
    name: str
    account: str
    hits: dict[int, Hit]  # item position -> how the text names it


@dataclass(frozen=True, slots=True)
class ItemView:
    """An open item with its normalised counterparty."""

    index: int
    item: OpenItem
    name: str
    account: str


def _plural(label: str, n: int) -> str:
    return label if n == 1 else f"{label}s"


def _names(items: Sequence[ItemView]) -> str:
    if len(items) == 1:
        return items[0].item.caption
    label = items[0].item.kind_label if len({i.item.kind_label for i in items}) == 1 else "item"
    return f"{_plural(label, len(items))} {', '.join(i.item.number for i in items)}"


def _days(booked: date, item: OpenItem) -> tuple[int, str]:
    anchor = item.due or item.date
    what = "the due date" if item.due else f"the {item.kind_label} date"
    return (booked - anchor).days, what


def _date_phrase(booked: date, item: OpenItem) -> str:
    days, what = _days(booked, item)
    if days == 0:
        return f"booked on {what}"
    unit = "day" if abs(days) == 1 else "days"
    return f"booked {abs(days)} {unit} {'after' if days > 0 else 'before'} {what}"


def _party(line: LineView, item: ItemView) -> int:
    if line.account and line.account == item.account:
        return SAME_ACCOUNT
    if same_name(line.name, item.name):
        return SAME_NAME
    return 0


def score(
    kind: MatchKind,
    lines: Sequence[LineView],
    items: Sequence[ItemView],
    currency: str,
    settings: MatchSettings,
) -> tuple[int, tuple[str, ...], Decimal]:
    """The score, the reasons and the unsettled difference of matching `lines` to `items`."""
    points = 0
    reasons: list[str] = []
    line_total = sum((lv.line.amount for lv in lines), Decimal(0))
    item_total = sum((iv.item.amount for iv in items), Decimal(0))
    difference = line_total - item_total

    # The reference: each item (or, for instalments, each line) named by the text.
    if kind is MatchKind.MANY_TO_ONE:
        item = items[0]
        strengths = [lv.hits.get(item.index) for lv in lines]
        naming = sum(1 for s in strengths if s is not None)
    else:
        strengths = [max((lv.hits.get(iv.index, 0) for lv in lines), default=0) or None for iv in items]
        naming = sum(1 for s in strengths if s is not None)
    if naming:
        ref_points = [REFERENCE_DIGITS if s is Hit.DIGITS else REFERENCE if s else 0 for s in strengths]
        points += round(sum(ref_points) / len(ref_points))
        if kind is MatchKind.MANY_TO_ONE:
            phrase = f"{items[0].item.caption} in reference"
            if naming < len(lines):
                phrase += f" of {naming} of {len(lines)} payments"
            reasons.append(phrase)
        else:
            named = [iv for iv, s in zip(items, strengths, strict=True) if s is not None]
            digits_only = all(s is Hit.DIGITS for s in strengths if s is not None)
            phrase = f"{_names(named)} in reference"
            if digits_only:
                phrase = f"digits of {phrase}"
            if naming < len(items):
                phrase += f" ({len(items) - naming} not named)"
            reasons.append(phrase)

    # The amount.
    foreign = sorted({iv.item.currency for iv in items if currency and iv.item.currency != currency})
    if foreign:
        points += OTHER_CURRENCY
        reasons.append(f"different currency ({', '.join(foreign)})")
    elif difference == 0:
        points += AMOUNT_EQUAL
        if kind is MatchKind.ONE_TO_ONE:
            reasons.insert(0, "amount equal")
        elif kind is MatchKind.ONE_TO_MANY:
            reasons.insert(0, f"amount equals the sum of {len(items)} {_plural(items[0].item.kind_label, 2)}")
        else:
            reasons.insert(0, f"{len(lines)} payments add up to the amount")
    elif (line_total > 0) == (item_total > 0) and abs(line_total) < abs(item_total):
        points += PARTIAL_AMOUNT
        reasons.append(f"partial amount: {line_total} of {item_total}")
    else:
        points += AMOUNT_DIFFERS
        reasons.append(f"amount differs: {line_total} against {item_total}")

    # The counterparty: every item (every line, for instalments) must be the same party's.
    pairs = [max(_party(lv, iv) for lv in lines) for iv in items]
    if kind is MatchKind.MANY_TO_ONE:
        pairs = [_party(lv, items[0]) for lv in lines]
    party = min(pairs)
    if party:
        points += party
        reasons.append("same IBAN" if party == SAME_ACCOUNT else "same counterparty")

    # The date: every line booked near every item's due date.
    window = settings.date_window_days
    if all(abs(_days(lv.line.booked, iv.item)[0]) <= window for lv in lines for iv in items):
        points += DATE_NEAR
        if len(lines) == 1 and len(items) == 1:
            reasons.append(_date_phrase(lines[0].line.booked, items[0].item))
        else:
            reasons.append(f"booked within {window} days of the due dates")

    return max(0, min(100, points)), tuple(reasons), difference
