"""bank reconciliation: links from bank lines to what they settled, finished reconciliations

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28

`bank_line_links` ties a bank line to the receipt recorded from it, the journal line it clears or the
entry posted from it (always naming the cleared line on the bank's GL account). `bank_reconciliations`
records who agreed a statement balance with the books; an undo keeps the row and says who undid it.
Neither is ever deleted on PostgreSQL. Both are written only with `cash.reconcile`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TRIGGERS = r"""
CREATE TRIGGER bank_line_links_kept BEFORE DELETE OR TRUNCATE ON bank_line_links
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('bank line links are kept for the audit trail');
CREATE TRIGGER bank_reconciliations_kept BEFORE DELETE OR TRUNCATE ON bank_reconciliations
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('finished reconciliations are undone, never removed');
"""
TRIGGER_TABLES = (("bank_line_links_kept", "bank_line_links"), ("bank_reconciliations_kept", "bank_reconciliations"))


def upgrade() -> None:
    op.create_table(
        "bank_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("statement_balance", sa.BigInteger(), nullable=False),
        sa.Column("book_balance", sa.BigInteger(), nullable=False),
        sa.Column("uncleared", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("finished_by", sa.Integer(), nullable=True),
        sa.Column("finished_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("undone_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("undo_reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_bank_reconciliations_bank_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(["finished_by"], ["users.id"], name=op.f("fk_bank_reconciliations_finished_by_users")),
        sa.ForeignKeyConstraint(["undone_by"], ["users.id"], name=op.f("fk_bank_reconciliations_undone_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_reconciliations")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bank_reconciliations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_reconciliations_bank_account_id"), ["bank_account_id"], unique=False)
    op.create_table(
        "bank_line_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_line_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "receipt",
                "journal_line",
                "entry",
                name="bank_link_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("journal_line_id", sa.Integer(), nullable=True),
        sa.Column("reconciliation_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_line_id"], ["bank_lines.id"], name=op.f("fk_bank_line_links_bank_line_id_bank_lines")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_bank_line_links_created_by_users")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_bank_line_links_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["journal_line_id"], ["journal_lines.id"], name=op.f("fk_bank_line_links_journal_line_id_journal_lines")
        ),
        sa.ForeignKeyConstraint(["receipt_id"], ["receipts.id"], name=op.f("fk_bank_line_links_receipt_id_receipts")),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["bank_reconciliations.id"],
            name=op.f("fk_bank_line_links_reconciliation_id_bank_reconciliations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_line_links")),
    )
    with op.batch_alter_table("bank_line_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_line_links_bank_line_id"), ["bank_line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_line_links_journal_line_id"), ["journal_line_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGERS)
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in TRIGGER_TABLES:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
    op.drop_table("bank_line_links")
    op.drop_table("bank_reconciliations")
