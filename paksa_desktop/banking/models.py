"""Bank accounts, the statements imported for them, and the statement lines (migration 0015).

A bank line is what the bank says happened, kept exactly as imported: only its matching status moves
later (reconciliation). `dedupe_key` makes a re-imported transaction a no-op: the bank's own id when the
file gives one, else the date, amount, reference and the line's rank among identical ones in its file.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime
from paksa_desktop.security.field_crypto import SealedText


class LineStatus(enum.StrEnum):
    UNMATCHED = "unmatched"
    MATCHED = "matched"
    RECONCILED = "reconciled"


class BankAccount(Base):
    """A company bank account: the GL account it posts to and what its statement files look like."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    # IBAN or account number, encrypted with the company data key; the last four characters stay readable
    # so a statement file can be checked against the account by a user who does not hold the key
    account_number: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    number_last4: Mapped[str] = mapped_column(String(4), default="")
    currency: Mapped[str] = mapped_column(String(3))
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    import_profile: Mapped[str] = mapped_column(Text, default="")  # JSON (CsvProfile.to_dict()), "" for none
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Where the reconciliation starts when the ledger is older than the first statement (migration 0021):
    # the bank's balance at the end of `reconciled_from`, minor units of `currency`; both None: from the start
    reconciled_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    opening_reconciled: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BankStatement(Base):
    """One imported statement (one file may hold several); never changed after import."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(260))
    statement_ref: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    opening: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # minor units
    closing: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    line_count: Mapped[int] = mapped_column(Integer)  # lines imported
    skipped_count: Mapped[int] = mapped_column(Integer)  # lines already imported before
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = ({"sqlite_autoincrement": True},)


class BankLine(Base):
    """One transaction as the bank reported it."""

    __tablename__ = "bank_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), index=True)
    booked: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, signed: + received, - paid out
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    bank_id: Mapped[str] = mapped_column(String(100), default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    counterparty_account: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[LineStatus] = mapped_column(_enum(LineStatus, "bank_line_status"), default=LineStatus.UNMATCHED)
    dedupe_key: Mapped[str] = mapped_column(String(400))

    __table_args__ = (
        Index("ix_bank_lines_bank_account_id_booked", "bank_account_id", "booked"),
        Index("uq_bank_lines_bank_account_id_dedupe_key", "bank_account_id", "dedupe_key", unique=True),
        {"sqlite_autoincrement": True},
    )
