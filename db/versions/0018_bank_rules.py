"""bank rules: code recurring bank lines (pattern, amount range, counterparty -> GL account, tax, dimensions)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28

`bank_rules` is read by whoever sees the bank (`cash.view`, `cash.reconcile`) and kept by account
managers (`cash.account.manage`); applying a rule posts through the reconciliation, so it needs no
grant of its own here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=True),
        sa.Column("pattern", sa.String(length=200), nullable=False),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.Column("amount_min_e4", sa.BigInteger(), nullable=True),
        sa.Column("amount_max_e4", sa.BigInteger(), nullable=True),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_bank_rules_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_bank_rules_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_bank_rules_created_by_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_bank_rules_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_bank_rules_project_id_projects")),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_bank_rules_tax_code_id_tax_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_bank_rules_name")),
    )
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    op.drop_table("bank_rules")
