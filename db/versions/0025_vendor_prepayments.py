"""vendor prepayments and refunds: payments on account, vendor credit refunded into a bank account

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29

A vendor payment may now keep an unapplied remainder (`vendor_payments.unapplied`, there since 0019): money
paid ahead of a bill, a debit on the vendor's payable. `vendor_payments.control_account_id` names the
payable control account that remainder sits on (the one the payment was posted to), so applying it later
or refunding it credits the same account whatever the settings say by then. NULL for payments posted
before this revision: they never kept a remainder.

`vendor_refunds` holds money a vendor paid back: the rest of a prepayment (`payment_id`) or of an open
credit note (`credit_note_id`), into a bank account (Dr bank, Cr payable). `amount` is in the source's
currency; `base_amount` what reached the bank at the refund's rate; `source_base` what it used of the
source's base value (cumulative, like allocations' `source_base`), the difference being an exchange
gain or loss. A refund is voided, never deleted.

On PostgreSQL the payables link check (an entry with an `ap_` source must be referred to by a payables
row) learns the refunds' entries and their voids, the posted-payment guard of 0024 covers the new
`control_account_id`, and a refund gets the payments' backstop: never edited, voided once, never removed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

LINK_CHECK = r"""
CREATE OR REPLACE FUNCTION paksa_check_payables_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM public.bills WHERE entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.vendor_payments WHERE entry_id = NEW.id OR void_entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.payment_allocations
                        WHERE entry_id = NEW.id OR reversal_entry_id = NEW.id)
            %s) THEN
        RAISE EXCEPTION 'entry %% says it comes from payables (%%) but no payables document refers to it',
            coalesce(NEW.number, NEW.id::text), NEW.source;
    END IF;
    RETURN NULL;
END
$$;
"""
PAYMENT_COLUMNS = (
    "vendor_id, number, fiscal_year_id, sequence, date, method, bank_account_id, currency, rate, amount, "
    "base_amount, reference, run_id, entry_id, created_by"
)
PAYMENT_GUARD = r"""
CREATE OR REPLACE FUNCTION paksa_guard_vendor_payment() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (%(new)s) IS DISTINCT FROM (%(old)s) THEN
        RAISE EXCEPTION 'payment %% is posted: it is never edited; void it', OLD.number;
    END IF;
    IF OLD.voided_on IS NOT NULL AND (NEW.voided_on, NEW.void_entry_id, NEW.void_reason)
                                     IS DISTINCT FROM (OLD.voided_on, OLD.void_entry_id, OLD.void_reason) THEN
        RAISE EXCEPTION 'payment %% was voided on %%: a void is never changed', OLD.number, OLD.voided_on;
    END IF;
    IF NEW.unapplied < 0 OR NEW.unapplied > NEW.amount THEN
        RAISE EXCEPTION 'payment %%: its unapplied amount %% is outside 0 to %%', NEW.number, NEW.unapplied, NEW.amount;
    END IF;
    RETURN NEW;
END
$$;
"""
REFUND_COLUMNS = (
    "vendor_id, payment_id, credit_note_id, date, bank_account_id, currency, rate, amount, base_amount, "
    "source_base, reference, memo, entry_id, created_by, created_at"
)
REFUND_GUARD = r"""
CREATE FUNCTION paksa_guard_vendor_refund() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (%(new)s) IS DISTINCT FROM (%(old)s) THEN
        RAISE EXCEPTION 'vendor refund %% is posted: it is never edited; void it', OLD.id;
    END IF;
    IF OLD.voided_on IS NOT NULL AND (NEW.voided_on, NEW.void_entry_id, NEW.void_reason)
                                     IS DISTINCT FROM (OLD.voided_on, OLD.void_entry_id, OLD.void_reason) THEN
        RAISE EXCEPTION 'vendor refund %% was voided on %%: a void is never changed', OLD.id, OLD.voided_on;
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION paksa_guard_vendor_refund() FROM PUBLIC;
CREATE TRIGGER vendor_refunds_guard BEFORE UPDATE ON vendor_refunds
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_vendor_refund();
CREATE TRIGGER vendor_refunds_kept BEFORE DELETE OR TRUNCATE ON vendor_refunds
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('vendor refunds are never removed; void them');
"""


def _rows(columns: str) -> dict[str, str]:
    names = [c.strip() for c in columns.split(",")]
    return {"new": ", ".join(f"NEW.{c}" for c in names), "old": ", ".join(f"OLD.{c}" for c in names)}


REFUNDS = "OR EXISTS (SELECT 1 FROM public.vendor_refunds WHERE entry_id = NEW.id OR void_entry_id = NEW.id)"


def upgrade() -> None:
    with op.batch_alter_table("vendor_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("control_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vendor_payments_control_account_id_accounts"), "accounts", ["control_account_id"], ["id"]
        )
    op.create_table(
        "vendor_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("source_base", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("voided_on", sa.Date(), nullable=True),
        sa.Column("void_entry_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_vendor_refunds_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_vendor_refunds_created_by_users")),
        sa.ForeignKeyConstraint(["credit_note_id"], ["bills.id"], name=op.f("fk_vendor_refunds_credit_note_id_bills")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_vendor_refunds_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["vendor_payments.id"], name=op.f("fk_vendor_refunds_payment_id_vendor_payments")
        ),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_vendor_refunds_vendor_id_vendors")),
        sa.ForeignKeyConstraint(
            ["void_entry_id"], ["journal_entries.id"], name=op.f("fk_vendor_refunds_void_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_refunds")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("vendor_refunds", schema=None) as batch_op:
        for column in ("vendor_id", "payment_id", "credit_note_id", "entry_id", "void_entry_id"):
            batch_op.create_index(batch_op.f(f"ix_vendor_refunds_{column}"), [column], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LINK_CHECK % REFUNDS)
        op.execute(PAYMENT_GUARD % _rows(PAYMENT_COLUMNS + ", control_account_id"))
        op.execute(REFUND_GUARD % _rows(REFUND_COLUMNS))
    install_change_triggers(op.get_bind())  # vendor_refunds tells the payments screens


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER vendor_refunds_kept ON vendor_refunds")
        op.execute("DROP TRIGGER vendor_refunds_guard ON vendor_refunds")
        op.execute("DROP FUNCTION paksa_guard_vendor_refund()")
        op.execute(PAYMENT_GUARD % _rows(PAYMENT_COLUMNS))
        op.execute(LINK_CHECK % "")
    with op.batch_alter_table("vendor_refunds", schema=None) as batch_op:
        for column in ("void_entry_id", "entry_id", "credit_note_id", "payment_id", "vendor_id"):
            batch_op.drop_index(batch_op.f(f"ix_vendor_refunds_{column}"))
    op.drop_table("vendor_refunds")
    with op.batch_alter_table("vendor_payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vendor_payments_control_account_id_accounts"), type_="foreignkey")
        batch_op.drop_column("control_account_id")
