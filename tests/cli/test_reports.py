"""`paksa report balance-sheet|income-statement|cash-flow|equity|general-ledger|journal|budget-vs-actual`
and `paksa company logo`: formats, options, errors, and the audit row of every file written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.cli.conftest import Paksa
from tests.conftest import Books
from tests.ledger.test_statements import trading_year
from tests.reporting.test_pdf import tiny_png


@pytest.fixture
def traded(any_company: Books) -> Books:
    trading_year(any_company)
    return any_company


def test_balance_sheet_table_and_csv(paksa: Paksa, traded: Books) -> None:
    run = paksa("report", "balance-sheet", "--as-of", "2024-06-30")
    assert run.code == 0, run.err
    assert run.out.startswith("Balance sheet\nTest Company Ltd · as of 30 June 2024 · USD\n")
    assert "Total assets" in run.out and "60,500.00" in run.out
    run = paksa("report", "balance-sheet", "--as-of", "2024-06-30", "--compare", "previous-year", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert list(rows[0]) == ["line", "current", "previous", "variance", "variance_pct"]
    total = next(r for r in rows if r["line"] == "Total assets")
    assert total["current"] == "60500.00" and total["previous"] == "0.00" and total["variance_pct"] == ""


def test_income_statement_by_month_to_excel_and_pdf_with_chart(paksa: Paksa, traded: Books, tmp_path: Path) -> None:
    out = tmp_path / "income.xlsx"
    run = paksa("report", "income-statement", "--from", "2024-01-01", "--to", "2024-12-31", "--by", "month",
                "--output", out)  # fmt: skip
    assert run.code == 0, run.err
    assert run.out.startswith("Wrote the income statement (") and str(out) in run.out
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[4]]
    assert header[1:4] == ["Jan 2024", "Feb 2024", "Mar 2024"] and len(header) == 13
    pdf = tmp_path / "income.pdf"
    run = paksa("report", "income-statement", "--from", "2024-01-01", "--to", "2024-12-31", "--chart",
                "--detail", "lines", "--page-size", "Letter", "--output", pdf)  # fmt: skip
    assert run.code == 0, run.err
    reader = PdfReader(pdf)
    text = reader.pages[0].extract_text()
    assert "Revenue, expenses and net income by month" in text and "Net income" in text and "4,000.00" in text
    assert round(float(reader.pages[0].mediabox.height)) == 792  # Letter
    with UnitOfWork(traded.company.engine, write=False) as uow:
        exported = uow.session.execute(
            select(AuditRecord.entity).where(AuditRecord.action == "export").order_by(AuditRecord.seq)
        ).scalars()
        assert list(exported) == ["income_statement", "income_statement"]


@pytest.mark.parametrize("name", ["cash-flow", "equity", "general-ledger", "journal"])
def test_the_other_reports(paksa: Paksa, traded: Books, name: str) -> None:
    run = paksa("report", name, "--from", "2024-01-01", "--to", "2024-06-30")
    assert run.code == 0, run.err
    first = {"cash-flow": "Cash flow statement", "equity": "Statement of changes in equity",
             "general-ledger": "General ledger", "journal": "Journal"}[name]  # fmt: skip
    assert run.out.splitlines()[0] == first
    if name == "cash-flow":
        assert "Cash at the end of the period" in run.out and "49,000.00" in run.out


def test_general_ledger_of_one_account_and_journal_of_one_journal(paksa: Paksa, traded: Books) -> None:
    run = paksa("report", "general-ledger", "--from", "2024-01-01", "--to", "2024-06-30", "--account", "1200")
    assert run.code == 0 and "1200 Accounts receivable" in run.out and "1100 Operating" not in run.out
    run = paksa("report", "journal", "--from", "2024-01-01", "--to", "2024-06-30", "--journal", "GEN")
    assert run.code == 0 and "GEN-2024-000001" in run.out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("balance-sheet", "--from", "2024-01-01"), 1, "a balance sheet is as of a date"),
        (("income-statement", "--as-of", "2024-01-01"), 1, "covers a period"),
        (("income-statement", "--by", "month", "--compare", "previous-year"), 1, "not both"),
        (("budget-vs-actual",), 1, "no budget yet"),
        (("income-statement", "--department", "NOPE"), 1, "unknown department 'NOPE'"),
        (("balance-sheet", "--format", "pdf"), 2, "--format pdf needs --output FILE"),
        (("balance-sheet", "--as-of", "2024-01-01", "--to", "2024-02-01"), 2, "either --as-of or --from/--to"),
        (("income-statement", "--compare", "last-week"), 2, "invalid choice"),
    ],
)
def test_bad_report_options(paksa: Paksa, traded: Books, args: tuple[str, ...], code: int, message: str) -> None:
    run = paksa("report", *args)
    assert run.code == code and message in run.err and run.out == ""


def test_company_logo_appears_on_printed_reports(paksa: Paksa, traded: Books, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    run = paksa("company", "logo", logo)
    assert run.code == 0 and run.out.startswith(f"Set the company logo from {logo}")
    pdf = tmp_path / "bs.pdf"
    assert paksa("report", "balance-sheet", "--output", pdf).code == 0
    assert len(PdfReader(pdf).pages[0].images) == 1
    not_image = tmp_path / "logo.txt"
    not_image.write_text("hello")
    run = paksa("company", "logo", not_image)
    assert run.code == 1 and "must be a PNG or JPEG" in run.err
    assert paksa("company", "logo").code == 2
    assert paksa("company", "logo", "--remove").code == 0
    assert paksa("report", "balance-sheet", "--output", pdf).code == 0
    assert len(PdfReader(pdf).pages[0].images) == 0
