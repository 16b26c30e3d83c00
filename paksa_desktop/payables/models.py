"""Accounts payable: vendors, bills and vendor credit notes, payments and their allocations, payment
runs, recurring bills and expense claims (migration 0019).

Money is integer minor units: a document's amounts in its own currency, `base_*` in the company's
base currency. Rates are kept as exact decimal text (base units per unit of the currency), percentages
as integer ten-thousandths of a percent (`_e4`: 30 % is 300000), like receivables.

A posted expense claim becomes a bill of kind `expense_claim` owed to the claimant (a vendor marked
`is_employee`), so payment runs, allocation and aging know one kind of open item.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime
from paksa_desktop.security.field_crypto import SealedText


class BillKind(enum.StrEnum):
    BILL = "bill"
    CREDIT_NOTE = "credit_note"  # a vendor credit note: reduces what is owed
    EXPENSE_CLAIM = "expense_claim"  # what the company owes an employee for an approved claim


class BillState(enum.StrEnum):
    """Where a bill stands: entered, checked, paid. After posting it follows from its allocations."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for approval
    APPROVED = "approved"  # may be posted
    POSTED = "posted"  # nothing paid yet
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"  # a credit note: fully applied


class ApprovalAction(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"  # back to draft, with the reason
    DUPLICATE_OVERRIDE = "duplicate_override"  # posted although it looked like a duplicate, with the reason


class AllocationKind(enum.StrEnum):
    PAYMENT = "payment"  # a payment allocated to a bill
    CREDIT = "credit"  # a vendor credit note applied to a bill


class PaymentRunState(enum.StrEnum):
    PROPOSED = "proposed"  # being edited by the treasurer
    APPROVED = "approved"  # released: the file may be written, the payments posted
    POSTED = "posted"  # payments posted, bills marked paid
    CANCELLED = "cancelled"


class ClaimState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    POSTED = "posted"  # its bill (kind expense_claim) is open to be reimbursed
    REIMBURSED = "reimbursed"


class PayablesSettings(Base):
    """The company's payables accounts, journals, numbering series and approval policy (one row)."""

    __tablename__ = "payables_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payable_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    employee_payable_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # expense claims
    expense_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # when neither line nor vendor says
    input_tax_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # when the tax code names none
    discount_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # early-payment discounts taken
    withholding_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # tax withheld, owed to the state
    fx_gain_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fx_loss_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    purchases_journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    payments_journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    bill_series: Mapped[str] = mapped_column(String(16), default="BILL")
    credit_note_series: Mapped[str] = mapped_column(String(16), default="VCN")
    payment_series: Mapped[str] = mapped_column(String(16), default="PMT")
    claim_series: Mapped[str] = mapped_column(String(16), default="EXP")
    # bills whose base total is at or above this need a holder of payables.bill.approve; None: every bill
    approval_threshold: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duplicate_days: Mapped[int] = mapped_column(Integer, default=7)  # same vendor and amount within N days
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms: Mapped[str] = mapped_column(String(40))  # canonical text (PaymentTerms.text())
    expense_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    address_lines: Mapped[str] = mapped_column(Text, default="")  # street lines, one per line
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    # bank details, encrypted with the company data key; the last four characters stay readable
    iban: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    account_number: Mapped[str | None] = mapped_column(SealedText, nullable=True)  # when there is no IBAN
    bank_last4: Mapped[str] = mapped_column(String(4), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    routing_number: Mapped[str] = mapped_column(String(20), default="")
    withholding: Mapped[bool] = mapped_column(Boolean, default=False)  # 1099 / withholding vendor
    withholding_rate_e4: Mapped[int] = mapped_column(Integer, default=0)  # percent x 10,000, withheld on payment
    is_employee: Mapped[bool] = mapped_column(Boolean, default=False)  # a claimant reimbursed for expenses
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # the claimant's login
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    contacts: Mapped[list[VendorContact]] = relationship(
        cascade="all, delete-orphan", order_by="VendorContact.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class VendorContact(Base):
    __tablename__ = "vendor_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")


class Bill(Base):
    """A bill, vendor credit note or posted expense claim.

    `number` is ours, taken from a gap-free series at posting; `vendor_invoice` is the vendor's. `open_amount`
    is what is still to pay (a credit note: still to apply) and always equals `total` less the
    allocations not reversed.
    """

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[BillKind] = mapped_column(_enum(BillKind, "bill_kind"))
    state: Mapped[BillState] = mapped_column(_enum(BillState, "bill_state"), default=BillState.DRAFT)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    number: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    series: Mapped[str] = mapped_column(String(16))
    fiscal_year_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_years.id"), nullable=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vendor_invoice: Mapped[str] = mapped_column(String(64), default="")
    date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(String(40), default="")
    discount_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # last day of the early-payment discount
    discount_e4: Mapped[int] = mapped_column(Integer, default=0)  # early-payment discount, percent x 10,000
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32), default="1")  # base units per unit of `currency`
    control_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # payable or employee payable
    memo: Mapped[str] = mapped_column(Text, default="")
    net_total: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_total: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    base_total: Mapped[int] = mapped_column(BigInteger, default=0)
    open_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    withholding_e4: Mapped[int] = mapped_column(Integer, default=0)  # the vendor's rate when posted
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)  # kept out of payment proposals
    credited_bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True)
    recurring_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_bills.id"), nullable=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("expense_claims.id"), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[BillLine]] = relationship(cascade="all, delete-orphan", order_by="BillLine.line_no")

    __table_args__ = (
        UniqueConstraint("series", "fiscal_year_id", "sequence"),
        Index("ix_bills_vendor_state", "vendor_id", "state"),
        Index("ix_bills_state_due", "state", "due_date"),
        Index("ix_bills_vendor_invoice", "vendor_id", "vendor_invoice"),
        {"sqlite_autoincrement": True},
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BillLine(Base):
    """A line as entered; `net` and `tax` (recoverable input tax) are fixed when the bill is saved."""

    __tablename__ = "bill_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity_e4: Mapped[int] = mapped_column(BigInteger)  # quantity x 10,000
    unit_price: Mapped[int] = mapped_column(BigInteger)
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    net: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)


class BillApproval(Base):
    """One step of a bill's approval history: who submitted, approved, rejected or overrode, and why."""

    __tablename__ = "bill_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    action: Mapped[ApprovalAction] = mapped_column(_enum(ApprovalAction, "bill_approval_action"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class RecurringBill(Base):
    """A template raising a bill from a vendor every month, quarter or year until its end date (rent)."""

    __tablename__ = "recurring_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    frequency: Mapped[str] = mapped_column(String(16))  # monthly, quarterly, yearly (ledger Frequency)
    next_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    lines_json: Mapped[str] = mapped_column(Text)  # the lines as bill line inputs
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PaymentRun(Base):
    """A batch of payments from one bank account on one day: proposed, approved, then posted."""

    __tablename__ = "payment_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[PaymentRunState] = mapped_column(_enum(PaymentRunState, "payment_run_state"))
    pay_date: Mapped[date] = mapped_column(Date)
    cutoff_date: Mapped[date] = mapped_column(Date)  # bills due on or before it are proposed
    next_run_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # discounts expiring before it are taken
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger, default=0)  # what leaves the bank, minor units of `currency`
    message_id: Mapped[str] = mapped_column(String(35), default="")  # the payment file's MsgId once written
    memo: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[PaymentRunItem]] = relationship(cascade="all, delete-orphan", order_by="PaymentRunItem.id")

    __table_args__ = ({"sqlite_autoincrement": True},)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PaymentRunItem(Base):
    """A bill (or a credit note taken into account) in a run, with what the run pays on it; or money the
    vendor holds on account (`on_account_payment_id`, no bill) with what the run uses of it."""

    __tablename__ = "payment_run_items"
    __table_args__ = (CheckConstraint("(bill_id IS NULL) <> (on_account_payment_id IS NULL)", name="one_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), index=True, nullable=True)
    on_account_payment_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_payments.id"), nullable=True)
    # taken off the bill's open amount by cash (credit note, money on account: applied)
    amount: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    withheld: Mapped[int] = mapped_column(BigInteger, default=0)
    included: Mapped[bool] = mapped_column(Boolean, default=True)  # unticked by the treasurer: not paid
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_payments.id"), nullable=True)


class VendorPayment(Base):
    """Money paid to a vendor from a bank account; `unapplied` is the part not allocated (a prepayment)."""

    __tablename__ = "vendor_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32), default="bank transfer")
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32), default="1")
    amount: Mapped[int] = mapped_column(BigInteger)  # what left the bank
    base_amount: Mapped[int] = mapped_column(BigInteger)
    unapplied: Mapped[int] = mapped_column(BigInteger, default=0)
    # the payable control account an unapplied remainder sits on (migration 0024; NULL before it)
    control_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    reference: Mapped[str] = mapped_column(String(140), default="")  # remittance text / end-to-end id
    memo: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("payment_runs.id"), nullable=True, index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    voided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    void_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("fiscal_year_id", "sequence"), {"sqlite_autoincrement": True})
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PaymentAllocation(Base):
    """What settled (part of) a bill; never deleted, only reversed (a voided payment reopens its bills).

    `amount` + `discount` + `withheld` is what it took off the bill's open amount (bill currency);
    `amount` alone is what it took from the payment or credit note. `base_amount` is the payable relieved
    at the bill's rate, `source_base` what it used of the payment's base value at the payment's rate; the
    difference, less discount and withholding, is the realised exchange difference.
    """

    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AllocationKind] = mapped_column(_enum(AllocationKind, "allocation_kind"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_payments.id"), nullable=True, index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True, index=True)
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    withheld: Mapped[int] = mapped_column(BigInteger, default=0)
    base_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    source_base: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    reversed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VendorRefund(Base):
    """Money a vendor paid back: the rest of a prepayment (`payment_id`) or of an open credit note
    (`credit_note_id`), into a bank account (migration 0024). `amount` is in the source's currency,
    `base_amount` what reached the bank at the refund's rate, `source_base` what it used of the source's
    base value; voided, never deleted."""

    __tablename__ = "vendor_refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_payments.id"), nullable=True, index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True, index=True)
    date: Mapped[date] = mapped_column(Date)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32), default="1")
    amount: Mapped[int] = mapped_column(BigInteger)
    base_amount: Mapped[int] = mapped_column(BigInteger)
    source_base: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(140), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    voided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    void_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ExpenseCategory(Base):
    """What an expense is (travel, meals, ...): the account it posts to and the policy limits (base units)."""

    __tablename__ = "expense_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    limit_per_line: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    limit_per_day: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ExpenseClaim(Base):
    """An employee's claim for expenses paid out of pocket; reimbursed in the base currency."""

    __tablename__ = "expense_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    # the vendor with is_employee standing for the author (created_by); set when the claim is approved
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"), index=True, nullable=True)
    state: Mapped[ClaimState] = mapped_column(_enum(ClaimState, "claim_state"), default=ClaimState.DRAFT)
    title: Mapped[str] = mapped_column(String(200), default="")
    total: Mapped[int] = mapped_column(BigInteger, default=0)  # base minor units
    tax_total: Mapped[int] = mapped_column(BigInteger, default=0)
    policy_flags: Mapped[str] = mapped_column(Text, default="")  # what broke a policy limit at submission
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[ExpenseClaimLine]] = relationship(
        cascade="all, delete-orphan", order_by="ExpenseClaimLine.line_no"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ExpenseClaimLine(Base):
    """One expense: spent in `currency`, converted at the day's rate; the receipt is a document version."""

    __tablename__ = "expense_claim_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("expense_claims.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    category_id: Mapped[int] = mapped_column(ForeignKey("expense_categories.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of `currency`, tax included
    rate: Mapped[str] = mapped_column(String(32), default="1")
    base_amount: Mapped[int] = mapped_column(BigInteger)
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)  # base minor units of recoverable tax
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    policy_flag: Mapped[str] = mapped_column(String(200), default="")
