"""Live refresh on PostgreSQL: the database says what changed, every client listening hears it.

Writing side: a statement-level trigger on each table calls `pg_notify('paksa_changes', <kind>)`
inside the writing transaction, so a notification goes out only on commit (never for a rollback),
identical payloads of one transaction arrive once, and changes made by any tool (psql, scripts,
other versions) are heard too. `CHANGE_KINDS` below is the one table mapping database tables to the
`Kind` a screen cares about; the trigger DDL is generated from it.

Listening side: `ChangeListener` is a thread with its own connection doing LISTEN. It merges bursts
of notifications over a short window into one `Changes`, notices a dropped connection, retries with
backoff, and on reconnecting reports every kind as changed (whatever happened meanwhile was not
heard). Events go to a callback on the listener thread; the GUI turns them into Qt signals.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from paksa_desktop.core.changes import Changes, Kind

log = logging.getLogger(__name__)

CHANNEL = "paksa_changes"
FUNCTION = "paksa_notify_change"
TRIGGER = "paksa_notify_change"

# Every table of the schema is here or in NOT_NOTIFIED (a test checks it): what a screen calls it.
CHANGE_KINDS: Mapping[str, Kind] = {
    "accounts": Kind.ACCOUNTS,
    "company": Kind.COMPANY,
    "ip_allowlist": Kind.COMPANY,
    "journals": Kind.JOURNALS,
    "departments": Kind.DIMENSIONS,
    "projects": Kind.DIMENSIONS,
    "fiscal_years": Kind.PERIODS,
    "periods": Kind.PERIODS,
    "journal_entries": Kind.ENTRIES,
    "journal_lines": Kind.ENTRIES,
    "draft_lines": Kind.ENTRIES,
    "recurring_templates": Kind.RECURRING,
    "recurring_lines": Kind.RECURRING,
    "statement_lines": Kind.LAYOUTS,
    "statement_line_accounts": Kind.LAYOUTS,
    "budgets": Kind.BUDGETS,
    "budget_amounts": Kind.BUDGETS,
    "tax_codes": Kind.TAX_CODES,
    "customers": Kind.CUSTOMERS,
    "customer_addresses": Kind.CUSTOMERS,
    "customer_contacts": Kind.CUSTOMERS,
    "items": Kind.ITEMS,
    "receivables_settings": Kind.COMPANY,
    "exchange_rates": Kind.RATES,
    "fx_settings": Kind.COMPANY,
    "fx_revaluations": Kind.ENTRIES,
    "invoices": Kind.INVOICES,
    "bank_accounts": Kind.BANK_ACCOUNTS,
    "bank_connections": Kind.BANK_ACCOUNTS,
    "bank_statements": Kind.BANK_LINES,
    "bank_lines": Kind.BANK_LINES,
    "bank_line_links": Kind.BANK_LINES,
    "bank_rules": Kind.BANK_ACCOUNTS,
    "bank_reconciliations": Kind.BANK_LINES,
    "invoice_lines": Kind.INVOICES,
    "settlements": Kind.INVOICES,
    "recurring_invoices": Kind.INVOICES,
    "receipts": Kind.RECEIPTS,
    "dunning_procedures": Kind.COLLECTIONS,
    "dunning_levels": Kind.COLLECTIONS,
    "dunning_letters": Kind.COLLECTIONS,
    "dunning_letter_lines": Kind.COLLECTIONS,
    "collection_notes": Kind.COLLECTIONS,
    "payables_settings": Kind.COMPANY,
    "vendors": Kind.VENDORS,
    "vendor_contacts": Kind.VENDORS,
    "bills": Kind.BILLS,
    "bill_lines": Kind.BILLS,
    "bill_approvals": Kind.BILLS,
    "recurring_bills": Kind.BILLS,
    "payment_allocations": Kind.BILLS,
    "vendor_payments": Kind.PAYMENTS,
    "vendor_refunds": Kind.PAYMENTS,
    "payment_runs": Kind.PAYMENTS,
    "payment_run_items": Kind.PAYMENTS,
    "expense_categories": Kind.EXPENSES,
    "expense_claims": Kind.EXPENSES,
    "expense_claim_lines": Kind.EXPENSES,
    "users": Kind.USERS,
    "roles": Kind.USERS,
    "user_roles": Kind.USERS,
    "role_permissions": Kind.USERS,
    "security_policy": Kind.USERS,
    "sod_rules": Kind.USERS,
}

# Tables whose changes no screen refreshes on, and why (adding a table means choosing one of the two).
NOT_NOTIFIED: Mapping[str, str] = {
    "alembic_version": "schema bookkeeping",
    "audit_log": "written with every change; the audit tab reloads when opened",
    "audit_head": "the audit chain's head, written with every change",
    "number_sequences": "only changes together with journal entries",
    "document_sequences": "only changes together with the documents it numbers",
    "structure_version": "a cache counter bumped with the tables it follows, which notify themselves",
    "documents": "attachments are listed when their dialog opens",
    "document_versions": "attachments are listed when their dialog opens",
    "user_sessions": "login bookkeeping, written at every login",
    "recovery_codes": "MFA secrets, shown to nobody",
    "data_keys": "key material, shown to nobody",
    "wrapped_data_keys": "key material, shown to nobody",
    "user_key_pairs": "key material, shown to nobody",
}

ALL_KINDS = Changes(frozenset(Kind))
NO_CHANGES = Changes()


# ----------------------------------------------------------------------------- the database side


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def function_ddl() -> str:
    """One trigger function for every table; the table's kind comes as the trigger's argument.

    Runs with the writer's rights (not SECURITY DEFINER) and a pinned search_path, so nobody can
    slip another `pg_notify` in front of it through their own schema.
    """
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('{CHANNEL}', TG_ARGV[0]);
    RETURN NULL;
END
$$
"""


def trigger_ddl(table: str, kind: Kind) -> list[str]:
    """Statement-level, after the change: one notification per statement, sent when the transaction commits."""
    return [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {_quoted(table)}",
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {_quoted(table)} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{kind.value}')",
    ]


def install_change_triggers(conn: Connection) -> list[str]:
    """Create the function and a trigger on every mapped table that exists (PostgreSQL; no-op on SQLite).

    Idempotent: migrations call it after creating tables, so a table added later gets its trigger in
    the same upgrade. Returns the tables that have a trigger.
    """
    if conn.dialect.name != "postgresql":
        return []
    existing = set(
        conn.execute(
            text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = pg_catalog.current_schema()")
        ).scalars()
    )
    conn.exec_driver_sql(function_ddl())
    done = []
    for table, kind in sorted(CHANGE_KINDS.items()):
        if table in existing:
            for statement in trigger_ddl(table, kind):
                conn.exec_driver_sql(statement)
            done.append(table)
    return done


def remove_change_triggers(conn: Connection) -> None:
    """Drop every trigger calling the function, then the function (the migration's downgrade)."""
    if conn.dialect.name != "postgresql":
        return
    tables = conn.execute(
        text(
            "SELECT c.relname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid WHERE p.proname = :name AND NOT t.tgisinternal"
        ),
        {"name": FUNCTION},
    ).scalars()
    for table in list(tables):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {_quoted(table)}")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


# ----------------------------------------------------------------------------- the listening side


class LinkState(enum.StrEnum):
    CONNECTED = "connected"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class ListenerEvent:
    """What the listener reports: changes heard, a lost link (since when), or a link back (resync)."""

    state: LinkState
    changes: Changes = NO_CHANGES
    since: datetime | None = None  # when the link was lost (LOST events)
    resync: bool = False  # back after a loss: every kind may have changed unheard


OnEvent = Callable[[ListenerEvent], None]


class ChangeListener:
    """LISTEN on a connection of its own; report changes, losses and reconnections to `on_event`.

    `coalesce` seconds after the first notification of a burst, everything heard is reported as one
    `Changes`. Notifications sent by this process's own engine connections are skipped (the window
    that wrote already refreshed its views), unless `skip_own` is False.
    """

    def __init__(
        self,
        engine: Engine,
        on_event: OnEvent,
        *,
        coalesce: float = 0.15,
        first_retry: float = 0.5,
        max_retry: float = 5.0,
        poll: float = 0.25,
        skip_own: bool = True,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("live refresh needs PostgreSQL")
        self.engine = engine
        self.on_event = on_event
        self.coalesce = coalesce
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.poll = poll
        self.skip_own = skip_own
        self.state: LinkState | None = None
        self.listening = threading.Event()  # set while LISTEN is active (tests wait on it)
        self._stop = threading.Event()
        self._own_pids: set[int] = set()
        self._thread: threading.Thread | None = None
        self._hooks: list[tuple[str, Callable[..., None]]] = []

    # ---- lifecycle
    def start(self) -> ChangeListener:
        self._watch_own_connections()
        self._thread = threading.Thread(target=self._run, name="paksa-change-listener", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection (waits for the thread, at most `timeout` s)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for name, hook in self._hooks:
            if event.contains(self.engine.pool, name, hook):
                event.remove(self.engine.pool, name, hook)
        self._hooks.clear()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- this process's own connections (their notifications are skipped)
    def _watch_own_connections(self) -> None:
        own = self._own_pids

        def checked_out(dbapi_conn: Any, *_args: Any) -> None:  # also catches connections pooled before we started
            own.add(dbapi_conn.info.backend_pid)

        def gone(dbapi_conn: Any, *_args: Any) -> None:
            try:
                own.discard(dbapi_conn.info.backend_pid)
            except Exception:  # a closed psycopg connection may no longer tell its pid
                log.debug("could not read the pid of a closing connection", exc_info=True)

        self._hooks = [("checkout", checked_out), ("close", gone), ("detach", gone), ("invalidate", gone)]
        for name, hook in self._hooks:
            event.listen(self.engine.pool, name, hook)

    # ---- the thread
    def _emit(self, item: ListenerEvent) -> None:
        self.state = item.state
        try:
            self.on_event(item)
        except Exception:  # a receiver gone (window closed) must not kill the listener
            log.warning("change listener: the receiver failed", exc_info=True)

    def _connect(self) -> Any:
        """A connection made like the engine's (same URL, options and credentials), taken out of its pool."""
        raw = self.engine.raw_connection()
        conn = raw.driver_connection
        if conn is None:
            raise ConnectionError("the pool gave no connection")
        raw.detach()  # ours now: the pool forgets it and never hands it out again
        conn.rollback()  # pre-ping may have opened a transaction
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _run(self) -> None:
        delay = self.first_retry
        lost_since: datetime | None = None
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except Exception as exc:
                if lost_since is None:
                    lost_since = datetime.now(UTC)
                    log.warning("change listener: cannot connect (%r); retrying", exc)
                    self._emit(ListenerEvent(LinkState.LOST, since=lost_since))
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_retry)
                continue
            delay = self.first_retry
            self.listening.set()
            if lost_since is not None:
                self._emit(ListenerEvent(LinkState.CONNECTED, ALL_KINDS, resync=True))
                lost_since = None
            else:
                self._emit(ListenerEvent(LinkState.CONNECTED))
            try:
                self._listen(conn)
            except Exception as exc:
                if self._stop.is_set():
                    break
                self.listening.clear()
                lost_since = datetime.now(UTC)
                log.warning("change listener: connection lost (%s); retrying", exc)
                self._emit(ListenerEvent(LinkState.LOST, since=lost_since))
            finally:
                self.listening.clear()
                try:
                    conn.close()
                except Exception:
                    log.debug("change listener: closing a dead connection failed", exc_info=True)

    def _listen(self, conn: Any) -> None:
        """Collect notifications; report each burst once its window has passed. Raises when the link drops."""
        pending: set[Kind] = set()
        deadline: float | None = None
        while not self._stop.is_set():
            wait = self.poll if deadline is None else max(0.0, deadline - time.monotonic())
            for note in conn.notifies(timeout=wait, stop_after=1):
                if self.skip_own and note.pid in self._own_pids:
                    continue
                try:
                    pending.add(Kind(note.payload))
                except ValueError:
                    log.info("change listener: unknown kind %r ignored", note.payload)
                    continue
                if deadline is None:
                    deadline = time.monotonic() + self.coalesce
            if deadline is not None and time.monotonic() >= deadline:
                if pending:
                    self._emit(ListenerEvent(LinkState.CONNECTED, Changes(frozenset(pending))))
                pending = set()
                deadline = None
            if conn.closed:
                raise ConnectionError("the listening connection closed")


def start_listener(engine: Engine, on_event: OnEvent, **options: Any) -> ChangeListener | None:
    """A running listener for a PostgreSQL company; None for SQLite (one program per file: nothing to hear)."""
    if engine.dialect.name != "postgresql":
        return None
    return ChangeListener(engine, on_event, **options).start()
