"""Recurring bills in the cash forecast: the rent a template will raise next month is owed all the same.

- Each active recurring bill is projected on the dates `BillService.generate_due` would raise it on (from
  its next date, a month, quarter or year at a time, until its end date; `bill_dates` is that rule),
  up to the forecast's last day. A template that fell behind projects its missed dates too: generating
  would raise them all.
- Each projected bill is prepared exactly as generating would prepare it (its lines, the vendor's tax
  codes and terms), so its total, due date and early-payment discount are those of the bill to come. It
  is then expected like an open bill (`expected_payment`, shared with the posted bills' flows): on its
  due date, or on its discount date less the discount while the discount can still be had; a
  withholding vendor receives the amount less the tax withheld.
- Nothing is counted twice: an occurrence already raised (a bill of that template on that date) is not
  projected; raised bills are counted once posted as every open bill is, and while still a draft,
  submitted or approved they are expected here, for their total, under their template's name.
- A template that cannot be prepared any more (an inactive vendor or account) is shown as a zero item
  saying why, on its next date: generating it would fail too, and the forecast should say so rather
  than drop the rent quietly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.periods import add_months
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.ledger.posting import Poster
from paksa_desktop.payables.allocation import early_discount
from paksa_desktop.payables.bank_matching import cash_of
from paksa_desktop.payables.bill_inputs import BillInput
from paksa_desktop.payables.bill_preparing import BillLookups, prepare
from paksa_desktop.payables.bills import line_from_json
from paksa_desktop.payables.models import Bill, BillKind, BillState, RecurringBill, Vendor
from paksa_desktop.security.context import UserContext

UNPOSTED = (BillState.DRAFT, BillState.SUBMITTED, BillState.APPROVED)


@dataclass(frozen=True, slots=True)
class ExpectedBill:
    """A payment expected for a recurring bill, in minor units of its currency (what leaves the bank)."""

    day: date
    currency: str
    cash: int
    label: str


def bill_dates(next_date: date, frequency: str, end_date: date | None, until: date) -> list[date]:
    """The dates a template raises bills on, up to `until`: generate_due's rule (add_months from one date
    to the next, so a bill on the 31st falls on the month's last day and stays there)."""
    months = Frequency(frequency).months
    found: list[date] = []
    day = next_date
    while day <= until and (end_date is None or day <= end_date):
        found.append(day)
        day = add_months(day, months)
    return found


def expected_payment(
    open_units: int, total: int, discount_e4: int, discount_date: date | None, due: date, start: date,
    withholding_e4: int,
) -> tuple[date, int]:  # fmt: skip
    """When an open bill is expected to be paid and the cash it takes: on its due date; while an early-
    payment discount can still be had on `start`, on its discount date less the discount (a payment run
    takes it); less the tax withheld for a withholding vendor."""
    day, discount = due, 0
    if discount_e4 and discount_date is not None and discount_date >= start:
        day, discount = discount_date, min(early_discount(total, discount_e4, discount_date, discount_date), open_units)
    return day, cash_of(open_units - discount, withholding_e4)


def _reader(start: date) -> UserContext:
    """Preparing reads through a Poster, which wants a user; this one holds no permission and posts nothing."""
    return UserContext(0, "cash forecast", "", frozenset(), FixedClock(datetime.combine(start, time(), UTC)))


def recurring_bill_payments(s: Session, start: date, end: date) -> list[ExpectedBill]:
    """Payments expected for recurring bills raised up to `end` (missed dates before `start` too) and not
    yet posted (see the module's rules); a payment expected before `start` is given on its own day (the
    forecast moves it to week 1)."""
    raised = set(s.execute(select(Bill.recurring_id, Bill.date).where(Bill.recurring_id.is_not(None))).all())
    templates = s.execute(select(RecurringBill).where(RecurringBill.is_active).order_by(RecurringBill.name)).scalars()
    found: list[ExpectedBill] = []
    look: BillLookups | None = None
    for t in templates:
        dates = [d for d in bill_dates(t.next_date, t.frequency, t.end_date, end) if (t.id, d) not in raised]
        if not dates:
            continue
        look = look or BillLookups(s, Poster(s, _reader(start)))
        label = f"recurring: {t.name}"
        try:
            vendor = look.vendor_by_id(t.vendor_id)
            lines = tuple(line_from_json(v) for v in json.loads(t.lines_json))
            # the rate only makes the base total, which is not used: the cash is valued on the start day
            memo = t.memo or t.name
            docs = [prepare(look, BillInput(vendor.code, d, lines, rate=Decimal(1), memo=memo)) for d in dates]
        except ValidationError as exc:
            found.append(ExpectedBill(max(dates[0], start), look.base_currency, 0, f"{label} (not forecast: {exc})"))
            continue
        for doc in docs:
            day, cash = expected_payment(doc.total, doc.total, doc.discount_e4, doc.discount_date, doc.due_date,
                                         start, vendor.withholding_e4)  # fmt: skip
            found.append(ExpectedBill(day, doc.currency, cash, label))
    rows = s.execute(
        select(RecurringBill.name, Bill.state, Bill.currency, Bill.total, Bill.discount_e4, Bill.discount_date,
               Bill.due_date, Vendor.withholding, Vendor.withholding_rate_e4)
        .join(RecurringBill, RecurringBill.id == Bill.recurring_id)
        .join(Vendor, Vendor.id == Bill.vendor_id)
        .where(Bill.state.in_(UNPOSTED), Bill.kind == BillKind.BILL)
        .order_by(Bill.due_date, Bill.id)
    ).all()  # fmt: skip
    for name, state, currency, total, pct, until, due, withholds, rate_e4 in rows:
        day, cash = expected_payment(total, total, pct, until, due, start, rate_e4 if withholds else 0)
        found.append(ExpectedBill(day, currency, cash, f"recurring: {name} ({BillState(state).value} bill)"))
    return found
