"""Live refresh: triggers notify on commit only, the listener hears other clients (and other tools),
merges bursts, skips its own process's writes, and resyncs after its connection drops; a connection
lost mid-save becomes a clear ConnectionLost and leaves nothing half-written."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from paksa_desktop.audit.service import AuditService
from paksa_desktop.company import Company
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import CompanyError, ConnectionLost
from paksa_desktop.ledger.models import JournalEntry
from paksa_desktop.persistence import notifications
from paksa_desktop.persistence.base import all_metadata
from paksa_desktop.persistence.engine import make_engine
from paksa_desktop.persistence.notifications import (
    ALL_KINDS,
    CHANGE_KINDS,
    NOT_NOTIFIED,
    ChangeListener,
    LinkState,
    ListenerEvent,
)
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.helpers import entry

QUIET = 0.6  # seconds to wait for a notification that must not come


@pytest.fixture
def other_client(pg_books: Books) -> Iterator[Books]:
    """A second desktop client on the same database (its own engine and pool)."""
    company = Company.open(pg_books.url, clock=pg_books.clock)
    yield Books(company, company.login("admin", ADMIN_PASSWORD), pg_books.clock, pg_books.url)
    company.close()


class Heard:
    """Collects listener events (the callback runs on the listener thread)."""

    def __init__(self) -> None:
        self.events: queue.Queue[ListenerEvent] = queue.Queue()

    def __call__(self, item: ListenerEvent) -> None:
        self.events.put(item)

    def next(self, timeout: float = 5.0) -> ListenerEvent:
        return self.events.get(timeout=timeout)

    def next_changes(self, timeout: float = 5.0) -> Changes:
        deadline = time.monotonic() + timeout
        while True:
            item = self.next(max(0.01, deadline - time.monotonic()))
            if item.changes:
                return item.changes

    def nothing(self, wait: float = QUIET) -> bool:
        time.sleep(wait)
        found = [self.events.get_nowait() for _ in range(self.events.qsize())]
        return not [e for e in found if e.changes or e.state is LinkState.LOST]


def _listening(company: Company, **options: Any) -> tuple[ChangeListener, Heard]:
    heard = Heard()
    listener = company.listen(heard, **options)
    assert listener is not None
    assert listener.listening.wait(10)
    first = heard.next()
    assert first.state is LinkState.CONNECTED and not first.changes and not first.resync
    return listener, heard


def _plain_url(books: Books) -> str:
    return make_url(books.url).set(drivername="postgresql").render_as_string(hide_password=False)


# ----------------------------------------------------------------------------- the mapping and the triggers


def test_every_table_is_notified_or_exempt_with_a_reason() -> None:
    tables = set(all_metadata().tables)
    assert not set(CHANGE_KINDS) & set(NOT_NOTIFIED), "a table cannot be both notified and exempt"
    unmapped = tables - set(CHANGE_KINDS) - set(NOT_NOTIFIED)
    assert not unmapped, f"map these tables to a Kind in CHANGE_KINDS, or exempt them in NOT_NOTIFIED: {unmapped}"
    stale = set(CHANGE_KINDS) - tables
    assert not stale, f"CHANGE_KINDS names tables that do not exist: {stale}"
    assert set(NOT_NOTIFIED) - tables == {"alembic_version"}
    assert all(reason.strip() for reason in NOT_NOTIFIED.values())


def test_every_mapped_table_has_its_trigger_and_the_function_is_locked_down(pg_books: Books) -> None:
    with pg_books.company.engine.connect() as conn:
        found = dict(
            conn.execute(
                text(
                    "SELECT c.relname, encode(t.tgargs, 'escape') FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = :name"
                ),
                {"name": notifications.TRIGGER},
            ).all()
        )
        secdef, config, owner_is_me = conn.execute(
            text(
                "SELECT prosecdef, proconfig, pg_get_userbyid(proowner) = current_user "
                "FROM pg_proc WHERE proname = :name"
            ),
            {"name": notifications.FUNCTION},
        ).one()
    assert found == {table: f"{kind.value}\\000" for table, kind in CHANGE_KINDS.items()}
    assert secdef is False
    assert config == ["search_path=pg_catalog, pg_temp"]
    assert owner_is_me


def test_sqlite_companies_have_no_listener(sqlite_books: Books) -> None:
    assert sqlite_books.company.listen(lambda _e: None) is None
    with sqlite_books.company.engine.begin() as conn:
        assert notifications.install_change_triggers(conn) == []


def test_the_migration_removes_what_it_added(pg_books: Books) -> None:
    engine = pg_books.company.engine
    with engine.begin() as conn:
        notifications.remove_change_triggers(conn)
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_trigger WHERE tgname = :n"), {"n": "paksa_notify_change"}
            ).scalar()
            == 0
        )
        assert (
            conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = :n"), {"n": "paksa_notify_change"}).scalar()
            == 0
        )
        assert sorted(notifications.install_change_triggers(conn)) == sorted(CHANGE_KINDS)


# ----------------------------------------------------------------------------- hearing changes


def test_a_commit_by_another_client_is_heard_and_a_rollback_is_not(pg_books: Books, other_client: Books) -> None:
    listener, heard = _listening(pg_books.company)
    other_client.ledger.post(entry("2024-06-01", ("1100", "10.00"), ("4010", "-10.00")))
    # the first post of a year also opens its periods: the database says so, though the service did not
    assert Kind.ENTRIES in heard.next_changes()
    other_client.ledger.post(entry("2024-06-01", ("1100", "10.00"), ("4010", "-10.00")))
    assert heard.next_changes() == Changes.of(Kind.ENTRIES)

    with UnitOfWork(other_client.company.engine) as uow:  # written, then rolled back: nothing to hear
        uow.session.execute(text("UPDATE accounts SET name = name || ' x'"))
    assert heard.nothing()
    assert listener.state is LinkState.CONNECTED


def test_changes_made_by_other_tools_are_heard(pg_books: Books) -> None:
    _listener, heard = _listening(pg_books.company)
    with psycopg.connect(_plain_url(pg_books)) as conn:  # psql, a script: no Paksa code involved
        conn.execute("UPDATE accounts SET name = name || ' (renamed)' WHERE code = '1100'")
    assert heard.next_changes() == Changes.of(Kind.ACCOUNTS)


def test_a_burst_of_commits_arrives_as_one_refresh(pg_books: Books) -> None:
    _listener, heard = _listening(pg_books.company, coalesce=2.0)  # wide: a busy machine still fits the burst in
    with psycopg.connect(_plain_url(pg_books), autocommit=True) as conn:
        for _ in range(5):
            conn.execute("UPDATE accounts SET name = name WHERE code = '1100'")
        conn.execute("UPDATE departments SET name = name")
        conn.execute("UPDATE journals SET name = name")
    assert heard.next_changes() == Changes.of(Kind.ACCOUNTS, Kind.DIMENSIONS, Kind.JOURNALS)
    assert heard.nothing()


def test_this_clients_own_writes_are_not_heard_again(pg_books: Books, other_client: Books) -> None:
    _listener, heard = _listening(pg_books.company)
    pg_books.ledger.post(entry("2024-06-02", ("1100", "1.00"), ("4010", "-1.00")))  # the window already refreshed
    assert heard.nothing()
    other_client.ledger.post(entry("2024-06-02", ("1100", "2.00"), ("4010", "-2.00")))
    assert Kind.ENTRIES in heard.next_changes()


def test_a_dropped_connection_is_reported_retried_and_resynced(pg_books: Books) -> None:
    listener, heard = _listening(pg_books.company, first_retry=0.2)
    with psycopg.connect(_plain_url(pg_books), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        ).fetchall()
        assert killed == [(True,)]
        lost = heard.next()
        assert lost.state is LinkState.LOST and lost.since is not None
        back = heard.next(10)
        assert back.state is LinkState.CONNECTED and back.resync and back.changes == ALL_KINDS
        assert listener.listening.wait(5)
        admin.execute("UPDATE periods SET state = state")
    assert heard.next_changes() == Changes.of(Kind.PERIODS)


def test_closing_the_company_stops_its_listener(pg_books: Books) -> None:
    listener, _heard = _listening(pg_books.company)
    pg_books.company.close()
    assert not listener.running


# ----------------------------------------------------------------------------- losing the connection


def test_a_connection_lost_mid_post_is_a_clear_error_and_writes_nothing(pg_books: Books) -> None:
    """The post has written its entry and lines and waits for the audit chain's lock when its
    connection dies: the server rolls it all back, the caller gets ConnectionLost."""
    before = _entry_count(pg_books)
    errors: list[BaseException] = []
    with psycopg.connect(_plain_url(pg_books)) as locker:
        locker.execute("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE")

        def post() -> None:
            try:
                pg_books.ledger.post(entry("2024-06-03", ("1100", "5.00"), ("4010", "-5.00")))
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=post)
        worker.start()
        with psycopg.connect(_plain_url(pg_books), autocommit=True) as admin:
            waiting: list[Any] = []
            for _ in range(100):
                waiting = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchall()
                if waiting:
                    break
                time.sleep(0.05)
            assert len(waiting) == 1, "the post never reached the audit lock"
            admin.execute("SELECT pg_terminate_backend(%s)", waiting[0])
        worker.join(10)
        locker.rollback()
    assert len(errors) == 1 and isinstance(errors[0], ConnectionLost), errors
    assert "connection to the database server was lost" in str(errors[0])
    assert "nothing was changed" in str(errors[0])
    assert _entry_count(pg_books) == before
    assert AuditService(pg_books.company.engine, pg_books.ctx).verify().ok
    pg_books.ledger.post(entry("2024-06-03", ("1100", "5.00"), ("4010", "-5.00")))  # the pool recovers by itself
    assert _entry_count(pg_books) == before + 1


def test_an_unreachable_server_is_a_clear_error(pg_books: Books) -> None:
    url = make_url(pg_books.url)
    with psycopg.connect(_plain_url(pg_books)) as conn:
        conn.execute("SELECT 1")
    dead = url.set(port=1)  # nothing listens there
    engine = make_engine(dead)
    try:
        with pytest.raises(ConnectionLost, match="cannot reach the database server"), engine.connect():
            pass
    finally:
        engine.dispose()
    with pytest.raises(CompanyError, match="cannot open"):
        Company.open(dead.render_as_string(hide_password=False))


def _entry_count(books: Books) -> int:
    with UnitOfWork(books.company.engine, write=False) as uow:
        return int(uow.session.execute(select(func.count()).select_from(JournalEntry)).scalar_one())
