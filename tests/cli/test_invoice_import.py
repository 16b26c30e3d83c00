"""`paksa import invoices FILE` end to end with `paksa import customers`: the contract columns, the summary,
`FILE:ROW: column: reason` on a bad file, exit 1 and nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Paksa, write
from tests.conftest import Books
from tests.receivables.helpers import D, arq, docs

CUSTOMERS = """\
code,name,currency,payment_terms_days,credit_limit,email,tax_number,income_account
ACME,Acme Ltd,USD,14,5000.00,ap@acme.example,GB123456789,4020
GLOBEX,"Globex, Inc.",USD,45,,,,
"""
INVOICES = """\
invoice,customer,date,due_date,description,quantity,unit_price,account,tax_code,department,project
SO-1,ACME,2024-05-02,,Consulting,3,150.00,,VAT20,SALES,WEB
SO-1,ACME,2024-05-02,,Expenses,1,42.10,4010,,,
SO-2,GLOBEX,2024-05-03,2024-05-31,Widgets,12,9.99,,VAT20,,
"""


def test_customers_then_invoices_then_aging(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    assert paksa("tax-code", "add", "VAT20", "--rate", "20", "--account", "2200").code == 0
    run = paksa("import", "customers", write(tmp_path / "customers.csv", CUSTOMERS))
    assert (run.code, run.err) == (0, "")
    acme = arq(company).customer("ACME")
    assert (acme.payment_terms, acme.credit_limit, acme.income_account) == ("net 14", 5000, "4020")
    assert arq(company).customer("GLOBEX").payment_terms == "net 45"

    run = paksa("import", "invoices", write(tmp_path / "invoices.csv", INVOICES))
    assert (run.code, run.err) == (0, "")
    assert run.out == "Imported and posted 2 invoices (3 lines) from invoices.csv: INV-2024-000001 to INV-2024-000002\n"
    first = docs(company).invoice("INV-2024-000001")
    assert (first.row.reference, first.row.due_date.isoformat(), first.row.total) == ("SO-1", "2024-05-16", D("582.10"))
    assert [ln.account for ln in first.lines] == ["4020", "4010"]  # the customer's income account, then the file's
    aging = paksa("ar", "aging", "--as-of", "2024-06-10", "--format", "csv")
    assert aging.out.splitlines()[1:] == [
        "ACME,Acme Ltd,0.00,582.10,0.00,0.00,0.00,582.10",
        'GLOBEX,"Globex, Inc.",0.00,143.86,0.00,0.00,0.00,143.86',
    ]
    assert paksa("ar", "reconcile", "--as-of", "2024-06-10").code == 0

    again = paksa("import", "invoices", tmp_path / "invoices.csv")
    assert again.code == 1 and again.out == ""
    assert again.err_lines == [
        "invoices.csv:2: invoice: 'SO-1' of ACME was imported before as INV-2024-000001",
        "invoices.csv:4: invoice: 'SO-2' of GLOBEX was imported before as INV-2024-000002",
        "paksa: error: 2 problems found; nothing was written",
    ]


def test_a_bad_invoice_file_exits_1_and_writes_nothing(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    paksa("import", "customers", write(tmp_path / "customers.csv", CUSTOMERS))
    bad = INVOICES.replace("SO-2,GLOBEX,2024-05-03", "SO-2,GLOBEX,2024-5-3").replace("WEB", "MOON")
    run = paksa("import", "invoices", write(tmp_path / "bad.csv", bad))
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "bad.csv:2: tax_code: unknown tax code 'VAT20'",
        "bad.csv:2: project: unknown project 'MOON'",
        "bad.csv:4: date: '2024-5-3' is not a date in the form YYYY-MM-DD",
        "bad.csv:4: tax_code: unknown tax code 'VAT20'",
        "paksa: error: 4 problems found; nothing was written",
    ]
    assert docs(company).invoices() == []
