"""Documents on both engines: versions on every upload, open any version, restore as a new version,
a clear refusal past the size limit (before anything is written), permissions and audit rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from paksa_desktop.audit.chain import verify
from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.documents.models import DocumentVersion, OwnerKind
from paksa_desktop.documents.service import DocumentService, configured_max_bytes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.ledger.helpers import entry

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # binary, NULs included


def docs(books: Books, **kwargs: int) -> DocumentService:
    return DocumentService(books.company.engine, books.ctx, **kwargs)


def test_uploads_of_the_same_document_become_versions(books: Books, tmp_path: Path) -> None:
    ref, _ = books.ledger.post(entry("2024-03-01", ("6100", "50.00"), ("1100", "-50.00")))
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(PDF)
    service = docs(books)
    first = service.attach(OwnerKind.JOURNAL_ENTRY, ref.id, invoice)
    books.clock.set(books.clock.now().replace(hour=13))
    invoice.write_bytes(PDF + b"corrected")
    second = service.attach(OwnerKind.JOURNAL_ENTRY, ref.id, invoice)
    service.attach(OwnerKind.JOURNAL_ENTRY, ref.id, content=b"a,b\n1,2\n", filename="lines.csv")

    (pdf_doc, csv_doc) = service.documents("journal_entry", ref.id)
    assert (csv_doc.name, pdf_doc.name) == ("lines.csv", "invoice.pdf")
    assert [v.number for v in pdf_doc.versions] == [2, 1] and pdf_doc.current.number == 2
    assert first.sha256 == hashlib.sha256(PDF).hexdigest() and first.size == len(PDF)
    assert second.content_type == "application/pdf" and second.uploaded_by == "admin"
    assert second.uploaded_at > first.uploaded_at
    assert service.content(pdf_doc.id, 1) == (pdf_doc.versions[1], PDF)  # byte for byte, binary intact
    assert service.content(pdf_doc.id)[1] == PDF + b"corrected"


def test_restore_adds_a_version_and_keeps_history(books: Books) -> None:
    service = docs(books)
    service.attach("account", "1100", content=b"v1", filename="bank letter.png")
    v2 = service.attach("account", "1100", content=b"v2", filename="bank letter.png")
    restored = service.restore(v2.document_id, 1)
    assert (restored.number, restored.restored_from, restored.is_current) == (3, 1, True)
    (doc,) = service.documents("account", "1100")
    assert [(v.number, v.sha256) for v in doc.versions] == [
        (3, hashlib.sha256(b"v1").hexdigest()),
        (2, hashlib.sha256(b"v2").hexdigest()),
        (1, hashlib.sha256(b"v1").hexdigest()),
    ]
    assert service.content(doc.id)[1] == b"v1"
    with pytest.raises(NotFoundError, match="no version 9"):
        service.restore(doc.id, 9)


def test_the_size_limit_is_checked_before_anything_is_written(books: Books, tmp_path: Path) -> None:
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"x" * 2048)
    service = docs(books, max_bytes=1024)
    with pytest.raises(ValidationError, match=r"scan.pdf is 0.0 MB; documents may be at most 0.0 MB"):
        service.attach("account", "1100", big)
    with pytest.raises(ValidationError, match="at most"):
        service.attach("account", "1100", content=b"y" * 1025, filename="x.bin")
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert uow.session.execute(select(func.count()).select_from(DocumentVersion)).scalar_one() == 0
    assert service.attach("account", "1100", content=b"y" * 1024, filename="x.bin").size == 1024


def test_default_limit_is_25_mb_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAKSA_DOCUMENT_MAX_MB", raising=False)
    assert configured_max_bytes() == 25 * 1024 * 1024
    monkeypatch.setenv("PAKSA_DOCUMENT_MAX_MB", "2")
    assert configured_max_bytes() == 2 * 1024 * 1024
    monkeypatch.setenv("PAKSA_DOCUMENT_MAX_MB", "lots")
    with pytest.raises(ValidationError, match="number of megabytes"):
        configured_max_bytes()


def test_owners_must_exist(books: Books) -> None:
    service = docs(books)
    with pytest.raises(NotFoundError, match="unknown account"):
        service.attach("account", "0000", content=b"x", filename="a.txt")
    with pytest.raises(NotFoundError, match="no journal entry"):
        service.attach("journal_entry", 424242, content=b"x", filename="a.txt")
    with pytest.raises(ValidationError, match="cannot be attached to 'planet'"):
        service.attach("planet", "1", content=b"x", filename="a.txt")
    assert service.attach("invoice", "INV-1", content=b"x", filename="a.txt").number == 1  # module still to come


def test_permissions_are_checked(books: Books) -> None:
    books.company.add_user(books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    viewer = books.company.login("viewer", "viewer-password-1")
    service = DocumentService(books.company.engine, viewer)
    with pytest.raises(PermissionDenied, match=r"document\.attach"):
        service.attach("account", "1100", content=b"x", filename="a.txt")


def test_every_change_and_open_is_audited_in_the_chain(books: Books) -> None:
    service = docs(books)
    v = service.attach("account", "1100", content=b"x", filename="a.txt")
    service.restore(v.document_id, 1)
    service.content(v.document_id, 1)
    with UnitOfWork(books.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(AuditRecord.action, AuditRecord.after)
            .where(AuditRecord.entity == "document")
            .order_by(AuditRecord.seq)
        ).all()
        assert verify(uow.session).ok
    assert [r.action for r in rows] == ["attach", "restore", "open"]
    assert json.loads(rows[0].after)["owner"] == "account:1100"


def test_damaged_content_is_refused(books: Books) -> None:
    service = docs(books)
    v = service.attach("account", "1100", content=b"original", filename="a.txt")
    with books.company.engine.begin() as conn:
        conn.execute(text("UPDATE document_versions SET content = :c"), {"c": b"tampered"})
    with pytest.raises(ValidationError, match="damaged"):
        service.content(v.document_id)
