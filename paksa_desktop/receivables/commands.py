"""What a caller asks the receivables service to store: plain frozen values, checked by the service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from paksa_desktop.receivables.models import AddressKind


@dataclass(frozen=True, slots=True)
class TaxCodeInput:
    code: str
    name: str
    rate: Decimal  # percent, at most 4 decimals: Decimal("20"), Decimal("7.125")
    account: str  # code of the liability account the tax posts to
    inclusive: bool = False


@dataclass(frozen=True, slots=True)
class ContactInput:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class AddressInput:
    kind: AddressKind | str
    lines: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, e.g. "GB"


@dataclass(frozen=True, slots=True)
class CustomerInput:
    code: str
    name: str
    currency: str | None = None  # None: the company's base currency
    payment_terms: str = "net 30"  # anything PaymentTerms.parse reads; stored in canonical form
    credit_limit: Decimal | None = None  # in the customer's currency; None: no limit
    credit_hold: bool = False
    income_account: str | None = None
    tax_code: str | None = None
    email: str = ""
    phone: str = ""
    tax_number: str = ""  # VAT/GST registration number, plain text
    notes: str = ""
    contacts: tuple[ContactInput, ...] = ()
    addresses: tuple[AddressInput, ...] = ()
    is_active: bool | None = None  # None: as it is (a new customer starts active); the form saves it with the rest


@dataclass(frozen=True, slots=True)
class ItemInput:
    code: str
    description: str
    unit_price: Decimal  # base currency
    income_account: str
    tax_code: str | None = None
