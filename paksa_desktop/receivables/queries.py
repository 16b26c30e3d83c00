"""Read models of receivables master data: frozen rows with Decimal amounts, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.core.tax import TaxCode, TaxRounding
from paksa_desktop.ledger.models import Account, CompanySettings, ExchangeRate
from paksa_desktop.receivables.models import Customer, DunningProcedure, Item, TaxCodeRow
from paksa_desktop.receivables.rules import rate_of
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class TaxCodeView:
    code: str
    name: str
    rate: Decimal
    inclusive: bool
    account: str
    is_active: bool
    version: int

    def domain(self) -> TaxCode:
        """The pure tax code `core.tax.compute` works with."""
        return TaxCode(self.code, self.rate, self.inclusive)


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    role: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class AddressView:
    kind: str
    lines: str
    city: str
    postal_code: str
    region: str
    country: str


@dataclass(frozen=True, slots=True)
class CustomerView:
    code: str
    name: str
    currency: str
    payment_terms: str
    credit_limit: Decimal | None
    credit_hold: bool
    income_account: str | None
    tax_code: str | None
    email: str
    phone: str
    tax_number: str
    notes: str
    is_active: bool
    version: int
    contacts: tuple[ContactView, ...] = ()
    addresses: tuple[AddressView, ...] = ()
    dunning_procedure: str | None = None  # its code; None: dunned by the company's default procedure


@dataclass(frozen=True, slots=True)
class ItemView:
    code: str
    description: str
    unit_price: Decimal  # base currency
    income_account: str
    tax_code: str | None
    is_active: bool
    version: int


@dataclass(frozen=True, slots=True)
class ExchangeRateView:
    """Units of the base currency one unit of `currency` buys on and after `day`, as exact decimal text."""

    currency: str
    day: date
    rate: str


def _names(s: Session) -> tuple[dict[int, str], dict[int, str]]:
    accounts = {r[0]: r[1] for r in s.execute(select(Account.id, Account.code))}
    taxes = {r[0]: r[1] for r in s.execute(select(TaxCodeRow.id, TaxCodeRow.code))}
    return accounts, taxes


def tax_code_view(t: TaxCodeRow, accounts: dict[int, str]) -> TaxCodeView:
    return TaxCodeView(t.code, t.name, rate_of(t.rate_e4), t.inclusive, accounts[t.account_id], t.is_active, t.version)


def customer_view(
    c: Customer, accounts: dict[int, str], taxes: dict[int, str], *, details: bool, procedure: str | None = None
) -> CustomerView:
    limit = None if c.credit_limit is None else from_minor(c.credit_limit, currency_exponent(c.currency))
    return CustomerView(
        c.code,
        c.name,
        c.currency,
        c.payment_terms,
        limit,
        c.credit_hold,
        accounts.get(c.income_account_id) if c.income_account_id else None,
        taxes.get(c.tax_code_id) if c.tax_code_id else None,
        c.email,
        c.phone,
        c.tax_number,
        c.notes,
        c.is_active,
        c.version,
        tuple(ContactView(k.name, k.role, k.email, k.phone) for k in c.contacts) if details else (),
        tuple(AddressView(a.kind.value, a.lines, a.city, a.postal_code, a.region, a.country) for a in c.addresses)
        if details
        else (),
        procedure,
    )


def item_view(i: Item, accounts: dict[int, str], taxes: dict[int, str], exponent: int) -> ItemView:
    return ItemView(
        i.code,
        i.description,
        from_minor(i.unit_price, exponent),
        accounts[i.income_account_id],
        taxes.get(i.tax_code_id) if i.tax_code_id else None,
        i.is_active,
        i.version,
    )


def _base_exponent(s: Session) -> int:
    return currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())


class ReceivablesQueries(GuardedService):
    """Lists and single records of tax codes, customers and items."""

    def tax_codes(self, *, include_inactive: bool = True) -> list[TaxCodeView]:
        with self._read(Permission.LEDGER_VIEW) as s:
            accounts, _ = _names(s)
            query = select(TaxCodeRow).order_by(TaxCodeRow.code)
            if not include_inactive:
                query = query.where(TaxCodeRow.is_active)
            return [tax_code_view(t, accounts) for t in s.execute(query).scalars()]

    def tax_code(self, code: str) -> TaxCodeView:
        with self._read(Permission.LEDGER_VIEW) as s:
            row = s.execute(select(TaxCodeRow).where(TaxCodeRow.code == code)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"tax code '{code}' does not exist")
            return tax_code_view(row, _names(s)[0])

    def tax_rounding(self) -> TaxRounding:
        with self._read(Permission.LEDGER_VIEW) as s:
            return TaxRounding(s.execute(select(CompanySettings.tax_rounding)).scalar_one())

    def customers(self, *, include_inactive: bool = True, search: str = "") -> list[CustomerView]:
        """Customers by code, without contacts and addresses (the list screen); `search` matches code or name."""
        with self._read(Permission.AR_VIEW) as s:
            accounts, taxes = _names(s)
            query = select(Customer).order_by(Customer.code)
            if not include_inactive:
                query = query.where(Customer.is_active)
            if search:
                pattern = f"%{search.lower()}%"
                query = query.where(Customer.code.ilike(pattern) | Customer.name.ilike(pattern))
            return [customer_view(c, accounts, taxes, details=False) for c in s.execute(query).scalars()]

    def customer(self, code: str) -> CustomerView:
        """One customer with contacts and addresses (the form)."""
        with self._read(Permission.AR_VIEW) as s:
            row = s.execute(
                select(Customer)
                .where(Customer.code == code)
                .options(selectinload(Customer.contacts), selectinload(Customer.addresses))
            ).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"customer '{code}' does not exist")
            accounts, taxes = _names(s)
            procedure = None
            if row.dunning_procedure_id is not None:
                procedure = s.get(DunningProcedure, row.dunning_procedure_id).code  # type: ignore[union-attr]
            return customer_view(row, accounts, taxes, details=True, procedure=procedure)

    def items(self, *, include_inactive: bool = True) -> list[ItemView]:
        with self._read(Permission.AR_VIEW) as s:
            accounts, taxes = _names(s)
            exponent = _base_exponent(s)
            query = select(Item).order_by(Item.code)
            if not include_inactive:
                query = query.where(Item.is_active)
            return [item_view(i, accounts, taxes, exponent) for i in s.execute(query).scalars()]

    def item(self, code: str) -> ItemView:
        with self._read(Permission.AR_VIEW) as s:
            row = s.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"item '{code}' does not exist")
            accounts, taxes = _names(s)
            return item_view(row, accounts, taxes, _base_exponent(s))

    def exchange_rates(self, currency: str | None = None) -> list[ExchangeRateView]:
        """The exchange rates `InvoicingService.set_rate` keeps, by currency, newest day first."""
        with self._read(Permission.LEDGER_VIEW) as s:
            query = select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.day.desc())
            if currency:
                query = query.where(ExchangeRate.currency == currency.strip().upper())
            return [ExchangeRateView(r.currency, r.day, r.rate) for r in s.execute(query).scalars()]
