"""Bills and vendor credit notes: the approval workflow (threshold, segregation of duties), duplicates,
posting figures to the cent (foreign currency too), credit notes applied, recurring bills, and a property:
any bill posts a balanced entry whose payable credit is the bill's base total."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.models import Frequency, JournalLine
from paksa_desktop.payables.bill_inputs import BillInput, RecurringBillInput
from paksa_desktop.payables.bills import DuplicateBill
from paksa_desktop.payables.models import ApprovalAction, BillState, PaymentAllocation
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.security.context import UserContext
from tests.conftest import Books
from tests.payables.bill_fixtures import D, bill, line, with_taxes, with_vendor

PASSWORD = "clerk-password-42"


def login_as(books: Books, username: str, role: str) -> UserContext:
    books.company.add_user(books.ctx, username, PASSWORD, roles=(role,))
    return books.company.login(username, PASSWORD)


def set_policy(books: Books, creator_cannot_approve: bool) -> None:
    values = books.company.security_queries(books.ctx).policy()
    books.company.security_policy(books.ctx).update_policy(
        dataclasses.replace(values, creator_cannot_approve=creator_cannot_approve)
    )


def lines_of(books: Books, entry_id: int | None) -> list[tuple[str, Decimal, str, str]]:
    """(account, signed amount, department, project) of a posted entry."""
    assert entry_id is not None
    detail = books.queries.entry(entry_id)
    return [(ln.account_code, ln.debit - ln.credit, ln.department, ln.project) for ln in detail.lines]


def post(books: Books, data: BillInput, ctx: UserContext | None = None, **kw: object):  # type: ignore[no-untyped-def]
    """Enter, submit, approve and post a bill as one user (the policy is off by default)."""
    service = books.company.bills(ctx or books.ctx)
    ref, _ = service.save_draft(data)
    service.submit(ref.id)
    if books.company.bill_queries(ctx or books.ctx).bill(ref.id).row.state is BillState.SUBMITTED:
        service.approve(ref.id)
    posted, _ = service.post(ref.id, **kw)  # type: ignore[arg-type]
    return posted


# ------------------------------------------------------------------------------------------ posting


def test_a_bill_goes_from_draft_to_posted_with_its_entry_to_the_cent(books: Books) -> None:
    with_vendor(with_taxes(books), payment_terms="2/10 net 30")
    books.ledger.create_department("ADMIN", "Administration")
    books.ledger.create_project("WEB", "Website")
    data = bill(
        "V001",
        "2024-03-01",
        line("Paper", "3", "12.50", tax_code="VAT20", account="6130", department="ADMIN"),
        line("Rent", "1", "1000.00", tax_code="", account="6100"),
        line("Lunch", "2", "10.50", tax_code="VAT5I", account="6180", project="WEB"),
        vendor_invoice="INV-7",
    )
    service = books.company.bills(books.ctx)
    queries = books.company.bill_queries(books.ctx)
    ref, changes = service.save_draft(data)
    assert ref.state is BillState.DRAFT and ref.number is None and changes
    with pytest.raises(ValidationError, match="only an approved bill is posted"):
        service.post(ref.id)
    submitted, _ = service.submit(ref.id, ref.version)
    assert submitted.state is BillState.SUBMITTED
    assert [r.id for r in queries.approval_queue()] == [ref.id]
    service.approve(submitted.id, submitted.version, note="checked against the delivery note")
    posted, _ = service.post(ref.id)
    assert (posted.state, posted.number) == (BillState.POSTED, "BILL-2024-000001")

    detail = queries.bill(ref.id)
    assert (detail.net_total, detail.tax_total, detail.row.total) == (D("1057.50"), D("8.50"), D("1066.00"))
    assert detail.row.open_amount == D("1066.00") and detail.row.due_date == date(2024, 3, 31)
    assert detail.discount_date == date(2024, 3, 11) and detail.terms == "2/10 net 30"
    assert [(ln.account, ln.net, ln.tax) for ln in detail.lines] == [
        ("6130", D("37.50"), D("7.50")),
        ("6100", D("1000.00"), D("0.00")),
        ("6180", D("20.00"), D("1.00")),
    ]
    assert [(a.action, a.note) for a in detail.approvals] == [
        (ApprovalAction.SUBMITTED, ""),
        (ApprovalAction.APPROVED, "checked against the delivery note"),
    ]
    assert detail.entry_number == "PUR-2024-000001"
    assert lines_of(books, posted.entry_id) == [
        ("2010", D("-1066.00"), "", ""),
        ("6130", D("37.50"), "ADMIN", ""),
        ("1450", D("8.50"), "", ""),
        ("6100", D("1000.00"), "", ""),
        ("6180", D("20.00"), "", "WEB"),
    ]
    with pytest.raises(ValidationError, match="never edited"):
        service.save_draft(data, ref.id)
    with UnitOfWork(books.company.engine, write=False) as uow:
        from paksa_desktop.audit.models import AuditRecord

        actions = uow.session.execute(
            select(AuditRecord.action).where(AuditRecord.entity == "bill").order_by(AuditRecord.seq)
        ).scalars()
        assert list(actions) == ["create", "submit", "approve", "post"]


def test_a_foreign_bill_posts_base_amounts_at_its_rate(sqlite_books: Books) -> None:
    books = with_vendor(with_taxes(sqlite_books), "EU1", currency="EUR")
    data = bill("EU1", "2024-04-02", line("Parts", "3", "33.33", tax_code="VAT20"), rate=D("1.1"))
    posted = post(books, data)
    detail = books.company.bill_queries(books.ctx).bill(posted.id)
    assert (detail.row.currency, detail.row.total, detail.row.base_total) == ("EUR", D("119.99"), D("131.99"))
    assert lines_of(books, posted.entry_id) == [
        ("2010", D("-131.99"), "", ""),
        ("6130", D("109.99"), "", ""),
        ("1450", D("22.00"), "", ""),
    ]
    with pytest.raises(ValidationError, match=r"rate: .*EUR"):  # no rate given and none in the table
        books.company.bills(books.ctx).save_draft(bill("EU1", "2024-04-02"))


def test_bad_input_names_the_field_or_line(sqlite_books: Books) -> None:
    books = with_vendor(with_taxes(sqlite_books))
    service = books.company.bills(books.ctx)
    cases = [
        (bill("NOPE"), "vendor: unknown vendor 'NOPE'"),
        (bill("V001", "2024-03-01", line(tax_code="XX")), "line 1: tax code: unknown tax code 'XX'"),
        (bill("V001", "2024-03-01", line(), line(price="1.234")), "line 2: unit price: 1.234 has more than 2"),
        (bill("V001", "2024-03-01", line(account="9999")), "line 1: account: unknown account '9999'"),
        (bill("V001", "2024-03-01", due_date=date(2024, 2, 1)), "due date: 2024-02-01 is before"),
        (bill("V001", "2024-03-01", line(quantity="0")), "line 1: quantity: must be more than zero"),
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message):
            service.save_draft(data)
    assert books.company.bill_queries(books.ctx).bills() == []


# ------------------------------------------------------------------------------------------ approval


def test_the_creator_cannot_approve_when_the_policy_is_on(books: Books) -> None:
    with_vendor(books)
    clerk = login_as(books, "apclerk", "AP clerk")
    controller = login_as(books, "ctrl", "Controller")
    mine, _ = books.company.bills(books.ctx).save_draft(bill(vendor_invoice="A-1"))
    books.company.bills(books.ctx).submit(mine.id)
    set_policy(books, True)
    assert books.company.bill_queries(books.ctx).approval_queue() == []  # not one's own
    with pytest.raises(ValidationError, match="segregation-of-duties"):
        books.company.bills(books.ctx).approve(mine.id)
    with pytest.raises(ValidationError, match="segregation-of-duties"):
        books.company.bills(books.ctx).approve_and_post(mine.id)
    with pytest.raises(PermissionDenied):
        books.company.bills(clerk).approve(mine.id)
    assert books.company.bill_queries(clerk).approval_queue() == []  # a clerk approves nothing
    assert [r.id for r in books.company.bill_queries(controller).approval_queue()] == [mine.id]
    books.company.bills(controller).approve(mine.id)
    posted, _ = books.company.bills(clerk).post(mine.id)  # the clerk posts what the controller approved
    assert posted.state is BillState.POSTED

    set_policy(books, False)
    again, _ = books.company.bills(books.ctx).save_draft(bill(vendor_invoice="A-2", on="2024-05-01"))
    done, _ = books.company.bills(books.ctx).approve_and_post(again.id)
    assert done.state is BillState.POSTED and done.number == "BILL-2024-000002"
    steps = [a.action for a in books.company.bill_queries(books.ctx).bill(again.id).approvals]
    assert steps == [ApprovalAction.SUBMITTED, ApprovalAction.APPROVED]


def test_below_the_threshold_a_bill_is_approved_at_once(sqlite_books: Books) -> None:
    books = with_vendor(sqlite_books)
    setup = books.company.payables_setup(books.ctx)
    current = setup.settings()
    assert current is not None
    setup.update_settings(dataclasses.replace(current, approval_threshold=D("500.00")))
    service = books.company.bills(books.ctx)
    small, _ = service.save_draft(bill(vendor_invoice="S-1"))
    large, _ = service.save_draft(bill("V001", "2024-03-02", line(price="600.00", tax_code=""), vendor_invoice="L-1"))
    assert service.submit(small.id)[0].state is BillState.APPROVED
    assert service.submit(large.id)[0].state is BillState.SUBMITTED
    history = books.company.bill_queries(books.ctx).bill(small.id).approvals
    assert [(a.action, a.note) for a in history] == [
        (ApprovalAction.SUBMITTED, ""),
        (ApprovalAction.APPROVED, "below the approval threshold of 500.00: approved automatically"),
    ]


def test_a_rejected_bill_goes_back_to_its_clerk_with_the_reason(sqlite_books: Books) -> None:
    books = with_vendor(sqlite_books)
    service = books.company.bills(books.ctx)
    ref, _ = service.save_draft(bill())
    service.submit(ref.id)
    with pytest.raises(ValidationError, match="reason"):
        service.reject(ref.id, "  ")
    back, _ = service.reject(ref.id, "wrong cost centre")
    assert back.state is BillState.DRAFT
    edited, _ = service.save_draft(bill("V001", "2024-03-01", line(account="6140", tax_code="")), ref.id, back.version)
    assert edited.version > back.version
    history = books.company.bill_queries(books.ctx).bill(ref.id).approvals
    assert [(a.action, a.note) for a in history][-1] == (ApprovalAction.REJECTED, "wrong cost centre")
    service.delete_draft(ref.id)
    with pytest.raises(NotFoundError):
        books.company.bill_queries(books.ctx).bill(ref.id)


# ------------------------------------------------------------------------------------------ duplicates


def test_duplicates_are_warned_then_blocked_unless_overridden(books: Books) -> None:
    with_vendor(books)
    first = post(books, bill("V001", "2024-03-01", vendor_invoice="INV-001"))
    service = books.company.bills(books.ctx)
    same_number = bill("V001", "2024-04-20", line(price="55.00", tax_code=""), vendor_invoice=" inv-001 ")
    [warning] = service.duplicates(same_number)
    assert (warning.bill_id, warning.number, warning.reason) == (
        first.id,
        "BILL-2024-000001",
        "same vendor invoice number",
    )
    same_amount = bill("V001", "2024-03-06", vendor_invoice="INV-002")
    assert [w.reason for w in service.duplicates(same_amount)] == ["same amount within 7 days"]
    assert service.duplicates(bill("V001", "2024-03-09", vendor_invoice="INV-003")) == []  # 8 days later

    ref, _ = service.save_draft(same_amount)
    service.submit(ref.id)
    service.approve(ref.id)
    with pytest.raises(DuplicateBill, match="BILL-2024-000001") as refused:
        service.post(ref.id)
    assert refused.value.warnings[0].bill_id == first.id
    posted, _ = service.post(ref.id, override_reason="two deliveries on the same terms")
    assert posted.number == "BILL-2024-000002"
    history = books.company.bill_queries(books.ctx).bill(ref.id).approvals
    assert (history[-1].action, history[-1].note) == (
        ApprovalAction.DUPLICATE_OVERRIDE,
        "two deliveries on the same terms",
    )


# ------------------------------------------------------------------------------------------ credit notes


def test_a_credit_note_is_applied_to_its_bill(books: Books) -> None:
    with_vendor(books)
    target = post(books, bill("V001", "2024-03-01", line(price="500.00", tax_code=""), vendor_invoice="B-1"))
    note = post(
        books,
        bill("V001", "2024-03-10", line("Returned paper", price="200.00", tax_code=""), vendor_invoice="CN-1",
             credit_note=True, credits=target.number),
    )  # fmt: skip
    assert note.number == "VCN-2024-000001"
    assert lines_of(books, note.entry_id) == [("2010", D("200.00"), "", ""), ("6130", D("-200.00"), "", "")]
    queries = books.company.bill_queries(books.ctx)
    assert (queries.bill(target.id).row.state, queries.bill(target.id).row.open_amount) == (
        BillState.PARTIALLY_PAID,
        D("300.00"),
    )
    assert (queries.bill(note.id).row.state, queries.bill(note.id).row.open_amount) == (BillState.PAID, D("0.00"))
    # a second credit note, applied by hand in part; one currency, one rate: no entry
    other = post(books, bill("V001", "2024-03-12", line(price="120.00", tax_code=""), credit_note=True))
    assert other.number == "VCN-2024-000002"
    books.company.bills(books.ctx).apply_credit_note(other.number, target.number, D("100.00"))
    assert queries.bill(target.id).row.open_amount == D("200.00")
    assert queries.bill(other.id).row.open_amount == D("20.00")
    with pytest.raises(ValidationError, match="amount"):
        books.company.bills(books.ctx).apply_credit_note(other.number, target.number, D("30.00"))
    with UnitOfWork(books.company.engine, write=False) as uow:
        allocations = uow.session.execute(
            select(PaymentAllocation.amount, PaymentAllocation.entry_id).order_by(PaymentAllocation.id)
        ).all()
    assert [tuple(a) for a in allocations] == [(20000, None), (10000, None)]
    assert books.queries.count_entries() == 3  # two credit notes and the bill; the applications moved nothing


def test_a_credit_note_at_another_rate_posts_the_exchange_difference(sqlite_books: Books) -> None:
    books = with_vendor(sqlite_books, "EU1", currency="EUR")
    target = post(books, bill("EU1", "2024-03-01", line(price="100.00", tax_code=""), rate=D("1.2")))
    note = post(books, bill("EU1", "2024-03-05", line(price="100.00", tax_code=""), rate=D("1.1"), credit_note=True))
    books.company.bills(books.ctx).apply_credit_note(note.number, target.number)
    detail = books.company.bill_queries(books.ctx).bill(target.id)
    assert detail.row.state is BillState.PAID
    with UnitOfWork(books.company.engine, write=False) as uow:
        entry_id = uow.session.execute(select(PaymentAllocation.entry_id)).scalar_one()
    assert lines_of(books, entry_id) == [("2010", D("10.00"), "", ""), ("4120", D("-10.00"), "", "")]


# ------------------------------------------------------------------------------------------ recurring


def test_recurring_bills_raise_drafts_when_due(sqlite_books: Books) -> None:
    books = with_vendor(sqlite_books)
    service = books.company.bills(books.ctx)
    rent = RecurringBillInput(
        "Office rent", "V001", Frequency.MONTHLY, date(2024, 1, 31),
        (line("Rent", price="1000.00", tax_code="", account="6100"),), end_date=date(2024, 3, 31), memo="Rent",
    )  # fmt: skip
    template_id, _ = service.save_recurring(rent)
    with pytest.raises(ValidationError, match="already exists"):
        service.save_recurring(rent)
    refs, changes = service.generate_due(date(2024, 2, 29))
    assert [r.state for r in refs] == [BillState.DRAFT, BillState.DRAFT] and changes
    queries = books.company.bill_queries(books.ctx)
    assert sorted(b.date for b in queries.bills()) == [date(2024, 1, 31), date(2024, 2, 29)]
    [template] = queries.recurring_bills()
    assert (template.id, template.next_date, template.is_active) == (template_id, date(2024, 3, 29), True)
    refs, _ = service.generate_due(date(2024, 12, 31), submit=True)
    assert [r.state for r in refs] == [BillState.SUBMITTED]
    [template] = queries.recurring_bills()
    assert template.is_active is False  # past its end date
    assert service.generate_due(date(2024, 12, 31)) == ([], service.generate_due(date(2024, 12, 31))[1])
    assert queries.bills(state=BillState.SUBMITTED)[0].total == D("1000.00")


# ------------------------------------------------------------------------------------------ queries


def test_the_bills_list_filters(sqlite_books: Books) -> None:
    books = with_vendor(with_vendor(sqlite_books), "V002")
    post(books, bill("V001", "2024-03-01", vendor_invoice="X-1"))
    service = books.company.bills(books.ctx)
    service.save_draft(bill("V002", "2024-03-15", due_date=date(2024, 3, 20)))
    queries = books.company.bill_queries(books.ctx)
    assert [b.vendor_code for b in queries.bills()] == ["V002", "V001"]
    assert [b.vendor_code for b in queries.bills(state="posted")] == ["V001"]
    assert [b.vendor_code for b in queries.bills(vendor="V002")] == ["V002"]
    assert [b.vendor_code for b in queries.bills(due_before=date(2024, 3, 25))] == ["V002"]


# ------------------------------------------------------------------------------------------ property


AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D("5000.00"), places=2)
QUANTITIES = st.decimals(min_value=D("1"), max_value=D("40"), places=2)  # every line worth a cent or more
LINES = st.lists(
    st.tuples(QUANTITIES, AMOUNTS, st.sampled_from(["", "VAT20", "VAT5I"]), st.sampled_from(["6130", "6100", "1540"])),
    min_size=1,
    max_size=5,
)


@pytest.fixture
def property_books(sqlite_books: Books) -> Books:
    books = with_vendor(with_vendor(with_taxes(sqlite_books)), "EU1", currency="EUR")
    return books


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES, foreign=st.booleans(), rate=st.decimals(min_value=D("0.5"), max_value=D("2"), places=4))
def test_any_bill_posts_a_balanced_entry_crediting_its_total(
    property_books: Books, lines: list[tuple[Decimal, Decimal, str, str]], foreign: bool, rate: Decimal
) -> None:
    books = property_books
    data = BillInput(
        "EU1" if foreign else "V001",
        date(2024, 6, 1),
        tuple(line("Item", str(q), str(p), tax_code=t, account=a) for q, p, t, a in lines),
        rate=rate if foreign else None,
    )
    service = books.company.bills(books.ctx)
    ref, _ = service.save_draft(data)
    posted, _ = service.approve_and_post(ref.id, override_reason="property test")
    detail = books.company.bill_queries(books.ctx).bill(ref.id)
    entry = lines_of(books, posted.entry_id)
    assert sum(amount for _a, amount, _d, _p in entry) == 0
    payable = [amount for account, amount, _d, _p in entry if account == "2010"]
    total_units = int(detail.row.total * 100)
    assert payable == [-D(to_base(total_units, rate if foreign else D(1), "EUR" if foreign else "USD", "USD")) / 100]
    assert detail.net_total + detail.tax_total == detail.row.total
    with UnitOfWork(books.company.engine, write=False) as uow:
        count = uow.session.execute(
            select(func.count()).select_from(JournalLine).where(JournalLine.entry_id == posted.entry_id)
        ).scalar_one()
    assert count == len(entry)
