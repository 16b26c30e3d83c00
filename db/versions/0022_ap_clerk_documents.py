"""AP clerk attaches documents: the vendor's PDF is kept with the bill the clerk enters

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29

The built-in AP clerk role gains document.view and document.attach. The table grants do not change
(the documents tables are already granted to every claimant, row-level security narrowing them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

GRANTS = (("document.view", ("AP clerk",)), ("document.attach", ("AP clerk",)))


def upgrade() -> None:
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )


def downgrade() -> None:
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "DELETE FROM role_permissions WHERE permission = :p "
                    "AND role_id IN (SELECT id FROM roles WHERE name = :r AND is_builtin)"
                ).bindparams(p=permission, r=role)
            )
