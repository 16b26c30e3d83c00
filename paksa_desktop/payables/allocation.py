"""Settling bills: what a vendor payment (and the vendor credit notes it applies) takes off each bill,
and its one GL entry; the void of a payment.

The planner (`plan`) is pure: given the bills with what is to be settled on each, the credit notes and
the money on account (unapplied payments) available, it applies the credit notes first (oldest first),
then the money on account (oldest first), withholds tax on what is left to pay in cash, and says what
leaves the bank. A single payment and a payment run use the same planner, so a
run posts exactly what its proposal showed.

Amounts: `settle` is what a bill loses from its open amount other than the early-payment discount
(withholding included); `withheld` = rate x the part of it paid in cash, kept back and owed to the tax
authority; `cash` = that part less the withholding, what reaches the vendor. A payment allocation stores
`amount` (taken from the payment or the credit note), `discount` and `withheld`; their sum is what the
bill lost.

The entry (source `ap_payment`, payments journal): Dr payable by the bills' base relief at their own
rates (cumulative, receivables' arithmetic in ledger/settlement.py), Cr payable by the credit notes'
base at their rates, Cr bank by what leaves the bank at the payment's rate, Cr discounts taken (at the
bill's rate), Cr withholding payable (at the payment's rate), and the realised exchange difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.models import JournalLine
from paksa_desktop.ledger.posting import Poster, PreparedLine, line_of
from paksa_desktop.ledger.settlement import merge, post_entry, source_base, with_exchange_difference
from paksa_desktop.payables.expenses import mark_reimbursed
from paksa_desktop.payables.models import (
    AllocationKind,
    Bill,
    BillKind,
    BillState,
    PaymentAllocation,
    Vendor,
    VendorPayment,
    VendorRefund,
)
from paksa_desktop.payables.settings import Settings
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.receivables.amounts import divide_half_even, rate_text, relief, to_base
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.receivables.settling import Source, take_from
from paksa_desktop.security.context import UserContext

OPEN_STATES = (BillState.POSTED, BillState.PARTIALLY_PAID)
PAYABLE_KINDS = (BillKind.BILL, BillKind.EXPENSE_CLAIM)  # what a payment pays; credit notes are applied
PERCENT_E4 = 1_000_000  # a `_e4` percentage over this is the fraction (30 % = 300000)


# ------------------------------------------------------------------------------------------ arithmetic


def early_discount(total: int, discount_e4: int, discount_date: date | None, on: date) -> int:
    """The early-payment discount a bill earns when paid on `on` (its terms' percent of its total)."""
    if not discount_e4 or discount_date is None or on > discount_date:
        return 0
    return divide_half_even(total * discount_e4, PERCENT_E4)


def withholding(gross: int, rate_e4: int) -> int:
    """Tax withheld on a cash payment of `gross` at `rate_e4` (percent x 10,000), rounded half-even."""
    return divide_half_even(gross * rate_e4, PERCENT_E4) if rate_e4 and gross > 0 else 0


def withholding_rate(bill_rate_e4: int, vendor: Vendor) -> int:
    """The rate the bill was posted with, else the vendor's when it is a withholding vendor."""
    if bill_rate_e4:
        return bill_rate_e4
    return vendor.withholding_rate_e4 if vendor.withholding else 0


@dataclass(frozen=True, slots=True)
class BillTarget:
    """A bill to settle: `settle` off its open amount plus `discount` (both bill currency)."""

    bill_id: int
    settle: int
    discount: int
    withholding_e4: int


@dataclass(frozen=True, slots=True)
class CreditTarget:
    note_id: int  # a credit note's id (or, for money on account, the payment's id)
    available: int  # what may be applied (at most the credit note's open amount, the payment's unapplied)


@dataclass(frozen=True, slots=True)
class BillShare:
    """How one bill is settled: by credit notes, then by cash (less the withholding)."""

    bill_id: int
    credits: tuple[tuple[int, int], ...]  # (credit note id, amount applied)
    cash: int
    withheld: int
    discount: int
    prepaid: tuple[tuple[int, int], ...] = ()  # (payment id, amount of its money on account applied)

    @property
    def credited(self) -> int:
        return sum(amount for _note, amount in self.credits)

    @property
    def amount(self) -> int:
        """Settled other than by discount and withholding (what a run item stores)."""
        return self.credited + self.prepaid_total + self.cash

    @property
    def prepaid_total(self) -> int:
        return sum(amount for _payment, amount in self.prepaid)


@dataclass(frozen=True, slots=True)
class VendorPlan:
    bills: tuple[BillShare, ...]
    applied: tuple[tuple[int, int], ...]  # (credit note id, total applied)
    used: tuple[tuple[int, int], ...] = ()  # (payment id, money on account applied)

    @property
    def cash(self) -> int:
        return sum(b.cash for b in self.bills)

    @property
    def withheld(self) -> int:
        return sum(b.withheld for b in self.bills)

    @property
    def discount(self) -> int:
        return sum(b.discount for b in self.bills)


class _Pool:
    """Sources used in order (oldest first), each as far as it goes."""

    def __init__(self, sources: Sequence[CreditTarget]) -> None:
        self.pool = [[c.note_id, c.available] for c in sources if c.available > 0]
        self.k = 0
        self.applied: dict[int, int] = {}

    def take(self, need: int) -> tuple[int, tuple[tuple[int, int], ...]]:
        """Cover what it can of `need`; returns what is still needed and the pieces used."""
        used: list[tuple[int, int]] = []
        pool = self.pool
        while need > 0 and self.k < len(pool):
            source = pool[self.k]
            take = min(need, source[1])
            used.append((source[0], take))
            self.applied[source[0]] = self.applied.get(source[0], 0) + take
            source[1] -= take
            need -= take
            if source[1] == 0:
                self.k += 1
        return need, tuple(used)


def plan(
    bills: Sequence[BillTarget], credits: Sequence[CreditTarget], on_account: Sequence[CreditTarget] = ()
) -> VendorPlan:
    """Apply the credit notes to the bills in order, then the money on account, then pay the rest in cash
    less withholding (money already paid on account is not withheld on again)."""
    notes, prepaid = _Pool(credits), _Pool(on_account)
    shares = []
    for b in bills:
        need, used = notes.take(b.settle)
        need, paid = prepaid.take(need)
        withheld = withholding(need, b.withholding_e4)
        shares.append(BillShare(b.bill_id, used, need - withheld, withheld, b.discount, paid))
    return VendorPlan(tuple(shares), tuple(notes.applied.items()), tuple(prepaid.applied.items()))


# ------------------------------------------------------------------------------------------ posting


@dataclass(slots=True)
class Piece:
    """One allocation being written, with its base values."""

    kind: AllocationKind
    bill: Bill
    amount: int
    discount: int = 0
    withheld: int = 0
    credit_note: Bill | None = None
    prepayment: VendorPayment | None = None  # money on account applied (the allocation is the payment's)
    base_amount: int = 0  # payable relieved at the bill's rate
    source_base: int = 0  # used of the payment (or credit note) at its rate
    discount_base: int = 0
    withheld_base: int = 0


@dataclass(slots=True)
class PaymentPosting:
    """What posting payments needs, read once per unit of work (a run posts many)."""

    s: Session
    ctx: UserContext
    poster: Poster
    settings: Settings
    relieved: dict[int, int] = field(default_factory=dict)  # bill or note id -> base used so far


def lock_bills(s: Session, ids: Sequence[int]) -> dict[int, Bill]:
    """The bills (and credit notes), row-locked on PostgreSQL: two payments of one bill wait in turn."""
    if not ids:
        return {}
    stmt = select(Bill).where(Bill.id.in_(sorted(set(ids)))).order_by(Bill.id)
    if is_postgres(s):
        stmt = stmt.with_for_update()
    return {b.id: b for b in s.execute(stmt).scalars()}


def _used_bases(s: Session, bill_ids: Sequence[int], note_ids: Sequence[int]) -> dict[int, int]:
    """Base relieved so far on each bill, and used so far of each credit note, by active allocations."""
    used: dict[int, int] = {i: 0 for i in (*bill_ids, *note_ids)}
    if bill_ids:
        for bill_id, total in s.execute(
            select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.base_amount))
            .where(PaymentAllocation.bill_id.in_(bill_ids), PaymentAllocation.reversed_on.is_(None))
            .group_by(PaymentAllocation.bill_id)
        ):
            used[bill_id] = int(total or 0)
    if note_ids:
        for note_id, total in s.execute(
            select(PaymentAllocation.credit_note_id, func.sum(PaymentAllocation.source_base))
            .where(PaymentAllocation.credit_note_id.in_(note_ids), PaymentAllocation.reversed_on.is_(None))
            .group_by(PaymentAllocation.credit_note_id)
        ):
            used[int(note_id)] = int(total or 0)
        for note_id, total in s.execute(
            select(VendorRefund.credit_note_id, func.sum(VendorRefund.source_base))
            .where(VendorRefund.credit_note_id.in_(note_ids), VendorRefund.voided_on.is_(None))
            .group_by(VendorRefund.credit_note_id)
        ):
            used[int(note_id)] += int(total or 0)
    return used


def check_open(bill: Bill, vendor: Vendor, currency: str, on: date) -> None:
    """A bill (or credit note) a payment of `vendor` in `currency` on `on` may settle."""
    what = "credit note" if bill.kind is BillKind.CREDIT_NOTE else "bill"
    name = bill.number or f"#{bill.id}"
    if bill.vendor_id != vendor.id:
        raise ValidationError(f"{what} {name} is not {vendor.code}'s")
    if bill.state not in OPEN_STATES or bill.open_amount <= 0:
        state = bill.state.value.replace("_", " ")
        raise ValidationError(f"{what} {name} is {state}: nothing is open to pay")
    if bill.currency != currency:
        raise ValidationError(f"{what} {name} is in {bill.currency}; the payment is in {currency}")
    if on < bill.date:
        raise ValidationError(f"{what} {name} is dated {bill.date}: it cannot be paid on {on}")


def refresh_state(bill: Bill) -> None:
    """A bill's (or credit note's) state from its open amount: posted, partially paid or paid."""
    if bill.open_amount == bill.total:
        bill.state = BillState.POSTED
    elif bill.open_amount > 0:
        bill.state = BillState.PARTIALLY_PAID
    else:
        bill.state = BillState.PAID


def post_payment(p: PaymentPosting, **kwargs: Any) -> tuple[VendorPayment, list[PaymentAllocation]]:
    """Post one vendor payment settling the plan's bills, plus `on_account` paid beyond them (kept on the
    payment as its unapplied remainder: a debit on the vendor's payable); returns it and its allocations."""
    payment, rows = settle_vendor(p, **kwargs)
    assert payment is not None
    return payment, rows


def settle_vendor(
    p: PaymentPosting,
    *,
    vendor: Vendor,
    bank_account_id: int,
    bank_gl_account_id: int,
    currency: str,
    on: date,
    rate: Decimal,
    vendor_plan: VendorPlan,
    bills: dict[int, Bill],
    run_id: int | None = None,
    reference: str = "",
    memo: str = "",
    method: str = "bank transfer",
    on_account: int = 0,
    prepayments: dict[int, tuple[VendorPayment, Source]] | None = None,
) -> tuple[VendorPayment | None, list[PaymentAllocation]]:
    """Settle the plan's bills in one entry: by its credit notes, by the vendor's money on account (the
    plan's `used`, from `prepayments`: payment id -> the payment and what is left of it) and by one new
    payment for the cash, plus `on_account` paid beyond them (kept on the payment as its unapplied
    remainder). When the credit notes and money on account cover everything no payment is made (None):
    the allocations then belong to the first payment whose money on account was used."""
    s, poster, settings = p.s, p.poster, p.settings
    prepayments = prepayments or {}
    if on_account < 0:
        raise ValidationError("the amount paid on account must not be negative")
    cash = vendor_plan.cash + on_account
    if cash <= 0 and not vendor_plan.used:
        raise ValidationError(
            f"vendor {vendor.code} ({vendor.name}): nothing to pay in cash (its credit notes cover the bills)"
        )
    problem = poster.date_problem(on)
    if problem:
        raise ValidationError(problem)
    base_currency = poster.base_currency
    base_cash = to_base(cash, rate, currency, base_currency)
    note_ids = [note for note, _amount in vendor_plan.applied]
    missing = [i for i in (*(b.bill_id for b in vendor_plan.bills), *note_ids) if i not in p.relieved]
    p.relieved.update(_used_bases(s, [i for i in missing if i not in note_ids], [i for i in missing if i in note_ids]))
    available_cash, used_cash_base = cash, 0
    pieces: list[Piece] = []
    for share in vendor_plan.bills:
        bill = bills[share.bill_id]
        check_open(bill, vendor, currency, on)
        off_total = share.amount + share.discount + share.withheld
        if off_total > bill.open_amount:
            raise ValidationError(
                f"bill {bill.number}: settling {off_total} minor units is more than its open amount {bill.open_amount}"
            )
        bill_rate = Decimal(bill.rate)
        last = len(share.credits) - 1
        bill_pieces: list[Piece] = []
        for n, (note_id, amount) in enumerate(share.credits):
            note = bills[note_id]
            check_open(note, vendor, currency, on)
            if amount > note.open_amount:
                raise ValidationError(f"credit note {note.number} has only {note.open_amount} minor units left")
            discount = share.discount if not (share.cash or share.withheld) and n == last else 0
            piece = Piece(AllocationKind.CREDIT, bill, amount, discount, credit_note=note)
            piece.source_base = source_base(note.total, note.base_total, note.open_amount, p.relieved[note.id], amount)
            p.relieved[note.id] += piece.source_base
            note.open_amount -= amount
            bill_pieces.append(piece)
        last = len(share.prepaid) - 1
        for n, (payment_id, amount) in enumerate(share.prepaid):
            prepayment, source = prepayments[payment_id]
            discount = share.discount if not (share.cash or share.withheld) and n == last else 0
            if bill_pieces and discount:  # the discount goes with the last piece only
                bill_pieces[-1].discount = 0
            piece = Piece(AllocationKind.PAYMENT, bill, amount, discount, prepayment=prepayment)
            piece.source_base = take_from(source, amount, on)
            bill_pieces.append(piece)
        if share.cash or share.withheld:
            piece = Piece(AllocationKind.PAYMENT, bill, share.cash, share.discount, share.withheld)
            piece.source_base = source_base(cash, base_cash, available_cash, used_cash_base, share.cash)
            piece.withheld_base = to_base(share.withheld, rate, currency, base_currency)
            available_cash -= share.cash
            used_cash_base += piece.source_base
            bill_pieces.append(piece)
        for piece in bill_pieces:
            off = piece.amount + piece.discount + piece.withheld
            piece.base_amount = relief(bill.total, bill.base_total, bill.open_amount, off, p.relieved[bill.id])
            piece.discount_base = to_base(piece.discount, bill_rate, currency, base_currency)
            p.relieved[bill.id] += piece.base_amount
            bill.open_amount -= off
        pieces.extend(bill_pieces)
    carrier = prepayments[vendor_plan.used[0][0]][0] if cash <= 0 else None
    period = poster.period(on)
    if carrier is None:
        sequence = take_numbers(s, settings.payment_series, period.fiscal_year_id, 1)
        number = document_number(settings.payment_series, period.fiscal_year_name, sequence)
        text = f"Payment {number} {vendor.name}"
    else:
        sequence, number = 0, carrier.number
        text = f"{number} applied {vendor.name}" + (f" (payment run {run_id})" if run_id else "")
    # the money leaves the bank in its own currency: a foreign payment's bank line carries it
    foreign = (None, None) if currency == base_currency else (currency, -cash)
    lines = [PreparedLine(bank_gl_account_id, -base_cash, text, None, None, *foreign)] if cash > 0 else []
    control_account_id = settings.employee_payable_account_id if vendor.is_employee else settings.payable_account_id
    if on_account:  # what no bill took is a debit on the vendor's payable until applied or refunded
        lines.append(PreparedLine(control_account_id, base_cash - used_cash_base, f"{text}: on account"))
    for piece in pieces:
        lines.append(PreparedLine(piece.bill.control_account_id, piece.base_amount, text))
        if piece.credit_note is not None:
            lines.append(PreparedLine(piece.credit_note.control_account_id, -piece.source_base, text))
        if piece.prepayment is not None:  # the money on account sits on the payable it was paid to
            control = piece.prepayment.control_account_id or settings.payable_account_id
            lines.append(PreparedLine(control, -piece.source_base, text))
        lines.append(PreparedLine(settings.discount_account_id, -piece.discount_base, text))
        lines.append(PreparedLine(settings.withholding_account_id, -piece.withheld_base, text))
    lines = with_exchange_difference(
        lines, gain_account_id=settings.fx_gain_account_id, loss_account_id=settings.fx_loss_account_id, memo=text
    )
    entry = post_entry(
        poster,
        settings.payments_journal_id,
        on,
        lines,
        memo=text,
        reference=reference or number,
        source="ap_payment",
    )
    now = p.ctx.clock.now()
    for prepayment, source in prepayments.values():
        prepayment.unapplied = source.available
    if carrier is not None:  # at one rate the lines cancel out: no entry at all, as vendor credit applied
        rows = _allocations(p, vendor, pieces, carrier, on, entry.id if entry is not None else None, now)
        s.add_all(rows)
        for bill_id in {*(sh.bill_id for sh in vendor_plan.bills), *note_ids}:
            refresh_state(bills[bill_id])
        s.flush()
        mark_reimbursed(s, p.ctx, [sh.bill_id for sh in vendor_plan.bills])
        return None, rows
    payment = VendorPayment(
        vendor_id=vendor.id,
        number=number,
        fiscal_year_id=period.fiscal_year_id,
        sequence=sequence,
        date=on,
        method=method,
        bank_account_id=bank_account_id,
        currency=currency,
        rate=rate_text(rate),
        amount=cash,
        base_amount=base_cash,
        unapplied=on_account,
        control_account_id=control_account_id,
        reference=(reference or number)[:140],
        memo=memo,
        run_id=run_id,
        entry_id=entry.id,
        created_by=p.ctx.user_id,
        created_at=now,
    )
    assert entry is not None and entry.id is not None
    s.add(payment)
    s.flush()
    rows = _allocations(p, vendor, pieces, payment, on, entry.id, now)
    s.add_all(rows)
    for bill_id in {*(sh.bill_id for sh in vendor_plan.bills), *note_ids}:
        refresh_state(bills[bill_id])
    s.flush()
    mark_reimbursed(s, p.ctx, [sh.bill_id for sh in vendor_plan.bills])
    return payment, rows


def _allocations(
    p: PaymentPosting,
    vendor: Vendor,
    pieces: Sequence[Piece],
    payment: VendorPayment,
    on: date,
    entry_id: int | None,
    now: datetime,
) -> list[PaymentAllocation]:
    """The pieces' allocations; money on account applied belongs to its own payment, in the same entry
    (so voiding the payment that posted the entry reverses it too)."""
    return [
        PaymentAllocation(
            kind=piece.kind,
            vendor_id=vendor.id,
            bill_id=piece.bill.id,
            payment_id=(piece.prepayment or payment).id,
            credit_note_id=piece.credit_note.id if piece.credit_note is not None else None,
            date=on,
            amount=piece.amount,
            discount=piece.discount,
            withheld=piece.withheld,
            base_amount=piece.base_amount,
            source_base=piece.source_base,
            entry_id=entry_id,
            created_by=p.ctx.user_id,
            created_at=now,
        )
        for piece in pieces
    ]


def void_payment(p: PaymentPosting, payment: VendorPayment, on: date, reason: str) -> int:
    """Reverse a payment's entry on `on`, reverse its allocations and reopen what it settled; returns the
    reversing entry's id."""
    s, poster, settings = p.s, p.poster, p.settings
    if payment.voided_on is not None:
        raise ValidationError(f"payment {payment.number} was already voided on {payment.voided_on}")
    if on < payment.date:
        raise ValidationError(f"payment {payment.number} is dated {payment.date}: the void cannot be dated {on}")
    refunded = s.execute(
        select(VendorRefund.id).where(VendorRefund.payment_id == payment.id, VendorRefund.voided_on.is_(None))
    ).first()
    if refunded is not None:
        raise ValidationError(
            f"payment {payment.number}: the vendor refunded part of it (refund {refunded[0]}): void the refund first"
        )
    # its money on account applied by another payment's entry (a payment run) goes back with that payment
    taken = s.execute(
        select(VendorPayment.number)
        .join(PaymentAllocation, PaymentAllocation.entry_id == VendorPayment.entry_id)
        .where(
            PaymentAllocation.payment_id == payment.id,
            PaymentAllocation.reversed_on.is_(None),
            VendorPayment.id != payment.id,
        )
    ).first()
    if taken is not None:
        raise ValidationError(
            f"payment {payment.number}: payment {taken[0]} used its money on account: void {taken[0]} first"
        )
    # the payment's own entry and the exchange differences of its remainder applied later, all reversed
    later = s.execute(
        select(PaymentAllocation.entry_id).where(
            PaymentAllocation.payment_id == payment.id,
            PaymentAllocation.reversed_on.is_(None),
            PaymentAllocation.entry_id.is_not(None),
            PaymentAllocation.entry_id != payment.entry_id,
        )
    ).scalars()
    entry_ids = [payment.entry_id, *sorted(set(later))]
    original = s.execute(
        select(JournalLine)
        .where(JournalLine.entry_id.in_(entry_ids))
        .order_by(JournalLine.entry_id, JournalLine.line_no)
    ).scalars()
    text = f"Void of payment {payment.number}: {reason}"
    lines = merge([line_of(ln, text).negated() for ln in original])
    entry = post_entry(
        poster,
        settings.payments_journal_id,
        on,
        lines,
        memo=text,
        reference=payment.number,
        source="ap_payment",
        reversal_of_id=payment.entry_id,
    )
    assert entry is not None and entry.id is not None
    allocations = (
        s.execute(
            select(PaymentAllocation).where(
                or_(PaymentAllocation.payment_id == payment.id, PaymentAllocation.entry_id.in_(entry_ids)),
                PaymentAllocation.reversed_on.is_(None),
            )
        )
        .scalars()
        .all()
    )
    ids = {a.bill_id for a in allocations} | {a.credit_note_id for a in allocations if a.credit_note_id}
    bills = lock_bills(s, [i for i in ids if i is not None])
    for a in allocations:
        a.reversed_on = on
        a.reversal_entry_id = entry.id
        bills[a.bill_id].open_amount += a.amount + a.discount + a.withheld
        if a.credit_note_id is not None:
            bills[a.credit_note_id].open_amount += a.amount
        elif a.payment_id is not None and a.payment_id != payment.id:  # money on account it used: given back
            prepayment = s.get(VendorPayment, a.payment_id)
            assert prepayment is not None
            prepayment.unapplied += a.amount
    for bill in bills.values():
        refresh_state(bill)
    payment.voided_on = on
    payment.unapplied = 0
    payment.void_entry_id = entry.id
    payment.void_reason = reason
    s.flush()
    mark_reimbursed(s, p.ctx, list(bills))
    return entry.id
