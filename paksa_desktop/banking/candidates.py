"""Open items, what statement lines are matched against, and the protocol every source of them follows.

Receivables (open invoices), payables (open bills, payment runs) and the general ledger (unreconciled
lines of the bank account) each provide `OpenItem`s through a `Candidates` source, so the matching
engine never knows where an item came from: a new source is one class and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable


class ItemSource(enum.StrEnum):
    """Where an open item lives."""

    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    GL = "gl"


_LABELS = {ItemSource.RECEIVABLE: "invoice", ItemSource.PAYABLE: "bill", ItemSource.GL: "GL line"}


@dataclass(frozen=True, slots=True)
class OpenItem:
    """Something a statement line may settle, with its amount signed as the bank would see it.

    An open invoice is money expected in (positive); a bill or a payment run is money expected out
    (negative); an unreconciled GL line of the bank account carries the sign of its effect on the
    bank balance (a debit is positive).
    """

    source: ItemSource
    id: int | str  # the source's own key (invoice id, bill id, journal line id)
    number: str  # the document number a payer quotes: "INV-2024-0113"
    amount: Decimal  # the open amount, signed as the bank would see it
    currency: str
    date: date  # document or entry date
    due: date | None = None
    counterparty: str = ""  # customer or supplier name
    counterparty_account: str = ""  # their IBAN or account number
    reference: str = ""  # a payment reference issued with the document (RF creditor reference, ...)
    label: str = ""  # what to call it in reasons ("payment run"); "" -> by source
    # further references the bank text may quote, each matched on its own (a run's payment numbers)
    references: tuple[str, ...] = ()
    title: str = ""  # how reasons and screens name it when "kind number" does not say enough

    @property
    def caption(self) -> str:
        """The item in words: its title, else "bill BILL-2024-0007"."""
        return self.title or f"{self.kind_label} {self.number}"

    @property
    def kind_label(self) -> str:
        """The word used in reasons: "invoice", "bill", "GL line" or the item's own label."""
        return self.label or _LABELS[ItemSource(self.source)]

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """A total order independent of the order items were supplied in (for deterministic results)."""
        return (str(self.source), str(self.id), self.number)


@runtime_checkable
class Candidates(Protocol):
    """A source of open items for one bank account: receivables, payables, GL lines, ..."""

    def items(self, account_currency: str, as_of: date) -> Iterable[OpenItem]:
        """The items open on `as_of` that a statement of an account in `account_currency` may settle.

        Items in another currency may be returned (a customer paying a foreign invoice): the engine
        scores them down rather than hiding them.
        """
        ...


@dataclass(frozen=True, slots=True)
class InMemoryCandidates:
    """Open items held in memory: for tests, benchmarks and previews."""

    open_items: Sequence[OpenItem]

    def items(self, account_currency: str, as_of: date) -> Iterable[OpenItem]:
        return [item for item in self.open_items if item.date <= as_of]


def gather(sources: Iterable[Candidates], account_currency: str, as_of: date) -> list[OpenItem]:
    """The open items of every source together, in a deterministic order."""
    items = [item for source in sources for item in source.items(account_currency, as_of)]
    return sorted(items, key=lambda item: item.sort_key)
