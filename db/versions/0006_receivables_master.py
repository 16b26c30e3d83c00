"""receivables master data: tax codes, customers, items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Sales tax codes (rate in ten-thousandths of a percent, inclusive or exclusive, the liability they
post to), customers with their contacts and addresses, items and services, and the company's tax
rounding (per line or per total). Two new permissions: tax codes (Administrator, Controller) and
items (Administrator, AR clerk).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GRANTS = (
    ("ledger.taxcode.manage", ("Administrator", "Controller")),
    ("receivables.item.manage", ("Administrator", "AR clerk")),
)


def upgrade() -> None:
    with op.batch_alter_table("company") as batch:
        batch.add_column(sa.Column("tax_rounding", sa.String(length=32), server_default="line", nullable=False))
        batch.create_check_constraint(op.f("ck_company_tax_rounding"), "tax_rounding IN ('line', 'total')")
    op.create_table(
        "tax_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate_e4", sa.Integer(), nullable=False),
        sa.Column("inclusive", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_tax_codes_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_tax_codes_code")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms", sa.String(length=40), nullable=False),
        sa.Column("credit_limit", sa.BigInteger(), nullable=True),
        sa.Column("credit_hold", sa.Boolean(), nullable=False),
        sa.Column("income_account_id", sa.Integer(), nullable=True),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("tax_number", sa.String(length=50), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["income_account_id"], ["accounts.id"], name=op.f("fk_customers_income_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_customers_tax_code_id_tax_codes")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_customers_created_by_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_customers_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
    )
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_contacts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
    )
    op.create_index(op.f("ix_customer_contacts_customer_id"), "customer_contacts", ["customer_id"])
    op.create_table(
        "customer_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("billing", "shipping", name="address_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_addresses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_addresses")),
    )
    op.create_index(op.f("ix_customer_addresses_customer_id"), "customer_addresses", ["customer_id"])
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("income_account_id", sa.Integer(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["income_account_id"], ["accounts.id"], name=op.f("fk_items_income_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_items_tax_code_id_tax_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("code", name=op.f("uq_items_code")),
    )
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )


def downgrade() -> None:
    for permission, _roles in GRANTS:
        op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=permission))
    op.drop_table("items")
    op.drop_index(op.f("ix_customer_addresses_customer_id"), table_name="customer_addresses")
    op.drop_table("customer_addresses")
    op.drop_index(op.f("ix_customer_contacts_customer_id"), table_name="customer_contacts")
    op.drop_table("customer_contacts")
    op.drop_table("customers")
    op.drop_table("tax_codes")
    with op.batch_alter_table("company") as batch:
        batch.drop_constraint(op.f("ck_company_tax_rounding"), type_="check")
        batch.drop_column("tax_rounding")
