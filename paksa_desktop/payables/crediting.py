"""Applying a posted vendor credit note to an open bill, the way receivables apply a customer's credit note
(receivables/settling.py: the same `Source`, `take_from` and cumulative `relief`).

The bill's payable is relieved at the bill's rate and the credit note is used at its own rate, both
cumulatively, so however a bill is settled its pieces relieve exactly its base value. In one currency at
one rate the two are equal and no entry is needed (both sides are on the payable control account); when
the rates differ, the difference is a realised exchange gain or loss, posted as an `ap_allocation` entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.ledger.posting import PreparedLine
from paksa_desktop.payables.allocation import refresh_state
from paksa_desktop.payables.bill_preparing import BillLookups
from paksa_desktop.payables.models import AllocationKind, Bill, BillKind, BillState, PaymentAllocation, VendorRefund
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.receivables.amounts import relief
from paksa_desktop.receivables.settling import Source, post_entry, take_from
from paksa_desktop.security.context import UserContext

OPEN_STATES = (BillState.POSTED, BillState.PARTIALLY_PAID)


def lock_bill(s: Session, number: str, kind: BillKind) -> Bill:
    stmt = select(Bill).where(Bill.number == number)
    if is_postgres(s):
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None or row.kind is not kind:
        what = "vendor credit note" if kind is BillKind.CREDIT_NOTE else "bill"
        raise NotFoundError(f"{what} {number} does not exist")
    return row


def relieved(s: Session, bill_id: int) -> int:
    """Base already relieved on a bill by its active allocations (payments and credits)."""
    return int(
        s.execute(
            select(func.coalesce(func.sum(PaymentAllocation.base_amount), 0)).where(
                PaymentAllocation.bill_id == bill_id, PaymentAllocation.reversed_on.is_(None)
            )
        ).scalar_one()
    )


def source_of_credit_note(s: Session, note: Bill) -> Source:
    used = s.execute(
        select(func.coalesce(func.sum(PaymentAllocation.source_base), 0)).where(
            PaymentAllocation.credit_note_id == note.id, PaymentAllocation.reversed_on.is_(None)
        )
    ).scalar_one()
    refunded = s.execute(
        select(func.coalesce(func.sum(VendorRefund.source_base), 0)).where(
            VendorRefund.credit_note_id == note.id, VendorRefund.voided_on.is_(None)
        )
    ).scalar_one()
    assert note.number is not None
    return Source(
        "credit_note", note.id, note.date, note.number, note.vendor_id, note.currency, note.total, note.base_total,
        note.open_amount, int(used) + int(refunded),
    )  # fmt: skip


def apply_credit(
    s: Session,
    ctx: UserContext,
    look: BillLookups,
    note_number: str,
    bill_number: str,
    amount: Decimal | None,
    on: date | None,
) -> PaymentAllocation:
    """Apply `amount` (None: as much as both allow) of a credit note to a bill on `on` (None: the later date)."""
    note = lock_bill(s, note_number, BillKind.CREDIT_NOTE)
    bill = lock_bill(s, bill_number, BillKind.BILL)
    if note.state not in OPEN_STATES:
        raise ValidationError(
            f"{note.number} is {note.state.value}: only a posted credit note with credit left applies"
        )
    if bill.state not in OPEN_STATES:
        raise ValidationError(f"{bill.number} is {bill.state.value}: only an open posted bill takes a credit")
    if bill.vendor_id != note.vendor_id or bill.currency != note.currency:
        raise ValidationError(f"{note.number} applies only to bills of its vendor in {note.currency}")
    if amount is None:
        units = min(bill.open_amount, note.open_amount)
    else:
        try:
            units = to_minor(amount, currency_exponent(note.currency))
        except ValidationError as exc:
            raise ValidationError(f"amount: {exc}") from None
    if units <= 0:
        raise ValidationError("amount: must be more than zero")
    exponent = currency_exponent(note.currency)
    if units > bill.open_amount:
        left = from_minor(bill.open_amount, exponent)
        raise ValidationError(f"amount: {from_minor(units, exponent)} is more than the {left} open on {bill.number}")
    if units > note.open_amount:
        left = from_minor(note.open_amount, exponent)
        raise ValidationError(f"amount: {from_minor(units, exponent)} is more than the {left} left on {note.number}")
    day = on or max(note.date, bill.date)
    if day < bill.date:
        raise ValidationError(f"date: {bill.number} is dated {bill.date}: it cannot be credited on {day}")
    source = source_of_credit_note(s, note)
    source_base = take_from(source, units, day)
    base = relief(bill.total, bill.base_total, bill.open_amount, units, relieved(s, bill.id))
    bill.open_amount -= units
    note.open_amount = source.available
    refresh_state(bill)
    refresh_state(note)
    difference = base - source_base  # payable relieved beyond what the credit was worth: a gain
    entry = None
    if difference:
        settings = look.settings
        fx = settings.fx_gain_account_id if difference > 0 else settings.fx_loss_account_id
        memo = f"{note.number} applied to {bill.number}"
        entry = post_entry(
            look.poster,
            settings.purchases_journal_id,
            day,
            [
                PreparedLine(bill.control_account_id, difference, memo),
                PreparedLine(fx, -difference, f"{memo}: exchange difference"),
            ],
            memo=memo,
            reference=note.number or "",
            source="ap_allocation",
        )
    allocation = PaymentAllocation(
        kind=AllocationKind.CREDIT,
        vendor_id=bill.vendor_id,
        bill_id=bill.id,
        credit_note_id=note.id,
        date=day,
        amount=units,
        base_amount=base,
        source_base=source_base,
        entry_id=entry.id if entry else None,
        created_by=ctx.user_id,
        created_at=ctx.clock.now(),
    )
    s.add(allocation)
    s.flush()
    trail.record(s, ctx, "apply_credit", "bill", bill.id,
                 after={"credit_note": note.number, "bill": bill.number, "amount": units, "date": day,
                        "base": base, "source_base": source_base})  # fmt: skip
    return allocation
