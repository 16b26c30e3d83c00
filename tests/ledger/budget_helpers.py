"""Budget tests read like the grid: cell("4010", "2025-03", "1000.00") is revenue of 1000 in March 2025."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.ledger.budgets import BudgetCell, BudgetQueries, BudgetService
from paksa_desktop.ledger.models import Account
from paksa_desktop.ledger.statement_models import Budget, BudgetAmount
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books


def cell(
    account: str, month: str, amount: str, department: str | None = None, project: str | None = None
) -> BudgetCell:
    return BudgetCell(account, date.fromisoformat(f"{month}-01"), Decimal(amount), department, project)


def budgets(books: Books) -> BudgetService:
    return books.company.budgets(books.ctx)


def budget_queries(books: Books) -> BudgetQueries:
    return books.company.budget_queries(books.ctx)


def stored(books: Books, budget: str | None = None) -> list[tuple[str, date, int | None, int | None, int]]:
    """Raw rows of budget_amounts (ledger sign, minor units), in the same order on both engines."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        stmt = (
            select(
                Account.code,
                BudgetAmount.month,
                BudgetAmount.department_id,
                BudgetAmount.project_id,
                BudgetAmount.amount,
            )
            .join(Account, Account.id == BudgetAmount.account_id)
            .join(Budget, Budget.id == BudgetAmount.budget_id)
        )
        if budget is not None:
            stmt = stmt.where(Budget.name == budget)
        rows = [tuple(r) for r in uow.session.execute(stmt)]
    return sorted(rows, key=lambda r: (r[0], r[1], r[2] or 0, r[3] or 0))  # type: ignore[return-value]


def audit_rows(books: Books, entity: str = "budget") -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(action, entity id, before, after) of every audit row about `entity`, oldest first."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(AuditRecord.action, AuditRecord.entity_id, AuditRecord.before, AuditRecord.after)
            .where(AuditRecord.entity == entity)
            .order_by(AuditRecord.seq)
        ).all()
    return [(a, i, json.loads(b) if b else {}, json.loads(c) if c else {}) for a, i, b, c in rows]


def dimensions(books: Books) -> Books:
    books.ledger.create_department("SALES", "Sales")
    books.ledger.create_department("OPS", "Operations")
    books.ledger.create_project("WEB", "Website")
    return books
