"""Receivables at scale, on SQLite and PostgreSQL, each figure against a baseline from the same run.

    python tests/benchmarks/receivables_scale.py [--invoices N] [--open M] [--engines sqlite,postgres]

(a) `paksa import invoices` path: an N-invoice CSV (5 lines each; default N = 10,000) read, checked and
    posted by `import_invoices_file` (parse + `InvoicingService.issue_many`) into a fresh company, in
    invoices/s. Baseline: the very GL entries those invoices posted, exported with `export_journal_file`
    and imported by `import_journal_file` into another fresh company: the ratio is what the invoicing
    layer (lines priced and taxed, documents, credit check, audit) costs on top of posting the same
    entries.
(b) `ARReports.aging` over M open invoices (default 100,000; 500 customers, a year of due dates, a few
    thousand partly paid by receipts), as of the year's end and as of mid-year (historical: settlements
    dated later do not count). Baseline: the plain SQL aggregation of the current open amounts,
    `SELECT customer_id, SUM(open_amount) FROM invoices WHERE state IN (...) GROUP BY customer_id`, on
    the same database, measured alternately with it.

Wall seconds and this process's CPU seconds are both printed: on a busy machine the wall time of SQLite
work is mostly waiting for a core, while its CPU time is nearly all of the real work. Not part of the
test run (pyproject ignores tests/benchmarks). PostgreSQL is a throwaway server from tests/pg_server.py
unless PAKSA_TEST_PG_URL names one where databases may be created.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.core.clock import FixedClock  # noqa: E402
from paksa_desktop.ledger.export_journal import export_journal_file  # noqa: E402
from paksa_desktop.ledger.import_journal import import_journal_file  # noqa: E402
from paksa_desktop.receivables.commands import (  # noqa: E402
    InvoiceInput,
    InvoiceLineInput,
    ReceiptInput,
    TaxCodeInput,
)
from paksa_desktop.receivables.invoice_files import COLUMNS, import_invoices_file  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"
CLOCK = FixedClock(datetime(2025, 1, 15, 9, 0, tzinfo=UTC))
YEAR_END, MID_YEAR = date(2024, 12, 31), date(2024, 6, 30)
CUSTOMERS = 500
RECEIPTS = 500  # each pays the customer's 10 oldest invoices, the last one in part
RUNS = 7
SEED_BATCH = 10_000

IMPORT_MIN_PER_S = 1_000
AGING_MAX_MS = 1_000.0


@dataclass
class Target:
    """Where one engine's companies live."""

    engine: str
    tmp: Path
    pg_admin: str | None = None
    created: list[str] = field(default_factory=list)

    def new(self, name: str) -> str:
        if self.engine == "sqlite":
            return str(self.tmp / f"{name}.paksa")
        assert self.pg_admin is not None
        db = f"paksa_arbench_{name}_{os.getpid()}"
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
        self.created.append(db)
        return make_url(self.pg_admin).set(database=db).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.pg_admin is None:
            return
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            for db in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@dataclass
class Row:
    engine: str
    figure: str
    value: str
    baseline: str
    ratio: str
    target: str
    ok: bool | None


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def new_company(url: str, tmp: Path) -> Company:
    """A fresh company with the standard chart, VAT20, 500 customers (one in ten in EUR) and EUR rates."""
    spec = NewCompany("Benchmark Trading Ltd", "USD", template="standard", admin_password=PASSWORD)
    company = Company.create(url, spec, clock=CLOCK)
    ctx = company.login("admin", PASSWORD)
    company.receivables(ctx).create_tax_code(TaxCodeInput("VAT20", "Standard rate", Decimal(20), "2200"))
    path = tmp / f"customers-{os.getpid()}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("code", "name", "currency", "payment_terms_days", "credit_limit"))
        for k in range(CUSTOMERS):
            writer.writerow((f"C{k:04d}", f"Customer {k:04d} Ltd", "EUR" if k % 10 == 9 else "USD", 30, ""))
    company.receivables(ctx).import_customers(path)
    company.invoicing(ctx).set_rate("EUR", date(2023, 12, 1), Decimal("1.0850"))
    return company


def write_invoices_csv(path: Path, n: int) -> None:
    """N invoices of 5 lines over 2024: 1-5 units at 12.50, every other line taxed and on 4020."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for k in range(n):
            day = (date(2024, 1, 1) + timedelta(days=k * 366 // n)).isoformat()
            for j in range(5):
                taxed = j % 2 == 1
                writer.writerow(
                    (f"SO-{k:06d}", f"C{k % CUSTOMERS:04d}", day, "", f"Item {j + 1} of order {k}", j + 1, "12.50",
                     "4020" if taxed else "", "VAT20" if taxed else "", "", "")
                )  # fmt: skip


def bench_import(target: Target, n: int, rows: list[Row]) -> None:
    name = target.engine
    tmp = target.tmp
    csv_path = tmp / "invoices.csv"
    write_invoices_csv(csv_path, n)
    say(f"{name}: (a) importing {n:,} invoices ({5 * n:,} lines, {csv_path.stat().st_size / 1e6:.1f} MB)")
    with new_company(target.new("import"), tmp) as company:
        ctx = company.login("admin", PASSWORD)
        cpu0, t0 = time.process_time(), time.perf_counter()
        result, _ = import_invoices_file(company.invoicing(ctx), csv_path)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if result.invoices != n:
            raise SystemExit(f"{name}: imported {result.invoices} invoices, expected {n}")
        reconciliation = company.documents_queries(ctx).reconcile(YEAR_END)
        if reconciliation.difference:
            raise SystemExit(f"{name}: the subledger differs from the control account by {reconciliation.difference}")
        journal = tmp / "invoices-journal.csv"
        export_journal_file(company.engine, ctx, journal)
    rate = n / seconds
    say(f"{name}:     {seconds:.1f} s ({cpu:.1f} s CPU): {rate:,.0f} invoices/s, {n / cpu:,.0f} per CPU second")

    say(f"{name}: (a) baseline: the same GL entries as a journal import into another fresh company")
    with new_company(target.new("journal"), tmp) as company:
        ctx = company.login("admin", PASSWORD)
        cpu0, t0 = time.process_time(), time.perf_counter()
        plain, _ = import_journal_file(company.ledger(ctx), journal, journal="SAL")
        base_seconds, base_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    say(f"{name}:     {base_seconds:.1f} s ({base_cpu:.1f} s CPU) for {plain.entries:,} entries, {plain.lines:,} lines")
    cpu_label = "CPU" if name == "sqlite" else "client CPU"
    rows.append(
        Row(name, f"(a) import {n:,} invoices x 5 lines", f"{rate:,.0f} invoices/s ({seconds:.1f} s)",
            f"{n / base_seconds:,.0f} entries/s ({base_seconds:.1f} s, journal import of the same entries)",
            f"{seconds / base_seconds:.2f}x time", f">= {IMPORT_MIN_PER_S:,}/s", rate >= IMPORT_MIN_PER_S)
    )  # fmt: skip
    rows.append(
        Row(name, f"(a) same, {cpu_label} seconds", f"{cpu:.1f} s ({n / cpu:,.0f} invoices per s)",
            f"{base_cpu:.1f} s", f"{cpu / base_cpu:.2f}x", "(information)", None)
    )  # fmt: skip


def seed_open_invoices(company: Company, m: int) -> None:
    """M + 10 x RECEIPTS invoices through issue_many (batches of SEED_BATCH), due over 2024; then RECEIPTS
    receipts dated in the second half, each paying ten of a customer's oldest invoices (the last in part),
    so that M stay open at the year's end and mid-year aging must leave later settlements out."""
    ctx = company.login("admin", PASSWORD)
    invoicing = company.invoicing(ctx)
    rng = random.Random(2024)
    total = m + 10 * RECEIPTS
    done = 0
    while done < total:
        batch = []
        for k in range(done, min(total, done + SEED_BATCH)):
            day = date(2024, 1, 1) + timedelta(days=k * 335 // total)
            customer = f"C{k % CUSTOMERS:04d}"
            lines = (
                InvoiceLineInput("Goods", Decimal(rng.randint(1, 9)), Decimal("24.99"), tax_code="VAT20"),
                InvoiceLineInput("Delivery", Decimal(1), Decimal("15.00"), tax_code=""),
            )
            batch.append(InvoiceInput(customer, day, lines, reference=f"S-{k:07d}"))
        invoicing.issue_many(batch)
        done += len(batch)
        say(f"    seeded {done:,} of {total:,} invoices")
    receipts = company.receipts(ctx)
    for r in range(RECEIPTS):
        code = f"C{(r * 7) % CUSTOMERS:04d}"
        if int(code[1:]) % 10 == 9:  # a EUR customer: pay in its currency
            code = f"C{int(code[1:]) - 1:04d}"
        day = date(2024, 7, 1) + timedelta(days=r * 150 // RECEIPTS)
        receipts.record(ReceiptInput(code, day, Decimal("1000.00"), "1100", auto_allocate=True))
    say(f"    recorded {RECEIPTS:,} receipts (auto-allocated to the oldest invoices)")


def paired_medians(first: Callable[[], object], second: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median milliseconds of two actions measured alternately (a change of load weighs on both alike)."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for action, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def bench_aging(target: Target, m: int, rows: list[Row]) -> None:
    name = target.engine
    say(f"{name}: (b) seeding {m:,} open invoices")
    with new_company(target.new("aging"), target.tmp) as company:
        seed_open_invoices(company, m)
        ctx = company.login("admin", PASSWORD)
        engine = company.engine
        with engine.connect() as conn:
            open_count = conn.execute(
                text("SELECT COUNT(*) FROM invoices WHERE state IN ('posted', 'partially_paid')")
            ).scalar_one()
        say(f"{name}:     {open_count:,} invoices open")
        if name == "postgres":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE invoices, settlements, receipts")
        reports = company.ar_reports(ctx)
        plain_sql = text(
            "SELECT customer_id, SUM(open_amount) FROM invoices "
            "WHERE state IN ('posted', 'partially_paid') GROUP BY customer_id"
        )

        def plain() -> object:
            with engine.connect() as conn:
                return conn.execute(plain_sql).all()

        aging = reports.aging(YEAR_END)
        subledger = company.documents_queries(ctx).reconcile(YEAR_END)
        if aging.meta["total"] != subledger.subledger or subledger.difference:
            raise SystemExit(f"{name}: aging total {aging.meta['total']} != subledger {subledger.subledger}")
        for label, as_of in (("year end", YEAR_END), ("mid-year (historical)", MID_YEAR)):
            app_ms, plain_ms = paired_medians(lambda d=as_of: reports.aging(d), plain)
            say(f"{name}:     aging as of {as_of}: {app_ms:.0f} ms; plain aggregation {plain_ms:.0f} ms")
            rows.append(
                Row(name, f"(b) aging, {open_count:,} open invoices, {label}", f"{app_ms:.0f} ms",
                    f"{plain_ms:.0f} ms (plain SUM(open_amount) GROUP BY customer)", f"{app_ms / plain_ms:.2f}x",
                    f"< {AGING_MAX_MS:g} ms", app_ms < AGING_MAX_MS)
            )  # fmt: skip
        cpu0, t0 = time.process_time(), time.perf_counter()
        detail = reports.aging_detail(YEAR_END)
        detail_ms, detail_cpu = (time.perf_counter() - t0) * 1000, time.process_time() - cpu0
        say(f"{name}:     aging detail ({len(detail.rows):,} rows): {detail_ms:.0f} ms")
        rows.append(
            Row(name, "(b) aging detail, one row per open document", f"{detail_ms:.0f} ms ({detail_cpu:.1f} s CPU)",
                "-", "-", "(information)", None)
        )  # fmt: skip


def print_table(rows: list[Row]) -> None:
    headers = ("engine", "figure", "measured", "baseline (same run)", "ratio", "target", "")
    cells = [(r.engine, r.figure, r.value, r.baseline, r.ratio, r.target, {True: "ok", False: "MISSED", None: ""}[r.ok])
             for r in rows]  # fmt: skip
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000, help="invoices to import in (a) (default 10,000)")
    parser.add_argument("--open", type=int, default=100_000, help="open invoices to age in (b) (default 100,000)")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--only", choices=("import", "aging"), help="run one part only")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its server
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="paksa-arbench-"))
    server: TempPostgres | None = None
    rows: list[Row] = []
    try:
        for engine in engines:
            if engine == "sqlite":
                target = Target("sqlite", tmp)
            elif engine == "postgres":
                admin = os.environ.get("PAKSA_TEST_PG_URL")
                if not admin:
                    say("postgres: starting a throwaway server (tests/pg_server.py)")
                    server = TempPostgres()
                    admin = server.start()
                target = Target("postgres", tmp, pg_admin=admin)
            else:
                parser.error(f"unknown engine {engine!r}")
            try:
                if args.only in (None, "import"):
                    bench_import(target, args.invoices, rows)
                if args.only in (None, "aging"):
                    bench_aging(target, args.open, rows)
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
