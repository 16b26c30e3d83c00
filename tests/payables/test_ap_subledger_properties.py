"""Property: whatever sequence of bills, credit notes, payments (partial, with discount and withholding,
with credit notes set off, or with money on account), prepayments, vendor credit applied or refunded,
payment runs (which net credit notes and money on account) and voids, in random order over both payable control
accounts (2010 for bills, 2100 for expense claims) and two currencies at moving rates, the payables
subledger equals the GL balance of each control account on every day, and the aging's total equals the
subledger. (tests/receivables/test_subledger_properties.py is the receivables version.)"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from paksa_desktop.core.errors import PaksaError
from paksa_desktop.payables import ap_report_queries as q
from paksa_desktop.payables.models import Bill, BillKind, VendorPayment
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.payables.vendor_credit import CreditUse
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.ledger.test_properties import CLOCK, COMMON, Copy, Template, copy_of, sqlite_template  # noqa: F401
from tests.payables.payment_fixtures import Payables

START = date(2024, 1, 2)
VENDORS = ("V1", "W1", "E1", "J1")  # discount terms, withholding 20 %, euro, an employee (2100)

amounts = st.integers(min_value=1, max_value=300_000)  # cents
operation = st.one_of(
    st.tuples(st.just("bill"), st.sampled_from(VENDORS), amounts, st.integers(0, 60), st.integers(90, 130)),
    st.tuples(st.just("credit"), st.sampled_from(("V1", "W1", "E1")), amounts, st.integers(90, 130)),
    st.tuples(
        st.just("pay"),
        st.integers(0, 40),
        st.integers(1, 100),
        st.booleans(),
        st.integers(90, 130),
        st.integers(0, 5000),  # cents paid on account beyond a whole bill
    ),
    st.tuples(st.just("apply"), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("void"), st.integers(0, 40)),
    # vendor credit: a prepayment, money on account applied to a bill, a refund (of a payment's remainder or a
    # credit note), the void of a refund
    st.tuples(st.just("prepay"), st.sampled_from(VENDORS), amounts, st.integers(90, 130)),
    st.tuples(st.just("use"), st.integers(0, 40), st.integers(0, 40), st.integers(1, 100)),
    st.tuples(st.just("refund"), st.integers(0, 40), st.integers(1, 100), st.integers(90, 130)),
    st.tuples(st.just("unrefund"), st.integers(0, 40)),
    # a payment run proposed, approved and posted at once (USD or EUR), netting credit notes and money on account
    st.tuples(st.just("run"), st.booleans(), st.integers(0, 40)),
)
operations = st.lists(st.tuples(st.integers(0, 12), operation), min_size=3, max_size=14)


def employee_claim(ap: Payables, vendor: str, total: str, day: date) -> None:
    """A posted expense claim's bill (what `ExpenseService.approve` makes), on the employee payable."""
    number = ap.bill(vendor, total, day, due=day)
    with UnitOfWork(ap.books.company.engine) as uow:
        s = uow.session
        bill = s.execute(select(Bill).where(Bill.number == number)).scalar_one()
        settings_ = s.execute(text("SELECT employee_payable_account_id, payable_account_id FROM payables_settings"))
        employee, payable = settings_.one()
        s.execute(text("UPDATE journal_lines SET account_id = :e WHERE entry_id = :id AND account_id = :p"),
                  {"e": employee, "p": payable, "id": bill.entry_id})  # fmt: skip
        bill.kind = BillKind.EXPENSE_CLAIM
        bill.control_account_id = employee
        uow.commit()


def prepare(books: Copy) -> Payables:
    shim: Any = SimpleNamespace(company=books.company, ctx=books.template.ctx, clock=CLOCK)
    ap = Payables(shim)
    ap.bank()
    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("V1", terms="2/10 net 30")  # V1 and E1 have IBANs: a payment run pays them
    ap.vendor("W1", iban=None, withholding_percent="20")
    ap.vendor("E1", currency="EUR")
    books.company.invoicing(books.template.ctx).set_rate("EUR", date(2023, 12, 1), Decimal("1.08"))
    ap.vendor("J1", iban=None, terms="due on receipt")
    return ap


def open_documents(ap: Payables, kind: BillKind | None = None, vendor: int | None = None) -> list[Bill]:
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        stmt = select(Bill).where(Bill.open_amount > 0).order_by(Bill.id)
        rows = list(uow.session.execute(stmt).scalars())
        for row in rows:
            uow.session.expunge(row)
    return [r for r in rows if (kind is None or r.kind is kind) and (vendor is None or r.vendor_id == vendor)]


def run(books: Copy, ops: list[tuple[int, tuple[Any, ...]]]) -> None:
    ap = prepare(books)
    payments = ap.books.company.vendor_payments(ap.user)
    credit = ap.books.company.vendor_credit(ap.user)
    reports = ap.books.company.ap_reports(ap.user)
    day = START
    days = [day]
    for step, (advance, op) in enumerate(ops):
        day += timedelta(days=advance)
        days.append(day)
        kind = op[0]
        try:
            if kind == "bill":
                _, vendor, cents, due_in, rate = op
                amount = f"{Decimal(cents) / 100:.2f}"
                if vendor == "J1":
                    employee_claim(ap, vendor, amount, day)
                else:
                    fx = f"{Decimal(rate) / 100}" if vendor == "E1" else "1"
                    ap.bill(vendor, amount, day, due=day + timedelta(days=due_in), rate=fx)
            elif kind == "credit":
                _, vendor, cents, rate = op
                fx = f"{Decimal(rate) / 100}" if vendor == "E1" else "1"
                ap.credit_note(vendor, f"{Decimal(cents) / 100:.2f}", day, rate=fx)
            elif kind == "pay":
                _, pick, percent, with_notes, rate, over = op
                bills = [b for b in open_documents(ap) if b.kind is not BillKind.CREDIT_NOTE]
                if bills:
                    target = bills[pick % len(bills)]
                    vendor = next(v for v in VENDORS if _vendor_id(ap, v) == target.vendor_id)
                    part = Decimal(target.open_amount * percent // 100) / 100
                    notes = ()
                    if with_notes:
                        notes = tuple(str(n.number) for n in open_documents(ap, BillKind.CREDIT_NOTE, target.vendor_id))
                    euro = target.currency == "EUR"
                    amount = None
                    if over and not notes and percent == 100:  # the whole bill and something on account
                        amount = Decimal(target.open_amount + over) / 100 - _discount(target, day)
                    payments.pay(
                        PaymentInput(
                            vendor,
                            "Euro account" if euro else "Operating",
                            day,
                            (BillToPay(str(target.number), part if percent < 100 else None),),
                            credit_notes=notes,
                            rate=Decimal(rate) / 100 if euro else None,
                            reference=str(step),
                            amount=amount,
                        )
                    )
            elif kind == "apply":
                notes = open_documents(ap, BillKind.CREDIT_NOTE)
                if notes:
                    note = notes[op[1] % len(notes)]
                    bills = open_documents(ap, BillKind.BILL, note.vendor_id)
                    if bills:
                        target = bills[op[2] % len(bills)]
                        ap.books.company.bills(ap.user).apply_credit_note(str(note.number), str(target.number), on=day)
            elif kind == "prepay":
                _, vendor, cents, rate = op
                euro = vendor == "E1"
                payments.pay(
                    PaymentInput(
                        vendor, "Euro account" if euro else "Operating", day, (), amount=Decimal(cents) / 100,
                        rate=Decimal(rate) / 100 if euro else None,
                    )
                )  # fmt: skip
            elif kind == "use":
                _, pick, which, percent = op
                sources = credit.credits()
                if sources:
                    source = sources[pick % len(sources)]
                    bills = [
                        b for b in open_documents(ap, vendor=_vendor_id(ap, source.vendor))
                        if b.kind is not BillKind.CREDIT_NOTE
                    ]  # fmt: skip
                    if bills:
                        target = bills[which % len(bills)]
                        part = min(Decimal(target.open_amount) / 100, source.available) * percent / 100
                        use = CreditUse(str(target.number), part.quantize(Decimal("0.01")))
                        credit.apply(source.number, [use], day)
            elif kind == "refund":
                _, pick, percent, rate = op
                sources = credit.credits()
                if sources:
                    source = sources[pick % len(sources)]
                    euro = source.currency == "EUR"
                    credit.refund(
                        source.number, (source.available * percent / 100).quantize(Decimal("0.01")),
                        "Euro account" if euro else "Operating", day, rate=Decimal(rate) / 100 if euro else None,
                    )  # fmt: skip
            elif kind == "run":
                _, euro, ahead = op
                runs = ap.books.company.payment_runs(ap.user)
                proposal, _ = runs.propose(day, "Euro account" if euro else "Operating", day + timedelta(days=ahead))
                try:
                    runs.approve(proposal.run_id)
                    runs.post(proposal.run_id)
                except PaksaError:
                    runs.cancel(proposal.run_id)  # W1 has no IBAN: such a run is refused and cancelled
                    raise
            elif kind == "unrefund":
                live_refunds = [r for r in credit.refunds() if r.voided_on is None]
                if live_refunds:
                    credit.void_refund(live_refunds[op[1] % len(live_refunds)].id, day, "property test")
            elif kind == "void":
                with UnitOfWork(ap.books.company.engine, write=False) as uow:
                    live = list(
                        uow.session.execute(
                            select(VendorPayment.number).where(VendorPayment.voided_on.is_(None))
                        ).scalars()
                    )
                if live:
                    payments.void(live[op[1] % len(live)], day, "property test")
        except PaksaError as exc:  # a refusal leaves nothing behind; the invariants below still hold
            assert "closed" not in str(exc), exc
        for on in {day, *days[-3:], day - timedelta(days=1)}:
            result = reports.reconcile(on)
            assert result.reconciled, (step, op, on, result)
            assert reports.aging(on).meta["total"] == result.subledger, (step, op, on)
    with books.company.engine.connect() as conn:
        assert conn.execute(text("SELECT COALESCE(SUM(amount), 0) FROM journal_lines")).scalar_one() == 0
        for number, open_amount, total in conn.execute(
            text("SELECT number, open_amount, total FROM bills WHERE entry_id IS NOT NULL")
        ):
            assert 0 <= open_amount <= total, number
    # today's open bills (from the allocations) are what each bill says is open
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        s = uow.session
        carried = {n: o for n, o in s.execute(select(Bill.number, Bill.open_amount)).all() if o}
        on_account = select(VendorPayment.number, VendorPayment.unapplied).where(VendorPayment.voided_on.is_(None))
        carried |= {n: o for n, o in s.execute(on_account).all() if o}
        # the vendor ledger's movements add up to the balances: opening (nothing) + movements = closing
        moved = sum(m.base for m in q.movements(s, START, max(days)))
        assert moved == sum(q.balances(s, max(days)).values())
    listed = reports.open_bills(max(days))
    index = listed.column_index("document")
    assert {str(r.cells[index]) for r in listed.rows} == set(carried)


def _discount(bill: Bill, day: date) -> Decimal:
    """The early-payment discount a payment of the whole bill on `day` takes (what the payment does not pay)."""
    from paksa_desktop.payables.allocation import early_discount

    return Decimal(min(early_discount(bill.total, bill.discount_e4, bill.discount_date, day), bill.open_amount)) / 100


def _vendor_id(ap: Payables, code: str) -> int:
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        found = uow.session.execute(text("SELECT id FROM vendors WHERE code = :c"), {"c": code}).scalar_one()
    return int(found)


NETTING_RUNS = [  # runs netting money on account: USD partly covered, EUR covered at other rates; voids
    (0, ("bill", "V1", 50_000, 5, 100)),
    (0, ("prepay", "V1", 20_000, 100)),
    (0, ("credit", "V1", 5_000, 100)),
    (1, ("run", False, 30)),
    (0, ("bill", "E1", 40_000, 5, 120)),
    (0, ("prepay", "E1", 80_000, 110)),
    (0, ("bill", "E1", 30_000, 5, 125)),
    (1, ("run", True, 30)),
    (1, ("void", 0)),  # refused: the V1 run payment used its money on account
    (1, ("void", 2)),  # the E1 prepayment: what the run applied of it is reversed with it
    (1, ("void", 1)),  # the V1 run payment: its money on account is given back
]


@settings(COMMON, max_examples=25)
@given(ops=operations)
@example(ops=NETTING_RUNS)
def test_the_subledger_always_equals_its_control_accounts(sqlite_template: Template, ops: list) -> None:  # noqa: F811
    with copy_of(sqlite_template) as books:
        run(books, ops)
