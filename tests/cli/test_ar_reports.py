"""`paksa ar aging`, `paksa ar reconcile` and `paksa report ar-...`: the CSV contract, formats, exit codes."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl

from paksa_desktop.ledger.commands import EntryInput, LineInput
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from tests.cli.conftest import Paksa
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, customer, inv, rec, sale, with_customer

AGING_HEADER = "customer,name,current,days_1_30,days_31_60,days_61_90,over_90,total"


def trading(books: Books) -> None:
    """C001 (net 30): 120.00 due 2024-02-09 and 120.00 due 2024-03-31, 50.00 received on 2024-04-01 for
    the first. C002 (EUR at 1.10): 120.00 EUR = 132.00 due 2024-04-14; C003 nothing open."""
    with_customer(books)
    ar(books).create_customer(customer("C002", "Globex, Inc.", currency="EUR"))
    ar(books).create_customer(customer("C003", "Quiet Co"))
    inv(books).set_rate("EUR", date(2024, 1, 1), D("1.10"))
    first = inv(books).issue(sale(on="2024-01-10"))[0].number
    inv(books).issue(sale(on="2024-03-01"))
    inv(books).issue(sale("C002", "2024-03-15"))
    pays = (AllocationInput(first, D("50.00")),)
    rec(books).record(ReceiptInput("C001", date(2024, 4, 1), D("50.00"), "1100", pays))


def test_ar_aging_csv_is_the_contract(paksa: Paksa, any_company: Books) -> None:
    trading(any_company)
    run = paksa("ar", "aging", "--as-of", "2024-04-10", "--format", "csv")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        AGING_HEADER,
        "C001,Acme Ltd,0.00,120.00,0.00,70.00,0.00,190.00",
        'C002,"Globex, Inc.",132.00,0.00,0.00,0.00,0.00,132.00',
    ]
    before = paksa("ar", "aging", "--as-of", "2024-03-31", "--format", "csv")  # before the receipt
    assert before.out.splitlines()[1] == "C001,Acme Ltd,120.00,0.00,120.00,0.00,0.00,240.00"
    reconcile = paksa("ar", "reconcile", "--as-of", "2024-04-10")
    assert reconcile.code == 0
    assert reconcile.out.splitlines() == [
        "Receivables as of 2024-04-10 (USD)",
        "Subledger (open items)  322.00",
        "Control account 1200    322.00",
        "Difference                0.00",
    ]


def test_ar_aging_table_buckets_detail_and_files(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    trading(company)
    run = paksa("ar", "aging", "--as-of", "2024-04-10")
    lines = run.out.splitlines()
    assert lines[0] == "Receivables aging"
    assert lines[1] == "Test Company Ltd · as of 10 April 2024 · days past due · USD"
    assert lines[3].split() == ["Customer", "Name", "Current", "1–30", "31–60", "61–90", "Over", "90", "Total"]
    assert lines[-1].split() == ["Total", "132.00", "120.00", "0.00", "70.00", "0.00", "322.00"]
    custom = paksa("report", "ar-aging", "--as-of", "2024-04-10", "--buckets", "15,30,45", "--format", "csv")
    assert custom.out.splitlines()[:2] == [
        "customer,name,current,days_1_15,days_16_30,days_31_45,over_45,total",
        "C001,Acme Ltd,0.00,120.00,0.00,0.00,70.00,190.00",
    ]
    detail = paksa("ar", "aging", "--as-of", "2024-04-10", "--detail", "--customer", "C001", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(detail.out)))
    assert [(r["document"], r["days_overdue"], r["open_amount"], r["total"]) for r in rows] == [
        ("INV-2024-000001", "61", "70.00", "70.00"),
        ("INV-2024-000002", "10", "120.00", "120.00"),
    ]
    for suffix in ("xlsx", "pdf"):
        out = tmp_path / f"aging.{suffix}"
        written = paksa("ar", "aging", "--as-of", "2024-04-10", "--output", out)
        assert (written.code, written.out) == (0, f"Wrote the receivables aging (2 rows) to {out}\n")
    sheet = openpyxl.load_workbook(tmp_path / "aging.xlsx").active
    assert [c.value for c in sheet[6]][:3] == ["C002", "Globex, Inc.", 132]
    assert [r[0] for r in audit_rows(company, "ar_aging")] == ["export", "export"]


def test_bad_arguments_exit_with_a_reason(paksa: Paksa, company: Books) -> None:
    trading(company)
    run = paksa("ar", "aging", "--buckets", "60,30")
    assert (run.code, run.err_lines) == (1, ["paksa: error: aging buckets: the limits must increase, e.g. 30,60,90"])
    run = paksa("ar", "aging", "--format", "pdf")
    assert run.code == 2 and "--format pdf needs --output FILE" in run.err
    run = paksa("report", "ar-open-items", "--customer", "NOPE")
    assert (run.code, run.err_lines) == (1, ["paksa: error: customer NOPE does not exist"])
    run = paksa("report", "ar-sales", "--from", "2024-03-01", "--to", "2024-01-01")
    assert run.code == 1 and "before it starts" in run.err


def test_reconcile_exits_1_when_the_control_account_differs(paksa: Paksa, company: Books) -> None:
    trading(company)
    company.ledger.post(
        EntryInput(
            date(2024, 4, 5),
            (LineInput("1200", debit=D("10.00")), LineInput("4010", credit=D("10.00"))),
            memo="Posted to the control account by hand",
        )
    )
    run = paksa("ar", "reconcile", "--as-of", "2024-04-10")
    assert run.code == 1
    assert run.out.splitlines()[1:] == [
        "Subledger (open items)  322.00",
        "Control account 1200    332.00",
        "Difference              -10.00",
    ]
    assert run.err_lines == ["paksa: error: the receivables subledger and control account 1200 differ by -10.00 USD"]
    assert paksa("ar", "reconcile", "--as-of", "2024-04-04").code == 0  # before the stray entry


def test_report_ar_commands(paksa: Paksa, company: Books) -> None:
    trading(company)
    period = ("--from", "2024-01-01", "--to", "2024-04-30", "--format", "csv")
    sales = paksa("report", "ar-sales", *period)
    assert sales.out.splitlines() == [
        "customer,name,invoices,credit_notes,net_sales,tax,gross",
        "C001,Acme Ltd,2,0,200.00,40.00,240.00",
        'C002,"Globex, Inc.",1,0,110.00,22.00,132.00',
    ]
    by_month = paksa("report", "ar-sales", *period, "--by", "month")
    assert by_month.out.splitlines()[1:] == [
        "2024-01,1,0,100.00,20.00,120.00",
        "2024-02,0,0,0.00,0.00,0.00",
        "2024-03,2,0,210.00,42.00,252.00",
        "2024-04,0,0,0.00,0.00,0.00",
    ]
    tax = paksa("report", "ar-tax", *period)
    assert tax.out.splitlines()[1] == "VAT20,Standard rate,20,310.00,62.00,0.00,0.00,310.00,62.00"
    dso = list(csv.DictReader(io.StringIO(paksa("report", "ar-dso", *period).out)))
    assert [(r["period"], r["receivables"], r["dso"]) for r in dso][-1] == ("2024-04", "322.00", "")
    ledger = list(csv.DictReader(io.StringIO(paksa("report", "ar-customer-ledger", *period, "--customer", "C001").out)))
    assert [(r["document"], r["debit"], r["credit"], r["balance"]) for r in ledger] == [
        ("", "", "", "0.00"),
        ("INV-2024-000001", "120.00", "", "120.00"),
        ("INV-2024-000002", "120.00", "", "240.00"),
        ("RCT-2024-000001", "", "50.00", "190.00"),
        ("INV-2024-000001", "", "", "190.00"),
    ]
    items = paksa("report", "ar-open-items", "--as-of", "2024-04-10")
    assert items.code == 0 and items.out.splitlines()[0] == "Open receivables"
    assert "INV-2024-000003" in items.out and items.out.splitlines()[-1].split()[-1] == "322.00"
