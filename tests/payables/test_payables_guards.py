"""Payables on a secured PostgreSQL server: after every normal flow (bills entered by the AP clerk with an
item line, approved and posted; a partial payment; a credit note applied; a payment voided; a payment run
posted; a prepayment partly refunded), nobody at psql — the clerk who holds the table privileges, the
treasurer, nor the company owner — edits or removes what was posted (migrations 0024, 0025)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput
from paksa_desktop.payables.models import BillState
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.receivables.commands import ItemInput
from paksa_desktop.security import database_roles
from tests.conftest import ADMIN_PASSWORD, Books
from tests.payables.payment_fixtures import Payables
from tests.security.secured import PASSWORD, Server

pytestmark = pytest.mark.postgres


@dataclass
class Posted:
    bill: str  # entered by the clerk (an item line and an account line), partly paid by hand
    paid: str  # paid in full by the posted run
    voided: str  # the payment voided
    payment: str  # the partial payment of `bill`
    run_id: int


def refused(conn: psycopg.Connection, statement: str, *args: object) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, args or None)
        conn.commit()
    conn.rollback()
    return str(caught.value)


def as_owner(server: Server) -> psycopg.Connection:
    """The company owner (the role that owns every table): what a maintenance script would run as."""
    conn = psycopg.connect(server.admin_url)
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(database_roles.owner_role(server.db))))
    conn.commit()
    return conn


def clerks_bill(server: Server, ap: Payables) -> str:
    """The AP clerk enters a bill with an item line (over their own login), the controller approves it,
    the clerk posts it."""
    admin = server.company.login("admin", ADMIN_PASSWORD)
    server.company.receivables(admin).create_item(ItemInput("TONER", "Toner cartridge", Decimal("25.00"), "4010"))
    lines = (
        BillLineInput(quantity=Decimal(2), unit_price=Decimal("30.00"), item="TONER", account="6130", tax_code=""),
        BillLineInput("Paper", Decimal(1), Decimal("40.00"), tax_code=""),
    )
    company, clerk = server.open_as("apclerk")
    try:
        ref, _ = company.bills(clerk).save_draft(BillInput("A", date(2024, 3, 1), lines))
        company.bills(clerk).submit(ref.id)
    finally:
        company.close()
    company, controller = server.open_as("ctrl")
    try:
        company.bills(controller).approve(ref.id)
    finally:
        company.close()
    company, clerk = server.open_as("apclerk")
    try:
        posted, _ = company.bills(clerk).post(ref.id)
        detail = company.bill_queries(clerk).bill(ref.id)
        assert [(ln.item, ln.description) for ln in detail.lines] == [("TONER", "Toner cartridge"), ("", "Paper")]
    finally:
        company.close()
    assert posted.state is BillState.POSTED and posted.number
    return posted.number


@pytest.fixture
def posted(secured_server: Server) -> Iterator[tuple[Server, Posted]]:
    server = secured_server
    admin = server.company.login("admin", ADMIN_PASSWORD)
    server.company.add_user(admin, "apclerk", PASSWORD, roles=("AP clerk",))
    server.company.add_user(admin, "treasurer", PASSWORD, roles=("Treasurer",))
    ap = Payables(Books(server.company, admin, server.clock, server.admin_url))
    ap.bank()
    ap.vendor("A")
    bill = clerks_bill(server, ap)
    paid = ap.bill("A", "300.00", date(2024, 3, 2), due=date(2024, 3, 8))
    voided = ap.bill("A", "70.00", date(2024, 3, 3), due=date(2024, 4, 30))
    note = ap.credit_note("A", "50.00", date(2024, 3, 4))
    company, treasurer = server.open_as("treasurer")
    try:
        payments = company.vendor_payments(treasurer)
        payment, _ = payments.pay(PaymentInput("A", "Operating", date(2024, 3, 5), (BillToPay(bill, Decimal("40")),)))
        gone, _ = payments.pay(PaymentInput("A", "Operating", date(2024, 3, 5), (BillToPay(voided),)))
        payments.void(gone.number, date(2024, 3, 6), "paid twice")
        prepaid, _ = payments.pay(PaymentInput("A", "Operating", date(2024, 3, 6), (), amount=Decimal("90.00")))
        company.vendor_credit(treasurer).refund(prepaid.number, Decimal("30.00"), "Operating", date(2024, 3, 7))
    finally:
        company.close()
    server.company.bills(admin).apply_credit_note(note, paid, Decimal("50.00"), date(2024, 3, 4))
    company, clerk = server.open_as("apclerk")
    try:
        proposal, _ = company.payment_runs(clerk).propose(date(2024, 3, 8), "Operating", date(2024, 3, 8))
    finally:
        company.close()
    company, treasurer = server.open_as("treasurer")
    try:
        runs = company.payment_runs(treasurer)
        runs.approve(proposal.run_id)
        runs.post(proposal.run_id)
    finally:
        company.close()
    with psycopg.connect(server.admin_url) as conn:
        states = dict(conn.execute("SELECT number, state FROM bills").fetchall())
    assert states == {bill: "partially_paid", paid: "paid", voided: "posted", note: "paid"}
    yield server, Posted(bill, paid, voided, payment.number, proposal.run_id)


def test_nobody_at_psql_edits_or_removes_a_posted_bill(posted: tuple[Server, Posted]) -> None:
    server, p = posted
    with server.raw("apclerk") as clerk, as_owner(server) as owner:
        for conn in (clerk, owner):  # the clerk holds UPDATE and DELETE on bills (for drafts)
            message = refused(conn, "UPDATE bills SET total = 1 WHERE number = %s", p.bill)
            assert f"bill {p.bill} is posted: it is never edited" in message
            assert "never edited" in refused(conn, "UPDATE bills SET vendor_invoice = 'X' WHERE number = %s", p.bill)
            assert "never edited" in refused(conn, "UPDATE bills SET state = 'draft' WHERE number = %s", p.bill)
            assert "never edited" in refused(conn, "UPDATE bills SET due_date = '2030-01-01' WHERE number = %s", p.paid)
            assert "never deleted" in refused(conn, "DELETE FROM bills WHERE number = %s", p.bill)
            assert "open amount" in refused(conn, "UPDATE bills SET open_amount = -1 WHERE number = %s", p.bill)
            assert "lines are never changed" in refused(conn, "UPDATE bill_lines SET unit_price = 1")
            assert "lines are never changed" in refused(conn, "DELETE FROM bill_lines")
            assert "lines are never changed" in refused(
                conn,
                "INSERT INTO bill_lines (bill_id, line_no, description, quantity_e4, unit_price, account_id, net, tax) "
                "SELECT bill_id, 9, 'more', 10000, 100, account_id, 100, 0 FROM bill_lines LIMIT 1",
            )
        note = owner.execute("SELECT number FROM bills WHERE kind = 'credit_note'").fetchone()[0]
        assert f"vendor credit note {note} is posted" in refused(
            owner, "UPDATE bills SET total = 1 WHERE number = %s", note
        )
        assert "approval history is never edited" in refused(owner, "UPDATE bill_approvals SET note = 'fine'")
        assert "removed only with a draft bill" in refused(owner, "DELETE FROM bill_approvals")
        # what stays editable on a posted bill: its memo and whether it is on hold
        owner.execute("UPDATE bills SET memo = 'checked', on_hold = true WHERE number = %s", (p.bill,))
        owner.rollback()


def test_nobody_at_psql_edits_a_payment_an_allocation_or_a_posted_run(posted: tuple[Server, Posted]) -> None:
    server, p = posted
    with server.raw("treasurer") as treasurer, as_owner(server) as owner:
        for conn in (treasurer, owner):  # the treasurer holds UPDATE on payments, allocations and runs
            message = refused(conn, "UPDATE vendor_payments SET amount = 1 WHERE number = %s", p.payment)
            assert f"payment {p.payment} is posted: it is never edited; void it" in message
            assert "a void is never changed" in refused(
                conn, "UPDATE vendor_payments SET voided_on = NULL WHERE voided_on IS NOT NULL"
            )
            assert "unapplied amount" in refused(
                conn, "UPDATE vendor_payments SET unapplied = amount + 1 WHERE number = %s", p.payment
            )
            assert "never changed" in refused(conn, "UPDATE payment_allocations SET amount = 0")
            assert "never changed" in refused(
                conn, "UPDATE payment_allocations SET reversed_on = NULL WHERE reversed_on IS NOT NULL"
            )
            run = f"payment run {p.run_id} is posted"
            assert f"{run}: it is never edited" in refused(conn, "UPDATE payment_runs SET total = 0")
            assert f"{run}: it is never edited" in refused(conn, "UPDATE payment_runs SET state = 'approved'")
            assert f"{run}: its items are never changed" in refused(conn, "UPDATE payment_run_items SET amount = 1")
            assert f"{run}: its items are never changed" in refused(
                conn, "UPDATE payment_run_items SET payment_id = NULL"
            )
            # the run netted the 60.00 left on account of the prepayment: that item is kept as it was too
            assert f"{run}: its items are never changed" in refused(
                conn, "UPDATE payment_run_items SET on_account_payment_id = NULL, amount = 0 "
                "WHERE on_account_payment_id IS NOT NULL"
            )  # fmt: skip
        # removing is not even granted to the treasurer; the owner is stopped by the triggers
        assert "permission denied" in refused(treasurer, "DELETE FROM vendor_payments")
        assert "vendor payments are never removed" in refused(owner, "DELETE FROM vendor_payments")
        assert "payment allocations are never removed" in refused(owner, "DELETE FROM payment_allocations")
        assert f"payment run {p.run_id} is posted: it is never deleted" in refused(owner, "DELETE FROM payment_runs")
        assert "items are never changed" in refused(owner, "DELETE FROM payment_run_items")
        # the void, the file's message id (set once) and a payment's memo are what may still change
        owner.execute("UPDATE payment_runs SET message_id = 'MSG-1' WHERE id = %s", (p.run_id,))
        owner.execute("UPDATE vendor_payments SET memo = 'see advice' WHERE number = %s", (p.payment,))
        owner.execute("UPDATE vendor_payments SET voided_on = date, void_reason = 'x' WHERE number = %s", (p.payment,))
        owner.rollback()


def test_nobody_at_psql_edits_or_removes_a_vendor_refund(posted: tuple[Server, Posted]) -> None:
    server, _ = posted
    with server.raw("treasurer") as treasurer, as_owner(server) as owner:
        for conn in (treasurer, owner):
            assert "is posted: it is never edited; void it" in refused(conn, "UPDATE vendor_refunds SET amount = 1")
            assert "is posted: it is never edited" in refused(
                conn, "UPDATE vendor_payments SET control_account_id = NULL WHERE control_account_id IS NOT NULL"
            )
        assert "vendor refunds are never removed" in refused(owner, "DELETE FROM vendor_refunds")
        owner.execute("UPDATE vendor_refunds SET voided_on = date, void_reason = 'bounced'")  # what a void does
        owner.commit()
        assert "a void is never changed" in refused(owner, "UPDATE vendor_refunds SET voided_on = NULL")


def test_the_ap_clerk_reads_items_but_nothing_else_of_receivables(posted: tuple[Server, Posted]) -> None:
    """The clerk's bill with an item line was saved and posted over their own login (the fixture); at psql
    they read the items and may not change them nor read customers or invoices."""
    server, p = posted
    with server.raw("apclerk") as conn:
        assert conn.execute("SELECT code FROM items").fetchall() == [("TONER",)]
        (item,) = conn.execute(
            "SELECT i.code FROM bill_lines l JOIN bills b ON b.id = l.bill_id JOIN items i ON i.id = l.item_id "
            "WHERE b.number = %s",
            (p.bill,),
        ).fetchone()
        assert item == "TONER"
        conn.rollback()
        assert "permission denied" in refused(conn, "UPDATE items SET unit_price = 1")
        assert "permission denied" in refused(conn, "SELECT * FROM customers")
        assert "permission denied" in refused(conn, "SELECT * FROM invoices")
