"""The demo company's payables: Northwind's vendors and the last year of bills, vendor credit notes,
payment runs, single payments and expense claims, posted through the payables services.

Before the payables ledger (the demo's first year) supplier bills were journal entries on 2010 paid by
journal entries about a month later; the trading story in demo.py keeps doing that until the payables
year starts, and from then on hands each bill to `PayablesPlan` instead. `post_month` posts a month:

- the storage unit's rent from a recurring bill (raised as a draft by `generate_due`, then approved and
  posted), and the month's bills and credit notes in one `enter_many` (approved and posted at once);
- a payment run from the Operating account on the first business day from the 10th: it pays every bill
  due before the next run (early-payment discounts taken), applying open credit notes; it is approved,
  posted and its pain.001 file written (the run keeps the file's message id). The bank books each run as
  one debit quoting the file's payment information id (demo_banking.py), so the reconciliation screen
  shows the runs matched;
- in the year's fifth month two months of the storage unit's rent are paid ahead (a payment on account):
  that month's run and the next net it against the rent bills and send the landlord nothing;
- the quarterly accountants' fee (a withholding vendor) paid on its own two weeks after the bill; the
  first such payment is voided two days later (the bill reopens and the next run pays it);
- expense claims of three employees (each a user of the company): submitted, approved by the
  administrator two days later (posted on 2110 Employee expense claims payable: the standard 2100 holds the
  demo's month-end accruals), reimbursed by the next run once the claimant's IBAN is on file.

The last month leaves work in progress: a claim approved after the run (open), one submitted, a few bills
submitted for approval and two drafts; the euro vendor's two bills stay open (no euro run yet). Services
stamp what they do with the clock of the acting context: the demo acts on each day with a context whose
clock stands on that day, so approvals and postings carry the day they happen in the story.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import add_months, month_end
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput, RecurringBillInput
from paksa_desktop.payables.expenses import ClaimInput, ClaimLineInput
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.payables.settings import STANDARD_ACCOUNTS, SettingsInput
from paksa_desktop.payables.vendors import VendorInput
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.service import NewUser

PAYABLES_MONTHS = 12  # the payables ledger holds the demo's last year
EMPLOYEE_PAYABLE = ("2110", "Employee expense claims payable")
BANK = "Operating"
OPERATING_IBAN = "GB29 NWBK 6016 1331 9268 19"  # the pain.001 files' debtor account
EURO_VENDOR = "HELI"
PREPAID_MONTH = 5  # the payables year's fifth month: the storage rent of two months is paid ahead


@dataclass(frozen=True, slots=True)
class DemoVendor:
    code: str
    name: str
    iban: str
    country: str
    terms: str = "net 30"
    currency: str = "USD"
    withholding: str = "0"  # percent withheld on payment
    account: str = "6130"  # default expense account of its bills


VENDORS = (
    DemoVendor("EXLIQ", "Exotic Liquids", "GB29 NWBK 6016 1331 9268 19", "GB", "2/10 net 30", account="1300"),
    DemoVendor("NOCAJ", "New Orleans Cajun Delights", "FR76 3000 6000 0112 3456 7890 189", "FR", account="1300"),
    DemoVendor("GRAKE", "Grandma Kelly's Homestead", "IE29 AIBK 9311 5212 3456 78", "IE", account="1300"),
    DemoVendor("TOKYO", "Tokyo Traders", "CH93 0076 2011 6238 5295 7", "CH", account="1300"),
    DemoVendor("CABRA", "Cooperativa de Quesos 'Las Cabras'", "ES80 2100 0418 4245 0200 0513", "ES", account="1300"),
    DemoVendor("PAVLO", "Pavlova, Ltd.", "GB60 BARC 2000 0055 7799 11", "GB", "2/10 net 30", account="1300"),
    DemoVendor("SPBIS", "Specialty Biscuits, Ltd.", "GB20 NWBK 6016 1341 9267 11", "GB", account="1300"),
    DemoVendor("PBKNA", "PB Knäckebröd AB", "SE91 5000 0000 0005 8398 2570", "SE", account="1300"),
    DemoVendor(EURO_VENDOR, "Heli Süßwaren GmbH & Co. KG", "DE89 3704 0044 0532 0130 00", "DE", currency="EUR",
               account="1300"),
    DemoVendor("LEKA", "Leka Trading", "DK50 0040 0440 1162 43", "DK", account="1300"),
    DemoVendor("MAMAI", "Ma Maison", "FR14 2004 1010 0505 0001 3M02 606", "FR", "2/10 net 30", account="1300"),
    DemoVendor("GAIPA", "Gai pâturage", "FR14 2004 1010 0505 0001 3M02 703", "FR", account="1300"),
    DemoVendor("PPL", "Pacific Power & Light", "NL91 ABNA 0417 1643 00", "NL", "net 21", account="6110"),
    DemoVendor("WATER", "City Water Utility", "NL39 RABO 0300 0652 64", "NL", "net 28", account="6110"),
    DemoVendor("ACME", "Acme Maintenance Services", "AT61 1904 3002 3457 3201", "AT", "net 21", account="6160"),
    DemoVendor("EXPO", "Expo Events Inc.", "LU28 0019 4006 4475 0000", "LU", account="6190"),
    DemoVendor("LOGI", "LogiSoft Consulting", "PL61 1090 1014 0000 0712 1981 2874", "PL", withholding="5",
               account="6200"),
    DemoVendor("BAKER", "Baker & Lim CPAs", "DE12 5001 0517 0648 4898 90", "DE", withholding="10", account="6200"),
    DemoVendor("STORE", "Harbour Self Storage", "DE54 1002 0030 1234 5678 90", "DE", "net 14", account="6100"),
    DemoVendor("OFFIC", "Office Depot Business", "GB53 MIDL 4005 1571 2345 67", "GB", "1/10 net 30"),
)  # fmt: skip
BY_NAME = {v.name: v for v in VENDORS}
# The employees who claim expenses: (username, full name, role, IBAN).
EMPLOYEES = (
    ("maria.anders", "Maria Anders", "AR clerk", "DE18 3704 0044 0532 0130 17"),
    ("tom.hardy", "Thomas Hardy", "Accountant", "NL20 INGB 0001 2345 67"),
    ("liu.wong", "Liu Wong", "AP clerk", "BE68 5390 0754 7034"),
)
EMPLOYEE_PASSWORD = "Demo-Employee-2024!"
STORAGE_RENT = 1_150_00  # the overflow storage unit, monthly from the storage company


@dataclass(frozen=True, slots=True)
class PlannedLine:
    account: str
    cents: int
    department: str | None = None
    project: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class PlannedBill:
    day: date
    vendor: str  # code
    memo: str
    lines: tuple[PlannedLine, ...]
    invoice: str
    credit_note: bool = False
    pay_alone: bool = False  # paid by a single payment two weeks after it, not by a run


@dataclass
class PayablesPlan:
    """The bills the story hands over once the payables ledger starts (`first`), month by month."""

    rng: random.Random
    first: date
    months: dict[date, list[PlannedBill]] = field(default_factory=dict)
    _invoices: dict[str, int] = field(default_factory=dict)

    def active(self, day: date) -> bool:
        return day >= self.first

    def bill(self, day: date, vendor_name: str, memo: str, lines: list[tuple[str, int, str | None, str | None]],
             *, credit_note: bool = False) -> None:  # fmt: skip
        """A bill (or credit note) of a vendor by name: lines of (account, cents, department, project)."""
        vendor = BY_NAME[vendor_name]
        n = self._invoices.get(vendor.code, 0) + 1
        self._invoices[vendor.code] = n
        prefix = "CR" if credit_note else "IN"
        planned = PlannedBill(
            day,
            vendor.code,
            memo,
            tuple(PlannedLine(a, c, d, p, memo) for a, c, d, p in lines),
            f"{vendor.code[:3]}-{prefix}{day:%y}{n:04d}",
            credit_note,
            pay_alone=vendor.code == "BAKER",
        )
        self.months.setdefault(day.replace(day=1), []).append(planned)


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def run_day(first: date) -> date:
    """The month's payment run: the first business day from the 10th."""
    return _business_day(first.replace(day=10))


def _on(ctx: UserContext, day: date, hour: int = 10) -> UserContext:
    """The same user acting on `day` (services stamp their work with the context's clock)."""
    return dataclasses.replace(ctx, clock=FixedClock(datetime(day.year, day.month, day.day, hour, tzinfo=UTC)))


def _money(cents: int) -> Decimal:
    return from_minor(cents, 2)


def setup(company: object, ctx: UserContext, ledger: object) -> dict[str, UserContext]:
    """The employee payable account and settings, the vendors, expense categories, the storage rent's
    recurring bill (from the first payables month) and the three employees; returns their logins."""
    from paksa_desktop.ledger.commands import AccountInput
    from paksa_desktop.ledger.models import AccountSubtype, AccountType

    code, name = EMPLOYEE_PAYABLE
    ledger.create_account(AccountInput(code, name, AccountType.LIABILITY, "2000", AccountSubtype.PAYABLE))  # type: ignore[attr-defined]
    accounts = dict(STANDARD_ACCOUNTS, employee_payable_account=code)
    company.payables_setup(ctx).update_settings(  # type: ignore[attr-defined]
        SettingsInput(**accounts, approval_threshold=Decimal("2500.00"))
    )
    vendors = company.vendors(ctx)  # type: ignore[attr-defined]
    for v in VENDORS:
        vendors.add(
            VendorInput(
                v.code, v.name, v.currency, v.terms, expense_account=v.account, tax_code="", country=v.country,
                iban=v.iban, withholding=v.withholding != "0", withholding_rate=Decimal(v.withholding),
                email=f"accounts@{v.code.lower()}.example",
            )
        )  # fmt: skip
    company.expenses(ctx).use_standard_categories()  # type: ignore[attr-defined]
    users = company.users(ctx)  # type: ignore[attr-defined]
    people = {}
    for username, full_name, role, _iban in EMPLOYEES:
        users.add_user(NewUser(username, EMPLOYEE_PASSWORD, full_name, f"{username}@northwind.example", (role,)))
        people[username] = company.login(username, EMPLOYEE_PASSWORD)  # type: ignore[attr-defined]
    return people


class PayablesMonths:
    """Posts the plan's months through the services (see the module docstring)."""

    def __init__(self, company: object, ctx: UserContext, people: dict[str, UserContext], plan: PayablesPlan,
                 end: date) -> None:  # fmt: skip
        self.company = company
        self.ctx = ctx
        self.people = people
        self.plan = plan
        self.end = end
        self.index = 0
        self.voided = False
        self.with_iban: set[str] = set()
        self.folder = tempfile.TemporaryDirectory(prefix="paksa-demo-runs-")

    def close(self) -> None:
        self.folder.cleanup()

    def month(self, first: date) -> None:
        c, last = self.company, month_end(first)
        if self.index == 0:
            c.bills(self.ctx).save_recurring(  # type: ignore[attr-defined]
                RecurringBillInput(
                    "Overflow storage unit", "STORE", Frequency.MONTHLY, first,
                    (BillLineInput("Storage unit 14B, monthly rent", Decimal(1), _money(STORAGE_RENT), "6100",
                                   "", department="OPS"),),
                    memo="Storage unit 14B",
                )
            )  # fmt: skip
        self.index += 1
        bills = c.bills(_on(self.ctx, first))  # type: ignore[attr-defined]
        refs, _ = bills.generate_due(first)
        for ref in refs:
            bills.approve_and_post(ref.id)
        planned = sorted(self.plan.months.pop(first, []), key=lambda b: b.day)
        planned += self._euro_bills(first)
        planned.sort(key=lambda b: b.day)
        numbers: dict[str, str] = {}
        entering = c.bills(_on(self.ctx, last))  # type: ignore[attr-defined]
        to_enter = [b for b in planned if not b.credit_note]
        if to_enter:  # the month's bills in one unit of work, as an import would
            posted = entering.enter_many([self._input(b) for b in to_enter], post=True)
            numbers = {b.invoice: str(r.number) for b, r in zip(to_enter, posted, strict=True)}
        for note in (b for b in planned if b.credit_note):  # credit notes are keyed one by one
            ref, _ = entering.save_draft(self._input(note))
            entering.approve_and_post(ref.id)
        pay_day = run_day(first)
        if self.index == PREPAID_MONTH:
            self._prepay_storage(first)
        self._claims(first, before_run=True)
        self._run(pay_day, run_day(add_months(first, 1)))
        for b in planned:
            if b.pay_alone and not b.credit_note:
                self._pay_alone(b, numbers[b.invoice])
        self._claims(first, before_run=False)
        if last >= self.end:
            self._work_in_progress(last)

    # -------------------------------------------------------------------------------------- pieces
    @staticmethod
    def _input(b: PlannedBill) -> BillInput:
        return BillInput(
            b.vendor,
            b.day,
            tuple(
                BillLineInput(ln.description, Decimal(1), _money(ln.cents), ln.account, "", department=ln.department,
                              project=ln.project)
                for ln in b.lines
            ),
            vendor_invoice=b.invoice,
            memo=b.memo,
            credit_note=b.credit_note,
        )  # fmt: skip

    def _euro_bills(self, first: date) -> list[PlannedBill]:
        """The euro supplier sells in EUR since the last two months: its bills wait for a euro run."""
        if add_months(first, 2) <= self.end:
            return []
        cents = 2_480_00 if first.month % 2 else 3_115_50
        day = _business_day(first.replace(day=18))
        return [
            PlannedBill(day, EURO_VENDOR, "Chocolate and marzipan assortment",
                        (PlannedLine("1300", cents, "OPS", None, "Chocolate and marzipan assortment"),),
                        f"HEL-IN{day:%y}{first.month:04d}")
        ]  # fmt: skip

    def _run(self, pay_day: date, next_run: date) -> None:
        runs = self.company.payment_runs(_on(self.ctx, pay_day))  # type: ignore[attr-defined]
        try:
            proposal, _ = runs.propose(pay_day, BANK, next_run - timedelta(days=1), next_run_date=next_run)
        except ValidationError:  # nothing due: no run this month
            return
        runs.approve(proposal.run_id)
        runs.post(proposal.run_id)
        runs.write_file(proposal.run_id, Path(self.folder.name) / f"run-{proposal.run_id}.xml")

    def _prepay_storage(self, first: date) -> None:
        """Two months of the storage unit's rent paid ahead (the landlord asked for it): money on account
        that this month's run and the next net against the rent bills, so neither sends the landlord a
        transfer."""
        day = _business_day(first)
        payments = self.company.vendor_payments(_on(self.ctx, day))  # type: ignore[attr-defined]
        payments.pay(
            PaymentInput("STORE", BANK, day, (), amount=_money(2 * STORAGE_RENT), reference="Rent paid ahead, 2 months")
        )

    def _pay_alone(self, b: PlannedBill, number: str) -> None:
        day = _business_day(b.day + timedelta(days=14))
        if day > self.end:
            return
        payments = self.company.vendor_payments(_on(self.ctx, day))  # type: ignore[attr-defined]
        ref, _ = payments.pay(PaymentInput(b.vendor, BANK, day, (BillToPay(number),), reference=f"{b.invoice}"))
        if not self.voided:  # the first one: the vendor reports the transfer never arrived (wrong account)
            self.voided = True
            void_day = _business_day(day + timedelta(days=2))
            self.company.vendor_payments(_on(self.ctx, void_day)).void(  # type: ignore[attr-defined]
                ref.number, void_day, "returned by the bank: the vendor's old account was closed"
            )

    def _claims(self, first: date, *, before_run: bool) -> None:
        """Claims in a few months: (employee, day of month, lines); approved two days later."""
        last_month = month_end(first) >= self.end
        plan: list[tuple[str, int, tuple[tuple[str, str, str], ...], str]] = []
        if self.index in (4, 8, 10) and before_run:
            who = EMPLOYEES[(self.index // 4) % 3][0]
            trips = {4: ("612.40", "Flights to Chicago, trade fair"), 8: ("388.10", "Hotel, Seattle customer visits"),
                     10: ("455.00", "Flights to Denver, distributor meeting")}  # fmt: skip
            fare, text = trips[self.index]
            plan.append((who, 3, (("TRAVEL", fare, text),
                                  ("MEALS", "86.25", "Dinner with Bottom-Dollar Markets")), "approve"))  # fmt: skip
        if last_month and not before_run:
            plan.append((EMPLOYEES[0][0], 14, (("OFFICE", "42.90", "Printer cartridges"),
                                               ("PHONE", "35.00", "Mobile data, February")), "approve"))  # fmt: skip
            plan.append((EMPLOYEES[2][0], 20, (("TRAVEL", "248.00", "Rail tickets, customer visits"),), "submit"))
        for who, day_of_month, lines, outcome in plan:
            day = _business_day(first.replace(day=day_of_month))
            claimant = _on(self.people[who], day)
            spent = day - timedelta(days=2)
            data = ClaimInput(
                f"Expenses {first:%B %Y}",
                tuple(ClaimLineInput(spent, cat, Decimal(amount), text) for cat, amount, text in lines),
            )
            ref, _ = self.company.expenses(claimant).submit(None, data=data)  # type: ignore[attr-defined]
            if outcome == "approve":
                decided = _business_day(day + timedelta(days=2))
                self.company.expenses(_on(self.ctx, decided)).approve(ref.id, note="Receipts checked")  # type: ignore[attr-defined]
                self._employee_iban(who)

    def _employee_iban(self, username: str) -> None:
        """The claimant's vendor record (made at the first approval) gets their IBAN for reimbursement."""
        if username in self.with_iban:
            return
        self.with_iban.add(username)
        full_name, iban = next((n, i) for u, n, _r, i in EMPLOYEES if u == username)
        code = f"EMP-{username}".upper()
        self.company.vendors(self.ctx).update(  # type: ignore[attr-defined]
            code, VendorInput(code, full_name, None, "due on receipt", iban=iban, is_employee=True)
        )

    def _work_in_progress(self, last: date) -> None:
        """Bills waiting: three submitted for approval, two drafts still being keyed in."""
        bills = self.company.bills(_on(self.ctx, last))  # type: ignore[attr-defined]
        waiting = (
            ("ACME", 20, "Loading dock door, emergency repair", "6160", "3480.00", True),
            ("LOGI", 21, "WMS interfaces, phase 2", "6200", "6250.00", True),
            ("OFFIC", 24, "Office chairs (8)", "6130", "2914.00", True),
            ("EXPO", 25, "Spring fair stand, deposit", "6190", "2500.00", False),
            ("GRAKE", 26, "Preserves, spring order", "1300", "4120.35", False),
        )
        for code, day_of_month, text, account, amount, submit in waiting:
            day = last.replace(day=min(day_of_month, last.day))
            data = BillInput(code, day, (BillLineInput(text, Decimal(1), Decimal(amount), account, ""),),
                             vendor_invoice=f"{code[:3]}-WIP{day:%m%d}", memo=text)  # fmt: skip
            ref, _ = bills.save_draft(data)
            if submit:
                bills.submit(ref.id)
