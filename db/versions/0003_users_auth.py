"""users, authentication, MFA, roles and segregation of duties

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Reserved in the chain so that the security-and-audit work can land in parallel; it changes nothing
until that work fills it in.
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
