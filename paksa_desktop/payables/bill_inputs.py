"""What a caller (the bill editor, the import, automation) asks the bills service to store: plain frozen
values, checked by the service, and the small values it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from paksa_desktop.ledger.models import Frequency
from paksa_desktop.payables.models import BillState

DEFAULT = None  # in a line: take the value from the vendor, then the company's payables settings


@dataclass(frozen=True, slots=True)
class BillLineInput:
    description: str = ""  # may stay empty when an item is named (its description is taken)
    quantity: Decimal = Decimal(1)  # at most 4 decimals
    unit_price: Decimal | None = None  # bill currency, tax excluded or included as the tax code says
    account: str | None = DEFAULT  # expense or asset account code; None: the vendor's, else the company's
    tax_code: str | None = DEFAULT  # None: the vendor's (or the item's) tax code; "": no tax
    item: str | None = None  # an item code (gives the description and tax code)
    department: str | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class BillInput:
    vendor: str  # vendor code
    date: date
    lines: tuple[BillLineInput, ...]
    vendor_invoice: str = ""  # the vendor's own invoice number (duplicates are found by it)
    due_date: date | None = None  # None: from the vendor's payment terms
    currency: str | None = None  # None: the vendor's currency
    rate: Decimal | None = None  # base units per unit of the currency; None: the rate table's on the date
    memo: str = ""
    credit_note: bool = False  # a vendor credit note: reduces what is owed
    credits: str | None = None  # a credit note: number of the bill it corrects (applied to it when posted)


@dataclass(frozen=True, slots=True)
class RecurringBillInput:
    """A template raising the same bill every month, quarter or year (rent, subscriptions)."""

    name: str
    vendor: str
    frequency: Frequency | str
    next_date: date
    lines: tuple[BillLineInput, ...]
    end_date: date | None = None
    memo: str = ""
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class BillRef:
    """Where a saved, submitted, approved or posted bill now stands."""

    id: int
    version: int
    state: BillState
    number: str | None = None
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class DuplicateWarning:
    """Another bill of the same vendor that this one may duplicate, and why."""

    bill_id: int
    number: str | None  # None for a draft
    state: BillState
    vendor_invoice: str
    date: date
    total: Decimal
    currency: str
    reason: str  # "same vendor invoice number" or "same amount within N days"

    def __str__(self) -> str:
        name = self.number or f"draft {self.bill_id}"
        invoice = f" (vendor invoice {self.vendor_invoice})" if self.vendor_invoice else ""
        return f"{name}{invoice} of {self.date}, {self.total} {self.currency}: {self.reason}"
