"""fx revaluation: where unrealised exchange differences post, and one record per revaluation day

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28

`fx_settings` (one row, optional) names the unrealised gain and loss accounts and the journal of
period-end revaluations; without it the standard chart's 4120 / 7020 and journal GEN are used.
`fx_revaluations` records each posted revaluation with its reversal; the day is unique, so a second
run for the same day is refused by the database as well as by the service.

Revaluation entries carry the source 'fx_revaluation'. They post with the general ledger's own
permission (`ledger.entry.post`), which is what `paksa_posting_permission` already answers for any
source it does not name, so the function is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paksa_desktop.persistence.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unrealised_gain_account_id", sa.Integer(), nullable=True),
        sa.Column("unrealised_loss_account_id", sa.Integer(), nullable=True),
        sa.Column("journal_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unrealised_gain_account_id"],
            ["accounts.id"],
            name=op.f("fk_fx_settings_unrealised_gain_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["unrealised_loss_account_id"],
            ["accounts.id"],
            name=op.f("fk_fx_settings_unrealised_loss_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(["journal_id"], ["journals.id"], name=op.f("fk_fx_settings_journal_id_journals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_settings")),
    )
    op.create_table(
        "fx_revaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("reversal_entry_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_fx_revaluations_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_fx_revaluations_reversal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_fx_revaluations_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_revaluations")),
        sa.UniqueConstraint("day", name=op.f("uq_fx_revaluations_day")),
    )


def downgrade() -> None:
    op.drop_table("fx_revaluations")
    op.drop_table("fx_settings")
