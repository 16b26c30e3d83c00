"""Vendor files: CSV and xlsx read back exactly, every bad cell named, all or nothing, --update."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from paksa_desktop.core.errors import ImportFileError
from paksa_desktop.payables.vendors import VendorInput
from paksa_desktop.security.context import UserContext
from tests.conftest import Books

VENDORS = """\
code,name,currency,payment_terms_days,iban,bic,tax_number,expense_account,withholding_rate
ACME,Acme Supplies GmbH,EUR,30,DE89370400440532013000,COBADEFFXXX,DE123456789,6130,
BOLT,"Bolt & Nut, Inc.",USD,2/10 net 30,,,12-3456789,,24
CLEAN,Clean Office Ltd,GBP,net 30 EOM,GB29NWBK60161331926819,NWBKGB2L,,6130,0
"""


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def xlsx(path: Path, rows: list[list[object]], sheet: str = "Vendors") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def clerk(books: Books) -> UserContext:
    books.company.add_user(books.ctx, "apclerk", "Clerk-Passw0rd-42", roles=("AP clerk",))
    return books.company.login("apclerk", "Clerk-Passw0rd-42")


def test_a_csv_file_imports_and_exports_back_to_the_same_text(books: Books, tmp_path: Path) -> None:
    vendors = books.company.vendors(books.ctx)
    result, changes = vendors.import_file(write(tmp_path / "vendors.csv", VENDORS))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0) and changes
    rows = {r.code: r for r in vendors.list()}
    assert rows["ACME"].bank == "•••• 3000" and rows["ACME"].payment_terms == "net 30"
    assert (rows["BOLT"].payment_terms, rows["BOLT"].withholding, rows["BOLT"].withholding_rate) == (
        "2/10 net 30",
        True,
        Decimal(24),
    )
    assert rows["CLEAN"].withholding and rows["CLEAN"].withholding_rate == 0  # a 1099 vendor withheld nothing
    assert not rows["ACME"].withholding and rows["BOLT"].bank == ""
    assert vendors.get("CLEAN").data.iban == "GB29NWBK60161331926819"
    assert vendors.export_file(tmp_path / "out.csv") == 3
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == VENDORS


def test_an_xlsx_export_reads_back_unchanged_with_update(books: Books, tmp_path: Path) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.import_file(write(tmp_path / "vendors.csv", VENDORS))
    assert vendors.export_file(tmp_path / "vendors.xlsx") == 3
    sheet = openpyxl.load_workbook(tmp_path / "vendors.xlsx").worksheets[0]
    assert sheet.title == "Vendors"
    assert [c.value for c in sheet[1]] == [
        "code", "name", "currency", "payment_terms_days", "iban", "bic", "tax_number", "expense_account",
        "withholding_rate",
    ]  # fmt: skip
    result, _ = vendors.import_file(tmp_path / "vendors.xlsx", update=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_every_bad_cell_is_named_and_nothing_is_written(books: Books, tmp_path: Path) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(VendorInput("OLD", "Old Vendor"))
    bad = write(
        tmp_path / "bad.csv",
        "code,name,currency,payment_terms_days,iban,bic,expense_account,withholding_rate\n"
        "V1,Good One,USD,30,,,,\n"
        "V2,,XYZ,30,DE89370400440532013001,DEUTDEF,,\n"
        "V1,Twice,USD,x,,,2010,150\n"
        "OLD,Old Vendor,USD,,,,9999,1.23456\n",
    )
    with pytest.raises(ImportFileError) as refused:
        vendors.import_file(bad)
    assert [str(e) for e in refused.value.errors] == [
        "bad.csv:3: name: required",
        "bad.csv:3: currency: 'XYZ' is not an ISO 4217 currency code",
        "bad.csv:3: iban: IBAN DE89370400440532013001 is not valid: the check digits do not match "
        "(probably a typing mistake)",
        "bad.csv:3: bic: BIC DEUTDEF is not valid: invalid length '7'",
        "bad.csv:4: code: duplicate of row 2",
        "bad.csv:4: payment_terms_days: 'x' is not payment terms; write e.g. 'net 30', '30 EOM', "
        "'due on receipt' or '2/10 net 30'",
        "bad.csv:4: expense_account: account 2010 is liability; the expense account must be an expense account",
        "bad.csv:4: withholding_rate: a rate of 150 % is not between 0 and 100",
        "bad.csv:5: code: vendor OLD already exists; import with update (--update) to change existing vendors",
        "bad.csv:5: payment_terms_days: required (days, e.g. 30, or terms such as '2/10 net 30')",
        "bad.csv:5: expense_account: unknown account '9999'",
        "bad.csv:5: withholding_rate: a rate of 1.23456 % has more than 4 decimal places",
    ]
    assert [r.code for r in vendors.list()] == ["OLD"]  # the good row was not written either


def test_an_xlsx_error_names_the_sheet(books: Books, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "vendors.xlsx",
        [
            ["code", "name", "currency", "payment_terms_days", "iban", "bic"],
            ["V1", "One", "EUR", 14, "GB29 NWBK 6016 1331 9268 19", "NWBKGB2L"],
            ["V2", "Two", "EUR", 30, "NL91ABNA0417164301", ""],
        ],
        sheet="Suppliers",
    )
    with pytest.raises(ImportFileError) as refused:
        books.company.vendors(books.ctx).import_file(path)
    assert [str(e) for e in refused.value.errors] == [
        "vendors.xlsx[Suppliers]:3: iban: IBAN NL91ABNA0417164301 is not valid: the check digits do not match "
        "(probably a typing mistake)"
    ]
    assert books.company.vendors(books.ctx).list() == []


def test_update_changes_existing_vendors_and_leaves_left_out_columns(books: Books, tmp_path: Path) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.import_file(write(tmp_path / "vendors.csv", VENDORS))
    change = write(
        tmp_path / "change.csv",
        "code,name,currency,payment_terms_days,iban,bic\n"
        "ACME,Acme Supplies AG,EUR,45,,\n"
        "NEWCO,New Co,EUR,30,FR1420041010050500013M02606,PSSTFRPPPAR\n",
    )
    result, _ = vendors.import_file(change, update=True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    acme = vendors.get("ACME")
    assert (acme.name, acme.data.payment_terms, acme.data.iban) == (
        "Acme Supplies AG",
        "net 45",
        "DE89370400440532013000",
    )
    assert (acme.data.tax_number, acme.data.expense_account) == ("DE123456789", "6130")  # columns not in the file
    assert vendors.get("NEWCO").bank == "•••• 2606"


def test_without_the_key_ibans_are_masked_in_exports_and_refused_in_imports(books: Books, tmp_path: Path) -> None:
    books.company.vendors(books.ctx).import_file(write(tmp_path / "vendors.csv", VENDORS))
    vendors = books.company.vendors(clerk(books))
    assert vendors.export_file(tmp_path / "masked.csv") == 3
    text = (tmp_path / "masked.csv").read_text(encoding="utf-8")
    assert "•••• 3000" in text and "0532013000" not in text
    result, _ = vendors.import_file(tmp_path / "masked.csv", update=True)  # masked: as they are
    assert result.unchanged == 3
    with pytest.raises(ImportFileError) as refused:
        vendors.import_file(tmp_path / "vendors.csv", update=True)
    assert str(refused.value.errors[0]) == (
        "vendors.csv:2: iban: setting an IBAN needs the company data key (security.sensitive.read): "
        "ask a key holder to import bank details"
    )
    assert books.company.vendors(books.ctx).get("ACME").data.iban == "DE89370400440532013000"
