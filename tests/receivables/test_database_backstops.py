"""Receivables on a secured PostgreSQL server: the AR clerk works over their own login through the
services, and at psql can neither edit what was posted nor post what no document explains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from paksa_desktop.receivables.commands import (
    AllocationInput,
    CustomerInput,
    InvoiceInput,
    InvoiceLineInput,
    ReceiptInput,
)
from tests.security.secured import Server

pytestmark = pytest.mark.postgres


def refused(conn: psycopg.Connection, statement: str, *args: object) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, args or None)
        conn.commit()
    conn.rollback()
    return str(caught.value)


def clerks_invoice_and_receipt(server: Server) -> tuple[str, str]:
    """The AR clerk, over their own login: a customer, an invoice, a part payment."""
    company, clerk = server.open_as("arclerk")
    try:
        company.receivables(clerk).create_customer(CustomerInput("C1", "Acme"))
        line = InvoiceLineInput("Work", Decimal(1), Decimal("100.00"), tax_code="")
        invoice, _ = company.invoicing(clerk).issue(InvoiceInput("C1", date(2024, 3, 1), (line,)))
        receipt, _ = company.receipts(clerk).record(
            ReceiptInput(
                "C1", date(2024, 3, 5), Decimal("40.00"), "1100", (AllocationInput(invoice.number, Decimal("40")),)
            )
        )
        assert company.documents_queries(clerk).reconcile(date(2024, 12, 31)).difference == 0
    finally:
        company.close()
    assert invoice.number and receipt.number
    return invoice.number, receipt.number


def test_the_clerk_posts_invoices_and_receipts_over_their_own_login(secured_server: Server) -> None:
    clerks_invoice_and_receipt(secured_server)
    with psycopg.connect(secured_server.admin_url) as conn:
        sources = conn.execute(
            "SELECT e.source, u.username FROM journal_entries e JOIN users u ON u.id = e.posted_by ORDER BY e.id"
        ).fetchall()
    assert sources == [("ar_invoice", "arclerk"), ("ar_receipt", "arclerk")]


def test_nobody_at_psql_edits_a_posted_document(secured_server: Server) -> None:
    invoice, receipt = clerks_invoice_and_receipt(secured_server)
    with secured_server.raw("arclerk") as conn:
        assert "never edited" in refused(conn, "UPDATE invoices SET total = 1 WHERE number = %s", invoice)
        assert "never deleted" in refused(conn, "DELETE FROM invoices WHERE number = %s", invoice)
        assert "lines are never changed" in refused(conn, "UPDATE invoice_lines SET net = 0")
        assert "open amount" in refused(conn, "UPDATE invoices SET open_amount = -1 WHERE number = %s", invoice)
        assert "only its allocation changes" in refused(
            conn, "UPDATE receipts SET amount = 1 WHERE number = %s", receipt
        )
        assert "permission denied" in refused(conn, "DELETE FROM settlements")
        assert "permission denied" in refused(conn, "UPDATE exchange_rates SET rate = '2'")
    with psycopg.connect(secured_server.admin_url) as conn:  # even the server administrator, by mistake
        assert "never removed" in refused(conn, "DELETE FROM settlements")
        assert "never changed" in refused(conn, "UPDATE settlements SET amount = 0")


def test_the_clerk_cannot_post_a_plain_journal_entry(secured_server: Server) -> None:
    clerks_invoice_and_receipt(secured_server)
    with secured_server.raw("arclerk") as conn:
        message = refused(
            conn,
            "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, "
            "total, source, auto_reverse, created_by, created_at, posted_by, posted_at, version) "
            "SELECT journal_id, 'posted', date, 'mine', '', fiscal_year_id, 999, 'X', 1, 'manual', false, "
            "created_by, created_at, posted_by, posted_at, 1 FROM journal_entries LIMIT 1",
        )
    assert "posting needs ledger.entry.post" in message


def test_an_entry_claiming_to_come_from_receivables_needs_its_document(secured_server: Server) -> None:
    clerks_invoice_and_receipt(secured_server)
    with psycopg.connect(secured_server.admin_url) as conn:
        journal_id, fy_id = conn.execute(
            "SELECT e.journal_id, e.fiscal_year_id FROM journal_entries e WHERE source = 'ar_invoice'"
        ).fetchone()
        (sequence,) = conn.execute(
            "UPDATE number_sequences SET next_number = next_number + 1 WHERE journal_id = %s AND fiscal_year_id = %s "
            "RETURNING next_number - 1",
            (journal_id, fy_id),
        ).fetchone()
        (entry_id,) = conn.execute(
            "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, "
            "total, source, auto_reverse, created_by, created_at, version) "
            "VALUES (%s, 'posted', '2024-03-09', 'forged', '', %s, %s, 'SAL-FORGED', 500, 'ar_invoice', false, 1, "
            "now(), 1) RETURNING id",
            (journal_id, fy_id, sequence),
        ).fetchone()
        conn.execute(
            "INSERT INTO journal_lines (entry_id, line_no, account_id, date, amount, memo) "
            "SELECT %s, 1, id, DATE '2024-03-09', 500, '' FROM accounts WHERE code = '1200' UNION ALL "
            "SELECT %s, 2, id, DATE '2024-03-09', -500, '' FROM accounts WHERE code = '4010'",
            (entry_id, entry_id),
        )
        with pytest.raises(psycopg.Error, match="no receivables document refers to it"):
            conn.commit()
