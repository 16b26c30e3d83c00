"""Single vendor payments: pay one or several open bills of a vendor from a bank account, in full or in
part, with the early-payment discount, withholding and vendor credit notes; void a payment.

Paying releases money, so both operations need `payables.paymentrun.approve`. Each is one unit of work
with one GL entry (allocation.py). A payment may pay more than the bills it settles, or no bill at all (a
prepayment): the rest stays on it as its unapplied remainder, a debit on the vendor's payable, until it is
applied to bills or refunded (vendor_credit.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import find_account
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.posting import Poster, PostingFacts
from paksa_desktop.payables.allocation import (
    PAYABLE_KINDS,
    BillTarget,
    CreditTarget,
    PaymentPosting,
    check_open,
    early_discount,
    lock_bills,
    plan,
    post_payment,
    void_payment,
    withholding_rate,
)
from paksa_desktop.payables.models import (
    Bill,
    BillKind,
    PaymentAllocation,
    PaymentRun,
    PaymentRunItem,
    PaymentRunState,
    Vendor,
    VendorPayment,
)
from paksa_desktop.payables.settings import load_settings
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import parse_rate
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

OPEN_RUN_STATES = (PaymentRunState.PROPOSED, PaymentRunState.APPROVED)


@dataclass(frozen=True, slots=True)
class BillToPay:
    """One bill of a payment. `amount`: what comes off the bill other than the discount (withholding
    included); None pays all that is open less the discount. `discount`: None takes the early-payment
    discount when the payment settles the bill by its discount date."""

    bill: str  # our bill number
    amount: Decimal | None = None
    discount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PaymentInput:
    vendor: str  # vendor code
    bank_account: str  # bank account name
    date: date
    bills: tuple[BillToPay, ...]
    credit_notes: tuple[str, ...] = ()  # vendor credit notes applied first, up to what the bills need
    rate: Decimal | None = None  # base units per unit of the bank's currency; None: the rate table's
    reference: str = ""
    memo: str = ""
    method: str = "bank transfer"
    # what leaves the bank; None: what the bills need. More than they need is paid on account (kept on the
    # payment as its unapplied remainder); with no bills at all it is a prepayment and must be given.
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PaymentRef:
    id: int
    number: str
    entry_id: int
    amount: Decimal  # what left the bank
    discount: Decimal
    withheld: Decimal
    unapplied: Decimal = Decimal(0)  # paid on account: left to apply to bills or to be refunded


@dataclass(frozen=True, slots=True)
class AllocationRow:
    kind: str
    bill: str
    credit_note: str
    amount: Decimal
    discount: Decimal
    withheld: Decimal
    reversed_on: date | None


@dataclass(frozen=True, slots=True)
class PaymentRow:
    number: str
    vendor: str
    date: date
    bank_account: str
    currency: str
    amount: Decimal
    rate: Decimal
    entry_id: int
    voided_on: date | None
    void_entry_id: int | None
    void_reason: str
    run_id: int | None
    allocations: tuple[AllocationRow, ...]
    unapplied: Decimal = Decimal(0)  # still on account: to apply to bills or be refunded


# ------------------------------------------------------------------------------------------ shared lookups


def vendor_by_code(s: Session, code: str) -> Vendor:
    row = s.execute(select(Vendor).where(Vendor.code == code.strip())).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"unknown vendor '{code.strip()}'")
    return row


def paying_bank(s: Session, name: str) -> BankAccount:
    bank = find_account(s, name.strip())
    if not bank.is_active:
        raise ValidationError(f"bank account {bank.name} is inactive: nothing can be paid from it")
    return bank


def payment_rate(s: Session, currency: str, on: date, base_currency: str, given: Decimal | None) -> Decimal:
    """The payment's rate: 1 in the base currency, else the one given or the rate table's on the day."""
    if currency == base_currency:
        if given is not None and given != 1:
            raise ValidationError(f"a payment in the base currency {currency} has the rate 1")
        return Decimal(1)
    if given is not None:
        return parse_rate(given)
    return rate_on(s, currency, on, base_currency, hint="enter one in the rate table or give the payment's rate")


def bills_in_open_runs(s: Session, bill_ids: list[int]) -> dict[int, int]:
    """Bill id -> the open (proposed or approved) payment run that includes it."""
    if not bill_ids:
        return {}
    rows = s.execute(
        select(PaymentRunItem.bill_id, PaymentRunItem.run_id)
        .join(PaymentRun, PaymentRun.id == PaymentRunItem.run_id)
        .where(
            PaymentRunItem.bill_id.in_(bill_ids),
            PaymentRunItem.included,
            PaymentRun.state.in_(OPEN_RUN_STATES),
        )
    )
    return {int(b): int(r) for b, r in rows}


def minor(amount: Decimal, exponent: int, what: str) -> int:
    try:
        return to_minor(Decimal(amount), exponent)
    except ValidationError:
        raise ValidationError(f"{what}: {amount} has more than {exponent} decimal places") from None


def _lock_payment(s: Session, number: str) -> VendorPayment:
    stmt = select(VendorPayment).where(VendorPayment.number == number.strip())
    if is_postgres(s):
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"payment {number.strip()} does not exist")
    return row


# ------------------------------------------------------------------------------------------ service


class PaymentService(GuardedService):
    """Single vendor payments and their void (`payables.paymentrun.approve`: they release money)."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    @retry_writes
    def pay(self, data: PaymentInput) -> tuple[PaymentRef, Changes]:
        """Pay open bills of one vendor from a bank account (one payment, one GL entry)."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            poster = Poster(s, self.ctx, self.facts, day=data.date)
            settings = load_settings(s)
            vendor = vendor_by_code(s, data.vendor)
            if not vendor.is_active:
                raise ValidationError(f"vendor {vendor.code} is inactive")
            bank = paying_bank(s, data.bank_account)
            currency = bank.currency
            exponent = currency_exponent(currency)
            numbers = [b.bill.strip() for b in data.bills]
            notes = [n.strip() for n in data.credit_notes]
            for name, values in (("bill", numbers), ("credit note", notes)):
                repeated = sorted({n for n in values if values.count(n) > 1})
                if repeated:
                    raise ValidationError(f"{name} {repeated[0]} is given twice")
            found = dict(s.execute(select(Bill.number, Bill.id).where(Bill.number.in_([*numbers, *notes]))).all())
            for number in (*numbers, *notes):
                if number not in found:
                    raise NotFoundError(f"bill or credit note {number} does not exist")
            bills = lock_bills(s, list(found.values()))
            busy = bills_in_open_runs(s, [found[n] for n in numbers])
            targets = []
            for item in data.bills:
                bill = bills[found[item.bill.strip()]]
                if bill.kind not in PAYABLE_KINDS:
                    raise ValidationError(f"{bill.number} is a credit note: list it under the credit notes applied")
                check_open(bill, vendor, currency, data.date)
                if bill.id in busy:
                    raise ValidationError(
                        f"bill {bill.number} is in payment run {busy[bill.id]}, not yet posted: take it out of "
                        "the run (or cancel the run) before paying it on its own"
                    )
                targets.append(self._target(bill, vendor, item, exponent, data.date))
            credits = []
            for number in notes:
                note = bills[found[number]]
                if note.kind is not BillKind.CREDIT_NOTE:
                    raise ValidationError(f"{number} is not a credit note")
                check_open(note, vendor, currency, data.date)
                credits.append(CreditTarget(note.id, note.open_amount))
            rate = payment_rate(s, currency, data.date, poster.base_currency, data.rate)
            vendor_plan = plan(targets, credits)
            on_account = 0
            if data.amount is not None:
                paid = minor(data.amount, exponent, "amount")
                if paid < vendor_plan.cash:
                    raise ValidationError(
                        f"amount: {from_minor(paid, exponent)} is less than the "
                        f"{from_minor(vendor_plan.cash, exponent)} the bills chosen need: "
                        "give a smaller amount for a bill to pay it in part"
                    )
                on_account = paid - vendor_plan.cash
            elif not data.bills:
                raise ValidationError("a payment on account (with no bill) needs the amount paid")
            payment, _rows = post_payment(
                PaymentPosting(s, self.ctx, poster, settings),
                vendor=vendor,
                bank_account_id=bank.id,
                bank_gl_account_id=bank.gl_account_id,
                currency=currency,
                on=data.date,
                rate=rate,
                vendor_plan=vendor_plan,
                bills=bills,
                reference=data.reference.strip(),
                memo=data.memo.strip(),
                method=data.method.strip() or "bank transfer",
                on_account=on_account,
            )
            trail.record(
                s,
                self.ctx,
                "create",
                "vendor_payment",
                payment.id,
                after={
                    "number": payment.number,
                    "vendor": vendor.code,
                    "bank_account": bank.name,
                    "amount": payment.amount,
                    "currency": currency,
                    "bills": {bills[sh.bill_id].number: sh.amount for sh in vendor_plan.bills},
                    "credit_notes": {bills[n].number: a for n, a in vendor_plan.applied},
                    "discount": vendor_plan.discount,
                    "withheld": vendor_plan.withheld,
                    "on_account": on_account,
                },
            )
            ref = PaymentRef(
                payment.id,
                payment.number,
                payment.entry_id,
                from_minor(payment.amount, exponent),
                from_minor(vendor_plan.discount, exponent),
                from_minor(vendor_plan.withheld, exponent),
                from_minor(on_account, exponent),
            )
        return ref, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)

    @staticmethod
    def _target(bill: Bill, vendor: Vendor, item: BillToPay, exponent: int, on: date) -> BillTarget:
        full = early_discount(bill.total, bill.discount_e4, bill.discount_date, on)
        where = f"bill {bill.number}"
        amount = None if item.amount is None else minor(item.amount, exponent, f"{where}: amount")
        if item.discount is not None:
            discount = minor(item.discount, exponent, f"{where}: discount")
        elif amount is None:
            discount = min(full, bill.open_amount)
        else:
            discount = bill.open_amount - amount if full and amount < bill.open_amount <= amount + full else 0
        settle = bill.open_amount - discount if amount is None else amount
        if discount < 0:
            raise ValidationError(f"{where}: a discount must not be negative")
        if settle <= 0:
            raise ValidationError(f"{where}: the amount paid must be more than zero")
        if settle + discount > bill.open_amount:
            open_text = from_minor(bill.open_amount, exponent)
            raise ValidationError(
                f"{where}: paying {from_minor(settle, exponent)} with a discount of {from_minor(discount, exponent)} "
                f"is more than its open amount {open_text}"
            )
        return BillTarget(bill.id, settle, discount, withholding_rate(bill.withholding_e4, vendor))

    @retry_writes
    def void(self, number: str, on: date, reason: str) -> tuple[int, Changes]:
        """Void a payment on `on` (a reversing entry), reopening the bills it settled; returns the entry id."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            reason = (reason or "").strip()
            if not reason:
                raise ValidationError("voiding a payment needs a reason (it is kept with the payment)")
            poster = Poster(s, self.ctx, self.facts, day=on)
            payment = _lock_payment(s, number)
            entry_id = void_payment(PaymentPosting(s, self.ctx, poster, load_settings(s)), payment, on, reason)
            trail.record(
                s,
                self.ctx,
                "void",
                "vendor_payment",
                payment.id,
                before={"voided_on": None},
                after={"number": payment.number, "voided_on": on, "reason": reason},
            )
        return entry_id, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)

    def payment(self, number: str) -> PaymentRow:
        """A payment with its allocations (`payables.view`)."""
        with self._read(Permission.AP_VIEW) as s:
            p = s.execute(select(VendorPayment).where(VendorPayment.number == number.strip())).scalar_one_or_none()
            if p is None:
                raise NotFoundError(f"payment {number.strip()} does not exist")
            exponent = currency_exponent(p.currency)
            vendor = s.get(Vendor, p.vendor_id)
            bank = s.get(BankAccount, p.bank_account_id)
            assert vendor is not None and bank is not None
            numbers = dict(
                s.execute(
                    select(Bill.id, Bill.number).join(PaymentAllocation, PaymentAllocation.bill_id == Bill.id)
                    .where(PaymentAllocation.payment_id == p.id)
                ).all()
            )  # fmt: skip
            allocations = s.execute(
                select(PaymentAllocation).where(PaymentAllocation.payment_id == p.id).order_by(PaymentAllocation.id)
            ).scalars()
            rows = []
            for a in allocations:
                note = "" if a.credit_note_id is None else str(s.get(Bill, a.credit_note_id).number)  # type: ignore[union-attr]
                rows.append(
                    AllocationRow(
                        a.kind.value,
                        str(numbers[a.bill_id]),
                        note,
                        from_minor(a.amount, exponent),
                        from_minor(a.discount, exponent),
                        from_minor(a.withheld, exponent),
                        a.reversed_on,
                    )
                )
            return PaymentRow(
                p.number,
                vendor.code,
                p.date,
                bank.name,
                p.currency,
                from_minor(p.amount, exponent),
                Decimal(p.rate),
                p.entry_id,
                p.voided_on,
                p.void_entry_id,
                p.void_reason,
                p.run_id,
                tuple(rows),
                from_minor(p.unapplied, exponent),
            )
