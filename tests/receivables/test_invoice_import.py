"""Importing invoices from CSV and xlsx: grouped by reference, posted in date order, every problem named by
file, row and column, and nothing written when anything is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from paksa_desktop.core.errors import ImportFileError, PermissionDenied
from paksa_desktop.ledger.models import JournalEntry
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.invoice_files import COLUMNS, import_invoices_file
from paksa_desktop.receivables.models import CreditPolicy, Invoice
from paksa_desktop.receivables.settings import STANDARD_ACCOUNTS, STANDARD_JOURNALS, SettingsInput
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, balance, customer, docs, inv, login_as, sale, with_customer

GOOD = """\
invoice,customer,date,due_date,description,quantity,unit_price,account,tax_code,department,project
A-100,C001,2024-03-05,,Consulting,2,150.00,4020,VAT20,SALES,
A-101,C002,2024-03-01,2024-04-15,Widgets,10,12.5,,VAT20,,
A-100,C001,2024-03-05,,Travel,1,80.00,,,,
A-102,C001,2024-02-20,2024-03-01,'=Formula-looking text,1,99.99,,,,
"""


def company(books: Books) -> Books:
    """C001 in USD (net 30, no default tax code), C002 in EUR at 1.10 from 2024-03-01, department SALES."""
    with_customer(books)
    ar(books).create_customer(customer("C002", "Euro GmbH", currency="EUR"))
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    books.ledger.create_department("SALES", "Sales")
    return books


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def nothing_written(books: Books) -> bool:
    with UnitOfWork(books.company.engine, write=False) as uow:
        s = uow.session
        invoices = s.execute(select(func.count()).select_from(Invoice)).scalar_one()
        entries = s.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
    return invoices == 0 and entries == 0


def test_a_good_file_posts_its_invoices_in_date_order(books: Books, tmp_path: Path) -> None:
    company(books)
    result, _ = import_invoices_file(inv(books), write(tmp_path / "invoices.csv", GOOD))
    assert (result.invoices, result.lines, result.first, result.last) == (3, 4, "INV-2024-000001", "INV-2024-000003")
    rows = {r.reference: r for r in docs(books).invoices()}
    assert [(r.number, r.customer, r.date, r.due_date, r.currency, r.total) for r in rows.values()] == [
        ("INV-2024-000003", "C001", date(2024, 3, 5), date(2024, 4, 4), "USD", D("440.00")),  # net 30
        ("INV-2024-000002", "C002", date(2024, 3, 1), date(2024, 4, 15), "EUR", D("150.00")),
        ("INV-2024-000001", "C001", date(2024, 2, 20), date(2024, 3, 1), "USD", D("99.99")),
    ]
    detail = docs(books).invoice("INV-2024-000003")
    assert [(ln.description, ln.account, ln.tax_code, ln.net, ln.tax) for ln in detail.lines] == [
        ("Consulting", "4020", "VAT20", D("300.00"), D("60.00")),
        ("Travel", "4010", None, D("80.00"), D("0.00")),  # the company's income account, no tax
    ]
    assert docs(books).invoice("INV-2024-000001").lines[0].description == "=Formula-looking text"
    assert balance(books, "1200") == D("704.99")  # 440.00 + 150.00 EUR at 1.10 + 99.99
    assert docs(books).reconcile(date(2024, 12, 31)).difference == 0


def test_xlsx_reads_like_csv(sqlite_books: Books, tmp_path: Path) -> None:
    company(sqlite_books)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Invoices"
    sheet.append(list(COLUMNS))
    sheet.append(["X-1", "C001", date(2024, 3, 5), None, "Consulting", 2, 150, "4020", "VAT20", "SALES", None])
    sheet.append(["X-1", "C001", date(2024, 3, 5), None, "Travel", 1, 80.5])
    sheet.append(["X-2", "C002", date(2024, 3, 6), date(2024, 3, 31), "Widgets", 1.5, 12.25])
    workbook.save(tmp_path / "invoices.xlsx")
    result, _ = import_invoices_file(inv(sqlite_books), tmp_path / "invoices.xlsx")
    assert result.invoices == 2
    totals = {r.reference: r.total for r in docs(sqlite_books).invoices()}
    assert totals == {"X-1": D("440.50"), "X-2": D("18.38")}  # 1.5 x 12.25 = 18.375, half-even to 18.38

    sheet.append(["X-3", "C001", "5 March", None, "Bad date", 1, 10])
    workbook.save(tmp_path / "bad.xlsx")
    with pytest.raises(ImportFileError) as caught:
        import_invoices_file(inv(sqlite_books), tmp_path / "bad.xlsx")
    assert [str(e) for e in caught.value.errors] == [
        "bad.xlsx[Invoices]:2: invoice: 'X-1' of C001 was imported before as INV-2024-000001",
        "bad.xlsx[Invoices]:4: invoice: 'X-2' of C002 was imported before as INV-2024-000002",
        "bad.xlsx[Invoices]:5: date: '5 March' is not a date in the form YYYY-MM-DD",
    ]


BAD = """\
invoice,customer,date,due_date,description,quantity,unit_price,account,tax_code
B-1,C001,2024-03-05,,Consulting,1,100.00,,
B-1,C002,2024-03-06,,More,1,10.00,,
B-2,NOPE,2024-13-01,,X,0,abc,9999,ZZZ
,C001,2024-03-05,,X,1,1.00,,
B-3,C001,2024-03-05,2024-03-01,,1.23456,1.001,,
B-4,C001,2023-12-31,,Old,1,5.00,,
B-5,C001,2024-03-05,,Free,1,0.00,,
B-6,C002,2024-02-15,,No rate yet,1,5.00,,
B-7,C001,2024-03-05,2024-04-30,First,1,5.00,,
B-7,C001,2024-03-05,,Second,1,5.00,,
"""


def test_every_bad_row_is_named_and_nothing_is_written(books: Books, tmp_path: Path) -> None:
    company(books)
    books.ledger.set_lock_date(date(2023, 12, 31))
    with pytest.raises(ImportFileError) as caught:
        import_invoices_file(inv(books), write(tmp_path / "bad.csv", BAD))
    assert [str(e) for e in caught.value.errors] == [
        "bad.csv:3: customer: differs from row 2 of invoice 'B-1' (C001)",
        "bad.csv:3: date: differs from row 2 of invoice 'B-1' (2024-03-05)",
        "bad.csv:4: customer: unknown customer 'NOPE'",
        "bad.csv:4: date: '2024-13-01' is not a date in the form YYYY-MM-DD",
        "bad.csv:4: quantity: must be more than zero",
        "bad.csv:4: unit_price: 'abc' is not a decimal amount (use digits and '.', e.g. 1234.50)",
        "bad.csv:4: account: unknown account '9999'",
        "bad.csv:4: tax_code: unknown tax code 'ZZZ'",
        "bad.csv:5: invoice: required",
        "bad.csv:6: due_date: 2024-03-01 is before the invoice's date 2024-03-05",
        "bad.csv:6: description: required",
        "bad.csv:6: quantity: '1.23456' has more than 4 decimal places",
        "bad.csv:6: unit_price: '1.001' has more than 2 decimal places for USD",
        "bad.csv:7: date: 2023-12-31 is on or before the lock date 2023-12-31",
        "bad.csv:8: unit_price: invoice 'B-5' adds up to nothing",
        "bad.csv:9: date: no exchange rate for EUR on or before 2024-02-15: enter one in the rate table or on the "
        "document",
        "bad.csv:11: due_date: differs from row 10 of invoice 'B-7' (2024-04-30)",
    ]
    assert nothing_written(books)


def test_a_problem_only_posting_finds_points_at_the_invoice_s_first_row(books: Books, tmp_path: Path) -> None:
    company(books)
    ar(books).create_customer(customer("C003", "On Hold Ltd", credit_hold=True))
    settings = SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS, credit_policy=CreditPolicy.BLOCK)
    inv(books).update_settings(settings)
    clerk = login_as(books, "clerk", "AR clerk")
    text = GOOD + "H-1,C003,2024-03-02,,Goods,1,10.00,,,,\nH-1,C003,2024-03-02,,More goods,1,10.00,,,,\n"
    with pytest.raises(ImportFileError) as caught:
        import_invoices_file(books.company.invoicing(clerk), write(tmp_path / "held.csv", text))
    assert [str(e) for e in caught.value.errors] == [
        "held.csv:6: invoice: customer C003: is on credit hold. posting anyway needs receivables.invoice.approve"
    ]
    assert nothing_written(books)
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied, match=r"lacks permission 'receivables\.invoice\.create'"):
        import_invoices_file(books.company.invoicing(viewer), tmp_path / "held.csv")


def test_header_and_empty_files_are_refused(sqlite_books: Books, tmp_path: Path) -> None:
    company(sqlite_books)
    with pytest.raises(ImportFileError) as caught:
        import_invoices_file(inv(sqlite_books), write(tmp_path / "h.csv", "invoice,customer,date,amount\n"))
    assert str(caught.value.errors[0]).startswith("h.csv:1: amount: unknown column; expected invoice,")
    with pytest.raises(ImportFileError, match="the file has no invoice lines"):
        import_invoices_file(inv(sqlite_books), write(tmp_path / "e.csv", ",".join(COLUMNS) + "\n"))


def test_the_credit_check_of_an_import_counts_its_earlier_invoices(books: Books, tmp_path: Path) -> None:
    company(books)
    ar(books).create_customer(customer("C004", "Small Limit Ltd", credit_limit=D("250.00")))
    inv(books).issue(sale("C004", "2024-01-02"), confirm_credit=True)  # 120.00, due 2024-02-01
    text = (
        "invoice,customer,date,due_date,description,quantity,unit_price\n"
        "L-1,C004,2024-02-01,,Goods,1,100.00\n"  # exposure 220.00: fine
        "L-2,C004,2024-02-02,,Goods,1,100.00\n"  # 320.00 with L-1: over the limit
        "L-3,C004,2024-04-15,,Goods,1,10.00\n"  # and by then the first invoice is 74 days overdue
    )
    clerk = login_as(books, "clerk", "AR clerk")
    inv(books).update_settings(
        SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS, credit_policy=CreditPolicy.BLOCK)
    )
    with pytest.raises(ImportFileError) as caught:
        import_invoices_file(books.company.invoicing(clerk), write(tmp_path / "limit.csv", text))
    assert [str(e) for e in caught.value.errors] == [
        "limit.csv:3: invoice: customer C004: exposure would be 320.00 USD, over the credit limit 250.00. "
        "posting anyway needs receivables.invoice.approve"
    ]
    result, _ = import_invoices_file(inv(books), tmp_path / "limit.csv")  # the administrator may approve
    assert result.invoices == 3
    overrides = audit_rows(books, "customer")
    assert [(a, i, after["problems"]) for a, i, _before, after in overrides if a == "credit_override"] == [
        ("credit_override", "C004", ["exposure would be 320.00 USD, over the credit limit 250.00"]),
        (
            "credit_override",
            "C004",
            [
                "exposure would be 330.00 USD, over the credit limit 250.00",
                "has invoices more than 60 days overdue (INV-2024-000001, due 2024-02-01)",
            ],
        ),
    ]
