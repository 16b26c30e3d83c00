"""The base of every service: each operation checks a named permission, then runs as one unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from paksa_desktop.core.errors import ConflictError
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext


class GuardedService:
    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    @contextmanager
    def _unit(self, permission: str) -> Iterator[Session]:
        """Check the permission, open a write transaction; commit only if the block finishes."""
        self.ctx.require(permission)
        with UnitOfWork(self.engine) as uow:
            try:
                yield uow.session
                uow.commit()
            except StaleDataError:
                raise ConflictError(
                    "the record was changed by another user since you opened it; reload it and try again"
                ) from None

    @contextmanager
    def _read(self, permission: str) -> Iterator[Session]:
        """Check the permission, open a read-only session (closed when the block ends)."""
        self.ctx.require(permission)
        with UnitOfWork(self.engine, write=False) as uow:
            yield uow.session
