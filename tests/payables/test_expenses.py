"""Expense claims end to end on both engines: categories and limits, a claim from draft to posted bill,
rejection, foreign currency, receipts, who may claim and who may approve."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.ledger.models import ExchangeRate
from paksa_desktop.payables.expense_queries import ExpensesBy
from paksa_desktop.payables.expenses import (
    CategoryInput,
    ClaimInput,
    ClaimLineInput,
    ReceiptFile,
    mark_reimbursed,
)
from paksa_desktop.payables.models import Bill, BillKind, BillState, ClaimState, Vendor
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.commands import TaxCodeInput
from paksa_desktop.reporting.renderers import render_file
from paksa_desktop.security.context import UserContext
from tests.conftest import ADMIN_PASSWORD, Books
from tests.security.secured import PASSWORD as SECURED_PASSWORD
from tests.security.secured import Server

PASSWORD = "Claim-Passw0rd-42"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _people(books: Books) -> tuple[UserContext, UserContext]:
    """An AR clerk who claims and a Controller who approves."""
    books.company.add_user(books.ctx, "alice", PASSWORD, roles=("AR clerk",), full_name="Alice Walker")
    books.company.add_user(books.ctx, "carol", PASSWORD, roles=("Controller",), full_name="Carol Checker")
    return books.company.login("alice", PASSWORD), books.company.login("carol", PASSWORD)


def _setup(books: Books) -> None:
    books.company.receivables(books.ctx).create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    books.ledger.create_project("P1", "Launch")
    expenses = books.company.expenses(books.ctx)
    added, _ = expenses.use_standard_categories()
    assert added == 5
    meals = next(c for c in books.company.expense_queries(books.ctx).categories() if c.code == "MEALS")
    expenses.update_category(
        meals.id,
        CategoryInput("MEALS", "Meals and entertainment", "6180", "VAT20", D("50.00"), D("80.00")),
        meals.version,
    )


def _claim() -> ClaimInput:
    return ClaimInput(
        "Berlin trip",
        (
            ClaimLineInput(date(2024, 6, 10), "TRAVEL", D("240.00"), "Train", project="P1", tax_code=""),
            ClaimLineInput(date(2024, 6, 10), "MEALS", D("60.00"), "Dinner with client", project="P1"),
            ClaimLineInput(date(2024, 6, 10), "MEALS", D("30.00"), "Lunch"),
        ),
    )


def test_a_claim_from_draft_to_a_posted_bill(books: Books, tmp_path: Path) -> None:
    _setup(books)
    alice, carol = _people(books)
    mine = books.company.expenses(alice)
    ref, _ = mine.save_draft(_claim())
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert detail.claim.state is ClaimState.DRAFT and detail.claim.total == D("330.00")
    # the meals lines include 20 % tax: 60.00 = 50.00 + 10.00, 30.00 = 25.00 + 5.00
    assert [line.tax for line in detail.lines] == [D("0.00"), D("10.00"), D("5.00")]
    assert detail.claim.tax == D("15.00")

    ref, _ = mine.submit(ref.id, ref.version)
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert detail.claim.state is ClaimState.SUBMITTED and detail.claim.flagged
    # dinner is above the 50.00 per-expense limit; the day's meals (90.00) are above the 80.00 a day
    assert "above the Meals and entertainment limit of 50.00 USD per expense" in detail.lines[1].policy_flag
    assert "comes to 90.00 USD, above the limit of 80.00 USD a day" in detail.lines[2].policy_flag
    assert detail.lines[0].policy_flag == ""
    assert len(detail.policy_flags) == 2 and detail.policy_flags[0].startswith("line 2: ")

    queue = books.company.expense_queries(carol).approval_queue()
    assert [c.id for c in queue] == [ref.id] and queue[0].claimant == "Alice Walker"
    posted, changes = books.company.expenses(carol).approve(ref.id, queue[0].version)
    assert posted.number == "EXP-2024-000001" and posted.entry_id and posted.bill_id
    assert changes.kinds >= {"expenses", "bills", "entries"}

    entry = books.queries.entry(posted.entry_id)
    assert entry.journal == "PUR" and entry.reference == "EXP-2024-000001" and entry.date == date(2024, 6, 30)
    lines = sorted((ln.account_code, ln.debit, ln.credit, ln.project) for ln in entry.lines)
    assert lines == [
        ("1450", D("15.00"), D("0"), ""),
        ("2100", D("0"), D("330.00"), ""),
        ("6170", D("240.00"), D("0"), "P1"),
        ("6180", D("25.00"), D("0"), ""),
        ("6180", D("50.00"), D("0"), "P1"),
    ]
    with UnitOfWork(books.company.engine, write=False) as uow:
        bill = uow.session.get(Bill, posted.bill_id)
        assert bill is not None
        assert (bill.kind, bill.state, bill.number) == (BillKind.EXPENSE_CLAIM, BillState.POSTED, "EXP-2024-000001")
        assert (bill.total, bill.open_amount, bill.tax_total, bill.claim_id) == (33000, 33000, 1500, ref.id)
        assert bill.entry_id == posted.entry_id and [ln.net for ln in bill.lines] == [24000, 5000, 2500]
        vendor = uow.session.get(Vendor, bill.vendor_id)
        assert vendor is not None and vendor.is_employee and vendor.code == "EMP-ALICE"
        assert vendor.name == "Alice Walker" and vendor.payment_terms == "due on receipt" and vendor.currency == "USD"
        vendor_id = vendor.id
        control = uow.session.execute(select(Bill.control_account_id).where(Bill.id == bill.id)).scalar_one()
    assert books.company.ledger_queries(books.ctx).accounts()  # the ledger reads back
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert detail.claim.state is ClaimState.POSTED and detail.bill_id == posted.bill_id
    assert detail.claim.decided_by == "Carol Checker" and control

    # a second claim of the same user reuses the claimant's vendor record and takes the next number
    second, _ = mine.submit(
        None, data=ClaimInput("Stationery", (ClaimLineInput(date(2024, 6, 12), "OFFICE", D("9.99")),))
    )
    again, _ = books.company.expenses(carol).approve(second.id)
    assert again.number == "EXP-2024-000002"
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert uow.session.execute(select(Vendor.id).where(Vendor.is_employee)).scalars().all() == [vendor_id]

    # the reports count posted claims by the date of each expense
    queries = books.company.expense_queries(carol)
    by_category = queries.expenses(ExpensesBy.CATEGORY, date(2024, 6, 1), date(2024, 6, 30))
    assert [r.cells[:2] for r in by_category.rows] == [
        ("MEALS", "Meals and entertainment"),
        ("OFFICE", "Office supplies"),
        ("TRAVEL", "Travel"),
    ]
    assert by_category.totals[0].cells[2:] == (2, 4, D("324.99"), D("15.00"), D("339.99"))
    render_file(by_category, tmp_path / "by-category.pdf")
    render_file(by_category, tmp_path / "by-category.csv")
    assert "MEALS,Meals and entertainment,1,2,75.00,15.00,90.00" in (tmp_path / "by-category.csv").read_text()
    by_employee = queries.expenses(ExpensesBy.EMPLOYEE, date(2024, 6, 1), date(2024, 6, 30))
    assert [r.cells[:3] for r in by_employee.rows] == [("alice", "Alice Walker", 2)]
    by_project = queries.expenses("project", date(2024, 6, 11), date(2024, 6, 30))
    assert [r.cells[:2] for r in by_project.rows] == [("", "No project")] and by_project.meta["gross"] == D("9.99")

    # paying the bill (the payment code calls mark_reimbursed in its unit of work) closes the claim
    with UnitOfWork(books.company.engine) as uow:
        paid = uow.session.get(Bill, posted.bill_id)
        assert paid is not None
        paid.state, paid.open_amount = BillState.PAID, 0
        uow.session.flush()
        assert mark_reimbursed(uow.session, carol, [posted.bill_id]) == [ref.id]
        uow.commit()
    assert books.company.expense_queries(alice).claim(ref.id).claim.state is ClaimState.REIMBURSED


def test_the_claimant_never_approves_their_own_claim(books: Books) -> None:
    _setup(books)
    _alice, carol = _people(books)
    # carol (a Controller) claims too; the company's segregation switch is off, and still she cannot approve
    ref, _ = books.company.expenses(carol).submit(None, data=_claim())
    with pytest.raises(ValidationError, match="your own claim"):
        books.company.expenses(carol).approve(ref.id)
    with pytest.raises(ValidationError, match="your own claim"):
        books.company.expenses(carol).reject(ref.id, "no")
    assert books.company.expense_queries(carol).approval_queue() == []
    posted, _ = books.company.expenses(books.ctx).approve(ref.id)  # another approver: the administrator
    assert posted.number == "EXP-2024-000001"


def test_rejection_sends_the_claim_back_to_be_changed(books: Books) -> None:
    _setup(books)
    alice, carol = _people(books)
    ref, _ = books.company.expenses(alice).submit(None, data=_claim())
    with pytest.raises(ValidationError, match="not yours"):
        books.company.expenses(carol).save_draft(_claim(), ref.id)
    with pytest.raises(ValidationError, match="say why"):
        books.company.expenses(carol).reject(ref.id, "  ")
    books.company.expenses(carol).reject(ref.id, "Dinner needs the guests' names")
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert detail.claim.state is ClaimState.REJECTED and detail.claim.decision_note == "Dinner needs the guests' names"
    with pytest.raises(ValidationError, match="rejected, not waiting"):
        books.company.expenses(carol).approve(ref.id)
    fixed = ClaimInput(
        "Berlin trip", (_claim().lines[0], ClaimLineInput(date(2024, 6, 10), "MEALS", D("45.00"), "Dinner: A. and B."))
    )
    ref, _ = books.company.expenses(alice).submit(ref.id, detail.claim.version, data=fixed)
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert detail.claim.state is ClaimState.SUBMITTED and not detail.claim.flagged and detail.claim.total == D("285.00")
    with pytest.raises(ValidationError, match="submitted: it can no longer be changed"):
        books.company.expenses(alice).save_draft(fixed, ref.id)
    books.company.expenses(carol).approve(ref.id)


def test_a_foreign_currency_line_is_converted_at_its_days_rate(books: Books) -> None:
    _setup(books)
    alice, carol = _people(books)
    line = ClaimLineInput(date(2024, 6, 10), "TRAVEL", D("100.00"), "Taxi", currency="EUR")
    with pytest.raises(ValidationError, match="line 1: no exchange rate for EUR on or before 2024-06-10"):
        books.company.expenses(alice).save_draft(ClaimInput("Paris", (line,)))
    fx = books.company.invoicing(books.ctx)
    fx.set_rate("EUR", date(2024, 6, 1), D("1.0825"))
    fx.set_rate("EUR", date(2024, 6, 11), D("1.2"))  # after the expense: not its rate
    jpy = ClaimLineInput(date(2024, 6, 10), "MEALS", D("1500"), "Ramen", currency="JPY", tax_code="")
    fx.set_rate("JPY", date(2024, 6, 1), D("0.0064"))
    ref, _ = books.company.expenses(alice).submit(None, data=ClaimInput("Paris and Tokyo", (line, jpy)))
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert [(ln.currency, ln.amount, ln.rate, ln.base_amount) for ln in detail.lines] == [
        ("EUR", D("100.00"), D("1.0825"), D("108.25")),
        ("JPY", D("1500"), D("0.0064"), D("9.60")),
    ]
    posted, _ = books.company.expenses(carol).approve(ref.id)
    entry = books.queries.entry(posted.entry_id or 0)
    assert sum(ln.credit for ln in entry.lines) == D("117.85")
    bad = ClaimLineInput(date(2024, 6, 10), "TRAVEL", D("1.005"), currency="EUR")
    with pytest.raises(ValidationError, match="line 1: amount"):
        books.company.expenses(alice).save_draft(ClaimInput("bad", (bad,)))


def test_a_receipt_is_stored_with_its_line_and_read_back(books: Books) -> None:
    _setup(books)
    alice, carol = _people(books)
    first = ClaimLineInput(date(2024, 6, 10), "TRAVEL", D("240.00"), "Train", receipt=ReceiptFile("train.pdf", PDF))
    ref, _ = books.company.expenses(alice).save_draft(ClaimInput("Trip", (first, _claim().lines[2])))
    mine = books.company.expenses(alice)
    ref, _ = mine.attach_receipt(ref.id, 2, ReceiptFile("/home/alice/lunch.jpg", b"\xff\xd8\xff jpeg"))
    detail = books.company.expense_queries(alice).claim(ref.id)
    assert [ln.receipt_filename for ln in detail.lines] == ["train.pdf", "lunch.jpg"]
    assert mine.open_receipt(ref.id, 1) == ("train.pdf", PDF)
    # saving again keeps the receipts the form carries
    kept = ClaimInput(
        "Trip",
        tuple(
            ClaimLineInput(ln.date, ln.category, ln.amount, ln.description, receipt_document_id=ln.receipt_document_id)
            for ln in detail.lines
        ),
    )
    ref, _ = mine.submit(ref.id, ref.version, data=kept)
    assert books.company.expense_queries(carol).claim(ref.id).lines[1].receipt_filename == "lunch.jpg"
    assert books.company.expenses(carol).open_receipt(ref.id, 2) == ("lunch.jpg", b"\xff\xd8\xff jpeg")
    with pytest.raises(ValidationError, match="not one of this claim's"):
        other = ClaimLineInput(
            date(2024, 6, 10), "TRAVEL", D("1.00"), receipt_document_id=detail.lines[0].receipt_document_id
        )
        mine.save_draft(ClaimInput("Another", (other,)))


def test_who_may_claim_and_who_may_approve(books: Books) -> None:
    _setup(books)
    alice, _carol = _people(books)
    books.company.add_user(books.ctx, "vera", PASSWORD, roles=("Viewer",))
    vera = books.company.login("vera", PASSWORD)
    ref, _ = books.company.expenses(alice).submit(None, data=_claim())
    with pytest.raises(PermissionDenied):
        books.company.expenses(vera).save_draft(_claim())
    with pytest.raises(PermissionDenied):
        books.company.expenses(alice).approve(ref.id)
    with pytest.raises(PermissionDenied):
        books.company.expense_queries(alice).approval_queue()
    with pytest.raises(PermissionDenied):
        books.company.expenses(alice).create_category(CategoryInput("X", "X", "6130"))
    assert [c.code for c in books.company.expense_queries(alice).categories()][:2] == ["MEALS", "OFFICE"]
    # the viewer reads everyone's claims (payables.view) but not drafts
    books.company.expenses(alice).save_draft(_claim())
    assert [c.id for c in books.company.expense_queries(vera).claims()] == [ref.id]


def test_categories_are_checked(books: Books) -> None:
    expenses = books.company.expenses(books.ctx)
    with pytest.raises(ValidationError) as bad:
        expenses.create_category(CategoryInput("bad code!", "", "1100", "NOPE", D("-1"), D("1.001")))
    message = str(bad.value)
    assert "code:" in message and "name:" in message and "not an expense account" in message
    assert "unknown or inactive tax code 'NOPE'" in message and "more than zero" in message
    new_id, _ = expenses.create_category(CategoryInput("taxi", "Taxis", "6170", limit_per_line=D("80")))
    with pytest.raises(ValidationError, match="already exists"):
        expenses.create_category(CategoryInput("TAXI", "Taxis", "6170"))
    row = books.company.expense_queries(books.ctx).categories()[0]
    assert (row.code, row.account, row.limit_per_line, row.limit_per_day) == ("TAXI", "6170", D("80.00"), None)
    expenses.set_category_active(new_id, False, row.version)
    books.company.add_user(books.ctx, "alice", PASSWORD, roles=("AR clerk",))
    alice = books.company.login("alice", PASSWORD)
    assert books.company.expense_queries(alice).choices().categories == ()
    with pytest.raises(ValidationError, match="category TAXI is no longer in use"):
        books.company.expenses(alice).save_draft(ClaimInput("x", (ClaimLineInput(date(2024, 6, 1), "TAXI", D("5")),)))


def test_a_rate_is_given_for_the_live_total(books: Books) -> None:
    _alice, _carol = _people(books)
    with UnitOfWork(books.company.engine) as uow:
        uow.session.add(ExchangeRate(currency="GBP", day=date(2024, 1, 1), rate="1.27"))
        uow.commit()
    queries = books.company.expense_queries(books.company.login("alice", PASSWORD))
    assert queries.rate("gbp", date(2024, 6, 1)) == D("1.27")
    assert queries.rate("GBP", date(2023, 6, 1)) is None
    assert queries.rate("USD", date(2023, 6, 1)) == D("1")


# ----------------------------------------------------------------------------- a secured PostgreSQL server


@pytest.mark.postgres
def test_claims_over_their_own_database_logins(secured_server: Server) -> None:
    """The AR clerk claims with a receipt, an approver holding payables.expense.approve and no
    ledger.entry.post approves and posts over their own login; at psql neither reaches further."""
    server = secured_server
    admin = server.company.login("admin", ADMIN_PASSWORD)
    server.company.expenses(admin).use_standard_categories()
    server.company.roles(admin).create_role(
        "Expense approver", "approves claims", ["payables.expense.approve", "payables.expense.submit", "payables.view"]
    )
    server.company.add_user(admin, "approver", SECURED_PASSWORD, roles=("Expense approver",))
    company, clerk = server.open_as("arclerk")
    try:
        line = ClaimLineInput(date(2024, 3, 1), "TRAVEL", D("42.50"), "Taxi", receipt=ReceiptFile("taxi.pdf", PDF))
        ref, _ = company.expenses(clerk).submit(None, data=ClaimInput("Client visit", (line,)))
        assert company.expenses(clerk).open_receipt(ref.id, 1) == ("taxi.pdf", PDF)
        with pytest.raises(PermissionDenied):
            company.expenses(clerk).approve(ref.id)
    finally:
        company.close()
    company, approver = server.open_as("approver")
    try:
        assert not approver.can("ledger.entry.post")
        assert company.expenses(approver).open_receipt(ref.id, 1) == ("taxi.pdf", PDF)
        posted, _ = company.expenses(approver).approve(ref.id)
    finally:
        company.close()
    with psycopg.connect(server.admin_url) as conn:
        rows = conn.execute(
            "SELECT e.source, u.username, b.kind, b.open_amount, v.code FROM journal_entries e "
            "JOIN users u ON u.id = e.posted_by JOIN bills b ON b.entry_id = e.id JOIN vendors v ON v.id = b.vendor_id"
        ).fetchall()
    assert rows == [("ap_expense", "approver", "expense_claim", 4250, "EMP-ARCLERK")] and posted.number
    with server.raw("arclerk") as conn:  # the clerk at psql: no vendor of their own making, no other receipts
        assert "permission denied" in refused(conn, "INSERT INTO vendors (code) VALUES ('X')")
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (1,)
    with server.raw("acct") as conn:  # the accountant holds document.view: every document, as before
        assert conn.execute("SELECT count(*) FROM document_versions").fetchone() == (1,)
    with server.raw("payroll") as conn:  # a claimant without document.view: none of the clerk's receipts
        assert conn.execute("SELECT count(*) FROM document_versions").fetchone() == (0,)
        assert "row-level security" in refused(
            conn,
            "INSERT INTO documents (owner_kind, owner_id, name, current_version, created_at, version) "
            "VALUES ('journal_entry', '1', 'x', 1, now(), 1)",
        )


def refused(conn: psycopg.Connection, statement: str) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
        conn.commit()
    conn.rollback()
    return str(caught.value)


def test_paying_the_claims_bill_reimburses_the_claim_and_a_void_reopens_it(books: Books) -> None:
    _setup(books)
    alice, carol = _people(books)
    ref, _ = books.company.expenses(alice).submit(None, data=_claim())
    posted, _ = books.company.expenses(carol).approve(ref.id)
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Operating", "1100", "USD"))
    payments = books.company.vendor_payments(books.ctx)
    paid, _ = payments.pay(PaymentInput("EMP-ALICE", "Operating", date(2024, 6, 30), (BillToPay(posted.number),)))
    assert paid.amount == D("330.00")
    assert books.company.expense_queries(alice).claim(ref.id).claim.state is ClaimState.REIMBURSED
    payments.void(paid.number, date(2024, 6, 30), "sent to the wrong account")
    assert books.company.expense_queries(alice).claim(ref.id).claim.state is ClaimState.POSTED
