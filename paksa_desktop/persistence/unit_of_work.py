"""One database transaction per user action: commit explicitly, or nothing happened."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from paksa_desktop.persistence import pipeline
from paksa_desktop.persistence.engine import WRITE_OPTION


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed rolls back.

    Sessions never outlive the block, so no ORM object escapes to the GUI attached to a session.
    """

    def __init__(self, engine: Engine, *, write: bool = True, transaction: bool = True) -> None:
        """`transaction=False` (reads only): on PostgreSQL each statement runs on its own (autocommit), with
        no BEGIN and COMMIT around them, two round trips fewer. For reads whose statements need no common
        transaction, which at READ COMMITTED gives each statement its own snapshot anyway; not for a read
        that streams (a server-side cursor lives in a transaction)."""
        postgres = engine.dialect.name == "postgresql"
        # Other PostgreSQL reads run in a READ ONLY transaction that is committed at the end, not rolled
        # back: the two end it alike when nothing can have been written, but a ROLLBACK makes psycopg drop
        # every prepared statement of the connection (and send DEALLOCATE ALL), so the statements of the
        # next postings would be parsed and planned again from scratch.
        self._commit_read = not write and postgres
        if write:
            self._bind = engine.execution_options(**{WRITE_OPTION: True})
        elif postgres and not transaction:
            self._bind = engine.execution_options(isolation_level="AUTOCOMMIT")
        elif postgres:
            self._bind = engine.execution_options(postgresql_readonly=True)
        else:
            self._bind = engine
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._bind, expire_on_commit=False, autoflush=True)
        return self

    def commit(self) -> None:
        pipeline.commit(self.session)  # writes still queued go with the COMMIT (PostgreSQL)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._commit_read and exc_type is None and self.session.in_transaction():
                self.session.commit()
            self.session.rollback()
        finally:
            self.session.close()


_AFTER_COMMIT = "paksa_after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's current transaction has committed; never if it rolls back.

    One listener for all sessions, registered once below: a listener registered on each session costs
    more than a posting's own Python work."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        callback()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def read_connection(engine: Engine) -> Connection:
    """A plain connection for reads that need no ORM session: on PostgreSQL in autocommit (each statement
    its own snapshot, no BEGIN, and no ROLLBACK at its return to the pool, which would make psycopg drop
    the connection's prepared statements); on SQLite the usual deferred transaction."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.connect()
