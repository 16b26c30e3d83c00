"""What a bank line was matched to, and finished reconciliations (migration 0016).

A link ties one bank line to what it settled: a customer receipt recorded from it, a journal line it
clears, or an entry posted from it. Every link names the journal line on the bank's GL account that the
bank line clears, so "uncleared" is one question for every kind. A reconciliation row records who
agreed the books with a statement balance on a date; undoing it keeps the row (undone_by/at) for audit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.ledger.models import _enum
from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class LinkKind(enum.StrEnum):
    RECEIPT = "receipt"  # a customer receipt (or refund) recorded from the line
    JOURNAL_LINE = "journal_line"  # an existing GL line on the bank account, now cleared
    ENTRY = "entry"  # a journal entry posted from the line (bank charges, interest, ...)


class BankLineLink(Base):
    __tablename__ = "bank_line_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_line_id: Mapped[int] = mapped_column(ForeignKey("bank_lines.id"), index=True)
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind, "bank_link_kind"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    # the line on the bank's GL account this bank line clears
    journal_line_id: Mapped[int | None] = mapped_column(ForeignKey("journal_lines.id"), nullable=True, index=True)
    reconciliation_id: Mapped[int | None] = mapped_column(ForeignKey("bank_reconciliations.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BankReconciliation(Base):
    __tablename__ = "bank_reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    statement_date: Mapped[date] = mapped_column(Date)
    statement_balance: Mapped[int] = mapped_column(BigInteger)  # minor units of the bank account's currency
    book_balance: Mapped[int] = mapped_column(BigInteger)
    uncleared: Mapped[int] = mapped_column(BigInteger)  # GL lines not yet on a statement, total
    line_count: Mapped[int] = mapped_column(Integer)  # bank lines marked reconciled
    finished_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    undo_reason: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = ({"sqlite_autoincrement": True},)
