"""Invoice and credit note PDFs, parsed back: the figures printed are the invoice's, page by page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from paksa_desktop.core.errors import NotFoundError, PermissionDenied
from paksa_desktop.receivables.commands import (
    AddressInput,
    AllocationInput,
    InvoiceLineInput,
    ReceiptInput,
    TaxCodeInput,
)
from paksa_desktop.reporting.formatting import money_text
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, docs, inv, login_as, rec, sale, with_customer

PAY_TO = "Bank transfer to Test Company Ltd\nIBAN GB29 NWBK 6016 1331 9268 19"
ADDRESSES = (
    AddressInput("shipping", "Dock 4", "Hull", "HU1 1AA", country="GB"),
    AddressInput("billing", "Accounts payable\n12 High Street", "London", "EC1A 1BB", "Greater London", "GB"),
)
LINES = (
    InvoiceLineInput("Consulting, phase 1", D("2"), D("100.00"), tax_code="VAT20", account="4020"),
    InvoiceLineInput("Blue widgets", D("3.5"), D("12.40"), discount_percent=D("10"), tax_code="VAT20"),
    InvoiceLineInput("Books", D("4"), D("25.00"), tax_code="VAT5I"),
    InvoiceLineInput("Setup, no tax", D("1"), D("50.00"), tax_code=""),
    InvoiceLineInput("Training day", D("1"), D("480.00"), tax_code="VAT20"),
)


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def page_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def has_row(lines: list[str], *cells: str) -> bool:
    """The cells printed one after another (pypdf gives each table cell its own line)."""
    n = len(cells)
    return any(tuple(lines[i : i + n]) == cells for i in range(len(lines) - n + 1))


def figure(value: Decimal) -> str:
    return money_text(value, 2, parentheses=False)


def customer_with_invoice(books: Books) -> str:
    with_customer(books, addresses=ADDRESSES, tax_number="GB123456789")
    settings = inv(books).settings()
    assert settings is not None
    inv(books).update_settings(replace(settings, payment_instructions=PAY_TO))
    ref, _ = inv(books).issue(sale("C001", "2024-03-01", *LINES, reference="PO-7781", memo="Thank you."))
    assert ref.number is not None
    return ref.number


def test_an_invoice_prints_every_figure_it_holds(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    rec(books).record(
        ReceiptInput("C001", date(2024, 3, 10), D("300.00"), "1100", (AllocationInput(number, D("300.00")),))
    )
    detail = docs(books).invoice(number)
    out = tmp_path / "invoice.pdf"
    books.company.invoice_pdfs(books.ctx).write([number], out)
    (text,) = pages(out)
    lines = page_lines(text)
    assert lines[0:3] == ["Test Company Ltd", "Invoice", number]
    for expected in (
        "Bill to",
        "Acme Ltd",
        "Accounts payable",
        "12 High Street",
        "EC1A 1BB London",  # the billing address, not the shipping one
        "Tax number: GB123456789",
        "Thank you.",
        "How to pay",
        "IBAN GB29 NWBK 6016 1331 9268 19",
        f"Please quote {number} with your payment.",
        "Page 1 of 1",
    ):
        assert expected in lines, expected
    assert "Dock 4" not in text
    for label, value in (
        ("Number", number),
        ("Date", "2024-03-01"),
        ("Due date", "2024-03-31"),
        ("Terms", "net 30"),
        ("Your reference", "PO-7781"),
        ("Customer", "C001"),
        ("Currency", "USD"),
    ):
        assert has_row(lines, label, value), label
    # each line as printed: description, quantity, unit price, discount, tax code, net
    for view in detail.lines:
        discount = [f"{view.discount_percent.normalize():f}%"] if view.discount_percent else []
        cells = [view.description, f"{view.quantity.normalize():f}", figure(view.unit_price), *discount]
        cells += [view.tax_code] if view.tax_code else []
        assert has_row(lines, *cells, figure(view.net)), cells
    assert sum(v.net for v in detail.lines) == detail.net_total
    # the totals are the stored ones
    assert has_row(lines, "Net", figure(detail.net_total), "Tax", figure(detail.tax_total))
    assert has_row(lines, "Total USD", figure(detail.row.total))
    assert has_row(lines, "Paid so far", figure(detail.row.total - detail.row.open_amount))
    assert has_row(lines, "Amount due", figure(detail.row.open_amount))
    assert detail.row.total - detail.row.open_amount == D("300.00")
    # the tax summary by code: code, rate, net, tax
    rates = {"VAT20": "20%", "VAT5I": "5%"}
    for code, net, tax in detail.tax_summary:
        assert has_row(lines, code, rates[code], figure(net), figure(tax)), code
    assert audit_rows(books, "invoice_pdf")[0][0] == "export"


def test_a_credit_note_says_so_and_names_the_invoice_it_credits(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    note, _ = inv(books).credit_invoice(number, date(2024, 3, 5), lines=(LINES[0],))
    out = tmp_path / "note.pdf"
    books.company.invoice_pdfs(books.ctx).write([note.number or ""], out)
    (text,) = pages(out)
    lines = page_lines(text)
    assert lines[1:3] == ["Credit note", note.number]
    assert has_row(lines, "Credits invoice", number)
    assert has_row(lines, "Total USD", "240.00")  # 200 + 20 % VAT
    assert has_row(lines, "Applied or refunded so far", "240.00", "Credit remaining", "0.00")
    assert "How to pay" not in text and "Due date" not in text


def test_a_batch_in_one_file_numbers_pages_per_document(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    long_lines = tuple(
        InvoiceLineInput(f"Item {k}: a line long enough to need wrapping in its column", D(1), D("1.00"), tax_code="")
        for k in range(90)
    )
    long_ref, _ = inv(books).issue(sale("C001", "2024-03-02", *long_lines), confirm_credit=True)
    third, _ = inv(books).issue(sale("C001", "2024-03-03"), confirm_credit=True)
    pdfs = books.company.invoice_pdfs(books.ctx)
    found = pdfs.find(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    assert found == [number, long_ref.number, third.number]
    out = tmp_path / "batch.pdf"
    assert pdfs.write(found, out) == [out]
    footers = [page_lines(t)[-1] for t in pages(out)]
    counted = len(pages(out)) - 2
    assert counted >= 2
    assert footers == ["Page 1 of 1", *(f"Page {k} of {counted}" for k in range(1, counted + 1)), "Page 1 of 1"]
    assert all(page_lines(t)[2] == long_ref.number for t in pages(out)[1:-1])  # the number heads every page

    folder = tmp_path / "each"
    written = pdfs.write(found, folder, one_file=False, size="Letter")
    assert [p.name for p in written] == [f"{n}.pdf" for n in found]
    box = PdfReader(written[0]).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_unknown_numbers_and_missing_permission_are_refused(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    pdfs = books.company.invoice_pdfs(books.ctx)
    with pytest.raises(NotFoundError, match="no posted invoice or credit note numbered INV-1999-000001"):
        pdfs.write([number, "INV-1999-000001"], tmp_path / "x.pdf")
    inv(books).save_draft(sale())
    assert pdfs.find() == [number]  # drafts have no number and are never printed
    assert not (tmp_path / "x.pdf").exists()
    outsider = login_as(books, "payroll", "Payroll officer")
    with pytest.raises(PermissionDenied):
        books.company.invoice_pdfs(outsider).write([number], tmp_path / "y.pdf")


def test_the_logo_is_printed(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    books.ledger.set_company_logo(_png())
    out = tmp_path / "logo.pdf"
    books.company.invoice_pdfs(books.ctx).write([number], out)
    page = PdfReader(out).pages[0]
    assert len(page.images) == 1
    assert page_lines(page.extract_text())[0] == "Test Company Ltd"


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x1f\x6f\xdf" * 40 for _ in range(20))
    header = struct.pack(">IIBBBBB", 40, 20, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_a_rate_changed_since_is_not_printed_beside_the_old_amounts(books: Books, tmp_path: Path) -> None:
    number = customer_with_invoice(books)
    ar(books).update_tax_code("VAT20", TaxCodeInput("VAT20", "Standard rate", D("25"), "2200"))
    out = tmp_path / "old.pdf"
    books.company.invoice_pdfs(books.ctx).write([number], out)
    lines = page_lines(pages(out)[0])
    detail = docs(books).invoice(number)
    (net, tax) = next((n, t) for code, n, t in detail.tax_summary if code == "VAT20")
    assert has_row(lines, "VAT20", "20%", figure(net), figure(tax))  # what they were taxed at, not the 25 %
    assert has_row(lines, "VAT5I", "5%")  # unchanged codes print their rate
