"""Payables in the 13-week cash forecast: open bills on their due or discount date, open payment runs on
their pay date (their bills not counted twice), expense claims; every figure worked out by hand.

The books (base USD): 10,000.00 capital in 1100 Operating on 2024-01-02. The forecast starts Wednesday
2024-06-19: week 1 = 06-19..06-25, week 2 = 06-26..07-02, week 3 = 07-03..07-09, week 4 = 07-10..07-16.
- A: 1,000.00 due 05-31, on hold: overdue, still owed -> week 1.
- B (2/10 net 30): 500.00 of 06-20, discount until 06-30 -> 490.00 in week 2.
- D (EUR): 200.00 due 07-05, EUR at 1.10 on the start day -> 220.00 in week 3.
- E and F: 150.00 due 07-01 and 250.00 due 07-03, in a proposed run paying on 07-08 -> 400.00 in week 3.
- C (10 % withholding): 300.00 due 07-10 -> 270.00 to the vendor in week 4; C's credit note brings no cash.
- EMP: an expense claim of 75.00 due 07-12 -> week 4.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.payables.models import BillKind
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables
from tests.receivables.helpers import inv

D = Decimal
START = date(2024, 6, 19)


def test_payables_in_the_forecast_week_by_week(books: Books) -> None:
    ap = Payables(books)
    ap.bank()
    books.ledger.post(entry("2024-01-02", ("1100", "10000.00"), ("3100", "-10000.00"), memo="Capital"))
    inv(books).set_rate("EUR", date(2024, 6, 1), D("1.10"))
    for code, kw in (
        ("A", {}),
        ("B", {"terms": "2/10 net 30"}),
        ("C", {"withholding_percent": "10"}),
        ("D", {"currency": "EUR"}),
        ("E", {}),
        ("F", {}),
        ("EMP", {}),
    ):
        ap.vendor(code, **kw)  # type: ignore[arg-type]  # fmt: skip
    a = ap.bill("A", "1000.00", date(2024, 5, 1), due=date(2024, 5, 31), on_hold=True)
    b = ap.bill("B", "500.00", date(2024, 6, 20))
    claim = ap.bill("EMP", "75.00", date(2024, 6, 14), due=date(2024, 7, 12), kind=BillKind.EXPENSE_CLAIM)
    d = ap.bill("D", "200.00", date(2024, 6, 5), due=date(2024, 7, 5), rate="1.08")
    ap.bill("E", "150.00", date(2024, 6, 1), due=date(2024, 7, 1))
    ap.bill("F", "250.00", date(2024, 6, 3), due=date(2024, 7, 3))
    c = ap.bill("C", "300.00", date(2024, 6, 10), due=date(2024, 7, 10))
    ap.credit_note("C", "50.00", date(2024, 6, 11))
    proposal, _ = books.company.payment_runs(books.ctx).propose(date(2024, 7, 8), "Operating", date(2024, 7, 5))
    assert {v.code for v in proposal.vendors} == {"E", "F"} and proposal.total == D("400.00")

    forecast = books.company.cash_forecast(books.ctx).forecast(START, 13)
    assert forecast.opening == D("10000.00")
    weeks = [(w.number, w.receipts, w.payments, w.closing) for w in forecast.weeks[:5]]
    assert weeks == [
        (1, D("0.00"), D("1000.00"), D("9000.00")),
        (2, D("0.00"), D("490.00"), D("8510.00")),
        (3, D("0.00"), D("620.00"), D("7890.00")),
        (4, D("0.00"), D("345.00"), D("7545.00")),
        (5, D("0.00"), D("0.00"), D("7545.00")),
    ]
    assert forecast.weeks[-1].closing == D("7545.00")
    payables = [(f.day, f.units, f.label) for f in forecast.flows if f.source == "payables"]
    assert payables == [
        (START, -100000, f"{a} A"),
        (date(2024, 6, 30), -49000, f"{b} B"),
        (date(2024, 7, 5), -22000, f"{d} D"),
        (date(2024, 7, 8), -40000, f"payment run {proposal.run_id} (proposed)"),
        (date(2024, 7, 10), -27000, f"{c} C"),
        (date(2024, 7, 12), -7500, f"{claim} EMP"),
    ]
