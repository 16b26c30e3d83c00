"""Printing is audited like exporting: who printed which report, how many pages, on which printer.

`AuditService.record_export` writes the action "export"; a paper copy is a different act an auditor
asks about separately, so it gets its own action, "print", written the same way (after the fact, in
its own unit of work, the permission checked again so nobody records prints they may not make).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from paksa_desktop.audit import trail
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext

PRINT_ACTION = "print"


def record_print(
    engine: Engine, ctx: UserContext, what: str, pages: int, *, permission: str, printer: str = "", **details: Any
) -> None:
    """Append one audit row: action 'print', entity `what` (e.g. 'balance-sheet-2024-06-30')."""
    ctx.require(permission)
    with UnitOfWork(engine) as uow:
        trail.record(uow.session, ctx, PRINT_ACTION, what, after={"pages": pages, "printer": printer, **details})
        uow.commit()
