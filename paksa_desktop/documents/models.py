"""Documents and their versions; file content lives in the company database, so a shared database shares it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class OwnerKind(enum.StrEnum):
    """What a document can be attached to; `owner_id` is that record's key as the audit trail names it."""

    JOURNAL_ENTRY = "journal_entry"  # entry id
    ACCOUNT = "account"  # account code
    CUSTOMER = "customer"  # customer code
    INVOICE = "invoice"
    BILL = "bill"
    VENDOR = "vendor"  # vendor code
    ASSET = "asset"
    EMPLOYEE = "employee"
    EXPENSE_CLAIM = "expense_claim"  # claim id: receipts of its lines


class Document(Base):
    """A named file on a record; uploading a file of the same name again adds a version."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", "name"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DocumentVersion(Base):
    """One upload, never changed: restoring an old version copies it into a new one."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when a version is opened
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (UniqueConstraint("document_id", "number"),)
