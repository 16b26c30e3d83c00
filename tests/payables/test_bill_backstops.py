"""Bills on a secured PostgreSQL server: the AP clerk posts an approved bill over their own login without
ledger.entry.post (the database takes the posting permission from the entry's source) and cannot forge an
entry at psql; a Viewer can do neither."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from paksa_desktop.core.errors import PermissionDenied
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput
from paksa_desktop.payables.models import BillState
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.permissions import Permission
from tests.conftest import ADMIN_PASSWORD
from tests.payables.bill_fixtures import add_vendor
from tests.security.secured import PASSWORD, Server

pytestmark = pytest.mark.postgres

BILL = BillInput("V1", date(2024, 3, 1), (BillLineInput("Paper", Decimal(2), Decimal("40.00"), tax_code=""),))
FORGED_ENTRY = (
    "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, "
    "total, source, auto_reverse, created_by, created_at, posted_by, posted_at, version) "
    "SELECT journal_id, 'posted', date, 'forged', '', fiscal_year_id, 999, 'PUR-FORGED', 1, 'ap_bill', false, "
    "created_by, created_at, posted_by, posted_at, 1 FROM journal_entries LIMIT 1"
)


def refused(conn: psycopg.Connection, statement: str) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
        conn.commit()
    conn.rollback()
    return str(caught.value)


def approved_bill(server: Server) -> int:
    """A vendor (by the administrator), a bill entered and submitted by the AP clerk, approved by the controller."""
    admin = server.company.login("admin", ADMIN_PASSWORD)
    server.company.add_user(admin, "apclerk", PASSWORD, roles=("AP clerk",))
    with UnitOfWork(server.company.engine) as uow:
        add_vendor(uow.session, admin, "V1", "Paper Supplies Ltd")
        uow.commit()
    company, clerk = server.open_as("apclerk")
    try:
        ref, _ = company.bills(clerk).save_draft(BILL)
        company.bills(clerk).submit(ref.id)
    finally:
        company.close()
    company, controller = server.open_as("ctrl")
    try:
        approved, _ = company.bills(controller).approve(ref.id)
        assert approved.state is BillState.APPROVED
    finally:
        company.close()
    return ref.id


def test_the_ap_clerk_posts_an_approved_bill_over_their_own_login(secured_server: Server) -> None:
    bill_id = approved_bill(secured_server)
    company, clerk = secured_server.open_as("apclerk")
    try:
        assert not clerk.can(Permission.ENTRY_POST)
        posted, _ = company.bills(clerk).post(bill_id)
        assert posted.number == "BILL-2024-000001"
        detail = company.bill_queries(clerk).bill(bill_id)
        assert [a.user for a in detail.approvals] == ["apclerk", "ctrl"]
    finally:
        company.close()
    with psycopg.connect(secured_server.admin_url) as conn:
        rows = conn.execute(
            "SELECT e.source, u.username, e.total FROM journal_entries e JOIN users u ON u.id = e.posted_by"
        ).fetchall()
    assert rows == [("ap_bill", "apclerk", 8000)]
    with secured_server.raw("apclerk") as conn:  # at psql the clerk cannot slip in an entry of their own
        assert "PUR-FORGED was not numbered from its series" in refused(conn, FORGED_ENTRY)


def test_a_viewer_cannot_post_a_bill(secured_server: Server) -> None:
    bill_id = approved_bill(secured_server)
    company, viewer = secured_server.open_as("viewer")
    try:
        with pytest.raises(PermissionDenied):
            company.bills(viewer).post(bill_id)
        with pytest.raises(PermissionDenied):
            company.bills(viewer).save_draft(BILL)
        assert company.bill_queries(viewer).bill(bill_id).row.state is BillState.APPROVED  # reading is allowed
    finally:
        company.close()
    with secured_server.raw("viewer") as conn:
        assert "permission denied" in refused(conn, FORGED_ENTRY)
        assert "permission denied" in refused(conn, f"UPDATE bills SET state = 'posted' WHERE id = {bill_id}")
