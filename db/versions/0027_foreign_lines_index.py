"""foreign lines index: a partial index over journal lines that carry a foreign amount

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29

The account ledger asks which foreign currencies an account's lines are in, and its running balance in
one of them. Without an index on `currency` that reads every line of the account: 2 s for an account of a
million lines on SQLite, on every ledger open, and the same for a base-only account, which has none. The
index holds only lines with a currency (WHERE currency IS NOT NULL, both engines support partial
indexes), keyed (account_id, currency, date) and covering `amount_cur`, so both questions are answered
from a few entries (0.1 ms) and posting a base line, nearly every line, does not touch it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

FOREIGN = sa.text("currency IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_journal_lines_foreign",
        "journal_lines",
        ["account_id", "currency", "date", "amount_cur"],
        unique=False,
        sqlite_where=FOREIGN,
        postgresql_where=FOREIGN,
    )


def downgrade() -> None:
    op.drop_index("ix_journal_lines_foreign", table_name="journal_lines")
