"""`paksa import|export customers|items` and `paksa tax-code list|add`: messages, exit codes, round trips."""

from __future__ import annotations

from pathlib import Path

from paksa_desktop.security.service import NewUser
from tests.cli.conftest import Paksa, write
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import arq

CUSTOMERS = """\
code,name,currency,payment_terms_days,credit_limit,email,tax_number,income_account
C001,Acme Ltd,USD,30,5000.00,ap@acme.example,GB123456789,4010
C002,"Globex, Inc.",EUR,2/10 net 30,,,,
C003,Yen Co,JPY,net 30 EOM,100000,,,4020
"""
ITEMS = """\
code,description,unit_price,income_account,tax_code
CONSULT,Consulting hour,150.00,4020,VAT20
WIDGET,Blue widget,12.50,4010,
"""


def test_import_export_round_trip(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    run = paksa("tax-code", "add", "VAT20", "--rate", "20", "--account", "2200", "--name", "Standard rate")
    assert (run.code, run.out) == (0, "Added tax code VAT20 (20 %, exclusive, account 2200)\n")
    run = paksa("import", "customers", write(tmp_path / "customers.csv", CUSTOMERS))
    assert (run.code, run.err) == (0, "")
    assert run.out == "Imported 3 customers from customers.csv: 3 created, 0 updated, 0 unchanged\n"
    run = paksa("import", "items", write(tmp_path / "items.csv", ITEMS))
    assert run.out == "Imported 2 items from items.csv: 2 created, 0 updated, 0 unchanged\n"
    assert arq(any_company).customer("C002").payment_terms == "2/10 net 30"

    run = paksa("export", "customers", "--output", tmp_path / "out.csv")
    assert (run.code, run.out) == (0, f"Exported 3 customers to {tmp_path / 'out.csv'}\n")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == CUSTOMERS
    run = paksa("export", "items", "--output", tmp_path / "items.xlsx")
    assert (run.code, run.out) == (0, f"Exported 2 items to {tmp_path / 'items.xlsx'}\n")
    run = paksa("import", "customers", tmp_path / "out.csv")
    assert run.out == "Imported 3 customers from out.csv: 0 created, 0 updated, 3 unchanged\n"
    run = paksa("import", "items", tmp_path / "items.xlsx")
    assert run.out == "Imported 2 items from items.xlsx: 0 created, 0 updated, 2 unchanged\n"
    assert [r[0] for r in audit_rows(any_company, "customers")] == ["export"]


def test_a_bad_file_exits_1_with_every_problem(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.csv",
        "code,name,currency,payment_terms_days,credit_limit\nC1,A,USD,30,-1\nC2,,XYZ,30,\nC1,B,USD,x,\n",
    )
    run = paksa("import", "customers", bad)
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "bad.csv:2: credit_limit: the credit limit must not be negative",
        "bad.csv:3: name: required",
        "bad.csv:3: currency: 'XYZ' is not an ISO 4217 currency code",
        "bad.csv:4: code: duplicate of row 2",
        "bad.csv:4: payment_terms_days: 'x' is not payment terms; write e.g. 'net 30', '30 EOM', 'due on receipt' "
        "or '2/10 net 30'",
        "paksa: error: 5 problems found; nothing was written",
    ]
    assert arq(company).customers() == []


def test_tax_code_list_and_refusals(paksa: Paksa, company: Books) -> None:
    assert paksa("tax-code", "list").out.startswith("No tax codes yet")
    paksa("tax-code", "add", "VAT5", "--rate", "5", "--account", "2200", "--inclusive")
    run = paksa("tax-code", "add", "BAD", "--rate", "5", "--account", "4010")
    assert run.code == 1
    assert run.err_lines == [
        "paksa: error: tax code BAD: account: account 4010 is income; the tax account must be a liability account"
    ]
    run = paksa("tax-code", "add", "BAD", "--rate", "five", "--account", "2200")
    assert (run.code, run.err_lines) == (1, ["paksa: error: 'five' is not a percentage (e.g. 20 or 7.5)"])
    run = paksa("tax-code", "list")
    assert run.out.splitlines() == [
        "Code    Rate %  Prices     Account   Active  Name",
        "VAT5         5  inclusive  2200      yes     VAT5",
        "Tax is rounded per line.",
    ]


def test_a_viewer_exports_but_cannot_import(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    company.company.users(company.ctx).add_user(NewUser("viewer", ADMIN_PASSWORD, roles=("Viewer",)))
    run = paksa("import", "customers", write(tmp_path / "c.csv", CUSTOMERS), "--user", "viewer")
    assert (run.code, run.err_lines) == (
        1,
        ["paksa: error: user 'viewer' lacks permission 'receivables.customer.manage'"],
    )
    run = paksa("export", "customers", "--output", tmp_path / "out.csv", "--user", "viewer")
    assert (run.code, run.out) == (0, f"Exported 0 customers to {tmp_path / 'out.csv'}\n")
    assert arq(company).customers() == []
