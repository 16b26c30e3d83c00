"""credentials, field encryption and IP allowlist

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Field encryption: data key generations, each user's X25519 key pair (private half sealed under the
password), the data key wrapped per reader, and the encrypted bank account number of accounts. The
IP allowlist of PostgreSQL logins. The Administrator role gains the three new permissions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_PERMISSIONS = ("security.sensitive.read", "security.key.rotate", "security.ipallowlist.manage")


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    op.create_table(
        "user_key_pairs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("sealed_private_key", sa.String(length=128), nullable=False),
        sa.Column("kdf_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_key_pairs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_key_pairs")),
    )
    op.create_table(
        "wrapped_data_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data_key_id", sa.Integer(), nullable=False),
        sa.Column("sealed_key", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrapped_data_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_wrapped_data_keys_data_key_id_data_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "data_key_id", name=op.f("pk_wrapped_data_keys")),
    )
    op.create_table(
        "ip_allowlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cidr", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_allowlist")),
        sa.UniqueConstraint("cidr", name=op.f("uq_ip_allowlist_cidr")),
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("bank_account_number", sa.Text(), nullable=True))
    for permission in NEW_PERMISSIONS:
        op.execute(
            sa.text(
                "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                "WHERE r.name = 'Administrator' AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                "WHERE rp.role_id = r.id AND rp.permission = :p)"
            ).bindparams(p=permission)
        )


def downgrade() -> None:
    for permission in NEW_PERMISSIONS:
        op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=permission))
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("bank_account_number")
    op.drop_table("ip_allowlist")
    op.drop_table("wrapped_data_keys")
    op.drop_table("user_key_pairs")
    op.drop_table("data_keys")
