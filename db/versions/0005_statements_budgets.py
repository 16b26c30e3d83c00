"""financial statement layouts, budgets, company logo

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Customised statement lines and hand-placed accounts, budgets with monthly amounts per account and
optional department/project, the company logo printed on reports, and a partial index finding the
year-end closing entries that statements of a period leave out. The Administrator and
Controller roles gain the two new permissions (budgets, statement layouts).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_PERMISSIONS = ("ledger.budget.manage", "ledger.layout.manage")
ROLES = ("Administrator", "Controller")


def upgrade() -> None:
    op.add_column("company", sa.Column("logo", sa.LargeBinary(), nullable=True))
    op.create_index(
        "ix_journal_entries_closing",
        "journal_entries",
        ["id"],
        sqlite_where=sa.text("source = 'closing'"),
        postgresql_where=sa.text("source = 'closing'"),
    )
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.String(length=32), nullable=False),
        sa.Column("group_key", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_lines")),
        sa.UniqueConstraint("statement", "key", name=op.f("uq_statement_lines_key")),
    )
    op.create_table(
        "statement_line_accounts",
        sa.Column("statement", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_statement_line_accounts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement", "account_id", name=op.f("pk_statement_line_accounts")),
    )
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint("name", name=op.f("uq_budgets_name")),
    )
    op.create_table(
        "budget_amounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_amounts_budget_id_budgets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_budget_amounts_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_budget_amounts_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_budget_amounts_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_amounts")),
        sa.UniqueConstraint(
            "budget_id",
            "account_id",
            "month",
            "department_id",
            "project_id",
            name=op.f("uq_budget_amounts_cell"),
        ),
    )
    op.create_index("ix_budget_amounts_budget_month_account", "budget_amounts", ["budget_id", "month", "account_id"])
    for permission in NEW_PERMISSIONS:
        for role in ROLES:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )


def downgrade() -> None:
    for permission in NEW_PERMISSIONS:
        op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=permission))
    op.drop_index("ix_budget_amounts_budget_month_account", table_name="budget_amounts")
    op.drop_table("budget_amounts")
    op.drop_table("budgets")
    op.drop_table("statement_line_accounts")
    op.drop_table("statement_lines")
    op.drop_index("ix_journal_entries_closing", table_name="journal_entries")
    op.drop_column("company", "logo")
