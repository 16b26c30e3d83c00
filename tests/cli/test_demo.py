"""The demo company: thousands of balanced entries, every ledger feature in use, reproducible, clean on cancel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from paksa_desktop.company import Company
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import Cancelled
from paksa_desktop.demo import DEMO_PASSWORD, DEMO_USER, build_demo
from paksa_desktop.ledger.export_journal import export_journal_file
from paksa_desktop.ledger.models import EntryState, JournalEntry, JournalLine, PeriodState
from paksa_desktop.ledger.queries import EntryFilter
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from tests.cli.conftest import Paksa

TODAY = datetime(2025, 3, 15, 9, 30, tzinfo=UTC)  # the demo then runs 2023-03-01 .. 2025-02-28


@dataclass
class Demo:
    company: Company
    ctx: UserContext
    path: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    path = tmp_path_factory.mktemp("demo") / "northwind.paksa"
    steps: list[tuple[int, int]] = []
    company = build_demo(path, clock=FixedClock(TODAY), progress=lambda done, total: steps.append((done, total)))
    assert steps[-1][0] == steps[-1][1] and [d for d, _ in steps] == list(range(1, len(steps) + 1))
    yield Demo(company, company.login(DEMO_USER, DEMO_PASSWORD), path)
    company.close()


def test_demo_has_thousands_of_balanced_entries(demo: Demo) -> None:
    q = demo.company.ledger_queries(demo.ctx)
    assert q.company().name == "Northwind Trading Ltd"
    assert 4_000 <= q.count_entries() <= 8_000
    tb = q.trial_balance()
    assert tb.is_balanced and tb.total_debit > Decimal("1000000")
    with UnitOfWork(demo.company.engine, write=False) as uow:
        s = uow.session
        unbalanced = s.execute(
            select(JournalLine.entry_id).group_by(JournalLine.entry_id).having(func.sum(JournalLine.amount) != 0)
        ).all()
        assert unbalanced == []
        first, last = s.execute(select(func.min(JournalLine.date), func.max(JournalLine.date))).one()
        lines = s.execute(select(func.count()).select_from(JournalLine)).scalar_one()
    assert first == date(2023, 3, 1)
    assert last == date(2025, 3, 1)  # the last month-end accrual reverses on the 1st
    assert lines > 3 * 4_000
    balances = {r.code: r.closing for r in tb.rows}
    assert balances["1100"] > 0 and balances["1200"] > 0 and balances["1300"] > 0  # cash, debtors, stock
    assert balances["2710"] < 0 and balances["3100"] == Decimal("-450000.00")


def test_demo_uses_every_ledger_feature(demo: Demo) -> None:
    q = demo.company.ledger_queries(demo.ctx)
    assert [d.code for d in q.departments()] == ["ADMIN", "OPS", "SALES"]
    assert {p.code for p in q.projects()} == {"WEB", "EXPO", "WMS", "WEST"}
    for code in ("SALES", "OPS", "ADMIN"):
        assert q.trial_balance(department=code).rows
    assert q.trial_balance(project="WEST").rows
    journals = {e.journal for e in q.entries(limit=8_000)}
    assert {"GEN", "SAL", "PUR", "CSH", "PAY"} <= journals
    drafts = q.entries(EntryFilter(state=EntryState.DRAFT))
    assert len(drafts) == 3
    assert q.count_entries(EntryFilter(text="Auto-reversal of")) >= 48
    corrected = q.entries(EntryFilter(text="keyed wrongly"))
    assert len(corrected) >= 4
    assert all(q.entry(e.id).reversal_of is not None for e in corrected)
    templates = {t.name: t for t in q.recurring()}
    assert set(templates) == {"Warehouse and office rent", "Office cleaning", "Annual audit fee"}
    assert templates["Warehouse and office rent"].next_date == date(2025, 3, 1)
    assert templates["Warehouse and office rent"].lines[-1].credit == Decimal("8840.00")
    assert q.count_entries(EntryFilter(text="Warehouse and office rent")) == 24

    periods = q.periods()
    closed = {p.fiscal_year for p in periods if p.state is PeriodState.CLOSED}
    assert closed == {"2023", "2024"}
    assert all(p.state is PeriodState.OPEN for p in periods if p.fiscal_year == "2025")
    assert q.company().lock_date == date(2024, 12, 31)
    after_closing = q.trial_balance(as_of=date(2024, 12, 31))
    assert not [r.code for r in after_closing.rows if r.type.value in ("income", "expense")]
    assert q.count_entries(EntryFilter(text="Year-end closing")) == 2


def test_entry_numbers_are_gap_free_and_follow_the_calendar(demo: Demo) -> None:
    with UnitOfWork(demo.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(JournalEntry.journal_id, JournalEntry.fiscal_year_id, JournalEntry.sequence, JournalEntry.date)
            .where(JournalEntry.state != EntryState.DRAFT)
            .order_by(JournalEntry.journal_id, JournalEntry.fiscal_year_id, JournalEntry.sequence)
        ).all()
    series: dict[tuple[int, int], list[tuple[int, date]]] = {}
    for journal, year, sequence, day in rows:
        series.setdefault((journal, year), []).append((sequence, day))
    for numbers in series.values():
        assert [n for n, _ in numbers] == list(range(1, len(numbers) + 1))
    sales = next(numbers for numbers in series.values() if len(numbers) > 1000)
    assert [d for _, d in sales] == sorted(d for _, d in sales)


def test_demo_is_deterministic(demo: Demo, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again.paksa", clock=FixedClock(TODAY))
    try:
        export_journal_file(demo.company.engine, demo.ctx, tmp_path / "first.csv")
        export_journal_file(again.engine, again.login(DEMO_USER, DEMO_PASSWORD), tmp_path / "again.csv")
        assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()
    finally:
        again.close()


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "cancelled.paksa"
    calls = []

    def cancelled() -> bool:  # the user cancels in the middle of the first year
        calls.append(1)
        return len(calls) > 12

    with pytest.raises(Cancelled):
        build_demo(path, clock=FixedClock(TODAY), cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


def test_failure_leaves_no_file(tmp_path: Path) -> None:
    def progress(done: int, total: int) -> None:
        if done == 5:
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError, match="worker died"):
        build_demo(tmp_path / "failed.paksa", clock=FixedClock(TODAY), progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_paksa_demo_command_on_both_engines(paksa: Paksa, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = paksa("demo", "--db", db_url)
    assert run.code == 0, run.err
    assert "Created the demo company 'Northwind Trading Ltd'" in run.out
    assert f"log in as '{DEMO_USER}' with password '{DEMO_PASSWORD}'" in run.out
    monkeypatch.setenv("PAKSA_PASSWORD", DEMO_PASSWORD)
    report = paksa("report", "trial-balance", "--db", db_url, "--format", "csv")
    assert report.code == 0
    rows = list(csv.DictReader(io.StringIO(report.out)))
    assert len(rows) > 30
    assert sum(Decimal(r["balance"]) for r in rows) == 0
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    with Company.open(db_url) as company:
        assert company.ledger_queries(company.login(DEMO_USER, DEMO_PASSWORD)).count_entries() >= 4_000
    again = paksa("demo", "--db", db_url)
    assert again.code == 1 and again.err.startswith("paksa: error: ")
    assert paksa("report", "trial-balance", "--db", db_url, "--format", "csv").out == report.out


def test_demo_keeps_a_year_of_receivables_that_reconcile(demo: Demo) -> None:
    """The last year's sales are receivables documents; before, the legacy account held them."""
    from paksa_desktop.receivables.models import DocumentKind, Invoice, InvoiceState, Settlement, SettlementKind

    company, ctx = demo.company, demo.ctx
    customers = company.receivables_queries(ctx).customers()
    assert len(customers) == 34 and sum(c.currency == "EUR" for c in customers) == 10
    docs = company.documents_queries(ctx)
    invoices = docs.invoices()
    assert 1_000 < len(invoices) < 2_000
    assert min(i.date for i in invoices) == date(2024, 3, 1)  # the ledger's first month
    kinds = {i.kind for i in invoices}
    states = {i.state for i in invoices}
    assert kinds == {DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE}
    assert {InvoiceState.PAID, InvoiceState.PARTIALLY_PAID, InvoiceState.WRITTEN_OFF} <= states
    assert any(i.currency == "EUR" for i in invoices)
    with UnitOfWork(company.engine, write=False) as uow:
        settled = uow.session.execute(
            select(Settlement.kind, Settlement.invoice_id, Settlement.date, Invoice.due_date).join(
                Invoice, Invoice.id == Settlement.invoice_id
            )
        ).all()
    assert {k for k, *_rest in settled} >= {SettlementKind.PAYMENT, SettlementKind.CREDIT, SettlementKind.WRITE_OFF}
    payments = [(invoice, day, due) for k, invoice, day, due in settled if k is SettlementKind.PAYMENT]
    assert sum(day > due + timedelta(days=30) for _i, day, due in payments) > 50  # some pay late
    paid_twice = len(payments) - len({invoice for invoice, _d, _due in payments})
    assert paid_twice > 5  # and some by instalments
    assert len(docs.receipts()) > 200
    reports = company.ar_reports(ctx)
    for day in (date(2023, 12, 31), date(2024, 3, 31), date(2024, 9, 30), date(2025, 2, 28)):
        result = docs.reconcile(day)
        assert result.difference == 0, day
        assert reports.aging(day).meta["total"] == result.subledger, day
    before_bust = reports.aging(date(2024, 9, 30), customer="HUNGC")
    assert before_bust.rows and before_bust.rows[0].cells[-2] > 0  # over 90 days before the write-off
    assert reports.aging(date(2024, 11, 30), customer="HUNGC").rows == ()
    q = company.ledger_queries(ctx)
    balances = {r.code: r.closing for r in q.trial_balance(as_of=date(2025, 2, 28)).rows}
    assert "1205" not in balances  # the legacy receivables were all settled within the year


def test_demo_has_bank_accounts_with_statements_partly_reconciled(demo: Demo) -> None:
    """Operating and Savings, their statements imported and matched up to mid-February, Savings reconciled
    to 2024-12-31, the last weeks unmatched (with fees and a deposit the books do not know yet)."""
    company, ctx = demo.company, demo.ctx
    queries = company.bank_queries(ctx)
    assert [(a.name, a.currency, a.gl_account) for a in queries.accounts()] == [
        ("Euro", "EUR", "1120"),
        ("Operating", "USD", "1100"),
        ("Savings", "USD", "1110"),
    ]
    statuses = {
        name: {str(getattr(r.status, "value", r.status)) for r in queries.lines(name)}
        for name in ("Operating", "Savings", "Euro")
    }
    # Operating reconciles from an opening reconciled balance (its ledger is older than its statements)
    assert statuses["Operating"] == {"reconciled", "matched", "unmatched"}
    assert statuses["Savings"] == {"reconciled", "matched", "unmatched"}
    # the euro account: the matcher paired its EUR lines with the receipts' GL lines; first month reconciled
    assert statuses["Euro"] == {"reconciled", "matched", "unmatched"}
    operating = queries.lines("Operating")
    unmatched = [r for r in operating if str(getattr(r.status, "value", r.status)) == "unmatched"]
    assert min(r.booked for r in unmatched) > date(2025, 2, 15)  # matched up to mid-month: the last weeks wait
    assert any(r.description == "Cash deposit, branch 042" for r in unmatched)
    receipt = next(r for r in operating if r.counterparty and r.reference.startswith("INV-"))
    assert "remittance" in receipt.description  # a customer's payment naming the invoices it pays
    for name in ("Savings", "Operating"):
        history = company.bank_reconciliation(ctx).history(name)
        assert [(h.statement_date, h.undone) for h in history] == [(date(2024, 12, 31), False)]
    operating_account = queries.account("Operating")
    assert (operating_account.reconciled_from, operating_account.opening_reconciled is not None) == (
        date(2024, 11, 30),
        True,
    )
    position = company.cash_position(ctx).position(date(2025, 2, 28))
    balances = {r.code: r.closing for r in company.ledger_queries(ctx).trial_balance().rows}
    row = next(r for r in position.rows if r.account == "Operating")
    assert row.base_balance == balances["1100"]
    assert row.uncleared_count == len([r for r in unmatched if r.booked <= date(2025, 2, 28)])
    # the euro account: customers' payments in EUR, its balance in EUR from the GL lines, exactly what the
    # statement says but for the account fee of EUR 9.50 the books do not know yet
    euro = next(r for r in position.rows if r.account == "Euro")
    assert euro.currency == "EUR" and euro.statement_balance is not None
    assert euro.balance == euro.statement_balance + Decimal("9.50")
    (euro_rec,) = company.bank_reconciliation(ctx).history("Euro")
    assert euro_rec.statement_balance == euro_rec.book_balance > 0
    plan = company.fx_revaluation(ctx).preview(date(2025, 1, 31))
    (bank_item,) = [i for i in plan.items if i.item.source == "bank"]
    assert (bank_item.item.party, bank_item.item.document) == ("Euro", "GL balance at 2025-01-31")
    assert bank_item.item.open_units > 0 and bank_item.difference != 0


def test_demo_keeps_a_year_of_payables_that_reconcile(demo: Demo) -> None:
    """Vendors, a year of bills through the payables services, monthly payment runs matched on the bank
    statement as one debit each, single payments (one voided) and three employees' expense claims; the
    open bills add up to the payable control accounts."""
    from paksa_desktop.banking.models import BankLine
    from paksa_desktop.banking.recon_models import BankLineLink
    from paksa_desktop.core.periods import add_months, month_end
    from paksa_desktop.ledger.models import Account
    from paksa_desktop.payables.models import (
        Bill,
        BillKind,
        BillState,
        ClaimState,
        ExpenseClaim,
        PaymentRun,
        PaymentRunItem,
        PaymentRunState,
        RecurringBill,
        Vendor,
        VendorPayment,
    )
    from paksa_desktop.payables.open_balances import open_bills

    company, ctx = demo.company, demo.ctx
    end = date(2025, 2, 28)
    assert len(company.vendors(ctx).list()) == 23  # 20 suppliers and the 3 employees who claim expenses
    assert len(company.payment_runs(ctx).runs()) == 12
    with UnitOfWork(company.engine, write=False) as uow:
        s = uow.session
        vendors = s.execute(select(Vendor)).scalars().all()
        suppliers = [v for v in vendors if not v.is_employee]
        assert len(suppliers) == 20 and len([v for v in vendors if v.is_employee]) == 3
        assert all(v.iban is not None for v in vendors)
        assert {v.currency for v in suppliers} == {"USD", "EUR"} and sum(v.withholding for v in suppliers) == 2
        assert sum(v.payment_terms.startswith(("2/10", "1/10")) for v in suppliers) >= 3
        bills = s.execute(select(Bill.kind, Bill.state, Bill.date, Bill.recurring_id)).all()
        assert 150 < len(bills) < 400
        assert min(d for _k, _s, d, _r in bills) == date(2024, 3, 1)
        kinds = {k for k, *_rest in bills}
        assert kinds == {BillKind.BILL, BillKind.CREDIT_NOTE, BillKind.EXPENSE_CLAIM}
        states = [st for _k, st, _d, _r in bills]
        assert states.count(BillState.SUBMITTED) == 3 and states.count(BillState.DRAFT) == 2
        assert {BillState.PAID, BillState.POSTED} <= set(states)
        assert sum(r is not None for *_rest, r in bills) == 12  # the storage unit's rent, monthly
        assert s.execute(select(RecurringBill.name)).scalars().all() == ["Overflow storage unit"]
        runs = s.execute(select(PaymentRun).order_by(PaymentRun.pay_date)).scalars().all()
        assert len(runs) == 12 and {r.state for r in runs} == {PaymentRunState.POSTED}
        assert all(r.message_id == f"PAKSA-RUN-{r.id}-{r.pay_date:%Y%m%d}" for r in runs)
        single = s.execute(select(VendorPayment).where(VendorPayment.run_id.is_(None))).scalars().all()
        assert len(single) >= 3 and [p.voided_on is not None for p in single].count(True) == 1
        # the storage rent paid ahead is netted by two runs (no transfer to the landlord), and used up
        [ahead] = [p for p in single if p.reference == "Rent paid ahead, 2 months"]
        assert ahead.unapplied == 0 and ahead.amount == 2 * 1_150_00
        netted = s.execute(
            select(PaymentRunItem.run_id, PaymentRunItem.amount).where(PaymentRunItem.on_account_payment_id == ahead.id)
        ).all()
        assert sorted(amount for _run, amount in netted) == [1_150_00, 1_150_00] and len({r for r, _a in netted}) == 2
        assert not s.execute(
            select(VendorPayment.id).where(VendorPayment.run_id.in_([r for r, _a in netted]),
                                           VendorPayment.vendor_id == ahead.vendor_id)
        ).first()  # fmt: skip
        claims = {c.state for c in s.execute(select(ExpenseClaim)).scalars()}
        assert claims == {ClaimState.REIMBURSED, ClaimState.POSTED, ClaimState.SUBMITTED}
        # the subledger equals the payable (2010) and employee payable (2110) accounts at every month end
        controls = dict(s.execute(select(Account.code, Account.id).where(Account.code.in_(("2010", "2110")))).all())
        day = date(2024, 3, 31)
        while day <= end:
            subledger = dict.fromkeys(controls.values(), 0)
            for b in open_bills(s, day):
                subledger[b.control_account_id] += b.signed_base
            gl = dict.fromkeys(controls.values(), 0) | dict(
                s.execute(
                    select(JournalLine.account_id, func.sum(JournalLine.amount))
                    .where(JournalLine.account_id.in_(list(controls.values())), JournalLine.date <= day)
                    .group_by(JournalLine.account_id)
                ).all()
            )
            assert subledger == {k: int(v) for k, v in gl.items()}, day
            day = month_end(add_months(day.replace(day=1), 1))
        assert subledger[controls["2010"]] < 0 and subledger[controls["2110"]] == -7790  # a claim awaiting a run
        # each run of the statements' months is one debit on the Operating statement, matched to the run
        batch_lines = s.execute(
            select(BankLine.id, BankLine.status).where(BankLine.description.startswith("SEPA credit transfers"))
        ).all()
        assert len(batch_lines) == 3 and all(str(getattr(st, "value", st)) != "unmatched" for _i, st in batch_lines)
        batch_ids = [i for i, _ in batch_lines]
        cleared = s.execute(
            select(func.count()).select_from(BankLineLink).where(BankLineLink.bank_line_id.in_(batch_ids))
        ).scalar_one()
        assert cleared > 3  # every payment of each run
