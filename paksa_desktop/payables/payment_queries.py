"""Read models of the payment screens: the bank accounts payments leave from (with their balance), the
payment runs list (who proposed and approved each), the vendor payments list, a vendor's open bills and
credit notes for a single payment, and the discounts that run out week by week.

`preview_payment` works out what a single payment would do (discounts, withholding, credit notes, what
leaves the bank) with the very planner and target rules `PaymentService.pay` posts with, so the pay dialog
shows exactly what will be posted and has no formula of its own. Every method needs `payables.view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from paksa_desktop.banking.cash_position import gl_balances
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.core.errors import PaksaError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import CompanySettings
from paksa_desktop.payables.allocation import OPEN_STATES, PAYABLE_KINDS, CreditTarget, early_discount, plan
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
from paksa_desktop.payables.payment_runs import _bank_balance
from paksa_desktop.payables.payments import (
    BillToPay,
    PaymentService,
    bills_in_open_runs,
    paying_bank,
    vendor_by_code,
)
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import SecurityPolicy, User
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class PayingBank:
    """An active bank account payments may leave from; `balance` None when no rate values it today."""

    name: str
    currency: str
    balance: Decimal | None  # GL balance today, in the account's currency
    base_balance: Decimal  # the same in the base currency (the GL's own figure)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.currency})"


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    state: PaymentRunState
    pay_date: date
    cutoff_date: date
    next_run_date: date | None
    bank_account: str
    currency: str
    vendors: int
    bills: int
    total: Decimal
    proposer: str
    approver: str
    poster: str
    message_id: str
    approve_blocked: str  # why the current user may not approve it (segregation of duties), else ""


@dataclass(frozen=True, slots=True)
class PaymentListRow:
    number: str
    date: date
    vendor: str
    vendor_name: str
    bank_account: str
    currency: str
    amount: Decimal  # what left the bank
    discount: Decimal
    withheld: Decimal
    run_id: int | None
    reference: str
    voided_on: date | None
    void_reason: str
    unapplied: Decimal = Decimal(0)  # paid on account, not yet applied or refunded

    @property
    def voided(self) -> bool:
        return self.voided_on is not None


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open bill or credit note of a vendor; amounts in minor units named as on `Bill`, so the payment
    service's own target rule reads it (`PaymentService._target`)."""

    id: int
    number: str
    kind: BillKind
    vendor_invoice: str
    date: date
    due_date: date
    discount_date: date | None
    discount_e4: int
    withholding_e4: int
    total: int
    open_amount: int
    exponent: int
    in_run: int | None  # the open payment run that holds it

    @property
    def open_value(self) -> Decimal:
        return from_minor(self.open_amount, self.exponent)

    def discount_on(self, day: date) -> Decimal:
        """The early-payment discount a payment settling it in full on `day` earns."""
        units = min(early_discount(self.total, self.discount_e4, self.discount_date, day), self.open_amount)
        return from_minor(units, self.exponent)


@dataclass(frozen=True, slots=True)
class VendorOpenItems:
    vendor: str
    name: str
    currency: str  # the bank account's: only bills in it can be paid from it
    withholding: bool
    withholding_rate_e4: int
    bills: tuple[OpenItem, ...]  # due first
    credit_notes: tuple[OpenItem, ...]  # oldest first
    other_currency: int  # open bills of the vendor in another currency (not payable from this account)

    @property
    def withholding_percent(self) -> Decimal:
        return Decimal(self.withholding_rate_e4) / 10_000


@dataclass(frozen=True, slots=True)
class BillPreview:
    bill: str
    discount: Decimal
    credited: Decimal
    withheld: Decimal
    cash: Decimal


@dataclass(frozen=True, slots=True)
class PaymentPreview:
    bills: tuple[BillPreview, ...]
    discount: Decimal
    credited: Decimal
    withheld: Decimal
    cash: Decimal  # leaves the bank


@dataclass(frozen=True, slots=True)
class ExpiringDiscount:
    bill: str
    vendor: str
    discount_date: date
    currency: str
    discount: Decimal
    base_discount: Decimal  # at the bill's rate


def preview_payment(
    items: VendorOpenItems, amounts: Mapping[str, Decimal | None], credit_notes: Sequence[str], on: date
) -> PaymentPreview:
    """What paying `amounts` (bill number -> amount, None: all that is open) with `credit_notes` on `on`
    does: the payment service's targets and planner, without a database. Raises what `pay` would raise
    about an amount (more than open, nothing, too many decimals)."""
    exponent = currency_exponent(items.currency)
    by_number = {b.number: b for b in items.bills}
    targets = [
        PaymentService._target(by_number[n], items, BillToPay(n, a), exponent, on)  # type: ignore[arg-type]
        for n, a in amounts.items()
    ]
    notes = {n.number: n for n in items.credit_notes}
    result = plan(targets, [CreditTarget(notes[n].id, notes[n].open_amount) for n in credit_notes if n in notes])
    numbers = {b.id: b.number for b in items.bills}

    def money(units: int) -> Decimal:
        return from_minor(units, exponent)

    return PaymentPreview(
        tuple(
            BillPreview(numbers[s.bill_id], money(s.discount), money(s.credited), money(s.withheld), money(s.cash))
            for s in result.bills
        ),
        money(result.discount),
        money(sum(s.credited for s in result.bills)),
        money(result.withheld),
        money(result.cash),
    )


class PaymentQueries(GuardedService):
    """What the payment schedule, payment runs and payments screens read (`payables.view`)."""

    def banks(self) -> list[PayingBank]:
        """Active bank accounts with their GL balance today (None in the account's currency without a rate)."""
        with self._read(Permission.AP_VIEW) as s:
            base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
            rows = s.execute(select(BankAccount).where(BankAccount.is_active).order_by(BankAccount.name)).scalars()
            banks = list(rows)
            balances = gl_balances(s, [b.gl_account_id for b in banks], self.ctx.clock.today())
            result = []
            for bank in banks:
                try:
                    balance: Decimal | None = _bank_balance(s, bank, self.ctx.clock.today(), base_currency)
                except PaksaError:  # no rate today: shown as unknown, never guessed
                    balance = None
                base = from_minor(balances.get(bank.gl_account_id, 0), currency_exponent(base_currency))
                result.append(PayingBank(bank.name, bank.currency, balance, base))
            return result

    def runs(self) -> list[RunRow]:
        """Every payment run, newest first, with who proposed, approved and posted it."""
        with self._read(Permission.AP_VIEW) as s:
            proposer, approver, poster = aliased(User), aliased(User), aliased(User)
            sod = bool(s.execute(select(SecurityPolicy.creator_cannot_approve).where(SecurityPolicy.id == 1)).scalar())
            counts = {
                run_id: (vendors, bills)
                for run_id, vendors, bills in s.execute(
                    select(
                        PaymentRunItem.run_id,
                        func.count(func.distinct(PaymentRunItem.vendor_id)),
                        func.count(PaymentRunItem.id),
                    )
                    .join(Bill, Bill.id == PaymentRunItem.bill_id)
                    .where(PaymentRunItem.included, Bill.kind != BillKind.CREDIT_NOTE)
                    .group_by(PaymentRunItem.run_id)
                )
            }
            rows = s.execute(
                select(PaymentRun, BankAccount.name, proposer.username, approver.username, poster.username)
                .join(BankAccount, BankAccount.id == PaymentRun.bank_account_id)
                .join(proposer, proposer.id == PaymentRun.proposed_by)
                .outerjoin(approver, approver.id == PaymentRun.approved_by)
                .outerjoin(poster, poster.id == PaymentRun.posted_by)
                .order_by(PaymentRun.id.desc())
            ).all()
            result = []
            for run, bank, proposed, approved, posted in rows:
                vendors, bills = counts.get(run.id, (0, 0))
                blocked = ""
                if sod and run.proposed_by == self.ctx.user_id:
                    blocked = "you proposed this run; the company's segregation-of-duties policy needs another approver"
                result.append(
                    RunRow(
                        run.id, run.state, run.pay_date, run.cutoff_date, run.next_run_date, bank, run.currency,
                        int(vendors), int(bills), from_minor(run.total, currency_exponent(run.currency)),
                        proposed, approved or "", posted or "", run.message_id, blocked,
                    )
                )  # fmt: skip
            return result

    def payments(self, vendor: str | None = None) -> list[PaymentListRow]:
        """Vendor payments, newest first (voided ones included, marked)."""
        with self._read(Permission.AP_VIEW) as s:
            sums = {
                pid: (int(d), int(w))
                for pid, d, w in s.execute(
                    select(
                        PaymentAllocation.payment_id,
                        func.coalesce(func.sum(PaymentAllocation.discount), 0),
                        func.coalesce(func.sum(PaymentAllocation.withheld), 0),
                    )
                    .where(PaymentAllocation.payment_id.is_not(None))
                    .group_by(PaymentAllocation.payment_id)
                )
            }
            stmt = (
                select(VendorPayment, Vendor.code, Vendor.name, BankAccount.name)
                .join(Vendor, Vendor.id == VendorPayment.vendor_id)
                .join(BankAccount, BankAccount.id == VendorPayment.bank_account_id)
            )
            if vendor:
                stmt = stmt.where(Vendor.code == vendor.strip())
            result = []
            for p, code, name, bank in s.execute(stmt.order_by(VendorPayment.date.desc(), VendorPayment.id.desc())):
                e = currency_exponent(p.currency)
                discount, withheld = sums.get(p.id, (0, 0))
                result.append(
                    PaymentListRow(
                        p.number, p.date, code, name, bank, p.currency, from_minor(p.amount, e),
                        from_minor(discount, e), from_minor(withheld, e), p.run_id, p.reference, p.voided_on,
                        p.void_reason, from_minor(p.unapplied, e),
                    )
                )  # fmt: skip
            return result

    def open_items(self, vendor: str, bank_account: str) -> VendorOpenItems:
        """A vendor's open bills and credit notes payable from the bank account (its currency)."""
        with self._read(Permission.AP_VIEW) as s:
            row = vendor_by_code(s, vendor)
            bank = paying_bank(s, bank_account)
            exponent = currency_exponent(bank.currency)
            found = s.execute(
                select(Bill)
                .where(
                    Bill.vendor_id == row.id,
                    Bill.state.in_(OPEN_STATES),
                    Bill.open_amount > 0,
                )
                .order_by(Bill.due_date, Bill.date, Bill.id)
            ).scalars()
            bills = list(found)
            busy = bills_in_open_runs(s, [b.id for b in bills])
            payable, notes, other = [], [], 0
            for b in bills:
                if b.currency != bank.currency:
                    other += b.kind in PAYABLE_KINDS
                    continue
                item = OpenItem(
                    b.id, str(b.number), b.kind, b.vendor_invoice, b.date, b.due_date, b.discount_date,
                    b.discount_e4, b.withholding_e4, b.total, b.open_amount, exponent, busy.get(b.id),
                )  # fmt: skip
                (notes if b.kind is BillKind.CREDIT_NOTE else payable).append(item)
            notes.sort(key=lambda n: (n.date, n.id))
            return VendorOpenItems(
                row.code, row.name, bank.currency, row.withholding, row.withholding_rate_e4,
                tuple(payable), tuple(notes), other,
            )  # fmt: skip

    def expiring_discounts(self, start: date, end: date) -> list[ExpiringDiscount]:
        """Open bills whose early-payment discount runs out between `start` and `end` (both included)."""
        with self._read(Permission.AP_VIEW) as s:
            rows = s.execute(
                select(Bill.number, Vendor.code, Bill.discount_date, Bill.currency, Bill.total, Bill.discount_e4,
                       Bill.open_amount, Bill.rate)
                .join(Vendor, Vendor.id == Bill.vendor_id)
                .where(Bill.state.in_(OPEN_STATES), Bill.kind.in_(PAYABLE_KINDS), Bill.open_amount > 0,
                       Bill.discount_e4 > 0, Bill.discount_date >= start, Bill.discount_date <= end)
                .order_by(Bill.discount_date, Bill.number)
            ).all()  # fmt: skip
            base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
            base_exponent = currency_exponent(base_currency)
            result = []
            for number, code, until, currency, total, percent, open_amount, rate in rows:
                units = min(early_discount(total, percent, until, until), open_amount)
                base = to_base(units, Decimal(rate), currency, base_currency)
                result.append(
                    ExpiringDiscount(
                        str(number), code, until, currency, from_minor(units, currency_exponent(currency)),
                        from_minor(base, base_exponent),
                    )
                )  # fmt: skip
            return result
