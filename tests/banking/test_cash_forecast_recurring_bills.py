"""Recurring bills in the cash forecast: occurrences not yet raised are expected payments; nothing is
counted twice once they are raised or posted (payables/recurring_forecast.py).

The table test, worked by hand (base USD). The forecast starts Wednesday 2024-06-19 for 13 weeks (last
day 2024-09-17); vendor R is net 10, S is 2/10 net 30.
- Internet (R, monthly, 50.00): raised on 06-01 before the forecast (a draft due 06-11: overdue, week 1),
  next 07-01 -> due 07-11, 08-11, 09-11.
- Cleaning (R, monthly, 200.00, ends 06-30): fell behind, next 05-15 -> 05-15 and 06-15, due 05-25
  (overdue: the start day) and 06-25.
- Office rent (R, monthly, 1,000.00): next 06-25 -> due 07-05, 08-04, 09-04 (09-25 is past the end).
- Software (S, quarterly, 100.00 + 20 % VAT = 120.00): next 07-01 -> discount until 07-11, 2 % = 2.40,
  117.60 on 07-11; 10-01 is past the end.
- Old lease: inactive, not forecast. Parking: its vendor became inactive: a zero item says why.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from paksa_desktop.ledger.models import Frequency
from paksa_desktop.payables.bill_inputs import RecurringBillInput
from paksa_desktop.payables.models import Bill, RecurringBill, Vendor
from paksa_desktop.payables.recurring_forecast import bill_dates
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.payables.bill_fixtures import line, with_taxes
from tests.payables.payment_fixtures import Payables

D = Decimal
START = date(2024, 6, 19)


def template(
    name: str, vendor: str, frequency: Frequency, next_date: date, price: str, **kw: object
) -> RecurringBillInput:
    lines = (line(name, price=price, tax_code=str(kw.pop("tax_code", "")), account="6100"),)
    return RecurringBillInput(name, vendor, frequency, next_date, lines, **kw)  # type: ignore[arg-type]


def recurring_flows(books: Books, start: date = START, weeks: int = 13) -> list[tuple[date, int, str]]:
    forecast = books.company.cash_forecast(books.ctx).forecast(start, weeks)
    return [(f.day, f.units, f.label) for f in forecast.flows if f.label.startswith("recurring:")]


def test_recurring_bills_in_the_forecast_week_by_week(books: Books) -> None:
    ap = Payables(books)
    ap.bank()
    with_taxes(books)
    for code, terms in (("R", "net 10"), ("S", "2/10 net 30"), ("P", "net 10")):
        ap.vendor(code, terms=terms)
    bills = books.company.bills(books.ctx)
    bills.save_recurring(template("Internet", "R", Frequency.MONTHLY, date(2024, 6, 1), "50.00"))
    [raised], _ = bills.generate_due(date(2024, 6, 18))  # the 06-01 bill, a draft; next date 07-01
    bills.save_recurring(template("Cleaning", "R", Frequency.MONTHLY, date(2024, 5, 15), "200.00",
                                  end_date=date(2024, 6, 30)))  # fmt: skip
    bills.save_recurring(template("Office rent", "R", Frequency.MONTHLY, date(2024, 6, 25), "1000.00"))
    bills.save_recurring(template("Software", "S", Frequency.QUARTERLY, date(2024, 7, 1), "100.00",
                                  tax_code="VAT20"))  # fmt: skip
    bills.save_recurring(template("Old lease", "R", Frequency.MONTHLY, date(2024, 7, 1), "900.00", is_active=False))
    bills.save_recurring(template("Parking", "P", Frequency.MONTHLY, date(2024, 7, 1), "30.00"))
    with UnitOfWork(books.company.engine) as uow:
        uow.session.execute(update(Vendor).where(Vendor.code == "P").values(is_active=False))
        uow.commit()

    assert recurring_flows(books) == [
        (START, -20000, "recurring: Cleaning"),
        (START, -5000, "recurring: Internet (draft bill)"),
        (date(2024, 6, 25), -20000, "recurring: Cleaning"),
        (date(2024, 7, 1), 0, "recurring: Parking (not forecast: vendor: P is inactive)"),
        (date(2024, 7, 5), -100000, "recurring: Office rent"),
        (date(2024, 7, 11), -5000, "recurring: Internet"),
        (date(2024, 7, 11), -11760, "recurring: Software"),
        (date(2024, 8, 4), -100000, "recurring: Office rent"),
        (date(2024, 8, 11), -5000, "recurring: Internet"),
        (date(2024, 9, 4), -100000, "recurring: Office rent"),
        (date(2024, 9, 11), -5000, "recurring: Internet"),
    ]
    forecast = books.company.cash_forecast(books.ctx).forecast(START, 13)
    assert [w.payments for w in forecast.weeks[:4]] == [D("450.00"), D("0.00"), D("1000.00"), D("167.60")]
    assert sum((w.payments for w in forecast.weeks), D(0)) == D("3717.60")

    # posting the raised draft moves it to the open bills: same day, same amount, not counted twice
    bills.approve_and_post(raised.id)
    flows = books.company.cash_forecast(books.ctx).forecast(START, 13).flows
    assert [(f.day, f.units) for f in flows if f.label.startswith(raised_number(books, raised.id))] == [(START, -5000)]
    assert not any(f.label == "recurring: Internet (draft bill)" for f in flows)
    assert sum((w.payments for w in books.company.cash_forecast(books.ctx).forecast(START, 13).weeks), D(0)) == D(
        "3717.60"
    )


def raised_number(books: Books, bill_id: int) -> str:
    with UnitOfWork(books.company.engine, write=False) as uow:
        return str(uow.session.execute(select(Bill.number).where(Bill.id == bill_id)).scalar_one())


def weekly_payments(books: Books, start: date, weeks: int) -> list[Decimal]:
    return [w.payments for w in books.company.cash_forecast(books.ctx).forecast(start, weeks).weeks]


def test_the_forecast_stays_the_same_when_the_bills_are_raised_and_posted(sqlite_books: Books) -> None:
    """Property: projecting a template and raising it agree. Over a year of month-end, leap-day, discount
    and withholding templates, raising every bill due (drafts) and then posting them all leaves every
    week's payments unchanged, and the projected dates are the dates generating raises."""
    books = sqlite_books
    ap = Payables(books)
    ap.bank()
    ap.vendor("M", terms="net 30")
    ap.vendor("Q", terms="2/10 net 30")
    ap.vendor("W", terms="net 15", withholding_percent="10")
    start, weeks = date(2024, 1, 15), 52
    end = date(2025, 1, 12)
    specs = (
        ("Month end", "M", Frequency.MONTHLY, date(2024, 1, 31), None, "1234.56"),
        ("Quarter end", "Q", Frequency.QUARTERLY, date(2024, 2, 29), None, "999.99"),
        ("Leap day", "W", Frequency.YEARLY, date(2024, 2, 29), None, "500.00"),
        ("Ends in summer", "M", Frequency.MONTHLY, date(2024, 1, 5), date(2024, 8, 10), "75.25"),
        ("Withheld monthly", "W", Frequency.MONTHLY, date(2024, 3, 30), None, "333.33"),
    )
    bills = books.company.bills(books.ctx)
    for name, vendor, frequency, next_date, end_date, price in specs:
        bills.save_recurring(template(name, vendor, frequency, next_date, price, end_date=end_date))
    projected = weekly_payments(books, start, weeks)
    labels = Counter(label for _, _, label in recurring_flows(books, start, weeks))
    beyond = books.company.cash_forecast(books.ctx).forecast(start, weeks).beyond  # due after the last week
    assert sum(labels.values()) + beyond == sum(len(bill_dates(n, f.value, e, end)) for _, _, f, n, e, _ in specs)
    assert beyond == 2  # Month end of 12-31 (due 2025-01-30) and Withheld monthly of 12-30 (due 2025-01-14)
    assert sum(projected, D(0)) > 0

    refs, _ = bills.generate_due(end)
    with UnitOfWork(books.company.engine, write=False) as uow:
        raised = uow.session.execute(
            select(RecurringBill.name, Bill.date).join(RecurringBill, RecurringBill.id == Bill.recurring_id)
        ).all()
    for name, _vendor, frequency, next_date, end_date, _price in specs:
        assert sorted(d for n, d in raised if n == name) == bill_dates(next_date, frequency.value, end_date, end)
    assert weekly_payments(books, start, weeks) == projected
    assert {label.split(" (")[0] for _, _, label in recurring_flows(books, start, weeks)} <= set(labels)

    for ref in refs:
        bills.approve_and_post(ref.id)
    assert weekly_payments(books, start, weeks) == projected
    assert recurring_flows(books, start, weeks) == []  # every occurrence up to the end is a posted bill now
