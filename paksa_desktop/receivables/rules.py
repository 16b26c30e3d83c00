"""Checks shared by the service and the file importers; each returns a reason (or the clean value).

A `Catalogue` holds what the checks look up (accounts, tax codes, the base currency), read once per
unit of work, so checking an imported row is a few dictionary look-ups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, is_currency, parse_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.models import Account, AccountType, CompanySettings
from paksa_desktop.receivables.models import TaxCodeRow

RATE_SCALE = 10_000  # rate_e4 = percent x 10,000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CODE = re.compile(r"^[^\s]+$")


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    type: AccountType
    is_active: bool
    is_leaf: bool


@dataclass(frozen=True, slots=True)
class TaxRef:
    id: int
    code: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    base_currency: str
    accounts: dict[str, AccountRef]
    accounts_by_id: dict[int, AccountRef]
    tax_codes: dict[str, TaxRef]
    tax_codes_by_id: dict[int, TaxRef]


def load_catalogue(s: Session) -> Catalogue:
    rows = s.execute(select(Account.id, Account.code, Account.type, Account.is_active, Account.parent_id)).all()
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    accounts = {r.code: AccountRef(r.id, r.code, r.type, r.is_active, r.id not in parents) for r in rows}
    taxes = {
        r.code: TaxRef(r.id, r.code, r.is_active)
        for r in s.execute(select(TaxCodeRow.id, TaxCodeRow.code, TaxCodeRow.is_active))
    }
    base = s.execute(select(CompanySettings.base_currency)).scalar_one()
    return Catalogue(
        base,
        accounts,
        {a.id: a for a in accounts.values()},
        taxes,
        {t.id: t for t in taxes.values()},
    )


def code_problem(code: str) -> str | None:
    if not code:
        return "required"
    if not _CODE.match(code):
        return f"'{code}' must not contain spaces"
    if len(code) > 32:
        return f"'{code}' is longer than 32 characters"
    return None


def account_problem(cat: Catalogue, code: str, wanted: AccountType, use: str) -> str | None:
    """Why `code` cannot be the `use` account (None if it can)."""
    account = cat.accounts.get(code)
    if account is None:
        return f"unknown account '{code}'"
    if not account.is_active:
        return f"account {code} is inactive"
    if not account.is_leaf:
        return f"account {code} has sub-accounts; choose one of them"
    if account.type is not wanted:
        return f"account {code} is {account.type.value}; the {use} must be an {wanted.value} account".replace(
            "an liability", "a liability"
        )
    return None


def tax_code_problem(cat: Catalogue, code: str) -> str | None:
    tax = cat.tax_codes.get(code)
    if tax is None:
        return f"unknown tax code '{code}'"
    if not tax.is_active:
        return f"tax code {code} is inactive"
    return None


def currency_problem(code: str) -> str | None:
    return (
        None
        if is_currency(code) and code == code.upper() and len(code) == 3
        else f"'{code}' is not an ISO 4217 currency code"
    )


def canonical_terms(text: str) -> str:
    """The canonical text of payment terms; a bare number N means 'net N'. Raises ValidationError."""
    text = text.strip()
    if text.isdigit():
        text = f"net {text}"
    return PaymentTerms.parse(text).text()


def terms_cell(terms: str) -> str:
    """How terms are written in the `payment_terms_days` column: N for 'net N', the terms' text otherwise."""
    parsed = PaymentTerms.parse(terms)
    if not parsed.end_of_month and not parsed.discount_percent and parsed.net_days:
        return str(parsed.net_days)
    return parsed.text()


def rate_e4(rate: Decimal) -> int:
    """A percentage as ten-thousandths of a percent; refuses more than 4 decimals or a rate outside 0..100."""
    if not rate.is_finite():
        raise ValidationError(f"'{rate}' is not a tax rate")
    if not Decimal(0) <= rate <= Decimal(100):
        raise ValidationError(f"a rate of {rate} % is not between 0 and 100")
    scaled = rate * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"a rate of {rate} % has more than 4 decimal places")
    return int(scaled)


def rate_of(e4: int) -> Decimal:
    """The percentage without trailing zeros, never in exponent form: 200000 -> 20, 71250 -> 7.125."""
    return Decimal(format((Decimal(e4) / RATE_SCALE).normalize(), "f"))


def parse_rate(text: str) -> Decimal:
    try:
        rate = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise ValidationError(f"'{text}' is not a percentage (e.g. 20 or 7.5)") from None
    rate_e4(rate)
    return rate


def amount_minor(text: str, currency: str, *, what: str) -> int:
    """A non-negative amount typed as text, in minor units of `currency`. Raises ValidationError."""
    try:
        units = parse_minor(text, currency_exponent(currency))
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if units < 0:
        raise ValidationError(f"the {what} must not be negative")
    return units


def decimal_minor(amount: Decimal, currency: str, *, what: str) -> int:
    exponent = currency_exponent(currency)
    if not amount.is_finite():
        raise ValidationError(f"the {what} '{amount}' is not an amount")
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"the {what} {amount} has more than {exponent} decimal places for {currency}")
    if amount < 0:
        raise ValidationError(f"the {what} must not be negative")
    return int(scaled)


def email_problem(email: str) -> str | None:
    return None if not email or _EMAIL.match(email) else f"'{email}' is not an e-mail address"


def country_problem(country: str) -> str | None:
    return None if not country or _COUNTRY.match(country) else f"'{country}' is not a two-letter ISO 3166 country code"
