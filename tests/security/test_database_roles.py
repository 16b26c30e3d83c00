"""A company prepared with `init-server` on a real PostgreSQL: each user logs in as their own database
role, and the database itself refuses what their roles do not allow, whatever client they use."""

from __future__ import annotations

import dataclasses
from datetime import date

import psycopg
import pytest

from paksa_desktop.core.errors import ConflictError, ValidationError
from paksa_desktop.security import database_roles
from paksa_desktop.security.permissions import BUILTIN_ROLES
from tests.conftest import ADMIN_PASSWORD
from tests.ledger.helpers import entry
from tests.security.secured import Server


@pytest.fixture
def server(secured_server: Server) -> Server:
    return secured_server


def refused(conn: psycopg.Connection, statement: str, *args: object) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, args or None)
    conn.rollback()
    return str(caught.value)


def test_every_user_gets_a_login_that_belongs_to_their_roles_groups(server: Server) -> None:
    with psycopg.connect(server.admin_url) as conn:
        rows = dict(conn.execute("SELECT username, db_login FROM users").fetchall())
        assert rows["acct"] == f"acct@{server.db}"
        member = conn.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", (f"acct@{server.db}", f"{server.db}_role_accountant")
        ).fetchone()
        assert member == (True,)
        public = conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()
        assert public == (False,)


def test_services_work_over_a_users_own_login(server: Server) -> None:
    company, ctx = server.open_as("acct")
    try:
        ledger = company.ledger(ctx)
        ref, _ = ledger.post(entry("2024-02-01", ("1100", "125.00"), ("4010", "-125.00")))
        ledger.reverse(ref.id)
        ledger.post(entry("2024-02-02", ("1100", "40.00"), ("4010", "-40.00")))
        balances = company.ledger_queries(ctx).trial_balance(as_of=date(2024, 12, 31))
        assert sum(row.closing for row in balances.rows) == 0 and balances.rows
    finally:
        company.close()
    with psycopg.connect(server.admin_url) as conn:
        who = conn.execute("SELECT DISTINCT db_user, client_addr FROM audit_log WHERE username = 'acct'").fetchall()
    assert who == [(f"acct@{server.db}", "127.0.0.1")]


def admin_ctx(server: Server) -> object:
    return server.company.login("admin", ADMIN_PASSWORD)


def posted_entry(server: Server, day: str = "2024-02-01") -> int:
    ref, _ = server.company.ledger(admin_ctx(server)).post(entry(day, ("1100", "10.00"), ("4010", "-10.00")))
    return int(ref.id)


def accountants_draft(server: Server) -> int:
    """A draft saved by the accountant through the services, over their own login; its id."""
    company, acct = server.open_as("acct")
    try:
        ref, _ = company.ledger(acct).save_draft(entry("2024-02-10", ("1100", "5.00"), ("4010", "-5.00")))
    finally:
        company.close()
    return int(ref.id)


def test_nobody_at_psql_changes_a_posted_line_or_the_audit_trail(server: Server) -> None:
    entry_id = posted_entry(server)
    with server.raw("arclerk") as conn:
        assert "permission denied for table journal_lines" in refused(conn, "UPDATE journal_lines SET amount = 0")
        assert "permission denied for table audit_log" in refused(conn, "DELETE FROM audit_log")
    with server.raw("acct") as conn:  # may post, so may insert lines: but never change them
        assert "permission denied" in refused(conn, "UPDATE journal_lines SET amount = 0")
        assert "permission denied" in refused(conn, "DELETE FROM audit_log WHERE seq = 1")
        assert "permission denied" in refused(conn, "UPDATE audit_log SET username = 'x'")
        assert "cannot be changed" in refused(conn, "UPDATE journal_entries SET memo = 'x' WHERE id = %s", entry_id)
        refused_lines = refused(
            conn,
            "INSERT INTO journal_lines (entry_id, line_no, account_id, date, amount, memo) "
            "SELECT %s, 9, account_id, date, amount, '' FROM journal_lines WHERE entry_id = %s",
            entry_id,
            entry_id,
        )
        assert "posted lines are added only while posting it" in refused_lines
    with psycopg.connect(server.admin_url) as conn:  # even the server administrator, by mistake
        assert "append-only" in refused(conn, "DELETE FROM journal_lines")
        assert "append-only" in refused(conn, "TRUNCATE audit_log")
        assert "never deleted" in refused(conn, "DELETE FROM journal_entries WHERE id = %s", entry_id)


def test_payroll_and_security_data_stay_with_their_roles(server: Server) -> None:
    with server.raw("viewer") as conn:
        assert "permission denied" in refused(conn, "SELECT * FROM audit_log")
        assert "permission denied" in refused(conn, "UPDATE company SET lock_date = '2030-01-01'")
        assert "permission denied" in refused(conn, "INSERT INTO user_roles VALUES (1, 1)")
    with server.raw("payroll") as conn:  # payroll reads no receivables
        assert "permission denied" in refused(conn, "SELECT * FROM customers")
    with server.raw("arclerk") as conn:  # another user's row is not theirs to change
        conn.execute("UPDATE users SET full_name = 'Mallory' WHERE username = 'admin'")
        conn.commit()
    with psycopg.connect(server.admin_url) as conn:
        assert conn.execute("SELECT full_name FROM users WHERE username = 'admin'").fetchone() != ("Mallory",)


def test_a_clerk_cannot_post_and_nobody_posts_into_a_locked_or_closed_period(server: Server) -> None:
    ctx = admin_ctx(server)
    server.company.ledger(ctx).set_lock_date(date(2024, 1, 31))
    draft_id = accountants_draft(server)
    with server.raw("arclerk") as conn:  # holds no ledger.entry.post
        me = conn.execute("SELECT paksa_current_user_id()").fetchone()[0]
        message = refused(
            conn,
            "UPDATE journal_entries SET state = 'posted', posted_by = %s WHERE id = %s",
            me,
            draft_id,
        )
        assert "permission denied" in message
    with server.raw("acct") as conn:
        me = conn.execute("SELECT paksa_current_user_id()").fetchone()[0]
        assert "lock date" in refused(
            conn,
            "UPDATE journal_entries SET state = 'posted', posted_by = %s, date = '2024-01-15' WHERE id = %s",
            me,
            draft_id,
        )


def test_an_entry_is_created_and_posted_only_in_ones_own_name(server: Server) -> None:
    entry_id = posted_entry(server)
    copy = (
        "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, "
        "total, source, auto_reverse, created_by, created_at, posted_by, posted_at, version) "
        "SELECT journal_id, 'posted', date, '', '', fiscal_year_id, sequence + 1, 'X', total, 'manual', false, "
        "{created}, created_at, {posted}, posted_at, 1 FROM journal_entries WHERE id = %s"
    )
    with server.raw("acct") as conn:
        me = conn.execute("SELECT paksa_current_user_id()").fetchone()[0]
        someone_else = "created_by"  # the administrator, who posted the original
        assert "created in the name of the user who creates it" in refused(
            conn, copy.format(created=someone_else, posted=me), entry_id
        )
        assert "posted in the name of the user who posts it" in refused(
            conn, copy.format(created=me, posted=someone_else), entry_id
        )


def test_nobody_approves_their_own_draft_under_segregation_of_duties(server: Server) -> None:
    ctx = admin_ctx(server)
    policy = server.company.security_policy(ctx)
    current = server.company.security_queries(ctx).policy()
    policy.update_policy(dataclasses.replace(current, creator_cannot_approve=True))
    draft_id = accountants_draft(server)
    with server.raw("acct") as conn:
        me = conn.execute("SELECT paksa_current_user_id()").fetchone()[0]
        message = refused(
            conn, "UPDATE journal_entries SET state = 'posted', posted_by = %s WHERE id = %s", me, draft_id
        )
        assert "segregation of duties" in message


def test_roles_and_users_changed_in_paksa_change_in_the_database(server: Server) -> None:
    ctx = admin_ctx(server)
    users = server.company.users(ctx)
    users.grant_role("viewer", "Accountant")
    with psycopg.connect(server.admin_url) as conn:
        held = conn.execute(
            "SELECT pg_has_role(%s, %s, 'USAGE')", (f"viewer@{server.db}", f"{server.db}_ledger_entry_post")
        ).fetchone()
        assert held == (True,)
    users.set_active("viewer", False)
    with pytest.raises(psycopg.OperationalError):
        server.raw("viewer").close()
    server.company.roles(ctx).create_role("Poster", "posts", ["ledger.view", "ledger.entry.post"])
    with psycopg.connect(server.admin_url) as conn:
        group = f"{server.db}_role_poster"
        held = conn.execute("SELECT pg_has_role(%s, %s, 'USAGE')", (group, f"{server.db}_ledger_entry_post")).fetchone()
        assert held == (True,)


def test_no_function_is_open_to_public_and_every_definer_pins_its_search_path(server: Server) -> None:
    with psycopg.connect(server.admin_url) as conn:
        open_to_public = conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND (p.proacl IS NULL OR EXISTS "
            "(SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))"
        ).fetchall()
        unpinned = conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prosecdef AND NOT EXISTS "
            "(SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%%')"
        ).fetchall()
        not_owned = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') AND pg_get_userbyid(c.relowner) <> %s",
            (f"{server.db}_owner",),
        ).fetchall()
    assert open_to_public == [] and unpinned == [] and not_owned == []


# The privilege matrix, reviewed by hand: per table, what each built-in role's group may do, in the order
# of ROLES (S select, I insert, U update, D delete, T truncate, - nothing). A grant that changes must
# change here too, deliberately.
ROLES = tuple(BUILTIN_ROLES)  # the columns of each row below
EXPECTED = {
    "accounts": "SIUD SIUD S S S S S S S",
    "alembic_version": "S S S S S S S S S",
    "audit_head": "SU SU SU SU SU SU SU SU SU",
    "audit_log": "SI SI I I I I I SI I",
    "bank_accounts": "SIU SIU S S S - SIU S S",
    "bank_connections": "SIUD SIUD SU S S - SIUD S S",
    "bank_line_links": "SIU S SIU S S - SIU S S",
    "bank_lines": "SIU SI SIU S S - SIU S S",
    "bank_reconciliations": "SIU S SIU S S - SIU S S",
    "bank_rules": "SIUD SIUD S S S - SIUD S S",
    "bank_statements": "SI SI SI S S - SI S S",
    "bill_approvals": "SI SI S - SI - S S S",
    "bill_lines": "SIUD SI S - SIUD - S S S",
    "bills": "SIUD SIU S - SIUD - SU S S",
    "budget_amounts": "SIUD SIUD S S S S S S S",
    "budgets": "SIUD SIUD S S S S S S S",
    "collection_notes": "SIU S S SIU - - - S S",
    "company": "SU SU S S S S S S S",
    "customer_addresses": "SIUD S S SIUD - - - S S",
    "customer_contacts": "SIUD S S SIUD - - - S S",
    "customers": "SIU S S SIU - - - S S",
    "data_keys": "SIU S S S S S S S S",
    "departments": "SIU SIU S S S S S S S",
    "document_sequences": "SIU SIU - SIU SIU - SIU - -",
    # claimants store their receipts, approvers read them (row-level security keeps each to those rows)
    "document_versions": "SI SI SI SI SI SI SI S S",
    "documents": "SIU SIU SIU SIU SIU SIU SIU S S",
    "draft_lines": "SIUD SIUD SIUD S S S S S S",
    "dunning_letter_lines": "SI S S SI - - - S S",
    "dunning_letters": "SI S S SI - - - S S",
    "dunning_levels": "SIUD S S SIUD - - - S S",
    "dunning_procedures": "SIUD S S SIUD - - - S S",
    "exchange_rates": "SIUD SIUD SIUD S S S S S S",
    "expense_categories": "SIU SIU S S S S S S S",
    "expense_claim_lines": "SIUD SIUD SIUD SIUD SIUD SIUD SIUD S S",
    "expense_claims": "SIUD SIUD SIUD SIUD SIUD SIUD SIUD S S",
    "fiscal_years": "SI SI SI SI SI S SI S S",
    "fx_revaluations": "SI SI SI S S S S S S",
    "fx_settings": "SIU S S S S S S S S",
    "invoice_lines": "SIUD S S SIUD - - - S S",
    "invoices": "SIUD SU S SIUD - - - S S",
    "ip_allowlist": "SIUD S S S S S S S S",
    "items": "SIU S S SIU S - S S S",  # payables reads items for bill lines
    "journal_entries": "SIUD SIUD SIUD SI SI S SI S S",
    "journal_lines": "SI SI SI SI SI S SI S S",
    "journals": "SIU SIU S S S S S S S",
    "number_sequences": "SIU SIU SIU SIU SIU - SIU - -",
    "payables_settings": "SIU S S S S S S S S",
    "payment_allocations": "SIU S S - SIU - SIU S S",
    "payment_run_items": "SIUD S S - SIUD - SU S S",
    "payment_runs": "SIU S S - SIU - SU S S",
    "periods": "SIU SIU SIU SIU SIU S SIU S S",
    "projects": "SIU SIU S S S S S S S",
    "receipts": "SIU S S SIU - - - S S",
    "receivables_settings": "SIU S S S S S S S S",
    "recovery_codes": "SIUD SIUD SIUD SIUD SIUD SIUD SIUD SIUD SIUD",
    "recurring_bills": "SIUD S S - SIUD - S S S",
    "recurring_invoices": "SIUD S S SIUD - - - S S",
    "recurring_lines": "SIUD SIUD SIUD S S S S S S",
    "recurring_templates": "SIUD SIUD SIUD S S S S S S",
    "role_permissions": "SIUD S S S S S S S S",
    "roles": "SIUD S S S S S S S S",
    "security_policy": "SU S S S S S S S S",
    "settlements": "SIU SIU S SIU - - - S S",
    "sod_rules": "SID S S S S S S S S",
    "statement_line_accounts": "SIUD SIUD S S S S S S S",
    "statement_lines": "SIUD SIUD S S S S S S S",
    "structure_version": "S S S S S S S S S",
    "tax_codes": "SIU SIU S S S S S S S",
    "user_key_pairs": "SIUD SIU SIU SIU SIU SIU SIU SIU SIU",
    "user_roles": "SID S S S S S S S S",
    "user_sessions": "SIU SIU SIU SIU SIU SIU SIU SIU SIU",
    "users": "SIU SU SU SU SU SU SU SU SU",
    "vendor_contacts": "SIUD S S - SIUD - S S S",
    "vendor_payments": "SIU S S - S - SIU S S",
    "vendor_refunds": "SIU S S - S - SIU S S",
    "vendors": "SIU SI S S SIU S S S S",  # the Controller inserts a claimant's record when approving a claim
    "wrapped_data_keys": "SIUD S S S S S S S S",
}

CALLABLE = (
    "paksa_current_user_id()",
    "paksa_holds(text)",
    "paksa_last_change(text,text)",
)  # every user; the trigger functions by nobody


def test_the_privilege_matrix_matches_the_reviewed_table(server: Server) -> None:
    privileges = dict(zip("SIUDT", ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"), strict=True))
    differences = []
    with psycopg.connect(server.admin_url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        functions = [
            r[0]
            for r in conn.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public'"
            )
        ]
        assert sorted(tables) == sorted(EXPECTED), "a table without a reviewed row (or a row for no table)"
        for table in tables:
            for role, cell in zip(ROLES, EXPECTED[table].split(), strict=True):
                group = database_roles.group_role(server.db, role)
                for letter, privilege in privileges.items():
                    (has,) = conn.execute(
                        "SELECT has_table_privilege(%s, %s, %s)", (group, f"public.{table}", privilege)
                    ).fetchone()
                    if has != (letter in cell):
                        differences.append((table, role, privilege, has))
        for function in functions:
            for role in ROLES:
                (has,) = conn.execute(
                    "SELECT has_function_privilege(%s, %s, 'EXECUTE')",
                    (database_roles.group_role(server.db, role), function),
                ).fetchone()
                if has != (function in CALLABLE):
                    differences.append((function, role, "EXECUTE", has))
    assert differences == []


def test_a_conflict_names_who_changed_the_draft_even_for_a_user_who_cannot_read_the_trail(server: Server) -> None:
    company, acct = server.open_as("acct")  # an accountant: no audit.view
    try:
        ledger = company.ledger(acct)
        ref, _ = ledger.save_draft(entry("2024-02-10", ("1100", "5.00"), ("4010", "-5.00")))
        server.company.ledger(admin_ctx(server)).save_draft(
            entry("2024-02-11", ("1100", "6.00"), ("4010", "-6.00")), ref.id, expected_version=ref.version
        )
        with pytest.raises(ConflictError) as caught:
            ledger.save_draft(entry("2024-02-12", ("1100", "7.00"), ("4010", "-7.00")), ref.id, ref.version)
    finally:
        company.close()
    assert "admin" in str(caught.value)


def test_an_unbalanced_or_unnumbered_entry_is_refused_at_commit_even_for_the_server_administrator(
    server: Server,
) -> None:
    entry_id = posted_entry(server)
    with psycopg.connect(server.admin_url) as conn:
        copy = (
            "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, "
            "total, source, auto_reverse, created_by, created_at, posted_by, posted_at, version) "
            "SELECT journal_id, 'posted', date, '', '', fiscal_year_id, {seq}, 'X', total, 'manual', false, "
            "created_by, created_at, posted_by, posted_at, 1 FROM journal_entries WHERE id = %s RETURNING id"
        )
        assert "not numbered from its series" in refused(conn, copy.format(seq="sequence + 5"), entry_id)
        # numbered properly (the series advanced first, as posting does), but one line only: refused at commit
        conn.execute(
            "UPDATE number_sequences SET next_number = next_number + 1 WHERE (journal_id, fiscal_year_id) = "
            "(SELECT journal_id, fiscal_year_id FROM journal_entries WHERE id = %s)",
            (entry_id,),
        )
        new_id = conn.execute(copy.format(seq="sequence + 1"), (entry_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO journal_lines (entry_id, line_no, account_id, date, amount, memo) "
            "SELECT %s, 1, account_id, date, amount, '' FROM journal_lines WHERE entry_id = %s AND line_no = 1",
            (new_id, entry_id),
        )
        with pytest.raises(psycopg.Error, match="out of balance"):
            conn.commit()


def test_role_names_are_per_database_and_never_cut_short() -> None:
    assert database_roles.login_role("acme", "Anna") == "anna@acme"
    assert database_roles.group_role("acme", "AR clerk") == "acme_role_ar_clerk"
    assert database_roles.permission_role("acme", "ledger.entry.post") == "acme_ledger_entry_post"
    with pytest.raises(ValidationError, match="too long"):
        database_roles.permission_role("a" * 40, "receivables.creditnote.create")
    with pytest.raises(ValidationError, match="too long"):
        database_roles.login_role("acme", "x" * 60)
