"""A SQLite company opened read-only because another program has it (see file_lock.py).

The books are read-only: every insert, update or delete of a business table, and every schema
change, is refused by SQLite's authorizer before it runs, and reaches the caller as a ReadOnlyError
carrying the "opened by ..." message (never a sqlite error). What the read-only program still writes
is its own trace: the audit trail and the session log (its login and logout, failed logins and
lockout counters, exports and backups it makes). Those are short appends that SQLite serialises
with the other program's transactions, and without them a read-only login would bypass lockout and
leave no record of who looked at the books.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from paksa_desktop.core.errors import ReadOnlyError

# What a read-only program may still write: the audit trail, sessions and its user's own login state.
TRACE_TABLES = frozenset(
    {"audit_log", "audit_head", "user_sessions", "recovery_codes", "user_key_pairs", "wrapped_data_keys"}
)
# Of a user row, only what logging in changes: failure count, lockout, spent TOTP step, rehashed password.
LOGIN_COLUMNS = frozenset({"failed_logins", "locked_until", "mfa_last_step", "password_hash", "version"})
_ROW_WRITES = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})
_SCHEMA_CHANGES = frozenset(
    {
        sqlite3.SQLITE_ALTER_TABLE,
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_CREATE_TABLE,
        sqlite3.SQLITE_CREATE_TRIGGER,
        sqlite3.SQLITE_CREATE_VIEW,
        sqlite3.SQLITE_CREATE_VTABLE,
        sqlite3.SQLITE_DROP_INDEX,
        sqlite3.SQLITE_DROP_TABLE,
        sqlite3.SQLITE_DROP_TRIGGER,
        sqlite3.SQLITE_DROP_VIEW,
        sqlite3.SQLITE_DROP_VTABLE,
        sqlite3.SQLITE_REINDEX,
        sqlite3.SQLITE_ATTACH,
    }
)
_DENIED = "not authorized"  # SQLite's message for a statement the authorizer refused


def _authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, _trigger: str | None) -> int:
    if action in _SCHEMA_CHANGES:
        return sqlite3.SQLITE_DENY
    if action not in _ROW_WRITES or database == "temp" or arg1 in TRACE_TABLES:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "users" and arg2 in LOGIN_COLUMNS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def make_read_only(engine: Engine, reason: str) -> None:
    """Refuse changes to the books through `engine` with `reason`; call before its first connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.set_authorizer(_authorize)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = context.original_exception
        if isinstance(error, sqlite3.DatabaseError) and _DENIED in str(error):
            raise ReadOnlyError(reason)
