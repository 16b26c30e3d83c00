"""Receivables master data: tax codes, customers (with contacts and addresses) and items.

Money is integer minor units: a customer's credit limit in the customer's currency, an item's unit
price in the company's base currency. A tax rate is kept exactly as an integer count of
ten-thousandths of a percent (`rate_e4`: 20 % is 200000, 7.125 % is 71250), not as NUMERIC, which
SQLite would carry through a float.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class AddressKind(enum.StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


class TaxCodeRow(Base):
    """A sales tax code: its rate, whether prices with it include the tax, and the liability it posts to."""

    __tablename__ = "tax_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    rate_e4: Mapped[int] = mapped_column(Integer)  # percent x 10,000
    inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms: Mapped[str] = mapped_column(String(40))  # canonical text (PaymentTerms.text())
    credit_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # minor units; None: no limit
    credit_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    income_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    dunning_procedure_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_procedures.id"), nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    contacts: Mapped[list[CustomerContact]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerContact.position"
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerAddress.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CustomerContact(Base):
    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AddressKind] = mapped_column(_enum(AddressKind, "address_kind"))
    lines: Mapped[str] = mapped_column(Text, default="")  # street lines, one per line
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2


class Item(Base):
    """Something sold: goods or a service, with its price in the base currency and where its sales post."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[int] = mapped_column(BigInteger)  # minor units of the base currency
    income_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# --------------------------------------------------------------------------------------------- documents


class CreditPolicy(enum.StrEnum):
    """What posting an invoice does when the customer is over their limit, on hold or long overdue."""

    OFF = "off"
    WARN = "warn"  # the clerk confirms; the confirmation is audited
    BLOCK = "block"  # only a holder of receivables.invoice.approve may override; audited


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceState(enum.StrEnum):
    """Where an invoice (or credit note) stands; after posting it follows from what settled it."""

    DRAFT = "draft"
    POSTED = "posted"  # nothing settled yet
    PARTIALLY_PAID = "partially_paid"  # a credit note: partly applied
    PAID = "paid"  # a credit note: fully applied or refunded
    CREDITED = "credited"  # settled by credit notes alone
    WRITTEN_OFF = "written_off"  # bad debt


class SettlementKind(enum.StrEnum):
    PAYMENT = "payment"  # a receipt allocated to an invoice
    CREDIT = "credit"  # a credit note applied to an invoice
    WRITE_OFF = "write_off"  # an invoice written off as a bad debt
    REFUND = "refund"  # customer credit (a receipt's or credit note's remainder) paid back


class ReceivablesSettings(Base):
    """The company's receivables accounts, numbering series and credit policy (one row)."""

    __tablename__ = "receivables_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receivable_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    income_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id")
    )  # when neither line, item nor customer says
    discount_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # early-payment discounts given
    write_off_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # small differences
    bad_debt_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fx_gain_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fx_loss_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fee_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # dunning fees and interest
    sales_journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    receipts_journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    invoice_series: Mapped[str] = mapped_column(String(16), default="INV")
    credit_note_series: Mapped[str] = mapped_column(String(16), default="CN")
    receipt_series: Mapped[str] = mapped_column(String(16), default="RCT")
    write_off_tolerance: Mapped[int] = mapped_column(BigInteger, default=0)  # base minor units
    credit_policy: Mapped[CreditPolicy] = mapped_column(_enum(CreditPolicy, "credit_policy"), default=CreditPolicy.WARN)
    overdue_days: Mapped[int] = mapped_column(Integer, default=60)  # invoices older than this past due trip the policy
    # printed at the foot of invoices and statements: bank, account number, the reference to quote
    payment_instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DocumentSequence(Base):
    """Next number per document series and fiscal year: taken at posting, row-locked, so gap-free."""

    __tablename__ = "document_sequences"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class Invoice(Base):
    """An invoice or credit note. Amounts are minor units of its currency; `base_total` of the base.

    `open_amount` is what is still to settle (for a credit note: still to apply or refund); it always
    equals `total` less the settlements not reversed, which the history keeps for as-of reports.
    """

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"))
    state: Mapped[InvoiceState] = mapped_column(_enum(InvoiceState, "invoice_state"), default=InvoiceState.DRAFT)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    number: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    series: Mapped[str] = mapped_column(String(16))
    fiscal_year_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_years.id"), nullable=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32), default="1")  # base units per unit of `currency`
    reference: Mapped[str] = mapped_column(String(100), default="")  # the customer's order number
    memo: Mapped[str] = mapped_column(Text, default="")
    net_total: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_total: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    base_total: Mapped[int] = mapped_column(BigInteger, default=0)
    open_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    recurring_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_invoices.id"), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    dunning_level: Mapped[int] = mapped_column(Integer, default=0)
    last_dunned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[InvoiceLine]] = relationship(cascade="all, delete-orphan", order_by="InvoiceLine.line_no")

    __table_args__ = (
        UniqueConstraint("series", "fiscal_year_id", "sequence"),
        Index("ix_invoices_customer_state", "customer_id", "state"),
        Index("ix_invoices_state_due", "state", "due_date"),
        {"sqlite_autoincrement": True},
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class InvoiceLine(Base):
    """A line as entered; `net` and `tax` are fixed when the document is saved (minor units)."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity_e4: Mapped[int] = mapped_column(BigInteger)  # quantity x 10,000
    unit_price: Mapped[int] = mapped_column(BigInteger)
    discount_e4: Mapped[int] = mapped_column(Integer, default=0)  # percent x 10,000
    tax_code_id: Mapped[int | None] = mapped_column(ForeignKey("tax_codes.id"), nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    net: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)


class Receipt(Base):
    """Money received from a customer; `unapplied` is the part not yet allocated (customer credit)."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32), default="bank transfer")
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32), default="1")
    amount: Mapped[int] = mapped_column(BigInteger)
    base_amount: Mapped[int] = mapped_column(BigInteger)
    unapplied: Mapped[int] = mapped_column(BigInteger, default=0)
    reference: Mapped[str] = mapped_column(String(100), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("fiscal_year_id", "sequence"), {"sqlite_autoincrement": True})
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Settlement(Base):
    """One thing that settled (part of) an invoice or used customer credit; never deleted, only reversed.

    `amount` + `discount` + `written_off` is what it took off the invoice's open amount (document
    currency); `amount` alone is what it took from the receipt or credit note it came from.
    `base_amount` is the receivable (base currency) it relieved at the invoice's own rate, `source_base`
    what it used of the receipt's or credit note's base value at theirs; the difference, less the
    discount and write-off, is the realised exchange difference.
    """

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[SettlementKind] = mapped_column(_enum(SettlementKind, "settlement_kind"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True, index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"), nullable=True, index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True, index=True)
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    written_off: Mapped[int] = mapped_column(BigInteger, default=0)
    base_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    source_base: Mapped[int] = mapped_column(BigInteger, default=0)  # base value taken from the receipt/credit note
    # indexed: PostgreSQL checks at commit that every receivables entry is referred to (migration 0011)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    reversed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecurringInvoice(Base):
    """A template raising an invoice for a customer every month, quarter or year until its end date."""

    __tablename__ = "recurring_invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    frequency: Mapped[str] = mapped_column(String(16))  # monthly, quarterly, yearly (ledger Frequency)
    next_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    post: Mapped[bool] = mapped_column(Boolean, default=True)  # post at once, or leave drafts to check
    memo: Mapped[str] = mapped_column(Text, default="")
    lines_json: Mapped[str] = mapped_column(Text)  # the lines as InvoiceLineInput values
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# --------------------------------------------------------------------------------------------- collections


class DunningProcedure(Base):
    __tablename__ = "dunning_procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)

    levels: Mapped[list[DunningLevel]] = relationship(cascade="all, delete-orphan", order_by="DunningLevel.level")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DunningLevel(Base):
    """Level N of a procedure: reached `days_overdue` after the due date; its letter, fee and interest."""

    __tablename__ = "dunning_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("dunning_procedures.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    days_overdue: Mapped[int] = mapped_column(Integer)
    letter_text: Mapped[str] = mapped_column(Text, default="")
    fee: Mapped[int] = mapped_column(BigInteger, default=0)  # base minor units, once per letter
    interest_e4: Mapped[int] = mapped_column(Integer, default=0)  # yearly percent x 10,000 on overdue amounts

    __table_args__ = (UniqueConstraint("procedure_id", "level"),)


class DunningLetter(Base):
    """A reminder issued to a customer; its lines say which invoices it listed and at which level."""

    __tablename__ = "dunning_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    interest: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DunningLetterLine(Base):
    __tablename__ = "dunning_letter_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("dunning_letters.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    days_overdue: Mapped[int] = mapped_column(Integer)
    open_amount: Mapped[int] = mapped_column(BigInteger)  # the invoice's currency, on the letter's day
    interest: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # base minor units charged
    # False: listed as overdue only (its level stays); True: dunned at `level` (raised, or the last level repeated)
    dunned: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CollectionNote(Base):
    """A note on a call or letter, optionally a promise to pay, with the day to follow it up."""

    __tablename__ = "collection_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text)
    promised_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the day the customer promised to pay
    promised_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
