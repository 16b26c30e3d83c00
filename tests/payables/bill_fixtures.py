"""Vendors for the bills tests, written straight as `Vendor` rows (the vendor service is built in parallel;
the lead switches these to it on merge), and small builders of bill inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.models import Account
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput
from paksa_desktop.payables.models import Vendor
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.commands import TaxCodeInput
from paksa_desktop.security.context import UserContext
from tests.conftest import Books

D = Decimal


def add_vendor(
    s: Session,
    ctx: UserContext,
    code: str,
    name: str = "",
    *,
    currency: str = "USD",
    payment_terms: str = "net 30",
    expense_account: str | None = None,
    withholding_rate: Decimal | None = None,
) -> int:
    """A vendor row in the caller's session (code, name, currency, terms, expense account, withholding)."""
    account_id = None
    if expense_account is not None:
        account_id = s.execute(select(Account.id).where(Account.code == expense_account)).scalar_one()
    row = Vendor(
        code=code,
        name=name or f"Vendor {code}",
        currency=currency,
        payment_terms=PaymentTerms.parse(payment_terms).text(),
        expense_account_id=account_id,
        withholding=withholding_rate is not None,
        withholding_rate_e4=int((withholding_rate or 0) * 10_000),
        created_by=ctx.user_id,
        created_at=ctx.clock.now(),
    )
    s.add(row)
    s.flush()
    return row.id


def with_vendor(books: Books, code: str = "V001", **kw: object) -> Books:
    """The books with one more vendor, added in a unit of work of its own."""
    with UnitOfWork(books.company.engine) as uow:
        add_vendor(uow.session, books.ctx, code, **kw)  # type: ignore[arg-type]
        uow.commit()
    return books


def with_taxes(books: Books) -> Books:
    """VAT20 (exclusive, 20 %) and VAT5I (inclusive, 5 %)."""
    service = books.company.receivables(books.ctx)
    service.create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    service.create_tax_code(TaxCodeInput("VAT5I", "Reduced, inclusive", D("5"), "2200", inclusive=True))
    return books


def line(description: str = "Paper", quantity: str = "1", price: str = "100.00", **kw: object) -> BillLineInput:
    return BillLineInput(description, D(quantity), D(price), **kw)  # type: ignore[arg-type]


def bill(vendor: str = "V001", on: str = "2024-03-01", *lines: BillLineInput, **kw: object) -> BillInput:
    """A bill input: by default one line of 100.00 with no tax on the default expense account."""
    chosen = lines or (line(tax_code=""),)
    return BillInput(vendor, date.fromisoformat(on), tuple(chosen), **kw)  # type: ignore[arg-type]
