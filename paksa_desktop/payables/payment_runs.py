"""Payment runs: propose which bills to pay from a bank account on a day, let the treasurer edit and
approve the proposal, post one payment per vendor, and write the bank file and the remittance advices.

Proposal rules: posted (or partly paid) bills and expense claims, not on hold, of active vendors, in the
bank account's currency, dated on or before the pay date, due on or before the cut-off, plus those
whose early-payment discount runs out before the next run (paid now with the discount). Bills already
included in another open (proposed or approved) run are left out. Per vendor, open credit notes are
applied first, then the money the vendor holds on account (the unapplied remainder of its payments in the
run's currency, oldest first, less what other open runs already use of it); the vendor receives the rest.
A vendor whose credit notes alone cover its bills is dropped, and the proposal says why; one whose money
on account covers them stays in the run, which applies it and sends the vendor nothing.
Selecting is a few set-based queries whatever the number of bills (a run over 5,000 bills proposes in
well under a second: tests/benchmarks/payment_proposal.py).

Permissions: proposing and editing `payables.paymentrun.create` (the AP clerk); approving, posting and
writing the bank file `payables.paymentrun.approve` (the treasurer, who also holds the data key that
opens the IBANs). With the company's `creator_cannot_approve` policy on, who proposed a run does not
approve it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import NUMBER_COLUMN
from paksa_desktop.banking.cash_position import own_balances
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import CompanySettings
from paksa_desktop.ledger.posting import Poster, PostingFacts
from paksa_desktop.payables.allocation import (
    OPEN_STATES,
    PAYABLE_KINDS,
    BillTarget,
    CreditTarget,
    PaymentPosting,
    early_discount,
    lock_bills,
    plan,
    settle_vendor,
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
from paksa_desktop.payables.pain001 import pain001_xml
from paksa_desktop.payables.payment_batch import (
    CreditTransfer,
    Party,
    PaymentBatch,
    RemittanceAdvice,
    RemittanceLine,
    iban_problem,
    remittance_text,
)
from paksa_desktop.payables.payment_csv import payments_csv
from paksa_desktop.payables.payments import OPEN_RUN_STATES, minor, paying_bank, payment_rate
from paksa_desktop.payables.remittance_pdf import PAID_ON_ACCOUNT, remittance_pdfs
from paksa_desktop.payables.settings import load_settings
from paksa_desktop.payables.vendor_credit import source_of_payment
from paksa_desktop.persistence.bulk import append_rows, is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.receivables.settling import Source
from paksa_desktop.security import field_crypto
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission
from paksa_desktop.security.service import check_creator_may_approve

VENDOR_IBAN_COLUMN = "vendors.iban"  # the associated data the vendor's IBAN is sealed with
ON_ACCOUNT = "on_account"  # a proposal line using money the vendor holds on account
NETTING_KINDS = (BillKind.CREDIT_NOTE, ON_ACCOUNT)  # lines that take away from the vendor's transfer


# ------------------------------------------------------------------------------------------ read models


@dataclass(frozen=True, slots=True)
class ProposalLine:
    """A bill (or credit note) of a run. For a bill `amount` is what the run settles on it other than the
    discount and the withholding (by credit notes and cash); for a credit note what the run applies."""

    bill: str  # the bill's number (money on account: the payment's)
    kind: str  # bill, credit_note, expense_claim, on_account
    vendor_invoice: str  # money on account: the payment's reference
    date: date
    due_date: date
    discount_date: date | None
    open_amount: Decimal
    amount: Decimal
    discount: Decimal
    withheld: Decimal
    included: bool

    @property
    def net(self) -> Decimal:
        """What the line adds to the vendor's transfer (a credit note or money on account takes away)."""
        return -self.amount if self.kind in NETTING_KINDS else self.amount


@dataclass(frozen=True, slots=True)
class ProposalVendor:
    code: str
    name: str
    lines: tuple[ProposalLine, ...]
    total: Decimal  # what the vendor receives (included lines)
    discount: Decimal
    withheld: Decimal
    has_bank_details: bool
    payment: str = ""  # the payment's number once posted

    @property
    def included(self) -> bool:
        return any(ln.included for ln in self.lines)


@dataclass(frozen=True, slots=True)
class Proposal:
    run_id: int
    state: PaymentRunState
    pay_date: date
    cutoff_date: date
    next_run_date: date | None
    bank_account: str
    currency: str
    vendors: tuple[ProposalVendor, ...]
    total: Decimal  # leaves the bank
    discount: Decimal
    withheld: Decimal
    bank_balance: Decimal  # the bank account's GL balance today, in its currency
    dropped: tuple[str, ...]  # vendors left out, each with the reason
    message_id: str
    version: int

    @property
    def balance_after(self) -> Decimal:
        return self.bank_balance - self.total

    @property
    def bill_count(self) -> int:
        return sum(1 for v in self.vendors for ln in v.lines if ln.included and ln.kind not in NETTING_KINDS)

    @property
    def on_account_used(self) -> Decimal:
        """Money on account the run applies to the bills (the bank pays that much less)."""
        return sum(
            (ln.amount for v in self.vendors for ln in v.lines if ln.included and ln.kind == ON_ACCOUNT), Decimal(0)
        )

    @property
    def vendor_count(self) -> int:
        return sum(1 for v in self.vendors if v.included)


@dataclass(frozen=True, slots=True)
class ScheduleBill:
    bill: str
    vendor: str
    vendor_name: str
    due_date: date
    currency: str
    open_amount: Decimal
    on_hold: bool


@dataclass(frozen=True, slots=True)
class ScheduleWeek:
    """Bills due in a week (the first week also holds what is overdue) and the cash they need."""

    start: date
    end: date
    bills: tuple[ScheduleBill, ...]
    totals: tuple[tuple[str, Decimal], ...]  # per currency
    base_total: Decimal  # at the bills' own rates


# ------------------------------------------------------------------------------------------ helpers


def _fmt(units: int, exponent: int) -> Decimal:
    """Minor units as a Decimal with the currency's decimals (from_minor's result, cheaper: a proposal
    formats four amounts of every one of thousands of bills)."""
    return Decimal(units).scaleb(-exponent)


def _lock_run(s: Session, run_id: int) -> PaymentRun:
    stmt = select(PaymentRun).where(PaymentRun.id == run_id)
    if is_postgres(s):
        stmt = stmt.with_for_update()
    run = s.execute(stmt).scalar_one_or_none() if run_id is not None else None
    if run is None:
        raise NotFoundError(f"payment run {run_id} does not exist")
    return run


def _require_state(run: PaymentRun, *states: PaymentRunState, doing: str) -> None:
    if run.state not in states:
        raise ValidationError(f"payment run {run.id} is {run.state.value}: it cannot be {doing}")


def _bank_balance(s: Session, bank: BankAccount, day: date, base_currency: str) -> Decimal:
    """The bank's GL balance in its own currency (exact: a foreign account's lines carry its currency)."""
    return from_minor(own_balances(s, [bank], day).get(bank.id, 0), currency_exponent(bank.currency))


def _vendor_iban(key: field_crypto.FieldKey | None, vendor: Vendor) -> str:
    if vendor.iban is None or key is None:
        return ""
    return field_crypto.decrypt(key, vendor.iban, VENDOR_IBAN_COLUMN)


def _bic_of(iban: str) -> str:
    """The BIC the IBAN's bank code names, when schwifty's bank registry knows it (else none is given)."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return ""
    return str(bic) if bic is not None else ""


def _vendor_party(vendor: Vendor, iban: str) -> Party:
    lines = [ln.strip() for ln in vendor.address_lines.splitlines() if ln.strip()]
    town = " ".join(p for p in (vendor.postal_code.strip(), vendor.city.strip()) if p)
    if town:
        lines.append(town)
    return Party(vendor.name, iban, vendor.bic, tuple(lines), vendor.country)


def _reserved(s: Session, payment_ids: Sequence[int], but_run: int | None = None) -> dict[int, int]:
    """Money on account of these payments that open runs (other than `but_run`) already use."""
    if not payment_ids:
        return {}
    stmt = (
        select(PaymentRunItem.on_account_payment_id, func.sum(PaymentRunItem.amount))
        .join(PaymentRun, PaymentRun.id == PaymentRunItem.run_id)
        .where(
            PaymentRun.state.in_(OPEN_RUN_STATES),
            PaymentRunItem.included,
            PaymentRunItem.on_account_payment_id.in_(list(payment_ids)),
        )
        .group_by(PaymentRunItem.on_account_payment_id)
    )
    if but_run is not None:
        stmt = stmt.where(PaymentRun.id != but_run)
    return {int(pid): int(units or 0) for pid, units in s.execute(stmt)}


def _on_account_items(
    s: Session, run_id: int, vendor_id: int | None = None
) -> list[tuple[PaymentRunItem, VendorPayment]]:
    """A run's items using money on account (of one vendor), oldest payment first."""
    stmt = (
        select(PaymentRunItem, VendorPayment)
        .join(VendorPayment, VendorPayment.id == PaymentRunItem.on_account_payment_id)
        .where(PaymentRunItem.run_id == run_id)
        .order_by(VendorPayment.date, VendorPayment.id)
    )
    if vendor_id is not None:
        stmt = stmt.where(PaymentRunItem.vendor_id == vendor_id)
    return [(item, payment) for item, payment in s.execute(stmt).all()]


class _Recompute:
    """Recomputes a vendor's items of a proposed run after an edit (the same planner as posting)."""

    def __init__(self, s: Session, run: PaymentRun) -> None:
        self.s = s
        self.run = run

    def vendor(self, vendor_id: int) -> None:
        s, run = self.s, self.run
        vendor = s.get(Vendor, vendor_id)
        assert vendor is not None
        rows = s.execute(
            select(PaymentRunItem, Bill)
            .join(Bill, Bill.id == PaymentRunItem.bill_id)
            .where(PaymentRunItem.run_id == run.id, PaymentRunItem.vendor_id == vendor_id)
            .order_by(Bill.due_date, Bill.id)
        ).all()
        bills = [(item, bill) for item, bill in rows if item.included and bill.kind is not BillKind.CREDIT_NOTE]
        notes = [(item, bill) for item, bill in rows if item.included and bill.kind is BillKind.CREDIT_NOTE]
        notes.sort(key=lambda pair: (pair[1].date, pair[1].id))
        targets = [
            BillTarget(
                bill.id, item.amount + item.withheld, item.discount, withholding_rate(bill.withholding_e4, vendor)
            )
            for item, bill in bills
        ]
        prepaid = [(item, payment) for item, payment in _on_account_items(s, run.id, vendor_id) if item.included]
        reserved = _reserved(s, [payment.id for _item, payment in prepaid], but_run=run.id)
        on_account = [
            CreditTarget(payment.id, max(0, payment.unapplied - reserved.get(payment.id, 0)))
            for _item, payment in prepaid
            if payment.voided_on is None
        ]
        result = plan(targets, [CreditTarget(bill.id, bill.open_amount) for _item, bill in notes], on_account)
        for (item, _bill), share in zip(bills, result.bills, strict=True):
            item.amount, item.withheld = share.amount, share.withheld
        applied = dict(result.applied)
        for item, bill in notes:
            item.amount = applied.get(bill.id, 0)
        used = dict(result.used)
        for item, payment in prepaid:
            item.amount = used.get(payment.id, 0)

    def total(self) -> None:
        s, run = self.s, self.run
        s.flush()
        total = 0
        for item, kind in s.execute(
            select(PaymentRunItem, Bill.kind)
            .outerjoin(Bill, Bill.id == PaymentRunItem.bill_id)
            .where(PaymentRunItem.run_id == run.id, PaymentRunItem.included)
        ):
            netting = kind is BillKind.CREDIT_NOTE or item.on_account_payment_id is not None
            total += -item.amount if netting else item.amount
        run.total = total


# ------------------------------------------------------------------------------------------ service


class PaymentRunService(GuardedService):
    """Payment proposals and runs, their bank files and remittance advices, and the payment schedule."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # -------------------------------------------------------------------------------------- proposal

    @retry_writes
    def propose(
        self, pay_date: date, bank_account: str, cutoff: date, next_run_date: date | None = None
    ) -> tuple[Proposal, Changes]:
        """Select the bills to pay and store them as a proposed run (see the module's rules)."""
        with self._unit(Permission.AP_PAYMENT_RUN_CREATE) as s:
            proposal = self._propose(s, pay_date, bank_account, cutoff, next_run_date)
        return proposal, Changes.of(Kind.PAYMENTS)

    def preview(self, pay_date: date, bank_account: str, cutoff: date, next_run_date: date | None = None) -> Proposal:
        """What `propose` would propose, stored nowhere (the proposal is rolled back): a dry run."""
        self.ctx.require(Permission.AP_PAYMENT_RUN_CREATE)
        with UnitOfWork(self.engine) as uow:  # never committed
            return self._propose(uow.session, pay_date, bank_account, cutoff, next_run_date, audit=False)

    def _propose(
        self,
        s: Session,
        pay_date: date,
        bank_account: str,
        cutoff: date,
        next_run_date: date | None,
        *,
        audit: bool = True,
    ) -> Proposal:
        if next_run_date is not None and next_run_date <= pay_date:
            raise ValidationError(f"the next run ({next_run_date}) must come after the pay date ({pay_date})")
        bank = paying_bank(s, bank_account)
        currency = bank.currency
        busy = (
            select(PaymentRunItem.bill_id)
            .join(PaymentRun, PaymentRun.id == PaymentRunItem.run_id)
            .where(PaymentRun.state.in_(OPEN_RUN_STATES), PaymentRunItem.included, PaymentRunItem.bill_id.is_not(None))
        )
        common = (
            Bill.state.in_(OPEN_STATES),
            Bill.open_amount > 0,
            Bill.currency == currency,
            Bill.on_hold.is_(False),
            Bill.date <= pay_date,
            Vendor.is_active.is_(True),
            Bill.id.not_in(busy),
        )
        due = Bill.due_date <= cutoff
        if next_run_date is not None:
            due = or_(
                due,
                and_(Bill.discount_e4 > 0, Bill.discount_date >= pay_date, Bill.discount_date < next_run_date),
            )
        columns = (
            Bill.id,
            Bill.vendor_id,
            Bill.kind,
            Bill.total,
            Bill.open_amount,
            Bill.discount_e4,
            Bill.discount_date,
            Bill.withholding_e4,
            Vendor.code,
            Vendor.name,
            Vendor.withholding,
            Vendor.withholding_rate_e4,
        )
        bills = s.execute(
            select(*columns)
            .join(Vendor, Vendor.id == Bill.vendor_id)
            .where(*common, Bill.kind.in_(PAYABLE_KINDS), due)
            .order_by(Bill.vendor_id, Bill.due_date, Bill.id)
        ).all()
        vendor_ids = {row.vendor_id for row in bills}
        notes = s.execute(
            select(*columns)
            .join(Vendor, Vendor.id == Bill.vendor_id)
            .where(*common, Bill.kind == BillKind.CREDIT_NOTE)
            .order_by(Bill.vendor_id, Bill.date, Bill.id)
        ).all()
        by_vendor: dict[int, tuple[list, list]] = {v: ([], []) for v in sorted(vendor_ids)}  # type: ignore[type-arg]
        for row in bills:
            by_vendor[row.vendor_id][0].append(row)
        for row in notes:
            if row.vendor_id in by_vendor:
                by_vendor[row.vendor_id][1].append(row)
        held: dict[int, list[CreditTarget]] = {}
        prepayments = s.execute(
            select(VendorPayment.id, VendorPayment.vendor_id, VendorPayment.unapplied)
            .where(
                VendorPayment.vendor_id.in_(sorted(vendor_ids)),
                VendorPayment.currency == currency,
                VendorPayment.unapplied > 0,
                VendorPayment.voided_on.is_(None),
                VendorPayment.date <= pay_date,
            )
            .order_by(VendorPayment.vendor_id, VendorPayment.date, VendorPayment.id)
        ).all()
        reserved = _reserved(s, [row.id for row in prepayments])
        for row in prepayments:
            free = row.unapplied - reserved.get(row.id, 0)
            if free > 0:
                held.setdefault(row.vendor_id, []).append(CreditTarget(row.id, free))
        exponent = currency_exponent(currency)
        items: list[dict[str, object]] = []
        dropped: list[str] = []
        for vendor_id, (vendor_bills, vendor_notes) in by_vendor.items():
            first = vendor_bills[0]
            rate_of = first.withholding_rate_e4 if first.withholding else 0
            targets = []
            for row in vendor_bills:
                discount = early_discount(row.total, row.discount_e4, row.discount_date, pay_date)
                discount = min(discount, row.open_amount)
                targets.append(BillTarget(row.id, row.open_amount - discount, discount, row.withholding_e4 or rate_of))
            result = plan(
                targets, [CreditTarget(row.id, row.open_amount) for row in vendor_notes], held.get(vendor_id, ())
            )
            if result.cash <= 0 and not result.used:
                credit = sum(row.open_amount for row in vendor_notes)
                owed = sum(t.settle for t in targets)
                dropped.append(
                    f"{first.code} {first.name}: open credit notes of {_fmt(credit, exponent)} {currency} cover "
                    f"the bills due ({_fmt(owed, exponent)} {currency}); nothing to pay"
                )
                continue
            for share in result.bills:
                items.append(
                    {
                        "vendor_id": vendor_id,
                        "bill_id": share.bill_id,
                        "on_account_payment_id": None,
                        "amount": share.amount,
                        "discount": share.discount,
                        "withheld": share.withheld,
                        "included": True,
                    }
                )
            for note_id, applied in result.applied:
                items.append(
                    {
                        "vendor_id": vendor_id,
                        "bill_id": note_id,
                        "on_account_payment_id": None,
                        "amount": applied,
                        "discount": 0,
                        "withheld": 0,
                        "included": True,
                    }
                )
            for payment_id, used in result.used:
                items.append(
                    {
                        "vendor_id": vendor_id,
                        "bill_id": None,
                        "on_account_payment_id": payment_id,
                        "amount": used,
                        "discount": 0,
                        "withheld": 0,
                        "included": True,
                    }
                )
        if not items:
            reasons = f" ({'; '.join(dropped)})" if dropped else ""
            raise ValidationError(
                f"nothing to pay from {bank.name} on {pay_date}: no open {currency} bill is due by {cutoff}{reasons}"
            )
        run = PaymentRun(
            state=PaymentRunState.PROPOSED,
            pay_date=pay_date,
            cutoff_date=cutoff,
            next_run_date=next_run_date,
            bank_account_id=bank.id,
            currency=currency,
            total=0,
            memo="\n".join(dropped),
            proposed_by=self.ctx.user_id,
            proposed_at=self.ctx.clock.now(),
        )
        s.add(run)
        s.flush()
        columns = (
            "run_id", "vendor_id", "bill_id", "on_account_payment_id", "amount", "discount", "withheld", "included"
        )  # fmt: skip
        # the items go in by one INSERT (SQLite) or COPY (PostgreSQL): thousands of rows, no ORM objects
        append_rows(s, "payment_run_items", columns, [(run.id, *(item[c] for c in columns[1:])) for item in items])
        note_ids = {n.id for n in notes}
        run.total = sum(
            -int(i["amount"]) if i["bill_id"] in note_ids or i["bill_id"] is None else int(i["amount"])  # type: ignore[call-overload]
            for i in items
        )
        s.flush()
        if audit:
            trail.record(
                s,
                self.ctx,
                "propose",
                "payment_run",
                run.id,
                after={
                    "bank_account": bank.name,
                    "pay_date": pay_date,
                    "cutoff": cutoff,
                    "next_run_date": next_run_date,
                    "items": len(items),
                    "total": run.total,
                    "dropped": dropped,
                },
            )
        return self._proposal(s, run)

    def proposal(self, run_id: int) -> Proposal:
        """A run as the proposal screen shows it (`payables.view`)."""
        with self._read(Permission.AP_VIEW) as s:
            run = s.get(PaymentRun, run_id) if run_id is not None else None
            if run is None:
                raise NotFoundError(f"payment run {run_id} does not exist")
            return self._proposal(s, run)

    def runs(self) -> list[Proposal]:
        """Every payment run, newest first (`payables.view`)."""
        with self._read(Permission.AP_VIEW) as s:
            return [
                self._proposal(s, r) for r in s.execute(select(PaymentRun).order_by(PaymentRun.id.desc())).scalars()
            ]

    def _proposal(self, s: Session, run: PaymentRun) -> Proposal:
        bank = s.get(BankAccount, run.bank_account_id)
        assert bank is not None
        base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
        exponent = currency_exponent(run.currency)
        rows = s.execute(
            select(
                PaymentRunItem.vendor_id,
                PaymentRunItem.amount,
                PaymentRunItem.discount,
                PaymentRunItem.withheld,
                PaymentRunItem.included,
                Bill.number,
                Bill.kind,
                Bill.vendor_invoice,
                Bill.date,
                Bill.due_date,
                Bill.discount_date,
                Bill.open_amount,
                Vendor.code,
                Vendor.name,
                Vendor.bank_last4,
            )
            .join(Bill, Bill.id == PaymentRunItem.bill_id)
            .join(Vendor, Vendor.id == PaymentRunItem.vendor_id)
            .where(PaymentRunItem.run_id == run.id)
            .order_by(Vendor.code, Bill.kind, Bill.due_date, Bill.id)
        ).all()
        payments = dict(
            s.execute(select(VendorPayment.vendor_id, VendorPayment.number).where(VendorPayment.run_id == run.id)).all()
        )
        vendors: dict[str, list[ProposalLine]] = {}
        info: dict[str, tuple[str, bool, int]] = {}
        for (vendor_id, amount, discount, withheld, included, number, kind, invoice, day, due, discount_date,
             open_amount, code, name, last4) in rows:  # fmt: skip
            info[code] = (name, bool(last4), vendor_id)
            vendors.setdefault(code, []).append(
                ProposalLine(
                    str(number),
                    kind,  # a StrEnum is its text
                    invoice,
                    day,
                    due,
                    discount_date,
                    _fmt(open_amount, exponent),
                    _fmt(amount, exponent),
                    _fmt(discount, exponent),
                    _fmt(withheld, exponent),
                    included,
                )
            )
        for item, payment in _on_account_items(s, run.id):
            code = next(c for c, (_n, _b, v) in info.items() if v == item.vendor_id)
            vendors[code].append(
                ProposalLine(
                    payment.number,
                    ON_ACCOUNT,
                    payment.reference,
                    payment.date,
                    payment.date,
                    None,
                    _fmt(payment.unapplied, exponent),
                    _fmt(item.amount, exponent),
                    Decimal(0),
                    Decimal(0),
                    item.included,
                )
            )
        result = []
        for code, lines in vendors.items():
            name, has_bank, vendor_id = info[code]
            included = [ln for ln in lines if ln.included]
            result.append(
                ProposalVendor(
                    code,
                    name,
                    tuple(lines),
                    sum((ln.net for ln in included), Decimal(0)),
                    sum((ln.discount for ln in included), Decimal(0)),
                    sum((ln.withheld for ln in included), Decimal(0)),
                    has_bank,
                    payments.get(vendor_id, ""),
                )
            )
        included_vendors = [v for v in result if v.included]
        return Proposal(
            run.id,
            run.state,
            run.pay_date,
            run.cutoff_date,
            run.next_run_date,
            bank.name,
            run.currency,
            tuple(result),
            _fmt(run.total, exponent),
            sum((v.discount for v in included_vendors), Decimal(0)),
            sum((v.withheld for v in included_vendors), Decimal(0)),
            _bank_balance(s, bank, self.ctx.clock.today(), base_currency),
            tuple(line for line in run.memo.splitlines() if line.strip()),
            run.message_id,
            run.version,
        )

    # -------------------------------------------------------------------------------------- editing

    def include_bill(self, run_id: int, bill: str, included: bool) -> tuple[Proposal, Changes]:
        """Include or exclude one bill (or credit note) of a proposed run; totals are recomputed."""
        with self._unit(Permission.AP_PAYMENT_RUN_CREATE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.PROPOSED, doing="edited")
            item = self._item(s, run, bill)
            if item.included != included:
                item.included = included
                self._recomputed(s, run, [item.vendor_id])
                trail.record(s, self.ctx, "edit", "payment_run", run.id, after={"bill": bill, "included": included})
            proposal = self._proposal(s, run)
        return proposal, Changes.of(Kind.PAYMENTS)

    def include_vendor(self, run_id: int, vendor: str, included: bool) -> tuple[Proposal, Changes]:
        """Include or exclude every bill of a vendor in a proposed run."""
        with self._unit(Permission.AP_PAYMENT_RUN_CREATE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.PROPOSED, doing="edited")
            vendor_id = s.execute(select(Vendor.id).where(Vendor.code == vendor.strip())).scalar_one_or_none()
            items = (
                s.execute(
                    select(PaymentRunItem).where(PaymentRunItem.run_id == run.id, PaymentRunItem.vendor_id == vendor_id)
                )
                .scalars()
                .all()
            )
            if not items:
                raise NotFoundError(f"vendor {vendor.strip()} is not in payment run {run.id}")
            for item in items:
                item.included = included
            self._recomputed(s, run, [items[0].vendor_id])
            trail.record(s, self.ctx, "edit", "payment_run", run.id, after={"vendor": vendor, "included": included})
            proposal = self._proposal(s, run)
        return proposal, Changes.of(Kind.PAYMENTS)

    def set_amount(self, run_id: int, bill: str, amount: Decimal) -> tuple[Proposal, Changes]:
        """Change what a proposed run settles on a bill (withholding included, discount not): at most its
        open amount; the discount stays only when the bill is still settled in full."""
        with self._unit(Permission.AP_PAYMENT_RUN_CREATE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.PROPOSED, doing="edited")
            item = self._item(s, run, bill)
            row = s.get(Bill, item.bill_id)
            assert row is not None
            if row.kind is BillKind.CREDIT_NOTE:
                raise ValidationError(f"{bill}: a credit note is applied as far as the bills need; exclude it instead")
            exponent = currency_exponent(run.currency)
            units = minor(amount, exponent, f"bill {bill}: amount")
            if units <= 0:
                raise ValidationError(f"bill {bill}: the amount must be more than zero (exclude the bill instead)")
            if units > row.open_amount:
                raise ValidationError(
                    f"bill {bill}: {amount} is more than its open amount {_fmt(row.open_amount, exponent)}"
                )
            full = min(early_discount(row.total, row.discount_e4, row.discount_date, run.pay_date), row.open_amount)
            discount = row.open_amount - units if full and units < row.open_amount <= units + full else 0
            before = {"amount": item.amount + item.withheld, "discount": item.discount}
            item.amount, item.withheld, item.discount, item.included = units, 0, discount, True
            self._recomputed(s, run, [item.vendor_id])
            trail.record(
                s, self.ctx, "edit", "payment_run", run.id, before={"bill": bill, **before},
                after={"bill": bill, "amount": units, "discount": discount},
            )  # fmt: skip
            proposal = self._proposal(s, run)
        return proposal, Changes.of(Kind.PAYMENTS)

    @staticmethod
    def _item(s: Session, run: PaymentRun, number: str) -> PaymentRunItem:
        item = s.execute(
            select(PaymentRunItem)
            .join(Bill, Bill.id == PaymentRunItem.bill_id)
            .where(PaymentRunItem.run_id == run.id, Bill.number == (number or "").strip())
        ).scalar_one_or_none()
        if item is None:
            raise NotFoundError(f"{(number or '').strip()} is not in payment run {run.id}")
        return item

    @staticmethod
    def _recomputed(s: Session, run: PaymentRun, vendor_ids: Sequence[int]) -> None:
        s.flush()
        again = _Recompute(s, run)
        for vendor_id in vendor_ids:
            again.vendor(vendor_id)
        again.total()

    def cancel(self, run_id: int) -> Changes:
        """Cancel a proposed (or approved, by an approver) run: its bills are free for another run."""
        with self._unit(Permission.AP_PAYMENT_RUN_CREATE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.PROPOSED, PaymentRunState.APPROVED, doing="cancelled")
            if run.state is PaymentRunState.APPROVED:
                self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
            before = run.state.value
            run.state = PaymentRunState.CANCELLED
            s.flush()
            trail.record(
                s, self.ctx, "cancel", "payment_run", run.id, before={"state": before}, after={"state": "cancelled"}
            )
        return Changes.of(Kind.PAYMENTS)

    # -------------------------------------------------------------------------------------- release

    @retry_writes
    def approve(self, run_id: int) -> Changes:
        """Release a proposed run: every vendor paid has a valid IBAN and something to receive."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.PROPOSED, doing="approved")
            check_creator_may_approve(s, self.ctx, run.proposed_by, "payment run")
            proposal = self._proposal(s, run)
            paid = [v for v in proposal.vendors if v.included]
            if not paid:
                raise ValidationError(f"payment run {run.id} includes no bill: nothing to approve")
            vendors = {
                v.code: v for v in s.execute(select(Vendor).where(Vendor.code.in_([p.code for p in paid]))).scalars()
            }
            key = field_crypto.require_key(self.ctx) if any(v.iban for v in vendors.values()) else None
            problems = []
            for p in paid:
                vendor = vendors[p.code]
                covered = any(ln.included and ln.kind == ON_ACCOUNT and ln.amount > 0 for ln in p.lines)
                if p.total <= 0 and covered:
                    continue  # its money on account covers the bills: no transfer, no IBAN needed
                if p.total <= 0:
                    problems.append(f"vendor {p.code} ({p.name}): nothing to pay (credit notes cover its bills)")
                if vendor.iban is None:
                    problems.append(f"vendor {p.code} ({p.name}) has no IBAN: a credit transfer needs one")
                else:
                    why = iban_problem(_vendor_iban(key, vendor))
                    if why:
                        problems.append(f"vendor {p.code} ({p.name}): {why}")
            if problems:
                raise ValidationError(f"payment run {run.id} cannot be approved: " + "; ".join(problems))
            run.state = PaymentRunState.APPROVED
            run.approved_by = self.ctx.user_id
            run.approved_at = self.ctx.clock.now()
            s.flush()
            trail.record(
                s, self.ctx, "approve", "payment_run", run.id, before={"state": "proposed"},
                after={"state": "approved", "total": run.total, "vendors": len(paid)},
            )  # fmt: skip
        return Changes.of(Kind.PAYMENTS)

    @retry_writes
    def post(self, run_id: int) -> tuple[list[str], Changes]:
        """Post an approved run: one payment per vendor, bills marked paid, all in one unit of work;
        returns the payment numbers."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            run = _lock_run(s, run_id)
            _require_state(run, PaymentRunState.APPROVED, doing="posted")
            poster = Poster(s, self.ctx, self.facts, day=run.pay_date)
            posting = PaymentPosting(s, self.ctx, poster, load_settings(s))
            bank = s.get(BankAccount, run.bank_account_id)
            assert bank is not None
            rate = payment_rate(s, run.currency, run.pay_date, poster.base_currency, None)
            items = s.execute(
                select(PaymentRunItem).where(PaymentRunItem.run_id == run.id, PaymentRunItem.included)
            ).scalars().all()  # fmt: skip
            bills = lock_bills(s, [i.bill_id for i in items if i.bill_id is not None])
            prepayments = _lock_payments(s, [i.on_account_payment_id for i in items if i.on_account_payment_id])
            by_vendor: dict[int, list[PaymentRunItem]] = {}
            for item in items:
                by_vendor.setdefault(item.vendor_id, []).append(item)
            vendors = {v.id: v for v in s.execute(select(Vendor).where(Vendor.id.in_(list(by_vendor)))).scalars()}
            numbers = []
            for vendor_id in sorted(by_vendor, key=lambda v: vendors[v].code):
                vendor = vendors[vendor_id]
                vendor_items = by_vendor[vendor_id]
                paid_items = [i for i in vendor_items if i.bill_id is not None]
                bill_items = sorted(
                    (i for i in paid_items if bills[i.bill_id].kind is not BillKind.CREDIT_NOTE),  # type: ignore[index]
                    key=lambda i: (bills[i.bill_id].due_date, i.bill_id),  # type: ignore[index]
                )
                note_items = sorted(
                    (i for i in paid_items if bills[i.bill_id].kind is BillKind.CREDIT_NOTE),  # type: ignore[index]
                    key=lambda i: (bills[i.bill_id].date, i.bill_id),  # type: ignore[index]
                )
                # money on account, oldest first, as far as the payment still holds it (it may have been
                # applied elsewhere since the proposal): the rest is paid in cash
                held = sorted(
                    (prepayments[i.on_account_payment_id] for i in vendor_items if i.on_account_payment_id),
                    key=lambda pair: (pair[0].date, pair[0].id),
                )
                wanted = {i.on_account_payment_id: i.amount for i in vendor_items if i.on_account_payment_id}
                on_account = [CreditTarget(pay.id, min(wanted[pay.id], src.available)) for pay, src in held]
                targets = [
                    BillTarget(
                        i.bill_id,
                        i.amount + i.withheld,
                        i.discount,
                        withholding_rate(bills[i.bill_id].withholding_e4, vendor),
                    )
                    for i in bill_items
                ]
                credits = [CreditTarget(i.bill_id, min(i.amount, bills[i.bill_id].open_amount)) for i in note_items]
                vendor_plan = plan(targets, credits, on_account)
                payment, rows = settle_vendor(
                    posting,
                    vendor=vendor,
                    bank_account_id=bank.id,
                    bank_gl_account_id=bank.gl_account_id,
                    currency=run.currency,
                    on=run.pay_date,
                    rate=rate,
                    vendor_plan=vendor_plan,
                    bills=bills,
                    run_id=run.id,
                    memo=f"Payment run {run.id}",
                    prepayments={pay.id: (pay, src) for pay, src in held},
                )
                settled_by = payment.id if payment is not None else rows[0].payment_id
                for item in vendor_items:
                    item.payment_id = settled_by
                if payment is not None:  # else money on account covered it all: nothing is sent
                    numbers.append(payment.number)
            run.state = PaymentRunState.POSTED
            run.posted_by = self.ctx.user_id
            run.posted_at = self.ctx.clock.now()
            s.flush()
            trail.record(
                s, self.ctx, "post", "payment_run", run.id, before={"state": "approved"},
                after={"state": "posted", "payments": numbers, "total": run.total},
            )  # fmt: skip
        return numbers, Changes.of(Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES)

    # -------------------------------------------------------------------------------------- files

    def run_batch(self, run_id: int) -> PaymentBatch:
        """The posted run as the bank file carries it: debtor = the bank account, one transfer per vendor
        (end-to-end id = the payment number, remittance = the vendor's invoice numbers). Opening the IBANs
        needs the data key."""
        self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
        with self._read(Permission.AP_VIEW) as s:
            return self._batch(s, _run(s, run_id))

    def _batch(self, s: Session, run: PaymentRun) -> PaymentBatch:
        _require_state(run, PaymentRunState.POSTED, doing="sent to the bank before it is posted (each transfer "
                       "carries its payment's number)")  # fmt: skip
        key = field_crypto.require_key(self.ctx)
        bank = s.get(BankAccount, run.bank_account_id)
        assert bank is not None
        company = s.execute(select(CompanySettings.name)).scalar_one()
        bank_iban = "" if bank.account_number is None else field_crypto.decrypt(key, bank.account_number, NUMBER_COLUMN)
        exponent = currency_exponent(run.currency)
        transfers = []
        for payment, vendor in s.execute(
            select(VendorPayment, Vendor)
            .join(Vendor, Vendor.id == VendorPayment.vendor_id)
            .where(VendorPayment.run_id == run.id, VendorPayment.voided_on.is_(None))
            .order_by(VendorPayment.number)
        ):
            references = s.execute(
                select(Bill.vendor_invoice, Bill.number)
                .join(PaymentAllocation, PaymentAllocation.bill_id == Bill.id)
                .where(_of_payment(payment))
                .distinct()
                .order_by(Bill.number)
            ).all()
            transfers.append(
                CreditTransfer(
                    end_to_end_id=payment.number,
                    creditor=_vendor_party(vendor, _vendor_iban(key, vendor)),
                    amount=_fmt(payment.amount, exponent),
                    currency=payment.currency,
                    remittance=remittance_text([inv or str(num) for inv, num in references]),
                    vendor_code=vendor.code,
                )
            )
        return PaymentBatch(
            message_id=run.message_id or f"PAKSA-RUN-{run.id}-{run.pay_date:%Y%m%d}",
            created_at=self.ctx.clock.now(),
            execution_date=run.pay_date,
            debtor=Party(company, bank_iban, _bic_of(bank_iban)),
            initiating_party=company,
            transfers=tuple(transfers),
        )

    @retry_writes
    def write_file(self, run_id: int, path: Path) -> tuple[PaymentBatch, Changes]:
        """Write the run's bank file: pain.001.001.03 XML, or CSV when `path` ends in .csv; the file's
        message id is kept on the run (a second file repeats it, so the bank refuses a duplicate)."""
        with self._unit(Permission.AP_PAYMENT_RUN_APPROVE) as s:
            run = _lock_run(s, run_id)
            batch = self._batch(s, run)
            if not batch.transfers:
                raise ValidationError(
                    f"payment run {run.id} sends nothing to the bank (money on account covered its bills, or its "
                    "payments were voided): there is no file to write"
                )
            data = payments_csv(batch).encode("utf-8") if Path(path).suffix.lower() == ".csv" else pain001_xml(batch)
            Path(path).write_bytes(data)
            if run.message_id != batch.message_id:
                run.message_id = batch.message_id
                s.flush()
            trail.record(
                s, self.ctx, "export", "payment_run", run.id,
                after={"file": Path(path).name, "message_id": batch.message_id, "transfers": batch.count},
            )  # fmt: skip
        return batch, Changes.of(Kind.PAYMENTS)

    def advices(self, run_id: int) -> list[RemittanceAdvice]:
        """One remittance advice per vendor paid by a posted run (the IBAN shown when the user holds the key)."""
        with self._read(Permission.AP_VIEW) as s:
            run = _run(s, run_id)
            _require_state(run, PaymentRunState.POSTED, doing="advised before it is posted")
            key = self.ctx.data_key if isinstance(self.ctx.data_key, field_crypto.FieldKey) else None
            company = s.execute(select(CompanySettings.name)).scalar_one()
            exponent = currency_exponent(run.currency)
            result = []
            for payment, vendor in s.execute(
                select(VendorPayment, Vendor)
                .join(Vendor, Vendor.id == VendorPayment.vendor_id)
                .where(VendorPayment.run_id == run.id, VendorPayment.voided_on.is_(None))
                .order_by(Vendor.code)
            ):
                lines = []
                allocations = s.execute(
                    select(PaymentAllocation, Bill)
                    .join(Bill, Bill.id == PaymentAllocation.bill_id)
                    .where(_of_payment(payment))
                    .order_by(Bill.due_date, Bill.id, PaymentAllocation.id)
                ).all()
                per_bill: dict[int, list[PaymentAllocation]] = {}
                bills: dict[int, Bill] = {}
                credits: dict[int, int] = {}
                prepaid: dict[int, int] = {}
                for a, bill in allocations:
                    per_bill.setdefault(bill.id, []).append(a)
                    bills[bill.id] = bill
                    if a.credit_note_id is not None:
                        credits[a.credit_note_id] = credits.get(a.credit_note_id, 0) + a.amount
                    elif a.payment_id != payment.id and a.payment_id is not None:
                        prepaid[a.payment_id] = prepaid.get(a.payment_id, 0) + a.amount
                for bill_id, pieces in per_bill.items():
                    bill = bills[bill_id]
                    lines.append(
                        RemittanceLine(
                            str(bill.number),
                            bill.vendor_invoice,
                            bill.date,
                            _fmt(bill.total, exponent),
                            _fmt(sum(a.discount for a in pieces), exponent),
                            _fmt(sum(a.withheld for a in pieces), exponent),
                            _fmt(sum(a.amount for a in pieces), exponent),
                        )
                    )
                for note_id, applied in credits.items():
                    note = s.get(Bill, note_id)
                    assert note is not None
                    lines.append(
                        RemittanceLine(
                            str(note.number),
                            note.vendor_invoice,
                            note.date,
                            -_fmt(note.total, exponent),
                            Decimal(0),
                            Decimal(0),
                            -_fmt(applied, exponent),
                        )
                    )
                for prepayment_id, applied in prepaid.items():
                    prepayment = s.get(VendorPayment, prepayment_id)
                    assert prepayment is not None
                    lines.append(
                        RemittanceLine(
                            prepayment.number,
                            PAID_ON_ACCOUNT,
                            prepayment.date,
                            -_fmt(prepayment.amount, exponent),
                            Decimal(0),
                            Decimal(0),
                            -_fmt(applied, exponent),
                        )
                    )
                result.append(
                    RemittanceAdvice(
                        company=Party(company, ""),
                        vendor=_vendor_party(vendor, _vendor_iban(key, vendor)),
                        vendor_code=vendor.code,
                        payment_date=payment.date,
                        payment_reference=payment.number,
                        currency=payment.currency,
                        lines=tuple(lines),
                    )
                )
            return result

    def write_remittances(self, run_id: int, folder: Path) -> list[Path]:
        """One remittance advice PDF per vendor of a posted run, written to `folder`."""
        self.ctx.require(Permission.AP_VIEW)
        return remittance_pdfs(self.advices(run_id), Path(folder))

    # -------------------------------------------------------------------------------------- schedule

    def schedule(self, from_day: date, weeks: int) -> list[ScheduleWeek]:
        """Open bills by due date, week by week from `from_day` (the first week also holds the overdue
        ones), with the cash each week needs per currency and in base at the bills' rates."""
        with self._read(Permission.AP_VIEW) as s:
            if weeks is None or weeks < 1 or weeks > 520:
                raise ValidationError("weeks: give 1 to 520")
            base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
            base_exponent = currency_exponent(base_currency)
            last = from_day + timedelta(days=7 * weeks - 1)
            rows = s.execute(
                select(Bill.number, Vendor.code, Vendor.name, Bill.due_date, Bill.currency, Bill.open_amount,
                       Bill.on_hold, Bill.rate)
                .join(Vendor, Vendor.id == Bill.vendor_id)
                .where(Bill.state.in_(OPEN_STATES), Bill.kind.in_(PAYABLE_KINDS), Bill.open_amount > 0,
                       Bill.due_date <= last)
                .order_by(Bill.due_date, Bill.number)
            ).all()  # fmt: skip
            buckets: list[list[tuple[ScheduleBill, int]]] = [[] for _ in range(weeks)]
            for number, code, name, due, currency, open_amount, on_hold, rate in rows:
                week = max(0, (due - from_day).days // 7)
                line = ScheduleBill(
                    str(number), code, name, due, currency, _fmt(open_amount, currency_exponent(currency)), on_hold
                )
                buckets[week].append((line, to_base(open_amount, Decimal(rate), currency, base_currency)))
            result = []
            for n, bucket in enumerate(buckets):
                totals: dict[str, Decimal] = {}
                for line, _base in bucket:
                    totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.open_amount
                start = from_day + timedelta(days=7 * n)
                result.append(
                    ScheduleWeek(
                        start,
                        start + timedelta(days=6),
                        tuple(line for line, _base in bucket),
                        tuple(sorted(totals.items())),
                        _fmt(sum(base for _line, base in bucket), base_exponent),
                    )
                )
            return result


def _of_payment(payment: VendorPayment) -> ColumnElement[bool]:
    """The allocations a payment made: its own, and the money on account it applied in its entry."""
    return or_(PaymentAllocation.payment_id == payment.id, PaymentAllocation.entry_id == payment.entry_id)


def _lock_payments(s: Session, ids: Sequence[int | None]) -> dict[int, tuple[VendorPayment, Source]]:
    """The payments whose money on account a run uses (row-locked on PostgreSQL), each with what is left."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    stmt = select(VendorPayment).where(VendorPayment.id.in_(wanted)).order_by(VendorPayment.id)
    if is_postgres(s):
        stmt = stmt.with_for_update()
    result = {}
    for payment in s.execute(stmt).scalars():
        if payment.voided_on is not None:
            raise ValidationError(
                f"payment {payment.number} was voided on {payment.voided_on}: its money on account is gone; "
                "cancel the run and propose it again"
            )
        result[payment.id] = (payment, source_of_payment(s, payment))
    return result


def _run(s: Session, run_id: int) -> PaymentRun:
    run = s.get(PaymentRun, run_id) if run_id is not None else None
    if run is None:
        raise NotFoundError(f"payment run {run_id} does not exist")
    return run
