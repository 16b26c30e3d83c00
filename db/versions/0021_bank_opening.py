"""bank opening reconciled balance: where a bank account's reconciliation starts

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29

A bank account whose ledger begins before its first imported statement reconciles from an opening
reconciled date and balance: `reconciled_from` (the last day the bank and the books are taken to agree)
and `opening_reconciled` (the bank's balance at the end of that day, minor units of the account's
currency). Both empty: the reconciliation starts from the first GL line, as before. Kept by account
managers like the rest of the account (`cash.account.manage`, the table's existing grants).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bank_accounts", sa.Column("reconciled_from", sa.Date(), nullable=True))
    op.add_column("bank_accounts", sa.Column("opening_reconciled", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_column("opening_reconciled")
        batch_op.drop_column("reconciled_from")
