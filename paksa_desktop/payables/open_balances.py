"""What the payables subledger holds open on a day: each posted bill, expense claim and vendor credit note
with its open amount and the base value the books carry for it, as of that day.

As of a day means: documents dated on or before it, less the allocations (payments, credit notes
applied) dated on or before it that were not reversed by then. A bill's carried base is its base total
less the base its allocations relieved (`PaymentAllocation.base_amount`, at the bill's own rate); a
credit note's, its base total less what was used of it (`source_base`). The period-end revaluation
(fx/revaluation.py) revalues the foreign ones; their sum is the subledger side of the payable control
accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from paksa_desktop.payables.models import Bill, BillKind, BillState, PaymentAllocation, Vendor

POSTED_STATES = (BillState.POSTED, BillState.PARTIALLY_PAID, BillState.PAID)


@dataclass(frozen=True, slots=True)
class OpenBill:
    kind: BillKind
    number: str
    vendor: str  # vendor code
    currency: str
    control_account_id: int
    open_units: int  # what is still owed (a credit note: still to apply), minor units of `currency`
    carried_base: int  # base minor units the books carry for it

    @property
    def signed_units(self) -> int:
        """Debit positive: a bill owed is a credit (negative), a credit note a debit."""
        return self.open_units if self.kind is BillKind.CREDIT_NOTE else -self.open_units

    @property
    def signed_base(self) -> int:
        return self.carried_base if self.kind is BillKind.CREDIT_NOTE else -self.carried_base


def open_bills(s: Session, day: date, *, exclude_currency: str | None = None) -> list[OpenBill]:
    """Posted bills, claims and credit notes open on `day` (all currencies, or all but one), by number."""
    live = (PaymentAllocation.date <= day) & or_(
        PaymentAllocation.reversed_on.is_(None), PaymentAllocation.reversed_on > day
    )
    on_bills = (
        select(
            PaymentAllocation.bill_id.label("doc_id"),
            func.sum(PaymentAllocation.amount + PaymentAllocation.discount + PaymentAllocation.withheld).label("off"),
            func.sum(PaymentAllocation.base_amount).label("base"),
        )
        .where(live)
        .group_by(PaymentAllocation.bill_id)
        .subquery()
    )
    of_notes = (
        select(
            PaymentAllocation.credit_note_id.label("doc_id"),
            func.sum(PaymentAllocation.amount).label("off"),
            func.sum(PaymentAllocation.source_base).label("base"),
        )
        .where(live, PaymentAllocation.credit_note_id.is_not(None))
        .group_by(PaymentAllocation.credit_note_id)
        .subquery()
    )
    stmt = (
        select(
            Bill.kind,
            Bill.number,
            Vendor.code,
            Bill.currency,
            Bill.control_account_id,
            Bill.total,
            Bill.base_total,
            func.coalesce(on_bills.c.off, of_notes.c.off, 0),
            func.coalesce(on_bills.c.base, of_notes.c.base, 0),
        )
        .join(Vendor, Vendor.id == Bill.vendor_id)
        .outerjoin(on_bills, (on_bills.c.doc_id == Bill.id) & (Bill.kind != BillKind.CREDIT_NOTE))
        .outerjoin(of_notes, (of_notes.c.doc_id == Bill.id) & (Bill.kind == BillKind.CREDIT_NOTE))
        .where(Bill.state.in_(POSTED_STATES), Bill.date <= day)
        .order_by(Bill.number)
    )
    if exclude_currency is not None:
        stmt = stmt.where(Bill.currency != exclude_currency)
    found = []
    for kind, number, vendor, currency, control, total, base_total, off, base in s.execute(stmt):
        units = int(total) - int(off)
        if units == 0:
            continue
        found.append(
            OpenBill(BillKind(kind), str(number), vendor, currency, control, units, int(base_total) - int(base))
        )
    return found
