"""Aging: the bucket edges, historical aging that later payments and reversals do not change, and the
grand total that always equals the control reconciliation's subledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.receivables.aging import AgeBasis, Buckets, age, bucket_of
from paksa_desktop.receivables.ar_reports import aging_csv_columns
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from paksa_desktop.reporting.model import Report
from tests.conftest import Books
from tests.receivables.helpers import D, ar, customer, docs, inv, rec, sale, with_customer

# ------------------------------------------------------------------------------------------- pure bucketing


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-10, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (4000, 4)],
)
def test_default_bucket_edges(days: int, bucket: int) -> None:
    assert Buckets().index(days) == bucket


@pytest.mark.parametrize(("days", "bucket"), [(0, 0), (15, 1), (16, 2), (30, 2), (45, 3), (46, 4)])
def test_custom_bucket_edges(days: int, bucket: int) -> None:
    assert Buckets.parse("15, 30,45").index(days) == bucket


def test_bucket_keys_and_titles() -> None:
    assert Buckets().keys == ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
    assert Buckets().titles == ("Current", "1–30", "31–60", "61–90", "Over 90")
    assert Buckets((15,)).keys == ("current", "days_1_15", "over_15")
    assert aging_csv_columns() == (
        "customer", "name", "current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total",
    )  # fmt: skip


@pytest.mark.parametrize("text", ["", "30,x", "60,30", "30,30", "0,30", "-5", "30;60"])
def test_bad_buckets_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="aging buckets"):
        Buckets.parse(text)


def test_credits_are_current_whatever_their_age() -> None:
    as_of = date(2024, 12, 31)
    assert bucket_of("receipt", date(2023, 1, 1), as_of, Buckets()) == 0
    assert bucket_of("credit_note", date(2023, 1, 1), as_of, Buckets()) == 0
    assert bucket_of("invoice", date(2023, 1, 1), as_of, Buckets()) == 4
    aged = age([(1, 1, 500), (1, 0, -200), (2, 3, 0)], Buckets())
    assert list(aged) == [1]  # a customer with nothing open is left out
    assert aged[1].amounts == (-200, 500, 0, 0, 0) and aged[1].total == 300


@pytest.mark.parametrize("limits", [(30, 60, 90), (15, 30, 45), (1,), (7, 365)])
def test_cutoff_dates_put_every_day_in_the_same_bucket_as_its_days_overdue(limits: tuple[int, ...]) -> None:
    """The SQL sums per bucket with the cut-off dates; the detail places each document by its days."""
    buckets = Buckets(limits)
    as_of = date(2024, 3, 1)
    cutoffs = buckets.cutoffs(as_of)
    for back in range(-40, 400):
        day = as_of - timedelta(days=back)
        by_date = next((k for k, cut in enumerate(cutoffs) if day >= cut), len(cutoffs))
        assert by_date == bucket_of("invoice", day, as_of, buckets), day


# ------------------------------------------------------------------------------------------- the report


def figures(report: Report) -> dict[str, tuple[D, ...]]:
    """Customer code -> (current, 1-30, 31-60, 61-90, over 90, total), and 'Total' for the total row."""
    rows = {str(r.cells[0]): tuple(r.cells[2:]) for r in report.rows}
    rows["Total"] = tuple(report.totals[0].cells[2:])
    return rows  # type: ignore[return-value]


def aging(books: Books, on: str, **kw: object) -> Report:
    return books.company.ar_reports(books.ctx).aging(date.fromisoformat(on), **kw)  # type: ignore[arg-type]


def subledger(books: Books, on: str) -> D:
    result = docs(books).reconcile(date.fromisoformat(on))
    assert result.difference == 0
    return result.subledger


def test_aging_as_of_any_day_shows_what_was_open_then(books: Books) -> None:
    with_customer(books)  # net 30; every sale is 100.00 + 20 % VAT = 120.00
    first = inv(books).issue(sale(on="2024-01-10"))[0].number  # due 2024-02-09
    second = inv(books).issue(sale(on="2024-03-01"))[0].number  # due 2024-03-31
    third = inv(books).issue(sale(on="2024-04-15"), confirm_credit=True)[0].number  # due 2024-05-15
    pays = (AllocationInput(first, D("120.00")), AllocationInput(second, D("50.00")))
    rec(books).record(ReceiptInput("C001", date(2024, 4, 20), D("200.00"), "1100", pays))  # 30.00 unapplied
    rec(books).write_off(third, date(2024, 6, 30))
    rec(books).reverse_write_off(third, date(2024, 7, 15))
    z = D("0.00")
    expected = {
        "2024-01-09": None,  # nothing issued yet
        "2024-02-09": (D("120.00"), z, z, z, z, D("120.00")),  # due today: current
        "2024-02-10": (z, D("120.00"), z, z, z, D("120.00")),
        "2024-04-10": (z, D("120.00"), z, D("120.00"), z, D("240.00")),  # first 61 days overdue
        "2024-05-01": (D("90.00"), z, D("70.00"), z, z, D("160.00")),  # paid; 30.00 credit is current
        "2024-07-01": (D("-30.00"), z, z, z, D("70.00"), D("40.00")),  # third written off on 2024-06-30
        "2024-07-20": (D("-30.00"), z, z, D("120.00"), D("70.00"), D("160.00")),  # the write-off reversed
    }
    for on, row in expected.items():
        report = aging(books, on)
        assert figures(report).get("C001") == row, on
        assert report.totals[0].cells[-1] == subledger(books, on), on
        assert report.meta["total"] == subledger(books, on)


def test_aging_by_document_date_and_custom_buckets(books: Books) -> None:
    with_customer(books)
    inv(books).issue(sale(on="2024-03-01"))  # due 2024-03-31
    report = aging(books, "2024-04-10", buckets=Buckets((15, 30)), basis=AgeBasis.DOCUMENT_DATE)
    assert [c.key for c in report.columns] == ["customer", "name", "current", "days_1_15", "days_16_30", "over_30",
                                               "total"]  # fmt: skip
    assert figures(report)["C001"] == (D("0.00"), D("0.00"), D("0.00"), D("120.00"), D("120.00"))  # 40 days old
    assert figures(aging(books, "2024-04-10", buckets=Buckets((15, 30))))["C001"][1] == D("120.00")  # 10 days due


def test_foreign_customers_age_in_base_currency_and_the_total_reconciles(books: Books) -> None:
    with_customer(books)
    ar(books).create_customer(customer("C002", "Euro GmbH", currency="EUR"))
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    inv(books).set_rate("EUR", date(2024, 4, 1), D("1.20"))
    euro = inv(books).issue(sale("C002", "2024-03-05"))[0].number  # 120.00 EUR = 132.00 USD
    inv(books).issue(sale("C001", "2024-03-05"))
    inv(books).credit_invoice(euro, date(2024, 3, 20), lines=None)
    eur = inv(books).issue(sale("C002", "2024-03-25"))[0].number
    rec(books).record(
        ReceiptInput("C002", date(2024, 4, 10), D("50.00"), "1100", (AllocationInput(eur, D("50.00")),))
    )  # at 1.20: 60.00 USD received, 55.00 USD relieved at the invoice's rate, 5.00 gain
    report = aging(books, "2024-04-30")
    rows = figures(report)
    assert rows["C002"][-1] == D("77.00")  # 70.00 EUR open at 1.10
    assert rows["C001"][-1] == D("120.00")
    assert rows["Total"][-1] == subledger(books, "2024-04-30") == D("197.00")
    detail = books.company.ar_reports(books.ctx).aging_detail(date(2024, 4, 30), customer="C002")
    documents = [r.cells[1] for r in detail.rows if r.level == 1]
    assert documents == [eur]  # the credited invoice and its credit note are settled
    (line,) = [r for r in detail.rows if r.level == 1]
    assert (line.cells[6], line.cells[7], line.cells[-1]) == ("EUR", "70.00", D("77.00"))
    assert detail.totals[0].cells[-1] == D("77.00")
