"""Bank statements on a secured PostgreSQL server: the accountant imports over their own login, and at
psql nobody without `cash.statement.import` writes bank lines, nobody rewrites or removes one."""

from __future__ import annotations

import psycopg
import pytest

from tests.banking.helpers import line, operating, statement
from tests.conftest import ADMIN_PASSWORD
from tests.security.secured import Server

pytestmark = pytest.mark.postgres

INSERT_LINE = (
    "INSERT INTO bank_lines (bank_account_id, statement_id, booked, amount, currency, description, reference, "
    "bank_id, counterparty, counterparty_account, kind, status, dedupe_key) "
    "VALUES (%s, %s, '2024-03-02', 100, 'USD', 'forged', '', 'X9', '', '', '', 'unmatched', 'id:X9')"
)


def refused(conn: psycopg.Connection, statement_: str, *args: object) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement_, args or None)
        conn.commit()
    conn.rollback()
    return str(caught.value)


def _imported(server: Server) -> tuple[int, int]:
    """The admin adds the account; the accountant imports a statement over their own login."""
    ctx = server.company.login("admin", ADMIN_PASSWORD)
    server.company.bank_accounts(ctx).add(operating())
    company, acct = server.open_as("acct")
    try:
        jan = statement(line("2024-03-01", "10.00", "R1", "T1"), line("2024-03-01", "-2.50", "R2", ""))
        result = company.statement_import(acct).import_statements("Operating", [jan])
        again = company.statement_import(acct).import_statements("Operating", [jan])
    finally:
        company.close()
    assert (result.imported, again.imported, len(again.skipped)) == (2, 0, 2)
    with psycopg.connect(server.admin_url) as conn:
        account_id, statement_id = conn.execute("SELECT bank_account_id, id FROM bank_statements").fetchone()
        assert conn.execute("SELECT COUNT(*) FROM bank_lines").fetchone() == (2,)
    return account_id, statement_id


def test_only_importers_write_bank_lines_and_nobody_changes_what_the_bank_said(secured_server: Server) -> None:
    account_id, statement_id = _imported(secured_server)
    with secured_server.raw("arclerk") as clerk:
        assert clerk.execute("SELECT COUNT(*) FROM bank_lines").fetchone() == (2,)  # cash.view reads them
        assert "permission denied" in refused(clerk, INSERT_LINE, account_id, statement_id)
    with secured_server.raw("payroll") as payroll:
        assert "permission denied" in refused(payroll, "SELECT * FROM bank_lines")
        assert "permission denied" in refused(payroll, "SELECT * FROM bank_accounts")
    with secured_server.raw("acct") as acct:
        assert "only its matching status changes" in refused(acct, "UPDATE bank_lines SET amount = amount * 10")
        assert "permission denied" in refused(acct, "DELETE FROM bank_lines")
        assert "permission denied" in refused(acct, "UPDATE bank_statements SET closing = 0")
        assert "permission denied" in refused(acct, "UPDATE bank_accounts SET currency = 'EUR'")
        acct.execute("UPDATE bank_lines SET status = 'matched' WHERE bank_id = 'T1'")  # reconciliation, later
        acct.commit()
    with secured_server.raw("ctrl") as ctrl:  # imports, does not reconcile
        assert "permission denied" in refused(ctrl, "UPDATE bank_lines SET status = 'reconciled'")
    with psycopg.connect(secured_server.admin_url) as admin:  # even the server administrator
        assert "never removed" in refused(admin, "DELETE FROM bank_lines")
        assert "only its matching status changes" in refused(admin, "UPDATE bank_lines SET booked = booked + 1")
        assert "kept as imported" in refused(admin, "DELETE FROM bank_statements")
        assert "never removed" in refused(admin, "DELETE FROM bank_accounts")
