"""payment runs net money on account: a run item may use a vendor's unapplied payment instead of a bill

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29

A payment run now uses each vendor's money on account (the unapplied remainder of its payments) against
the bills it pays, after the credit notes. Such an item names the payment (`on_account_payment_id`) and no
bill, so `payment_run_items.bill_id` becomes nullable; exactly one of the two is set. On PostgreSQL the run
items' guard (0024) learns the new column: a posted or cancelled run's items stay as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

GUARD = r"""
CREATE OR REPLACE FUNCTION paksa_guard_payment_run_items() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    run record;
BEGIN
    SELECT r.id, r.state INTO run FROM public.payment_runs r
     WHERE r.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END;
    IF NOT FOUND OR run.state NOT IN ('posted', 'cancelled') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP <> 'UPDATE'
       OR (NEW.run_id, NEW.vendor_id, NEW.bill_id, NEW.on_account_payment_id, NEW.amount, NEW.discount,
           NEW.withheld, NEW.included)
          IS DISTINCT FROM
          (OLD.run_id, OLD.vendor_id, OLD.bill_id, OLD.on_account_payment_id, OLD.amount, OLD.discount,
           OLD.withheld, OLD.included)
       OR (OLD.payment_id IS NOT NULL AND NEW.payment_id IS DISTINCT FROM OLD.payment_id) THEN
        RAISE EXCEPTION 'payment run % is %: its items are never changed', run.id, run.state;
    END IF;
    RETURN NEW;
END
$$;
"""
OLD_GUARD = GUARD.replace(" NEW.on_account_payment_id,", "").replace(" OLD.on_account_payment_id,", "")


def upgrade() -> None:
    with op.batch_alter_table("payment_run_items", schema=None) as batch_op:
        batch_op.alter_column("bill_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("on_account_payment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_run_items_on_account_payment_id_vendor_payments"),
            "vendor_payments",
            ["on_account_payment_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_payment_run_items_one_source"), "(bill_id IS NULL) <> (on_account_payment_id IS NULL)"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(OLD_GUARD)
    op.execute("DELETE FROM payment_run_items WHERE bill_id IS NULL")
    with op.batch_alter_table("payment_run_items", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payment_run_items_one_source"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_payment_run_items_on_account_payment_id_vendor_payments"), type_="foreignkey"
        )
        batch_op.drop_column("on_account_payment_id")
        batch_op.alter_column("bill_id", existing_type=sa.Integer(), nullable=False)
