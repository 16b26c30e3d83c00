"""Shared helpers for the receivables tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.receivables.commands import (
    CustomerInput,
    InvoiceInput,
    InvoiceLineInput,
    ItemInput,
    TaxCodeInput,
)
from paksa_desktop.receivables.queries import ReceivablesQueries
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.security.context import UserContext
from tests.conftest import Books

D = Decimal


def ar(books: Books) -> ReceivablesService:
    return books.company.receivables(books.ctx)


def arq(books: Books) -> ReceivablesQueries:
    return books.company.receivables_queries(books.ctx)


def vat(books: Books) -> Books:
    """Books with tax codes VAT20 (exclusive, 20 %) and VAT5I (inclusive, 5 %) on account 2200."""
    ar(books).create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    ar(books).create_tax_code(TaxCodeInput("VAT5I", "Reduced, inclusive", D("5"), "2200", inclusive=True))
    return books


def customer(code: str = "C001", name: str = "Acme Ltd", **kw: object) -> CustomerInput:
    return CustomerInput(code, name, **kw)  # type: ignore[arg-type]


def item(code: str = "WIDGET", price: str = "12.50", account: str = "4010", **kw: object) -> ItemInput:
    return ItemInput(code, kw.pop("description", "Blue widget"), D(price), account, **kw)  # type: ignore[arg-type]


def inv(books: Books):  # type: ignore[no-untyped-def]
    return books.company.invoicing(books.ctx)


def rec(books: Books):  # type: ignore[no-untyped-def]
    return books.company.receipts(books.ctx)


def docs(books: Books):  # type: ignore[no-untyped-def]
    return books.company.documents_queries(books.ctx)


def balance(books: Books, code: str, as_of: date | None = None) -> Decimal:
    """The GL balance of an account (debit positive)."""
    tb = books.queries.trial_balance(as_of=as_of)
    row = next((r for r in tb.rows if r.code == code), None)
    return Decimal(0) if row is None else row.closing


def sale(
    customer_code: str = "C001",
    on: str = "2024-03-01",
    *lines: InvoiceLineInput,
    **kw: object,
) -> InvoiceInput:
    """An invoice input: by default one line of 100.00 on 4010 with VAT20."""
    chosen = lines or (InvoiceLineInput("Consulting", D("1"), D("100.00"), tax_code="VAT20", account="4010"),)
    return InvoiceInput(customer_code, date.fromisoformat(on), tuple(chosen), **kw)  # type: ignore[arg-type]


def with_customer(books: Books, code: str = "C001", **kw: object) -> Books:
    vat(books)
    ar(books).create_customer(customer(code, **kw))
    return books


PASSWORD = "clerk-password-42"


def login_as(books: Books, username: str, role: str) -> UserContext:
    """A second user of the company with one built-in role, logged in."""
    books.company.add_user(books.ctx, username, PASSWORD, roles=(role,))
    return books.company.login(username, PASSWORD)
