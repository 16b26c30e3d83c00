"""receivables entry indexes: the receivables rows found by their GL entry

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

On PostgreSQL, every entry that says it comes from receivables is checked at commit to be referred to by
an invoice, a receipt or a settlement (paksa_check_subledger_link, migration 0010). Without an index on
the rows' entry columns each check scanned the whole invoices table, so an import of 10,000 invoices
made 10,000 scans of a growing table (210 s where the same entries as a journal took 62 s, measured by
tests/benchmarks/receivables_scale.py). With these indexes each check is a few index probes. Finding a
document from its entry (drill-down from the journal) uses them too.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_invoices_entry_id", "invoices", "entry_id"),
    ("ix_receipts_entry_id", "receipts", "entry_id"),
    ("ix_settlements_entry_id", "settlements", "entry_id"),
    ("ix_settlements_reversal_entry_id", "settlements", "reversal_entry_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _column in reversed(INDEXES):
        op.drop_index(name, table_name=table)
