"""A customer's credit standing: limit, exposure, what is left, what is overdue and how they pay.

Read-only (`receivables.view`). `overview` answers for every active customer in a handful of set-based
queries (exposure, overdue, payment behaviour, last payment), never one query per customer, so it stays
quick with hundreds of customers and 100,000 invoices. `history` lists one customer's receipts and the
invoices each paid.

What the figures mean:

- **Exposure** is exactly what the credit check at posting compares with the limit (`credit.exposures`,
  the batch form of `invoicing.customer_exposure`): open invoices plus draft invoices, less open credit
  notes and unapplied receipts, in the customer's currency, as the database stands now (the next
  invoice's check sees this figure, whatever day the overview is asked for). **Available** is the limit
  less the exposure (negative: over the limit); without a limit there is none.
- **Overdue** and **oldest overdue days** are as of the day asked: the invoices open on that day (from
  the settlement history, like the aging) whose due date is before it, in their own currency (the
  customer's, as exposure counts them).
- **Average days to pay** and **average days late**: see `payment_behaviour`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.receivables.credit import exposures
from paksa_desktop.receivables.document_queries import open_items_query, settled_as_of
from paksa_desktop.receivables.models import (
    Customer,
    DocumentKind,
    Invoice,
    InvoiceState,
    Receipt,
    Settlement,
    SettlementKind,
)
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

ONE_PLACE = Decimal("0.1")  # averages of days are shown to one decimal, rounded half up
HOLD = "on credit hold"


class days_from(FunctionElement[int]):
    """`days_from(start, end)`: whole days from one DATE column to another, in SQL, on both engines."""

    type = Integer()
    inherit_cache = True


@compiles(days_from)
def _days_from(element: days_from, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({end} - {start})"  # PostgreSQL: date - date is an integer count of days


@compiles(days_from, "sqlite")
def _days_from_sqlite(element: days_from, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(julianday({end}) - julianday({start})) AS INTEGER)"


def year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def average(weighted: int, weight: int) -> Decimal | None:
    """An amount-weighted average of days, to one decimal (None when nothing was counted)."""
    if weight <= 0:
        return None
    return (Decimal(weighted) / Decimal(weight)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class CreditStanding:
    """One customer's line of the credit control overview (amounts in the customer's currency)."""

    customer_id: int
    code: str
    name: str
    currency: str
    credit_limit: Decimal | None  # None: no limit
    exposure: Decimal
    available: Decimal | None  # limit - exposure; None without a limit; negative: over the limit
    on_hold: bool
    overdue: Decimal  # open on `as_of` and past its due date
    oldest_overdue_days: int | None  # days the oldest overdue invoice is past due on `as_of`
    average_days_to_pay: Decimal | None  # None: no invoice paid in the 12 months
    average_days_late: Decimal | None
    invoices_paid: int  # the invoices the averages count
    last_payment: date | None  # the latest receipt on or before `as_of`

    @property
    def over_limit(self) -> bool:
        return self.available is not None and self.available < 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the customer needs attention, in words (empty: nothing)."""
        found = []
        if self.on_hold:
            found.append(HOLD)
        if self.over_limit and self.credit_limit is not None:
            places = currency_exponent(self.currency)
            found.append(
                f"over the credit limit {self.credit_limit:,.{places}f} by {-self.available:,.{places}f} "  # type: ignore[operator]
                f"{self.currency}"
            )
        if self.oldest_overdue_days is not None:
            places = currency_exponent(self.currency)
            found.append(
                f"{self.overdue:,.{places}f} {self.currency} overdue, the oldest {self.oldest_overdue_days} days"
            )
        return tuple(found)


@dataclass(frozen=True, slots=True)
class PaidInvoice:
    """An invoice (part) a receipt paid: the settlement's day counts for the days."""

    invoice_id: int
    number: str
    date: date
    due_date: date
    paid_on: date  # the settlement's day: the receipt's, or the day its remainder was applied later
    amount: Decimal  # what the receipt paid of it, in the invoice's currency
    currency: str
    days_to_pay: int  # paid_on - invoice date
    days_late: int  # paid_on - due date, 0 when paid on or before it


@dataclass(frozen=True, slots=True)
class ReceiptHistory:
    id: int
    number: str
    date: date
    method: str
    amount: Decimal
    currency: str
    unapplied: Decimal  # still customer credit
    invoices: tuple[PaidInvoice, ...]


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Sums behind a customer's averages (base minor units times days)."""

    weight: int = 0
    days_to_pay: int = 0
    days_late: int = 0
    invoices: int = 0


def payment_behaviour(s: Session, as_of: date, customer_id: int | None = None) -> dict[int, Behaviour]:
    """Per customer, the sums behind the average days to pay and days late, in two grouped queries.

    What is counted: invoices (not credit notes) *fully settled* on `as_of` whose last settlement falls in
    the 12 months up to `as_of` (after the same day a year earlier). Of each, the parts paid by receipts
    (settlements of kind `payment`, a discount or small write-off taken with them included) count, each
    weighted by the receivable it relieved in base currency (`base_amount`, so customers' foreign invoices
    weigh what they are worth), with the days from the invoice date to the settlement's day (a receipt's
    remainder applied later counts from the day it was applied: that is when the invoice was paid).

    Credit notes and bad-debt write-offs are left out: they settle an invoice without the customer paying
    it, so counting a credit note issued a week after the invoice as "paid in 7 days" (or a write-off after
    a year as "paid in 365") would say nothing about how the customer pays. An invoice settled by a credit
    note alone therefore does not count; one paid partly adds only its paid parts.

    Days late run from the due date and count 0 for a part paid on or before it, so paying early on one
    invoice does not hide paying late on another. Settlements reversed by `as_of` never count.
    """
    start = year_before(as_of)
    settled = (
        select(
            Settlement.invoice_id.label("invoice_id"),
            func.sum(Settlement.amount + Settlement.discount + Settlement.written_off).label("units"),
        )
        .where(Settlement.invoice_id.is_not(None), settled_as_of(as_of))
        .group_by(Settlement.invoice_id)
        .having(func.max(Settlement.date) > start)
    )
    if customer_id is not None:
        settled = settled.where(Settlement.customer_id == customer_id)
    fully = settled.subquery()
    to_pay = days_from(Invoice.date, Settlement.date)
    late = days_from(Invoice.due_date, Settlement.date)
    stmt = (
        select(
            Invoice.customer_id,
            func.sum(Settlement.base_amount),
            func.sum(Settlement.base_amount * to_pay),
            func.sum(Settlement.base_amount * case((late > 0, late), else_=0)),
            func.count(func.distinct(Invoice.id)),
        )
        .select_from(Settlement)
        .join(Invoice, Invoice.id == Settlement.invoice_id)
        .join(fully, fully.c.invoice_id == Invoice.id)
        .where(
            fully.c.units == Invoice.total,
            Invoice.total > 0,
            Invoice.kind == DocumentKind.INVOICE,
            Invoice.state != InvoiceState.DRAFT,
            Settlement.kind == SettlementKind.PAYMENT,
            settled_as_of(as_of),
        )
        .group_by(Invoice.customer_id)
    )
    return {
        int(cid): Behaviour(int(weight or 0), int(days or 0), int(lateness or 0), int(count))
        for cid, weight, days, lateness, count in s.execute(stmt)
    }


def overdue_on(s: Session, as_of: date, customer_id: int | None = None) -> dict[int, tuple[int, date]]:
    """Per customer with something overdue on `as_of`: (open units past due, the oldest due date)."""
    invoices = open_items_query(as_of, customer_id)[0].subquery()  # the invoices open on the day
    stmt = (
        select(invoices.c.customer_id, func.sum(invoices.c.open_units), func.min(invoices.c.due_date))
        .where(invoices.c.due_date < as_of, invoices.c.open_units > 0)
        .group_by(invoices.c.customer_id)
    )
    return {int(cid): (int(units), due) for cid, units, due in s.execute(stmt)}


def last_payments(s: Session, as_of: date, customer_id: int | None = None) -> dict[int, date]:
    stmt = (
        select(Receipt.customer_id, func.max(Receipt.date)).where(Receipt.date <= as_of).group_by(Receipt.customer_id)
    )
    if customer_id is not None:
        stmt = stmt.where(Receipt.customer_id == customer_id)
    return {int(cid): day for cid, day in s.execute(stmt)}


def standings(s: Session, as_of: date, customers: Sequence[Customer]) -> list[CreditStanding]:
    """The overview's rows for `customers` (one customer: the queries are narrowed to them)."""
    only = customers[0].id if len(customers) == 1 else None
    ids = [c.id for c in customers]
    exposure = exposures(s, ids)
    overdue = overdue_on(s, as_of, only)
    behaviour = payment_behaviour(s, as_of, only)
    last = last_payments(s, as_of, only)
    rows = []
    for c in customers:
        exp = currency_exponent(c.currency)
        limit = None if c.credit_limit is None else from_minor(c.credit_limit, exp)
        owed = exposure.get(c.id, 0)
        units, oldest = overdue.get(c.id, (0, None))
        paid = behaviour.get(c.id, Behaviour())
        rows.append(
            CreditStanding(
                customer_id=c.id,
                code=c.code,
                name=c.name,
                currency=c.currency,
                credit_limit=limit,
                exposure=from_minor(owed, exp),
                available=None if c.credit_limit is None else from_minor(c.credit_limit - owed, exp),
                on_hold=bool(c.credit_hold),
                overdue=from_minor(units, exp),
                oldest_overdue_days=None if oldest is None else (as_of - oldest).days,
                average_days_to_pay=average(paid.days_to_pay, paid.weight),
                average_days_late=average(paid.days_late, paid.weight),
                invoices_paid=paid.invoices,
                last_payment=last.get(c.id),
            )
        )
    return rows


class CreditStandingQueries(GuardedService):
    """Read-only, `receivables.view`."""

    def overview(self, as_of: date | None = None) -> list[CreditStanding]:
        """One row per active customer, by code (see the module docstring for each figure)."""
        as_of = as_of or self.ctx.clock.today()
        with self._read(Permission.AR_VIEW) as s:
            customers = list(s.execute(select(Customer).where(Customer.is_active).order_by(Customer.code)).scalars())
            return standings(s, as_of, customers) if customers else []

    def standing(self, customer: str, as_of: date | None = None) -> CreditStanding:
        """One customer's row of the overview (active or not): what the customer form shows."""
        as_of = as_of or self.ctx.clock.today()
        with self._read(Permission.AR_VIEW) as s:
            found = s.execute(select(Customer).where(Customer.code == customer)).scalar_one_or_none()
            if found is None:
                raise NotFoundError(f"customer {customer} does not exist")
            return standings(s, as_of, [found])[0]

    def history(self, customer: str, start: date | None = None, end: date | None = None) -> list[ReceiptHistory]:
        """The customer's receipts dated from `start` to `end` (either open), newest first, each with
        the invoices it paid (the settlements not reversed), in two queries."""
        with self._read(Permission.AR_VIEW) as s:
            customer_id = s.execute(select(Customer.id).where(Customer.code == customer)).scalar_one_or_none()
            if customer_id is None:
                raise NotFoundError(f"customer {customer} does not exist")
            within = [Receipt.customer_id == customer_id]
            if start is not None:
                within.append(Receipt.date >= start)
            if end is not None:
                within.append(Receipt.date <= end)
            stmt = select(Receipt).where(*within)
            receipts = list(s.execute(stmt.order_by(Receipt.date.desc(), Receipt.id.desc())).scalars())
            paid: dict[int, list[PaidInvoice]] = {r.id: [] for r in receipts}
            if receipts:
                rows = s.execute(
                    select(
                        Settlement.receipt_id, Invoice.id, Invoice.number, Invoice.date, Invoice.due_date,
                        Settlement.date, Settlement.amount, Invoice.currency,
                    )
                    .join(Invoice, Invoice.id == Settlement.invoice_id)
                    .join(Receipt, Receipt.id == Settlement.receipt_id)
                    .where(
                        *within,
                        Settlement.kind == SettlementKind.PAYMENT,
                        Settlement.reversed_on.is_(None),
                    )
                    .order_by(Invoice.date, Invoice.id, Settlement.id)
                )  # fmt: skip
                for receipt_id, inv_id, number, day, due, on, amount, currency in rows:
                    paid[receipt_id].append(
                        PaidInvoice(
                            inv_id, number or "", day, due, on,
                            from_minor(int(amount), currency_exponent(currency)), currency,
                            (on - day).days, max((on - due).days, 0),
                        )
                    )  # fmt: skip
            return [
                ReceiptHistory(
                    r.id, r.number, r.date, r.method,
                    from_minor(r.amount, currency_exponent(r.currency)), r.currency,
                    from_minor(r.unapplied, currency_exponent(r.currency)), tuple(paid[r.id]),
                )
                for r in receipts
            ]  # fmt: skip
