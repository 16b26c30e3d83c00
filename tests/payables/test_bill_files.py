"""Importing bills: drafts by default, approved and posted with `post`; all or nothing, every problem named
by row and column; likely duplicates warned about for drafts and refused when posting."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import ImportFileError, PermissionDenied, ValidationError
from paksa_desktop.payables.bill_files import COLUMNS, import_bills_file
from paksa_desktop.payables.models import ApprovalAction, Bill, BillState
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.payables.bill_fixtures import D, with_taxes, with_vendor
from tests.payables.test_bills import lines_of, login_as, set_policy

BILLS = """\
bill,vendor,vendor_invoice,date,due_date,description,quantity,unit_price,account,tax_code,department,project
B1,V001,INV-100,2024-05-02,,Paper,3,12.50,6130,VAT20,ADMIN,
B1,V001,INV-100,2024-05-02,,Toner,1,80.00,,,,WEB
B2,V002,77,2024-05-03,2024-05-31,Hosting,1,49.99,6140,,,
"""


def prepared(books: Books) -> Books:
    books = with_vendor(with_vendor(with_taxes(books), "V001", payment_terms="net 14"), "V002")
    books.ledger.create_department("ADMIN", "Administration")
    books.ledger.create_project("WEB", "Website")
    return books


@pytest.fixture
def company(sqlite_books: Books) -> Books:
    return prepared(sqlite_books)


@pytest.fixture
def any_company(books: Books) -> Books:
    """The same on each engine (posting an import goes by COPY on PostgreSQL)."""
    return prepared(books)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bills_come_in_as_drafts(company: Books, tmp_path: Path) -> None:
    result, changes = import_bills_file(company.company.bills(company.ctx), write(tmp_path / "bills.csv", BILLS))
    assert (result.bills, result.lines, result.posted, result.warnings) == (2, 3, False, ())
    assert Kind.BILLS in changes and Kind.ENTRIES not in changes
    queries = company.company.bill_queries(company.ctx)
    rows = {b.vendor_invoice: b for b in queries.bills()}
    assert {b.state for b in rows.values()} == {BillState.DRAFT}
    first = queries.bill(rows["INV-100"].id)
    assert (first.row.total, first.row.due_date) == (D("125.00"), date(2024, 5, 16))  # net 14
    assert [(ln.account, ln.tax_code, ln.department, ln.project) for ln in first.lines] == [
        ("6130", "VAT20", "ADMIN", ""),
        ("6130", "", "", "WEB"),
    ]
    assert queries.bill(rows["77"].id).row.due_date == date(2024, 5, 31)
    assert company.queries.count_entries() == 0

    again, _ = import_bills_file(company.company.bills(company.ctx), tmp_path / "bills.csv")
    assert [str(w) for w in again.warnings] == [
        f"bills.csv:2: vendor_invoice: INV-100 of V001 is already draft {rows['INV-100'].id}: a likely duplicate",
        f"bills.csv:4: vendor_invoice: 77 of V002 is already draft {rows['77'].id}: a likely duplicate",
    ]


def test_with_post_they_are_approved_and_posted(any_company: Books, tmp_path: Path) -> None:
    company = any_company
    path = write(tmp_path / "bills.csv", BILLS)
    result, _ = import_bills_file(company.company.bills(company.ctx), path, post=True)
    assert (result.bills, result.first, result.last) == (2, "BILL-2024-000001", "BILL-2024-000002")
    queries = company.company.bill_queries(company.ctx)
    first = queries.bill_by_number("BILL-2024-000001")
    assert first.row.state is BillState.POSTED and first.row.open_amount == D("125.00")
    assert [a.action for a in first.approvals] == [ApprovalAction.SUBMITTED, ApprovalAction.APPROVED]
    assert first.entry_number == "PUR-2024-000001"
    assert company.queries.count_entries() == 2

    with pytest.raises(ImportFileError) as refused:  # the same file again: every bill is a duplicate
        import_bills_file(company.company.bills(company.ctx), path, post=True)
    assert str(refused.value).splitlines() == [
        "bills.csv:2: vendor_invoice: INV-100 of V001 is already BILL-2024-000001: a likely duplicate",
        "bills.csv:4: vendor_invoice: 77 of V002 is already BILL-2024-000002: a likely duplicate",
    ]
    assert company.queries.count_entries() == 2


def test_a_bad_file_names_every_row_and_column_and_writes_nothing(company: Books, tmp_path: Path) -> None:
    bad = (
        BILLS.replace("B2,V002,77,2024-05-03", "B2,V009,77,2024-5-3")
        .replace("Toner,1,80.00", "Toner,1.23456,80.001")
        .replace("WEB", "MOON")
        + "B1,V002,INV-100,2024-05-02,,Ink,1,5.00,,,,\n"
        + "B3,V001,INV-100,2024-05-09,,Staples,1,2.00,9999,VAT99,,\n"
    )
    with pytest.raises(ImportFileError) as refused:
        import_bills_file(company.company.bills(company.ctx), write(tmp_path / "bad.csv", bad), post=True)
    assert str(refused.value).splitlines() == [
        "bad.csv:3: quantity: '1.23456' has more than 4 decimal places",
        "bad.csv:3: unit_price: '80.001' has more than 2 decimal places for USD",
        "bad.csv:3: project: unknown project 'MOON'",
        "bad.csv:4: vendor: unknown vendor 'V009'",
        "bad.csv:4: date: '2024-5-3' is not a date in the form YYYY-MM-DD",
        "bad.csv:5: vendor: differs from row 2 of bill 'B1' (V001)",
        "bad.csv:6: vendor_invoice: INV-100 of V001 is already bill 'B1' of this file (row 2): a likely duplicate",
        "bad.csv:6: account: unknown account '9999'",
        "bad.csv:6: tax_code: unknown tax code 'VAT99'",
    ]
    assert company.company.bill_queries(company.ctx).bills() == []


def test_an_xlsx_file_reads_the_same(company: Books, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(["B1", "V001", "X-1", "2024-05-02", "", "Paper", 2, 12.5, "", "", "", ""])
    book.save(tmp_path / "bills.xlsx")
    result, _ = import_bills_file(company.company.bills(company.ctx), tmp_path / "bills.xlsx", post=True)
    assert result.first == "BILL-2024-000001"
    detail = company.company.bill_queries(company.ctx).bill_by_number("BILL-2024-000001")
    assert detail.row.total == D("25.00")
    assert lines_of(company, _entry_id(company, detail.row.id)) == [
        ("2010", D("-25.00"), "", ""),
        ("6130", D("25.00"), "", ""),
    ]


def _entry_id(books: Books, bill_id: int) -> int:
    with UnitOfWork(books.company.engine, write=False) as uow:
        row = uow.session.get(Bill, bill_id)
        assert row is not None and row.entry_id is not None
        return row.entry_id


def test_posting_needs_both_permissions_and_keeps_segregation_of_duties(company: Books, tmp_path: Path) -> None:
    path = write(tmp_path / "bills.csv", BILLS)
    clerk = login_as(company, "apclerk", "AP clerk")
    with pytest.raises(PermissionDenied):
        import_bills_file(company.company.bills(clerk), path, post=True)
    viewer = login_as(company, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        import_bills_file(company.company.bills(viewer), path)
    set_policy(company, True)
    with pytest.raises(ValidationError, match="segregation-of-duties"):
        import_bills_file(company.company.bills(company.ctx), path, post=True)
    result, _ = import_bills_file(company.company.bills(clerk), path)  # drafts for a controller to approve
    assert result.bills == 2
    assert company.queries.count_entries() == 0


def test_a_closed_period_is_named_at_the_row(company: Books, tmp_path: Path) -> None:
    company.ledger.set_lock_date(date(2024, 5, 2))
    with pytest.raises(ImportFileError) as refused:
        import_bills_file(company.company.bills(company.ctx), write(tmp_path / "bills.csv", BILLS), post=True)
    assert str(refused.value).splitlines() == [
        "bills.csv:2: date: 2024-05-02 is on or before the lock date 2024-05-02",
        "bills.csv:3: date: 2024-05-02 is on or before the lock date 2024-05-02",
    ]
    result, _ = import_bills_file(company.company.bills(company.ctx), tmp_path / "bills.csv")  # drafts may wait
    assert result.bills == 2


def test_the_threshold_does_not_matter_to_an_approver(company: Books, tmp_path: Path) -> None:
    setup = company.company.payables_setup(company.ctx)
    current = setup.settings()
    assert current is not None
    setup.update_settings(dataclasses.replace(current, approval_threshold=D("10.00")))
    result, _ = import_bills_file(company.company.bills(company.ctx), write(tmp_path / "b.csv", BILLS), post=True)
    assert result.bills == 2
