"""Bank statement import at scale, against a bare insert of the same rows in the same run.

    python tests/benchmarks/bank_import.py [N] [--engines sqlite,postgres]     # N lines, default 50,000

On each engine: a company with one bank account, a generated statement of N lines (two thirds with a
bank transaction id, the rest identified by date, amount and reference), and
  preview     every check, nothing written
  import      the whole service call: checks, duplicate lookup, statement row, lines, audit, commit
  re-import   the same statement again: every line found already imported and skipped
  bare insert the same N rows written with the driver alone (executemany on SQLite, COPY on PostgreSQL)
              into a second account, in one transaction: the floor for writing them at all
Target: import under 5 s (the issue's figure).

Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from paksa_desktop.banking.accounts import BankAccountInput  # noqa: E402
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine  # noqa: E402
from paksa_desktop.banking.statement_import import LINE_COLUMNS, dedupe_key  # noqa: E402
from paksa_desktop.company import Company, NewCompany  # noqa: E402
from tests.benchmarks.ledger_scale import Target  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"
TARGET_S = 5.0


def generated(n: int, seed: int = 20240101) -> ParsedStatement:
    rnd = random.Random(seed)
    start = date(2024, 1, 1)
    lines = []
    balance = Decimal("10000.00")
    for i in range(n):
        amount = Decimal(rnd.randint(-250_000, 400_000)).scaleb(-2)
        balance += amount
        with_id = i % 3 != 2
        lines.append(
            StatementLine(
                booked=start + timedelta(days=i * 365 // n),
                amount=amount,
                description=f"Payment {i} from customer {rnd.randint(1, 900)}",
                reference=f"INV-{rnd.randint(1, 40_000):06d}",
                bank_id=f"TX{i:08d}" if with_id else "",
                counterparty=f"Customer {rnd.randint(1, 900)}",
                counterparty_account="GB29NWBK60161331926819",
                kind="CREDIT" if amount > 0 else "DEBIT",
                row=i + 1,
            )
        )
    return ParsedStatement(
        format="camt.053",
        source="year.xml",
        account="DE89370400440532013000",
        currency="USD",
        statement_id="2024",
        start=start,
        end=date(2024, 12, 31),
        opening=Decimal("10000.00"),
        closing=balance,
        lines=tuple(lines),
    )


def bare_insert(company: Company, statement: ParsedStatement, account_id: int) -> float:
    """The same rows with the driver alone, into another account, one transaction."""
    rows = []
    ranks: dict[tuple[date, int, str], int] = {}
    for line in statement.lines:
        minor = int(line.amount.scaleb(2))
        ident = (line.booked, minor, line.reference)
        ranks[ident] = ranks.get(ident, 0) + 1
        key = dedupe_key(line, minor, ranks[ident])
        rows.append(
            [account_id, 0, line.booked, line.value_date, minor, "USD", line.description,
             line.reference, line.bank_id, line.counterparty, line.counterparty_account, line.kind, "unmatched", key]
        )  # fmt: skip
    url = company.engine.url
    if url.get_backend_name() == "sqlite":
        for row in rows:
            row[2] = row[2].isoformat()
        conn = sqlite3.connect(str(url.database))
        started = time.perf_counter()
        conn.execute("INSERT INTO bank_statements (id, bank_account_id, format, source, statement_ref, currency, "
                     "line_count, skipped_count, imported_at) VALUES (0, ?, 'x', 'x', '', 'USD', 0, 0, '2024-01-01')",
                     (account_id,))  # fmt: skip
        marks = ", ".join("?" for _ in LINE_COLUMNS)
        conn.executemany(f"INSERT INTO bank_lines ({', '.join(LINE_COLUMNS)}) VALUES ({marks})", rows)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.close()
        return elapsed
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        started = time.perf_counter()
        conn.execute("INSERT INTO bank_statements (id, bank_account_id, format, source, statement_ref, currency, "
                     "line_count, skipped_count, imported_at) VALUES (0, %s, 'x', 'x', '', 'USD', 0, 0, now())",
                     (account_id,))  # fmt: skip
        with conn.cursor() as cur, cur.copy(f"COPY bank_lines ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def bench(target: Target, n: int, statement: ParsedStatement) -> list[tuple[str, str, float]]:
    url = target.new("bank")
    Company.create(url, NewCompany("Bank Benchmark Ltd", "USD", admin_password=PASSWORD)).close()
    results = []
    with Company.open(url) as company:
        ctx = company.login("admin", PASSWORD)
        company.bank_accounts(ctx).add(BankAccountInput("Operating", "1100", "USD", number="DE89370400440532013000"))
        company.bank_accounts(ctx).add(BankAccountInput("Baseline", "1110", "USD"))
        baseline_id = next(r.id for r in company.bank_queries(ctx).accounts() if r.name == "Baseline")
        service = company.statement_import(ctx)
        for label, call in (
            ("preview", lambda: service.preview("Operating", [statement])),
            ("import", lambda: service.import_statements("Operating", [statement])),
            ("re-import (all skipped)", lambda: service.import_statements("Operating", [statement])),
        ):
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
            results.append((label, f"{result.imported:,} imported, {len(result.skipped):,} skipped", elapsed))
        results.append(("bare insert (driver only)", f"{n:,} rows", bare_insert(company, statement, baseline_id)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=50_000, help="statement lines (default 50,000)")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    args = parser.parse_args(argv)
    statement = generated(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="paksa-bank-bench-"))
    server: TempPostgres | None = None
    missed = 0
    try:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            if engine == "postgres":
                admin = os.environ.get("PAKSA_TEST_PG_URL")
                if not admin:
                    server = TempPostgres()
                    admin = server.start()
                target = Target("postgres", tmp, pg_admin=admin)
            else:
                target = Target("sqlite", tmp)
            try:
                rows = bench(target, args.n, statement)
            finally:
                target.drop_all()
            bare = rows[-1][2]
            print(f"\n{engine}: {args.n:,}-line statement")
            for label, what, seconds in rows:
                ratio = f"{seconds / bare:5.1f}x bare" if bare else ""
                print(f"  {label:<26} {seconds:7.2f} s  {ratio}  ({what})")
            ok = rows[1][2] < TARGET_S
            missed += not ok
            print(f"  target: import under {TARGET_S:.0f} s: {'met' if ok else 'MISSED'}", flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
