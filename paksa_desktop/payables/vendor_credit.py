"""Vendor credit: what a vendor owes us back, and what we do with it. Two kinds of source: the unapplied
remainder of a payment (a prepayment, or money paid beyond the bills it settled) and an open vendor
credit note. A source is applied to open bills later (no cash moves) or refunded: the vendor pays the
money back into a bank account. The mirror of receivables' customer credit (receivables/receipts.py
`apply_credit` and `refund`), with the same `Source` arithmetic (receivables/settling.py).

Applying a payment's remainder relieves each bill's payable at the bill's rate and uses the payment at
the payment's rate (both cumulative); when the two differ the realised exchange difference is posted (an
`ap_payment` entry in the payments journal; nothing at all when they are equal). A credit note is applied
by crediting.apply_credit, as the bill screen does. A refund posts Dr bank (at the day's rate) Cr the
source's payable control account (the base it used of the source), the difference being an exchange gain
or loss. A refund is voided by a reversing entry that gives the source its amount back.

Refunds and applying a payment's remainder move or release money: `payables.paymentrun.approve`, like
paying. Applying a credit note is a bill clerk's job as on the bill screen: `payables.bill.create`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import JournalLine
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedLine, line_of
from paksa_desktop.ledger.settlement import post_entry, with_exchange_difference
from paksa_desktop.payables.allocation import check_open, lock_bills, refresh_state
from paksa_desktop.payables.bill_preparing import BillLookups
from paksa_desktop.payables.crediting import OPEN_STATES, apply_credit, lock_bill, relieved, source_of_credit_note
from paksa_desktop.payables.expenses import mark_reimbursed
from paksa_desktop.payables.models import (
    AllocationKind,
    Bill,
    BillKind,
    PaymentAllocation,
    Vendor,
    VendorPayment,
    VendorRefund,
)
from paksa_desktop.payables.payments import bills_in_open_runs, minor, paying_bank, payment_rate
from paksa_desktop.payables.settings import Settings, load_settings
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import rate_text, relief, to_base
from paksa_desktop.receivables.settling import Source, take_from
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

PAYMENT = "payment"
CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class CreditUse:
    """A bill to apply vendor credit to; `amount` None: as much as the bill and the source allow."""

    bill: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CreditRow:
    """One source of vendor credit with what is left of it (source currency)."""

    kind: str  # "payment" or "credit_note"
    number: str
    vendor: str  # code
    vendor_name: str
    date: date
    currency: str
    total: Decimal
    available: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class RefundRef:
    id: int
    entry_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundRow:
    id: int
    vendor: str
    source: str  # the payment's or credit note's number
    date: date
    bank_account: str
    currency: str
    amount: Decimal
    reference: str
    entry_id: int
    voided_on: date | None


# ------------------------------------------------------------------------------------------ sources


def lock_payment(s: Session, number: str) -> VendorPayment | None:
    stmt = select(VendorPayment).where(VendorPayment.number == number.strip())
    if is_postgres(s):
        stmt = stmt.with_for_update()
    return s.execute(stmt).scalar_one_or_none()


def source_of_payment(s: Session, payment: VendorPayment) -> Source:
    """The payment as a source of credit: its unapplied remainder, and the base its active allocations
    (other than credit notes it applied) and refunds already used of it."""
    if payment.voided_on is not None:
        raise ValidationError(f"payment {payment.number} was voided on {payment.voided_on}: nothing is left of it")
    allocated = s.execute(
        select(func.coalesce(func.sum(PaymentAllocation.source_base), 0)).where(
            PaymentAllocation.payment_id == payment.id,
            PaymentAllocation.credit_note_id.is_(None),
            PaymentAllocation.reversed_on.is_(None),
        )
    ).scalar_one()
    refunded = s.execute(
        select(func.coalesce(func.sum(VendorRefund.source_base), 0)).where(
            VendorRefund.payment_id == payment.id, VendorRefund.voided_on.is_(None)
        )
    ).scalar_one()
    return Source(
        PAYMENT, payment.id, payment.date, payment.number, payment.vendor_id, payment.currency, payment.amount,
        payment.base_amount, payment.unapplied, int(allocated) + int(refunded),
    )  # fmt: skip


def payment_control(payment: VendorPayment, settings: Settings) -> int:
    return payment.control_account_id or settings.payable_account_id


# ------------------------------------------------------------------------------------------ service


class VendorCreditService(GuardedService):
    """Apply or refund vendor credit (payment remainders and open credit notes); list it."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # ------------------------------------------------------------------ reading
    def credits(self, vendor: str | None = None) -> list[CreditRow]:
        """Unapplied payment remainders and open credit notes (of one vendor, or all), oldest first."""
        with self._read(Permission.AP_VIEW) as s:
            payments = (
                select(VendorPayment, Vendor.code, Vendor.name)
                .join(Vendor, Vendor.id == VendorPayment.vendor_id)
                .where(VendorPayment.unapplied > 0, VendorPayment.voided_on.is_(None))
            )
            notes = (
                select(Bill, Vendor.code, Vendor.name)
                .join(Vendor, Vendor.id == Bill.vendor_id)
                .where(Bill.kind == BillKind.CREDIT_NOTE, Bill.state.in_(OPEN_STATES), Bill.open_amount > 0)
            )
            if vendor:
                payments = payments.where(Vendor.code == vendor.strip())
                notes = notes.where(Vendor.code == vendor.strip())
            rows = []
            for p, code, name in s.execute(payments):
                e = currency_exponent(p.currency)
                rows.append(
                    CreditRow(PAYMENT, p.number, code, name, p.date, p.currency, from_minor(p.amount, e),
                              from_minor(p.unapplied, e), p.reference)
                )  # fmt: skip
            for b, code, name in s.execute(notes):
                e = currency_exponent(b.currency)
                rows.append(
                    CreditRow(CREDIT_NOTE, b.number or "", code, name, b.date, b.currency, from_minor(b.total, e),
                              from_minor(b.open_amount, e), b.vendor_invoice or "")
                )  # fmt: skip
        rows.sort(key=lambda r: (r.vendor, r.date, r.number))
        return rows

    def open_bills(self, vendor: str, currency: str) -> list[tuple[str, date, Decimal]]:
        """A vendor's open bills in one currency, oldest due first: (number, due date, open amount) — what
        the credit can be applied to."""
        with self._read(Permission.AP_VIEW) as s:
            rows = s.execute(
                select(Bill.number, Bill.due_date, Bill.open_amount)
                .join(Vendor, Vendor.id == Bill.vendor_id)
                .where(
                    Vendor.code == vendor.strip(),
                    Bill.currency == currency,
                    Bill.kind != BillKind.CREDIT_NOTE,
                    Bill.state.in_(OPEN_STATES),
                    Bill.open_amount > 0,
                )
                .order_by(Bill.due_date, Bill.id)
            ).all()
            e = currency_exponent(currency)
            return [(str(n), d, from_minor(o, e)) for n, d, o in rows]

    def refunds(self, vendor: str | None = None) -> list[RefundRow]:
        """Refunds received (voided ones too), newest first."""
        with self._read(Permission.AP_VIEW) as s:
            stmt = (
                select(VendorRefund, Vendor.code, BankAccount.name, VendorPayment.number, Bill.number)
                .join(Vendor, Vendor.id == VendorRefund.vendor_id)
                .join(BankAccount, BankAccount.id == VendorRefund.bank_account_id)
                .outerjoin(VendorPayment, VendorPayment.id == VendorRefund.payment_id)
                .outerjoin(Bill, Bill.id == VendorRefund.credit_note_id)
                .order_by(VendorRefund.date.desc(), VendorRefund.id.desc())
            )
            if vendor:
                stmt = stmt.where(Vendor.code == vendor.strip())
            return [
                RefundRow(r.id, code, payment or note or "", r.date, bank, r.currency,
                          from_minor(r.amount, currency_exponent(r.currency)), r.reference, r.entry_id, r.voided_on)
                for r, code, bank, payment, note in s.execute(stmt)
            ]  # fmt: skip

    # ------------------------------------------------------------------ applying
    @retry_writes
    def apply(self, source: str, uses: Sequence[CreditUse], on: date) -> tuple[list[int], Changes]:
        """Apply a payment's unapplied remainder, or an open credit note, to open bills of its vendor on
        `on`; returns the ids of the allocations made."""
        with self._unit(Permission.AP_VIEW) as s:  # the source's kind says which permission applies
            if not uses:
                raise ValidationError("choose at least one bill to apply the credit to")
            payment = lock_payment(s, source)
            if payment is None:
                self.ctx.require(Permission.AP_BILL_CREATE)
                lock_bill(s, source.strip(), BillKind.CREDIT_NOTE)  # a clear "does not exist" first
                look = BillLookups(s, Poster(s, self.ctx, self.facts, day=on))
                ids = [apply_credit(s, self.ctx, look, source.strip(), u.bill.strip(), u.amount, on).id for u in uses]
            else:
                self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
                ids = self._apply_payment(s, payment, uses, on)
            trail.record(
                s, self.ctx, "apply", "vendor_credit", source.strip(),
                after={"bills": [u.bill for u in uses], "on": on},
            )  # fmt: skip
        return ids, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)

    def _apply_payment(self, s: Session, payment: VendorPayment, uses: Sequence[CreditUse], on: date) -> list[int]:
        poster = Poster(s, self.ctx, self.facts, day=on)
        problem = poster.date_problem(on)
        if problem:
            raise ValidationError(problem)
        settings = load_settings(s)
        source = source_of_payment(s, payment)
        vendor = s.get(Vendor, payment.vendor_id)
        assert vendor is not None
        exponent = currency_exponent(payment.currency)
        numbers = [u.bill.strip() for u in uses]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise ValidationError(f"bill {repeated[0]} is given twice")
        found = dict(s.execute(select(Bill.number, Bill.id).where(Bill.number.in_(numbers))).all())
        for number in numbers:
            if number not in found:
                raise NotFoundError(f"bill {number} does not exist")
        bills = lock_bills(s, list(found.values()))
        busy = bills_in_open_runs(s, list(found.values()))
        control = payment_control(payment, settings)
        memo = f"{payment.number} applied"
        lines: list[PreparedLine] = []
        pending = []
        for use in uses:
            bill = bills[found[use.bill.strip()]]
            if bill.kind is BillKind.CREDIT_NOTE:
                raise ValidationError(f"{bill.number} is a credit note: a payment's remainder applies to bills")
            check_open(bill, vendor, payment.currency, on)
            if bill.id in busy:
                raise ValidationError(
                    f"bill {bill.number} is in payment run {busy[bill.id]}, not yet posted: take it out of the run "
                    "(or cancel the run) before applying money on account to it"
                )
            units = (
                min(bill.open_amount, source.available)
                if use.amount is None
                else minor(use.amount, exponent, f"bill {bill.number}: amount")
            )
            if units <= 0:
                raise ValidationError(f"bill {bill.number}: the amount applied must be more than zero")
            if units > bill.open_amount:
                raise ValidationError(
                    f"bill {bill.number}: {from_minor(units, exponent)} is more than its open amount "
                    f"{from_minor(bill.open_amount, exponent)}"
                )
            if units > source.available:
                raise ValidationError(
                    f"bill {bill.number}: {from_minor(units, exponent)} is more than the "
                    f"{from_minor(source.available, exponent)} left on {payment.number}"
                )
            used_base = take_from(source, units, on)
            base = relief(bill.total, bill.base_total, bill.open_amount, units, relieved(s, bill.id))
            bill.open_amount -= units
            refresh_state(bill)
            lines.append(PreparedLine(bill.control_account_id, base, memo))
            lines.append(PreparedLine(control, -used_base, memo))
            pending.append((bill, units, base, used_base))
        entry = post_entry(
            poster,
            settings.payments_journal_id,
            on,
            with_exchange_difference(
                lines, gain_account_id=settings.fx_gain_account_id, loss_account_id=settings.fx_loss_account_id,
                memo=memo,
            ),
            memo=memo,
            reference=payment.number,
            source="ap_payment",
        )  # fmt: skip
        now = self.ctx.clock.now()
        rows = [
            PaymentAllocation(
                kind=AllocationKind.PAYMENT, vendor_id=vendor.id, bill_id=bill.id, payment_id=payment.id,
                date=on, amount=units, base_amount=base, source_base=used_base,
                entry_id=entry.id if entry else None, created_by=self.ctx.user_id, created_at=now,
            )
            for bill, units, base, used_base in pending
        ]  # fmt: skip
        s.add_all(rows)
        payment.unapplied = source.available
        s.flush()
        mark_reimbursed(s, self.ctx, [bill.id for bill, *_ in pending])
        return [r.id for r in rows]

    # ------------------------------------------------------------------ refunds
    @retry_writes
    def refund(
        self,
        source: str,
        amount: Decimal,
        bank_account: str,
        on: date,
        *,
        rate: Decimal | None = None,
        reference: str = "",
        memo: str = "",
    ) -> tuple[RefundRef, Changes]:
        """Book money the vendor paid back into a bank account, from a payment's remainder or an open credit
        note: Dr bank, Cr payable (the base the refund used of the source), the difference an exchange gain
        or loss."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            poster = Poster(s, self.ctx, self.facts, day=on)
            problem = poster.date_problem(on)
            if problem:
                raise ValidationError(problem)
            settings = load_settings(s)
            payment = lock_payment(s, source)
            note = None
            if payment is not None:
                credit = source_of_payment(s, payment)
                control = payment_control(payment, settings)
            else:
                note = lock_bill(s, source.strip(), BillKind.CREDIT_NOTE)
                if note.state not in OPEN_STATES or note.open_amount <= 0:
                    raise ValidationError(f"credit note {note.number} is {note.state.value}: nothing is left to refund")
                credit = source_of_credit_note(s, note)
                control = note.control_account_id
            if credit.available <= 0:
                raise ValidationError(f"{credit.number} has nothing left to refund")
            bank = paying_bank(s, bank_account)
            if bank.currency != credit.currency:
                raise ValidationError(
                    f"bank account {bank.name} is in {bank.currency}; {credit.number} is in {credit.currency}"
                )
            exponent = currency_exponent(credit.currency)
            units = minor(amount, exponent, "amount")
            if units <= 0:
                raise ValidationError("amount: a refund must be more than zero")
            if units > credit.available:
                raise ValidationError(
                    f"amount: {from_minor(units, exponent)} is more than the {from_minor(credit.available, exponent)} "
                    f"left on {credit.number}"
                )
            day_rate = payment_rate(s, credit.currency, on, poster.base_currency, rate)
            used_base = take_from(credit, units, on)
            received = to_base(units, day_rate, credit.currency, poster.base_currency)
            text = f"Refund of {credit.number}"
            foreign = (None, None) if credit.currency == poster.base_currency else (credit.currency, units)
            lines = with_exchange_difference(
                [
                    PreparedLine(bank.gl_account_id, received, text, None, None, *foreign),
                    PreparedLine(control, -used_base, text),
                ],
                gain_account_id=settings.fx_gain_account_id,
                loss_account_id=settings.fx_loss_account_id,
                memo=text,
            )
            entry = post_entry(
                poster, settings.payments_journal_id, on, lines, memo=text,
                reference=reference.strip() or credit.number, source="ap_payment",
            )  # fmt: skip
            assert entry is not None and entry.id is not None
            row = VendorRefund(
                vendor_id=credit.customer_id, payment_id=payment.id if payment else None,
                credit_note_id=note.id if note else None, date=on, bank_account_id=bank.id,
                currency=credit.currency, rate=rate_text(day_rate), amount=units, base_amount=received,
                source_base=used_base, reference=(reference.strip() or credit.number)[:140], memo=memo.strip(),
                entry_id=entry.id, created_by=self.ctx.user_id, created_at=self.ctx.clock.now(),
            )  # fmt: skip
            s.add(row)
            if payment is not None:
                payment.unapplied = credit.available
            else:
                assert note is not None
                note.open_amount = credit.available
                refresh_state(note)
            s.flush()
            trail.record(
                s, self.ctx, "refund", "vendor_credit", row.id,
                after={"source": credit.number, "amount": units, "currency": credit.currency, "on": on,
                       "bank_account": bank.name},
            )  # fmt: skip
            ref = RefundRef(row.id, entry.id, from_minor(units, exponent))
        return ref, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)

    @retry_writes
    def void_refund(self, refund_id: int, on: date, reason: str) -> tuple[int, Changes]:
        """Void a refund on `on` (a reversing entry); its source gets the amount back. Returns the entry id."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            reason = (reason or "").strip()
            if not reason:
                raise ValidationError("voiding a refund needs a reason (it is kept with the refund)")
            poster = Poster(s, self.ctx, self.facts, day=on)
            stmt = select(VendorRefund).where(VendorRefund.id == refund_id)
            if is_postgres(s):
                stmt = stmt.with_for_update()
            row = s.execute(stmt).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"refund {refund_id} does not exist")
            if row.voided_on is not None:
                raise ValidationError(f"refund {refund_id} was already voided on {row.voided_on}")
            if on < row.date:
                raise ValidationError(f"refund {refund_id} is dated {row.date}: the void cannot be dated {on}")
            settings = load_settings(s)
            original = s.execute(
                select(JournalLine).where(JournalLine.entry_id == row.entry_id).order_by(JournalLine.line_no)
            ).scalars()
            text = f"Void of refund {refund_id}: {reason}"
            entry = post_entry(
                poster, settings.payments_journal_id, on, [line_of(ln, text).negated() for ln in original],
                memo=text, reference=row.reference, source="ap_payment", reversal_of_id=row.entry_id,
            )  # fmt: skip
            assert entry is not None and entry.id is not None
            if row.payment_id is not None:
                payment = s.get(VendorPayment, row.payment_id)
                assert payment is not None
                payment.unapplied += row.amount
            else:
                assert row.credit_note_id is not None
                note = lock_bills(s, [row.credit_note_id])[row.credit_note_id]
                note.open_amount += row.amount
                refresh_state(note)
            row.voided_on = on
            row.void_entry_id = entry.id
            row.void_reason = reason
            s.flush()
            trail.record(
                s, self.ctx, "void", "vendor_refund", row.id, before={"voided_on": None},
                after={"voided_on": on, "reason": reason},
            )  # fmt: skip
        return entry.id, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)
