"""Consistent backups of a live company database, and restores into an empty one, on both engines.

A backup file is what the engine itself makes, so standard tools read it too:

- SQLite: the company file itself, copied with SQLite's online backup API (one read transaction, so
  a consistent snapshot while other connections keep writing; what is still in the WAL is included).
  It starts with the 16 bytes `SQLite format 3\\0` and opens directly as a company file.
- PostgreSQL: a `pg_dump` custom-format archive (`pg_dump -Fc --no-owner --no-privileges`, one
  snapshot), starting with `PGDMP`; restored with `pg_restore` in a single transaction.

The first bytes tell the two apart, so `restore` needs no option saying which it is. Who may make or
restore a backup, and the audit rows, are the caller's business (paksa_desktop/backups.py).
"""

from __future__ import annotations

import enum
import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from paksa_desktop.core.errors import CompanyError
from paksa_desktop.persistence import migrations
from paksa_desktop.persistence.engine import is_sqlite, make_engine, sqlite_path
from paksa_desktop.persistence.file_lock import lock_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_BIN_ENV = "PAKSA_PG_BIN"  # a folder holding pg_dump and pg_restore, when the default search is wrong


class BackupKind(enum.StrEnum):
    SQLITE = "sqlite"
    PG_DUMP = "pg_dump"

    @property
    def title(self) -> str:
        return "SQLite company file" if self is BackupKind.SQLITE else "PostgreSQL pg_dump archive"


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    kind: BackupKind
    size: int
    sha256: str


def describe(path: Path) -> BackupFile:
    """What a backup file is (by its first bytes), its size and its SHA-256; refuses anything else."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
            digest = hashlib.sha256(head)
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        raise CompanyError(f"no backup file at {path}") from None
    except IsADirectoryError:
        raise CompanyError(f"{path} is a folder, not a backup file") from None
    if head.startswith(SQLITE_MAGIC):
        kind = BackupKind.SQLITE
    elif head.startswith(PG_DUMP_MAGIC):
        kind = BackupKind.PG_DUMP
    else:
        raise CompanyError(f"{path} is not a Paksa backup (neither a SQLite company file nor a pg_dump archive)")
    return BackupFile(path, kind, path.stat().st_size, digest.hexdigest())


# ---------------------------------------------------------------------------------------------- backup


def backup(url: URL, output: Path) -> BackupFile:
    """Write a consistent backup of the database at `url` to `output` (a new file), all or nothing."""
    if output.exists():
        raise CompanyError(f"{output} already exists; choose another file name (a backup never overwrites)")
    if not output.parent.is_dir():
        raise CompanyError(f"no folder {output.parent} to write the backup in")
    partial = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        path = sqlite_path(url)
        if path is not None:
            _backup_sqlite(path, partial)
        elif is_sqlite(url):
            raise CompanyError("an in-memory database cannot be backed up")
        else:
            _pg_dump(url, partial)
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return describe(output)


def _backup_sqlite(path: Path, target: Path) -> None:
    """The online backup (one step, one snapshot), then a rollback journal: the copy is one self-contained file."""
    try:
        migrations.backup_sqlite(path, target)
        copy = sqlite3.connect(target)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise CompanyError(f"cannot back up {path}: {exc}") from None


def _pg_dump(url: URL, target: Path) -> None:
    engine = make_engine(url)
    try:
        tool = pg_tool("pg_dump", engine)
    finally:
        engine.dispose()
    _run_pg(tool, ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)


# ---------------------------------------------------------------------------------------------- restore


def restore(source: Path, url: URL) -> BackupFile:
    """Restore the backup `source` into `url`, which must be empty (a new file, or a database with no tables).

    A SQLite backup goes to a file path, a pg_dump archive to a PostgreSQL database; either way the
    target holds the whole backup or, on any failure, nothing.
    """
    found = describe(source)
    path = sqlite_path(url)
    if path is not None:
        if found.kind is not BackupKind.SQLITE:
            raise CompanyError(
                f"{source} is a {found.kind.title}; restore it into a PostgreSQL database URL, not a file"
            )
        if path.exists() and path.stat().st_size > 0:
            raise CompanyError(f"{path} already exists; restore into a new file name (nothing was changed)")
        _restore_sqlite(source, path)
        return found
    if is_sqlite(url):
        raise CompanyError("cannot restore into an in-memory database")
    if found.kind is not BackupKind.PG_DUMP:
        raise CompanyError(
            f"{source} is a {found.kind.title}; restore it to a file path (or open it directly with --db)"
        )
    engine = make_engine(url)
    try:
        try:
            empty = migrations.is_empty(engine)
        except SQLAlchemyError as exc:
            raise CompanyError(f"cannot open {_shown(url)}: {_reason(exc)}") from None
        if not empty:
            raise CompanyError(f"{_shown(url)} is not empty; restore into a new, empty database (nothing was changed)")
        tool = pg_tool("pg_restore", engine)
        _run_pg(tool, ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"], url, source)
    finally:
        engine.dispose()
    return found


def _restore_sqlite(source: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        migrations.backup_sqlite(source, partial)
        os.replace(partial, path)
    except sqlite3.Error as exc:
        raise CompanyError(f"cannot restore {source}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def discard(url: URL) -> None:
    """Undo a restore whose follow-up failed: delete the restored file, or drop every restored table."""
    path = sqlite_path(url)
    if path is not None:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), lock_path(path)):
            leftover.unlink(missing_ok=True)
        return
    engine = make_engine(url)
    try:  # tables, and the functions and types the triggers and enums brought: the schema as it was
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO PUBLIC")
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------- pg tools


def pg_tool(name: str, engine: Engine) -> str:
    """`pg_dump`/`pg_restore` of the server's major version (or newer), which pg_dump requires.

    $PAKSA_PG_BIN, else /usr/lib/postgresql/<server major>/bin (Debian), else the newest one there,
    else the PATH.
    """
    given = os.environ.get(PG_BIN_ENV)
    if given:
        candidate = Path(given) / name
        if not candidate.exists():
            raise CompanyError(f"no {name} in {given} (${PG_BIN_ENV})")
        return str(candidate)
    try:
        with engine.connect() as conn:
            server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    except SQLAlchemyError as exc:
        raise CompanyError(f"cannot open {_shown(engine.url)}: {_reason(exc)}") from None
    installed: dict[int, Path] = {}
    for found in glob.glob(f"/usr/lib/postgresql/*/bin/{name}"):
        version = Path(found).parent.parent.name
        if version.isdigit():
            installed[int(version)] = Path(found)
    newer = sorted(v for v in installed if v >= server)
    if newer:
        return str(installed[newer[0]])
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise CompanyError(
        f"{name} for PostgreSQL {server} not found: install the PostgreSQL client tools "
        f"(postgresql-client-{server}) or set ${PG_BIN_ENV} to the folder holding {name}"
    )


def _conninfo(url: URL) -> str:
    """A libpq URI without the password (that goes in PGPASSWORD, never on a command line)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run_pg(tool: str, options: list[str], url: URL, *files: Path) -> None:
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    command = [tool, *options, f"--dbname={_conninfo(url)}", *(str(f) for f in files)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        detail = "; ".join(lines[-3:]) or f"exit status {done.returncode}"
        raise CompanyError(f"{Path(tool).name} failed for {_shown(url)}: {detail}")


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _reason(exc: Exception) -> str:
    text_ = str(getattr(exc, "orig", exc)).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
