"""Payables in bank matching: open bills, vendor credit notes and posted payment runs as open items of
the matcher (banking/matching.py), and the arithmetic of paying a bill from a bank line.

- **Bills and expense claims** open on a day (posted or partly paid, not in an open payment run, which
  will pay them) are money expected out: the item's amount is minus what a payment of the whole open
  amount would take from the bank, that is the open amount less the tax withheld for a withholding
  vendor (the early-payment discount is not assumed: a line paying less by the discount date is found
  as a part payment and, accepted, books the discount). Number: ours ("BILL-2025-0042"); reference:
  the vendor's invoice number; counterparty: the vendor's name, and their IBAN when the user holds the
  data key that opens it; due: the due date.
- **Vendor credit notes** still open, and **payments on account** (a payment's unapplied remainder: a
  prepayment), are money the vendor may refund (positive). Accepting a money-in line for them books a
  vendor refund of each (vendor_credit.py: Dr bank, Cr payable), linked to the line. Number: the credit
  note's or payment's; reference: the vendor's credit note number or the payment's reference;
  counterparty: the vendor's name and IBAN.
- **Payment runs**: a posted run from this bank account whose payments (two or more, not voided) no
  bank line has cleared yet is ONE item of minus the run's total: the bank books the pain.001 batch as a
  single debit (`BtchBookg`). Its number is the file's message id (what the bank quotes back), its
  further references the run's payment numbers. A run of one payment is left to the GL source (its
  payment's bank line is that very item), and so is a run paid before the account's opening reconciled
  date (the opening balance holds it). Accepting links the bank line to every payment's GL line on the
  bank account: all cleared together.

Keys (`OpenItem.id`): "bill:12", "expense_claim:14", "credit_note:13", "payment:7", "run:5".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from paksa_desktop.banking.candidates import ItemSource, OpenItem
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.banking.recon_models import BankLineLink
from paksa_desktop.core.errors import ConflictError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import JournalLine
from paksa_desktop.payables.allocation import OPEN_STATES, PERCENT_E4, early_discount, withholding
from paksa_desktop.payables.models import (
    Bill,
    BillKind,
    PaymentRun,
    PaymentRunItem,
    PaymentRunState,
    Vendor,
    VendorPayment,
)
from paksa_desktop.payables.payments import OPEN_RUN_STATES
from paksa_desktop.security import field_crypto
from paksa_desktop.security.context import UserContext

RUN = "run"
CREDIT_PAYMENT = "payment"  # a payment's unapplied remainder, refundable like a credit note
VENDOR_IBAN_COLUMN = "vendors.iban"  # the associated data vendor IBANs are sealed with (payment_runs.py)


def run_message_id(run: PaymentRun) -> str:
    """The message id of a run's bank file: the one written, else the one a file would carry."""
    return run.message_id or f"PAKSA-RUN-{run.id}-{run.pay_date:%Y%m%d}"


def _rate(bill_rate_e4: int, vendor_withholds: bool, vendor_rate_e4: int) -> int:
    if bill_rate_e4:
        return bill_rate_e4
    return vendor_rate_e4 if vendor_withholds else 0


def cash_of(settle: int, rate_e4: int) -> int:
    """What reaches the vendor (and leaves the bank) when `settle` is paid: less the tax withheld."""
    return settle - withholding(settle, rate_e4)


def gross_up(cash: int, rate_e4: int, where: str) -> int:
    """The amount settled on a bill whose payment, less the tax withheld, is exactly `cash`."""
    if not rate_e4:
        return cash
    guess = cash * PERCENT_E4 // (PERCENT_E4 - rate_e4)
    for settle in (guess, guess + 1, guess - 1, guess + 2):
        if settle > 0 and cash_of(settle, rate_e4) == cash:
            return settle
    raise ValidationError(f"{where}: no amount less its withholding makes exactly {cash} minor units; pay it by hand")


class PayableCandidates:
    """Open bills (-), vendor credit notes and payments on account (+) and uncleared posted payment runs (-)
    of one bank account."""

    def __init__(self, s: Session, bank: BankAccount, ctx: UserContext | None = None) -> None:
        self.s = s
        self.bank = bank
        key = getattr(ctx, "data_key", None)
        self.key = key if isinstance(key, field_crypto.FieldKey) else None

    def items(self, account_currency: str, as_of: date) -> Iterable[OpenItem]:
        return [*self._bills(as_of), *self._on_account(as_of), *self._runs(as_of)]

    def _on_account(self, as_of: date) -> list[OpenItem]:
        """Payments with money left on account: what the vendor may pay back (positive)."""
        rows = self.s.execute(
            select(VendorPayment, Vendor.name)
            .join(Vendor, Vendor.id == VendorPayment.vendor_id)
            .where(VendorPayment.unapplied > 0, VendorPayment.voided_on.is_(None), VendorPayment.date <= as_of)
            .order_by(VendorPayment.id)
        ).all()
        ibans = self._ibans() if rows else {}
        return [
            OpenItem(
                ItemSource.PAYABLE, f"{CREDIT_PAYMENT}:{p.id}", p.number,
                from_minor(p.unapplied, currency_exponent(p.currency)), p.currency, p.date, due=p.date,
                counterparty=name, counterparty_account=ibans.get(p.vendor_id, ""), reference=p.reference,
                label="payment on account",
            )
            for p, name in rows
        ]  # fmt: skip

    def _ibans(self) -> dict[int, str]:
        if self.key is None:
            return {}
        found = {}
        for vendor_id, sealed in self.s.execute(select(Vendor.id, Vendor.iban).where(Vendor.iban.is_not(None))):
            try:
                found[vendor_id] = field_crypto.decrypt(self.key, sealed, VENDOR_IBAN_COLUMN)
            except field_crypto.DecryptionError:  # sealed under another key: matched by name only
                continue
        return found

    def _bills(self, as_of: date) -> list[OpenItem]:
        in_run = exists().where(
            PaymentRunItem.bill_id == Bill.id,
            PaymentRunItem.included,
            PaymentRunItem.run_id == PaymentRun.id,
            PaymentRun.state.in_(OPEN_RUN_STATES),
        )
        rows = self.s.execute(
            select(
                Bill.id, Bill.kind, Bill.number, Bill.vendor_invoice, Bill.date, Bill.due_date, Bill.currency,
                Bill.open_amount, Bill.withholding_e4, Bill.vendor_id, Vendor.name, Vendor.withholding,
                Vendor.withholding_rate_e4,
            )
            .join(Vendor, Vendor.id == Bill.vendor_id)
            .where(Bill.state.in_(OPEN_STATES), Bill.open_amount > 0, Bill.date <= as_of, ~in_run)
            .order_by(Bill.id)
        ).all()  # fmt: skip
        ibans = self._ibans() if rows else {}
        found = []
        for bid, kind, number, invoice, day, due, currency, open_units, bill_rate, vid, name, withholds, rate in rows:
            kind = BillKind(kind)
            if kind is BillKind.CREDIT_NOTE:
                units, label = open_units, "vendor credit note"
            else:
                units = -cash_of(open_units, _rate(bill_rate, withholds, rate))
                label = "expense claim" if kind is BillKind.EXPENSE_CLAIM else "bill"
            found.append(
                OpenItem(
                    ItemSource.PAYABLE,
                    f"{kind.value}:{bid}",
                    str(number),
                    from_minor(units, currency_exponent(currency)),
                    currency,
                    day,
                    due=due,
                    counterparty=name,
                    counterparty_account=ibans.get(vid, ""),
                    reference=invoice,
                    label=label,
                )
            )
        return found

    def _runs(self, as_of: date) -> list[OpenItem]:
        gl = self.bank.gl_account_id
        cleared = exists().where(BankLineLink.journal_line_id == JournalLine.id)
        rows = self.s.execute(
            select(PaymentRun, VendorPayment.number, VendorPayment.amount, cleared)
            .join(VendorPayment, VendorPayment.run_id == PaymentRun.id)
            .join(JournalLine, (JournalLine.entry_id == VendorPayment.entry_id) & (JournalLine.account_id == gl))
            .where(
                PaymentRun.bank_account_id == self.bank.id,
                PaymentRun.state == PaymentRunState.POSTED,
                PaymentRun.pay_date <= as_of,
                VendorPayment.voided_on.is_(None),
                *([PaymentRun.pay_date > self.bank.reconciled_from] if self.bank.reconciled_from else []),
            )
            .order_by(PaymentRun.id, VendorPayment.number)
        ).all()
        runs: dict[int, tuple[PaymentRun, list[tuple[str, int]], bool]] = {}
        for run, number, amount, is_cleared in rows:
            _, payments, any_cleared = runs.get(run.id, (run, [], False))
            payments.append((str(number), int(amount)))
            runs[run.id] = (run, payments, any_cleared or bool(is_cleared))
        found = []
        for run, payments, any_cleared in runs.values():
            if any_cleared or len(payments) < 2:
                continue
            message = run_message_id(run)
            found.append(
                OpenItem(
                    ItemSource.PAYABLE,
                    f"{RUN}:{run.id}",
                    message,
                    -from_minor(sum(a for _n, a in payments), currency_exponent(run.currency)),
                    run.currency,
                    run.pay_date,
                    due=run.pay_date,
                    references=tuple(n for n, _a in payments),
                    label="payment run",
                    title=f"payment run {run.id} ({message})",
                )
            )
        return found


def run_bank_lines(s: Session, run_id: int, bank: BankAccount) -> list[int]:
    """The journal lines on the bank's GL account of a posted run's payments (not voided), none cleared."""
    run = s.get(PaymentRun, run_id)
    if run is None or run.state is not PaymentRunState.POSTED or run.bank_account_id != bank.id:
        raise ConflictError(f"payment run {run_id} is no longer a posted run of {bank.name}")
    rows = s.execute(
        select(JournalLine.id)
        .join(VendorPayment, VendorPayment.entry_id == JournalLine.entry_id)
        .where(
            VendorPayment.run_id == run_id,
            VendorPayment.voided_on.is_(None),
            JournalLine.account_id == bank.gl_account_id,
        )
        .order_by(JournalLine.id)
    ).scalars().all()  # fmt: skip
    if not rows:
        raise ConflictError(f"payment run {run_id} has no payment left to clear (voided)")
    taken = s.execute(select(BankLineLink.journal_line_id).where(BankLineLink.journal_line_id.in_(rows))).first()
    if taken is not None:
        raise ConflictError(f"a payment of run {run_id} was cleared by another bank line meanwhile")
    return list(rows)


def bill_payment(bill: Bill, vendor: Vendor, cash: int, on: date) -> tuple[Decimal | None, Decimal | None]:
    """(amount, discount) of a `BillToPay` whose payment on `on` takes exactly `cash` from the bank:
    the whole bill with its early-payment discount when `cash` is what that leaves, else the whole bill
    without it, else a part (grossed up for the withholding)."""
    exponent = currency_exponent(bill.currency)
    rate = _rate(bill.withholding_e4, vendor.withholding, vendor.withholding_rate_e4)
    discount = min(early_discount(bill.total, bill.discount_e4, bill.discount_date, on), bill.open_amount)
    if discount and cash == cash_of(bill.open_amount - discount, rate):
        return None, None
    if cash == cash_of(bill.open_amount, rate):
        return from_minor(bill.open_amount, exponent), Decimal(0)
    settle = gross_up(cash, rate, f"bill {bill.number}")
    return from_minor(settle, exponent), Decimal(0)
