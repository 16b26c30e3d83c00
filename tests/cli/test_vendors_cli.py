"""`paksa import vendors FILE [--update]` and `paksa export vendors FILE`: summaries, round trips, exit codes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Paksa, write
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows

VENDORS = """\
code,name,currency,payment_terms_days,iban,bic,tax_number,expense_account,withholding_rate
ACME,Acme Supplies GmbH,EUR,30,DE89370400440532013000,COBADEFFXXX,DE123456789,6130,
BOLT,"Bolt & Nut, Inc.",USD,2/10 net 30,,,12-3456789,,24
"""


def test_import_export_round_trip(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    run = paksa("import", "vendors", write(tmp_path / "vendors.csv", VENDORS))
    assert (run.code, run.err) == (0, "")
    assert run.out == "Imported 2 vendors from vendors.csv: 2 created, 0 updated, 0 unchanged\n"
    run = paksa("export", "vendors", tmp_path / "out.csv")
    assert (run.code, run.out) == (0, f"Exported 2 vendors to {tmp_path / 'out.csv'}\n")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == VENDORS
    run = paksa("export", "vendors", "--output", tmp_path / "out.xlsx")
    assert (run.code, run.out) == (0, f"Exported 2 vendors to {tmp_path / 'out.xlsx'}\n")
    run = paksa("import", "vendors", tmp_path / "out.xlsx", "--update")
    assert run.out == "Imported 2 vendors from out.xlsx: 0 created, 0 updated, 2 unchanged\n"
    assert [r[0] for r in audit_rows(any_company, "vendors")] == ["export", "export"]


def test_existing_codes_need_update(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    path = write(tmp_path / "vendors.csv", VENDORS)
    assert paksa("import", "vendors", path).code == 0
    run = paksa("import", "vendors", path)
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "vendors.csv:2: code: vendor ACME already exists; import with update (--update) to change existing vendors",
        "vendors.csv:3: code: vendor BOLT already exists; import with update (--update) to change existing vendors",
        "paksa: error: 2 problems found; nothing was written",
    ]
    changed = write(tmp_path / "changed.csv", VENDORS.replace("Acme Supplies GmbH", "Acme Supplies AG"))
    run = paksa("import", "vendors", changed, "--update")
    assert run.out == "Imported 2 vendors from changed.csv: 0 created, 1 updated, 1 unchanged\n"
    assert [r.name for r in company.company.vendors(company.ctx).list()] == ["Acme Supplies AG", "Bolt & Nut, Inc."]


def test_a_bad_file_exits_1_with_every_problem(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.csv",
        "code,name,currency,payment_terms_days,iban,bic\nV1,One,EUR,30,DE89 3704 0044 0532 0130 01,\nV2,Two,EUR,30,,\n",
    )
    run = paksa("import", "vendors", bad)
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "bad.csv:2: iban: IBAN DE89370400440532013001 is not valid: the check digits do not match "
        "(probably a typing mistake)",
        "paksa: error: 1 problem found; nothing was written",
    ]
    assert company.company.vendors(company.ctx).list() == []
    run = paksa("import", "vendors", tmp_path / "missing.csv")
    assert run.code == 1 and "file not found" in run.err
    run = paksa("export", "vendors")
    assert run.code == 2 and "name one file to write" in run.err
