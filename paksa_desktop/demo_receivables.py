"""The demo company's receivables: Northwind's customers (ten of them in EUR), items and sales tax, and
two years of invoices, credit notes, receipts and a bad debt, posted through the receivables services.

The trading story in demo.py decides each day what is sold to whom; `ReceivablesPlan` turns that into
documents and decides when each is credited, paid or written off; `post_month` posts a month of them
through `InvoicingService` and `ReceiptService`, in date order, so the invoice and credit note numbers
follow the calendar and the subledger reconciles to the control account on every day of the demo.

Customers pay by remittance: on their pay day (the 10th or the 25th) each pays in one receipt whatever
it means to pay by then; some always early, some late, two by instalments, and one stops paying and
has its open invoices written off as bad debts. Every amount is computed as the services compute it
(integer minor units, tax per line, half-even), so the plan knows each invoice's total without asking.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from paksa_desktop.core.money import from_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.core.periods import add_months
from paksa_desktop.core.tax import TaxCode, TaxLine, TaxRounding, compute
from paksa_desktop.receivables.amounts import QUANTITY_SCALE, divide_half_even, line_amount
from paksa_desktop.receivables.commands import (
    AllocationInput,
    CustomerInput,
    InvoiceInput,
    InvoiceLineInput,
    ItemInput,
    ReceiptInput,
    TaxCodeInput,
)

SALES_TAX = TaxCodeInput("ST825", "State sales tax", Decimal("8.25"), "2200")
EXEMPT = TaxCodeInput("EXEMPT", "Exempt (resale certificate on file)", Decimal(0), "2200")
_ST825 = TaxCode("ST825", Decimal("8.25"))
BANK = "1100"
EURO_BANK = "1120"  # euro customers pay into the euro account from `euro_from` (the demo's last months)
LEDGER_MONTHS = 12  # the receivables ledger holds the demo's last year; before, invoices were journal entries
LEGACY_RECEIVABLE = ("1205", "Accounts receivable, before the receivables ledger")
BUST_CUSTOMER = "HUNGC"  # stops paying in the second year; its open invoices are written off
BUST_FROM, BUST_WRITTEN_OFF = 15, 19  # month indexes: last invoice paid before, write-off at the end of


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    code: str
    name: str
    currency: str = "USD"
    terms: str = "net 30"
    credit_limit: str | None = None
    taxable: bool = False  # a US retailer: sales tax; resellers and export customers: none
    pay_day: int = 10  # remittances go out on this day of the month
    habit: str = "prompt"  # prompt (a few days early), late (10-45 days), slow (30-90 days)
    instalments: bool = False  # now and then pays an invoice in two parts


CUSTOMERS = (
    DemoCustomer("ALFKI", "Alfreds Futterkiste", "EUR", "net 30", "60000"),
    DemoCustomer("ANATR", "Ana Trujillo Emparedados y helados", habit="late", pay_day=25),
    DemoCustomer("ANTON", "Antonio Moreno Taquería", "USD", "net 45"),
    DemoCustomer("AROUT", "Around the Horn", terms="30 EOM", pay_day=25),
    DemoCustomer("BERGS", "Berglunds snabbköp", habit="late"),
    DemoCustomer("BLAUS", "Blauer See Delikatessen", "EUR"),
    DemoCustomer("BLONP", "Blondel père et fils", "EUR", pay_day=25),
    DemoCustomer("BOLID", "Bólido Comidas preparadas", "EUR", "net 45", habit="late"),
    DemoCustomer("BONAP", "Bon app'", "EUR", pay_day=25),
    DemoCustomer("BOTTM", "Bottom-Dollar Markets", credit_limit="40000", instalments=True),
    DemoCustomer("BSBEV", "B's Beverages", pay_day=25),
    DemoCustomer("CACTU", "Cactus Comidas para llevar", habit="slow"),
    DemoCustomer("CHOPS", "Chop-suey Chinese"),
    DemoCustomer("COMMI", "Comércio Mineiro", terms="net 60", pay_day=25),
    DemoCustomer("CONSH", "Consolidated Holdings", terms="net 14"),
    DemoCustomer("DRACD", "Drachenblut Delikatessen", "EUR", habit="late"),
    DemoCustomer("DUMON", "Du monde entier", "EUR", pay_day=25),
    DemoCustomer("EASTC", "Eastern Connection"),
    DemoCustomer("ERNSH", "Ernst Handel", "EUR", "net 30", "80000", pay_day=25),
    DemoCustomer("FOLKO", "Folk och fä HB"),
    DemoCustomer("FRANR", "France restauration", "EUR"),
    DemoCustomer("FRANK", "Frankenversand", "EUR", habit="late", pay_day=25),
    DemoCustomer("GREAL", "Great Lakes Food Market", credit_limit="60000", taxable=True),
    DemoCustomer("HUNGC", "Hungry Coyote Import Store", credit_limit="8000", taxable=True, habit="slow"),
    DemoCustomer("ISLAT", "Island Trading", terms="net 60", pay_day=25),
    DemoCustomer("LAZYK", "Lazy K Kountry Store", terms="net 14", credit_limit="15000", taxable=True, habit="late"),
    DemoCustomer("LETSS", "Let's Stop N Shop", taxable=True, pay_day=25),
    DemoCustomer("OLDWO", "Old World Delicatessen", taxable=True),
    DemoCustomer("RATTC", "Rattlesnake Canyon Grocery", credit_limit="35000", taxable=True, pay_day=25),
    DemoCustomer("SAVEA", "Save-a-lot Markets", credit_limit="75000", taxable=True, instalments=True),
    DemoCustomer("SPLIR", "Split Rail Beer & Ale", taxable=True, habit="late", pay_day=25),
    DemoCustomer("THEBI", "The Big Cheese", taxable=True),
    DemoCustomer("TRAIH", "Trail's Head Gourmet Provisioners", taxable=True, pay_day=25),
    DemoCustomer("WHITC", "White Clover Markets", credit_limit="50000", taxable=True),
)


@dataclass(frozen=True, slots=True)
class DemoItem:
    code: str
    description: str
    price: int  # cents, USD
    account: str
    goods: bool = True  # goods have a cost of sales and can come back


GOODS = (
    DemoItem("CHAI-24", "Chai tea, 24 boxes x 20 bags", 432_00, "4010"),
    DemoItem("CHANG-24", "Chang beer, 24 x 12 oz bottles", 456_00, "4010"),
    DemoItem("ANISE-12", "Aniseed syrup, 12 x 550 ml", 120_00, "4010"),
    DemoItem("CAJUN-48", "Chef Anton's Cajun seasoning, 48 x 6 oz", 1_056_00, "4010"),
    DemoItem("GUMBO-36", "Gumbo mix, 36 boxes", 768_60, "4010"),
)
DELIVERY = DemoItem("DELIVERY", "Delivery, per drop", 45_00, "4020", goods=False)
MERCHANDISING = DemoItem("MERCH-HR", "In-store merchandising, per hour", 62_50, "4020", goods=False)
ITEMS = (*GOODS, DELIVERY, MERCHANDISING)


def eur_rate(month_index: int) -> Decimal:
    """USD per EUR on the first of each month: a gentle wave between 1.06 and 1.105."""
    return Decimal("1.0600") + Decimal(month_index % 7) * Decimal("0.0075")


@dataclass(slots=True)
class PlannedInvoice:
    reference: str
    day: date
    customer: DemoCustomer
    lines: list[tuple[DemoItem, int, int]]  # item, quantity x 10,000, unit price (document cents)
    department: str
    project: str | None
    total: int  # document cents, as the service will compute it
    number: str | None = None  # once issued
    credited: int = 0
    paid: int = 0

    @property
    def open(self) -> int:
        return self.total - self.credited - self.paid


@dataclass(slots=True)
class PlannedCredit:
    day: date
    invoice: PlannedInvoice
    item: DemoItem
    quantity_e4: int
    price: int
    total: int
    tax: int

    @property
    def cost(self) -> int:
        """What the returned goods cost (USD cents): back to stock at 60 % of the list price."""
        return self.item.price * self.quantity_e4 // QUANTITY_SCALE * 60 // 100


@dataclass(frozen=True, slots=True)
class Sold:
    """What an invoice means for the trading story's own entries (USD cents)."""

    cost: int  # cost of the goods delivered
    tax: int  # sales tax collected (US customers)
    returned: PlannedCredit | None
    tax_back: int  # sales tax its credit note takes back


@dataclass(slots=True)
class PlannedPayment:
    day: date  # the remittance day
    invoice: PlannedInvoice
    part: bool = False  # the first of two instalments (60 %); otherwise whatever is still open


@dataclass(slots=True)
class Month:
    """A month's receivables work, in the order it is posted."""

    invoices: list[PlannedInvoice] = field(default_factory=list)
    credits: list[PlannedCredit] = field(default_factory=list)
    payments: list[PlannedPayment] = field(default_factory=list)
    write_offs: list[tuple[date, PlannedInvoice]] = field(default_factory=list)


def _pay_day(target: date, day_of_month: int) -> date:
    """The customer's first remittance day on or after `target` (a weekday: the Friday before a weekend)."""
    candidate = target.replace(day=day_of_month)
    if candidate < target:
        candidate = add_months(candidate, 1)
    while candidate.weekday() >= 5:
        candidate -= timedelta(days=1)
    return candidate if candidate >= target else _pay_day(add_months(target.replace(day=1), 1), day_of_month)


def _totals(lines: list[tuple[DemoItem, int, int]], taxable: bool) -> tuple[int, int]:
    """(net, tax) of lines as InvoicingService computes them: line amounts, then tax per line."""
    amounts = [line_amount(quantity, price) for _item, quantity, price in lines]
    summary = compute([TaxLine(a, _ST825 if taxable else None) for a in amounts], TaxRounding.LINE)
    return summary.net, summary.tax


class ReceivablesPlan:
    """Each invoice's fate, decided when it is sold; the documents wait in the month they are dated."""

    def __init__(self, rng: random.Random, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.months: dict[date, Month] = {}
        self.count = 0

    def month(self, day: date) -> Month:
        return self.months.setdefault(day.replace(day=1), Month())

    def month_index(self, day: date) -> int:
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def rate(self, day: date) -> Decimal:
        return eur_rate(self.month_index(day))

    def _price(self, cents: int, customer: DemoCustomer, day: date) -> int:
        """A USD list price in the invoice's currency (EUR at the month's rate, to the cent)."""
        if customer.currency == "USD":
            return cents
        rate = self.rate(day)
        return divide_half_even(cents * 10_000, int(rate * 10_000))

    def sell(self, day: date, customer: DemoCustomer, target: int, *, service: bool, project: str | None) -> Sold:
        """Plan an invoice of about `target` cents net (goods, or merchandising hours), its return if any
        and its payment; returns what the trading story books around it (cost of goods, sales tax)."""
        rng = self.rng
        lines: list[tuple[DemoItem, int, int]] = []
        cost = 0
        if service:
            hours = max(1, round(target / MERCHANDISING.price))
            lines.append((MERCHANDISING, hours * QUANTITY_SCALE, self._price(MERCHANDISING.price, customer, day)))
        else:
            chosen = rng.sample(GOODS, rng.randint(1, 3))
            for item in chosen:
                quantity = max(1, target // len(chosen) // item.price)
                lines.append((item, quantity * QUANTITY_SCALE, self._price(item.price, customer, day)))
                cost += item.price * quantity * rng.randint(56, 64) // 100
            if rng.random() < 0.5:
                lines.append((DELIVERY, QUANTITY_SCALE, self._price(DELIVERY.price, customer, day)))
        net, tax = _totals(lines, customer.taxable)
        self.count += 1
        invoice = PlannedInvoice(f"SO-{self.count:06d}", day, customer, lines, "SALES", project, net + tax)
        self.month(day).invoices.append(invoice)
        returned = None if service else self._returns(invoice)
        self._fate(invoice)
        usd = customer.currency == "USD"
        return Sold(cost, tax if usd else 0, returned, returned.tax if returned is not None and usd else 0)

    def _returns(self, invoice: PlannedInvoice) -> PlannedCredit | None:
        """Now and then part of a delivery comes back damaged and is credited a few days later."""
        rng = self.rng
        if rng.random() >= 0.03:
            return None
        item, quantity_e4, price = invoice.lines[0]
        back = max(1, quantity_e4 // QUANTITY_SCALE * rng.randint(10, 40) // 100) * QUANTITY_SCALE
        day = invoice.day + timedelta(days=rng.randint(3, 12))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if day > self.end:
            return None
        net, tax = _totals([(item, back, price)], invoice.customer.taxable)
        credit = PlannedCredit(day, invoice, item, back, price, net + tax, tax)
        self.month(day).credits.append(credit)
        invoice.credited = net + tax
        return credit

    def _fate(self, invoice: PlannedInvoice) -> None:
        """When the customer pays it (by its habit, on its pay day), in one or two parts, or never."""
        rng = self.rng
        customer = invoice.customer
        index = self.month_index(invoice.day)
        if customer.code == BUST_CUSTOMER and index >= BUST_FROM:
            written_off = add_months(self.start, BUST_WRITTEN_OFF + 1) - timedelta(days=1)
            if written_off <= self.end:
                self.month(written_off).write_offs.append((written_off, invoice))
            return
        due = PaymentTerms.parse(customer.terms).due_date(invoice.day)
        early, late = {"prompt": (-6, 2), "late": (10, 45), "slow": (30, 90)}[customer.habit]
        target = max(due + timedelta(days=rng.randint(early, late)), invoice.day + timedelta(days=14))
        first = _pay_day(target, customer.pay_day)
        if customer.instalments and rng.random() < 0.3:
            self._pay(PlannedPayment(first, invoice, part=True))
            first = _pay_day(first + timedelta(days=20), customer.pay_day)
        self._pay(PlannedPayment(first, invoice))

    def _pay(self, payment: PlannedPayment) -> None:
        if payment.day <= self.end:
            self.month(payment.day).payments.append(payment)

    def customers(self) -> Iterator[CustomerInput]:
        for c in CUSTOMERS:
            limit = Decimal(c.credit_limit) if c.credit_limit else None
            yield CustomerInput(
                c.code, c.name, c.currency, c.terms, limit, income_account="4010",
                tax_code=SALES_TAX.code if c.taxable else None,
                email=f"accounts@{c.code.lower()}.example",
            )  # fmt: skip

    @staticmethod
    def items() -> Iterator[ItemInput]:
        for item in ITEMS:
            yield ItemInput(
                item.code, item.description, from_minor(item.price, 2), item.account,
                SALES_TAX.code if item.goods or item is DELIVERY else None,
            )  # fmt: skip


# --------------------------------------------------------------------------------------------- posting


def _line(item: DemoItem, quantity_e4: int, price: int, invoice: PlannedInvoice, account: str | None = None,
          description: str = "") -> InvoiceLineInput:  # fmt: skip
    return InvoiceLineInput(
        description or item.description,
        Decimal(quantity_e4) / QUANTITY_SCALE,
        from_minor(price, 2),
        item.code,
        tax_code=SALES_TAX.code if invoice.customer.taxable else "",
        account=account,
        department=invoice.department,
        project=invoice.project,
    )


def _input(invoice: PlannedInvoice) -> InvoiceInput:
    return InvoiceInput(
        invoice.customer.code,
        invoice.day,
        tuple(_line(item, quantity, price, invoice) for item, quantity, price in invoice.lines),
        reference=invoice.reference,
    )


def post_month(month: Month, invoicing: object, receipts: object, euro_from: date | None = None) -> None:
    """Post a month's documents in date order: invoices in batches between the credit notes and
    write-offs (which share their journal), receipts once the invoices they pay exist."""
    actions: list[tuple[date, int, object]] = [(i.day, 0, i) for i in month.invoices]
    actions += [(c.day, 1, c) for c in month.credits]
    actions += [(d, 1, ("write_off", i)) for d, i in month.write_offs]
    by_receipt: dict[tuple[date, str], list[PlannedPayment]] = {}
    for payment in month.payments:
        by_receipt.setdefault((payment.day, payment.invoice.customer.code), []).append(payment)
    actions += [(day, 2, payments) for (day, _code), payments in sorted(by_receipt.items())]
    actions.sort(key=lambda a: (a[0], a[1]))
    pending: list[PlannedInvoice] = []

    def flush() -> None:
        if pending:
            refs = invoicing.issue_many([_input(i) for i in pending], source="demo")  # type: ignore[attr-defined]
            for invoice, ref in zip(pending, refs, strict=True):
                invoice.number = ref.number
            pending.clear()

    for _day, kind, action in actions:
        if isinstance(action, PlannedInvoice):
            pending.append(action)
            continue
        if kind == 1 or any(p.invoice.number is None for p in action):  # type: ignore[union-attr]
            flush()
        if isinstance(action, PlannedCredit):
            invoice = action.invoice
            line = _line(action.item, action.quantity_e4, action.price, invoice, "4030",
                         f"Returned damaged: {action.item.description}")  # fmt: skip
            invoicing.credit_invoice(invoice.number, action.day, memo="Damaged goods returned", lines=(line,))  # type: ignore[attr-defined]
        elif isinstance(action, tuple):
            _what, invoice = action
            receipts.write_off(invoice.number, _day, memo=f"Bad debt: {invoice.customer.name} closed down")  # type: ignore[attr-defined]
        else:
            _receive(receipts, action, euro_from)  # type: ignore[arg-type]
    flush()


def _receive(receipts: object, payments: list[PlannedPayment], euro_from: date | None = None) -> None:
    """One remittance: the customer's payments of the day in one receipt, each allocated to its invoice."""
    allocations = []
    for payment in payments:
        invoice = payment.invoice
        amount = invoice.open * 6 // 10 if payment.part else invoice.open
        if amount <= 0:
            continue
        invoice.paid += amount
        allocations.append(AllocationInput(invoice.number or "", from_minor(amount, 2)))
    if not allocations:
        return
    customer = payments[0].invoice.customer
    total = sum((a.amount for a in allocations), Decimal(0))
    euro = customer.currency == "EUR" and euro_from is not None and payments[0].day >= euro_from
    receipts.record(  # type: ignore[attr-defined]
        ReceiptInput(
            customer.code, payments[0].day, total, EURO_BANK if euro else BANK, tuple(allocations),
            reference=f"Remittance {customer.code} {payments[0].day:%Y-%m-%d}",
        )
    )  # fmt: skip
