"""Build an Engine from what the user typed: a SQLite path or any SQLAlchemy URL."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InvalidatePoolError

from paksa_desktop.core.errors import CompanyError, ConnectionLost
from paksa_desktop.persistence import pipeline

WRITE_OPTION = "paksa_write"


def database_url(target: str | Path) -> URL:
    """'books.paksa', '/x/y.sqlite' or 'postgresql://...' -> a SQLAlchemy URL.

    A bare `postgresql://` URL gets the psycopg 3 driver; anything without '://' is a SQLite path.
    """
    text = str(target)
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise CompanyError(f"not a database URL: {text!r} ({exc})") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    if is_sqlite(url) and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, FULL sync; explicit BEGIN so that write units take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache: posting into the ledger index stays in memory (about 1.7x faster imports).
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the database lock at BEGIN: no deadlock when two writers upgrade a read lock.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A dead network link is noticed within ~20 s instead of the kernel's ~15 minutes (libpq options).
KEEPALIVE_OPTIONS = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 2}
TCP_USER_TIMEOUT_MS = 20_000


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _translate_connection_errors(engine: Engine) -> None:
    """A server that is down or a connection that dropped becomes ConnectionLost: one clear message
    for the GUI and the CLI instead of a driver traceback. A ping before reuse is left alone (the pool
    then quietly replaces a dead pooled connection, e.g. after the server restarted)."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if context.is_pre_ping:
            return
        error = context.original_exception
        operational = isinstance(error, engine.dialect.loaded_dbapi.OperationalError)
        if context.connection is None and operational:
            raise ConnectionLost(_first_line(error), at_connect=True, orig=error)
        if context.is_disconnect:
            during_commit = context.statement is None and context.execution_context is None
            raise ConnectionLost(_first_line(error), during_commit=during_commit, orig=error)


# A pooled connection is checked before use (a round trip) when it has been idle this long: one that a
# restarted server or a dropped link killed meanwhile is then quietly replaced. A connection given back
# less than a second ago is used at once: back-to-back units of work (postings under many clients,
# balances read between them) save that round trip each; a link lost within that second shows as
# ConnectionLost at the first statement, as a loss in the middle of a unit of work does.
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_USED = "paksa_last_used"


def _ping_idle_connections(engine: Engine) -> None:
    """Pre-ping, as `pool_pre_ping` does, but only connections that were idle for a while."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None:  # a new connection: nothing to check
            return
        if time.monotonic() - last_used < PING_AFTER_IDLE_SECONDS and not dbapi_conn.closed:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # as pool_pre_ping does: this and every other pooled connection is replaced by a new one
            record.info.pop(_LAST_USED, None)
            raise InvalidatePoolError(f"pooled connection found dead: {_first_line(exc)}") from exc


def make_engine(target: str | Path | URL, **kwargs: Any) -> Engine:
    url = target if isinstance(target, URL) else database_url(target)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("application_name", "paksa-desktop")
    connect_args.setdefault("connect_timeout", int(os.environ.get("PAKSA_CONNECT_TIMEOUT", "10")))
    for name, value in {**KEEPALIVE_OPTIONS, "tcp_user_timeout": TCP_USER_TIMEOUT_MS}.items():
        if name not in url.query:  # the URL may set its own
            connect_args.setdefault(name, value)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _ping_idle_connections(engine)
    _translate_connection_errors(engine)
    pipeline.install(engine)
    return engine
