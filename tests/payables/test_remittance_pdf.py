"""Remittance advice PDFs, parsed back with pypdf: the vendor, every bill and the total are on the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.payables.payment_batch import Party, RemittanceAdvice, RemittanceLine
from paksa_desktop.payables.remittance_pdf import remittance_pdf, remittance_pdfs

COMPANY = Party("Müller & Söhne GmbH", "DE89370400440532013000", "COBADEFFXXX", ("Hauptstraße 1", "10115 Berlin"), "DE")
VENDOR = Party(
    "Café Éclair SARL", "FR1420041010050500013M02606", "PSSTFRPPPAR", ("12 rue de la Paix", "75002 Paris"), "FR"
)


def line(n: int, amount: str, discount: str = "0", withheld: str = "0") -> RemittanceLine:
    a, d, w = Decimal(amount), Decimal(discount), Decimal(withheld)
    return RemittanceLine(f"BILL-{n:05d}", f"FAC-2024-{n:04d}", date(2024, 4, n % 28 + 1), a, d, w, a - d - w)


def advice(lines: tuple[RemittanceLine, ...], **kw: object) -> RemittanceAdvice:
    fields: dict[str, object] = {
        "company": COMPANY,
        "vendor": VENDOR,
        "vendor_code": "V001",
        "payment_date": date(2024, 5, 31),
        "payment_reference": "RUN-2024-0007",
        "currency": "EUR",
        "lines": lines,
    }
    fields.update(kw)
    return RemittanceAdvice(**fields)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_the_letter_names_the_vendor_every_bill_and_the_total() -> None:
    lines = (line(1, "12500.00", discount="250.00"), line(2, "1999.99", withheld="199.99"), line(3, "-300.00"))
    a = advice(lines)
    assert a.total_paid == Decimal("13750.00")
    pdf = remittance_pdf(a)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in ("Remittance advice", "RUN-2024-0007", "Müller & Söhne GmbH", "Hauptstraße 1", "Café Éclair SARL"):
        assert expected in text
    assert "12 rue de la Paix" in text and "75002 Paris" in text
    assert "FR14 2004 1010 0505 0001 3M02 606" in text
    for ln in lines:
        assert ln.document in text and ln.vendor_invoice in text and ln.date.isoformat() in text
    for figure in ("12,500.00", "250.00", "12,250.00", "1,999.99", "199.99", "1,800.00", "-300.00"):
        assert figure in text, figure
    assert "Total EUR" in text and "14,199.99" in text and "13,750.00" in text
    assert "EUR 13,750.00" in text  # in the particulars and the sentence
    assert "Page 1 of 1" in text
    assert "Withheld: tax withheld" in text and "Discount: the early-payment discount" in text


def test_a_long_advice_runs_over_pages_with_the_header_repeated() -> None:
    lines = tuple(line(n, f"{n * 10}.{n % 100:02d}") for n in range(1, 121))
    pdf = remittance_pdf(advice(lines))
    pages = [p.extract_text() for p in PdfReader(BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Your invoice" in page and f"Page {number} of {len(pages)}" in page and "RUN-2024-0007" in page
    text = "\n".join(pages)
    assert all(ln.vendor_invoice in text for ln in lines)
    total = sum((ln.paid for ln in lines), Decimal(0))
    assert f"{total:,}" in pages[-1]


def test_decimals_follow_the_currency() -> None:
    a = advice((line(1, "150000"),), currency="JPY")
    text = text_of(remittance_pdf(a))
    assert "150,000" in text and "150,000.00" not in text
    with pytest.raises(ValidationError, match=r"vendor V001, line 1 \(BILL-00001\): amount 1.5 has more than the 0"):
        remittance_pdf(advice((line(1, "1.5"),), currency="JPY"))
    with pytest.raises(ValidationError, match="vendor V001: it lists no bills"):
        remittance_pdf(advice(()))


def test_one_file_per_vendor_with_safe_names(tmp_path: Path) -> None:
    first = advice((line(1, "10.00"),))
    second = advice((line(2, "20.00"),), vendor=replace(VENDOR, name="Acme / Co"), vendor_code="../ACME 7")
    same_vendor_usd = advice((line(3, "30.00"),), currency="USD")
    paths = remittance_pdfs([first, second, same_vendor_usd], tmp_path / "out")
    assert [p.name for p in paths] == [
        "remittance-V001-2024-05-31.pdf",
        "remittance--ACME-7-2024-05-31.pdf",
        "remittance-V001-2024-05-31-USD.pdf",
    ]
    assert all(p.parent == tmp_path / "out" for p in paths)
    assert "Acme / Co" in text_of(paths[1].read_bytes())
    assert "BILL-00003" in text_of(paths[2].read_bytes())


def test_a_bad_advice_writes_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        remittance_pdfs([advice((line(1, "10.00"),)), advice(())], tmp_path / "out")
    assert not (tmp_path / "out").exists()
