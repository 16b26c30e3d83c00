"""What a service call changed, so each tab refreshes only what concerns it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    ACCOUNTS = "accounts"
    ENTRIES = "entries"
    PERIODS = "periods"
    JOURNALS = "journals"
    DIMENSIONS = "dimensions"
    RECURRING = "recurring"
    COMPANY = "company"
    USERS = "users"
    LAYOUTS = "layouts"  # statement layouts
    BUDGETS = "budgets"
    TAX_CODES = "tax_codes"
    CUSTOMERS = "customers"
    ITEMS = "items"
    RATES = "rates"  # exchange rates
    INVOICES = "invoices"  # invoices, credit notes and what settled them
    RECEIPTS = "receipts"
    COLLECTIONS = "collections"  # dunning procedures and letters, collection notes
    BANK_ACCOUNTS = "bank_accounts"
    BANK_LINES = "bank_lines"  # imported statements and their lines
    VENDORS = "vendors"
    BILLS = "bills"  # bills, vendor credit notes, their approvals and allocations
    PAYMENTS = "payments"  # vendor payments and payment runs
    EXPENSES = "expenses"  # expense categories and claims


@dataclass(frozen=True, slots=True)
class Changes:
    kinds: frozenset[Kind] = frozenset()

    @classmethod
    def of(cls, *kinds: Kind) -> Changes:
        return cls(frozenset(kinds))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds)

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def __bool__(self) -> bool:
        return bool(self.kinds)
