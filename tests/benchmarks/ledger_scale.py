"""The general ledger at scale, on SQLite and PostgreSQL, each figure against a baseline from the same run.

    python tests/benchmarks/ledger_scale.py [N]      # N journal lines, default 1,000,000

(a) importing an N-line CSV journal with `import_journal_file` (lines/s), against a raw executemany (SQLite)
    or COPY (PostgreSQL) of the same pre-parsed rows into the same tables of another fresh company;
(b) `LedgerQueries.trial_balance()` against a bare `SUM(amount) GROUP BY account_id` on the same database;
(c) the first 500-line page of `account_ledger` for an account holding N/5 lines and for a rare account;
(d) the import's peak memory (a child process; VmHWM reset after login) for N and N/4 lines.

Not part of the test run (pyproject ignores tests/benchmarks). PostgreSQL is a throwaway server from
tests/pg_server.py unless PAKSA_TEST_PG_URL names one where databases may be created.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from paksa_desktop.company import Company, NewCompany  # noqa: E402
from paksa_desktop.ledger.import_journal import import_journal_file  # noqa: E402
from paksa_desktop.ledger.posting import ENTRY_COLUMNS, LINE_COLUMNS  # noqa: E402
from tests.pg_server import TempPostgres  # noqa: E402

PASSWORD = "benchmark-password"
HOT = "1100"  # operating bank account: one line in 3 of every 5 entries, so N/5 lines
RARE = "6150"  # insurance: one purchase in 40, so N/600 lines (still more than a page)
EXPENSES = ("6100", "6110", "6120", "6130", "6140", "6160", "6170", "6180", "6190", "6200", "5010", "5020")
FIRST_DAY = date(2023, 1, 1)
DAYS = 731  # two years
JOURNAL_HEADER = ("entry", "date", "account", "debit", "credit", "memo")
RUNS = 9

# Targets: (a) import, (b) trial balance, (c) first ledger page, (d) peak memory
IMPORT_MIN_LINES_PER_S = 100_000
IMPORT_MAX_RATIO = 3.0
TB_MAX_RATIO = 1.5
PAGE_MAX_MS = 50.0
PEAK_MAX_MB = 300.0


# --------------------------------------------------------------------------- the generated journal
Line = tuple[str, int, str]  # account code, signed cents (debit > 0), memo


def journal(n_lines: int, seed: int = 20240101) -> Iterator[tuple[str, date, list[Line]]]:
    """(reference, date, lines) of balanced entries totalling exactly `n_lines` lines, in date order.

    Mostly 3-line entries cycling through receipt, supplier payment, sales invoice, purchase invoice and
    cash sale, so the bank account HOT has n_lines/5 lines; the last entry has 2 or 4 lines to land on n.
    """
    if n_lines < 2:
        raise ValueError("need at least 2 lines")
    threes, rest = divmod(n_lines, 3)
    count = threes + (1 if rest == 2 else 0)
    rng = random.Random(seed)
    purchases = 0
    for i in range(count):
        day = FIRST_DAY + timedelta(days=i * DAYS // count)
        ref = f"E{i + 1:07d}"
        amount = rng.randint(1_00, 25_000_00)
        tax = amount * 2 // 10
        fee = rng.randint(10, 2_50)
        if rest == 2 and i == count - 1:
            lines: list[Line] = [("1110", amount, "Transfer to savings"), (HOT, -amount, "Transfer to savings")]
        else:
            kind = i % 5
            if kind == 0:
                memo = f"Receipt from customer C{rng.randint(1, 4000):04d}, invoice S{i:07d}"
                lines = [(HOT, amount - fee, memo), ("6210", fee, "Card fee"), ("1200", -amount, memo)]
            elif kind == 1:
                memo = f"Payment to supplier V{rng.randint(1, 900):03d}"
                lines = [("2010", amount, memo), ("6210", fee, "Transfer fee"), (HOT, -(amount + fee), memo)]
            elif kind == 2:
                memo = f"Sales invoice S{i:07d}"
                lines = [("1200", amount + tax, memo), ("4010", -amount, memo), ("2200", -tax, "Output tax 20%")]
            elif kind == 3:
                purchases += 1
                expense = RARE if purchases % 40 == 0 else EXPENSES[purchases % len(EXPENSES)]
                memo = f"Purchase invoice P{i:07d}"
                lines = [(expense, amount, memo), ("1450", tax, "Input tax 20%"), ("2010", -(amount + tax), memo)]
            else:
                memo = f"Cash sale, till {rng.randint(1, 9)}"
                lines = [(HOT, amount + tax, memo), ("4020", -amount, memo), ("2200", -tax, "Output tax 20%")]
            if rest == 1 and i == count - 1:  # split the first line in two
                account, units, memo = lines[0]
                lines[0:1] = [(account, units - units // 2, memo), (account, units // 2, memo)]
        yield ref, day, lines


def cents_text(units: int) -> str:
    return f"{units // 100}.{units % 100:02d}"


def write_journal_csv(path: Path, n_lines: int) -> None:
    """Stream the journal to a CSV file (never held in memory)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(JOURNAL_HEADER)
        for ref, day, lines in journal(n_lines):
            iso = day.isoformat()
            for account, units, memo in lines:
                debit, credit = (cents_text(units), "") if units > 0 else ("", cents_text(-units))
                writer.writerow((ref, iso, account, debit, credit, memo))


# --------------------------------------------------------------------------- databases
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
        db = f"paksa_bench_{name}_{os.getpid()}"
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


def create_company(url: str) -> None:
    spec = NewCompany("Benchmark Trading Ltd", "USD", template="standard", admin_password=PASSWORD)
    Company.create(url, spec).close()


# --------------------------------------------------------------------------- (a) import, (d) memory
def _vm(field_name: str) -> int:
    """A /proc/self/status figure in kB (VmHWM: peak resident set, VmRSS: current)."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith(field_name + ":"):
            return int(row.split()[1])
    return 0


def child_import(url: str, csv_path: str) -> None:
    """Runs in a child process: import the file and print seconds and memory as JSON."""
    with Company.open(url) as company:
        ctx = company.login("admin", PASSWORD)
        try:  # forget the peak of start-up and login (argon2 takes 64 MiB) so VmHWM is the import's own
            Path("/proc/self/clear_refs").write_text("5")
            reset = True
        except OSError:
            reset = False
        before = _vm("VmRSS")
        cpu_started, started = time.process_time(), time.perf_counter()
        result, _changes = import_journal_file(company.ledger(ctx), Path(csv_path))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = _vm("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"seconds": seconds, "cpu": cpu, "lines": result.lines, "entries": result.entries}
    print(json.dumps({**figures, "rss_before_kb": before, "peak_kb": peak, "peak_reset": reset}))


def import_in_child(url: str, csv_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child-import", url, str(csv_path)],
        check=True,
        stdout=subprocess.PIPE,  # the figures; the child's errors go straight to our stderr
        text=True,
        cwd=REPO,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fiscal_years(engine: Engine) -> dict[int, tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, start_date FROM fiscal_years")).all()
    found = {}
    for fy_id, name, start in rows:
        start_year = start.year if isinstance(start, date) else int(str(start)[:4])
        found[start_year] = (fy_id, name)
    return found


def raw_rows(engine: Engine, n_lines: int, sqlite: bool) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows the import would write, fully pre-parsed (ids, numbers, account ids); not timed."""
    with engine.connect() as conn:
        accounts = dict(conn.execute(text("SELECT code, id FROM accounts")).all())
        journal_id = conn.execute(text("SELECT id FROM journals WHERE code = 'GEN'")).scalar_one()
        user_id = conn.execute(text("SELECT id FROM users WHERE username = 'admin'")).scalar_one()
    years = _fiscal_years(engine)
    now = datetime.now(UTC)
    stamp: Any = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    sequences: dict[int, int] = {}
    line_id = 0
    for entry_id, (ref, day, entry_lines) in enumerate(journal(n_lines), start=1):
        fy_id, fy_name = years[day.year]
        sequence = sequences[fy_id] = sequences.get(fy_id, 0) + 1
        when: Any = day.isoformat() if sqlite else day
        total = sum(units for _a, units, _m in entry_lines if units > 0)
        entries.append(
            (entry_id, journal_id, "posted", when, entry_lines[0][2], ref, fy_id, sequence,
             f"GEN-{fy_name}-{sequence:06d}", total, "import", 0 if sqlite else False, None,
             user_id, stamp, user_id, stamp, 1)
        )  # fmt: skip
        for line_no, (account, units, memo) in enumerate(entry_lines, start=1):
            line_id += 1
            lines.append((line_id, entry_id, line_no, accounts[account], when, units, memo, None, None))
    return entries, lines


def raw_insert(engine: Engine, entries: list[tuple[Any, ...]], lines: list[tuple[Any, ...]]) -> tuple[float, float]:
    """Wall and CPU seconds of this process to insert the rows with the driver alone, in one transaction:
    the floor for any import. (CPU time matters on a busy machine: for SQLite it is nearly all the work.)"""
    series: dict[tuple[int, int], int] = {}
    for entry in entries:  # (journal, fiscal year) -> next number, as the import leaves it
        key = (entry[1], entry[6])
        series[key] = max(series.get(key, 1), entry[7] + 1)
    series_rows = [(journal, year, following) for (journal, year), following in series.items()]
    tables = (  # the series first: an entry is written with a number its series has already handed out
        ("number_sequences", ("journal_id", "fiscal_year_id", "next_number"), series_rows),
        ("journal_entries", ENTRY_COLUMNS, entries),
        ("journal_lines", LINE_COLUMNS, lines),
    )
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        cpu_started, started = time.process_time(), time.perf_counter()
        if engine.dialect.name == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            for table, columns, rows in tables:
                marks = ", ".join("?" for _ in columns)
                conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            conn.execute("COMMIT")
        else:
            with conn.cursor() as cursor:
                for table, columns, rows in tables:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.commit()
        return time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        raw.close()


# --------------------------------------------------------------------------- (b) and (c) queries
def paired_medians(first: Callable[[], object], second: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median milliseconds of two actions measured alternately, so that a change in the machine's load
    during the runs weighs on both figures alike and their ratio stays fair."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for action, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def line_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT a.code, COUNT(*) FROM journal_lines l JOIN accounts a ON a.id = l.account_id GROUP BY a.code")
        ).all()
    return {code: int(n) for code, n in rows}


# --------------------------------------------------------------------------- the run
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


def bench_engine(target: Target, n: int, full_csv: Path, quarter_csv: Path, rows: list[Row]) -> None:
    name = target.engine
    sqlite = name == "sqlite"
    say(f"{name}: creating three fresh companies (standard chart)")
    import_url, raw_url, quarter_url = target.new("import"), target.new("raw"), target.new("quarter")
    for url in (import_url, raw_url, quarter_url):
        create_company(url)

    say(f"{name}: (a) importing {n:,} lines with import_journal_file (child process)")
    full = import_in_child(import_url, full_csv)
    if full["lines"] != n:
        raise SystemExit(f"{name}: the import reported {full['lines']} lines, expected {n}")
    import_rate = n / full["seconds"]
    say(f"{name}:     {full['seconds']:.1f} s ({full['cpu']:.1f} s CPU), {import_rate:,.0f} lines/s")

    say(f"{name}: (a) baseline: raw {'executemany' if sqlite else 'COPY'} of the same rows into a fresh company")
    with Company.open(raw_url) as company:
        ctx = company.login("admin", PASSWORD)
        for year in (2023, 2024):
            company.ledger(ctx).ensure_fiscal_year(date(year, 1, 1))
        entries, lines = raw_rows(company.engine, n, sqlite)
        raw_seconds, raw_cpu = raw_insert(company.engine, entries, lines)
        del entries, lines
    raw_rate = n / raw_seconds
    say(f"{name}:     {raw_seconds:.1f} s ({raw_cpu:.1f} s CPU), {raw_rate:,.0f} lines/s")
    ratio = full["seconds"] / raw_seconds
    # CPU seconds of the Python process: on SQLite nearly all the work, and less disturbed than wall time by
    # other programs on the machine; on PostgreSQL only the client's share (the server works apart).
    cpu_label = "CPU" if sqlite else "client CPU"
    rows.append(
        Row(name, f"(a) import {n:,} lines", f"{import_rate:,.0f} lines/s ({full['seconds']:.1f} s)",
            f"{raw_rate:,.0f} lines/s ({raw_seconds:.1f} s)", f"{ratio:.2f}x time",
            f">= {IMPORT_MIN_LINES_PER_S:,}/s, <= {IMPORT_MAX_RATIO:g}x",
            import_rate >= IMPORT_MIN_LINES_PER_S and ratio <= IMPORT_MAX_RATIO)
    )  # fmt: skip
    rows.append(
        Row(name, f"(a) same, {cpu_label} seconds", f"{full['cpu']:.1f} s {cpu_label}",
            f"{raw_cpu:.1f} s {cpu_label}", f"{full['cpu'] / raw_cpu:.2f}x", "(information)", None)
    )  # fmt: skip

    with Company.open(import_url) as company:
        ctx = company.login("admin", PASSWORD)
        queries = company.ledger_queries(ctx)
        engine = company.engine
        counts = line_counts(engine)
        if sum(counts.values()) != n:
            raise SystemExit(f"{name}: journal_lines holds {sum(counts.values())} lines, expected {n}")
        bare_sql = text("SELECT account_id, SUM(amount) FROM journal_lines GROUP BY account_id")

        def bare() -> object:
            with engine.connect() as conn:
                return conn.execute(bare_sql).all()

        if not sqlite:
            cold_app, cold_bare = paired_medians(queries.trial_balance, bare, runs=3)
            say(f"{name}: (b) before VACUUM ANALYZE: trial_balance {cold_app:.0f} ms, bare {cold_bare:.0f} ms")
            rows.append(
                Row(name, "(b) trial balance, before VACUUM ANALYZE", f"{cold_app:.0f} ms",
                    f"{cold_bare:.0f} ms (bare SUM GROUP BY)", f"{cold_app / cold_bare:.2f}x", "(information)", None)
            )  # fmt: skip
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # what autovacuum does shortly after a bulk load: statistics and the visibility map
                conn.exec_driver_sql("VACUUM ANALYZE journal_lines, journal_entries")
        say(f"{name}: (b) trial balance, median of {RUNS} runs each")
        tb = queries.trial_balance()
        if not tb.is_balanced:
            raise SystemExit(f"{name}: the imported trial balance does not balance")
        app_ms, bare_ms = paired_medians(queries.trial_balance, bare)
        say(f"{name}:     trial_balance {app_ms:.0f} ms, bare GROUP BY {bare_ms:.0f} ms")
        rows.append(
            Row(name, "(b) trial balance (all dates)", f"{app_ms:.0f} ms", f"{bare_ms:.0f} ms (bare SUM GROUP BY)",
                f"{app_ms / bare_ms:.2f}x", f"<= {TB_MAX_RATIO:g}x", app_ms / bare_ms <= TB_MAX_RATIO)
        )  # fmt: skip

        ids = {a.code: a.id for a in queries.accounts()}
        say(f"{name}: (c) first ledger page (500 lines), median of {RUNS} runs")
        for code in (HOT, RARE):
            page = queries.account_ledger(ids[code], limit=500)
            if len(page.lines) != min(500, counts.get(code, 0)):
                raise SystemExit(f"{name}: account {code} page has {len(page.lines)} lines")
        hot_ms, rare_ms = paired_medians(
            lambda: queries.account_ledger(ids[HOT], limit=500), lambda: queries.account_ledger(ids[RARE], limit=500)
        )
        page_ms = {HOT: hot_ms, RARE: rare_ms}
        for code in (HOT, RARE):
            say(f"{name}:     account {code} ({counts.get(code, 0):,} lines): {page_ms[code]:.1f} ms")
        for code, label in ((HOT, "busy"), (RARE, "rare")):
            other = RARE if code == HOT else HOT
            rows.append(
                Row(name, f"(c) ledger page 1, {label} {code} ({counts.get(code, 0):,} lines)",
                    f"{page_ms[code]:.1f} ms", f"{page_ms[other]:.1f} ms ({other}, {counts.get(other, 0):,} lines)",
                    f"{page_ms[code] / page_ms[other]:.2f}x", f"< {PAGE_MAX_MS:g} ms", page_ms[code] < PAGE_MAX_MS)
            )  # fmt: skip

    quarter_n = n // 4
    say(f"{name}: (d) importing {quarter_n:,} lines (child process) to compare peak memory")
    quarter = import_in_child(quarter_url, quarter_csv)
    peak_full, peak_quarter = full["peak_kb"] / 1024, quarter["peak_kb"] / 1024
    say(f"{name}:     peak {peak_quarter:.0f} MB for N/4, {peak_full:.0f} MB for N")
    how = "VmHWM from login on" if full["peak_reset"] else "ru_maxrss, whole process"
    for label, figures, lines_n in (("N", full, n), ("N/4", quarter, quarter_n)):
        peak = figures["peak_kb"] / 1024
        rows.append(
            Row(name, f"(d) import peak memory, {label} = {lines_n:,} lines",
                f"{peak:.0f} MB ({how}; {figures['rss_before_kb'] / 1024:.0f} MB before import)",
                f"{peak_quarter:.0f} MB (N/4)" if label == "N" else "-",
                f"{peak / peak_quarter:.2f}x" if label == "N" else "-", f"< {PEAK_MAX_MB:g} MB, flat",
                peak < PEAK_MAX_MB and (label != "N" or peak / peak_quarter < 1.25))
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
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="journal lines (default 1,000,000)")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--child-import", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(*args.child_import)
        return 0
    n: int = args.n
    if n < 8:
        parser.error("N must be at least 8")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="paksa-bench-"))
    server: TempPostgres | None = None
    rows: list[Row] = []
    try:
        say(f"writing {n:,}-line and {n // 4:,}-line journals to {tmp}")
        full_csv, quarter_csv = tmp / "journal.csv", tmp / "journal-quarter.csv"
        write_journal_csv(full_csv, n)
        write_journal_csv(quarter_csv, n // 4)
        say(f"journal.csv: {full_csv.stat().st_size / 1e6:.0f} MB")
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
                bench_engine(target, n, full_csv, quarter_csv, rows)
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
