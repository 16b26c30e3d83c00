"""Receipts and what they settle: allocation, customer credit, refunds, discounts, write-offs, FX."""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.core.errors import PaksaError, ValidationError
from paksa_desktop.receivables.commands import AllocationInput, InvoiceLineInput, ReceiptInput
from paksa_desktop.receivables.models import InvoiceState
from paksa_desktop.receivables.settings import STANDARD_ACCOUNTS, STANDARD_JOURNALS, SettingsInput
from tests.conftest import Books
from tests.receivables.helpers import D, balance, docs, inv, rec, sale, with_customer


def receipt(amount: str, *allocations: AllocationInput, on: str = "2024-03-20", **kw: object) -> ReceiptInput:
    return ReceiptInput("C001", date.fromisoformat(on), D(amount), "1100", tuple(allocations), **kw)  # type: ignore[arg-type]


def pay(number: str, amount: str, **kw: object) -> AllocationInput:
    return AllocationInput(number, D(amount), **kw)  # type: ignore[arg-type]


def reconciled(books: Books, on: str = "2024-12-31") -> bool:
    return docs(books).reconcile(date.fromisoformat(on)).difference == 0


def test_a_receipt_pays_invoices_fully_and_partly_and_keeps_the_rest_as_credit(books: Books) -> None:
    with_customer(books)
    first = inv(books).issue(sale(on="2024-03-01"))[0].number  # 120.00 each
    second = inv(books).issue(sale(on="2024-03-02"))[0].number
    ref, _ = rec(books).record(receipt("200.00", pay(first, "120.00"), pay(second, "50.00")))
    assert ref.number == "RCT-2024-000001"
    assert docs(books).invoice(first).row.state is InvoiceState.PAID
    row = docs(books).invoice(second).row
    assert (row.state, row.open_amount) == (InvoiceState.PARTIALLY_PAID, D("70.00"))
    (credit,) = docs(books).customer_credit("C001")
    assert (credit.number, credit.available) == (ref.number, D("30.00"))
    assert balance(books, "1100") == D("200.00")
    assert balance(books, "1200") == D("40.00")  # 240 invoiced - 200 received
    assert reconciled(books)
    # the credit is applied later, then a new receipt overpays and the excess is refunded
    rec(books).apply_credit(ref.number, [pay(second, "30.00")], date(2024, 3, 25))
    assert docs(books).invoice(second).row.open_amount == D("40.00")
    assert docs(books).customer_credit("C001") == []
    over, _ = rec(books).record(receipt("100.00", on="2024-03-28", auto_allocate=True))
    assert docs(books).invoice(second).row.state is InvoiceState.PAID
    rec(books).refund(over.number, D("60.00"), "1100", date(2024, 3, 29))
    assert docs(books).customer_credit("C001") == []
    assert balance(books, "1200") == 0 and balance(books, "1100") == D("240.00")
    assert reconciled(books)


def test_over_allocation_and_foreign_invoices_are_refused(books: Books) -> None:
    with_customer(books)
    number = inv(books).issue(sale())[0].number
    cases = [
        (receipt("50.00", pay(number, "60.00")), "more than the RCT"),
        (receipt("500.00", pay(number, "130.00")), "more than its open amount"),
        (receipt("500.00", pay("INV-2024-999999", "1.00")), "does not exist"),
        (receipt("500.00", pay(number, "1.00"), pay(number, "1.00")), "allocated twice"),
        (receipt("0.00"), "more than zero"),
        (ReceiptInput("C001", date(2024, 3, 20), D("1"), "4010"), "not a bank or cash account"),
    ]
    for data, message in cases:
        with pytest.raises(PaksaError, match=message):
            rec(books).record(data)
    assert docs(books).receipts() == []
    assert balance(books, "1100") == 0


def test_an_early_payment_takes_the_discount_the_terms_give(books: Books) -> None:
    with_customer(books, payment_terms="2/10 net 30")
    number = inv(books).issue(sale(on="2024-03-01"))[0].number  # 120.00, 2 % = 2.40 until 2024-03-11
    rec(books).record(receipt("117.60", pay(number, "117.60"), on="2024-03-10"))
    assert docs(books).invoice(number).row.state is InvoiceState.PAID
    assert balance(books, "4030") == D("2.40")  # discounts given
    late = inv(books).issue(sale(on="2024-03-01"))[0].number
    rec(books).record(receipt("117.60", pay(late, "117.60"), on="2024-03-20"))
    assert docs(books).invoice(late).row.open_amount == D("2.40")  # too late for the discount
    assert reconciled(books)


def test_small_differences_within_the_tolerance_are_written_off(books: Books) -> None:
    with_customer(books)
    standard = SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS, write_off_tolerance=D("0.50"))
    inv(books).update_settings(standard)
    number = inv(books).issue(sale())[0].number
    rec(books).record(receipt("119.70", pay(number, "119.70")))
    assert docs(books).invoice(number).row.state is InvoiceState.PAID
    assert balance(books, "6210") == D("0.30")
    other = inv(books).issue(sale())[0].number
    rec(books).record(receipt("119.00", pay(other, "119.00")))
    assert docs(books).invoice(other).row.open_amount == D("1.00")  # beyond the tolerance: stays open
    assert reconciled(books)


def test_a_bad_debt_is_written_off_and_the_write_off_reversed(books: Books) -> None:
    with_customer(books)
    number = inv(books).issue(sale())[0].number
    rec(books).record(receipt("20.00", pay(number, "20.00")))
    rec(books).write_off(number, date(2024, 9, 30))
    assert docs(books).invoice(number).row.state is InvoiceState.WRITTEN_OFF
    assert balance(books, "6220") == D("100.00") and balance(books, "1200") == 0
    with pytest.raises(ValidationError, match="written off: nothing is open"):
        rec(books).write_off(number, date(2024, 10, 1))
    rec(books).reverse_write_off(number, date(2024, 10, 15))
    row = docs(books).invoice(number).row
    assert (row.state, row.open_amount) == (InvoiceState.PARTIALLY_PAID, D("100.00"))
    assert balance(books, "6220") == 0 and balance(books, "1200") == D("100.00")
    # as of the end of September the invoice was written off; in October it is open again
    assert [i.number for i in docs(books).open_items(date(2024, 9, 30))] == []
    assert [i.number for i in docs(books).open_items(date(2024, 10, 31))] == [number]
    assert reconciled(books, "2024-09-30") and reconciled(books, "2024-10-31")


def test_a_foreign_invoice_paid_at_another_rate_posts_the_exchange_difference(books: Books) -> None:
    with_customer(books, code="C001", currency="EUR")
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    number = inv(books).issue(sale(on="2024-03-01"))[0].number  # EUR 120.00 = 132.00
    inv(books).set_rate("EUR", date(2024, 4, 1), D("1.20"))
    rec(books).record(receipt("50.00", pay(number, "50.00"), on="2024-04-02"))  # 60.00 for 55.00 relieved
    assert balance(books, "4120") == D("-5.00")  # exchange gain
    inv(books).set_rate("EUR", date(2024, 5, 1), D("1.05"))
    rec(books).record(receipt("70.00", pay(number, "70.00"), on="2024-05-02"))  # 73.50 for the last 77.00
    assert balance(books, "7020") == D("3.50")  # exchange loss
    assert balance(books, "1200") == 0 and balance(books, "1100") == D("133.50")
    assert docs(books).invoice(number).row.state is InvoiceState.PAID
    assert reconciled(books, "2024-04-30") and reconciled(books)


def test_a_credit_note_applies_to_another_invoice_or_is_refunded(books: Books) -> None:
    with_customer(books)
    first = inv(books).issue(sale(on="2024-03-01"))[0].number
    inv(books).issue(sale(on="2024-03-02"))
    note, _ = inv(books).issue(
        sale("C001", "2024-03-05", InvoiceLineInput("Goodwill", D("1"), D("50.00"), tax_code=""), credit_note=True)
    )
    assert [c.number for c in docs(books).customer_credit("C001")] == [note.number]
    rec(books).apply_credit(note.number, [pay(first, "30.00")], date(2024, 3, 6))
    assert docs(books).invoice(first).row.open_amount == D("90.00")
    rec(books).refund(note.number, D("20.00"), "1100", date(2024, 3, 7))
    assert docs(books).invoice(note.number).row.state is InvoiceState.PAID
    assert balance(books, "1100") == D("-20.00")
    assert reconciled(books)


def test_auto_allocation_skips_invoices_issued_after_the_receipt(books: Books) -> None:
    with_customer(books)
    first = inv(books).issue(sale(on="2024-03-01"))[0].number
    later = inv(books).issue(sale(on="2024-03-25"))[0].number  # 120.00 each
    rec(books).record(receipt("200.00", on="2024-03-20", auto_allocate=True))
    assert docs(books).invoice(first).row.state is InvoiceState.PAID
    assert docs(books).invoice(later).row.open_amount == D("120.00")  # not settled before it existed
    assert docs(books).customer_credit("C001")[0].available == D("80.00")
    assert reconciled(books)
