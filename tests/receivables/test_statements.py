"""Customer statements: open items as of a day, activity for a period, and both reconcile to open items."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.receivables.commands import AllocationInput, InvoiceLineInput, ReceiptInput
from paksa_desktop.receivables.statements import CustomerStatement
from tests.conftest import Books
from tests.receivables.helpers import D, ar, customer, docs, inv, rec, sale, with_customer
from tests.receivables.test_invoice_pdf import has_row, page_lines


def statements(books: Books):  # type: ignore[no-untyped-def]
    return books.company.customer_statements(books.ctx)


def day(text: str) -> date:
    return date.fromisoformat(text)


def history(books: Books) -> dict[str, str]:
    """C001 over spring 2024: invoices (120.00 each, net 30), a receipt with a discount and credit left,
    a refund, a credit note, a bad debt written off and its write-off reversed."""
    with_customer(books, payment_terms="2/10 net 30")
    ar(books).create_customer(customer("C002", "Beta GmbH"))
    n = {}
    n["a"] = inv(books).issue(sale(on="2024-03-01"))[0].number
    n["b"] = inv(books).issue(sale(on="2024-03-05"))[0].number
    n["c"] = inv(books).issue(sale(on="2024-04-02"))[0].number
    n["other"] = inv(books).issue(sale("C002", "2024-03-03"))[0].number
    # pays a within 10 days: 2 % discount (2.40) taken; 50.00 left as credit
    receipt = ReceiptInput("C001", day("2024-03-09"), D("167.60"), "1100", (AllocationInput(n["a"], D("117.60")),))
    n["rct"] = rec(books).record(receipt)[0].number
    rec(books).refund(n["rct"], D("20.00"), "1100", day("2024-04-10"))
    note, _ = inv(books).credit_invoice(
        n["b"], day("2024-04-15"), lines=(InvoiceLineInput("Returned", D(1), D("25.00"), tax_code="VAT20"),)
    )
    n["cn"] = note.number
    rec(books).write_off(n["c"], day("2024-05-20"))
    rec(books).reverse_write_off(n["c"], day("2024-06-03"))
    return n


def total_open(books: Books, code: str, on: date, currency: str = "USD") -> D:
    return sum((D(i.open_units) for i in docs(books).open_items(on, code) if i.currency == currency), D(0))


def test_an_open_items_statement_is_the_open_items(books: Books) -> None:
    n = history(books)
    st = statements(books).statement("C001", day("2024-06-30"))
    (section,) = st.sections
    items = docs(books).open_items(day("2024-06-30"), "C001")
    assert sorted((ln.number, ln.open_amount) for ln in section.lines) == sorted(
        (i.number, i.open_units) for i in items
    )
    assert section.closing == sum(i.open_units for i in items) == section.lines[-1].balance
    by_number = {ln.number: ln for ln in section.lines}
    assert by_number[n["b"]].open_amount == 12000 - 3000 and by_number[n["b"]].amount == 12000
    assert by_number[n["rct"]].open_amount == -3000 and by_number[n["rct"]].amount == -16760
    assert by_number[n["c"]].days_overdue == (day("2024-06-30") - day("2024-05-02")).days
    assert section.aging[0] == -3000  # the customer's credit counts as current
    assert sum(section.aging) == section.closing
    # as of an earlier day: what was open then (the write-off not yet reversed on 2024-05-31)
    earlier = statements(books).statement("C001", day("2024-05-31")).sections[0]
    assert n["c"] not in {ln.number for ln in earlier.lines}
    assert earlier.closing == total_open(books, "C001", day("2024-05-31"))


@pytest.mark.parametrize("start", ["2024-01-01", "2024-03-06", "2024-04-10", "2024-05-21", "2024-06-30"])
def test_an_activity_statement_runs_from_opening_to_closing_open_items(books: Books, start: str) -> None:
    history(books)
    first, last = day(start), day("2024-06-30")
    st = statements(books).statement("C001", last, first)
    (section,) = st.sections
    assert section.opening == total_open(books, "C001", first - timedelta(days=1))
    assert section.closing == total_open(books, "C001", last)
    assert section.opening + sum(ln.amount for ln in section.lines) == section.closing
    balance = section.opening
    for ln in section.lines:
        balance += ln.amount
        assert ln.balance == balance and first <= ln.date <= last
    assert [ln.date for ln in section.lines] == sorted(ln.date for ln in section.lines)


def test_every_kind_of_movement_is_a_line(books: Books) -> None:
    n = history(books)
    (section,) = statements(books).statement("C001", day("2024-06-30"), day("2024-01-01")).sections
    lines = [(ln.date.isoformat(), ln.kind, ln.number, ln.amount) for ln in section.lines]
    assert lines == [
        ("2024-03-01", "invoice", n["a"], 12000),
        ("2024-03-05", "invoice", n["b"], 12000),
        ("2024-03-09", "receipt", n["rct"], -16760),
        ("2024-03-09", "discount", n["a"], -240),
        ("2024-04-02", "invoice", n["c"], 12000),
        ("2024-04-10", "refund", n["rct"], 2000),
        ("2024-04-15", "credit_note", n["cn"], -3000),
        ("2024-05-20", "write_off", n["c"], -12000),
        ("2024-06-03", "reversal", n["c"], 12000),
    ]
    assert section.closing == 12000 + 12000 - 16760 - 240 + 12000 + 2000 - 3000
    descriptions = [ln.description for ln in section.lines]
    assert descriptions[3] == f"Early-payment discount on {n['a']} ({n['rct']})"
    assert descriptions[6] == f"Credit note for {n['b']}"


def test_all_customers_with_anything_open_and_their_pdfs(books: Books, tmp_path: Path) -> None:
    n = history(books)
    ar(books).create_customer(customer("C003", "Nothing Open Ltd"))
    found = statements(books).statements(day("2024-06-30"))
    assert [s.customer for s in found] == ["C001", "C002"]
    paths = statements(books).write_pdfs(found, tmp_path / "out")
    assert [p.name for p in paths] == ["statement-C001-2024-06-30.pdf", "statement-C002-2024-06-30.pdf"]
    lines = page_lines(PdfReader(paths[0]).pages[0].extract_text())
    assert lines[1:3] == ["Statement", "C001 · as of 2024-06-30"]
    section = found[0].sections[0]
    assert has_row(lines, "Balance due USD", f"{section.closing / 100:,.2f}")
    assert has_row(lines, n["rct"], "Payment received", "-167.60", "-30.00")

    activity = statements(books).statements(day("2024-06-30"), day("2024-04-01"))
    out = statements(books).write_pdfs(activity, tmp_path / "activity")
    lines = page_lines(PdfReader(out[0]).pages[0].extract_text())
    opening = activity[0].sections[0].opening
    assert has_row(lines, "Opening balance", f"{opening / 100:,.2f}")
    assert has_row(lines, "Closing balance", f"{activity[0].sections[0].closing / 100:,.2f}")
    assert lines[-1] == "Page 1 of 1"


def test_a_customer_in_two_currencies_gets_a_section_each(books: Books) -> None:
    with_customer(books)
    inv(books).set_rate("EUR", day("2024-01-01"), D("1.1"))
    inv(books).issue(sale(on="2024-03-01"))
    inv(books).issue(sale("C001", "2024-03-02", currency="EUR"))
    st: CustomerStatement = statements(books).statement("C001", day("2024-06-30"))
    assert [(s.currency, s.closing) for s in st.sections] == [("EUR", 12000), ("USD", 12000)]


def test_refusals(books: Books) -> None:
    with_customer(books)
    with pytest.raises(NotFoundError, match="customer NOPE does not exist"):
        statements(books).statement("NOPE", day("2024-06-30"))
    with pytest.raises(ValidationError, match="after its last day"):
        statements(books).statement("C001", day("2024-06-30"), day("2024-07-01"))
    empty = statements(books).statement("C001", day("2024-06-30"))
    assert [(s.currency, s.lines, s.closing) for s in empty.sections] == [("USD", (), 0)]
