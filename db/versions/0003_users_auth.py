"""users, authentication, MFA, roles and segregation of duties

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Lockout and MFA columns on users, MFA-per-role, recovery codes, the security policy row, the
segregation-of-duties rules and user sessions. Existing companies get the new built-in roles and every
permission their built-in roles now grant (added, never removed: an administrator's own changes to a
built-in role survive), plus the default policy and SoD rules.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paksa_desktop.persistence.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
# The built-in roles and SoD rules as this revision creates them: frozen here, so that a later change to
# paksa_desktop/security/permissions.py reaches existing companies only through a migration of its own.
BUILTIN_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Administrator": (
        "Everything, including users, roles and company settings",
        (
            "analytics.dashboard.manage",
            "analytics.view",
            "assets.asset.manage",
            "assets.depreciation.run",
            "assets.dispose",
            "assets.view",
            "audit.export",
            "audit.view",
            "cash.account.manage",
            "cash.reconcile",
            "cash.statement.import",
            "cash.transfer",
            "cash.view",
            "company.manage",
            "document.attach",
            "document.view",
            "integration.api.manage",
            "integration.job.manage",
            "integration.webhook.manage",
            "ledger.account.manage",
            "ledger.dimension.manage",
            "ledger.entry.create",
            "ledger.entry.post",
            "ledger.entry.reverse",
            "ledger.export",
            "ledger.import",
            "ledger.journal.manage",
            "ledger.lockdate.set",
            "ledger.period.close",
            "ledger.period.reopen",
            "ledger.recurring.manage",
            "ledger.view",
            "payables.bill.approve",
            "payables.bill.create",
            "payables.paymentrun.approve",
            "payables.paymentrun.create",
            "payables.vendor.manage",
            "payables.view",
            "payroll.employee.manage",
            "payroll.payrun.approve",
            "payroll.payrun.create",
            "payroll.view",
            "receivables.creditnote.create",
            "receivables.customer.manage",
            "receivables.dunning.run",
            "receivables.invoice.approve",
            "receivables.invoice.create",
            "receivables.receipt.record",
            "receivables.view",
            "receivables.writeoff",
            "security.activity.view",
            "security.ipallowlist.manage",
            "security.key.rotate",
            "security.policy.manage",
            "security.role.manage",
            "security.sensitive.read",
            "security.user.manage",
            "treasury.deal.approve",
            "treasury.deal.manage",
            "treasury.forecast.manage",
            "treasury.view",
        ),
    ),
    "Controller": (
        "Books, periods, lock date, the chart of accounts and approvals",
        (
            "analytics.dashboard.manage",
            "analytics.view",
            "assets.depreciation.run",
            "assets.dispose",
            "assets.view",
            "audit.export",
            "audit.view",
            "cash.view",
            "document.attach",
            "document.view",
            "ledger.account.manage",
            "ledger.dimension.manage",
            "ledger.entry.create",
            "ledger.entry.post",
            "ledger.entry.reverse",
            "ledger.export",
            "ledger.import",
            "ledger.journal.manage",
            "ledger.lockdate.set",
            "ledger.period.close",
            "ledger.period.reopen",
            "ledger.recurring.manage",
            "ledger.view",
            "payables.bill.approve",
            "payables.view",
            "receivables.invoice.approve",
            "receivables.view",
            "receivables.writeoff",
            "security.activity.view",
            "treasury.view",
        ),
    ),
    "Accountant": (
        "Enter, post and reverse entries; import; fixed assets",
        (
            "analytics.view",
            "assets.asset.manage",
            "assets.view",
            "cash.reconcile",
            "cash.view",
            "document.attach",
            "document.view",
            "ledger.entry.create",
            "ledger.entry.post",
            "ledger.entry.reverse",
            "ledger.export",
            "ledger.import",
            "ledger.recurring.manage",
            "ledger.view",
            "payables.view",
            "receivables.view",
        ),
    ),
    "AR clerk": (
        "Customers, invoices, receipts and dunning",
        (
            "cash.view",
            "ledger.export",
            "ledger.view",
            "receivables.creditnote.create",
            "receivables.customer.manage",
            "receivables.dunning.run",
            "receivables.invoice.create",
            "receivables.receipt.record",
            "receivables.view",
        ),
    ),
    "AP clerk": (
        "Vendors, bills and payment proposals",
        (
            "cash.view",
            "ledger.export",
            "ledger.view",
            "payables.bill.create",
            "payables.paymentrun.create",
            "payables.vendor.manage",
            "payables.view",
        ),
    ),
    "Payroll officer": (
        "Employees and pay runs",
        (
            "ledger.view",
            "payroll.employee.manage",
            "payroll.payrun.create",
            "payroll.view",
            "security.sensitive.read",
        ),
    ),
    "Treasurer": (
        "Bank accounts, transfers, treasury deals; releases payment runs",
        (
            "cash.account.manage",
            "cash.reconcile",
            "cash.statement.import",
            "cash.transfer",
            "cash.view",
            "ledger.export",
            "ledger.view",
            "payables.paymentrun.approve",
            "payables.view",
            "security.sensitive.read",
            "treasury.deal.manage",
            "treasury.forecast.manage",
            "treasury.view",
        ),
    ),
    "Auditor": (
        "Read everything including the audit trail and user activity; change nothing",
        (
            "analytics.view",
            "assets.view",
            "audit.export",
            "audit.view",
            "cash.view",
            "document.view",
            "ledger.export",
            "ledger.view",
            "payables.view",
            "payroll.view",
            "receivables.view",
            "security.activity.view",
            "treasury.view",
        ),
    ),
    "Viewer": (
        "Read the books",
        (
            "analytics.view",
            "assets.view",
            "cash.view",
            "document.view",
            "ledger.export",
            "ledger.view",
            "payables.view",
            "receivables.view",
            "treasury.view",
        ),
    ),
}
DEFAULT_SOD_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "payables.vendor.manage",
        "payables.paymentrun.approve",
        "who maintains vendors (bank details) must not release payments",
    ),
    ("payables.bill.create", "payables.paymentrun.approve", "who enters bills must not release their payment"),
    ("receivables.invoice.create", "receivables.writeoff", "who invoices must not write receivables off"),
    ("payroll.employee.manage", "payroll.payrun.approve", "who maintains employees must not approve pay runs"),
    ("treasury.deal.manage", "treasury.deal.approve", "who books treasury deals must not approve them"),
)


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy-and-move: on SQLite (foreign keys on) recreating users or roles
    # would cascade-delete every user_roles and role_permissions row of an existing company.
    for column in (
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("password_changed_at", UtcDateTime(), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("mfa_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("mfa_secret", sa.String(length=64), nullable=True),
        sa.Column("mfa_last_step", sa.BigInteger(), nullable=True),
    ):
        op.add_column("users", column)
    op.add_column("roles", sa.Column("mfa_required", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)

    policy = op.create_table(
        "security_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_password_length", sa.Integer(), nullable=False),
        sa.Column("max_failed_logins", sa.Integer(), nullable=False),
        sa.Column("lockout_minutes", sa.Integer(), nullable=False),
        sa.Column("idle_lock_minutes", sa.Integer(), nullable=False),
        sa.Column("creator_cannot_approve", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_policy")),
    )
    rules = op.create_table(
        "sod_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permission_a", sa.String(length=64), nullable=False),
        sa.Column("permission_b", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sod_rules")),
        sa.UniqueConstraint("permission_a", "permission_b", name=op.f("uq_sod_rules_permission_a_permission_b")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("client", sa.String(length=32), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_user_sessions_user_started", ["user_id", "started_at"], unique=False)

    op.bulk_insert(
        policy,
        [
            {
                "id": 1,
                "min_password_length": 12,
                "max_failed_logins": 5,
                "lockout_minutes": 15,
                "idle_lock_minutes": 15,
                "creator_cannot_approve": False,
                "version": 1,
            }
        ],
    )
    op.bulk_insert(rules, [{"permission_a": a, "permission_b": b, "description": d} for a, b, d in DEFAULT_SOD_RULES])
    _sync_builtin_roles(op.get_bind())


def _sync_builtin_roles(conn: sa.Connection) -> None:
    """Create missing built-in roles and add the permissions they now grant (never remove any)."""
    roles = sa.table(
        "roles",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("is_builtin", sa.Boolean),
        sa.column("mfa_required", sa.Boolean),
    )
    grants = sa.table("role_permissions", sa.column("role_id", sa.Integer), sa.column("permission", sa.String))
    existing = dict(conn.execute(sa.select(roles.c.name, roles.c.id)).all())
    for name, (description, permissions) in BUILTIN_ROLES.items():
        if name not in existing:
            conn.execute(roles.insert().values(name=name, description=description, is_builtin=True, mfa_required=False))
            existing[name] = conn.execute(sa.select(roles.c.id).where(roles.c.name == name)).scalar_one()
        role_id = existing[name]
        held = set(conn.execute(sa.select(grants.c.permission).where(grants.c.role_id == role_id)).scalars())
        missing = sorted(set(permissions) - held)
        if missing:
            conn.execute(grants.insert(), [{"role_id": role_id, "permission": p} for p in missing])


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_user_sessions_user_started")
    op.drop_table("user_sessions")
    op.drop_table("sod_rules")
    op.drop_table("security_policy")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    # plain DROP COLUMN (SQLite >= 3.35), for the same reason as in upgrade: no table copy, no cascade
    op.drop_column("roles", "mfa_required")
    for column in (
        "mfa_last_step",
        "mfa_secret",
        "mfa_enabled",
        "must_change_password",
        "password_changed_at",
        "locked_until",
        "failed_logins",
    ):
        op.drop_column("users", column)
