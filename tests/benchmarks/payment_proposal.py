"""A payment run over 5,000 open bills proposes in under 1 s (issue 8), on SQLite and PostgreSQL.

    python tests/benchmarks/payment_proposal.py [--bills N] [--vendors V] [--engines sqlite,postgres]

A fresh company gets V vendors (default 500) and N posted, open USD bills (default 5,000) all due by
the cut-off, some with an early-payment discount, a tenth of the vendors withholding tax, one vendor in
twenty with an open credit note, and a few bills on hold. The bills are written straight to the table
(this measures proposing, not posting bills; no GL entry is needed to propose). Then
`PaymentRunService.propose` (select, plan every vendor, store the run and its items, read the proposal
back with the bank balance) is timed, the run cancelled between repetitions so each proposes the same
bills, against a baseline measured alternately in the same run: the plain SQL query selecting the same
due bills (`SELECT ... FROM bills JOIN vendors WHERE state IN (...) AND due_date <= :cutoff ...`),
every row fetched. Medians of 5; wall seconds and this process's CPU seconds (on a busy machine the
wall time is mostly waiting for a core). Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from paksa_desktop.banking.accounts import BankAccountInput  # noqa: E402
from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.core.clock import FixedClock  # noqa: E402
from paksa_desktop.payables.models import Bill, BillKind, BillState, Vendor  # noqa: E402
from paksa_desktop.payables.settings import load_settings  # noqa: E402
from paksa_desktop.persistence.unit_of_work import UnitOfWork  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password-42"
CLOCK = FixedClock(datetime(2024, 6, 28, 9, 0, tzinfo=UTC))
TARGET_SECONDS = 1.0
RUNS = 5
PAY_DATE = date(2024, 6, 28)
CUTOFF = date(2024, 6, 30)
NEXT_RUN = date(2024, 7, 12)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fill(company: Company, bills: int, vendors: int) -> None:
    ctx = company.login("admin", PASSWORD)
    company.bank_accounts(ctx).add(BankAccountInput("Operating", "1100", "USD", number="DE89370400440532013000"))
    now = CLOCK.now()
    with UnitOfWork(company.engine) as uow:
        s = uow.session
        settings = load_settings(s)
        s.execute(
            insert(Vendor),
            [
                {
                    "code": f"V{k:04d}",
                    "name": f"Vendor {k:04d} Ltd",
                    "currency": "USD",
                    "payment_terms": "2/10 net 30" if k % 3 == 0 else "net 30",
                    "withholding": k % 10 == 0,
                    "withholding_rate_e4": 240000 if k % 10 == 0 else 0,
                    "bank_last4": "3000",
                    "is_active": True,
                    "created_at": now,
                }
                for k in range(vendors)
            ],
        )
        ids = dict(s.execute(select(Vendor.code, Vendor.id)).all())
        rows = []
        for n in range(bills):
            k = n % vendors
            day = date(2024, 4, 1) + timedelta(days=n % 61)  # due (30 days later) by the end of June
            total = 10_000 + (n * 7919) % 500_000
            rows.append(
                {
                    "kind": BillKind.BILL,
                    "state": BillState.POSTED,
                    "vendor_id": ids[f"V{k:04d}"],
                    "number": f"BILL-2024-{n + 1:06d}",
                    "series": "BILL",
                    "vendor_invoice": f"INV-{n}",
                    "date": day,
                    "due_date": day + timedelta(days=30),
                    "discount_date": day + timedelta(days=10) if k % 3 == 0 else None,
                    "discount_e4": 20000 if k % 3 == 0 else 0,
                    "currency": "USD",
                    "rate": "1",
                    "control_account_id": settings.payable_account_id,
                    "net_total": total,
                    "total": total,
                    "base_total": total,
                    "open_amount": total,
                    "withholding_e4": 240000 if k % 10 == 0 else 0,
                    "on_hold": n % 97 == 0,
                    "created_by": ctx.user_id,
                    "created_at": now,
                }
            )
        for k in range(0, vendors, 20):
            rows.append({**rows[k], "kind": BillKind.CREDIT_NOTE, "number": f"VCN-2024-{k + 1:06d}", "series": "VCN",
                         "total": 5_000, "open_amount": 5_000, "base_total": 5_000, "net_total": 5_000,
                         "discount_date": None, "discount_e4": 0, "on_hold": False})  # fmt: skip
        s.execute(insert(Bill), rows)
        uow.commit()


def baseline(company: Company) -> int:
    """The plain query selecting the due bills, every row fetched."""
    with UnitOfWork(company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(Bill.id, Bill.vendor_id, Bill.open_amount, Bill.discount_e4, Bill.discount_date, Vendor.code)
            .join(Vendor, Vendor.id == Bill.vendor_id)
            .where(
                Bill.state.in_((BillState.POSTED, BillState.PARTIALLY_PAID)),
                Bill.kind == BillKind.BILL,
                Bill.currency == "USD",
                Bill.on_hold.is_(False),
                Bill.due_date <= CUTOFF,
                Vendor.is_active.is_(True),
            )
        ).all()
    return len(rows)


def bench(engine: str, url: str, bills: int, vendors: int) -> tuple[float, float, float, int]:
    spec = NewCompany("Benchmark Payables Ltd", "USD", template="standard", admin_password=PASSWORD)
    company = Company.create(url, spec, clock=CLOCK)
    try:
        say(f"{engine}: filling {bills:,} bills over {vendors} vendors")
        fill(company, bills, vendors)
        ctx = company.login("admin", PASSWORD)
        runs = company.payment_runs(ctx)
        proposal_times, cpu_times, baseline_times = [], [], []
        count = 0
        for _ in range(RUNS):
            start, cpu = time.perf_counter(), time.process_time()
            proposal, _changes = runs.propose(PAY_DATE, "Operating", CUTOFF, NEXT_RUN)
            proposal_times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu)
            count = proposal.bill_count
            runs.cancel(proposal.run_id)
            start = time.perf_counter()
            selected = baseline(company)
            baseline_times.append(time.perf_counter() - start)
        say(f"{engine}: proposed {count:,} bills ({selected:,} due by the cut-off in the baseline query)")
        return (
            statistics.median(proposal_times),
            statistics.median(cpu_times),
            statistics.median(baseline_times),
            count,
        )
    finally:
        company.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bills", type=int, default=5_000)
    parser.add_argument("--vendors", type=int, default=500)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="paksa-apbench-"))
    server: TempPostgres | None = None
    results = []
    try:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            if engine == "sqlite":
                url = str(tmp / "bench.paksa")
            else:
                admin = os.environ.get("PAKSA_TEST_PG_URL")
                if not admin:
                    say("postgres: starting a throwaway server (tests/pg_server.py)")
                    server = TempPostgres()
                    admin = server.start()
                name = f"paksa_apbench_{os.getpid()}"
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            propose, cpu, base, count = bench(engine, url, args.bills, args.vendors)
            results.append((engine, propose, cpu, base, count))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'engine':<10} {'bills':>7} {'propose s':>10} {'(cpu s)':>8} {'baseline s':>11} {'ratio':>7}  target")
    missed = 0
    for engine, propose, cpu, base, count in results:
        ok = propose < TARGET_SECONDS
        missed += not ok
        print(
            f"{engine:<10} {count:>7,} {propose:>10.3f} {cpu:>8.3f} {base:>11.3f} {propose / base:>7.1f}  "
            f"< 1 s {'ok' if ok else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
