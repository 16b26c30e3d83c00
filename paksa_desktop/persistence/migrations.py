"""Bring a company database to the schema this version expects (Alembic, one history, both engines)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from paksa_desktop.core.errors import CompanyError
from paksa_desktop.persistence import notifications
from paksa_desktop.persistence.engine import sqlite_path


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(str(files("db")))))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, *, backup: bool = True) -> Path | None:
    """Migrate to head. A SQLite file that already holds data is first copied to a dated backup.

    Returns the backup's path, if one was made.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None:
        known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if current not in known:
            raise CompanyError(
                f"this company database was written by a newer Paksa version (schema {current}); "
                "upgrade Paksa to open it"
            )
    elif not is_empty(engine):
        raise CompanyError("this database holds tables that are not a Paksa company")
    saved = None
    path = sqlite_path(engine.url)
    if backup and current is not None and path is not None and path.exists():
        saved = path.with_name(f"{path.stem}.{datetime.now():%Y%m%d-%H%M%S}.before-{head}{path.suffix}.bak")
        backup_sqlite(path, saved)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one client migrates; the others wait, then find it done
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('paksa.migrations'))")
        command.upgrade(alembic_config(conn), "head")
        notifications.install_change_triggers(conn)  # tables added since 0007 get theirs too (PostgreSQL)
    return saved


def backup_sqlite(path: Path, target: Path) -> None:
    """A consistent copy of a live company file, WAL included (SQLite's online backup API)."""
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)  # as_uri: '?' or '#' in a name
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
