"""`paksa invoice pdf`, `paksa ar statements` and `paksa ar dunning-run`: messages, files, exit codes."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from paksa_desktop.security.service import NewUser
from tests.cli.conftest import Paksa, write
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import inv, sale, with_customer
from tests.receivables.test_invoice_pdf import has_row, page_lines


def invoices(books: Books) -> list[str]:
    with_customer(books)
    return [
        inv(books).issue(sale(on=day), confirm_credit=True)[0].number or ""
        for day in ("2024-03-01", "2024-04-01", "2024-06-20")
    ]


def test_invoice_pdf_one_a_batch_and_a_folder(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    numbers = invoices(any_company)
    run = paksa("invoice", "pdf", numbers[0], "--output", tmp_path / "one.pdf")
    assert (run.code, run.out, run.err) == (0, f"Wrote {numbers[0]} to {tmp_path / 'one.pdf'}\n", "")
    lines = page_lines(PdfReader(tmp_path / "one.pdf").pages[0].extract_text())
    assert has_row(lines, "Amount due", "120.00")
    run = paksa("invoice", "pdf", "--from", "2024-03-01", "--to", "2024-04-30", "--output", tmp_path / "batch.pdf")
    assert (run.code, run.out) == (0, f"Wrote 2 documents to {tmp_path / 'batch.pdf'}\n")
    assert len(PdfReader(tmp_path / "batch.pdf").pages) == 2
    run = paksa("invoice", "pdf", *numbers, "--output", tmp_path / "each", "--page-size", "Letter")
    assert (run.code, run.out) == (0, f"Wrote 3 documents to {tmp_path / 'each'} (3 files)\n")
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == [f"{n}.pdf" for n in numbers]


def test_invoice_pdf_refusals(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    numbers = invoices(company)
    run = paksa("invoice", "pdf", "INV-2024-999999", "--output", tmp_path / "x.pdf")
    assert (run.code, run.out) == (1, "")
    assert run.err_lines == ["paksa: error: no posted invoice or credit note numbered INV-2024-999999"]
    assert not (tmp_path / "x.pdf").exists()
    run = paksa("invoice", "pdf", "--from", "2023-01-01", "--to", "2023-12-31", "--output", tmp_path / "x.pdf")
    assert (run.code, run.err_lines) == (
        1,
        ["paksa: error: no posted invoices or credit notes match: nothing was written"],
    )
    run = paksa("invoice", "pdf", "--output", tmp_path / "x.pdf")
    assert run.code == 2 and "give invoice NUMBERs, or --from/--to" in run.err
    run = paksa("invoice", "pdf", numbers[0], "--from", "2024-01-01", "--output", tmp_path / "x.pdf")
    assert run.code == 2 and "not both" in run.err
    run = paksa("invoice", "pdf", numbers[0], "--output", tmp_path / "missing" / "x.pdf")
    assert run.code == 1 and run.err_lines[0].startswith("paksa: error:")


def test_statements_and_a_dunning_run(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    invoices(any_company)
    run = paksa("ar", "statements", "--as-of", "2024-06-30", "--output", tmp_path / "st")
    assert (run.code, run.out) == (0, f"Wrote 1 statement as of 2024-06-30 to {tmp_path / 'st'}\n")
    run = paksa("ar", "statements", "--as-of", "2024-06-30", "--from", "2024-04-01", "--output", tmp_path / "act")
    assert (run.code, run.out) == (0, f"Wrote 1 activity statement as of 2024-06-30 to {tmp_path / 'act'}\n")
    lines = page_lines(PdfReader(tmp_path / "act" / "statement-C001-2024-06-30.pdf").pages[0].extract_text())
    assert has_row(lines, "Opening balance", "120.00") and has_row(lines, "Closing balance", "360.00")
    run = paksa("ar", "statements", "--as-of", "2023-06-30", "--output", tmp_path / "none")
    assert (run.code, run.out) == (0, "No customer has anything open on 2023-06-30: no statement written\n")
    run = paksa("ar", "statements", "--customer", "NOPE", "--output", tmp_path / "none")
    assert (run.code, run.err_lines) == (1, ["paksa: error: customer NOPE does not exist"])

    run = paksa("ar", "dunning-run", "--as-of", "2024-06-30", "--skip-customer", "C01", "--output", tmp_path / "dun")
    assert (run.code, run.err_lines) == (1, ["paksa: error: customer 'C01' does not exist"])
    run = paksa("ar", "dunning-run", "--as-of", "2024-06-30", "--output", tmp_path / "dun")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        "No dunning procedure yet: created the standard one (STANDARD: 7, 21 and 35 days, no fees)",
        "C001: level 1, 2 invoices dunned of 2 overdue",
        f"Issued 1 letter as of 2024-06-30 to {tmp_path / 'dun'}",
    ]
    assert [p.name for p in (tmp_path / "dun").iterdir()] == ["reminder-C001-2024-06-30.pdf"]
    run = paksa("ar", "dunning-run", "--as-of", "2024-07-01", "--output", tmp_path / "dun2")
    assert (run.code, run.out) == (0, "Nothing to dun on 2024-07-01\n")
    run = paksa("ar", "dunning-run", "--as-of", "2024-07-30", "--dry-run", "--output", tmp_path / "dun3")
    assert run.out.splitlines() == [
        "C001: level 2, 3 invoices dunned of 3 overdue",  # two to level 2, the newest to level 1
        "Dry run: 1 letter proposed, none issued",
    ]
    assert not (tmp_path / "dun3").exists()


def test_payment_instructions_are_shown_set_and_printed(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    numbers = invoices(company)
    run = paksa("ar", "payment-instructions")
    assert (run.code, run.out) == (0, "No payment instructions yet (they are printed on invoices).\n")
    text = write(tmp_path / "pay.txt", "Bank transfer to Test Company Ltd\nAccount 12345678\n")
    assert paksa("ar", "payment-instructions", "--file", text).out == "Set the payment instructions\n"
    assert paksa("ar", "payment-instructions").out == "Bank transfer to Test Company Ltd\nAccount 12345678\n"
    paksa("invoice", "pdf", numbers[0], "--output", tmp_path / "one.pdf")
    lines = page_lines(PdfReader(tmp_path / "one.pdf").pages[0].extract_text())
    assert has_row(lines, "How to pay", "Bank transfer to Test Company Ltd", "Account 12345678")
    assert paksa("ar", "payment-instructions", "").out == "Removed the payment instructions\n"
    run = paksa("ar", "payment-instructions", "x", "--file", text)
    assert run.code == 2 and "not both" in run.err
    company.company.users(company.ctx).add_user(NewUser("viewer", ADMIN_PASSWORD, roles=("Viewer",)))
    run = paksa("ar", "payment-instructions", "y", "--user", "viewer")
    assert (run.code, run.err_lines) == (1, ["paksa: error: user 'viewer' lacks permission 'company.manage'"])
