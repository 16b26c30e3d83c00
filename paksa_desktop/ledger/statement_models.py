"""Tables behind financial statements and budgets.

A statement's layout (its lines, their order, which accounts feed each) starts as the default in
`statements_layout.py`; a company that customises it stores its own lines here. Budgets hold one
amount per account, month and optional department/project, in ledger sign (debit > 0, credit < 0)
and integer minor units like the posted lines they are compared with.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class StatementLine(Base):
    """One line of a customised statement layout, inside one of the statement's fixed groups."""

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement: Mapped[str] = mapped_column(String(32))  # balance_sheet, income_statement, cash_flow
    group_key: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    # which accounts feed the line by default: space-separated 'type/subtype' patterns ('asset/bank',
    # 'expense/' for an expense account with no subtype); explicit assignments below take precedence
    rules: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("statement", "key", name="uq_statement_lines_key"),)


class StatementLineAccount(Base):
    """An account placed on a line by hand, whatever its subtype says."""

    __tablename__ = "statement_line_accounts"

    statement: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    line_key: Mapped[str] = mapped_column(String(40))


class Budget(Base):
    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class BudgetAmount(Base):
    """A budgeted amount for one account and month (the first day of the month), optionally per dimension."""

    __tablename__ = "budget_amounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    month: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_budget_amounts_budget_month_account", "budget_id", "month", "account_id"),
        # one amount per cell; NULL dimensions compare as distinct in SQL, so the service keeps that rule
        UniqueConstraint(
            "budget_id", "account_id", "month", "department_id", "project_id", name="uq_budget_amounts_cell"
        ),
    )


class StructureVersion(Base):
    """One row whose `version` goes up with every change to what statements keep between runs: accounts,
    statement layouts, the company's settings, budgets (their names, not amounts) and year-end closing
    entries.

    Database triggers bump it (migration 0007), in the same transaction as the change, whoever makes
    it (any client, the CLI, plain SQL), so a cached chart or layout is reused only while its version
    is the one stored. A migration that rebuilds one of those tables on SQLite (batch mode) drops its
    triggers and must create them again; tests/test_migrations.py checks they exist at head.
    """

    __tablename__ = "structure_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
