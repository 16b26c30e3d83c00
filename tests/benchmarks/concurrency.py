"""Many clients posting at once on PostgreSQL: throughput and p95 latency for 1, 4, 16 and 64 clients.

    python tests/benchmarks/concurrency.py [--per-client N] [--clients 1,4,16,64] [--read-every K]

The stress test's workload (tests/ledger/stress_client.py), bigger: each client is its own process,
logs in, waits for the others, then posts N entries through `LedgerService.post` (two journals, two
fiscal years, 2-3 lines) and reads the trial balance after every K-th posting. Each client count
runs on a fresh company database. Printed per run: entries/s over the posting phase (first client
starting to last client finishing), p50/p95 latency of one posting, reads taken and any unbalanced
read, and throughput relative to the 1-client run of the same invocation. The same checks as the
stress test run after each (count, gap-free series, zero balance, audit chain); a failure stops it.
A busy machine disturbs every figure: the load average is printed beside them.
Not part of the test run (pyproject ignores tests/benchmarks).
PostgreSQL is a throwaway server from tests/pg_server.py unless PAKSA_TEST_PG_URL names one.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.core.clock import FixedClock  # noqa: E402
from tests.ledger.stress_client import audit_chain_ok, check_ledger, percentile, run_clients  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"


def say(text: str) -> None:
    print(text, flush=True)


def fresh_company(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    spec = NewCompany("Benchmark Ltd", "USD", template="standard", admin_password=PASSWORD)
    Company.create(url, spec, clock=FixedClock(datetime(2024, 1, 1, tzinfo=UTC))).close()
    return url


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(admin_url: str, clients: int, per_client: int, read_every: int) -> tuple[float, float, float]:
    """One run on a fresh database; returns (entries/s, p50 ms, p95 ms) after checking the books."""
    name = f"paksa_bench_concurrency_{clients}"
    url = fresh_company(admin_url, name)
    try:
        load = os.getloadavg()[0]
        results = run_clients(url, "admin", PASSWORD, clients, per_client, read_every, timeout=3600)
        errors = [r.error for r in results if r.error]
        if errors:
            raise SystemExit(f"{clients} clients: {errors[0]}")
        posting = max(r.finished for r in results) - min(r.started for r in results)
        latencies = [x for r in results for x in r.latencies]
        reads = sum(r.reads for r in results)
        unbalanced = sum(r.unbalanced_reads for r in results)
        company = Company.open(url)
        try:
            check = check_ledger(company)
            gaps = [k for k, seq in check.series.items() if seq != list(range(1, len(seq) + 1))]
            problem = audit_chain_ok(company, company.login("admin", PASSWORD))
        finally:
            company.close()
        total = clients * per_client
        if check.entries != total or gaps or check.balance or check.duplicate_numbers or unbalanced or problem:
            raise SystemExit(
                f"{clients} clients: entries {check.entries}/{total}, gaps {gaps}, balance {check.balance}, "
                f"duplicates {check.duplicate_numbers[:3]}, unbalanced reads {unbalanced}, audit {problem!r}"
            )
        rate = total / posting
        p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
        say(
            f"{clients:>3} clients x {per_client}: {total:>6} entries in {posting:6.1f} s = {rate:6.1f} entries/s, "
            f"p50 {p50:6.0f} ms, p95 {p95:6.0f} ms, {reads} reads all balanced, checks ok (load {load:.1f})"
        )
        return rate, p50, p95
    finally:
        drop(admin_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-client", type=int, default=500)
    parser.add_argument("--clients", default="1,4,16,64")
    parser.add_argument("--read-every", type=int, default=5)
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    given = os.environ.get("PAKSA_TEST_PG_URL")
    server = None if given else TempPostgres()
    admin_url = given or server.start()  # type: ignore[union-attr]
    say(f"PostgreSQL at {make_url(admin_url).render_as_string(hide_password=True)}; {os.cpu_count()} CPUs")
    try:
        figures = {n: run(admin_url, n, args.per_client, args.read_every) for n in counts}
    finally:
        if server is not None:
            server.stop()
    base = figures.get(1)
    say("\nclients  entries/s  p95 ms  vs 1 client")
    for n, (rate, _p50, p95) in figures.items():
        ratio = f"{rate / base[0]:.2f}x" if base else "-"
        say(f"{n:>7}  {rate:9.1f}  {p95:6.0f}  {ratio:>11}")


if __name__ == "__main__":
    main()
