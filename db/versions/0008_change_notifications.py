"""change notifications for live refresh (PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

A statement-level trigger on every table that screens show calls one function doing
`pg_notify('paksa_changes', <kind>)`, so other clients refresh when a change commits. The tables
and their kinds come from paksa_desktop.persistence.notifications.CHANGE_KINDS (the one mapping);
later migrations that add tables get their triggers from the same call, which
`migrations.upgrade` repeats after every upgrade. Nothing happens on SQLite (one program per file).
"""

from __future__ import annotations

from alembic import op

from paksa_desktop.persistence.notifications import install_change_triggers, remove_change_triggers

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    remove_change_triggers(op.get_bind())
