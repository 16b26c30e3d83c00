"""The demo company: Northwind Trading Ltd, a small wholesaler, with two years of realistic books.

It exists so that a new user (and every screen, report and benchmark) has lived-in data to look at.
The books are deterministic for a seed and a clock: the same inputs give the same entries, numbers
and figures. The bulk goes through the import fast path (`LedgerService.post_prepared_batches` with
Poster-checked entries: the same rules as any posting), one transaction per month; what only the
service offers (recurring templates, auto-reversing accruals, reversals, drafts, year-end closing)
goes through the service. Amounts are integer cents throughout; where a percentage is taken the
result is rounded half up to the cent, explicitly, in `_pct`.

Each kind of activity is one method of `_Northwind`; a later module (receivables, payables, payroll,
assets...) replaces the matching method with documents posted through its own service.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from paksa_desktop import demo_payables as ap
from paksa_desktop import demo_receivables as ar
from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.clock import Clock, SystemClock
from paksa_desktop.core.errors import Cancelled
from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import add_months, fiscal_year_containing, month_end
from paksa_desktop.demo_banking import EURO_ACCOUNT, add_bank, euro_from, open_accounts
from paksa_desktop.ledger.commands import AccountInput, EntryInput, LineInput, RecurringInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType, Frequency
from paksa_desktop.ledger.posting import Poster, PreparedEntry, PreparedLine
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.persistence.engine import sqlite_path

DEMO_USER = "admin"
DEMO_PASSWORD = "paksa-demo-2024"
DEMO_NAME = "Northwind Trading Ltd"
DEMO_CURRENCY = "USD"
MONTHS = 24

DEPARTMENTS = (("SALES", "Sales"), ("OPS", "Operations"), ("ADMIN", "Administration"))
PROJECTS = (
    ("WEB", "Website relaunch"),
    ("EXPO", "Food & Beverage Expo stand"),
    ("WMS", "Warehouse management system"),
    ("WEST", "West coast expansion"),
)
SUPPLIERS = (
    "Exotic Liquids",
    "New Orleans Cajun Delights",
    "Grandma Kelly's Homestead",
    "Tokyo Traders",
    "Cooperativa de Quesos 'Las Cabras'",
    "Pavlova, Ltd.",
    "Specialty Biscuits, Ltd.",
    "PB Knäckebröd AB",
    "Heli Süßwaren GmbH & Co. KG",
    "Leka Trading",
    "Ma Maison",
    "Gai pâturage",
)
SUBSCRIPTIONS = (  # vendor, monthly cents, day of month, department
    ("Microsoft 365", 46_800, 3, "ADMIN"),
    ("Slack", 21_000, 7, "ADMIN"),
    ("ShipStation", 15_900, 11, "OPS"),
    ("HubSpot Sales Hub", 45_000, 14, "SALES"),
    ("Adobe Creative Cloud", 8_999, 19, "SALES"),
    ("Zoom", 14_990, 23, "ADMIN"),
)
LEGACY = ar.LEGACY_RECEIVABLE[0]
SEASON = (90, 88, 97, 100, 103, 100, 95, 96, 104, 110, 118, 125)  # sales by calendar month, percent


def _pct(cents: int, basis_points: int) -> int:
    """cents * basis_points / 10000, rounded half up to the cent (amounts here are positive)."""
    return (cents * basis_points + 5_000) // 10_000


def _business_day(day: date, *, back: bool = False) -> date:
    """The day itself if Monday to Friday, else the next (or previous) weekday."""
    step = timedelta(days=-1 if back else 1)
    while day.weekday() >= 5:
        day += step
    return day


@dataclass(frozen=True, slots=True)
class _Line:
    account: str
    cents: int  # debit > 0, credit < 0
    department: str | None = None
    project: str | None = None
    memo: str = ""


def _dr(account: str, cents: int, department: str | None = None, project: str | None = None, memo: str = "") -> _Line:
    return _Line(account, cents, department, project, memo)


def _cr(account: str, cents: int, department: str | None = None, project: str | None = None, memo: str = "") -> _Line:
    return _Line(account, -cents, department, project, memo)


@dataclass(slots=True)
class _Entry:
    date: date
    journal: str
    memo: str
    lines: tuple[_Line, ...]
    reference: str = ""
    correct_to: tuple[_Line, ...] = ()  # a mistake: reversed, then posted again with these lines
    prepared: PreparedEntry | None = field(default=None, repr=False)

    def as_input(self, lines: tuple[_Line, ...] | None = None, *, auto_reverse: bool = False) -> EntryInput:
        return EntryInput(
            self.date,
            tuple(
                LineInput(
                    ln.account,
                    debit=from_minor(max(ln.cents, 0), 2),
                    credit=from_minor(max(-ln.cents, 0), 2),
                    memo=ln.memo or self.memo,
                    department=ln.department,
                    project=ln.project,
                )
                for ln in (lines or self.lines)
            ),
            memo=self.memo,
            reference=self.reference,
            journal=self.journal,
            auto_reverse=auto_reverse,
        )


def _entry(day: date, journal: str, memo: str, *lines: _Line, reference: str = "") -> _Entry:
    if sum(ln.cents for ln in lines) != 0:
        raise RuntimeError(f"demo entry '{memo}' on {day} does not balance")  # a bug in this module
    return _Entry(day, journal, memo, tuple(ln for ln in lines if ln.cents), reference)


class _Northwind:
    """The trading of a small food wholesaler, month by month, as ledger entries (amounts in cents)."""

    def __init__(self, rng: random.Random, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self._order = itertools.count()
        self._scheduled: list[tuple[date, int, _Entry]] = []  # later entries: receipts, payments, ...
        self.inventory = 0
        self.invoices = 0  # legacy invoice numbers
        self.ar = ar.ReceivablesPlan(rng, start, end)
        # the payables ledger's year: bills go to the plan, posted through the payables services
        # (its own random numbers: the trading story draws the same ones as before payables existed)
        self.ap = ap.PayablesPlan(random.Random(start.toordinal()), add_months(start, MONTHS - ap.PAYABLES_MONTHS))
        self.bills = 0
        self.card: dict[date, int] = {}  # card charges by month
        self.petty: dict[date, int] = {}  # petty cash spent by month
        self.sales_tax: dict[date, int] = {}  # tax collected by month
        self.loan = 300_000_00
        self.premium = 0
        # (asset account, accumulated depreciation account, department, cents per month, first month)
        self.assets: list[tuple[str, str, str, int, date]] = []

    # ---------------------------------------------------------------- calendar helpers
    def month_index(self, first: date) -> int:
        return (first.year - self.start.year) * 12 + first.month - self.start.month

    def growth(self, cents: int, first: date) -> int:
        """1% more business each month, and the season's swing."""
        return cents * (100 + self.month_index(first)) // 100 * SEASON[first.month - 1] // 100

    def schedule(self, entry: _Entry) -> None:
        """Keep an entry for the month its date falls in; one dated after the demo's end never happens."""
        if entry.date <= self.end:
            self._scheduled.append((entry.date, next(self._order), entry))

    def due(self, first: date, last: date) -> list[_Entry]:
        now = [item for item in self._scheduled if first <= item[0] <= last]
        self._scheduled = [item for item in self._scheduled if item[0] > last]
        return [entry for _day, _n, entry in sorted(now, key=lambda item: (item[0], item[1]))]

    def business_days(self, first: date, last: date) -> list[date]:
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [day for day in days if day.weekday() < 5]

    # ---------------------------------------------------------------- the month
    def month(self, first: date, last: date) -> list[_Entry]:
        """Every bulk entry of one month, in date order (numbers then follow the calendar)."""
        entries: list[_Entry] = []
        entries += self.purchases(first, last)
        entries += self.sales(first, last)
        entries += self.utilities(first, last)
        entries += self.subscriptions(first, last)
        entries += self.sundry_expenses(first, last)
        entries += self.payroll(first, last)
        entries += self.insurance(first, last)
        entries += self.depreciation(first, last)
        entries += self.banking(first, last)
        entries += self.taxes(first, last)
        entries += self.mistakes(first, last)
        entries += self.due(first, last)
        entries = [e for e in entries if e.lines]  # bills handed to the payables plan leave an empty entry
        entries.sort(key=lambda e: e.date)
        return entries

    def opening(self, first: date) -> list[_Entry]:
        """Owners' capital, the bank loan, the fit-out and the first stock, on the first day."""
        day = first
        bought = (  # asset account, accumulated depreciation, department, cost, months of life
            ("1530", "1630", "ADMIN", 48_000_00, 60),
            ("1540", "1640", "ADMIN", 36_000_00, 36),
            ("1550", "1650", "OPS", 90_000_00, 60),
        )
        for asset, accumulated, dept, cost, life in bought:
            self.assets.append((asset, accumulated, dept, cost // life, first))
        entries = [
            _entry(
                day, "GEN", "Share capital paid in by the founders", _dr("1100", 450_000_00), _cr("3100", 450_000_00)
            ),
            _entry(
                day,
                "GEN",
                "Term loan from First National Bank, 60 months at 6%",
                _dr("1100", self.loan),
                _cr("2710", self.loan),
                reference="LOAN-4471",
            ),
            _entry(
                day,
                "CSH",
                "Office furniture, computers and delivery vans",
                *(_dr(asset, cost, dept) for asset, _acc, dept, cost, _life in bought),
                _cr("1100", sum(item[3] for item in bought)),
            ),
            _entry(day, "CSH", "Petty cash float", _dr("1020", 500_00), _cr("1100", 500_00)),
        ]
        stock = 180_000_00
        self.inventory += stock
        self.bills += 1
        ref = f"BILL-{self.bills:05d}"
        entries.append(
            _entry(
                day,
                "PUR",
                f"Opening stock from {SUPPLIERS[0]}",
                _dr("1300", stock, "OPS"),
                _cr("2010", stock),
                reference=ref,
            )
        )
        self.schedule(
            _entry(
                _business_day(day + timedelta(days=30)),
                "CSH",
                f"Payment {ref} {SUPPLIERS[0]}",
                _dr("2010", stock),
                _cr("1100", stock),
                reference=ref,
            )
        )
        return entries

    def _legacy_sales(self, first: date, last: date) -> list[_Entry]:
        """Before the receivables ledger: invoices as journal entries (with their cost of sales) on the
        legacy receivable account, and their receipts, returns and bad debts, as the company kept them."""
        rng = self.rng
        entries = []
        key = first
        year_two = self.month_index(first) >= 12
        for day in self.business_days(first, last):
            for _ in range(rng.randint(3, 7)):
                self.invoices += 1
                ref = f"INV-{self.invoices:06d}"
                customer = rng.choice(ar.CUSTOMERS).name
                net = self.growth(rng.randint(350_00, 5_200_00), first)
                taxable = rng.random() < 0.35
                tax = _pct(net, 825) if taxable else 0
                cost = _pct(net, rng.randint(5_600, 6_400))
                project = "WEST" if year_two and rng.random() < 0.2 else None
                service = rng.random() < 0.08
                lines = [_dr(LEGACY, net + tax, memo=customer)]
                if service:  # delivery and merchandising services: revenue without stock
                    lines.append(_cr("4020", net, "SALES", project))
                    cost = 0
                else:
                    lines.append(_cr("4010", net, "SALES", project))
                if tax:
                    lines.append(_cr("2200", tax))
                if cost:
                    lines += [_dr("5010", cost, "SALES", project), _cr("1300", cost)]
                    self.inventory -= cost
                entries.append(_entry(day, "SAL", f"Invoice {ref} {customer}", *lines, reference=ref))
                self.sales_tax[key] = self.sales_tax.get(key, 0) + tax
                owed = net + tax
                if rng.random() < 0.03:  # a return of part of the goods, credited before payment
                    back = _pct(net, rng.randint(1_000, 4_000))
                    back_tax = _pct(back, 825) if taxable else 0
                    back_cost = _pct(back, 6_000) if not service else 0
                    credit_day = _business_day(day + timedelta(days=rng.randint(3, 12)))
                    credit = _entry(
                        credit_day,
                        "SAL",
                        f"Credit note for {ref} {customer}: damaged goods returned",
                        _dr("4030", back, "SALES"),
                        _dr("2200", back_tax),
                        _cr(LEGACY, back + back_tax, memo=customer),
                        _dr("1300", back_cost),
                        _cr("5010", back_cost, "SALES"),
                        reference=f"CN-{ref}",
                    )
                    self.schedule(credit)
                    if credit.date <= self.end:
                        self.inventory += back_cost
                        tax_month = credit.date.replace(day=1)
                        self.sales_tax[tax_month] = self.sales_tax.get(tax_month, 0) - back_tax
                    owed -= back + back_tax
                if rng.random() < 0.01:  # never paid: written off after four months
                    self.schedule(
                        _entry(
                            _business_day(day + timedelta(days=120)),
                            "GEN",
                            f"Write-off {ref} {customer}: uncollectible",
                            _dr("6220", owed, "SALES"),
                            _cr(LEGACY, owed, memo=customer),
                            reference=ref,
                        )
                    )
                else:
                    paid = _business_day(day + timedelta(days=30 + rng.randint(-12, 25)))
                    self.schedule(
                        _entry(
                            paid,
                            "CSH",
                            f"Receipt {ref} {customer}",
                            _dr("1100", owed),
                            _cr(LEGACY, owed, memo=customer),
                            reference=ref,
                        )
                    )
        return entries

    def sales(self, first: date, last: date) -> list[_Entry]:
        """Invoices every business day, planned as receivables documents (posted month by month through
        the receivables services, with their returns, receipts and bad debts); here only the ledger's
        side of the goods: the day's cost of goods sold, and the stock that comes back with a return."""
        index = self.month_index(first)
        if index < MONTHS - ar.LEDGER_MONTHS:
            return self._legacy_sales(first, last)
        rng = self.rng
        entries = []
        year_two = index >= 12
        customers = [c for c in ar.CUSTOMERS if c.code != ar.BUST_CUSTOMER or index <= ar.BUST_FROM + 1]
        for day in self.business_days(first, last):
            costs: dict[str | None, int] = {}
            for _ in range(rng.randint(3, 7)):
                customer = rng.choice(customers)
                target = self.growth(rng.randint(350_00, 5_200_00), first)
                project = "WEST" if year_two and rng.random() < 0.2 else None
                sold = self.ar.sell(day, customer, target, service=rng.random() < 0.08, project=project)
                self.sales_tax[first] = self.sales_tax.get(first, 0) + sold.tax
                if sold.cost:
                    costs[project] = costs.get(project, 0) + sold.cost
                    self.inventory -= sold.cost
                credit = sold.returned
                if credit is not None:
                    self.schedule(
                        _entry(
                            credit.day,
                            "GEN",
                            f"Returned goods back to stock ({credit.invoice.reference} {customer.name})",
                            _dr("1300", credit.cost, "OPS"),
                            _cr("5010", credit.cost, "SALES"),
                        )
                    )
                    self.inventory += credit.cost
                    tax_month = credit.day.replace(day=1)
                    self.sales_tax[tax_month] = self.sales_tax.get(tax_month, 0) - sold.tax_back
            if costs:
                entries.append(
                    _entry(
                        day,
                        "GEN",
                        f"Cost of goods sold {day:%d %B %Y}",
                        *(_dr("5010", cents, "SALES", project) for project, cents in costs.items()),
                        _cr("1300", sum(costs.values())),
                    )
                )
        return entries

    def purchases(self, first: date, last: date) -> list[_Entry]:
        """Stock bought twice a week to keep about six weeks of sales on the shelves; paid in 30 days."""
        rng = self.rng
        entries = []
        weekly_cost = self.growth(5 * 2_775_00 * 5 * 60 // 100, first)
        target = weekly_cost * 6
        for day in self.business_days(first, last):
            if day.weekday() not in (0, 3):
                continue
            amount = max(weekly_cost // 2 + (target - self.inventory) // 6, 1_000_00)
            amount = amount * rng.randint(85, 115) // 100
            supplier = rng.choice(SUPPLIERS)
            self.bills += 1
            ref = f"BILL-{self.bills:05d}"
            lines = [_dr("1300", amount, "OPS")]
            freight = rng.randint(120_00, 680_00) if rng.random() < 0.4 else 0
            if freight:
                lines.append(_dr("5020", freight, "OPS"))
            lines.append(_cr("2010", amount + freight, memo=supplier))
            self.inventory += amount
            if self.ap.active(day):
                self._payables_purchase(day, supplier, amount, freight)
                rng.randint(25, 35)  # the payment day it had: the story draws the same numbers as before
                continue
            entries.append(_entry(day, "PUR", f"Bill {ref} {supplier}", *lines, reference=ref))
            self.schedule(
                _entry(
                    _business_day(day + timedelta(days=rng.randint(25, 35))),
                    "CSH",
                    f"Payment {ref} {supplier}",
                    _dr("2010", amount + freight, memo=supplier),
                    _cr("1100", amount + freight),
                    reference=ref,
                )
            )
        return entries

    def _payables_purchase(self, day: date, supplier: str, amount: int, freight: int) -> None:
        """A stock bill of the payables year (the euro supplier's go to a dollar one: it bills in EUR now);
        now and then a credit note for damaged goods a week later."""
        if ap.BY_NAME[supplier].currency != "USD":
            supplier = "Leka Trading"
        lines = [("1300", amount, "OPS", None)] + ([("5020", freight, "OPS", None)] if freight else [])
        self.ap.bill(day, supplier, f"Stock purchase {day:%d %b %Y}", lines)
        if self.ap.rng.random() < 0.06:
            back = _pct(amount, self.ap.rng.randint(300, 1_200))
            when = _business_day(day + timedelta(days=7))
            if when <= self.end:
                self.ap.bill(when, supplier, "Damaged goods returned", [("1300", back, "OPS", None)], credit_note=True)
                self.inventory -= back

    def _bill(self, day: date, memo: str, supplier: str, *debits: _Line, pay_in: int = 21) -> _Entry:
        """A supplier bill and its payment `pay_in` days later, as journal entries; in the payables year
        handed to the payables plan instead (the entry returned is then empty)."""
        if self.ap.active(day):
            lines = [(ln.account, ln.cents, ln.department, ln.project) for ln in debits]
            self.ap.bill(day, supplier, memo, lines)
            return _entry(day, "PUR", memo)
        self.bills += 1
        ref = f"BILL-{self.bills:05d}"
        total = sum(line.cents for line in debits)
        self.schedule(
            _entry(
                _business_day(day + timedelta(days=pay_in)),
                "CSH",
                f"Payment {ref} {supplier}",
                _dr("2010", total, memo=supplier),
                _cr("1100", total),
                reference=ref,
            )
        )
        return _entry(day, "PUR", f"{memo} ({ref})", *debits, _cr("2010", total, memo=supplier), reference=ref)

    def utilities(self, first: date, last: date) -> list[_Entry]:
        """Last month's electricity and water, billed around the 10th (accrued at each month end)."""
        if first == self.start:
            return []
        rng = self.rng
        power = rng.randint(1_350_00, 2_250_00) * SEASON[(first.month + 5) % 12] // 100
        water = rng.randint(170_00, 260_00)
        day = _business_day(first + timedelta(days=9))
        usage = add_months(first, -1)
        return [
            self._bill(
                day,
                f"Electricity {usage:%B %Y}",
                "Pacific Power & Light",
                _dr("6110", _pct(power, 7_000), "OPS"),
                _dr("6110", power - _pct(power, 7_000), "ADMIN"),
            ),
            self._bill(day, f"Water {usage:%B %Y}", "City Water Utility", _dr("6110", water, "OPS"), pay_in=28),
        ]

    def _card(self, day: date, memo: str, *debits: _Line) -> _Entry:
        total = sum(line.cents for line in debits)
        key = day.replace(day=1)
        self.card[key] = self.card.get(key, 0) + total
        return _entry(day, "GEN", memo, *debits, _cr("2020", total))

    def subscriptions(self, first: date, last: date) -> list[_Entry]:
        """Software and phone on the company card; last month's card statement paid on the 25th."""
        entries = [
            self._card(first.replace(day=day), f"{vendor} subscription {first:%B %Y}", _dr("6140", cents, dept))
            for vendor, cents, day, dept in SUBSCRIPTIONS
        ]
        phone = self.rng.randint(360_00, 420_00)
        entries.append(self._card(first.replace(day=17), f"Telephone and internet {first:%B %Y}", _dr("6120", phone)))
        previous = add_months(first, -1)
        if previous in self.card:
            owed = self.card[previous]
            entries.append(
                _entry(
                    _business_day(first.replace(day=25)),
                    "CSH",
                    f"Company card statement {previous:%B %Y}",
                    _dr("2020", owed),
                    _cr("1100", owed),
                )
            )
        return entries

    def sundry_expenses(self, first: date, last: date) -> list[_Entry]:
        """Supplies, travel, meals, advertising, repairs, advisers; petty cash topped up monthly."""
        rng = self.rng
        days = self.business_days(first, last)
        index = self.month_index(first)
        entries = []
        key = first
        for _ in range(rng.randint(2, 4)):  # small cash purchases
            cents = rng.randint(12_00, 140_00)
            self.petty[key] = self.petty.get(key, 0) + cents
            entries.append(
                _entry(
                    rng.choice(days),
                    "CSH",
                    rng.choice(("Stationery", "Printer toner", "Postage", "Coffee and milk", "Cleaning supplies")),
                    _dr("6130", cents, "ADMIN"),
                    _cr("1020", cents),
                )
            )
        previous = add_months(first, -1)
        if self.petty.get(previous):
            entries.append(
                _entry(
                    days[0],
                    "CSH",
                    "Petty cash top-up",
                    _dr("1020", self.petty[previous]),
                    _cr("1100", self.petty[previous]),
                )
            )
        west = "WEST" if index >= 12 else None
        for _ in range(rng.randint(1, 3)):
            entries.append(
                self._card(
                    rng.choice(days),
                    rng.choice(("Flights to Chicago", "Hotel, customer visits", "Car rental", "Rail tickets")),
                    _dr("6170", rng.randint(180_00, 1_450_00), "SALES", west if rng.random() < 0.5 else None),
                )
            )
        for _ in range(rng.randint(1, 2)):
            entries.append(
                self._card(rng.choice(days), "Customer lunch", _dr("6180", rng.randint(45_00, 380_00), "SALES"))
            )
        web = "WEB" if 2 <= index <= 8 else None
        expo = "EXPO" if first.month in (9, 10) else None
        entries.append(
            self._card(
                rng.choice(days),
                "Online advertising",
                _dr("6190", self.growth(rng.randint(1_800_00, 3_600_00), first), "SALES", web),
            )
        )
        if expo:
            entries.append(
                self._bill(
                    rng.choice(days),
                    "Expo stand, design and build",
                    "Expo Events Inc.",
                    _dr("6190", rng.randint(4_000_00, 9_000_00), "SALES", expo),
                    pay_in=30,
                )
            )
        if web and index in (3, 6):
            entries.append(
                self._bill(
                    rng.choice(days),
                    "Website design and development",
                    "Pixel & Co. Studio",
                    _dr("6200", rng.randint(6_000_00, 11_000_00), "ADMIN", "WEB"),
                    pay_in=30,
                )
            )
        if 14 <= index <= 19:
            entries.append(
                self._bill(
                    rng.choice(days),
                    "Warehouse system implementation",
                    "LogiSoft Consulting",
                    _dr("6200", rng.randint(3_500_00, 7_500_00), "OPS", "WMS"),
                    pay_in=30,
                )
            )
        if rng.random() < 0.5:
            entries.append(
                self._bill(
                    rng.choice(days),
                    rng.choice(("Forklift service", "Roller door repair", "Van servicing", "HVAC maintenance")),
                    "Acme Maintenance Services",
                    _dr("6160", rng.randint(220_00, 2_400_00), "OPS"),
                )
            )
        if first.month in (1, 4, 7, 10):
            entries.append(
                self._bill(
                    days[min(8, len(days) - 1)],
                    "Quarterly bookkeeping and tax advice",
                    "Baker & Lim CPAs",
                    _dr("6200", rng.randint(2_800_00, 4_200_00), "ADMIN"),
                    pay_in=30,
                )
            )
        return entries

    def payroll(self, first: date, last: date) -> list[_Entry]:
        """Twice a month: salaries by department, withholding, employer taxes and benefits, net pay."""
        rng = self.rng
        index = self.month_index(first)
        heads = {"SALES": 4 + (index >= 14), "OPS": 5 + (index >= 12), "ADMIN": 3 + (index >= 18)}
        salary = {"SALES": 5_000_00, "OPS": 4_100_00, "ADMIN": 5_600_00}
        raise_pct = 103 if index >= 12 else 100
        entries = []
        benefits_month = 0
        for pay_day, final in ((_business_day(first.replace(day=15), back=True), False), (last, True)):
            pay_day = _business_day(pay_day, back=True)
            gross = {d: heads[d] * salary[d] * raise_pct // 100 // 2 for d in heads}
            gross["OPS"] += rng.randint(0, 1_500_00)  # overtime
            if final:
                gross["SALES"] += self.growth(rng.randint(1_000_00, 4_000_00), first)  # commissions
            employer_tax = {d: _pct(g, 825) for d, g in gross.items()}
            employer_benefits = {d: heads[d] * 225_00 for d in heads}
            withheld = sum(_pct(g, 2_200) for g in gross.values())
            employee_benefits = sum(heads.values()) * 60_00
            net = sum(gross.values()) - withheld - employee_benefits
            taxes = withheld + sum(employer_tax.values())
            benefits = employee_benefits + sum(employer_benefits.values())
            benefits_month += benefits
            run = f"PR-{pay_day:%Y%m}-{2 if final else 1}"
            entries.append(
                _entry(
                    pay_day,
                    "PAY",
                    f"Payroll {pay_day:%B %Y} ({'second' if final else 'first'} half)",
                    *(_dr("6010", g, d) for d, g in gross.items()),
                    *(_dr("6020", t, d) for d, t in employer_tax.items()),
                    *(_dr("6030", b, d) for d, b in employer_benefits.items()),
                    _cr("2300", net, memo="net pay"),
                    _cr("2310", taxes, memo="withholding and employer taxes"),
                    _cr("2320", benefits, memo="health plan"),
                    reference=run,
                )
            )
            entries.append(_entry(pay_day, "CSH", f"Net pay {run}", _dr("2300", net), _cr("1100", net), reference=run))
            self.schedule(
                _entry(
                    _business_day(pay_day + timedelta(days=3)),
                    "CSH",
                    f"Payroll tax deposit {run}",
                    _dr("2310", taxes),
                    _cr("1100", taxes),
                    reference=run,
                )
            )
        self.schedule(
            _entry(
                _business_day(add_months(first, 1).replace(day=5)),
                "CSH",
                f"Health plan premium {first:%B %Y}",
                _dr("2320", benefits_month),
                _cr("1100", benefits_month),
            )
        )
        return entries

    def insurance(self, first: date, last: date) -> list[_Entry]:
        """A premium every quarter, prepaid and spread over its three months."""
        entries = []
        if self.month_index(first) % 3 == 0:
            self.premium = self.rng.randint(2_900_00, 3_300_00) * 3
            entries.append(
                _entry(
                    _business_day(first),
                    "CSH",
                    f"Business insurance premium, quarter from {first:%B %Y}",
                    _dr("1400", self.premium),
                    _cr("1100", self.premium),
                    reference="POL-88-2210",
                )
            )
        share = self.premium // 3
        entries.append(
            _entry(last, "GEN", f"Insurance expense {first:%B %Y}", _dr("6150", share, "ADMIN"), _cr("1400", share))
        )
        return entries

    def depreciation(self, first: date, last: date) -> list[_Entry]:
        """Straight line, monthly; a second van joins the fleet in the second year."""
        if self.month_index(first) == 15:
            self.assets.append(("1550", "1650", "OPS", 62_000_00 // 60, first))
        lines = []
        for _asset, accumulated, dept, monthly, since in self.assets:
            if since <= first:
                lines += [_dr("6300", monthly, dept), _cr(accumulated, monthly)]
        return [_entry(last, "GEN", f"Depreciation {first:%B %Y}", *lines)]

    def banking(self, first: date, last: date) -> list[_Entry]:
        """Loan repayment with interest, bank fees, savings interest and quarterly transfers to savings."""
        rng = self.rng
        index = self.month_index(first)
        entries = []
        interest = _pct(self.loan, 50)  # 6% a year, 0.5% a month
        principal = 5_799_84 - interest
        self.loan -= principal
        pay_day = _business_day(first.replace(day=28), back=True)
        entries.append(
            _entry(
                pay_day,
                "CSH",
                f"Loan instalment {first:%B %Y}",
                _dr("7010", interest),
                _dr("2710", principal),
                _cr("1100", interest + principal),
                reference="LOAN-4471",
            )
        )
        if index == 15:  # the second van, paid cash
            entries.append(
                _entry(
                    _business_day(first.replace(day=6)),
                    "CSH",
                    "Delivery van (second)",
                    _dr("1550", 62_000_00, "OPS"),
                    _cr("1100", 62_000_00),
                )
            )
        fees = 45_00 + 15_00 * rng.randint(2, 9)
        entries.append(_entry(last, "CSH", f"Bank charges {first:%B %Y}", _dr("6210", fees), _cr("1100", fees)))
        if index % 3 == 2:
            entries.append(
                _entry(
                    _business_day(first.replace(day=20)),
                    "CSH",
                    "Transfer to savings",
                    _dr("1110", 15_000_00),
                    _cr("1100", 15_000_00),
                )
            )
        if index >= 3:
            earned = 20_00 + 27_00 * (index // 3)
            entries.append(
                _entry(last, "CSH", f"Savings interest {first:%B %Y}", _dr("1110", earned), _cr("4110", earned))
            )
        return entries

    def taxes(self, first: date, last: date) -> list[_Entry]:
        """Last month's sales tax paid on the 20th; income tax provided quarterly and paid the month after."""
        entries = []
        previous = add_months(first, -1)
        owed = self.sales_tax.get(previous, 0)
        if owed > 0:
            entries.append(
                _entry(
                    _business_day(first.replace(day=20)),
                    "CSH",
                    f"Sales tax return {previous:%B %Y}",
                    _dr("2200", owed),
                    _cr("1100", owed),
                )
            )
        if first.month in (3, 6, 9, 12):
            provision = self.growth(self.rng.randint(12_000_00, 18_000_00), first)
            entries.append(
                _entry(
                    last,
                    "GEN",
                    f"Income tax provision Q{first.month // 3}",
                    _dr("8000", provision),
                    _cr("2210", provision),
                )
            )
            self.schedule(
                _entry(
                    _business_day(add_months(first, 1).replace(day=15)),
                    "CSH",
                    f"Estimated income tax payment Q{first.month // 3} {first.year}",
                    _dr("2210", provision),
                    _cr("1100", provision),
                )
            )
        return entries

    def mistakes(self, first: date, last: date) -> list[_Entry]:
        """Now and then a bill goes to the wrong account or with the digits swapped; it gets reversed."""
        index = self.month_index(first)
        if index % 4 != 1:
            return []
        rng = self.rng
        day = rng.choice(self.business_days(first, last)[:-5])
        cents = rng.randint(300_00, 1_900_00)
        if self.ap.active(day):  # the payables ledger keeps its control account clean: a card purchase now
            bill = self._card(day, "Shelving repairs, Acme Maintenance Services", _dr("6160", cents, "OPS"))
        else:
            bill = self._bill(day, "Shelving repairs", "Acme Maintenance Services", _dr("6160", cents, "OPS"))
        credit = next(ln for ln in bill.lines if ln.cents < 0)
        if index % 8 == 1:  # keyed to office supplies instead of repairs
            wrong = _entry(
                bill.date,
                bill.journal,
                bill.memo,
                _dr("6130", cents, "OPS"),
                _cr(credit.account, cents, memo=credit.memo),
                reference=bill.reference,
            )
        else:  # digits of the amount swapped: 1,234.50 keyed as 1,243.50 (the payment was right)
            swapped = cents + 9 * 100 * (cents // 100 % 10 - cents // 1000 % 10)
            swapped = swapped if swapped > 0 and swapped != cents else cents + 9_00
            wrong = _entry(
                bill.date,
                bill.journal,
                bill.memo,
                _dr("6160", swapped, "OPS"),
                _cr(credit.account, swapped, memo=credit.memo),
                reference=bill.reference,
            )
        wrong.correct_to = bill.lines
        return [wrong]

    def accruals(self, first: date, last: date) -> list[_Entry]:
        """Month-end estimates of costs billed next month; they reverse on the 1st (posted via the service)."""
        rng = self.rng
        power = rng.randint(1_400_00, 2_100_00)
        freight = rng.randint(300_00, 900_00)
        return [
            _entry(
                last,
                "GEN",
                f"Accrued electricity and water {first:%B %Y} (estimate)",
                _dr("6110", power, "OPS"),
                _cr("2100", power),
            ),
            _entry(
                last,
                "GEN",
                f"Accrued inbound freight {first:%B %Y} (not yet billed)",
                _dr("5020", freight, "OPS"),
                _cr("2100", freight),
            ),
        ]


class _Builder:
    """Runs the story against a real company: recurring rent, monthly bulk, accruals, closing, drafts."""

    def __init__(
        self,
        company: Company,
        seed: int,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.company = company
        self.ctx = company.login(DEMO_USER, DEMO_PASSWORD)
        self.ledger: LedgerService = company.ledger(self.ctx)
        self.invoicing = company.invoicing(self.ctx)
        self.receipts = company.receipts(self.ctx)
        today = company.today()
        self.end = today.replace(day=1) - timedelta(days=1)
        self.start = add_months(self.end.replace(day=1), -(MONTHS - 1))
        self.story = _Northwind(random.Random(seed), self.start, self.end)
        self.progress = progress
        self.cancelled = cancelled
        self.steps = MONTHS + 4
        self.done = 0
        self.payables: ap.PayablesMonths | None = None

    def step(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.steps)

    def run(self) -> None:
        try:
            self._run()
        finally:
            if self.payables is not None:
                self.payables.close()

    def _run(self) -> None:
        self.setup()
        self.step()
        rent = self.rent_template(8_500_00)
        self.post_month(self.start, self.story.opening(self.start))  # before the first rent leaves the bank
        first = self.start
        while first <= self.end:
            last = month_end(first)
            if self.story.month_index(first) == 12:  # the lease renews 4% dearer
                self.rent_template(8_840_00, template_id=rent, on=first)
            self.ledger.run_recurring(first)
            self.post_month(first, self.story.month(first, last))
            self.receivables_month(first)
            if self.story.ap.active(first):
                self.payables_month(first)
            for accrual in self.story.accruals(first, last):
                self.ledger.post(accrual.as_input(auto_reverse=True))
            self.step()
            first = add_months(first, 1)
        self.drafts()
        self.step()
        self.close_years()
        self.budget()
        self.step()
        add_bank(self.company, self.ctx, self.start, self.end)
        self.step()

    def setup(self) -> None:
        for code, name in DEPARTMENTS:
            self.ledger.create_department(code, name)
        for code, name in PROJECTS:
            self.ledger.create_project(code, name)
        code, name = ar.LEGACY_RECEIVABLE
        self.ledger.create_account(AccountInput(code, name, AccountType.ASSET, "1000", AccountSubtype.RECEIVABLE))
        code, name = EURO_ACCOUNT
        self.ledger.create_account(AccountInput(code, name, AccountType.ASSET, "1000", AccountSubtype.BANK, "EUR"))
        open_accounts(self.company, self.ctx)  # payment runs pay from Operating from the payables year on
        people = ap.setup(self.company, self.ctx, self.ledger)
        self.payables = ap.PayablesMonths(self.company, self.ctx, people, self.story.ap, self.end)
        receivables = self.company.receivables(self.ctx)
        for tax in (ar.SALES_TAX, ar.EXEMPT):
            receivables.create_tax_code(tax)
        for customer in self.story.ar.customers():
            receivables.create_customer(customer)
        for item in self.story.ar.items():
            receivables.create_item(item)
        for name, frequency, lines in (
            (
                "Office cleaning",
                Frequency.MONTHLY,
                (_dr("6160", 640_00, "ADMIN"), _cr("2010", 640_00, memo="Sparkle Cleaning Co.")),
            ),
            (
                "Annual audit fee",
                Frequency.YEARLY,
                (_dr("6200", 9_500_00, "ADMIN"), _cr("2010", 9_500_00, memo="Baker & Lim CPAs")),
            ),
        ):  # future templates that create drafts for review
            self.ledger.save_recurring(
                RecurringInput(
                    name=name,
                    frequency=frequency,
                    next_date=self.end + timedelta(days=1) + timedelta(days=31 if frequency is Frequency.YEARLY else 0),
                    lines=_entry(self.end, "PUR", name, *lines).as_input().lines,
                    memo=name,
                    journal="PUR",
                    post=False,
                )
            )

    def rent_template(self, cents: int, *, template_id: int | None = None, on: date | None = None) -> int:
        """Rent posts itself on the 1st of every month from a recurring template."""
        warehouse = _pct(cents, 7_000)
        lines = (_dr("6100", warehouse, "OPS"), _dr("6100", cents - warehouse, "ADMIN"), _cr("1100", cents))
        new_id, _ = self.ledger.save_recurring(
            RecurringInput(
                name="Warehouse and office rent",
                frequency=Frequency.MONTHLY,
                next_date=on or self.start,
                lines=_entry(self.start, "CSH", "Rent, Harbour Road warehouse and office", *lines).as_input().lines,
                memo="Rent, Harbour Road warehouse and office",
                journal="CSH",
                post=True,
            ),
            template_id,
        )
        return new_id

    def post_month(self, first: date, entries: list[_Entry]) -> None:
        """The month's bulk in one transaction; then each mistake is reversed and posted right."""

        def batches(poster: Poster) -> Iterator[list[PreparedEntry]]:
            journals: dict[str, int] = {}
            dims: dict[str | None, int | None] = {None: None}
            for code, _name in DEPARTMENTS:
                dims[code] = poster.department_id(code)
            for code, _name in PROJECTS:
                dims[code] = poster.project_id(code)
            batch = []
            for entry in entries:
                if entry.journal not in journals:
                    journals[entry.journal] = poster.journal(entry.journal)[0]
                prepared = PreparedEntry(
                    journal_id=journals[entry.journal],
                    date=entry.date,
                    lines=[
                        PreparedLine(
                            poster.accounts[ln.account].id,
                            ln.cents,
                            ln.memo or entry.memo,
                            dims[ln.department],
                            dims[ln.project],
                        )
                        for ln in entry.lines
                    ],
                    memo=entry.memo,
                    reference=entry.reference,
                    source="demo",
                )
                poster.check(prepared)
                entry.prepared = prepared
                batch.append(prepared)
            yield batch

        self.ledger.post_prepared_batches(batches, action="demo", summary={"month": f"{first:%Y-%m}"})
        for entry in entries:
            if entry.correct_to and entry.prepared is not None and entry.prepared.id is not None:
                later = min(entry.date + timedelta(days=3), month_end(first))
                self.ledger.reverse(
                    entry.prepared.id, on=later, memo=f"Reversal of {entry.prepared.number}: keyed wrongly"
                )
                fixed = _Entry(later, entry.journal, f"{entry.memo}, corrected", entry.correct_to, entry.reference)
                self.ledger.post(fixed.as_input())

    def receivables_month(self, first: date) -> None:
        """The month's invoices, credit notes, receipts and write-offs through the receivables services
        (the euro's rate for the month first), once the company keeps its receivables ledger (the last
        year); the customer that went bust is put on credit hold."""
        index = self.story.month_index(first)
        if index < MONTHS - ar.LEDGER_MONTHS:
            return
        self.invoicing.set_rate("EUR", first, ar.eur_rate(index))
        month = self.story.ar.months.pop(first, None)
        if month is not None:
            ar.post_month(month, self.invoicing, self.receipts, euro_from(self.end))
        if index == ar.BUST_WRITTEN_OFF:
            bust = next(c for c in self.story.ar.customers() if c.code == ar.BUST_CUSTOMER)
            self.company.receivables(self.ctx).update_customer(bust.code, replace(bust, credit_hold=True))

    def payables_month(self, first: date) -> None:
        """The month's bills, run, payments and claims through the payables services (demo_payables.py)."""
        assert self.payables is not None
        self.payables.month(first)

    def drafts(self) -> None:
        """A few entries left in draft for someone to finish: unfinished work is part of real books."""
        day = _business_day(self.end.replace(day=20), back=True)
        for entry in (
            _entry(
                day,
                "PUR",
                "Speedy Express freight bill, awaiting approval",
                _dr("5020", 1_284_60, "OPS"),
                _cr("2010", 1_284_60, memo="Speedy Express"),
                reference="SE-77812",
            ),
            _entry(
                self.end,
                "GEN",
                "Reclassify expo travel to the EXPO project",
                _dr("6170", 1_120_00, "SALES", "EXPO"),
                _cr("6170", 1_120_00, "SALES"),
            ),
        ):
            self.ledger.save_draft(entry.as_input())
        bonus = _Entry(self.end, "PAY", "Year-end bonus accrual: waiting for the figures from HR", ())
        self.ledger.save_draft(bonus.as_input((_dr("6010", 18_000_00, "SALES"),)))

    def budget(self) -> None:
        """This fiscal year's budget: last year's actuals plus 5 %, for budget versus actual."""
        start_month = self.company.ledger_queries(self.ctx).company().fiscal_year_start_month
        year = fiscal_year_containing(self.end, start_month)
        last = fiscal_year_containing(year.start - timedelta(days=1), start_month)
        if last.start < self.start:  # less than a year of history before this one
            return
        name = f"Budget {year.name}"
        budgets = self.company.budgets(self.ctx)
        budgets.create_budget(name, "Last year's actuals plus 5 %")
        budgets.copy_from_actuals(name, last.start, last.end, year.start, Decimal(5))

    def close_years(self) -> None:
        """Every fiscal year that ended before the current one: closing entry, periods closed, lock date."""
        queries = self.company.ledger_queries(self.ctx)
        current = fiscal_year_containing(self.end, queries.company().fiscal_year_start_month).start
        ids = {year.code: year.id for year in queries.fiscal_years()}
        periods = [p for p in queries.periods() if p.end_date < current]
        lock = None
        for name in dict.fromkeys(p.fiscal_year for p in periods):
            self.ledger.close_year(ids[name])
            for period in (p for p in periods if p.fiscal_year == name):
                self.ledger.close_period(period.id)
                lock = period.end_date
        if lock is not None:
            self.ledger.set_lock_date(lock)


def _discard(company: Company) -> None:
    """Leave no half-made demo behind: delete the SQLite file, or empty the PostgreSQL database again."""
    path = sqlite_path(company.url)
    if path is not None:
        company.close()
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    from sqlalchemy import MetaData

    # best effort: the original error is the one to report
    with contextlib.suppress(Exception), company.engine.begin() as conn:
        tables = MetaData()
        tables.reflect(conn)
        tables.drop_all(conn)
    company.close()


def build_demo(
    target: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    clock: Clock | None = None,
    seed: int = 7,
) -> Company:
    """Create the demo company at `target` (a new SQLite file or an empty database) and return it open.

    Two years of activity end at the last month end before the clock's today. On cancel (raises
    `Cancelled`) or failure nothing is left behind.
    """
    clock = clock or SystemClock()
    spec = NewCompany(
        name=DEMO_NAME,
        currency=DEMO_CURRENCY,
        fiscal_year_start_month=1,
        template="standard",
        admin=DEMO_USER,
        admin_password=DEMO_PASSWORD,
        admin_full_name="Demo Administrator",
    )
    if cancelled is not None and cancelled():
        raise Cancelled()
    company = Company.create(target, spec, clock=clock)
    try:
        _Builder(company, seed, progress, cancelled).run()
    except BaseException:
        _discard(company)
        raise
    return company
