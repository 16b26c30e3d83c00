"""Bank connection settings, and the import that moves a sync cursor in the same transaction.

`BankConnectionService` keeps what is not secret (kind, folder, URLs, client id); the secret itself
goes to the credential store the caller chose (see `secret_label`). `BankSyncService.import_fetched`
is `StatementImportService.import_statements` plus the cursor: lines and cursor commit together or
not at all, so a sync that fails part way starts again where the last good one stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import find_account
from paksa_desktop.banking.connectors.models import BankConnection, ConnectionKind
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.banking.statement_data import ParsedStatement
from paksa_desktop.banking.statement_import import ImportResult, StatementImportService
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def secret_label(account: str, location: str) -> str:
    """The credential-store key of a bank account's client secret or API token (per company)."""
    return f"token:bank:{account}@{location}"


@dataclass(frozen=True, slots=True)
class ConnectionInput:
    """What a user enters to connect a bank account: a folder, or an API (base URL and OAuth2 client)."""

    kind: ConnectionKind
    folder: str = ""
    base_url: str = ""
    token_url: str = ""  # "" = the keyring holds a ready API token instead of a client secret
    client_id: str = ""
    account_ref: str = ""


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    account: str
    kind: ConnectionKind
    folder: str
    base_url: str
    token_url: str
    client_id: str
    account_ref: str
    cursor: str
    last_sync_at: datetime | None
    last_result: str
    currency: str
    import_profile: str  # the bank account's CSV profile as JSON ("" for none)
    is_active: bool


def check_url(url: str, what: str) -> str:
    """An https URL (plain http only to this machine, for tests and local bridges)."""
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(f"the {what} '{value}' is not an http(s) URL such as https://api.bank.example/v1")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ValidationError(f"the {what} '{value}' must use https: bank data never travels unencrypted")
    if parts.username or parts.password:
        raise ValidationError(f"the {what} must not contain a user name or password; secrets go to the keyring")
    return value.rstrip("/")


def _clean(data: ConnectionInput) -> dict[str, str]:
    if data.kind is ConnectionKind.FOLDER:
        folder = data.folder.strip()
        if not folder:
            raise ValidationError("a folder connection needs the folder statement files are dropped in")
        return {"folder": folder, "base_url": "", "token_url": "", "client_id": "", "account_ref": ""}
    if not data.base_url.strip():
        raise ValidationError("an http connection needs the API's base URL")
    token_url = check_url(data.token_url, "token URL") if data.token_url.strip() else ""
    if token_url and not data.client_id.strip():
        raise ValidationError("an OAuth2 token URL needs the client id the bank gave you")
    return {
        "folder": "",
        "base_url": check_url(data.base_url, "base URL"),
        "token_url": token_url,
        "client_id": data.client_id.strip(),
        "account_ref": data.account_ref.strip(),
    }


def _row(conn: BankConnection, bank: BankAccount) -> ConnectionRow:
    return ConnectionRow(
        account=bank.name,
        kind=conn.kind,
        folder=conn.folder,
        base_url=conn.base_url,
        token_url=conn.token_url,
        client_id=conn.client_id,
        account_ref=conn.account_ref,
        cursor=conn.cursor,
        last_sync_at=conn.last_sync_at,
        last_result=conn.last_result,
        currency=bank.currency,
        import_profile=bank.import_profile,
        is_active=bank.is_active,
    )


@retry_writes
class BankConnectionService(GuardedService):
    """Connect a bank account to a folder or an API (`cash.account.manage`), and read connections."""

    def set(self, account: str, data: ConnectionInput) -> Changes:
        """Create or replace the connection; a changed source starts its sync from the beginning."""
        self.ctx.require(Permission.CASH_ACCOUNT_MANAGE)  # before reading the input (the permission walk)
        values = _clean(data)
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            bank = find_account(s, account)
            conn = s.get(BankConnection, bank.id)
            before = None
            if conn is None:
                conn = BankConnection(bank_account_id=bank.id, cursor="", last_result="")
                s.add(conn)
            else:
                before = {"kind": conn.kind.value, **{k: getattr(conn, k) for k in values}}
                if (
                    conn.kind is not data.kind
                    or conn.base_url != values["base_url"]
                    or (conn.account_ref != values["account_ref"])
                ):
                    conn.cursor = ""
            conn.kind = data.kind
            for key, value in values.items():
                setattr(conn, key, value)
            s.flush()
            after = {"kind": data.kind.value, **values}
            action = "update" if before else "create"
            trail.record(s, self.ctx, action, "bank_connection", bank.name, before=before, after=after)
        return Changes.of(Kind.BANK_ACCOUNTS)

    def remove(self, account: str) -> Changes:
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            bank = find_account(s, account)
            conn = s.get(BankConnection, bank.id)
            if conn is None:
                raise NotFoundError(f"bank account {bank.name} has no connection")
            trail.record(s, self.ctx, "delete", "bank_connection", bank.name, before={"kind": conn.kind.value})
            s.delete(conn)
        return Changes.of(Kind.BANK_ACCOUNTS)

    def connections(self, account: str | None = None) -> list[ConnectionRow]:
        """Every connection (of active accounts unless one is named), by account name."""
        with self._read(Permission.CASH_STATEMENT_IMPORT) as s:
            query = select(BankConnection, BankAccount).join(BankAccount).order_by(BankAccount.name)
            if account is not None:
                bank = find_account(s, account)
                query = query.where(BankAccount.id == bank.id)
                found = s.execute(query).first()
                if found is None:
                    raise NotFoundError(
                        f"bank account {bank.name} has no connection; set one with 'paksa bank connect'"
                    )
            else:
                query = query.where(BankAccount.is_active.is_(True))
            return [_row(conn, bank) for conn, bank in s.execute(query)]


@retry_writes
class BankSyncService(StatementImportService):
    """The import of fetched statements with the cursor moved in the same unit (`cash.statement.import`)."""

    def import_fetched(self, account: str, statements: Sequence[ParsedStatement], cursor: str | None) -> ImportResult:
        """Import every new line and store `cursor` (None keeps it), or nothing: errors raise ValidationError."""
        with self._unit(Permission.CASH_STATEMENT_IMPORT) as s:
            bank = find_account(s, account)
            if is_postgres(s):  # the same lock as a file import: one import per account at a time
                s.execute(text("SELECT pg_advisory_xact_lock(hashtext('paksa.bank_lines'), :id)"), {"id": bank.id})
            conn = self._connection(s, bank)
            plan = self._plan(s, account, statements)
            if plan.errors:
                raise ValidationError(
                    f"nothing was imported into {account}; {len(plan.errors)} problem(s):\n" + "\n".join(plan.errors)
                )
            try:
                ids = self._write(s, plan)
            except IntegrityError:
                raise ConflictError(
                    f"another import into {account} wrote some of these lines at the same time; sync again "
                    "to skip what is there now"
                ) from None
            result = self._result(plan, ids)
            if cursor is not None:
                conn.cursor = cursor
            conn.last_sync_at = self.ctx.clock.now()
            conn.last_result = result.summary()
            return result

    def record_failure(self, account: str, reason: str) -> None:
        """Keep why the last sync failed, for the screens (the cursor stays where it was)."""
        with self._unit(Permission.CASH_STATEMENT_IMPORT) as s:
            conn = self._connection(s, find_account(s, account))
            conn.last_sync_at = self.ctx.clock.now()
            conn.last_result = f"failed: {reason}"[:4000]

    @staticmethod
    def _connection(s: Session, bank: BankAccount) -> BankConnection:
        conn = s.get(BankConnection, bank.id)
        if conn is None:
            raise NotFoundError(f"bank account {bank.name} has no connection; set one with 'paksa bank connect'")
        return conn
