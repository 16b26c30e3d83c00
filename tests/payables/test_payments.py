"""Single vendor payments and their void: the exact GL entries, the bills' open amounts and states."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.payables.allocation import BillTarget, CreditTarget, plan, withholding
from paksa_desktop.payables.models import Bill, PaymentAllocation
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, entry_lines, gl_balance, open_amounts

JUNE = date(2024, 6, 3)


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    return p


def pay(ap: Payables, vendor: str, on: date, *bills: BillToPay, **kw: object):  # type: ignore[no-untyped-def]
    data = PaymentInput(vendor, kw.pop("bank", "Operating"), on, tuple(bills), **kw)  # type: ignore[arg-type]
    return ap.books.company.vendor_payments(ap.user).pay(data)[0]


def test_paid_by_the_discount_date_the_discount_is_taken(ap: Payables) -> None:
    ap.vendor("V1", terms="2/10 net 30")
    number = ap.bill("V1", "1000.00", JUNE)
    ref = pay(ap, "V1", date(2024, 6, 13), BillToPay(number))
    assert (ref.amount, ref.discount, ref.withheld) == (Decimal("980.00"), Decimal("20.00"), Decimal("0.00"))
    assert ref.number == "PMT-2024-000001"
    assert entry_lines(ap.books, ref.entry_id) == [("1100", "-980.00"), ("2010", "1000.00"), ("5010", "-20.00")]
    assert open_amounts(ap.books)[number] == (0, "paid")
    # a day late there is no discount: the whole bill is paid
    second = ap.bill("V1", "500.00", JUNE)
    late = pay(ap, "V1", date(2024, 6, 14), BillToPay(second))
    assert (late.number, late.amount, late.discount) == ("PMT-2024-000002", Decimal("500.00"), Decimal("0.00"))


def test_withholding_is_kept_back_and_owed_to_the_tax_authority(ap: Payables) -> None:
    ap.vendor("W1", withholding_percent="24")
    number = ap.bill("W1", "500.00", JUNE)
    ref = pay(ap, "W1", date(2024, 7, 3), BillToPay(number))
    assert (ref.amount, ref.withheld) == (Decimal("380.00"), Decimal("120.00"))
    assert entry_lines(ap.books, ref.entry_id) == [("1100", "-380.00"), ("2010", "500.00"), ("2210", "-120.00")]
    assert open_amounts(ap.books)[number] == (0, "paid")


def test_partial_payments_then_the_rest(ap: Payables) -> None:
    ap.vendor("V1")
    number = ap.bill("V1", "1000.00", JUNE)
    first = pay(ap, "V1", date(2024, 6, 10), BillToPay(number, Decimal("400.00")))
    assert open_amounts(ap.books)[number] == (60000, "partially_paid")
    assert entry_lines(ap.books, first.entry_id) == [("1100", "-400.00"), ("2010", "400.00")]
    rest = pay(ap, "V1", date(2024, 6, 20), BillToPay(number))
    assert rest.amount == Decimal("600.00")
    assert open_amounts(ap.books)[number] == (0, "paid")
    assert gl_balance(ap.books, "2010") == 0
    rows = ap.books.company.vendor_payments(ap.user).payment(rest.number).allocations
    assert [(a.kind, a.bill, a.amount) for a in rows] == [("payment", number, Decimal("600.00"))]


def test_foreign_currency_payment_realises_the_exchange_difference(ap: Payables) -> None:
    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    number = ap.bill("E1", "1000.00", JUNE, rate="1.10")
    ref = pay(ap, "E1", date(2024, 6, 20), BillToPay(number), bank="Euro account", rate=Decimal("1.12"))
    assert entry_lines(ap.books, ref.entry_id) == [("1110", "-1120.00"), ("2010", "1100.00"), ("7020", "20.00")]
    # paid in two parts at a lower rate: a gain, and the payable relieved exactly
    second = ap.bill("E1", "333.33", JUNE, rate="1.10")
    a = pay(
        ap, "E1", date(2024, 6, 21), BillToPay(second, Decimal("100.00")), bank="Euro account", rate=Decimal("1.05")
    )
    b = pay(ap, "E1", date(2024, 6, 22), BillToPay(second), bank="Euro account", rate=Decimal("1.05"))
    assert entry_lines(ap.books, a.entry_id) == [("1110", "-105.00"), ("2010", "110.00"), ("4120", "-5.00")]
    assert entry_lines(ap.books, b.entry_id) == [("1110", "-245.00"), ("2010", "256.66"), ("4120", "-11.66")]
    assert gl_balance(ap.books, "2010") == 0


def test_a_credit_note_is_applied_as_part_of_the_payment(ap: Payables) -> None:
    ap.vendor("V1")
    bill = ap.bill("V1", "1000.00", JUNE)
    note = ap.credit_note("V1", "300.00", JUNE)
    ref = pay(ap, "V1", date(2024, 6, 10), BillToPay(bill), credit_notes=(note,))
    assert ref.amount == Decimal("700.00")
    assert entry_lines(ap.books, ref.entry_id) == [("1100", "-700.00"), ("2010", "700.00")]
    assert open_amounts(ap.books)[bill] == (0, "paid") and open_amounts(ap.books)[note] == (0, "paid")
    assert gl_balance(ap.books, "2010") == 0


def test_void_reverses_the_entry_and_reopens_the_bills(ap: Payables) -> None:
    ap.vendor("V1", terms="2/10 net 30")
    bill = ap.bill("V1", "1000.00", JUNE)
    note = ap.credit_note("V1", "100.00", JUNE)
    ref = pay(ap, "V1", date(2024, 6, 10), BillToPay(bill), credit_notes=(note,))
    service = ap.books.company.vendor_payments(ap.user)
    with pytest.raises(ValidationError, match="needs a reason"):
        service.void(ref.number, date(2024, 6, 15), " ")
    void_entry, _ = service.void(ref.number, date(2024, 6, 15), "returned by the bank")
    assert entry_lines(ap.books, void_entry) == sorted(
        (code, f"{-Decimal(amount):.2f}") for code, amount in entry_lines(ap.books, ref.entry_id)
    )
    assert open_amounts(ap.books)[bill] == (100000, "posted") and open_amounts(ap.books)[note] == (10000, "posted")
    row = service.payment(ref.number)
    assert row.voided_on == date(2024, 6, 15) and row.void_reason == "returned by the bank"
    assert all(a.reversed_on == date(2024, 6, 15) for a in row.allocations)
    assert gl_balance(ap.books, "2010") == -90000
    with pytest.raises(ValidationError, match="already voided"):
        service.void(ref.number, date(2024, 6, 16), "again")
    # the bill can be paid again
    again = pay(ap, "V1", date(2024, 6, 20), BillToPay(bill))
    assert again.amount == Decimal("1000.00") and open_amounts(ap.books)[bill] == (0, "paid")


def test_bad_payments_are_refused_and_write_nothing(ap: Payables) -> None:
    ap.vendor("V1")
    ap.vendor("V2")
    bill = ap.bill("V1", "100.00", JUNE)
    other = ap.bill("V2", "50.00", JUNE)
    cases = [
        (PaymentInput("V1", "Operating", JUNE, ()), "needs the amount paid"),
        (PaymentInput("V1", "Operating", JUNE, (BillToPay(bill),), amount=Decimal("99")), "is less than"),
        (PaymentInput("V1", "Operating", JUNE, (BillToPay(bill, Decimal("100.01")),)), "more than its open amount"),
        (PaymentInput("V1", "Operating", JUNE, (BillToPay(other),)), "is not V1's"),
        (PaymentInput("V1", "Operating", JUNE, (BillToPay(bill, Decimal("0.001")),)), "decimal places"),
        (PaymentInput("V1", "Operating", date(2024, 6, 2), (BillToPay(bill),)), "cannot be paid on"),
        (PaymentInput("V1", "Nowhere", JUNE, (BillToPay(bill),)), "unknown bank account"),
    ]
    service = ap.books.company.vendor_payments(ap.user)
    for data, message in cases:
        with pytest.raises((ValidationError, NotFoundError), match=message):
            service.pay(data)
    with pytest.raises(NotFoundError, match="BILL-2024-999999"):
        service.pay(PaymentInput("V1", "Operating", JUNE, (BillToPay("BILL-2024-999999"),)))
    assert open_amounts(ap.books)[bill] == (10000, "posted")
    assert gl_balance(ap.books, "1100") == 0


def test_only_a_payment_releaser_pays(ap: Payables) -> None:
    ap.vendor("V1")
    bill = ap.bill("V1", "100.00", JUNE)
    ap.books.company.users(ap.books.ctx).add_user(NewUser("clerk", "Clerk-Passw0rd!", roles=("AP clerk",)))
    clerk = ap.books.company.login("clerk", "Clerk-Passw0rd!")
    with pytest.raises(PermissionDenied):
        ap.books.company.vendor_payments(clerk).pay(PaymentInput("V1", "Operating", JUNE, (BillToPay(bill),)))
    with pytest.raises(PermissionDenied):
        ap.books.company.vendor_payments(clerk).void("PMT-2024-000001", JUNE, "x")


# ------------------------------------------------------------------------------------------ the planner


def test_the_planner_applies_credit_first_and_withholds_on_cash_only() -> None:
    result = plan(
        [BillTarget(1, 1000_00, 0, 240000), BillTarget(2, 500_00, 10_00, 240000)],
        [CreditTarget(9, 1200_00)],
    )
    first, second = result.bills
    assert first.credits == ((9, 1000_00),) and (first.cash, first.withheld) == (0, 0)
    assert second.credits == ((9, 200_00),) and second.withheld == withholding(300_00, 240000) == 72_00
    assert second.cash == 228_00 and result.cash == 228_00 and result.applied == ((9, 1200_00),)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    totals=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=4),
    parts=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
    rates=st.lists(st.sampled_from(["1.10", "0.97", "1.2345"]), min_size=1, max_size=4),
)
def test_open_amounts_and_the_control_account_agree_after_random_payments(
    sqlite_books: Books, totals: list[int], parts: list[int], rates: list[str]
) -> None:
    """For random bills paid in random parts: open amount = total - allocations, and the payable control
    account equals the open bills in base units (foreign bills, paid at other rates)."""
    books = sqlite_books
    ap = Payables(books)
    with UnitOfWork(books.company.engine, write=False) as uow:
        fresh = uow.session.execute(select(func.count()).select_from(Bill)).scalar_one() == 0
    if fresh:
        ap.bank("Euro account", "1110", "EUR")
        ap.vendor("E1", currency="EUR")
    numbers = [
        ap.bill("E1", f"{Decimal(t).scaleb(-2):.2f}", JUNE, rate=rates[n % len(rates)]) for n, t in enumerate(totals)
    ]
    service = books.company.vendor_payments(books.ctx)
    open_ = dict(zip(numbers, totals, strict=True))
    for k, percent in enumerate(parts):
        number = numbers[k % len(numbers)]
        amount = max(1, open_[number] * percent // 100)
        if open_[number] <= 0:
            continue
        amount = min(amount, open_[number])
        service.pay(
            PaymentInput(
                "E1", "Euro account", date(2024, 6, 10 + k), (BillToPay(number, Decimal(amount).scaleb(-2)),),
                rate=Decimal(rates[(k + 1) % len(rates)]),
            )
        )  # fmt: skip
        open_[number] -= amount
    with UnitOfWork(books.company.engine, write=False) as uow:
        s = uow.session
        for bill in s.execute(select(Bill)).scalars():
            settled = s.execute(
                select(func.coalesce(func.sum(PaymentAllocation.amount + PaymentAllocation.discount
                                              + PaymentAllocation.withheld), 0))
                .where(PaymentAllocation.bill_id == bill.id, PaymentAllocation.reversed_on.is_(None))
            ).scalar_one()  # fmt: skip
            assert bill.open_amount == bill.total - settled
            relieved = s.execute(
                select(func.coalesce(func.sum(PaymentAllocation.base_amount), 0)).where(
                    PaymentAllocation.bill_id == bill.id, PaymentAllocation.reversed_on.is_(None)
                )
            ).scalar_one()
            if bill.open_amount == 0:
                assert relieved == bill.base_total
        open_base = sum(
            b.base_total - int(r)
            for b, r in s.execute(
                select(Bill, func.coalesce(func.sum(PaymentAllocation.base_amount), 0))
                .outerjoin(
                    PaymentAllocation,
                    (PaymentAllocation.bill_id == Bill.id) & PaymentAllocation.reversed_on.is_(None),
                )
                .group_by(Bill.id)
            )
        )
    assert gl_balance(books, "2010") == -open_base
