"""One database transaction per user action: commit explicitly, or nothing happened."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from paksa_desktop.persistence import pipeline
from paksa_desktop.persistence.engine import WRITE_OPTION


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed rolls back.

    Sessions never outlive the block, so no ORM object escapes to the GUI attached to a session.
    """

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
        self._bind = bind
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
            self.session.rollback()
        finally:
            self.session.close()
