"""Turning an InvoiceInput into a checked document: lines priced, taxed, converted, and its GL lines.

Everything a unit of work looks up (customers, items, tax codes, accounts, rates) comes through one
`Lookups`, read once and kept in dictionaries, so preparing the ten-thousandth invoice of an import
costs dictionary look-ups, not queries.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, to_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.core.tax import TaxCode, TaxLine, TaxRounding, TaxSummary, compute
from paksa_desktop.fx.rates import NoRateError
from paksa_desktop.ledger.models import CompanySettings, ExchangeRate
from paksa_desktop.ledger.posting import Poster, PreparedLine
from paksa_desktop.receivables.amounts import (
    PERCENT_SCALE,
    QUANTITY_SCALE,
    grouped_base,
    line_amount,
    parse_rate,
    scaled,
    to_base,
)
from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.models import Customer, DocumentKind, Item, TaxCodeRow
from paksa_desktop.receivables.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    id: int
    code: str
    name: str
    currency: str
    terms: PaymentTerms
    income_account_id: int | None
    tax_code_id: int | None
    credit_limit: int | None
    credit_hold: bool
    is_active: bool


@dataclass(frozen=True, slots=True)
class TaxInfo:
    id: int
    domain: TaxCode
    account_id: int
    is_active: bool


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: int
    code: str
    description: str
    unit_price: int
    income_account_id: int
    tax_code_id: int | None
    is_active: bool


@dataclass(slots=True)
class DocumentLine:
    item_id: int | None
    description: str
    quantity_e4: int
    unit_price: int
    discount_e4: int
    tax_code_id: int | None
    account_id: int
    department_id: int | None
    project_id: int | None
    amount: int  # as priced: net for exclusive tax, gross for inclusive
    net: int = 0
    tax: int = 0

    def stored(self, line_no: int) -> dict[str, Any]:
        """The columns an invoice line and a bill line store alike (a bill line has no discount)."""
        return {
            "line_no": line_no,
            "item_id": self.item_id,
            "description": self.description,
            "quantity_e4": self.quantity_e4,
            "unit_price": self.unit_price,
            "tax_code_id": self.tax_code_id,
            "account_id": self.account_id,
            "department_id": self.department_id,
            "project_id": self.project_id,
            "net": self.net,
            "tax": self.tax,
        }


@dataclass(slots=True)
class PreparedInvoice:
    kind: DocumentKind
    customer: CustomerInfo
    date: date
    due_date: date
    terms: str
    currency: str
    rate: Decimal
    reference: str
    memo: str
    lines: list[DocumentLine]
    net_total: int
    tax_total: int
    total: int
    base_total: int
    gl_lines: list[PreparedLine]  # base currency, debit > 0
    credited_invoice_id: int | None = None
    credited_number: str | None = None
    id: int | None = None
    number: str | None = None


class DocumentLookups:
    """What preparing any priced document reads (tax codes, items, accounts, rates), once per unit of
    work; receivables and payables each add their own party and settings."""

    def __init__(self, s: Session, poster: Poster) -> None:
        self.s = s
        self.poster = poster
        company = s.execute(select(CompanySettings.base_currency, CompanySettings.tax_rounding)).one()
        self.base_currency: str = company.base_currency
        self.rounding: TaxRounding = company.tax_rounding
        self._items: dict[str, ItemInfo] | None = None
        self._taxes: dict[str, TaxInfo] | None = None
        self._taxes_by_id: dict[int, TaxInfo] | None = None
        self._account_ids: dict[str, int] = {}  # codes already found postable in this unit of work
        self._rates: dict[tuple[str, date], Decimal] = {}
        self._rate_tables: dict[str, tuple[list[date], list[str]]] = {}  # currency -> (days, rates), by day

    # ---- items, tax codes
    @property
    def items(self) -> dict[str, ItemInfo]:
        if self._items is None:
            self._items = {
                r.code: ItemInfo(
                    r.id, r.code, r.description, r.unit_price, r.income_account_id, r.tax_code_id, r.is_active
                )
                for r in self.s.execute(select(Item)).scalars()
            }
        return self._items

    @property
    def taxes(self) -> dict[str, TaxInfo]:
        if self._taxes is None:
            self._taxes = {
                r.code: TaxInfo(
                    r.id, TaxCode(r.code, Decimal(r.rate_e4) / PERCENT_SCALE, r.inclusive), r.account_id, r.is_active
                )
                for r in self.s.execute(select(TaxCodeRow)).scalars()
            }
        return self._taxes

    @property
    def taxes_by_id(self) -> dict[int, TaxInfo]:
        if self._taxes_by_id is None:
            self._taxes_by_id = {t.id: t for t in self.taxes.values()}
        return self._taxes_by_id

    def tax_by_id(self, tax_id: int) -> TaxInfo:
        return self.taxes_by_id[tax_id]

    def taxed(self, lines: Sequence[DocumentLine]) -> TaxSummary:
        """The tax of a document's lines by their codes (the company's rounding), each line's net and tax
        set from it: what an invoice and a bill store and post."""
        codes = self.taxes_by_id
        summary = compute(
            [TaxLine(ln.amount, codes[ln.tax_code_id].domain if ln.tax_code_id else None) for ln in lines],
            self.rounding,
        )
        for line, split in zip(lines, summary.lines, strict=True):
            line.net, line.tax = split.net, split.tax
        return summary

    # ---- rates
    def rate(self, currency: str, day: date) -> Decimal:
        """The rate table's rate for `currency` on `day` (the latest on or before it, fx.rates.rate_on's
        rule); a currency's rates are read once per unit of work, so an import spread over a year of
        dates asks the database once per currency, not once per day."""
        key = (currency, day)
        found = self._rates.get(key)
        if found is None:
            if currency == self.base_currency:
                return Decimal(1)
            table = self._rate_tables.get(currency)
            if table is None:
                rows = self.s.execute(
                    select(ExchangeRate.day, ExchangeRate.rate)
                    .where(ExchangeRate.currency == currency)
                    .order_by(ExchangeRate.day)
                ).all()
                table = self._rate_tables[currency] = ([r.day for r in rows], [r.rate for r in rows])
            days, rates = table
            k = bisect_right(days, day)
            if k == 0:
                raise NoRateError(currency, day, "enter one in the rate table or on the document")
            found = self._rates[key] = Decimal(rates[k - 1])
        return found

    def document_rate(self, currency: str, day: date, given: Decimal | None) -> Decimal:
        if currency == self.base_currency:
            if given is not None and given != 1:
                raise ValidationError(f"a document in the base currency {currency} has the rate 1")
            return Decimal(1)
        return parse_rate(given) if given is not None else self.rate(currency, day)

    def account_id(self, code: str, what: str) -> int:
        found = self._account_ids.get(code)
        if found is None:
            problem = self.poster.account_problem(code)
            if problem:
                raise ValidationError(f"{what}: {problem}")
            found = self._account_ids[code] = self.poster.accounts[code].id
        return found


class Lookups(DocumentLookups):
    """What preparing receivables documents reads, once per unit of work."""

    def __init__(self, s: Session, poster: Poster) -> None:
        self.settings: Settings = load_settings(s)
        super().__init__(s, poster)
        self._customers: dict[str, CustomerInfo] = {}
        self._all_customers = False

    # ---- customers
    def load_all_customers(self) -> None:
        for row in self.s.execute(select(Customer)).scalars():
            self._customers[row.code] = _customer_info(row)
        self._all_customers = True

    def customer(self, code: str) -> CustomerInfo:
        info = self._customers.get(code)
        if info is None and not self._all_customers:
            row = self.s.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none()
            if row is not None:
                info = self._customers[code] = _customer_info(row)
        if info is None:
            raise ValidationError(f"unknown customer '{code}'")
        return info

    def customer_by_id(self, customer_id: int) -> CustomerInfo:
        for info in self._customers.values():
            if info.id == customer_id:
                return info
        row = self.s.get(Customer, customer_id)
        assert row is not None
        info = self._customers[row.code] = _customer_info(row)
        return info


def _customer_info(row: Customer) -> CustomerInfo:
    return CustomerInfo(
        row.id,
        row.code,
        row.name,
        row.currency,
        PaymentTerms.parse(row.payment_terms),
        row.income_account_id,
        row.tax_code_id,
        row.credit_limit,
        row.credit_hold,
        row.is_active,
    )


def prepare(look: Lookups, data: InvoiceInput) -> PreparedInvoice:
    """A checked document from what the user entered; every problem raised names its line."""
    customer = look.customer(data.customer.strip())
    if not customer.is_active:
        raise ValidationError(f"customer {customer.code} is inactive")
    currency = (data.currency or customer.currency).upper()
    exponent = currency_exponent(currency)
    rate = look.document_rate(currency, data.date, data.rate)
    if not data.lines:
        raise ValidationError("a document needs at least one line")
    lines = [_prepare_line(look, customer, currency, exponent, n, line) for n, line in enumerate(data.lines, 1)]
    summary = look.taxed(lines)
    if summary.gross <= 0:
        raise ValidationError("the document's total must be more than zero")
    due = data.due_date or customer.terms.due_date(data.date)
    if due < data.date:
        raise ValidationError(f"the due date {due} is before the document's date {data.date}")
    kind = DocumentKind.CREDIT_NOTE if data.credit_note else DocumentKind.INVOICE
    base_total = to_base(summary.gross, rate, currency, look.base_currency)
    prepared = PreparedInvoice(
        kind=kind,
        customer=customer,
        date=data.date,
        due_date=due,
        terms=customer.terms.text(),
        currency=currency,
        rate=rate,
        reference=data.reference.strip(),
        memo=data.memo.strip(),
        lines=lines,
        net_total=summary.net,
        tax_total=summary.tax,
        total=summary.gross,
        base_total=base_total,
        gl_lines=[],
    )
    prepared.gl_lines = gl_lines(look, prepared, look.taxes_by_id)
    return prepared


def _prepare_line(
    look: Lookups, customer: CustomerInfo, currency: str, exponent: int, n: int, line: InvoiceLineInput
) -> DocumentLine:
    where = f"line {n}"
    item = None
    if line.item:
        item = look.items.get(line.item.strip())
        if item is None:
            raise ValidationError(f"{where}: unknown item '{line.item}'")
        if not item.is_active:
            raise ValidationError(f"{where}: item {item.code} is inactive")
    description = line.description.strip() or (item.description if item else "")
    if not description:
        raise ValidationError(f"{where}: a description or an item is required")
    quantity_e4 = scaled(line.quantity, QUANTITY_SCALE, f"{where}: quantity")
    if quantity_e4 <= 0:
        raise ValidationError(f"{where}: the quantity must be more than zero")
    if line.unit_price is not None:
        try:
            unit_price = to_minor(line.unit_price, exponent)
        except ValidationError:
            raise ValidationError(
                f"{where}: unit price {line.unit_price} has more than {exponent} decimal places for {currency}"
            ) from None
    elif item is not None and currency == look.base_currency:
        unit_price = item.unit_price
    elif item is not None:
        raise ValidationError(f"{where}: item prices are in {look.base_currency}; enter the price in {currency}")
    else:
        raise ValidationError(f"{where}: a unit price is required")
    if unit_price < 0:
        raise ValidationError(f"{where}: the unit price must not be negative (issue a credit note instead)")
    discount_e4 = scaled(line.discount_percent, PERCENT_SCALE, f"{where}: discount %")
    if not 0 <= discount_e4 <= 100 * PERCENT_SCALE:
        raise ValidationError(f"{where}: a discount of {line.discount_percent} % is not between 0 and 100")
    tax_code_id = _line_tax(look, customer, item, line, where)
    if line.account:
        account_id = look.account_id(line.account.strip(), f"{where}: account")
    elif item is not None:
        account_id = item.income_account_id
    elif customer.income_account_id is not None:
        account_id = customer.income_account_id
    else:
        account_id = look.settings.income_account_id
    department_id = project_id = None
    if line.department:
        department_id = look.poster.department_id(line.department.strip())
        if department_id is None:
            raise ValidationError(f"{where}: unknown department '{line.department}'")
    if line.project:
        project_id = look.poster.project_id(line.project.strip())
        if project_id is None:
            raise ValidationError(f"{where}: unknown project '{line.project}'")
    return DocumentLine(
        item.id if item else None,
        description,
        quantity_e4,
        unit_price,
        discount_e4,
        tax_code_id,
        account_id,
        department_id,
        project_id,
        line_amount(quantity_e4, unit_price, discount_e4),
    )


def _line_tax(
    look: Lookups, customer: CustomerInfo, item: ItemInfo | None, line: InvoiceLineInput, where: str
) -> int | None:
    if line.tax_code is not None:
        code = line.tax_code.strip()
        if not code:
            return None
        tax = look.taxes.get(code)
        if tax is None:
            raise ValidationError(f"{where}: unknown tax code '{code}'")
        if not tax.is_active:
            raise ValidationError(f"{where}: tax code {code} is inactive")
        return tax.id
    if item is not None and item.tax_code_id is not None:
        return item.tax_code_id
    return customer.tax_code_id


def gl_lines(look: Lookups, doc: PreparedInvoice, codes: dict[int, TaxInfo]) -> list[PreparedLine]:
    """The document's entry in base units: the receivable against income by account and dimension and
    tax by tax account. An invoice debits the receivable, a credit note credits it."""
    sign = 1 if doc.kind is DocumentKind.INVOICE else -1
    parts = []
    for line in doc.lines:
        parts.append(((line.account_id, line.department_id, line.project_id), line.net))
        if line.tax:
            parts.append(((codes[line.tax_code_id].account_id, None, None), line.tax))  # type: ignore[index]
    memo = doc.memo or doc.customer.name
    result = [PreparedLine(look.settings.receivable_account_id, sign * doc.base_total, memo)]
    result.extend(
        PreparedLine(account, -sign * amount, memo, department, project)
        for (account, department, project), amount in grouped_base(
            parts, doc.base_total, doc.rate, doc.currency, look.base_currency
        )
    )
    return result
