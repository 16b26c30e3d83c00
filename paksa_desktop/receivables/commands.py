"""What a caller asks the receivables service to store: plain frozen values, checked by the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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


# --------------------------------------------------------------------------------------------- documents

DEFAULT = None  # in a line: take the value from the item, then the customer, then the company settings


@dataclass(frozen=True, slots=True)
class InvoiceLineInput:
    description: str = ""
    quantity: Decimal = Decimal(1)  # at most 4 decimals
    unit_price: Decimal | None = None  # document currency; None: the item's price (base-currency documents)
    item: str | None = None  # item code
    discount_percent: Decimal = Decimal(0)
    tax_code: str | None = DEFAULT  # "" : no tax
    account: str | None = DEFAULT  # income account code
    department: str | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceInput:
    customer: str  # customer code
    date: date
    lines: tuple[InvoiceLineInput, ...]
    due_date: date | None = None  # None: from the customer's payment terms
    reference: str = ""  # the customer's order number
    memo: str = ""
    currency: str | None = None  # None: the customer's currency
    rate: Decimal | None = None  # base per unit of the currency; None: the rate table's on the date
    credit_note: bool = False
    credits: str | None = None  # a credit note: number of the invoice it corrects (applied to it when posted)


@dataclass(frozen=True, slots=True)
class AllocationInput:
    """Settle `amount` of an invoice; discount and write-off None: as the terms and tolerance allow."""

    invoice: str  # invoice number
    amount: Decimal
    discount: Decimal | None = None
    write_off: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    customer: str
    date: date
    amount: Decimal  # in the receipt's currency
    bank_account: str  # code of the bank or cash account it went into
    allocations: tuple[AllocationInput, ...] = ()
    method: str = "bank transfer"
    reference: str = ""
    memo: str = ""
    currency: str | None = None  # None: the customer's currency
    rate: Decimal | None = None
    auto_allocate: bool = False  # allocate what `allocations` leaves to the oldest open invoices


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """Where a saved or posted invoice, credit note or receipt now stands."""

    id: int
    version: int
    number: str | None = None
    entry_id: int | None = None
