"""Fewer round trips to PostgreSQL inside a unit of work: writes nobody waits for travel with the next
statement that must be answered.

An INSERT whose values are all known and whose result nothing reads need not wait for an answer of its
own. `defer` queues it on the transaction's connection; `query` sends the queue and one statement that
must be answered in a single round trip (psycopg's pipeline mode) and returns that statement's rows;
`commit` sends the queue with the COMMIT. Under many clients this counts most inside locked sections:
the audit chain's head is held from its SELECT ... FOR UPDATE to the COMMIT, and every round trip in
between is time every other writer waits.

The order the database sees is the order of the calls, whatever else runs: a statement executed through
SQLAlchemy on the connection, a COPY (`bulk.append_rows`) or a commit by any other path sends the queue
first (engine events set up by `install`), and a rollback drops it. A queued write that fails makes the
next send fail with its error, and the transaction is aborted as it would have been at once.

PostgreSQL only: on SQLite callers execute their statements as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.pq import ExecStatus
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

_QUEUE = "paksa_deferred_writes"  # key in the pooled connection's info: [(sql, params), ...]
_CONNECTION = "paksa_pipeline_connection"  # key in the session's info: (its transaction, that connection)
TUPLES_OK = ExecStatus.TUPLES_OK
Params = Sequence[Any] | Mapping[str, Any]  # psycopg's %s or %(name)s placeholders
Statement = tuple[str, Params | None]


def connection(session: Session) -> Connection:
    """`session.connection()`, remembered for the session's current transaction: a posting asks for it
    about ten times, and each `session.connection()` goes through the ORM's transaction machinery."""
    transaction = session.get_transaction()
    known = session.info.get(_CONNECTION)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1]  # type: ignore[no-any-return]
    conn = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), conn)
    return conn


def defer(session: Session, sql: str, params: Params) -> None:
    """Queue a write in the session's transaction, sent with the next round trip."""
    connection(session).info.setdefault(_QUEUE, []).append((sql, params))
    session.info[_QUEUE] = True  # `commit` looks for a queue only then


def query(session: Session, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
    """Send the queued writes, then `sql`, in one round trip; `sql`'s rows (an empty list if it returns none)."""
    return _send(connection(session), (sql, params))


def send(conn: Connection) -> None:
    """Send whatever is queued on `conn` now (callers about to talk to the connection themselves)."""
    if conn.info.get(_QUEUE):
        _send(conn, None)


def commit(session: Session) -> None:
    """Commit the session; queued writes go in the same round trip as the COMMIT."""
    if session.info.pop(_QUEUE, False):
        conn = connection(session)
        if conn.info.get(_QUEUE):
            session.flush()  # ORM changes first (their statements send the queue ahead of them)
        if conn.info.get(_QUEUE):
            _send(conn, None, commit=True)
    session.commit()  # after a pipelined COMMIT the driver is idle: only SQLAlchemy's bookkeeping is left


def _send(
    conn: Connection, final: Statement | None, *, commit: bool = False, translate: bool = True
) -> list[tuple[Any, ...]]:
    statements: list[Statement] = conn.info.pop(_QUEUE, None) or []
    if final is not None:
        statements.append(final)
    if commit:
        statements.append(("COMMIT", None))
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        if len(statements) == 1:
            cursor.execute(*statements[0])
        else:
            with raw.pipeline():  # one Sync at the end: everything goes out and comes back together
                for sql, params in statements:
                    cursor.execute(sql, params)
        # the cursor holds the last statement's result (its status, not `description`, which builds objects)
        result = cursor.pgresult
        return cursor.fetchall() if final is not None and result is not None and result.status == TUPLES_OK else []
    except conn.dialect.loaded_dbapi.Error as exc:
        if not translate:
            raise
        # SQLAlchemy's own handling, as if it had executed the statement itself: the error wrapped the same
        # way, handle_error listeners (ConnectionLost) called, a dead connection invalidated. Without a
        # statement it is treated as failing in COMMIT, which it is when the COMMIT was in the pipeline.
        failed = None if commit else statements[-1][0]
        conn._handle_dbapi_exception(exc, failed, None, cursor, None)
        raise  # pragma: no cover  (the call above always raises)
    finally:
        cursor.close()


def _send_before_statement(conn: Connection, *_args: Any) -> None:
    if not conn.invalidated and conn.info.get(_QUEUE):
        _send(conn, None, translate=False)  # raised inside SQLAlchemy's execute, which wraps it


def _send_before_commit(conn: Connection) -> None:
    if not conn.invalidated and conn.info.get(_QUEUE):
        _send(conn, None)


def _drop(conn: Connection, *_args: Any) -> None:
    if not conn.invalidated:  # an invalidated connection's queue went with it (a reconnect clears the info)
        conn.info.pop(_QUEUE, None)


def _drop_at_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info.pop(_QUEUE, None)


def install(engine: Engine) -> None:
    """Keep the order on `engine` (PostgreSQL): the queue goes before any other statement and before any
    commit; a rollback, or the connection going back to the pool, drops it."""
    event.listen(engine, "before_cursor_execute", _send_before_statement)
    event.listen(engine, "commit", _send_before_commit)
    event.listen(engine, "rollback", _drop)
    event.listen(engine, "checkin", _drop_at_checkin)
