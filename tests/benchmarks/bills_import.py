"""`paksa import bills FILE --post` at scale, against a baseline from the same run.

    python tests/benchmarks/bills_import.py [--bills N] [--engines sqlite[,postgres]]

An N-bill CSV (3 lines each, default N = 10,000; 500 vendors, one in ten in EUR, every other line taxed)
is read, checked, approved and posted by `import_bills_file(..., post=True)` into a fresh company, in
bills/s (target >= 1,000 on SQLite). Baseline: the very GL entries those bills posted, exported with
`export_journal_file` and imported by `import_journal_file` into another fresh company: the ratio is what
the bills layer (lines priced and taxed, duplicate checks, documents, approval history, audit) costs on
top of posting the same entries. Wall and CPU seconds are both printed (on a busy machine the wall time
of SQLite work is mostly waiting for a core). Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.core.clock import FixedClock  # noqa: E402
from paksa_desktop.ledger.export_journal import export_journal_file  # noqa: E402
from paksa_desktop.ledger.import_journal import import_journal_file  # noqa: E402
from paksa_desktop.payables.bill_files import COLUMNS, import_bills_file  # noqa: E402
from paksa_desktop.persistence.unit_of_work import UnitOfWork  # noqa: E402
from paksa_desktop.receivables.commands import TaxCodeInput  # noqa: E402
from tests.benchmarks.receivables_scale import Row, Target, print_table, say  # noqa: E402
from tests.payables.bill_fixtures import add_vendor  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"
CLOCK = FixedClock(datetime(2025, 1, 15, 9, 0, tzinfo=UTC))
VENDORS = 500
IMPORT_MIN_PER_S = 1_000


def new_company(url: str) -> Company:
    """A fresh company with the standard chart, VAT20, 500 vendors (one in ten in EUR) and a EUR rate."""
    spec = NewCompany("Benchmark Purchasing Ltd", "USD", template="standard", admin_password=PASSWORD)
    company = Company.create(url, spec, clock=CLOCK)
    ctx = company.login("admin", PASSWORD)
    company.receivables(ctx).create_tax_code(TaxCodeInput("VAT20", "Standard rate", Decimal(20), "2200"))
    with UnitOfWork(company.engine) as uow:
        for k in range(VENDORS):
            add_vendor(uow.session, ctx, f"V{k:04d}", f"Vendor {k:04d} Ltd", currency="EUR" if k % 10 == 9 else "USD")
        uow.commit()
    company.invoicing(ctx).set_rate("EUR", date(2023, 12, 1), Decimal("1.0850"))
    return company


def write_bills_csv(path: Path, n: int) -> None:
    """N bills of 3 lines over 2024; prices vary with the bill so no two look like duplicates."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for k in range(n):
            day = (date(2024, 1, 1) + timedelta(days=k * 366 // n)).isoformat()
            for j in range(3):
                taxed = j % 2 == 1
                price = f"{10 + (k % 997) / 100 + j:.2f}"
                writer.writerow(
                    (f"PB-{k:06d}", f"V{k % VENDORS:04d}", f"INV-{k:06d}", day, "", f"Item {j + 1} of bill {k}",
                     j + 1, price, "6140" if taxed else "", "VAT20" if taxed else "", "", "")
                )  # fmt: skip


def bench(target: Target, n: int, rows: list[Row]) -> None:
    name = target.engine
    csv_path = target.tmp / "bills.csv"
    write_bills_csv(csv_path, n)
    say(f"{name}: importing {n:,} bills ({3 * n:,} lines, {csv_path.stat().st_size / 1e6:.1f} MB) with --post")
    with new_company(target.new("bills")) as company:
        ctx = company.login("admin", PASSWORD)
        cpu0, t0 = time.process_time(), time.perf_counter()
        result, _ = import_bills_file(company.bills(ctx), csv_path, post=True)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if result.bills != n:
            raise SystemExit(f"{name}: imported {result.bills} bills, expected {n}")
        journal = target.tmp / "bills-journal.csv"
        export_journal_file(company.engine, ctx, journal)
    rate = n / seconds
    say(f"{name}:     {seconds:.1f} s ({cpu:.1f} s CPU): {rate:,.0f} bills/s, {n / cpu:,.0f} per CPU second")
    say(f"{name}: baseline: the same GL entries as a journal import into another fresh company")
    with new_company(target.new("journal")) as company:
        ctx = company.login("admin", PASSWORD)
        cpu0, t0 = time.process_time(), time.perf_counter()
        plain, _ = import_journal_file(company.ledger(ctx), journal, journal="PUR")
        base_seconds, base_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    say(f"{name}:     {base_seconds:.1f} s ({base_cpu:.1f} s CPU) for {plain.entries:,} entries, {plain.lines:,} lines")
    sqlite = name == "sqlite"  # the target is SQLite's; PostgreSQL's figure is information
    rows.append(
        Row(name, f"import {n:,} bills x 3 lines --post", f"{rate:,.0f} bills/s ({seconds:.1f} s)",
            f"{n / base_seconds:,.0f} entries/s ({base_seconds:.1f} s, journal import of the same entries)",
            f"{seconds / base_seconds:.2f}x time", f">= {IMPORT_MIN_PER_S:,}/s" if sqlite else "(information)",
            rate >= IMPORT_MIN_PER_S if sqlite else None)
    )  # fmt: skip
    rows.append(
        Row(name, "same, CPU seconds", f"{cpu:.1f} s ({n / cpu:,.0f} bills per s)", f"{base_cpu:.1f} s",
            f"{cpu / base_cpu:.2f}x", "(information)", None)
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bills", type=int, default=10_000, help="bills to import (default 10,000)")
    parser.add_argument("--engines", default="sqlite", help="comma-separated: sqlite,postgres (default sqlite)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its server
    tmp = Path(tempfile.mkdtemp(prefix="paksa-billbench-"))
    server: TempPostgres | None = None
    rows: list[Row] = []
    try:
        for engine in (e.strip() for e in args.engines.split(",") if e.strip()):
            if engine == "sqlite":
                target = Target("sqlite", tmp)
            elif engine == "postgres":
                admin = os.environ.get("PAKSA_TEST_PG_URL")
                if not admin:
                    server = TempPostgres()
                    admin = server.start()
                target = Target("postgres", tmp, pg_admin=admin)
            else:
                parser.error(f"unknown engine {engine!r}")
            try:
                bench(target, args.bills, rows)
            finally:
                target.drop_all()
        print_table(rows)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    missed = [r for r in rows if r.ok is False]
    if missed:
        print(f"{len(missed)} target(s) missed", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
