"""expense claims: the claimant's vendor record is set when the claim is approved

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30

A claim is its author's (`created_by`) from the first draft; the vendor record that stands for the
claimant (is_employee, user_id) is looked up or created by the approver when the claim is approved and
posted, so `expense_claims.claimant_id` is empty until then. Claimants never insert vendors: that
grant stays with vendor managers and approvers (table_access.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("expense_claims", schema=None) as batch_op:
        batch_op.alter_column("claimant_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM expense_claims WHERE claimant_id IS NULL")  # drafts nobody approved yet
    with op.batch_alter_table("expense_claims", schema=None) as batch_op:
        batch_op.alter_column("claimant_id", existing_type=sa.Integer(), nullable=False)
