"""Payment terms of invoices and bills: when an amount falls due, and the early-payment discount.

Written the way finance people write them: "net 30", "30 EOM" (30 days after the end of the
invoice's month), "EOM" (the end of that month), "due on receipt", and with a discount in front:
"2/10 net 30" (2 % off when paid within 10 days, else the whole amount within 30). Shared by
receivables and payables; pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.periods import month_end

_NET = r"(?:net\s*)?(?P<days>\d{1,3})(?:\s*days?)?"
_PATTERN = re.compile(
    rf"^(?:(?P<pct>\d{{1,2}}(?:\.\d{{1,2}})?)\s*/\s*(?P<ddays>\d{{1,3}})\s+)?"
    rf"(?:(?P<receipt>due\s+on\s+receipt)|(?P<eom_only>eom)|{_NET}(?P<eom>\s*eom)?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    net_days: int = 30
    end_of_month: bool = False  # count the days from the end of the invoice's month
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.net_days <= 365:
            raise ValidationError(f"payment terms: {self.net_days} days is not between 0 and 365")
        if not Decimal(0) <= self.discount_percent < Decimal(100):
            raise ValidationError(f"payment terms: a discount of {self.discount_percent} % is not possible")
        if self.discount_percent and not 0 < self.discount_days <= self.net_days:
            raise ValidationError("payment terms: the discount period must end within the payment period")

    @classmethod
    def parse(cls, text: str) -> PaymentTerms:
        """'net 30', '30 EOM', 'EOM', 'due on receipt', '2/10 net 30'; a clear error otherwise."""
        found = _PATTERN.match(" ".join(text.split()))
        if found is None:
            raise ValidationError(
                f"'{text}' is not payment terms; write e.g. 'net 30', '30 EOM', 'due on receipt' or '2/10 net 30'"
            )
        percent = Decimal(found["pct"]) if found["pct"] else Decimal(0)
        discount_days = int(found["ddays"]) if found["ddays"] else 0
        if found["receipt"]:
            return cls(0, False, percent, discount_days)
        if found["eom_only"]:
            return cls(0, True, percent, discount_days)
        return cls(int(found["days"]), bool(found["eom"]), percent, discount_days)

    def text(self) -> str:
        """The canonical way to write these terms (what `parse` reads back)."""
        if self.net_days == 0 and not self.end_of_month:
            base = "due on receipt"
        elif self.net_days == 0:
            base = "EOM"
        else:
            base = f"net {self.net_days}" + (" EOM" if self.end_of_month else "")
        if self.discount_percent:
            return f"{self.discount_percent.normalize():f}/{self.discount_days} {base}"
        return base

    def due_date(self, invoice_date: date) -> date:
        start = month_end(invoice_date) if self.end_of_month else invoice_date
        return start + timedelta(days=self.net_days)

    def discount_date(self, invoice_date: date) -> date | None:
        """The last day the early-payment discount may be taken (None without a discount)."""
        if not self.discount_percent:
            return None
        return invoice_date + timedelta(days=self.discount_days)

    def discount(self, amount_units: int, invoice_date: date, payment_date: date) -> int:
        """The discount in minor units on an amount paid on `payment_date` (0 when too late or none),
        rounded half-even to the minor unit."""
        last = self.discount_date(invoice_date)
        if last is None or payment_date > last:
            return 0
        exact = Decimal(amount_units) * self.discount_percent / 100
        return int(exact.quantize(Decimal(1), ROUND_HALF_EVEN))
