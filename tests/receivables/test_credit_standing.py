"""The credit control figures: limit, exposure, available, overdue, average days to pay, payment history.

Every figure below is worked out by hand in the comments; the sales are 100.00 + 20 % VAT = 120.00 each,
payment terms net 30, base currency USD (so base amounts equal document amounts).
"""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.core.errors import NotFoundError, PermissionDenied
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from paksa_desktop.receivables.credit_standing import CreditStanding, year_before
from tests.conftest import Books
from tests.receivables.helpers import D, ar, customer, inv, login_as, rec, sale, with_customer


def receipt(on: str, amount: str, *pays: tuple[str, str]) -> str:
    return ReceiptInput(  # type: ignore[return-value]
        "C001", date.fromisoformat(on), D(amount), "1100", tuple(AllocationInput(n, D(a)) for n, a in pays)
    )


def ledger(books: Books) -> dict[str, str]:
    """C001 (limit 300.00) with paid, part-paid, credited, open, draft invoices and an unapplied receipt;
    C002 on hold with nothing; C003 inactive."""
    with_customer(books, credit_limit=D("300.00"))
    ar(books).create_customer(customer("C002", "Bravo Ltd", credit_hold=True))
    ar(books).create_customer(customer("C003", "Gone Ltd", is_active=False))
    issue = lambda on: inv(books).issue(sale("C001", on), confirm_credit=True)[0].number  # noqa: E731
    n = {"INV1": issue("2024-03-01"), "INV2": issue("2024-03-10"), "INV3": issue("2024-04-01")}
    n["INV5"] = issue("2024-05-01")
    inv(books).issue(sale("C001", "2024-05-05", credit_note=True, credits=n["INV5"]))  # settles INV5 in full
    n["INV4"] = issue("2024-06-15")
    inv(books).save_draft(sale("C001", "2024-06-20"))  # a draft of 120.00
    for key, (on, amount, pays) in {
        "R1": ("2024-03-21", "120.00", ((n["INV1"], "120.00"),)),  # INV1: 20 days, 0 late (due 03-31)
        "R2": ("2024-04-19", "50.00", ((n["INV2"], "50.00"),)),  # INV2 (due 04-09): 40 days, 10 late
        "R3": ("2024-05-09", "70.00", ((n["INV2"], "70.00"),)),  # INV2: 60 days, 30 late; now fully paid
        "R4": ("2024-06-25", "50.00", ()),  # unapplied: customer credit
    }.items():
        n[key] = rec(books).record(receipt(on, amount, *pays))[0].number or ""
    return n


def by_code(rows: list[CreditStanding]) -> dict[str, CreditStanding]:
    return {r.code: r for r in rows}


def test_the_overview_gives_each_active_customer_their_credit_standing(books: Books) -> None:
    ledger(books)
    rows = books.company.credit_standing(books.ctx).overview(date(2024, 6, 30))
    assert [r.code for r in rows] == ["C001", "C002"]  # the inactive C003 is left out
    c1, c2 = rows
    # exposure: open INV3 120 + INV4 120 + draft 120 - unapplied R4 50 = 310 (INV5 credited, INV1-2 paid)
    assert (c1.currency, c1.credit_limit, c1.exposure, c1.available) == ("USD", D("300.00"), D("310.00"), D("-10.00"))
    assert c1.exposure == books.company.documents_queries(books.ctx).exposure("C001")  # the credit check's figure
    assert c1.over_limit and not c1.on_hold
    # overdue on 06-30: INV3 (due 05-01), 60 days; INV4 is due 07-15
    assert (c1.overdue, c1.oldest_overdue_days) == (D("120.00"), 60)
    # paid in the 12 months: INV1 120 x 20 days, INV2 50 x 40 + 70 x 60 -> 8600 / 240 = 35.83
    # late: 120 x 0 + 50 x 10 + 70 x 30 = 2600 / 240 = 10.83; INV5 (credit note only) is not counted
    assert (c1.average_days_to_pay, c1.average_days_late, c1.invoices_paid) == (D("35.8"), D("10.8"), 2)
    assert c1.last_payment == date(2024, 6, 25)
    assert c1.reasons == ("over the credit limit 300.00 by 10.00 USD", "120.00 USD overdue, the oldest 60 days")
    assert (c2.credit_limit, c2.available, c2.exposure, c2.overdue) == (None, None, D("0.00"), D("0.00"))
    assert (c2.on_hold, c2.over_limit, c2.oldest_overdue_days, c2.average_days_to_pay) == (True, False, None, None)
    assert (c2.last_payment, c2.reasons) == (None, ("on credit hold",))


def test_overdue_and_payment_behaviour_follow_the_day_asked(books: Books) -> None:
    ledger(books)
    service = books.company.credit_standing(books.ctx)
    # 04-30: INV2 has 70 open (due 04-09, 21 days); only INV1 is fully paid yet: 20 days, 0 late
    early = service.standing("C001", date(2024, 4, 30))
    assert (early.overdue, early.oldest_overdue_days) == (D("70.00"), 21)
    assert (early.average_days_to_pay, early.average_days_late, early.invoices_paid) == (D("20.0"), D("0.0"), 1)
    assert early.last_payment == date(2024, 4, 19)
    assert early.exposure == D("310.00")  # exposure is today's, what the next invoice's check sees
    # 2025-04-15: the window starts after 2024-04-15; INV1 (last paid 2024-03-21) drops out, INV2 (last
    # paid 05-09) counts with both its parts: (50 x 40 + 70 x 60) / 120 = 51.67, late (500 + 2100) / 120 = 21.67
    later = service.standing("C001", date(2025, 4, 15))
    assert (later.average_days_to_pay, later.average_days_late, later.invoices_paid) == (D("51.7"), D("21.7"), 1)
    assert (later.overdue, later.oldest_overdue_days) == (D("240.00"), 349)  # INV3 since 05-01, INV4 since 07-15
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)


def test_the_history_lists_receipts_newest_first_with_the_invoices_each_paid(books: Books) -> None:
    n = ledger(books)
    service = books.company.credit_standing(books.ctx)
    history = service.history("C001")
    assert [(h.number, h.date, h.amount, h.unapplied) for h in history] == [
        (n["R4"], date(2024, 6, 25), D("50.00"), D("50.00")),
        (n["R3"], date(2024, 5, 9), D("70.00"), D("0.00")),
        (n["R2"], date(2024, 4, 19), D("50.00"), D("0.00")),
        (n["R1"], date(2024, 3, 21), D("120.00"), D("0.00")),
    ]
    assert history[0].invoices == () and history[0].method == "bank transfer" and history[0].currency == "USD"
    (paid,) = history[1].invoices
    assert (paid.number, paid.date, paid.due_date, paid.amount) == (
        n["INV2"],
        date(2024, 3, 10),
        date(2024, 4, 9),
        D("70.00"),
    )
    assert (paid.paid_on, paid.days_to_pay, paid.days_late) == (date(2024, 5, 9), 60, 30)
    (first,) = history[3].invoices
    assert (first.number, first.days_to_pay, first.days_late) == (n["INV1"], 20, 0)
    window = service.history("C001", start=date(2024, 4, 1), end=date(2024, 5, 31))
    assert [h.number for h in window] == [n["R3"], n["R2"]]
    assert [i.days_to_pay for h in window for i in h.invoices] == [60, 40]
    assert service.history("C002") == []
    with pytest.raises(NotFoundError, match="NOPE"):
        service.history("NOPE")


def test_reading_credit_standing_needs_receivables_view(books: Books) -> None:
    ledger(books)
    ctx = login_as(books, "pat", "Payroll officer")
    service = books.company.credit_standing(ctx)
    for call in (lambda: service.overview(), lambda: service.history("C001"), lambda: service.standing("C001")):
        with pytest.raises(PermissionDenied):
            call()
