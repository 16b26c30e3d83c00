"""bank accounts, imported statements and their lines

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28

A bank account names its GL account, currency, bank and (encrypted) IBAN or account number, with the
last four characters readable for checking a statement file against it. Each imported statement is a
`bank_statements` row and its transactions are `bank_lines`, unique per account by a dedupe key so a
re-import skips what is already there. On PostgreSQL statements are append-only and a line changes only
its matching status. Permissions: the cash catalogue already names `cash.view`, `cash.account.manage`
and `cash.statement.import`; the Controller now also manages bank accounts and imports statements, the
Accountant imports statements.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

GRANTS = (
    ("cash.account.manage", ("Controller",)),
    ("cash.statement.import", ("Controller", "Accountant")),
)

FUNCTIONS = r"""
CREATE FUNCTION paksa_guard_bank_line() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.id, NEW.bank_account_id, NEW.statement_id, NEW.booked, NEW.value_date, NEW.amount, NEW.currency,
        NEW.description, NEW.reference, NEW.bank_id, NEW.counterparty, NEW.counterparty_account, NEW.kind,
        NEW.dedupe_key)
       IS DISTINCT FROM
       (OLD.id, OLD.bank_account_id, OLD.statement_id, OLD.booked, OLD.value_date, OLD.amount, OLD.currency,
        OLD.description, OLD.reference, OLD.bank_id, OLD.counterparty, OLD.counterparty_account, OLD.kind,
        OLD.dedupe_key) THEN
        RAISE EXCEPTION 'bank line %: a line stays as the bank reported it; only its matching status changes', OLD.id
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END
$$;
"""
FUNCTION_NAMES = ("paksa_guard_bank_line()",)

TRIGGERS = r"""
CREATE TRIGGER bank_lines_guard BEFORE UPDATE ON bank_lines FOR EACH ROW EXECUTE FUNCTION paksa_guard_bank_line();
CREATE TRIGGER bank_lines_kept BEFORE DELETE OR TRUNCATE ON bank_lines
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('imported bank lines are never removed');
CREATE TRIGGER bank_statements_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON bank_statements
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('imported statements are kept as imported');
CREATE TRIGGER bank_accounts_kept BEFORE DELETE OR TRUNCATE ON bank_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('bank accounts are deactivated, never removed');
"""
TRIGGER_TABLES = (
    ("bank_lines_guard", "bank_lines"),
    ("bank_lines_kept", "bank_lines"),
    ("bank_statements_append_only", "bank_statements"),
    ("bank_accounts_kept", "bank_accounts"),
)


def upgrade() -> None:
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=True),
        sa.Column("number_last4", sa.String(length=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gl_account_id", sa.Integer(), nullable=False),
        sa.Column("import_profile", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_bank_accounts_created_by_users")),
        sa.ForeignKeyConstraint(
            ["gl_account_id"], ["accounts.id"], name=op.f("fk_bank_accounts_gl_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_bank_accounts_name")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=260), nullable=False),
        sa.Column("statement_ref", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("opening", sa.BigInteger(), nullable=True),
        sa.Column("closing", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_bank_statements_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(["imported_by"], ["users.id"], name=op.f("fk_bank_statements_imported_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_statements_bank_account_id"), ["bank_account_id"], unique=False)
    op.create_table(
        "bank_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("bank_id", sa.String(length=100), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("counterparty_account", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "unmatched",
                "matched",
                "reconciled",
                name="bank_line_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_bank_lines_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["bank_statements.id"], name=op.f("fk_bank_lines_statement_id_bank_statements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_lines")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bank_lines", schema=None) as batch_op:
        batch_op.create_index("ix_bank_lines_bank_account_id_booked", ["bank_account_id", "booked"], unique=False)
        batch_op.create_index(
            "uq_bank_lines_bank_account_id_dedupe_key", ["bank_account_id", "dedupe_key"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_bank_lines_statement_id"), ["statement_id"], unique=False)
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)
        op.execute(TRIGGERS)
        for name in FUNCTION_NAMES:
            op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in TRIGGER_TABLES:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for name in FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION {name}")
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "DELETE FROM role_permissions WHERE permission = :p AND role_id IN "
                    "(SELECT id FROM roles WHERE name = :r AND is_builtin)"
                ).bindparams(p=permission, r=role)
            )
    op.drop_table("bank_lines")
    op.drop_table("bank_statements")
    op.drop_table("bank_accounts")
