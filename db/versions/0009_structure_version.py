"""structure version: a counter that triggers bump when accounts, layouts, company, budgets or closings change

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

Statements keep the chart of accounts, their layouts, the company's settings, the list of budgets
(not their amounts) and the list of year-end closing entries between runs, and reuse them only while
this counter is unchanged. The counter is bumped by triggers on the tables themselves, so no writer
(another client, the CLI, an import, plain SQL) can change them without the next statement noticing.
Closing entries are matched by their source, so ordinary postings never touch the counter (no
contention between users posting).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# tables whose every change bumps the counter
WATCHED = ("accounts", "journals", "statement_lines", "statement_line_accounts", "company", "budgets")
# journal entries: only closing entries matter (statements of a period leave them out)
CLOSING = {
    "INSERT": "NEW.source = 'closing'",
    "UPDATE": "OLD.source = 'closing' OR NEW.source = 'closing'",
    "DELETE": "OLD.source = 'closing'",
}
BUMP = "UPDATE structure_version SET version = version + 1"
FUNCTION = "paksa_bump_structure_version"


def _triggers() -> list[tuple[str, str, str, str | None]]:
    """(trigger name, table, operation, row condition or None)."""
    found: list[tuple[str, str, str, str | None]] = [
        (f"trg_{table}_{op_name.lower()}_structure", table, op_name, None)
        for table in WATCHED
        for op_name in ("INSERT", "UPDATE", "DELETE")
    ]
    found += [
        (f"trg_journal_entries_{op_name.lower()}_structure", "journal_entries", op_name, condition)
        for op_name, condition in CLOSING.items()
    ]
    return found


def upgrade() -> None:
    op.create_table(
        "structure_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structure_version")),
    )
    op.execute("INSERT INTO structure_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        # SECURITY DEFINER: a user allowed to change accounts needs no grant on the counter itself
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            f"SET search_path = public, pg_temp AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for name, table, op_name, condition in _triggers():
            if condition is None:  # once per statement, however many rows it touched
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {op_name} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {op_name} ON {table} "
                    f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {FUNCTION}()"
                )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER trg_{table}_truncate_structure AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    else:
        for name, table, op_name, condition in _triggers():
            when = f" WHEN {condition}" if condition else ""
            op.execute(f"CREATE TRIGGER {name} AFTER {op_name} ON {table} FOR EACH ROW{when} BEGIN {BUMP}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _op_name, _condition in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_truncate_structure ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table("structure_version")
