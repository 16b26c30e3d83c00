"""Deferred writes on PostgreSQL (persistence/pipeline.py): the database sees every statement in the order it
was issued whichever way the next one goes, a failing queued write fails the unit, a rollback drops the
queue, and a commit carries it. Also: a read unit leaves the connection's prepared statements alone, and a
connection reused at once is not pinged first."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.audit.service import AuditService
from paksa_desktop.persistence import engine as engine_module
from paksa_desktop.persistence import pipeline
from paksa_desktop.persistence.bulk import append_rows
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.ledger.helpers import entry

PROBE = "CREATE TABLE IF NOT EXISTS pipeline_probe (id integer PRIMARY KEY, label text NOT NULL)"


@pytest.fixture
def engine(pg_books: Books) -> Engine:
    engine = pg_books.company.engine
    with engine.begin() as conn:
        conn.exec_driver_sql(PROBE)
    return engine


def _labels(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT label FROM pipeline_probe ORDER BY id")).scalars())


def test_a_deferred_write_is_seen_by_the_next_statement_whichever_way_it_goes(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        s = uow.session
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "first"))
        # a statement through SQLAlchemy sends the queue ahead of itself
        assert s.execute(text("SELECT count(*) FROM pipeline_probe")).scalar_one() == 1
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (2, "second"))
        # one that must be answered goes out with the queue, after it
        assert pipeline.query(s, "SELECT label FROM pipeline_probe ORDER BY id") == [("first",), ("second",)]
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (3, "third"))
        append_rows(s, "pipeline_probe", ("id", "label"), [(i, f"copied {i}") for i in range(10, 40)])  # COPY
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (4, "fourth"))
        uow.commit()  # the last one travels with the COMMIT
    labels = _labels(engine)
    assert labels[:4] == ["first", "second", "third", "fourth"] and len(labels) == 34


def test_a_failing_deferred_write_fails_the_unit_and_nothing_is_kept(engine: Engine) -> None:
    with pytest.raises(IntegrityError), UnitOfWork(engine) as uow:
        s = uow.session
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "kept?"))
        pipeline.defer(s, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "duplicate key"))
        uow.commit()
    assert _labels(engine) == []
    with UnitOfWork(engine) as uow:  # the pooled connection is usable again
        pipeline.defer(uow.session, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "after"))
        uow.commit()
    assert _labels(engine) == ["after"]


def test_a_rolled_back_unit_drops_its_queue(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        pipeline.defer(uow.session, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "never"))
    with UnitOfWork(engine) as uow:  # same pooled connection: nothing of the first unit is sent
        pipeline.defer(uow.session, "INSERT INTO pipeline_probe VALUES (%s, %s)", (2, "only this"))
        uow.commit()
    assert _labels(engine) == ["only this"]


def test_a_plain_session_commit_still_sends_the_queue(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        pipeline.defer(uow.session, "INSERT INTO pipeline_probe VALUES (%s, %s)", (1, "committed"))
        uow.session.commit()  # not through UnitOfWork.commit: the engine's commit event sends it
    assert _labels(engine) == ["committed"]


def test_a_posting_leaves_a_complete_entry_and_audit_row(pg_books: Books) -> None:
    ref, _ = pg_books.ledger.post(entry("2024-06-03", ("1100", "5.00"), ("4010", "-2.00"), ("4020", "-3.00")))
    with UnitOfWork(pg_books.company.engine, write=False) as uow:
        s = uow.session
        lines = s.execute(text("SELECT count(*) FROM journal_lines WHERE entry_id = :id"), {"id": ref.id}).scalar()
        audited = s.execute(
            select(func.count()).where(AuditRecord.entity == "journal_entry", AuditRecord.entity_id == str(ref.id))
        ).scalar()
    assert lines == 3 and audited == 1
    assert AuditService(pg_books.company.engine, pg_books.ctx).verify().ok


def test_reading_keeps_the_connections_prepared_statements(pg_books: Books) -> None:
    """A read unit ends with COMMIT (it is READ ONLY): a ROLLBACK would make psycopg drop them all."""
    for n in range(8):  # psycopg prepares a statement from its fifth run
        pg_books.ledger.post(entry(f"2024-06-{n + 1:02d}", ("1100", "5.00"), ("4010", "-5.00")))
    pg_books.queries.trial_balance()
    with pg_books.company.engine.connect() as conn:  # the one pooled connection
        prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one()
    assert prepared >= 3


def test_a_read_unit_cannot_write(engine: Engine) -> None:
    with pytest.raises(Exception, match="read-only transaction"), UnitOfWork(engine, write=False) as uow:
        uow.session.execute(text("INSERT INTO pipeline_probe VALUES (1, 'no')"))
    assert _labels(engine) == []


def test_a_connection_is_pinged_before_reuse_only_after_being_idle(
    pg_books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_books.company.engine
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    pg_books.queries.trial_balance()
    pg_books.queries.trial_balance()  # back at once: used without a ping
    assert pings == []
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if idle for a while
    pg_books.queries.trial_balance()
    assert len(pings) == 1


def test_a_connection_killed_while_idle_is_replaced_quietly(pg_books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = pg_books.company.engine
    pg_books.queries.trial_balance()
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with psycopg.connect(make_url(pg_books.url).set(drivername="postgresql").render_as_string(False)) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert pg_books.queries.trial_balance().rows == ()  # a new connection, no error
