"""The hash-chained audit trail on both engines: every kind of tampering done straight in the database
(edit, delete, insert, reorder) is caught at the right row, and an untouched trail never raises an alarm."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text

from paksa_desktop.audit.chain import GENESIS, verify_rows
from paksa_desktop.audit.service import AuditService
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType
from tests.conftest import ADMIN_PASSWORD, Books, tamper
from tests.ledger.helpers import entry


def audit(books: Books) -> AuditService:
    return AuditService(books.company.engine, books.ctx)


def busy_books(books: Books) -> int:
    """A trail written by many kinds of change (unicode, nulls, JSON values); returns its length."""
    ledger = books.ledger
    ledger.create_account(AccountInput("1199", "Café — petty cash €", AccountType.ASSET))
    ledger.update_account("1199", name='Quote " and \\ backslash')
    ref, _ = ledger.post(entry("2024-02-01", ("1199", "12.34"), ("4010", "-12.34"), memo="Über"))
    ledger.reverse(ref.id)
    books.company.login("admin", ADMIN_PASSWORD)
    books.clock.set(datetime(2024, 7, 1, 0, 0, 0, 123456, tzinfo=UTC))
    ledger.create_department("D1", "Ops")
    return audit(books).count()


def sql(books: Books, statement: str, **params: object) -> None:
    tamper(books.company.engine, statement, **params)


def row(books: Books, seq: int) -> dict:
    with books.company.engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).mappings().one())


def check(books: Books, seq: int | None, reason: str) -> None:
    result = audit(books).verify()
    assert result.problem is not None, "tampering went unnoticed"
    assert result.problem.seq == seq, str(result.problem)
    assert reason in result.problem.reason, str(result.problem)


def test_untouched_trail_verifies(books: Books) -> None:
    n = busy_books(books)
    result = audit(books).verify()
    assert result.ok, str(result.problem)
    assert result.rows == n == result.last_seq and len(result.last_hash) == 64


def test_every_service_row_links_to_the_previous(books: Books) -> None:
    busy_books(books)
    with books.company.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, seq, prev_hash, row_hash FROM audit_log ORDER BY seq")).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) == [r.id for r in rows]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in itertools.pairwise(rows))


EDITS: list[tuple[str, str]] = [
    ("occurred_at", "occurred_at = :ts"),
    ("user_id", "user_id = NULL"),
    ("username", "username = 'mallory'"),
    ("host", "host = 'elsewhere'"),
    ("action", "action = 'view'"),
    ("entity", "entity = 'journal'"),
    ("entity_id", "entity_id = '9999'"),
    ("before", 'before = \'{"name": "Rent"}\''),
    ("after", 'after = \'{"amount": "1.00"}\''),
    ("after to NULL", "after = NULL"),
    ("before to NULL", "before = NULL"),
    ("row_hash", "row_hash = :fake"),
]


@pytest.mark.parametrize(("column", "assignment"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_field_is_caught(books: Books, column: str, assignment: str) -> None:
    busy_books(books)
    with books.company.engine.connect() as conn:  # the account update: it has a before and an after
        target = conn.execute(
            text("SELECT seq FROM audit_log WHERE entity = 'account' AND action = 'update'")
        ).scalar_one()
    sql(
        books,
        f"UPDATE audit_log SET {assignment} WHERE seq = :target",
        target=target,
        ts=datetime(2024, 6, 30, 13, tzinfo=UTC),
        fake="a" * 64,
    )
    check(books, target, "edited")


def test_a_timestamp_moved_by_one_microsecond_is_caught(books: Books) -> None:
    busy_books(books)
    sql(
        books,
        "UPDATE audit_log SET occurred_at = :ts WHERE seq = 8",
        ts=datetime(2024, 7, 1, 0, 0, 0, 123457, tzinfo=UTC),
    )
    check(books, 8, "edited")


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(books: Books) -> None:
    """Someone who knows the algorithm rewrites one row and its hash: the next row no longer follows."""
    from paksa_desktop.audit.chain import row_hash

    busy_books(books)
    r = row(books, 3)
    r["username"] = "mallory"
    digest = row_hash(
        r["id"], r["seq"], audit(books).rows()[-3].occurred_at, r["user_id"], r["username"], r["host"],
        r["action"], r["entity"], r["entity_id"], r["before"], r["after"], r["prev_hash"],
    )  # fmt: skip
    sql(books, "UPDATE audit_log SET username = 'mallory', row_hash = :h WHERE seq = 3", h=digest)
    check(books, 4, "link to the previous row broken")


@pytest.mark.parametrize(
    ("seq", "expected_seq", "reason"), [(1, 2, "missing"), (5, 6, "missing"), (-1, None, "missing at the end")]
)
def test_a_deleted_row_is_caught(books: Books, seq: int, expected_seq: int | None, reason: str) -> None:
    n = busy_books(books)
    target = n if seq == -1 else seq
    sql(books, "DELETE FROM audit_log WHERE seq = :s", s=target)
    check(books, expected_seq if seq != -1 else n, reason)


def test_deleted_rows_renumbered_to_close_the_gap_are_caught(books: Books) -> None:
    n = busy_books(books)
    sql(books, "DELETE FROM audit_log WHERE seq = 5")
    for s in range(6, n + 1):
        sql(books, "UPDATE audit_log SET seq = :new, id = :new WHERE seq = :old", new=s - 1, old=s)
    check(books, 5, "link to the previous row broken")


def _insert(books: Books, seq: int, prev_hash: str, row_hash: str) -> None:
    sql(
        books,
        "INSERT INTO audit_log (id, seq, occurred_at, user_id, username, host, action, entity, entity_id, "
        "before, after, prev_hash, row_hash) VALUES (:id, :seq, :ts, NULL, 'mallory', 'x', 'create', 'account', "
        "'1', NULL, NULL, :prev, :hash)",
        id=seq,
        seq=seq,
        ts=datetime(2024, 6, 30, tzinfo=UTC),
        prev=prev_hash,
        hash=row_hash,
    )


def test_a_row_inserted_in_the_middle_is_caught(books: Books) -> None:
    """Make room by moving later rows up one, then slip a row in with a valid-looking link."""
    n = busy_books(books)
    for s in range(n, 4, -1):
        sql(books, "UPDATE audit_log SET seq = :new, id = :new WHERE seq = :old", new=s + 1, old=s)
    _insert(books, 5, row(books, 4)["row_hash"], "b" * 64)
    check(books, 5, "edited")


def test_a_row_appended_at_the_end_is_caught(books: Books) -> None:
    n = busy_books(books)
    last = row(books, n)["row_hash"]
    from paksa_desktop.audit.chain import row_hash

    digest = row_hash(n + 1, n + 1, datetime(2024, 6, 30, tzinfo=UTC), None, "mallory", "x", "create", "account",
                      "1", None, None, last)  # fmt: skip
    _insert(books, n + 1, last, digest)  # a perfect link and hash: only the head knows better
    check(books, n + 1, "after the recorded end")


def test_a_row_with_an_extra_seq_far_away_is_caught(books: Books) -> None:
    n = busy_books(books)
    _insert(books, n + 10, GENESIS, "c" * 64)
    check(books, n + 10, "missing before it")


def test_two_rows_swapped_by_seq_are_caught(books: Books) -> None:
    busy_books(books)
    sql(books, "UPDATE audit_log SET seq = -1 WHERE seq = 3")
    sql(books, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
    sql(books, "UPDATE audit_log SET seq = 4 WHERE seq = -1")
    check(books, 3, "does not match its sequence")


def test_two_rows_swapped_whole_are_caught(books: Books) -> None:
    """Ids and seqs swapped too, so the order looks perfect: the links give it away."""
    busy_books(books)
    sql(books, "UPDATE audit_log SET seq = -1, id = -1 WHERE seq = 3")
    sql(books, "UPDATE audit_log SET seq = 3, id = 3 WHERE seq = 4")
    sql(books, "UPDATE audit_log SET seq = 4, id = 4 WHERE seq = -1")
    check(books, 3, "link to the previous row broken")


def test_a_rewritten_head_is_caught(books: Books) -> None:
    busy_books(books)
    sql(books, "UPDATE audit_head SET last_hash = :h", h="d" * 64)
    check(books, audit(books).count(), "chain head")


def test_concurrent_writers_never_fork_the_chain(books: Books) -> None:
    """Eight clients append at once (PostgreSQL row lock on the head; SQLite's write lock)."""
    busy_books(books)
    errors: list[BaseException] = []

    def work(n: int) -> Callable[[], None]:
        def run() -> None:
            try:
                ledger = books.company.ledger(books.ctx)
                for i in range(5):
                    ledger.create_department(f"T{n}-{i}", f"Team {n}.{i}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=work(n)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit(books).verify()
    assert result.ok, str(result.problem)


def test_verify_rows_reports_reordering_without_a_database() -> None:
    assert verify_rows([], None) == (0, None)
    assert verify_rows([], (0, GENESIS)) == (0, None)


def test_migration_chains_rows_written_before_it(db_url: str) -> None:
    """A company at revision 0001 with audit rows (ids with gaps, as PostgreSQL leaves) upgrades to a valid chain."""
    from alembic import command

    from paksa_desktop.audit.chain import verify
    from paksa_desktop.persistence import migrations
    from paksa_desktop.persistence.engine import make_engine
    from paksa_desktop.persistence.unit_of_work import UnitOfWork

    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), "0001")
        with engine.begin() as conn:
            _old_rows(conn)
        migrations.upgrade(engine)
        with UnitOfWork(engine, write=False) as uow:
            result = verify(uow.session)
        assert result.ok and result.rows == 3 == result.last_seq, str(result.problem)
        with engine.connect() as conn:
            assert [r[0] for r in conn.execute(text("SELECT id FROM audit_log ORDER BY seq"))] == [1, 2, 3]
    finally:
        engine.dispose()


def _old_rows(conn: Connection) -> None:
    for rid, action in ((2, "create"), (5, "login"), (9, "update")):
        conn.execute(
            text(
                "INSERT INTO audit_log (id, occurred_at, user_id, username, host, action, entity, entity_id, before, "
                "after) VALUES (:id, :ts, NULL, 'admin', 'h', :action, 'company', 'X', NULL, '{\"a\": \"1\"}')"
            ),
            {"id": rid, "ts": datetime(2024, 1, rid, tzinfo=UTC).replace(tzinfo=None), "action": action},
        )
