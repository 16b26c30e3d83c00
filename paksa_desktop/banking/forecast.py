"""The 13-week cash forecast (direct method): opening cash, expected receipts and payments, week by week.

- **Weeks** are seven days from the start day (week 1 = start .. start + 6), not calendar weeks, so a
  forecast asked on a Wednesday starts that day.
- **Opening cash** is the sum of the active bank accounts' GL balances in base at the end of the day
  before the start (so everything dated on the start day is a flow of week 1).
- **Expected receipts** (`ReceivablesFlows`): every invoice open on the day before the start, for what
  is still open, expected on its due date shifted by its customer's average days late (the amount-
  weighted average of `receivables/credit_standing.payment_behaviour` over the 12 months, rounded to
  whole days; a customer with no paid history is expected on the due date). **An invoice whose expected
  day is before the start (overdue) is expected in week 1**: the forecast assumes it is collected now,
  not never. Foreign invoices are valued at the rate on the start day. Credit notes and unapplied
  receipts bring no cash and are left out.
- **Expected payments** (`RecurringFlows`): recurring journal entries (active templates) whose lines
  touch a bank account's GL account, on each occurrence from the template's next date to its end date;
  the bank lines' sum is the cash (debit: money in, so a recurring entry can also be a receipt).
- **Expected payments** (`PayablesFlows`): every posted bill and expense claim still open (on hold or
  not: it is owed), for what is still open, on its due date; a bill with an early-payment discount still
  to be had on the start day is expected on its discount date, less the discount (a payment run takes
  it: proposals select bills whose discount runs out before the next run). A withholding vendor is
  expected to receive the amount less the tax withheld (the tax goes to the authority later, outside
  this source). Bills in a proposed or approved payment run are not counted on their own: the run is,
  for its total, on its pay date. Overdue bills and runs dated before the start are expected in week 1.
  Vendor credit notes bring no cash (a run applies them to bills) and are left out. Foreign bills and
  runs are valued at the rate on the start day. Recurring bills are expected too, labelled "recurring:
  <name>": each occurrence up to the last day not yet raised, prepared as generating it would (total,
  due date, discount), and raised bills not yet posted (payables/recurring_forecast.py).
- Further sources (payroll, loan schedules) plug in as classes with `name`, `permission` and
  `flows(s, start, end)`: add them to `FLOW_SOURCES`.
- **What-if** (`Scenario`): `delay_receipts_days` moves every expected receipt from the receivables
  source N days later (week 1's overdue ones too); `one_offs` add (day, amount, label) items, positive
  money in, negative money out.
- Receipts expected after the last week (also once delayed) are left out and counted in the report's
  subtitle.

Each week: opening, receipts, payments (shown positive), net, closing = opening + receipts - payments;
the next week opens with the closing. All figures are exact base-currency decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.banking.cash_position import gl_balances
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.models import CompanySettings, RecurringTemplate
from paksa_desktop.ledger.service import _next_occurrence
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.receivables.credit_standing import payment_behaviour
from paksa_desktop.receivables.document_queries import open_items_query
from paksa_desktop.receivables.models import Customer
from paksa_desktop.reporting.model import Chart, Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

MAX_WEEKS = 104
RECEIVABLES = "receivables"
PAYABLES = "payables"
RECURRING = "recurring"
ONE_OFF = "one-off"


@dataclass(frozen=True, slots=True)
class Flow:
    """One expected movement of cash, in base minor units: positive in, negative out."""

    day: date
    units: int
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class OneOff:
    day: date
    amount: Decimal  # base currency; positive: money in, negative: money out
    label: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: receipts later by N days, and one-off items."""

    delay_receipts_days: int = 0
    one_offs: Sequence[OneOff | tuple[date, Decimal, str]] = ()

    def items(self) -> tuple[OneOff, ...]:
        return tuple(o if isinstance(o, OneOff) else OneOff(*o) for o in self.one_offs)

    @property
    def is_base(self) -> bool:
        return self.delay_receipts_days == 0 and not self.one_offs


class FlowSource(Protocol):
    """A source of expected cash flows (receivables now; payables, payroll and loans later)."""

    name: str
    permission: str | None  # the view permission its data needs, besides cash.view

    def flows(self, s: Session, start: date, end: date) -> list[Flow]:
        """Flows expected from `start` to `end` (a flow expected before `start` is given on `start`); a
        finite source may also give later ones: they are left out of the weeks and counted."""
        ...


class ReceivablesFlows:
    """Open invoices on their due date shifted by the customer's average days late; overdue: week 1."""

    name = RECEIVABLES
    permission: str | None = Permission.AR_VIEW

    def flows(self, s: Session, start: date, end: date) -> list[Flow]:
        base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
        as_of = start - timedelta(days=1)
        late = {cid: days_late(b.days_late, b.weight) for cid, b in payment_behaviour(s, as_of).items()}
        invoices = open_items_query(as_of)[0].subquery()
        rows = s.execute(
            select(invoices.c.number, invoices.c.customer_id, invoices.c.due_date, invoices.c.currency,
                   invoices.c.open_units, Customer.code)
            .join(Customer, Customer.id == invoices.c.customer_id)
            .where(invoices.c.open_units > 0)
            .order_by(invoices.c.due_date, invoices.c.id)
        ).all()  # fmt: skip
        found: list[Flow] = []
        rates: dict[str, Decimal] = {}
        for number, customer_id, due, currency, units, code in rows:
            expected = max(due + timedelta(days=late.get(int(customer_id), 0)), start)  # later ones: counted
            if currency not in rates:
                rates[currency] = rate_on(s, currency, start, base_currency)
            found.append(Flow(expected, to_base(int(units), rates[currency], currency, base_currency),
                              f"{number} {code}", self.name))  # fmt: skip
        return found


def days_late(weighted: int, weight: int) -> int:
    """The average days late in whole days, rounded half up (0 without history)."""
    if weight <= 0:
        return 0
    return int((Decimal(weighted) / Decimal(weight)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class RecurringFlows:
    """Occurrences of active recurring entries that touch a bank account's GL account."""

    name = RECURRING
    permission: str | None = Permission.LEDGER_VIEW

    def flows(self, s: Session, start: date, end: date) -> list[Flow]:
        bank_gl = set(s.execute(select(BankAccount.gl_account_id).where(BankAccount.is_active)).scalars())
        if not bank_gl:
            return []
        templates = s.execute(
            select(RecurringTemplate).where(RecurringTemplate.is_active).order_by(RecurringTemplate.name)
        ).scalars()
        found: list[Flow] = []
        for t in templates:
            units = sum(ln.amount for ln in t.lines if ln.account_id in bank_gl)
            if not units:
                continue
            day = t.next_date
            while day <= end and (t.end_date is None or day <= t.end_date):
                found.append(Flow(max(day, start), units, t.name, self.name))
                day = _next_occurrence(day, t.frequency, t.anchor_day)
        return found


class PayablesFlows:
    """Open bills and expense claims on their due (or discount) date, open payment runs on their pay date."""

    name = PAYABLES
    permission: str | None = Permission.AP_VIEW

    def flows(self, s: Session, start: date, end: date) -> list[Flow]:
        from paksa_desktop.payables.allocation import OPEN_STATES, PAYABLE_KINDS
        from paksa_desktop.payables.models import Bill, PaymentRun, PaymentRunItem, Vendor
        from paksa_desktop.payables.payments import OPEN_RUN_STATES
        from paksa_desktop.payables.recurring_forecast import expected_payment, recurring_bill_payments

        base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
        rates: dict[str, Decimal] = {}

        def base(units: int, currency: str) -> int:
            if currency not in rates:
                rates[currency] = rate_on(s, currency, start, base_currency)
            return to_base(units, rates[currency], currency, base_currency)

        in_run = (
            select(PaymentRunItem.bill_id)
            .join(PaymentRun, PaymentRun.id == PaymentRunItem.run_id)
            .where(PaymentRun.state.in_(OPEN_RUN_STATES), PaymentRunItem.included, PaymentRunItem.bill_id.is_not(None))
        )
        rows = s.execute(
            select(Bill.number, Vendor.code, Bill.due_date, Bill.currency, Bill.open_amount, Bill.total,
                   Bill.discount_e4, Bill.discount_date, Bill.withholding_e4, Vendor.withholding,
                   Vendor.withholding_rate_e4)
            .join(Vendor, Vendor.id == Bill.vendor_id)
            .where(Bill.state.in_(OPEN_STATES), Bill.kind.in_(PAYABLE_KINDS), Bill.open_amount > 0,
                   Bill.id.not_in(in_run))
            .order_by(Bill.due_date, Bill.number)
        ).all()  # fmt: skip
        found: list[Flow] = []
        for number, code, due, currency, open_units, total, pct, until, bill_rate, withholds, rate in rows:
            withheld = bill_rate or (rate if withholds else 0)
            day, cash = expected_payment(open_units, total, pct, until, due, start, withheld)
            found.append(Flow(max(day, start), -base(cash, currency), f"{number} {code}", self.name))
        for expected in recurring_bill_payments(s, start, end):  # not yet raised, or raised but not posted
            found.append(Flow(max(expected.day, start), -base(expected.cash, expected.currency), expected.label,
                              self.name))  # fmt: skip
        runs = s.execute(
            select(PaymentRun.id, PaymentRun.pay_date, PaymentRun.currency, PaymentRun.total, PaymentRun.state)
            .where(PaymentRun.state.in_(OPEN_RUN_STATES))
            .order_by(PaymentRun.pay_date, PaymentRun.id)
        ).all()
        for run_id, pay_date, currency, total, state in runs:
            label = f"payment run {run_id} ({getattr(state, 'value', state)})"
            found.append(Flow(max(pay_date, start), -base(int(total), currency), label, self.name))
        return found


FLOW_SOURCES: tuple[FlowSource, ...] = (ReceivablesFlows(), PayablesFlows(), RecurringFlows())


@dataclass(frozen=True, slots=True)
class Week:
    number: int
    start: date
    end: date
    opening: Decimal
    receipts: Decimal
    payments: Decimal  # positive: money out

    @property
    def net(self) -> Decimal:
        return self.receipts - self.payments

    @property
    def closing(self) -> Decimal:
        return self.opening + self.net


@dataclass(frozen=True, slots=True)
class Forecast:
    start: date
    base_currency: str
    opening: Decimal
    weeks: tuple[Week, ...]
    flows: tuple[Flow, ...]  # within the horizon, by day
    beyond: int  # flows expected after the last week (left out)
    scenario: Scenario = field(default_factory=Scenario)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.base_currency)

    def chart_data(self) -> list[tuple[date, Decimal]]:
        """(week start, closing balance) per week: what the GUI's chart draws."""
        return [(w.start, w.closing) for w in self.weeks]

    def chart(self) -> Chart:
        return Chart(
            "Closing cash by week",
            tuple(f"W{w.number} {w.start:%d %b}" for w in self.weeks),
            (("Closing", tuple(w.closing for w in self.weeks)),),
        )


def one_off_flows(scenario: Scenario, start: date, end: date, base_currency: str) -> list[Flow]:
    exp = currency_exponent(base_currency)
    found = []
    for item in scenario.items():
        if not start <= item.day <= end:
            raise ValidationError(f"one-off '{item.label}' on {item.day} is outside the forecast ({start} to {end})")
        try:
            units = to_minor(Decimal(item.amount), exp)
        except (ValidationError, ArithmeticError):
            raise ValidationError(
                f"one-off '{item.label}': amount {item.amount} has more than {exp} decimals for {base_currency}"
            ) from None
        found.append(Flow(item.day, units, item.label or "one-off", ONE_OFF))
    return found


def build_forecast(
    s: Session,
    start: date,
    weeks: int = 13,
    scenario: Scenario | None = None,
    sources: Sequence[FlowSource] = FLOW_SOURCES,
) -> Forecast:
    """The forecast from `start` for `weeks` weeks (see the module docstring for every rule)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(f"weeks must be between 1 and {MAX_WEEKS}, not {weeks}")
    scenario = scenario or Scenario()
    if scenario.delay_receipts_days < 0:
        raise ValidationError("a delay of receipts cannot be negative")
    base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
    exp = currency_exponent(base_currency)
    end = start + timedelta(days=7 * weeks - 1)
    bank_gl = list(s.execute(select(BankAccount.gl_account_id).where(BankAccount.is_active)).scalars())
    opening_units = sum(gl_balances(s, bank_gl, start - timedelta(days=1)).values())
    flows: list[Flow] = []
    beyond = 0
    delay = timedelta(days=scenario.delay_receipts_days)
    for source in sources:
        for f in source.flows(s, start, end):
            if source.name == RECEIVABLES and delay:
                f = Flow(f.day + delay, f.units, f.label, f.source)
            if f.day > end:
                beyond += 1
            else:
                flows.append(f)
    flows += one_off_flows(scenario, start, end, base_currency)
    flows.sort(key=lambda f: (f.day, f.source, f.label))
    receipts = [0] * weeks
    payments = [0] * weeks
    for f in flows:
        i = (f.day - start).days // 7
        if f.units >= 0:
            receipts[i] += f.units
        else:
            payments[i] -= f.units
    result: list[Week] = []
    opening = from_minor(opening_units, exp)
    for i in range(weeks):
        week = Week(i + 1, start + timedelta(days=7 * i), start + timedelta(days=7 * i + 6), opening,
                    from_minor(receipts[i], exp), from_minor(payments[i], exp))  # fmt: skip
        result.append(week)
        opening = week.closing
    return Forecast(start, base_currency, from_minor(opening_units, exp), tuple(result), tuple(flows), beyond, scenario)


FORECAST_COLUMNS = (
    Column("week", "Week", ColumnKind.INTEGER),
    Column("start", "From", ColumnKind.DATE),
    Column("end", "To", ColumnKind.DATE),
    Column("opening", "Opening", ColumnKind.MONEY),
    Column("receipts", "Receipts", ColumnKind.MONEY),
    Column("payments", "Payments", ColumnKind.MONEY),
    Column("net", "Net", ColumnKind.MONEY),
    Column("closing", "Closing", ColumnKind.MONEY),
)


def scenario_text(scenario: Scenario) -> str:
    parts = []
    if scenario.delay_receipts_days:
        parts.append(f"receipts delayed {scenario.delay_receipts_days} days")
    for o in scenario.items():
        parts.append(f"one-off {o.label} {o.amount:+f} on {o.day}")
    return "what-if: " + "; ".join(parts) if parts else ""


def forecast_report(forecast: Forecast, company: str) -> Report:
    """Weeks as rows (13 rows read down a page and a terminal), a total row of the flows."""
    rows = tuple(
        ReportRow((w.number, w.start, w.end, w.opening, w.receipts, w.payments, w.net, w.closing))
        for w in forecast.weeks
    )
    first, last = forecast.weeks[0], forecast.weeks[-1]
    receipts = sum((w.receipts for w in forecast.weeks), Decimal(0))
    payments = sum((w.payments for w in forecast.weeks), Decimal(0))
    total = ReportRow(
        (None, first.start, last.end, first.opening, receipts, payments, receipts - payments, last.closing),
        RowStyle.TOTAL,
    )
    parts = [f"{len(forecast.weeks)} weeks from {forecast.start.isoformat()}"]
    if text := scenario_text(forecast.scenario):
        parts.append(text)
    if forecast.beyond:
        parts.append(f"{forecast.beyond} expected item(s) after {last.end} not shown")
    return Report(
        "Cash forecast",
        FORECAST_COLUMNS,
        rows,
        subtitle=" · ".join(parts),
        company=company,
        currency=forecast.base_currency,
        exponent=forecast.exponent,
        totals=(total,),
        meta={"start": forecast.start, "weeks": len(forecast.weeks)},
    )


FLOW_COLUMNS = (
    Column("week", "Week", ColumnKind.INTEGER),
    Column("day", "Date", ColumnKind.DATE),
    Column("source", "Source"),
    Column("label", "Item"),
    Column("amount", "Amount", ColumnKind.MONEY),
)


def flows_report(forecast: Forecast, company: str) -> Report:
    """The items behind the weeks, by day: what a user drills into."""
    exp = forecast.exponent
    rows = tuple(
        ReportRow(((f.day - forecast.start).days // 7 + 1, f.day, f.source, f.label, from_minor(f.units, exp)))
        for f in forecast.flows
    )
    return Report("Cash forecast items", FLOW_COLUMNS, rows, subtitle=f"from {forecast.start.isoformat()}",
                  company=company, currency=forecast.base_currency, exponent=exp)  # fmt: skip


class CashForecastService(GuardedService):
    """Read-only, `cash.view` (the Treasurer's forecast). Every source always counts, so the weekly
    figures are complete for anyone who may see cash; what names a document or a customer (an item's
    label) is shown only to a user holding the source's own view permission, otherwise the label is the
    source's name (`receivables`)."""

    def __init__(self, engine, ctx, sources: Sequence[FlowSource] = FLOW_SOURCES) -> None:  # type: ignore[no-untyped-def]
        super().__init__(engine, ctx)
        self.sources = tuple(sources)

    def forecast(self, start: date | None = None, weeks: int = 13, scenario: Scenario | None = None) -> Forecast:
        start = start or self.ctx.clock.today()
        with self._read(Permission.CASH_VIEW) as s:
            found = build_forecast(s, start, weeks, scenario, self.sources)
        hidden = {src.name for src in self.sources if src.permission and not self.ctx.can(src.permission)}
        if not hidden:
            return found
        flows = tuple(Flow(f.day, f.units, f.source, f.source) if f.source in hidden else f for f in found.flows)
        return replace(found, flows=flows)

    def report(self, start: date | None = None, weeks: int = 13, scenario: Scenario | None = None) -> Report:
        forecast = self.forecast(start, weeks, scenario)
        with self._read(Permission.CASH_VIEW) as s:
            company = s.execute(select(CompanySettings.name)).scalar_one()
        return forecast_report(forecast, company)
