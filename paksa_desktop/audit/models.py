"""The audit trail table (rows only ever appended, hash chained) and the one-row head of the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class AuditRecord(Base):
    """One audited change. `seq` orders the chain (gap-free, equal to `id`); `row_hash` is the SHA-256 of
    the row's canonical content including `prev_hash`, the previous row's `row_hash`."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON object of changed fields
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    # Stamped by PostgreSQL itself (session_user, inet_client_addr): not part of the hash; NULL on SQLite.
    db_user: Mapped[str | None] = mapped_column(String(63), nullable=True)
    client_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
    )


class AuditHead(Base):
    """The chain's last link, locked FOR UPDATE by every writer so two PostgreSQL clients never fork it.

    Also what `verify` checks the end of the chain against: a deleted last row leaves the head ahead.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
