"""`paksa audit verify` over a million audit rows, on SQLite and PostgreSQL, against a bare read of the rows.

    python tests/benchmarks/audit_verify.py [N] [--engines sqlite,postgres]   # N rows, default 1,000,000

Per engine: a fresh company; N chained rows appended through `trail.record_many` (the fast path:
executemany on SQLite, COPY on PostgreSQL); then (a) a baseline that streams the same columns in seq
order and does nothing with them, (b) `chain.verify` (stream + SHA-256 per row + link checks + head).
Target: verify under 60 s for 1,000,000 rows. CPU seconds of this process are printed beside wall time
(a busy machine disturbs wall time; on PostgreSQL the server's share of the work is not in them).
Not part of the test run (pyproject ignores tests/benchmarks).
PostgreSQL is a throwaway server from tests/pg_server.py unless PAKSA_TEST_PG_URL names one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from paksa_desktop.audit import trail  # noqa: E402
from paksa_desktop.audit.chain import COLUMNS, verify  # noqa: E402
from paksa_desktop.audit.models import AuditRecord  # noqa: E402
from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.persistence.unit_of_work import UnitOfWork  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"
TARGET_SECONDS = 60.0
BATCH = 100_000


def say(text: str) -> None:
    print(text, flush=True)


def events(start: int, count: int) -> list[trail.Event]:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(start, start + count):
        action = ("create", "update", "post", "login")[i % 4]
        out.append(
            trail.Event(
                occurred_at=base + timedelta(seconds=i, microseconds=i % 1000),
                user_id=1,
                username="admin",
                host="bench-host",
                action=action,
                entity="journal_entry" if action == "post" else "account",
                entity_id=str(i),
                before='{"name": "Rent"}' if action == "update" else None,
                after=f'{{"amount": "{i}.25", "memo": "Entry n° {i}"}}',
            )
        )
    return out


def bench(url: str, name: str, n: int) -> dict[str, float]:
    company = Company.create(url, NewCompany("Bench Ltd", "USD", template="empty", admin_password=PASSWORD))
    try:
        started = time.perf_counter()
        done = 0
        while done < n:
            count = min(BATCH, n - done)
            with UnitOfWork(company.engine) as uow:
                trail.record_many(uow.session, events(done, count))
                uow.commit()
            done += count
        load = time.perf_counter() - started
        say(f"{name}: appended {n:,} chained rows in {load:.1f} s ({n / load:,.0f} rows/s)")

        started, cpu = time.perf_counter(), time.process_time()
        with UnitOfWork(company.engine, write=False) as uow:
            result = uow.session.execute(
                select(*COLUMNS).order_by(AuditRecord.seq).execution_options(stream_results=True, yield_per=20000)
            )
            rows = sum(1 for _ in result)
        baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
        say(f"{name}: baseline read of {rows:,} rows in seq order: {baseline:.1f} s ({baseline_cpu:.1f} s CPU here)")

        started, cpu = time.perf_counter(), time.process_time()
        with UnitOfWork(company.engine, write=False) as uow:
            outcome = verify(uow.session)
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - cpu
        ok = outcome.ok and elapsed < TARGET_SECONDS
        say(
            f"{name}: verify {outcome.rows:,} rows in {elapsed:.1f} s ({outcome.rows / elapsed:,.0f} rows/s), "
            f"{elapsed_cpu:.1f} s CPU here, {elapsed / baseline:.2f}x the bare read; "
            f"chain {'intact' if outcome.ok else outcome.problem}; "
            f"target < {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}"
        )
        return {"load": load, "baseline": baseline, "verify": elapsed, "ok": float(ok)}
    finally:
        company.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="paksa-audit-bench-"))
    server: TempPostgres | None = None
    results: dict[str, dict[str, float]] = {}
    try:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            if engine == "sqlite":
                results[engine] = bench(str(tmp / "bench.paksa"), engine, args.n)
            elif engine == "postgres":
                admin = os.environ.get("PAKSA_TEST_PG_URL")
                if not admin:
                    say("postgres: starting a throwaway server (tests/pg_server.py)")
                    server = TempPostgres()
                    admin = server.start()
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute("DROP DATABASE IF EXISTS paksa_audit_bench")
                    conn.execute("CREATE DATABASE paksa_audit_bench")
                url = make_url(admin).set(database="paksa_audit_bench").render_as_string(hide_password=False)
                try:
                    results[engine] = bench(url, engine, args.n)
                finally:
                    with psycopg.connect(admin, autocommit=True) as conn:
                        conn.execute("DROP DATABASE IF EXISTS paksa_audit_bench WITH (FORCE)")
            else:
                parser.error(f"unknown engine {engine!r}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    say("")
    say(f"{'engine':<10} {'append s':>9} {'read s':>8} {'verify s':>9} {'ratio':>6}")
    for engine, r in results.items():
        ratio = r["verify"] / r["baseline"]
        say(f"{engine:<10} {r['load']:>9.1f} {r['baseline']:>8.1f} {r['verify']:>9.1f} {ratio:>6.2f}")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
