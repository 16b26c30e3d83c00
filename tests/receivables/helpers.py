"""Shared helpers for the receivables tests."""

from __future__ import annotations

from decimal import Decimal

from paksa_desktop.receivables.commands import CustomerInput, ItemInput, TaxCodeInput
from paksa_desktop.receivables.queries import ReceivablesQueries
from paksa_desktop.receivables.service import ReceivablesService
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
