"""`paksa cash forecast --items`: the items behind the weeks, one per row, recurring bills named.

The books are tests/banking/test_cash_forecast.py's (an overdue invoice of C002, C001's invoice expected
07-12, rent of 500.00 a month as a recurring entry from 07-01), plus a recurring bill of 1,000.00 from
Regus (net 10) raised monthly from 06-25: expected 07-05, 08-04 and 09-04.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from paksa_desktop.ledger.models import Frequency
from paksa_desktop.payables.bill_inputs import RecurringBillInput
from tests.banking.test_cash_forecast import cash_books
from tests.cli.conftest import Paksa
from tests.conftest import ADMIN_PASSWORD, Books
from tests.payables.bill_fixtures import line
from tests.payables.payment_fixtures import Payables


def test_the_forecast_items_name_each_invoice_bill_and_recurring_bill(
    paksa: Paksa, sqlite_books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAKSA_DB", sqlite_books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    books = cash_books(sqlite_books)
    Payables(books).vendor("R", "Regus Offices", terms="net 10")
    rent = RecurringBillInput("Office rent", "R", Frequency.MONTHLY, date(2024, 6, 25),
                              (line("Rent", price="1000.00", tax_code="", account="6100"),))  # fmt: skip
    books.company.bills(books.ctx).save_recurring(rent)

    run = paksa("cash", "forecast", "--from", "2024-06-19", "--weeks", "6", "--items", "--format", "csv")
    assert (run.code, run.err) == (0, "")
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["week", "day", "source", "label", "amount"]
    assert rows[1:] == [
        ["1", "2024-06-19", "receivables", rows[1][3], "120.00"],  # C002's overdue invoice: week 1
        ["2", "2024-07-01", "recurring", "Rent", "-500.00"],
        ["3", "2024-07-05", "payables", "recurring: Office rent", "-1000.00"],
        ["4", "2024-07-12", "receivables", rows[4][3], "120.00"],
    ]
    assert rows[1][3].endswith("C002") and rows[4][3].endswith("C001")
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), key=int)  # by day, so by week

    table = paksa("cash", "forecast", "--from", "2024-06-19", "--weeks", "13", "--items")
    assert table.code == 0 and table.out.count("recurring: Office rent") == 3
