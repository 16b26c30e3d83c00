"""`paksa audit verify|export` and `paksa document list|attach|get|restore`, in-process, on both engines."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from pypdf import PdfReader

from tests.cli.conftest import Paksa
from tests.conftest import Books, tamper
from tests.ledger.helpers import entry


def test_verify_passes_then_names_the_tampered_row(any_company: Books, paksa: Paksa) -> None:
    run = paksa("audit", "verify")
    assert run.code == 0, run.err
    assert run.out.startswith("Audit trail intact:") and "rows" in run.out
    tamper(any_company.company.engine, "UPDATE audit_log SET username = 'mallory' WHERE seq = 3")
    run = paksa("audit", "verify")
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "paksa: error: the audit trail is broken at seq 3, id 3: content does not match its hash (the row was edited) "
        f"({run.err.split('(')[-1].split(')')[0]})"
    ]
    assert "rows checked" in run.err


def test_export_csv_by_date_and_the_export_is_audited(any_company: Books, paksa: Paksa, tmp_path: Path) -> None:
    any_company.ledger.update_account("6100", name="Office rent")
    out = tmp_path / "audit.csv"
    run = paksa("audit", "export", "--from", "2024-06-30", "--to", "2024-06-30", "--output", out)
    assert run.code == 0, run.err
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["time_utc"].startswith("2024-06-30") for r in rows)
    update = next(r for r in rows if r["action"] == "update")
    assert (update["entity"], update["entity_id"], update["user"]) == ("account", "6100", "admin")
    assert '"Rent"' in update["before"] and '"Office rent"' in update["after"]
    run = paksa("audit", "export", "--action", "export", "--entity", "audit_log")
    assert run.code == 0 and "audit.csv" in run.out  # the first export, on standard output
    none = paksa("audit", "export", "--to", "2023-12-31")
    assert none.out.splitlines() == ["seq,time_utc,user,host,action,entity,entity_id,before,after"]


def test_export_xlsx(any_company: Books, paksa: Paksa, tmp_path: Path) -> None:
    out = tmp_path / "audit.xlsx"
    run = paksa("audit", "export", "--output", out)
    assert run.code == 0, run.err
    sheet = openpyxl.load_workbook(out, read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Audit trail" and values[3][:5] == ["Seq", "Time (UTC)", "User", "Host", "Action"]
    assert paksa("audit", "export", "--format", "xlsx").code == 2


def test_export_pdf_reads_back_with_every_row(any_company: Books, paksa: Paksa, tmp_path: Path) -> None:
    any_company.ledger.update_account("6100", name="Office rent")
    out = tmp_path / "audit.pdf"
    run = paksa("audit", "export", "--entity", "account", "--output", out)
    assert run.code == 0, run.err
    count = int(run.out.split()[1])
    pages = [page.extract_text() for page in PdfReader(out).pages]
    lines = [line for text in pages for line in text.splitlines()]
    assert "Audit trail" in pages[0] and f"Page 1 of {len(pages)}" in pages[0]
    assert sum(1 for line in lines if line == "account") == count > 0  # the Entity cell of every row
    assert '{"name": "Office rent"}' in "".join(lines)
    assert paksa("audit", "export", "--format", "pdf").code == 2  # a PDF needs a file


def test_documents_from_the_command_line(any_company: Books, paksa: Paksa, tmp_path: Path) -> None:
    ref, _ = any_company.ledger.post(entry("2024-03-01", ("6100", "50.00"), ("1100", "-50.00")))
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF first")
    run = paksa("document", "attach", "entry", ref.number, receipt)
    assert run.code == 0, run.err
    assert run.out.startswith("Attached receipt.pdf as document 1 version 1 (10 B, sha256 ")
    receipt.write_bytes(b"%PDF second")
    assert paksa("document", "attach", "entry", ref.id, receipt).code == 0
    listing = paksa("document", "list", "entry", ref.number)
    assert listing.code == 0 and "receipt.pdf  (version 2)" in listing.out and "v1 " in listing.out
    back = tmp_path / "back.pdf"
    assert paksa("document", "get", "1", "--version", "1", "--output", back).code == 0
    assert back.read_bytes() == b"%PDF first"
    run = paksa("document", "restore", "1", "1")
    assert run.out.strip() == "Restored version 1 of document 1 as version 3"
    assert paksa("document", "get", "1", "--output", tmp_path).code == 0
    assert (tmp_path / "receipt.pdf").read_bytes() == b"%PDF first"
    missing = paksa("document", "attach", "account", "0000", receipt)
    assert missing.code == 1 and missing.err_lines == ["paksa: error: unknown account '0000'"]


def test_the_size_limit_is_a_clear_error(company: Books, paksa: Paksa, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PAKSA_DOCUMENT_MAX_MB", "0.001")
    big = tmp_path / "scan.png"
    big.write_bytes(b"x" * 5000)
    run = paksa("document", "attach", "account", "1100", big)
    assert run.code == 1
    assert run.err_lines[0].startswith("paksa: error: scan.png is 0.0 MB; documents may be at most 0.0 MB")


def test_documents_attach_to_a_customer(company: Books, paksa: Paksa, tmp_path: Path) -> None:
    from tests.receivables.helpers import ar, customer

    ar(company).create_customer(customer("C001"))
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"%PDF contract")
    run = paksa("document", "attach", "customer", "C001", contract)
    assert run.code == 0, run.err
    listing = paksa("document", "list", "customer", "C001")
    assert listing.code == 0 and "contract.pdf" in listing.out
    assert paksa("document", "attach", "customer", "NOPE", contract).code == 1
