"""`paksa ap aging|reconcile|withholding` and `paksa report ap-...`: the CSV contract (the receivables
aging's columns with `vendor`), a non-zero exit when the subledger does not reconcile, and the files
read back (xlsx with openpyxl, PDF with pypdf)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf

from paksa_desktop.payables.payments import BillToPay, PaymentInput
from tests.cli.conftest import Paksa
from tests.cli.test_ar_reports import AGING_HEADER
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables

AP_AGING_HEADER = "vendor,name,current,days_1_30,days_31_60,days_61_90,over_90,total"


def trading(books: Books) -> Payables:
    """V1: 100.00 due 2024-07-01 and 200.00 due 2024-06-10; W1 (24 % withheld): 1,000.00 due 2024-05-20,
    400.00 of it paid on 2024-06-01 (304.00 to the vendor, 96.00 withheld)."""
    ap = Payables(books)
    ap.bank()
    ap.vendor("V1", "Paper Co", iban=None)
    ap.vendor("W1", "Maya Lopez, Design", iban=None, withholding_percent="24")
    ap.bill("V1", "100.00", date(2024, 6, 1), due=date(2024, 7, 1))
    ap.bill("V1", "200.00", date(2024, 5, 1), due=date(2024, 6, 10))
    ap.bill("W1", "1000.00", date(2024, 5, 15), due=date(2024, 5, 20))
    data = PaymentInput("W1", "Operating", date(2024, 6, 1), (BillToPay("BILL-2024-000003", Decimal("400.00")),))
    books.company.vendor_payments(books.ctx).pay(data)
    return ap


def test_ap_aging_csv_has_the_receivables_columns_with_vendor(paksa: Paksa, any_company: Books) -> None:
    trading(any_company)
    run = paksa("ap", "aging", "--as-of", "2024-06-30", "--format", "csv")
    assert (run.code, run.err) == (0, "")
    assert AGING_HEADER.replace("customer", "vendor") == AP_AGING_HEADER
    assert run.out.splitlines() == [
        AP_AGING_HEADER,
        "V1,Paper Co,100.00,200.00,0.00,0.00,0.00,300.00",
        'W1,"Maya Lopez, Design",0.00,0.00,600.00,0.00,0.00,600.00',
    ]
    before = paksa("ap", "aging", "--as-of", "2024-05-31", "--format", "csv", "--vendor", "W1")
    assert before.out.splitlines()[1:] == ['W1,"Maya Lopez, Design",0.00,1000.00,0.00,0.00,0.00,1000.00']
    same = paksa("report", "ap-aging", "--as-of", "2024-06-30", "--format", "csv")
    assert same.out == run.out
    reconcile = paksa("ap", "reconcile", "--as-of", "2024-06-30")
    assert reconcile.code == 0, reconcile.err
    assert reconcile.out.splitlines()[0] == "Payables as of 2024-06-30 (USD)"
    differences = [line.split()[-1] for line in reconcile.out.splitlines() if ": difference" in line]
    assert differences == ["0.00", "0.00"]  # payable 2010 and employee payable 2100
    assert [line.split()[-1] for line in reconcile.out.splitlines() if ": subledger" in line] == ["900.00", "0.00"]


def test_reconcile_exits_non_zero_when_a_hand_entry_hits_the_control_account(paksa: Paksa, company: Books) -> None:
    trading(company)
    company.ledger.post(entry("2024-06-15", ("6130", "75.00"), ("2010", "-75.00"), memo="accrual by hand"))
    run = paksa("ap", "reconcile", "--as-of", "2024-06-30")
    assert run.code != 0
    assert "differ by -75.00 USD" in run.err
    assert "accrual by hand" in run.out and "Posted to a control account by hand" in run.out
    assert paksa("ap", "reconcile", "--as-of", "2024-06-14").code == 0


def test_withholding_report_as_excel_and_pdf(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    trading(company)
    xlsx = tmp_path / "withholding.xlsx"
    run = paksa("ap", "withholding", "--year", "2024", "--output", xlsx)
    assert run.code == 0, run.err
    sheet = openpyxl.load_workbook(xlsx).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert rows[0] == ["Vendor", "Name", "Tax number", "Rate", "Payments", "Gross paid", "Tax withheld", "Net paid"]
    assert rows[1][:2] == ["W1", "Maya Lopez, Design"] and rows[1][4:] == [1, 400, 96, 304]
    pdf = tmp_path / "withholding.pdf"
    assert paksa("ap", "withholding", "--year", "2024", "--output", pdf, "--page-size", "Letter").code == 0
    reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) == 1  # one page per withholding vendor
    page = reader.pages[0].extract_text()
    for expected in ("Withholding statement", "Maya Lopez, Design", "Tax year", "2024", "400.00", "96.00", "304.00"):
        assert expected in page
    exports = [after for action, _id, _before, after in audit_rows(company, "ap_withholding") if action == "export"]
    assert {"file": "withholding.pdf", "rows": 1}.items() <= exports[-1].items()
    nothing = paksa("ap", "withholding", "--year", "2023", "--output", tmp_path / "empty.pdf")
    assert nothing.code != 0 and "nothing to report" in nothing.err
    assert not (tmp_path / "empty.pdf").exists()
    bad = paksa("ap", "withholding", "--year", "2024", "--output", tmp_path / "w.txt")
    assert bad.code != 0 and ".pdf or an .xlsx" in bad.err


def test_report_ap_entries_write_files(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    trading(company)
    ledger = paksa("report", "ap-vendor-ledger", "--from", "2024-05-01", "--to", "2024-06-30", "--vendor", "W1")
    assert ledger.code == 0 and "Vendor ledger" in ledger.out and "600.00" in ledger.out
    csv_run = paksa("report", "ap-open-bills", "--as-of", "2024-06-30", "--format", "csv")
    assert csv_run.out.splitlines()[0].startswith("vendor,name,kind,document,vendor_invoice")
    assert len(csv_run.out.splitlines()) == 4
    payments = tmp_path / "payments.xlsx"
    assert paksa("report", "ap-payments", "--from", "2024-06-01", "--to", "2024-06-30", "--output", payments).code == 0
    assert openpyxl.load_workbook(payments).active["A1"].value == "Payments made"
    recon = tmp_path / "reconcile.pdf"
    assert paksa("report", "ap-reconcile", "--as-of", "2024-06-30", "--output", recon).code == 0
    text = pypdf.PdfReader(recon).pages[0].extract_text()
    assert "Payables reconciliation" in text and "reconciled" in text
    cash = paksa("report", "ap-cash-requirements", "--as-of", "2024-06-30", "--weeks", "4")
    assert cash.code == 0 and "Cash requirements forecast" in cash.out
