"""Vendor credit: payments on account (prepayments and overpayments), applying them and credit notes to
bills later, refunds from vendors, and the voids of both — the exact GL entries and open amounts, on
SQLite and PostgreSQL (the `books` fixture runs each test on both)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.payables.models import VendorPayment, VendorRefund
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.payables.vendor_credit import CreditUse
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, entry_lines, gl_balance, open_amounts

JUNE = date(2024, 6, 3)
D = Decimal


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    return p


def pay(ap: Payables, vendor: str, on: date, *bills: BillToPay, **kw: object):  # type: ignore[no-untyped-def]
    data = PaymentInput(vendor, kw.pop("bank", "Operating"), on, tuple(bills), **kw)  # type: ignore[arg-type]
    return ap.books.company.vendor_payments(ap.user).pay(data)[0]


def unapplied(ap: Payables, number: str) -> int:
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        return int(
            uow.session.execute(select(VendorPayment.unapplied).where(VendorPayment.number == number)).scalar_one()
        )


def test_a_prepayment_debits_the_payable_and_is_applied_to_a_later_bill(ap: Payables) -> None:
    ap.vendor("V1")
    ref = pay(ap, "V1", JUNE, amount=D("500.00"), reference="deposit")
    assert (ref.amount, ref.unapplied) == (D("500.00"), D("500.00"))
    assert entry_lines(ap.books, ref.entry_id) == [("1100", "-500.00"), ("2010", "500.00")]
    credit = ap.books.company.vendor_credit(ap.user)
    [row] = credit.credits("V1")
    assert (row.kind, row.number, row.available, row.reference) == ("payment", ref.number, D("500.00"), "deposit")
    bill = ap.bill("V1", "800.00", date(2024, 6, 10))
    ids, _ = credit.apply(ref.number, [CreditUse(bill)], date(2024, 6, 12))
    assert len(ids) == 1
    assert open_amounts(ap.books)[bill] == (30000, "partially_paid") and unapplied(ap, ref.number) == 0
    assert credit.credits("V1") == []
    assert gl_balance(ap.books, "2010") == -30000  # one rate: the application moves no GL balance
    rows = ap.books.company.vendor_payments(ap.user).payment(ref.number).allocations
    assert [(a.kind, a.bill, a.amount) for a in rows] == [("payment", bill, D("500.00"))]


def test_paying_more_than_the_bills_keeps_the_rest_on_account(ap: Payables) -> None:
    ap.vendor("V1")
    bill = ap.bill("V1", "300.00", JUNE)
    ref = pay(ap, "V1", date(2024, 6, 5), BillToPay(bill), amount=D("450.00"))
    assert (ref.amount, ref.unapplied) == (D("450.00"), D("150.00"))
    assert entry_lines(ap.books, ref.entry_id) == [("1100", "-450.00"), ("2010", "450.00")]
    assert open_amounts(ap.books)[bill] == (0, "paid") and unapplied(ap, ref.number) == 15000
    assert gl_balance(ap.books, "2010") == 15000  # the vendor owes us: a debit balance


def test_a_foreign_prepayment_applied_at_another_rate_realises_the_difference(ap: Payables) -> None:
    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    ref = pay(ap, "E1", JUNE, amount=D("1000.00"), bank="Euro account", rate=D("1.10"))
    assert entry_lines(ap.books, ref.entry_id) == [("1110", "-1100.00"), ("2010", "1100.00")]
    bill = ap.bill("E1", "1000.00", date(2024, 6, 10), rate="1.20")
    credit = ap.books.company.vendor_credit(ap.user)
    ids, _ = credit.apply(ref.number, [CreditUse(bill, D("400.00"))], date(2024, 6, 11))
    ids2, _ = credit.apply(ref.number, [CreditUse(bill)], date(2024, 6, 12))
    # 1000 EUR of payable at 1.20 relieved with 1000 EUR prepaid at 1.10: a gain of 100, exactly
    assert gl_balance(ap.books, "2010") == 0 and gl_balance(ap.books, "4120") == -10000
    assert open_amounts(ap.books)[bill] == (0, "paid") and unapplied(ap, ref.number) == 0
    # the void of the payment reverses the payment and both exchange differences: the bill is owed again
    void_entry, _ = ap.books.company.vendor_payments(ap.user).void(ref.number, date(2024, 6, 20), "recalled")
    assert entry_lines(ap.books, void_entry) == [("1110", "1100.00"), ("2010", "-1200.00"), ("4120", "100.00")]
    assert open_amounts(ap.books)[bill] == (100000, "posted")
    assert gl_balance(ap.books, "2010") == -120000 and gl_balance(ap.books, "4120") == 0
    assert unapplied(ap, ref.number) == 0 and credit.credits("E1") == []
    assert len(ids) == len(ids2) == 1


def test_a_vendor_refunds_a_prepayment_and_a_credit_note(ap: Payables) -> None:
    ap.vendor("V1")
    ref = pay(ap, "V1", JUNE, amount=D("200.00"))
    note = ap.credit_note("V1", "300.00", JUNE)
    credit = ap.books.company.vendor_credit(ap.user)
    first, _ = credit.refund(ref.number, D("120.00"), "Operating", date(2024, 6, 8), reference="their ref 1")
    assert entry_lines(ap.books, first.entry_id) == [("1100", "120.00"), ("2010", "-120.00")]
    assert unapplied(ap, ref.number) == 8000
    second, _ = credit.refund(note, D("300.00"), "Operating", date(2024, 6, 9))
    assert entry_lines(ap.books, second.entry_id) == [("1100", "300.00"), ("2010", "-300.00")]
    assert open_amounts(ap.books)[note] == (0, "paid")
    assert [(c.number, c.available) for c in credit.credits("V1")] == [(ref.number, D("80.00"))]
    assert gl_balance(ap.books, "2010") == 8000
    # a payment with a refund is not voided until the refund is
    payments = ap.books.company.vendor_payments(ap.user)
    with pytest.raises(ValidationError, match="void the refund first"):
        payments.void(ref.number, date(2024, 6, 10), "wrong vendor")
    with pytest.raises(ValidationError, match="needs a reason"):
        credit.void_refund(first.id, date(2024, 6, 10), "")
    void_entry, _ = credit.void_refund(first.id, date(2024, 6, 10), "bounced")
    assert entry_lines(ap.books, void_entry) == [("1100", "-120.00"), ("2010", "120.00")]
    assert unapplied(ap, ref.number) == 20000
    credit.void_refund(second.id, date(2024, 6, 10), "bounced too")
    assert open_amounts(ap.books)[note] == (30000, "posted")
    with pytest.raises(ValidationError, match="already voided"):
        credit.void_refund(second.id, date(2024, 6, 11), "again")
    listed = credit.refunds("V1")
    assert {(r.source, r.amount, r.voided_on) for r in listed} == {
        (ref.number, D("120.00"), date(2024, 6, 10)),
        (note, D("300.00"), date(2024, 6, 10)),
    }
    payments.void(ref.number, date(2024, 6, 11), "wrong vendor")
    assert gl_balance(ap.books, "2010") == 30000 and gl_balance(ap.books, "1100") == 0


def test_a_foreign_refund_at_the_days_rate_realises_the_difference(ap: Payables) -> None:
    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    note = ap.credit_note("E1", "500.00", JUNE, rate="1.10")
    credit = ap.books.company.vendor_credit(ap.user)
    ref, _ = credit.refund(note, D("500.00"), "Euro account", date(2024, 6, 20), rate=D("1.00"))
    assert entry_lines(ap.books, ref.entry_id) == [("1110", "500.00"), ("2010", "-550.00"), ("7020", "50.00")]
    assert gl_balance(ap.books, "2010") == 0


def test_a_credit_note_is_applied_through_vendor_credit(ap: Payables) -> None:
    ap.vendor("V1")
    bill = ap.bill("V1", "400.00", JUNE)
    note = ap.credit_note("V1", "150.00", JUNE)
    ap.books.company.vendor_credit(ap.user).apply(note, [CreditUse(bill)], date(2024, 6, 5))
    assert open_amounts(ap.books)[bill] == (25000, "partially_paid") and open_amounts(ap.books)[note] == (0, "paid")


def test_bad_credit_operations_are_refused_and_write_nothing(ap: Payables) -> None:
    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("V1")
    ap.vendor("V2")
    ref = pay(ap, "V1", JUNE, amount=D("100.00"))
    other = ap.bill("V2", "50.00", JUNE)
    bill = ap.bill("V1", "500.00", JUNE)
    credit = ap.books.company.vendor_credit(ap.user)
    cases = [
        (lambda: credit.apply(ref.number, [CreditUse(other)], JUNE), ValidationError, "is not V1's"),
        (lambda: credit.apply(ref.number, [CreditUse(bill, D("100.01"))], JUNE), ValidationError, "left on"),
        (lambda: credit.apply(ref.number, [], JUNE), ValidationError, "at least one bill"),
        (lambda: credit.apply("PMT-XX", [CreditUse(bill)], JUNE), NotFoundError, "does not exist"),
        (lambda: credit.refund(ref.number, D("100.01"), "Operating", JUNE), ValidationError, "more than"),
        (lambda: credit.refund(ref.number, D("0"), "Operating", JUNE), ValidationError, "more than zero"),
        (lambda: credit.refund(ref.number, D("1"), "Euro account", JUNE), ValidationError, "is in EUR"),
        (lambda: credit.refund(ref.number, D("1"), "Operating", date(2024, 6, 1)), ValidationError, "cannot be used"),
        (lambda: credit.refund(bill, D("1"), "Operating", JUNE), NotFoundError, "does not exist"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        assert uow.session.execute(select(func.count()).select_from(VendorRefund)).scalar_one() == 0
    assert unapplied(ap, ref.number) == 10000 and open_amounts(ap.books)[bill] == (50000, "posted")


def test_only_a_payment_releaser_refunds_or_applies_a_payment(ap: Payables) -> None:
    ap.vendor("V1")
    ref = pay(ap, "V1", JUNE, amount=D("100.00"))
    bill = ap.bill("V1", "100.00", JUNE)
    ap.books.company.users(ap.books.ctx).add_user(NewUser("clerk", "Clerk-Passw0rd!", roles=("AP clerk",)))
    clerk = ap.books.company.login("clerk", "Clerk-Passw0rd!")
    credit = ap.books.company.vendor_credit(clerk)
    with pytest.raises(PermissionDenied):
        credit.refund(ref.number, D("1"), "Operating", JUNE)
    with pytest.raises(PermissionDenied):
        credit.apply(ref.number, [CreditUse(bill)], JUNE)
    with pytest.raises(PermissionDenied):
        credit.void_refund(1, JUNE, "x")
    assert [c.number for c in credit.credits()] == [ref.number]  # the clerk sees it


def test_a_foreign_prepayment_is_revalued_and_a_refunded_credit_note_is_not(ap: Payables) -> None:
    from tests.receivables.helpers import inv

    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    day = date(2024, 6, 30)
    inv(ap.books).set_rate("EUR", day, D("1.20"))
    ref = pay(ap, "E1", JUNE, amount=D("1000.00"), bank="Euro account", rate=D("1.10"))
    note = ap.credit_note("E1", "200.00", JUNE, rate="1.10")
    ap.books.company.vendor_credit(ap.user).refund(note, D("200.00"), "Euro account", JUNE, rate=D("1.10"))
    plan = ap.books.company.fx_revaluation(ap.books.ctx).preview(day)
    payables = [r for r in plan.items if r.item.source == "payables"]
    # 1,000.00 EUR on account carried at 1,100.00, worth 1,200.00 at the closing rate: a gain of 100.00
    assert [(r.item.kind, r.item.document, r.item.open_units, r.item.carried_base, r.difference) for r in payables] == [
        ("payment", ref.number, 100000, 110000, 10000)
    ]


def test_the_reports_show_money_on_account_and_refunds(ap: Payables) -> None:
    from paksa_desktop.reporting.model import RowStyle

    ap.vendor("V1")
    bill = ap.bill("V1", "300.00", JUNE, due=date(2024, 6, 10))
    ref = pay(ap, "V1", date(2024, 6, 5), amount=D("500.00"))
    credit = ap.books.company.vendor_credit(ap.user)
    credit.apply(ref.number, [CreditUse(bill, D("100.00"))], date(2024, 6, 6))
    credit.refund(ref.number, D("150.00"), "Operating", date(2024, 6, 7))
    reports = ap.books.company.ap_reports(ap.user)
    day = date(2024, 6, 30)
    aging = reports.aging(day)
    [v1] = [r for r in aging.rows if r.style is RowStyle.NORMAL]
    # the bill's 200.00 is 20 days overdue; the 250.00 still on account is a credit, current
    index = aging.column_index("total")
    assert v1.cells[index] == D("-50.00") and v1.cells[aging.column_index("current")] == D("-250.00")
    listed = reports.open_bills(day)
    documents = {r.cells[listed.column_index("document")]: r for r in listed.rows if r.style is RowStyle.NORMAL}
    assert set(documents) == {bill, ref.number}
    assert documents[ref.number].drill is not None and documents[ref.number].drill.kind == "payment"
    ledger = reports.vendor_ledger(date(2024, 6, 1), day, vendor="V1")
    texts = [str(r.cells[3]) for r in ledger.rows if r.style is RowStyle.NORMAL]
    assert any("on account" in t and ref.number in t for t in texts)
    assert any(t.startswith(f"Payment {ref.number} (on account) applied to {bill}") for t in texts)
    assert any(t == f"Refund of {ref.number} received" for t in texts)
    assert reports.reconcile(day).reconciled


def test_a_run_proposal_nets_the_money_its_vendors_hold_on_account(ap: Payables) -> None:
    ap.vendor("V1")
    ap.vendor("V2")
    ap.bill("V1", "300.00", JUNE, due=date(2024, 6, 10))
    ap.bill("V2", "100.00", JUNE, due=date(2024, 6, 10))
    pay(ap, "V1", JUNE, amount=D("1250.00"))
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(date(2024, 6, 12), "Operating", date(2024, 6, 11))
    assert proposal.on_account_used == D("300.00")  # netted: V1's bill is covered, V2 is paid
    assert proposal.total == D("100.00")
    with pytest.raises(ValidationError, match="is in payment run"):
        ap.books.company.vendor_credit(ap.user).apply("PMT-2024-000001", [CreditUse("BILL-2024-000001")], JUNE)
