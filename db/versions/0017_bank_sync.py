"""bank connections: a watched folder or a bank API per bank account, and where its last sync stopped

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28

`bank_connections` holds one row per connected bank account: the kind (folder | http), the folder or
the API's base URL, OAuth2 token URL and client id, the bank's id of the account, and the sync cursor.
Secrets (client secret, API token) are never stored here: they live in the OS keyring. Account
managers (`cash.account.manage`) set connections up; a sync (`cash.statement.import`) moves the cursor.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_connections",
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "folder", "http", name="bank_connection_kind", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("account_ref", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("last_sync_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_bank_connections_bank_account_id_bank_accounts")
        ),
        sa.PrimaryKeyConstraint("bank_account_id", name=op.f("pk_bank_connections")),
    )
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    op.drop_table("bank_connections")
