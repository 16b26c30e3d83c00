"""Aging: which bucket an open amount falls in on a day, and each customer's open amounts by bucket.

Pure and exact (integer minor units, no I/O), so the aging report, its per-invoice detail, the screen
and the tests share one definition of "31-60 days overdue". Receivables and payables both age with it:
a document that falls due (an invoice, a vendor's bill, an expense claim to reimburse) counts its age from
its due date (or, when asked, its document date); one not yet due is current. Credits (unapplied receipts
and open credit notes) are never overdue: they count in the current bucket, so a customer's total is
their whole balance and the aging's grand total is the subledger that `reconcile` compares with the
control account.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from paksa_desktop.core.errors import ValidationError

DEFAULT_LIMITS = (30, 60, 90)
MAX_DAYS = 3650
# The kinds of open item that fall due and so age; every other kind (credits) is current.
FALLS_DUE = frozenset({"invoice", "bill", "expense_claim"})


class AgeBasis(enum.StrEnum):
    """What an invoice's age counts from."""

    DUE_DATE = "due"  # days overdue: what collections act on (the default)
    DOCUMENT_DATE = "date"  # days since the invoice was issued


@dataclass(frozen=True, slots=True)
class Buckets:
    """Upper limits, in days, of the overdue buckets: (30, 60, 90) gives current, 1-30, 31-60, 61-90,
    over 90. Keys name the columns of files (`days_1_30`), so a script reads the same names whatever
    the language of the titles."""

    limits: tuple[int, ...] = DEFAULT_LIMITS

    def __post_init__(self) -> None:
        if not self.limits:
            raise ValidationError("aging buckets: give at least one limit in days, e.g. 30,60,90")
        if any(not 0 < days <= MAX_DAYS for days in self.limits):
            raise ValidationError(f"aging buckets: each limit must be between 1 and {MAX_DAYS} days")
        if any(b <= a for a, b in zip(self.limits, self.limits[1:], strict=False)):
            raise ValidationError("aging buckets: the limits must increase, e.g. 30,60,90")

    @classmethod
    def parse(cls, text: str) -> Buckets:
        """'15,30,45' -> Buckets((15, 30, 45)); a clear error for anything else."""
        parts = [p.strip() for p in text.split(",")]
        if not all(p.isdigit() and p.isascii() for p in parts):
            raise ValidationError(f"aging buckets: '{text}' is not a list of days such as 30,60,90")
        return cls(tuple(int(p) for p in parts))

    def __len__(self) -> int:
        return len(self.limits) + 2  # current, one per limit, over the last

    @property
    def keys(self) -> tuple[str, ...]:
        lower = [1, *(days + 1 for days in self.limits[:-1])]
        ranges = tuple(f"days_{lo}_{hi}" for lo, hi in zip(lower, self.limits, strict=True))
        return ("current", *ranges, f"over_{self.limits[-1]}")

    @property
    def titles(self) -> tuple[str, ...]:
        lower = [1, *(days + 1 for days in self.limits[:-1])]
        ranges = tuple(f"{lo}–{hi}" for lo, hi in zip(lower, self.limits, strict=True))
        return ("Current", *ranges, f"Over {self.limits[-1]}")

    def index(self, days_overdue: int) -> int:
        """0 for current (not yet due, or due today), then 1.. for each bucket in turn."""
        if days_overdue <= 0:
            return 0
        return bisect_left(self.limits, days_overdue) + 1

    def cutoffs(self, as_of: date) -> tuple[date, ...]:
        """The same edges as days: an invoice aged from `day` is in bucket k (0 = current) for the first k
        with day >= cutoffs[k], else in the last bucket. What lets SQL sum each bucket in one pass."""
        return (as_of, *(as_of - timedelta(days=days) for days in self.limits))


def days_between(start: date, end: date) -> int:
    return (end - start).days


def bucket_of(kind: str, day: date, as_of: date, buckets: Buckets) -> int:
    """The bucket of an open amount: a document that falls due (`FALLS_DUE`) by its age on `as_of` from
    `day` (its due date or its date, as the basis says), any credit in current."""
    if kind not in FALLS_DUE:
        return 0
    return buckets.index(days_between(day, as_of))


@dataclass(frozen=True, slots=True)
class AgedCustomer:
    customer_id: int  # the customer's, or in payables the vendor's, id
    amounts: tuple[int, ...]  # one per bucket, base minor units

    @property
    def total(self) -> int:
        return sum(self.amounts)


def age(amounts: Iterable[tuple[int, int, int]], buckets: Buckets) -> dict[int, AgedCustomer]:
    """Per customer, the sums of (customer id, bucket, amount) rows: single open items placed by
    `bucket_of`, or sums already made per bucket by the database. Customers whose every bucket is zero
    are left out."""
    sums: dict[int, list[int]] = {}
    width = len(buckets)
    for customer_id, bucket, amount in amounts:
        if not amount:
            continue
        row = sums.get(customer_id)
        if row is None:
            row = sums[customer_id] = [0] * width
        row[bucket] += amount
    return {cid: AgedCustomer(cid, tuple(row)) for cid, row in sums.items() if any(row)}
