"""Migrations: every revision runs on SQLite and PostgreSQL and ends exactly at the models, and opening
a company file at an older revision makes a dated, complete backup before migrating it."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, inspect, text

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.errors import CompanyError
from paksa_desktop.persistence import migrations
from paksa_desktop.persistence.base import all_metadata
from paksa_desktop.persistence.engine import make_engine
from tests.conftest import ADMIN_PASSWORD
from tests.ledger.helpers import entry

# A stand-in for the next real migration: the company is at today's head, the code expects one more.
NEXT_REVISION = '''"""test-only: one revision after the real head

Revision ID: {revision}
Revises: {down}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("migration_probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("migration_probe")
'''


def _schema_differences(engine: Engine) -> list[Any]:
    """What alembic's autogenerate would change to bring the database to the models: nothing, we hope.

    Types are compared too (compare_type). Nothing is filtered out: the Enum columns are stored as
    VARCHAR(32) with a CHECK constraint on both engines, and alembic compares them as VARCHAR(32), which
    is what the database holds, so they match. (CHECK constraints themselves are not compared by
    alembic; test_check_constraints_exist_on_both_engines looks at them.)
    """
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(context, all_metadata()))


def test_every_migration_runs_and_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert migrations.current_revision(engine) is None
        assert migrations.upgrade(engine) is None  # an empty database: nothing to back up
        assert migrations.current_revision(engine) == migrations.head_revision()
        differences = _schema_differences(engine)
        assert differences == [], "the migrations do not produce the models' schema:\n" + "\n".join(
            map(repr, differences)
        )
        tables = set(inspect(engine).get_table_names())
        assert set(all_metadata().tables) <= tables
        assert migrations.upgrade(engine) is None  # at head: a no-op
    finally:
        engine.dispose()


def test_each_revision_upgrades_one_step_at_a_time(db_url: str) -> None:
    """Walk the history revision by revision (not just straight to head), as a real upgrade path does."""
    engine = make_engine(db_url)
    try:
        script = ScriptDirectory.from_config(migrations.alembic_config())
        ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
        assert ordered[-1] == migrations.head_revision()
        for revision in ordered:
            with engine.begin() as conn:
                command.upgrade(migrations.alembic_config(conn), revision)
            assert migrations.current_revision(engine) == revision
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def test_check_constraints_exist_on_both_engines(db_url: str) -> None:
    """alembic does not compare CHECK constraints, so check the ones the models declare by name."""
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        inspector = inspect(engine)
        for table in all_metadata().sorted_tables:
            expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint) and c.name}
            if not expected:
                continue
            found = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert expected <= found, f"{table.name}: missing CHECK constraints {sorted(expected - found)}"
    finally:
        engine.dispose()


STRUCTURE_TABLES = {
    "accounts",
    "journals",
    "statement_lines",
    "statement_line_accounts",
    "company",
    "budgets",
    "journal_entries",
}


def test_structure_triggers_exist_at_head(db_url: str) -> None:
    """Statements trust the structure_version counter only because these triggers bump it. A later
    migration that rebuilds one of the tables on SQLite (batch mode) drops its triggers: it fails here."""
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")).all()
            else:
                rows = conn.execute(
                    text("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
                ).all()
        found = {(table, name) for table, name in rows if name.endswith("_structure")}
        for table in STRUCTURE_TABLES:
            operations = {name.split("_")[-2] for t, name in found if t == table}
            assert {"insert", "update", "delete"} <= operations, f"{table}: structure triggers {sorted(operations)}"
        with engine.begin() as conn:
            start = conn.execute(text("SELECT version FROM structure_version")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO statement_lines (statement, group_key, key, title, position, rules) "
                    "VALUES ('income_statement', 'revenue', 'sales', 'Sales', 1, 'income/')"
                )
            )
            assert conn.execute(text("SELECT version FROM structure_version")).scalar_one() == start + 1
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- upgrading an older company


@pytest.fixture
def next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the migrations at a copy of db/ with one extra revision; returns that revision's id."""
    real = Path(migrations.alembic_config().get_main_option("script_location") or "")
    copy = tmp_path / "db"
    shutil.copytree(real, copy, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.head_revision()
    revision = f"{head}_probe"
    (copy / "versions" / f"{revision}.py").write_text(NEXT_REVISION.format(revision=revision, down=head))

    def config(connection: Any = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(copy))
        if connection is not None:
            cfg.attributes["connection"] = connection
        return cfg

    monkeypatch.setattr(migrations, "alembic_config", config)
    assert migrations.head_revision() == revision
    return revision


def _company_with_an_entry(url: str) -> None:
    """A company at today's head holding one posted entry (created before the migrations are patched)."""
    spec = NewCompany("Older Ltd", "USD", admin_password=ADMIN_PASSWORD)
    with Company.create(url, spec) as company:
        ctx = company.login("admin", ADMIN_PASSWORD)
        company.ledger(ctx).post(entry("2024-01-31", ("1100", "123.45"), ("4010", "-123.45"), memo="Before"))


def test_opening_an_older_sqlite_company_backs_it_up_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "books.paksa"
    old_head = migrations.head_revision()
    _company_with_an_entry(str(path))
    # Keep a reader connection open, as another program might: the WAL then survives, and the entry
    # may still be in books.paksa-wal only. The backup must contain it all the same.
    reader = sqlite3.connect(path)
    reader.execute("SELECT COUNT(*) FROM journal_lines").fetchall()  # then idle, holding no snapshot
    try:
        with Company.open(path) as company:  # still today's head: nothing to do, no backup
            assert company.backup_path is None
            company.ledger(company.login("admin", ADMIN_PASSWORD)).post(
                entry("2024-02-01", ("6100", "10.00"), ("1100", "-10.00"), memo="In the WAL")
            )
        assert Path(f"{path}-wal").stat().st_size > 0

        new_head = request.getfixturevalue("next_revision")
        before = {p.name for p in tmp_path.iterdir()}
        with Company.open(path) as company:
            backup = company.backup_path
            assert backup is not None
            ctx = company.login("admin", ADMIN_PASSWORD)
            tb = company.ledger_queries(ctx).trial_balance()
            assert tb.is_balanced and {r.code for r in tb.rows} == {"1100", "4010", "6100"}
            company.ledger(ctx).post(entry("2024-02-02", ("1100", "1.00"), ("4010", "-1.00"), memo="After"))
    finally:
        reader.close()

    # the backup: next to the file, dated, naming the revision it was taken before, not a file we had
    assert backup.parent == path.parent
    assert backup.name not in before
    assert re.fullmatch(rf"books\.\d{{8}}-\d{{6}}\.before-{re.escape(new_head)}\.paksa\.bak", backup.name), backup.name
    stamp = backup.name.split(".")[1]
    assert abs((date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])) - date.today()).days) <= 1

    # a valid SQLite database, complete in its one file (immutable: no WAL is read), holding the original
    # data (also what was still in the WAL) at the old revision, and nothing newer
    assert not Path(f"{backup}-wal").exists()
    with closing(sqlite3.connect(f"file:{backup}?mode=ro&immutable=1", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(old_head,)]
        memos = [m for (m,) in conn.execute("SELECT memo FROM journal_entries ORDER BY id")]
        assert memos == ["Before", "In the WAL"]
        assert conn.execute("SELECT COUNT(*) FROM journal_lines").fetchone() == (4,)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'migration_probe'").fetchone() is None

    # the migrated company: at the new head, with the probe table, and it opens again
    engine = make_engine(path)
    try:
        assert migrations.current_revision(engine) == new_head
        assert "migration_probe" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Company.open(path) as company:
        assert company.backup_path is None  # already at head: no second backup
        ctx = company.login("admin", ADMIN_PASSWORD)
        assert company.ledger_queries(ctx).count_entries() == 3

    # and the backup itself is a company the old version can open (migrations unpatched)
    monkeypatch.undo()
    restored = tmp_path / "restored.paksa"
    shutil.copyfile(backup, restored)
    with Company.open(restored) as company:
        assert company.backup_path is None
        ctx = company.login("admin", ADMIN_PASSWORD)
        assert company.ledger_queries(ctx).count_entries() == 2


def test_opening_an_older_postgres_company_migrates_it_without_a_file_backup(
    databases: Any, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL there is no file to copy (the administrator's pg_dump is the backup); the upgrade
    still runs, in one transaction, and the company opens with its data."""
    url = databases.new_url("postgres")
    _company_with_an_entry(url)
    new_head = request.getfixturevalue("next_revision")
    with Company.open(url) as company:
        assert company.backup_path is None
        assert migrations.current_revision(company.engine) == new_head
        with company.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM migration_probe")).scalar_one() == 0
        ctx = company.login("admin", ADMIN_PASSWORD)
        assert company.ledger_queries(ctx).count_entries() == 1


def test_a_company_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.paksa"
    _company_with_an_entry(str(path))
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(CompanyError, match="newer Paksa version"):
        Company.open(path)
    assert not list(tmp_path.glob("*.bak"))
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_future",)
