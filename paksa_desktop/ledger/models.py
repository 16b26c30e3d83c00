"""General ledger tables.

Posted lines (`journal_lines`) are append-only: drafts keep their lines in `draft_lines`, posting
copies them into `journal_lines` with the entry's date, and nothing ever updates or deletes a posted
line. Amounts are signed integer minor units of the company's base currency (debit > 0, credit < 0).
A line may also carry what it is worth in the currency the money moved in (`currency`, `amount_cur`, migration
0023); NULL there means a base-currency line.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from paksa_desktop.core.tax import TaxRounding
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime
from paksa_desktop.security.field_crypto import SealedText


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """Store StrEnums as their values in a VARCHAR with a CHECK, identical on both engines."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        create_constraint=True,
        validate_strings=True,
    )


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class AccountSubtype(enum.StrEnum):
    NONE = ""
    BANK = "bank"
    CASH = "cash"
    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    INVENTORY = "inventory"
    PREPAYMENT = "prepayment"
    CURRENT_ASSET = "current_asset"
    FIXED_ASSET = "fixed_asset"
    ACCUMULATED_DEPRECIATION = "accumulated_depreciation"
    INVESTMENT = "investment"
    TAX = "tax"
    ACCRUAL = "accrual"
    PAYROLL_LIABILITY = "payroll_liability"
    CURRENT_LIABILITY = "current_liability"
    LOAN = "loan"
    SHARE_CAPITAL = "share_capital"
    RETAINED_EARNINGS = "retained_earnings"
    CURRENT_EARNINGS = "current_earnings"
    SALES = "sales"
    OTHER_INCOME = "other_income"
    COST_OF_SALES = "cost_of_sales"
    OPERATING_EXPENSE = "operating_expense"
    PAYROLL_EXPENSE = "payroll_expense"
    DEPRECIATION = "depreciation"
    FINANCE_COST = "finance_cost"
    TAX_EXPENSE = "tax_expense"


class EntryState(enum.StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    REVERSED = "reversed"


class PeriodState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "yearly": 12}[self.value]


class CompanySettings(Base):
    """The one row describing the company this database holds."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3))
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    lock_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # PNG or JPEG on printed reports; deferred: loading the company row must not drag the image along
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    # sales tax on invoices and bills: rounded per line or once per code on the document's total
    tax_rounding: Mapped[TaxRounding] = mapped_column(
        _enum(TaxRounding, "tax_rounding"), default=TaxRounding.LINE, server_default=TaxRounding.LINE.value
    )

    __table_args__ = (CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fy_start_month"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[AccountType] = mapped_column(_enum(AccountType, "account_type"))
    subtype: Mapped[AccountSubtype] = mapped_column(
        _enum(AccountSubtype, "account_subtype"), default=AccountSubtype.NONE
    )
    currency: Mapped[str] = mapped_column(String(3))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    bank_account_number: Mapped[str | None] = mapped_column(SealedText, nullable=True)  # encrypted (bank_details.py)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Journal(Base):
    """A book of entries with its own numbering (general, sales, purchases, cash, payroll, ...)."""

    __tablename__ = "journals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32), default="general")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class FiscalYear(Base):
    __tablename__ = "fiscal_years"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(16), unique=True)
    start_date: Mapped[date] = mapped_column(Date, unique=True)
    end_date: Mapped[date] = mapped_column(Date)

    periods: Mapped[list[Period]] = relationship(back_populates="fiscal_year", order_by="Period.number")


class Period(Base):
    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    state: Mapped[PeriodState] = mapped_column(_enum(PeriodState, "period_state"), default=PeriodState.OPEN)

    fiscal_year: Mapped[FiscalYear] = relationship(back_populates="periods")

    __table_args__ = (UniqueConstraint("fiscal_year_id", "number"),)


class NumberSequence(Base):
    """Next entry number per journal and fiscal year; locked row by row so numbers stay gap-free."""

    __tablename__ = "number_sequences"

    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_years.id"), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class JournalEntry(Base):
    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    state: Mapped[EntryState] = mapped_column(_enum(EntryState, "entry_state"), default=EntryState.DRAFT)
    date: Mapped[date] = mapped_column(Date, index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    fiscal_year_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_years.id"), nullable=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Unique through (journal, fiscal year, sequence), from which it is formed; no index of its own.
    number: Mapped[str | None] = mapped_column(String(48), nullable=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of debits, for search and lists
    source: Mapped[str] = mapped_column(String(32), default="manual")
    auto_reverse: Mapped[bool] = mapped_column(Boolean, default=False)
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("journal_id", "fiscal_year_id", "sequence"),
        # The few year-end closing entries, found at once by statements that leave them out; partial, so
        # posting any other entry costs nothing more.
        Index(
            "ix_journal_entries_closing",
            "id",
            sqlite_where=text("source = 'closing'"),
            postgresql_where=text("source = 'closing'"),
        ),
        # A deleted draft's id is never handed out again, so audit rows name one entry each.
        {"sqlite_autoincrement": True},
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DraftLine(Base):
    """Lines of an entry still being edited; replaced wholesale on each save of the draft."""

    __tablename__ = "draft_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)  # as on JournalLine
    amount_cur: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class JournalLine(Base):
    """A posted line: immutable. `date` repeats the entry's date for the covering indexes."""

    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    # The line in the currency the money moved in (migration 0023): NULL in both for a base-currency line;
    # else signed minor units of `currency` (never the base currency), the same sign as `amount` (zero only
    # for a base-only adjustment of a foreign balance, such as a revaluation)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    amount_cur: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        # One index serves both hot reads: the trial balance and balances as of a date are answered from
        # it alone (it holds the amount), and account ledger pages walk it in (date, id) order. A second
        # index would almost halve the speed of bulk posting.
        Index("ix_journal_lines_account_date_id_amount", "account_id", "date", "id", "amount"),
        # Foreign lines only (migration 0027): which currencies an account's ledger shows and its balance
        # in one are read from a handful of entries instead of every line of the account; base lines,
        # nearly all of them, are not in it and cost bulk posting nothing.
        Index(
            "ix_journal_lines_foreign",
            "account_id",
            "currency",
            "date",
            "amount_cur",
            sqlite_where=text("currency IS NOT NULL"),
            postgresql_where=text("currency IS NOT NULL"),
        ),
    )


class RecurringTemplate(Base):
    """A template that generates an entry every month, quarter or year until its end date."""

    __tablename__ = "recurring_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency, "frequency"))
    next_date: Mapped[date] = mapped_column(Date)
    anchor_day: Mapped[int] = mapped_column(Integer, default=1)  # day of month the series keeps (31 = month end)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    post: Mapped[bool] = mapped_column(Boolean, default=False)  # post, or only create drafts
    memo: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[RecurringLine]] = relationship(order_by="RecurringLine.line_no", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RecurringLine(Base):
    __tablename__ = "recurring_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("recurring_templates.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)


class ExchangeRate(Base):
    """Units of the base currency one unit of `currency` buys on and after `day` (exact decimal text)."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[str] = mapped_column(String(32))
