"""line currency: foreign-currency amounts on journal lines (and draft lines)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

`journal_lines.currency` and `journal_lines.amount_cur` carry what a line is worth in the currency the money
moved in, beside its base `amount`: signed minor units of `currency`, the same sign as `amount` (zero only
for a base-only adjustment such as a revaluation). NULL in both means a base-currency line, which every
line posted before this revision is, and most lines stay: nothing has to be rewritten, the columns cost
nothing on base lines, and a base line cannot disagree with itself. A foreign bank account's balance in its
own currency is the sum of `amount_cur` of its GL account's lines in that currency.

Both columns are plain nullable additions (ALTER TABLE ... ADD COLUMN on both engines: no table rebuild),
so the SQLite triggers and the PostgreSQL backstops of migrations 0007 and 0013 stay as they are: the
append-only trigger still refuses any UPDATE or DELETE, and the per-statement check of added lines reads
named columns only. The covering index (account_id, date, id, amount) is left alone: the sums that need
`amount_cur` read one bank account's lines (a few thousand), and a wider index would slow bulk posting.
Drafts get the same two columns so a saved draft keeps its foreign amounts until it is posted.

On PostgreSQL a CHECK backstops the shape the Poster enforces (both columns or neither, a three-letter
code, `amount_cur` of the same sign as `amount` or zero). Adding it reads the table once (about a second
per million lines; every existing line is NULL in both and passes). It is not added NOT VALID, which
would spare that read, because SQLAlchemy's reflection of a NOT VALID constraint breaks the schema
comparison of tests/test_migrations.py. SQLite would have to rebuild the table to add one; there the
Poster, the only writer, is the rule.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


CHECK_NAME = "ck_journal_lines_line_currency"
CHECK = (
    "(currency IS NULL) = (amount_cur IS NULL) AND (currency IS NULL OR currency ~ '^[A-Z]{3}$') "
    "AND (amount_cur IS NULL OR amount_cur = 0 OR (amount_cur > 0) = (amount > 0))"
)


def upgrade() -> None:
    for table in ("journal_lines", "draft_lines"):
        op.add_column(table, sa.Column("currency", sa.String(length=3), nullable=True))
        op.add_column(table, sa.Column("amount_cur", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE journal_lines ADD CONSTRAINT {CHECK_NAME} CHECK ({CHECK})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE journal_lines DROP CONSTRAINT {CHECK_NAME}")
    for table in ("draft_lines", "journal_lines"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("amount_cur")
            batch_op.drop_column("currency")
