"""`paksa import bills FILE [--post]` end to end: drafts by default, approved and posted with --post,
`FILE:ROW: column: reason` on a bad file, exit 1 and nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Paksa, write
from tests.conftest import Books
from tests.payables.bill_fixtures import D, with_vendor

BILLS = """\
bill,vendor,vendor_invoice,date,due_date,description,quantity,unit_price,account,tax_code,department,project
B1,V001,INV-100,2024-05-02,,Paper,3,12.50,6130,,ADMIN,
B1,V001,INV-100,2024-05-02,,Toner,1,80.00,,,,WEB
B2,V002,77,2024-05-03,2024-05-31,Hosting,1,49.99,6140,,,
"""


def test_bills_as_drafts_then_posted(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    with_vendor(with_vendor(company, "V001"), "V002")
    path = write(tmp_path / "bills.csv", BILLS)
    run = paksa("import", "bills", path)
    assert (run.code, run.err) == (0, "")
    assert run.out == "Imported 2 bills (3 lines) from bills.csv as drafts, to submit for approval\n"
    queries = company.company.bill_queries(company.ctx)
    assert sorted(b.total for b in queries.bills()) == [D("49.99"), D("117.50")]

    run = paksa("import", "bills", path, "--post")  # the drafts are there: the same invoices are refused
    assert run.code == 1 and run.out == ""
    assert run.err_lines[0].startswith("bills.csv:2: vendor_invoice: INV-100 of V001 is already draft ")
    assert run.err_lines[-1] == "paksa: error: 2 problems found; nothing was written"

    posted = write(tmp_path / "posted.csv", BILLS.replace("INV-100", "INV-101").replace(",77,", ",78,"))
    run = paksa("import", "bills", posted, "--post")
    assert (run.code, run.err) == (0, "")
    assert run.out == (
        "Imported, approved and posted 2 bills (3 lines) from posted.csv: BILL-2024-000001 to BILL-2024-000002\n"
    )
    assert company.queries.count_entries() == 2


def test_a_bad_bill_file_exits_1_and_writes_nothing(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    with_vendor(company, "V001")
    run = paksa("import", "bills", write(tmp_path / "bad.csv", BILLS.replace("WEB", "MOON")))
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "bad.csv:3: project: unknown project 'MOON'",
        "bad.csv:4: vendor: unknown vendor 'V002'",
        "paksa: error: 2 problems found; nothing was written",
    ]
    assert company.company.bill_queries(company.ctx).bills() == []
    missing = paksa("import", "bills", write(tmp_path / "cols.csv", "bill,vendor\nB1,V001\n"))
    assert missing.code == 1 and "vendor_invoice" in missing.err
