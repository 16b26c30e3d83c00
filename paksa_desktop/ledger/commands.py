"""What callers ask the ledger service to do: plain immutable values, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from paksa_desktop.ledger.models import AccountSubtype, AccountType, Frequency

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountInput:
    code: str
    name: str
    type: AccountType
    parent: str | None = None  # parent account code
    subtype: AccountSubtype = AccountSubtype.NONE
    currency: str | None = None  # None: the company's base currency
    description: str = ""


@dataclass(frozen=True, slots=True)
class LineInput:
    account: str  # account code
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str = ""
    department: str | None = None  # department code
    project: str | None = None  # project code
    # optional: what the line is in the currency the money moved in (never the base currency): the
    # amount, not negative, on the same side as the debit or credit
    currency: str | None = None
    amount_cur: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class EntryInput:
    date: date
    lines: tuple[LineInput, ...]
    memo: str = ""
    reference: str = ""
    journal: str = "GEN"
    auto_reverse: bool = False


@dataclass(frozen=True, slots=True)
class RecurringInput:
    name: str
    frequency: Frequency
    next_date: date
    lines: tuple[LineInput, ...]
    end_date: date | None = None
    post: bool = False
    memo: str = ""
    journal: str = "GEN"
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class EntryRef:
    """Where a saved or posted entry now stands."""

    id: int
    version: int
    number: str | None = None
    reversal_id: int | None = None


@dataclass(frozen=True, slots=True)
class RecurringRun:
    created: tuple[int, ...] = field(default_factory=tuple)
    posted: int = 0
