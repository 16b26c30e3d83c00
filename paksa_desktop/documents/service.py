"""Attach files to records, keep every upload as a version, open and restore versions.

Content lives in the company database (a shared PostgreSQL database shares it). The size limit is
checked before anything is read or written, so an oversized file costs nothing.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.documents.models import Document, DocumentVersion, OwnerKind
from paksa_desktop.ledger.models import Account, JournalEntry
from paksa_desktop.payables.models import Vendor
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.models import Customer
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission

DEFAULT_MAX_MB = 25
MAX_MB_VARIABLE = "PAKSA_DOCUMENT_MAX_MB"


def configured_max_bytes() -> int:
    """The upload limit: $PAKSA_DOCUMENT_MAX_MB megabytes (MiB), else 25."""
    text = os.environ.get(MAX_MB_VARIABLE, "").strip()
    try:
        mb = Decimal(text) if text else Decimal(DEFAULT_MAX_MB)
    except InvalidOperation:
        raise ValidationError(f"{MAX_MB_VARIABLE} must be a number of megabytes, not '{text}'") from None
    if not mb.is_finite() or mb <= 0:
        raise ValidationError(f"{MAX_MB_VARIABLE} must be more than 0")
    return int(mb * 1024 * 1024)


def _mb(size: int) -> str:
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    document_id: int
    number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    restored_from: int | None
    is_current: bool


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    owner_kind: str
    owner_id: str
    name: str
    current_version: int
    versions: tuple[VersionInfo, ...]  # newest first

    @property
    def current(self) -> VersionInfo:
        return next(v for v in self.versions if v.is_current)


def _version_info(v: DocumentVersion, current: int) -> VersionInfo:
    return VersionInfo(
        v.document_id,
        v.number,
        v.filename,
        v.content_type,
        v.size,
        v.sha256,
        v.uploaded_at,
        v.uploaded_by_name,
        v.restored_from,
        v.number == current,
    )


@retry_writes
class DocumentService:
    """Documents of entries, accounts and (later) invoices, bills, assets and employees."""

    def __init__(self, engine: Engine, ctx: UserContext, *, max_bytes: int | None = None) -> None:
        self.engine = engine
        self.ctx = ctx
        self.max_bytes = max_bytes if max_bytes is not None else configured_max_bytes()

    # ------------------------------------------------------------------ writing
    def attach(
        self,
        owner_kind: OwnerKind | str,
        owner_id: object,
        path: Path | None = None,
        *,
        content: bytes | None = None,
        filename: str | None = None,
        name: str | None = None,
    ) -> VersionInfo:
        """Store a file on a record; a file of the same name there becomes its next version."""
        self.ctx.require(Permission.DOCUMENT_ATTACH)
        kind = self._kind(owner_kind)
        shown = filename or (path.name if path is not None else "")
        if not shown:
            raise ValidationError("a document needs a file name")
        if path is not None:
            if not path.is_file():
                raise NotFoundError(f"no file at {path}")
            self._check_size(shown, path.stat().st_size)  # before reading a byte
            content = path.read_bytes()
        if content is None:
            raise ValidationError("nothing to attach: give a file or its content")
        self._check_size(shown, len(content))
        doc_name = (name or shown).strip()
        with UnitOfWork(self.engine) as uow:
            _doc, version = store(uow.session, self.ctx, kind, owner_id, shown, content, doc_name)
            info = _version_info(version, version.number)
            uow.commit()
        return info

    def restore(self, document_id: int, number: int) -> VersionInfo:
        """Make an earlier version current again by copying it into a new version (history is kept)."""
        self.ctx.require(Permission.DOCUMENT_ATTACH)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            doc = self._document(s, document_id, lock=True)
            old = self._version(s, document_id, number)
            version = self._add_version(s, doc, old.filename, old.content, restored_from=number)
            trail.record(
                s,
                self.ctx,
                "restore",
                "document",
                doc.id,
                before={"version": number},
                after={"version": version.number, "sha256": version.sha256},
            )
            info = _version_info(version, doc.current_version)
            uow.commit()
        return info

    def _add_version(
        self, s: Session, doc: Document, filename: str, content: bytes, *, restored_from: int | None
    ) -> DocumentVersion:
        return _add_version(s, self.ctx, doc, filename, content, restored_from=restored_from)

    # ------------------------------------------------------------------ reading
    def documents(self, owner_kind: OwnerKind | str, owner_id: object) -> list[DocumentInfo]:
        """The record's documents by name, each with its versions newest first."""
        self.ctx.require(Permission.DOCUMENT_VIEW)
        kind = self._kind(owner_kind)
        with UnitOfWork(self.engine, write=False) as uow:
            s = uow.session
            docs = list(
                s.execute(
                    select(Document)
                    .where(Document.owner_kind == kind.value, Document.owner_id == str(owner_id))
                    .order_by(Document.name)
                ).scalars()
            )
            versions: dict[int, list[VersionInfo]] = {d.id: [] for d in docs}
            current = {d.id: d.current_version for d in docs}
            if docs:
                for v in s.execute(
                    select(DocumentVersion)
                    .where(DocumentVersion.document_id.in_(list(versions)))
                    .order_by(DocumentVersion.document_id, DocumentVersion.number.desc())
                ).scalars():
                    versions[v.document_id].append(_version_info(v, current[v.document_id]))
            return [
                DocumentInfo(d.id, d.owner_kind, d.owner_id, d.name, d.current_version, tuple(versions[d.id]))
                for d in docs
            ]

    def content(self, document_id: int, number: int | None = None) -> tuple[VersionInfo, bytes]:
        """A version's bytes (the current one unless a number is given); opening is audited."""
        self.ctx.require(Permission.DOCUMENT_VIEW)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            doc = self._document(s, document_id)
            version = self._version(s, document_id, number or doc.current_version)
            data = version.content
            if hashlib.sha256(data).hexdigest() != version.sha256:
                raise ValidationError(f"version {version.number} of '{doc.name}' is damaged: its content hash differs")
            info = _version_info(version, doc.current_version)
            trail.record(s, self.ctx, "open", "document", doc.id, after={"version": version.number})
            uow.commit()
        return info, data

    # ------------------------------------------------------------------ helpers
    def _check_size(self, filename: str, size: int) -> None:
        if size > self.max_bytes:
            raise ValidationError(
                f"{filename} is {_mb(size)}; documents may be at most {_mb(self.max_bytes)} "
                f"(an administrator can change the limit with {MAX_MB_VARIABLE})"
            )

    @staticmethod
    def _kind(owner_kind: OwnerKind | str) -> OwnerKind:
        try:
            return OwnerKind(owner_kind)
        except ValueError:
            choices = ", ".join(k.value for k in OwnerKind)
            raise ValidationError(f"documents cannot be attached to '{owner_kind}' (choose {choices})") from None

    @staticmethod
    def _owner(s: Session, kind: OwnerKind, owner_id: object) -> str:
        """The owner's key as stored, after checking the record exists (for the modules that exist)."""
        key = str(owner_id).strip()
        if kind is OwnerKind.JOURNAL_ENTRY:
            found = key.isdigit() and s.get(JournalEntry, int(key)) is not None
            if not found:
                raise NotFoundError(f"no journal entry with id {key}")
        elif kind is OwnerKind.ACCOUNT:
            if s.execute(select(Account.id).where(Account.code == key)).first() is None:
                raise NotFoundError(f"unknown account '{key}'")
        elif kind is OwnerKind.CUSTOMER:
            if s.execute(select(Customer.id).where(Customer.code == key)).first() is None:
                raise NotFoundError(f"unknown customer '{key}'")
        elif kind is OwnerKind.VENDOR:
            if s.execute(select(Vendor.id).where(Vendor.code == key)).first() is None:
                raise NotFoundError(f"unknown vendor '{key}'")
        elif not key:
            raise ValidationError("a document needs the record it belongs to")
        return key

    @staticmethod
    def _document(s: Session, document_id: int, *, lock: bool = False) -> Document:
        stmt = select(Document).where(Document.id == document_id)
        doc = s.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
        if doc is None:
            raise NotFoundError(f"no document with id {document_id}")
        return doc

    @staticmethod
    def _version(s: Session, document_id: int, number: int) -> DocumentVersion:
        version = s.execute(
            select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
        ).scalar_one_or_none()
        if version is None:
            raise NotFoundError(f"document {document_id} has no version {number}")
        return version


def _add_version(
    s: Session, ctx: UserContext, doc: Document, filename: str, content: bytes, *, restored_from: int | None
) -> DocumentVersion:
    doc.current_version += 1
    version = DocumentVersion(
        document_id=doc.id,
        number=doc.current_version,
        filename=filename,
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=ctx.clock.now(),
        uploaded_by=ctx.user_id,
        uploaded_by_name=ctx.username,
        restored_from=restored_from,
    )
    s.add(version)
    s.flush()
    return version


def store(
    s: Session, ctx: UserContext, kind: OwnerKind, owner_id: object, filename: str, content: bytes, name: str
) -> tuple[Document, DocumentVersion]:
    """Store a file on a record inside the caller's unit of work, audited (a module's own operation, such
    as a receipt saved with its expense claim, attaches in the same transaction as its other changes;
    the caller has checked its permission and the size)."""
    owner = DocumentService._owner(s, kind, owner_id)
    doc = s.execute(
        select(Document)
        .where(Document.owner_kind == kind.value, Document.owner_id == owner, Document.name == name)
        .with_for_update()
    ).scalar_one_or_none()
    if doc is None:
        doc = Document(
            owner_kind=kind.value,
            owner_id=owner,
            name=name,
            current_version=0,
            created_at=ctx.clock.now(),
            created_by=ctx.user_id,
        )
        s.add(doc)
        s.flush()
    version = _add_version(s, ctx, doc, filename, content, restored_from=None)
    trail.record(
        s,
        ctx,
        "attach",
        "document",
        doc.id,
        after={
            "owner": f"{kind.value}:{owner}",
            "name": name,
            "version": version.number,
            "size": version.size,
            "sha256": version.sha256,
        },
    )
    return doc, version
