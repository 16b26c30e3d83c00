"""Backups of a running company restore into an empty database on both engines, with the audit trail
intact and the same trial balance; what cannot be restored is refused and leaves nothing behind."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect

from paksa_desktop.audit.service import AuditFilter, AuditService
from paksa_desktop.backups import backup_company, restore_company
from paksa_desktop.company import Company
from paksa_desktop.core.errors import AuthenticationError, CompanyError, PermissionDenied
from paksa_desktop.persistence import backup
from paksa_desktop.persistence.engine import database_url, make_engine
from tests.conftest import ADMIN_PASSWORD, Books, Databases
from tests.ledger.helpers import entry

OTHER_PASSWORD = "another-long-password-1"


def _balances(company: Company, ctx: object) -> dict[str, tuple[Decimal, Decimal]]:
    tb = company.ledger_queries(ctx).trial_balance()  # type: ignore[arg-type]
    return {row.code: (row.debit, row.credit) for row in tb.rows}


def _admin(company: Company) -> object:
    return company.login("admin", ADMIN_PASSWORD)


def _post_some(books: Books) -> None:
    for day, amount in (("2024-01-15", "1000.00"), ("2024-02-20", "250.55"), ("2024-03-31", "0.01")):
        books.ledger.post(entry(day, ("1100", amount), ("3100", f"-{amount}")))


def _table_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_round_trip_keeps_audit_trail_and_trial_balance(
    books: Books, databases: Databases, engine_name: str, tmp_path: Path
) -> None:
    _post_some(books)
    output = tmp_path / "acme.backup"
    name, made = backup_company(books.company, books.ctx, output)
    assert name == "Test Company Ltd"
    assert made.kind is (backup.BackupKind.SQLITE if engine_name == "sqlite" else backup.BackupKind.PG_DUMP)
    assert backup.describe(output) == made
    source_rows = AuditService(books.company.engine, books.ctx).rows(AuditFilter(action="backup"))
    assert [json.loads(r.after or "{}")["sha256"] for r in source_rows] == [made.sha256]

    target = databases.new_url(engine_name)
    restored, ctx, found = restore_company(output, target, _admin)
    with restored:
        assert found.sha256 == made.sha256
        audit = AuditService(restored.engine, ctx)
        assert audit.verify().problem is None
        assert _balances(restored, ctx) == _balances(books.company, books.ctx)
        assert [r.action for r in audit.rows(AuditFilter(action="restore"))] == ["restore"]
        restored.ledger(ctx).post(entry("2024-04-01", ("1100", "1.00"), ("3100", "-1.00")))  # a working company
        assert audit.verify().problem is None


def test_restore_refuses_a_database_that_is_not_empty(books: Books, engine_name: str, tmp_path: Path) -> None:
    output = tmp_path / "acme.backup"
    backup_company(books.company, books.ctx, output)
    before = _balances(books.company, books.ctx)
    expected = "already exists; restore into a new file name" if engine_name == "sqlite" else "is not empty"
    with pytest.raises(CompanyError, match=expected):
        restore_company(output, books.url, _admin)
    assert _balances(books.company, books.ctx) == before


def test_restore_refuses_the_other_engines_backup(books: Books, databases: Databases, engine_name: str) -> None:
    output = Path(databases.tmp_path) / "acme.backup"
    backup_company(books.company, books.ctx, output)
    other = "postgres" if engine_name == "sqlite" else "sqlite"
    target = databases.new_url(other)
    if engine_name == "postgres":
        expected = "is a PostgreSQL pg_dump archive; restore it into a PostgreSQL database URL"
    else:
        expected = "is a SQLite company file; restore it to a file path"
    with pytest.raises(CompanyError, match=expected):
        restore_company(output, target, _admin)
    if other == "sqlite":
        assert not Path(target).exists()
    else:
        assert _table_names(target) == []


def test_failed_login_after_restore_leaves_the_target_empty(
    books: Books, databases: Databases, engine_name: str, tmp_path: Path
) -> None:
    output = tmp_path / "acme.backup"
    backup_company(books.company, books.ctx, output)
    target = databases.new_url(engine_name)
    with pytest.raises(AuthenticationError):
        restore_company(output, target, lambda c: c.login("admin", "not the password"))
    if engine_name == "sqlite":
        assert sorted(p.name for p in tmp_path.iterdir()) == ["acme.backup"] or not Path(target).exists()
        assert not Path(target).exists()
    else:
        assert _table_names(target) == []
    restored, _ctx, _found = restore_company(output, target, _admin)  # and it can be restored there after all
    restored.close()


def test_backup_and_restore_need_company_manage(books: Books, databases: Databases, tmp_path: Path) -> None:
    books.company.add_user(books.ctx, "carol", OTHER_PASSWORD, roles=("Accountant",))
    carol = books.company.login("carol", OTHER_PASSWORD)
    output = tmp_path / "acme.backup"
    with pytest.raises(PermissionDenied, match=r"company\.manage"):
        backup_company(books.company, carol, output)
    assert not output.exists()
    backup_company(books.company, books.ctx, output)
    target = databases.new_url("sqlite" if books.company.is_sqlite else "postgres")
    with pytest.raises(PermissionDenied, match=r"company\.manage"):
        restore_company(output, target, lambda c: c.login("carol", OTHER_PASSWORD))


def test_backup_never_overwrites_and_refuses_other_files(sqlite_books: Books, tmp_path: Path) -> None:
    taken = tmp_path / "taken.backup"
    taken.write_bytes(b"keep me")
    with pytest.raises(CompanyError, match="already exists; choose another file name"):
        backup_company(sqlite_books.company, sqlite_books.ctx, taken)
    assert taken.read_bytes() == b"keep me"
    with pytest.raises(CompanyError, match="is not a Paksa backup"):
        restore_company(taken, tmp_path / "new.paksa", _admin)
    with pytest.raises(CompanyError, match="no backup file at"):
        restore_company(tmp_path / "missing.backup", tmp_path / "new.paksa", _admin)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("new.", ".")) or "part" in p.name]


def test_sqlite_backup_is_consistent_while_another_connection_posts(sqlite_books: Books, tmp_path: Path) -> None:
    """A writer posts entries of 1.00 the whole time; every backup holds some whole number of them,
    balanced, with an intact audit trail: the source as it was at one moment."""
    url = sqlite_books.url
    stop = threading.Event()
    posted: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with Company.open(url, clock=sqlite_books.clock) as company:
                ctx = company.login("admin", ADMIN_PASSWORD)
                ledger = company.ledger(ctx)
                while not stop.is_set():
                    ledger.post(entry("2024-05-01", ("1100", "1.00"), ("3100", "-1.00")))
                    posted.append(1)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    counts = []
    try:
        while len(posted) < 5:
            stop.wait(0.01)
        for n in range(6):
            made = backup.backup(database_url(url), tmp_path / f"copy{n}.paksa")
            seen_before = len(posted)
            with Company.open(made.path) as copy:
                ctx = _admin(copy)
                assert AuditService(copy.engine, ctx).verify().problem is None
                tb = copy.ledger_queries(ctx).trial_balance()
                assert tb.is_balanced
                cash = {r.code: r.debit for r in tb.rows}.get("1100", Decimal(0))
                assert cash == cash.to_integral_value()  # whole entries only
                assert 0 < cash <= seen_before + 1
                counts.append(int(cash))
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert counts == sorted(counts) and counts[-1] > counts[0]  # the writer kept going during the backups


def test_backup_of_a_company_another_program_holds(sqlite_books: Books, tmp_path: Path) -> None:
    """The desktop program has the file: a command opens it read-only, and may still back it up."""
    sqlite_books.company.close()
    with Company.open(sqlite_books.url, lock=True) as desktop:
        desktop_ctx = _admin(desktop)
        with Company.open(sqlite_books.url) as command:
            assert command.read_only
            _name, made = backup_company(command, _admin(command), tmp_path / "live.backup")
        rows = AuditService(desktop.engine, desktop_ctx).rows(AuditFilter(action="backup"))
        assert [json.loads(r.after or "{}")["sha256"] for r in rows] == [made.sha256]
