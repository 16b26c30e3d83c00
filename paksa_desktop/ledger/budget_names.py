"""The names of the company's budgets, for the 'compare with budget' chooser of the statements screen.

Reading names needs only `ledger.view` (the statements compare with any budget); entering budgets is
the budgets module's business.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from paksa_desktop.ledger.statement_models import Budget
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission


def budget_names(engine: Engine, ctx: UserContext) -> list[str]:
    ctx.require(Permission.LEDGER_VIEW)
    with UnitOfWork(engine, write=False) as uow:
        return list(uow.session.execute(select(Budget.name).order_by(Budget.name)).scalars())
