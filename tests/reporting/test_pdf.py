"""The PDF renderer: read back with pypdf, page by page, and compared with the report model."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.reporting.pdf import PdfOptions, to_pdf
from paksa_desktop.reporting.renderers import render_file

COLUMNS = (
    Column("code", "Code"),
    Column("name", "Account"),
    Column("debit", "Debit", ColumnKind.MONEY),
    Column("balance", "Balance", ColumnKind.MONEY),
)


def ledger_report(n: int) -> Report:
    rows = [ReportRow(("", "Assets", None, None), RowStyle.HEADING)]
    for i in range(n):
        amount = Decimal(i * 1234 + 5) / 100
        rows.append(
            ReportRow((f"{1000 + i}", f"Account número {i} Łódź", amount, -amount if i % 3 else amount), level=1)
        )
    total = sum((r.cells[2] for r in rows[1:]), Decimal(0))
    balance = sum((r.cells[3] for r in rows[1:]), Decimal(0))
    return Report(
        "Trial balance",
        COLUMNS,
        tuple(rows),
        subtitle="as of 2026-10-31",
        company="Zürich Trading AG",
        currency="CHF",
        totals=(ReportRow(("", "Total", total, balance), RowStyle.TOTAL),),
    )


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_every_page_has_header_columns_and_page_x_of_y(tmp_path: Path) -> None:
    report = ledger_report(300)
    path = tmp_path / "tb.pdf"
    printed = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    pages = to_pdf(report, path, PdfOptions(printed_at=printed, printed_by="alice"))
    texts = page_texts(path)
    assert pages == len(texts) > 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "Zürich Trading AG" in text and "Trial balance" in text and "as of 2026-10-31" in text
        assert "Code" in text and "Account" in text and "Debit" in text and "Balance" in text
        assert "Printed 2026-11-02 09:30 UTC by alice" in text


def test_figures_equal_the_model_negatives_in_parentheses_and_no_row_split(tmp_path: Path) -> None:
    report = ledger_report(250)
    path = tmp_path / "tb.pdf"
    to_pdf(report, path)
    pages = [text.splitlines() for text in page_texts(path)]
    found = 0
    for row in report.rows[1:]:
        code, name, debit, balance = row.cells
        expected = [code, name, money_text(debit), f"({money_text(-balance)})" if balance < 0 else money_text(balance)]
        # each cell comes out as one line: the whole row is on one page, in order
        hits = [lines[i : i + 4] for lines in pages for i, line in enumerate(lines) if line == code]
        assert hits == [expected]
        found += 1
    assert found == 250
    total = report.totals[0]
    last = pages[-1]
    at = last.index("Total")
    assert last[at + 1 : at + 3] == [money_text(total.cells[2]), f"({money_text(-total.cells[3])})"]


def test_letter_and_a4_sizes_and_landscape_for_wide_reports(tmp_path: Path) -> None:
    report = ledger_report(5)
    to_pdf(report, tmp_path / "a4.pdf")
    to_pdf(report, tmp_path / "letter.pdf", PdfOptions(page_size="Letter"))
    a4 = PdfReader(tmp_path / "a4.pdf").pages[0].mediabox
    letter = PdfReader(tmp_path / "letter.pdf").pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    wide = Report("Wide", tuple(Column(f"c{i}", f"Column {i}", ColumnKind.MONEY) for i in range(12)), ())
    to_pdf(wide, tmp_path / "wide.pdf")
    box = PdfReader(tmp_path / "wide.pdf").pages[0].mediabox
    assert float(box.width) > float(box.height)


def test_long_text_wraps_inside_its_column(tmp_path: Path) -> None:
    memo = "a very long memo that cannot fit in one line of the column " * 6
    report = Report(
        "Notes",
        (Column("memo", "Memo"), Column("amount", "Amount", ColumnKind.MONEY)),
        (ReportRow((memo.strip(), Decimal("12.50"))),),
    )
    path = tmp_path / "notes.pdf"
    assert to_pdf(report, path) == 1
    text = page_texts(path)[0]
    assert "12.50" in text and text.count("a very long memo") == 6


def test_logo_is_drawn(tmp_path: Path) -> None:
    path = tmp_path / "logo.pdf"
    to_pdf(ledger_report(2), path, PdfOptions(logo=tiny_png()))
    page = PdfReader(path).pages[0]
    assert len(page.images) == 1


def test_bad_page_size_and_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown page size 'A5'"):
        to_pdf(ledger_report(1), tmp_path / "x.pdf", PdfOptions(page_size="A5"))
    with pytest.raises(ValidationError, match=r"cannot write 'x\.docx' as 'docx'"):
        render_file(ledger_report(1), tmp_path / "x.docx")
    assert not (tmp_path / "x.pdf").exists()


def tiny_png() -> bytes:
    """A 4x2 red PNG, built by hand so the test needs no imaging library."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 4, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
