"""`paksa cash position` and `paksa cash forecast`: table, CSV, Excel and PDF, what-ifs, clear errors.

The books are tests/banking/test_cash_forecast.py's (worked out by hand there): opening 1,120.00 on
2024-06-19, receipts of 120.00 in weeks 1 and 4, rent of 500.00 in weeks 2, 7 and 11.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from pypdf import PdfReader

from tests.banking.test_cash_forecast import cash_books
from tests.cli.conftest import Paksa
from tests.conftest import Books


def test_forecast_as_table_csv_xlsx_and_pdf(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    cash_books(any_company)
    run = paksa("cash", "forecast", "--weeks", "13", "--from", "2024-06-19")
    assert (run.code, run.err) == (0, "")
    lines = run.out.splitlines()
    assert lines[0] == "Cash forecast" and "13 weeks from 2024-06-19" in lines[1]
    assert lines[-1].split() == ["2024-06-19", "2024-09-17", "1,120.00", "240.00", "1,500.00", "(1,260.00)", "(140.00)"]
    run = paksa("cash", "forecast", "--from", "2024-06-19", "--weeks", "5", "--format", "csv")
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["week", "start", "end", "opening", "receipts", "payments", "net", "closing"]
    assert rows[4] == ["4", "2024-07-10", "2024-07-16", "740.00", "120.00", "0.00", "120.00", "860.00"]
    run = paksa(
        "cash", "forecast", "--from", "2024-06-19", "--delay-receipts", "7", "--one-off", "2024-07-20:-300:Tax",
        "--format", "csv",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(run.out)))
    # weeks 1-4: 1,120.00, then +120.00 (overdue, 06-26) - 500.00 rent in week 2: 740.00; week 5: C001's
    # receipt moved to 07-19 and the one-off tax of 07-20
    assert rows[5] == ["5", "2024-07-17", "2024-07-23", "740.00", "120.00", "300.00", "-180.00", "560.00"]
    run = paksa("cash", "forecast", "--from", "2024-06-19", "--output", tmp_path / "f.xlsx")
    assert run.code == 0 and "Wrote the cash forecast (13 rows)" in run.err + run.out
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert ("Week", "From", "To", "Opening", "Receipts", "Payments", "Net", "Closing") in list(
        ws.iter_rows(values_only=True)
    )
    run = paksa("cash", "forecast", "--from", "2024-06-19", "--output", tmp_path / "f.pdf")
    assert run.code == 0
    text = PdfReader(tmp_path / "f.pdf").pages[0].extract_text()
    assert "Cash forecast" in text and "860.00" in text


def test_position_and_errors(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    cash_books(any_company)
    run = paksa("cash", "position", "--as-of", "2024-06-30")
    assert (run.code, run.err) == (0, "")
    assert "Operating" in run.out and run.out.splitlines()[-1].split()[:3] == ["Total", "in", "USD"]
    assert "1,120.00" in run.out
    run = paksa("cash", "position", "--as-of", "2024-06-30", "--output", tmp_path / "p.pdf")
    assert run.code == 0 and "Cash position" in PdfReader(tmp_path / "p.pdf").pages[0].extract_text()
    run = paksa("cash", "forecast", "--one-off", "2024-07-20:lots")
    assert run.code == 2 and "'lots' in '2024-07-20:lots' is not an amount" in run.err
    run = paksa("cash", "forecast", "--from", "2024-06-19", "--weeks", "2", "--one-off", "2024-12-01:5:Late")
    assert run.code == 1 and "one-off 'Late' on 2024-12-01 is outside the forecast" in run.err
    run = paksa("cash", "forecast", "--format", "pdf")
    assert run.code == 2 and "--format pdf needs --output FILE" in run.err
