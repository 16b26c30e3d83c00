"""receivables printing and dunning: payment instructions on invoices, interest per dunned invoice

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

`receivables_settings.payment_instructions` is the text printed at the foot of every invoice and
statement (bank, account, reference to quote): the company has no other place for it, and a bank
account's number is an encrypted field not every clerk may read. `dunning_letter_lines.interest` is the
interest (base minor units) a letter charged on that invoice, so the next letter charges interest only
from that day on; `dunning_letter_lines.dunned` tells the invoices a letter dunned (their level rose or
the last level was repeated) from those it only listed as overdue.

Plain ADD COLUMNs with server defaults: SQLite alters the tables in place (no batch rebuild, so no
trigger needs creating again) and existing rows get '' / 0 / true.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "receivables_settings", sa.Column("payment_instructions", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("dunning_letter_lines", sa.Column("interest", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("dunning_letter_lines", sa.Column("dunned", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("dunning_letter_lines", schema=None) as batch_op:
        batch_op.drop_column("dunned")
        batch_op.drop_column("interest")
    with op.batch_alter_table("receivables_settings", schema=None) as batch_op:
        batch_op.drop_column("payment_instructions")
