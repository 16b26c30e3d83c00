"""Sync bank accounts through their connections: fetch, import all or nothing, move the cursor.

Each account is synced on its own: one account's failure (no network, a bad page, a file for another
account) is reported and recorded, and the others still sync. Within an account nothing is imported
unless everything fetched can be, and the cursor only moves with the lines it covers.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paksa_desktop.banking.connectors import Connector, ConnectorError, FetchResult
from paksa_desktop.banking.connectors.folder import FolderConnector
from paksa_desktop.banking.connectors.http import HttpConnector, HttpSettings
from paksa_desktop.banking.connectors.models import ConnectionKind
from paksa_desktop.banking.connectors.service import BankSyncService, ConnectionRow, secret_label
from paksa_desktop.banking.formats import CsvProfile
from paksa_desktop.core.errors import PaksaError, ValidationError

if TYPE_CHECKING:
    from paksa_desktop.company import Company
    from paksa_desktop.security.context import UserContext
    from paksa_desktop.security.credentials import CredentialStore


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one account's sync did: lines imported and skipped, or the error (then nothing was imported)."""

    account: str
    imported: int = 0
    skipped: int = 0
    warnings: tuple[str, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def connector_for(row: ConnectionRow, store: CredentialStore | None, location: str) -> Connector:
    """The connector a stored connection describes; the secret is read from `store` only for http."""
    if row.kind is ConnectionKind.FOLDER:
        profile = CsvProfile.from_dict(_profile(row.import_profile)) if row.import_profile else None
        return FolderConnector(row.folder, profile)
    secret = store.get(secret_label(row.account, location)) if store is not None else None
    settings = HttpSettings(row.base_url, row.token_url, row.client_id, row.account_ref)
    return HttpConnector(settings, secret)


def _profile(text: str) -> dict[str, object]:
    found = json.loads(text)
    return dict(found) if isinstance(found, dict) else {}


def sync_one(company: Company, ctx: UserContext, row: ConnectionRow, connector: Connector) -> SyncOutcome:
    """Fetch from `connector` and import; any failure is recorded on the connection and returned."""
    service = BankSyncService(company.engine, ctx)
    result: FetchResult | None = None
    try:
        result = connector.fetch(row.cursor or None)
        imported = service.import_fetched(row.account, result.statements, result.next_cursor)
    except (PaksaError, OSError) as exc:
        reason = str(exc) if not isinstance(exc, OSError) else f"{exc.strerror or exc}"
        if result is not None and isinstance(exc, ValidationError):
            connector.reject(result, reason.splitlines()[1:])
        with contextlib.suppress(PaksaError):  # the failure is still reported; only its record is lost
            service.record_failure(row.account, reason)
        return SyncOutcome(row.account, error=reason)
    finally:
        close = getattr(connector, "close", None)
        if close is not None:
            close()
    connector.acknowledge(result)
    return SyncOutcome(row.account, imported.imported, len(imported.skipped), imported.warnings)


def sync_accounts(
    company: Company,
    ctx: UserContext,
    store: CredentialStore | None,
    account: str | None = None,
) -> list[SyncOutcome]:
    """Sync every connected active account (or the one named), each on its own."""
    rows = company.bank_connections(ctx).connections(account)
    outcomes = []
    for row in rows:
        try:
            connector = connector_for(row, store, company.location)
        except (PaksaError, ValueError) as exc:
            outcomes.append(SyncOutcome(row.account, error=str(exc)))
            continue
        outcomes.append(sync_one(company, ctx, row, connector))
    return outcomes


__all__ = ["ConnectorError", "SyncOutcome", "connector_for", "sync_accounts", "sync_one"]
