"""Property: whatever sequence of invoices, credit notes, receipts, credit applications, refunds and
write-offs (in two currencies at moving rates), the receivables subledger equals its GL control
account to the cent on every date, and the ledger balances."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from paksa_desktop.core.errors import PaksaError
from paksa_desktop.receivables.commands import (
    AllocationInput,
    CustomerInput,
    InvoiceInput,
    InvoiceLineInput,
    ReceiptInput,
    TaxCodeInput,
)
from paksa_desktop.receivables.models import InvoiceState
from tests.ledger.test_properties import COMMON, Copy, Template, copy_of, sqlite_template  # noqa: F401

START = date(2024, 1, 1)
SETTLED = {s.value for s in (InvoiceState.PAID, InvoiceState.CREDITED, InvoiceState.WRITTEN_OFF)}
CUSTOMERS = {"C1": "USD", "C2": "EUR"}

amounts = st.integers(min_value=1, max_value=500_000)  # cents
operation = st.one_of(
    st.tuples(st.just("invoice"), st.sampled_from(sorted(CUSTOMERS)), amounts, st.booleans()),
    st.tuples(st.just("credit"), st.integers(0, 50), st.integers(1, 100)),  # percent of the invoice's first line
    st.tuples(st.just("receipt"), st.sampled_from(sorted(CUSTOMERS)), amounts, st.booleans()),
    st.tuples(st.just("apply"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 100)),
    st.tuples(st.just("write_off"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("rate"), st.integers(80, 160)),
)
operations = st.lists(st.tuples(st.integers(0, 20), operation), min_size=3, max_size=16)


def prepare(books: Copy) -> None:
    ar = books.company.receivables(books.template.ctx)
    ar.create_tax_code(TaxCodeInput("VAT20", "Standard", Decimal(20), "2200"))
    for code, currency in CUSTOMERS.items():
        ar.create_customer(CustomerInput(code, f"Customer {code}", currency=currency, payment_terms="2/10 net 30"))
    books.company.invoicing(books.template.ctx).set_rate("EUR", START, Decimal("1.1"))


def run(books: Copy, ops: list[tuple[int, tuple[Any, ...]]]) -> None:
    invoicing = books.company.invoicing(books.template.ctx)
    receipts = books.company.receipts(books.template.ctx)
    queries = books.company.documents_queries(books.template.ctx)
    day = START
    days = [day]
    for step, (advance, op) in enumerate(ops):
        day += timedelta(days=advance)
        days.append(day)
        kind = op[0]
        try:
            if kind == "invoice":
                _, customer, cents, taxed = op
                line = InvoiceLineInput("Goods", Decimal(1), Decimal(cents) / 100, tax_code="VAT20" if taxed else "")
                invoicing.issue(InvoiceInput(customer, day, (line,)), confirm_credit=True)
            elif kind == "rate":
                invoicing.set_rate("EUR", day, Decimal(op[1]) / 100)
            elif kind == "receipt":
                _, customer, cents, auto = op
                receipts.record(
                    ReceiptInput(customer, day, Decimal(cents) / 100, "1100", auto_allocate=auto, reference=str(step))
                )
            else:
                open_invoices = queries.invoices(open_only=True)
                if kind == "credit" and open_invoices:
                    target = open_invoices[op[1] % len(open_invoices)]
                    if target.kind.value == "invoice":
                        detail = queries.invoice(target.number)  # type: ignore[arg-type]
                        price = (detail.lines[0].unit_price * op[2] / 100).quantize(Decimal("0.01"))
                        if price > 0:
                            line = InvoiceLineInput(
                                "Credit", Decimal(1), price, tax_code=detail.lines[0].tax_code or ""
                            )
                            invoicing.credit_invoice(target.number, day, lines=(line,))  # type: ignore[arg-type]
                elif kind == "write_off" and open_invoices:
                    target = open_invoices[op[1] % len(open_invoices)]
                    if target.kind.value == "invoice":
                        receipts.write_off(target.number, day)  # type: ignore[arg-type]
                        if op[2]:
                            receipts.reverse_write_off(target.number, day)  # type: ignore[arg-type]
                elif kind in ("apply", "refund"):
                    credits = [c for code in CUSTOMERS for c in queries.customer_credit(code)]
                    if credits:
                        source = credits[op[1] % len(credits)]
                        if kind == "refund":
                            amount = (source.available * op[2] / 100).quantize(Decimal("0.01"))
                            if amount > 0:
                                receipts.refund(source.number, amount, "1100", day)
                        else:
                            invoices = [
                                i for i in open_invoices
                                if i.kind.value == "invoice" and i.currency == source.currency
                                and i.customer == _customer_of(queries, source.number)
                            ]  # fmt: skip
                            if invoices:
                                target = invoices[op[2] % len(invoices)]
                                amount = min(target.open_amount, source.available)
                                receipts.apply_credit(source.number, [AllocationInput(target.number, amount)], day)  # type: ignore[arg-type]
        except PaksaError as exc:  # a refusal must leave nothing behind; the invariants below still hold
            assert "closed" not in str(exc)
        for on in (day, *days[-3:]):
            assert queries.reconcile(on).difference == 0, (step, op, on)
    with books.company.engine.connect() as conn:
        assert conn.execute(text("SELECT COALESCE(SUM(amount), 0) FROM journal_lines")).scalar_one() == 0
        for number, open_amount, total, state in conn.execute(
            text("SELECT number, open_amount, total, state FROM invoices WHERE state <> 'draft'")
        ):
            assert 0 <= open_amount <= total, number
            assert (open_amount == 0) == (state in SETTLED), number


def _customer_of(queries: Any, number: str) -> str:
    for receipt in queries.receipts():
        if receipt.number == number:
            return str(receipt.customer)
    return str(queries.invoice(number).row.customer)


@settings(COMMON, max_examples=25)
@given(ops=operations)
def test_the_subledger_always_equals_its_control_account(sqlite_template: Template, ops: list) -> None:  # noqa: F811
    with copy_of(sqlite_template) as books:
        prepare(books)
        run(books, ops)
