"""Bank connections: statements fetched from a watched folder or a bank/aggregator API.

A connector only fetches: `fetch(since_cursor)` returns the statements found since the cursor and the
cursor to resume from next time. Importing (duplicate checks, all or nothing, the cursor moved in the
same transaction) is `BankSyncService`'s job (service.py), and `sync.py` ties a bank account's stored
connection, its keyring secret and a connector together. After a successful import `acknowledge` lets
the connector tidy up (the folder connector moves its files to `imported/`); after a failure `reject`
does (it moves the file at fault to `failed/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from paksa_desktop.banking.statement_data import ParsedStatement
from paksa_desktop.core.errors import PaksaError


class ConnectorError(PaksaError):
    """The bank's statements could not be fetched; the message names where and why. Nothing was imported."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch found: statements to import, and where the next sync starts (None: no cursor)."""

    statements: list[ParsedStatement]
    next_cursor: str | None = None
    sources: tuple[str, ...] = field(default=())  # what was read (file names, pages), for messages


class Connector(Protocol):
    """A source of bank statements for one bank account."""

    def fetch(self, since_cursor: str | None) -> FetchResult: ...

    def acknowledge(self, result: FetchResult) -> None:
        """The statements of `result` are imported (or were there already)."""

    def reject(self, result: FetchResult, errors: Sequence[str]) -> None:
        """The import of `result` was refused with `errors`; nothing was imported."""
