"""What the payment screens read: paying banks with their balance, runs with who proposed and approved
them (and whether the current user may approve under segregation of duties), payments with their discount
and withholding, a vendor's open items, the expiring discounts, and a payment preview that equals what
`pay` then posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.payables.payment_queries import preview_payment
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables
from tests.security.secured import PASSWORD

JUNE = date(2024, 6, 3)


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    books.ledger.post(entry("2024-06-01", ("1100", "1500.00"), ("3100", "-1500.00")))
    p.vendor("A", terms="2/10 net 30")
    p.vendor("W", withholding_percent="24")
    p.vendor("E", currency="EUR")
    return p


def test_banks_runs_and_payments(ap: Payables) -> None:
    books = ap.books
    queries = books.company.payment_queries(books.ctx)
    [bank] = queries.banks()
    assert (bank.name, bank.currency, bank.balance, bank.base_balance) == (
        "Operating", "USD", Decimal("1500.00"), Decimal("1500.00"),
    )  # fmt: skip
    ap.bill("A", "100.00", JUNE, due=date(2024, 6, 20))
    w1 = ap.bill("W", "500.00", JUNE, due=date(2024, 6, 20))
    runs = books.company.payment_runs(books.ctx)
    proposal, _ = runs.propose(date(2024, 6, 30), "Operating", date(2024, 6, 30))
    policy = books.company.security_queries(books.ctx).policy()
    books.company.security_policy(books.ctx).update_policy(replace(policy, creator_cannot_approve=True))
    [row] = queries.runs()
    assert (row.id, row.state, row.vendors, row.bills, row.total, row.proposer, row.approver) == (
        proposal.run_id, "proposed", 2, 2, Decimal("480.00"), "admin", "",
    )  # fmt: skip
    assert "segregation-of-duties" in row.approve_blocked
    books.company.add_user(books.ctx, "treasurer", PASSWORD, roles=("Treasurer",))
    treasurer = books.company.login("treasurer", PASSWORD)
    assert books.company.payment_queries(treasurer).runs()[0].approve_blocked == ""
    books.company.payment_runs(treasurer).approve(proposal.run_id)
    books.company.payment_runs(treasurer).post(proposal.run_id)
    row = queries.runs()[0]
    assert (row.state, row.approver, row.poster) == ("posted", "treasurer", "treasurer")
    payments = {p.vendor: p for p in queries.payments()}
    assert (payments["W"].amount, payments["W"].withheld, payments["W"].run_id) == (
        Decimal("380.00"), Decimal("120.00"), proposal.run_id,
    )  # fmt: skip
    books.company.vendor_payments(treasurer).void(payments["W"].number, date(2024, 6, 30), "wrong bank")
    voided = {p.vendor: p for p in queries.payments(vendor="W")}["W"]
    assert voided.voided and voided.void_reason == "wrong bank"
    assert [b.number for b in queries.open_items("W", "Operating").bills] == [w1]


def test_the_preview_is_what_the_payment_posts(ap: Payables) -> None:
    books = ap.books
    a1 = ap.bill("A", "1000.00", date(2024, 6, 25))  # 2 % until 5 July
    a2 = ap.bill("A", "300.00", JUNE)
    note = ap.credit_note("A", "50.00", JUNE)
    ap.bill("E", "10.00", JUNE, rate="1.1")
    queries = books.company.payment_queries(books.ctx)
    items = queries.open_items("A", "Operating")
    assert [b.number for b in items.bills] == [a2, a1] and [n.number for n in items.credit_notes] == [note]
    assert items.bills[1].discount_on(date(2024, 7, 5)) == Decimal("20.00")
    assert items.bills[1].discount_on(date(2024, 7, 6)) == Decimal("0.00")
    on = date(2024, 6, 30)
    preview = preview_payment(items, {a1: Decimal("980.00"), a2: Decimal("120.00")}, [note], on)
    assert (preview.cash, preview.discount, preview.credited) == (Decimal("1050.00"), Decimal("20.00"), Decimal("50"))
    with pytest.raises(ValidationError, match=r"more than its open amount 300\.00"):
        preview_payment(items, {a2: Decimal("300.01")}, [], on)
    ref, _ = books.company.vendor_payments(books.ctx).pay(
        PaymentInput(
            "A", "Operating", on, (BillToPay(a1, Decimal("980.00")), BillToPay(a2, Decimal("120.00"))), (note,)
        )
    )
    assert (ref.amount, ref.discount) == (preview.cash, preview.discount)
    assert queries.open_items("E", "Operating").other_currency == 1
    ap.bill("A", "200.00", date(2024, 6, 20))
    ending = queries.expiring_discounts(date(2024, 6, 29), date(2024, 7, 6))
    assert [(d.discount_date, d.discount, d.base_discount) for d in ending] == [
        (date(2024, 6, 30), Decimal("4.00"), Decimal("4.00")),
    ]


def test_every_query_needs_payables_view(ap: Payables) -> None:
    books = ap.books
    books.company.add_user(books.ctx, "payroll", PASSWORD, roles=("Payroll officer",))
    nobody = books.company.payment_queries(books.company.login("payroll", PASSWORD))
    for call in (
        nobody.banks,
        nobody.runs,
        nobody.payments,
        lambda: nobody.open_items("A", "Operating"),
        lambda: nobody.expiring_discounts(JUNE, JUNE),
    ):
        with pytest.raises(PermissionDenied):
            call()
