"""Financial statements at scale, each figure against a baseline measured alternately in the same run.

    python tests/benchmarks/statements.py [N] [--engines sqlite,postgres] [--demo-only]
                                                       # N journal lines, default 1,000,000

(a) On the demo company and on an N-line ledger (the ledger benchmark's generated journal, loaded with
    the driver alone), each on every engine asked for, each statement against the plain SQL aggregation
    it needs on the same database: balance sheet and trial balance as of a date (SUM up to the date by
    account), income statement for a year and cash flow for a year (SUM within the year by account),
    income statement by month (SUM by account and month), changes in equity (SUM up to the year's end
    and the part of it before the year, by account, in one pass), budget versus actual (SUM within the
    year by account, and the budget's SUM by account over the same months; the demo only: the generated
    ledger has no budget). Target: under 1.5x.
(b) A 20-page PDF (general ledger detail) rendered by `to_pdf`, against a bare reportlab table of the
    same cells with no styling (the floor for any reportlab table). Target: under 2 s.

Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from paksa_desktop.company import Company  # noqa: E402
from paksa_desktop.demo import DEMO_PASSWORD, DEMO_USER, build_demo  # noqa: E402
from paksa_desktop.ledger.statements import By, StatementOptions  # noqa: E402
from paksa_desktop.reporting.formatting import cell_text  # noqa: E402
from paksa_desktop.reporting.pdf import to_pdf  # noqa: E402
from tests.benchmarks.ledger_scale import (  # noqa: E402
    PASSWORD,
    Target,
    create_company,
    paired_medians,
    raw_insert,
    raw_rows,
    say,
)
from tests.pg_server import TempPostgres  # noqa: E402

STATEMENT_MAX_RATIO = 1.5
PDF_MAX_SECONDS = 2.0
PDF_PAGES = 20


def baselines(engine: Engine, year_start: date, year_end: date) -> dict[str, Callable[[], object]]:
    """The plain aggregations, run through the driver with no ORM, model or arithmetic after them."""
    month = "substr(date, 1, 7)" if engine.dialect.name == "sqlite" else "date_trunc('month', date)"
    sql = {
        "balance": "SELECT account_id, SUM(amount) FROM journal_lines WHERE date <= :e GROUP BY account_id",
        "range": "SELECT account_id, SUM(amount) FROM journal_lines WHERE date BETWEEN :s AND :e GROUP BY account_id",
        "months": f"SELECT account_id, {month}, SUM(amount) FROM journal_lines WHERE date BETWEEN :s AND :e "
        f"GROUP BY account_id, {month}",
    }
    sql["opening_closing"] = (
        "SELECT account_id, SUM(CASE WHEN date < :s THEN amount ELSE 0 END), SUM(amount) FROM journal_lines "
        "WHERE date <= :e GROUP BY account_id"
    )
    params = {"s": year_start, "e": year_end, "ms": year_start.replace(day=1)}
    budget = "SELECT account_id, SUM(amount) FROM budget_amounts WHERE month BETWEEN :ms AND :e GROUP BY account_id"

    def run(statement: str) -> Callable[[], object]:
        def go() -> object:
            with engine.connect() as conn:
                return conn.execute(text(statement), params).all()

        return go

    def budget_and_range() -> object:
        with engine.connect() as conn:
            return conn.execute(text(sql["range"]), params).all(), conn.execute(text(budget), params).all()

    found = {name: run(statement) for name, statement in sql.items()}
    found["budget"] = budget_and_range
    return found


def bench_statements(label: str, company: Company, password: str, year_start: date, year_end: date) -> list[str]:
    ctx = company.login("admin", password)
    statements = company.statements(ctx)
    ledger = company.ledger_queries(ctx)
    base = baselines(company.engine, year_start, year_end)
    year = StatementOptions(start=year_start, end=year_end)
    has_budget = bool(company.budget_queries(ctx).budgets())
    cases = [
        ("balance sheet", lambda: statements.balance_sheet(StatementOptions(as_of=year_end)), "balance"),
        ("income statement", lambda: statements.income_statement(year), "range"),
        (
            "income statement by month",
            lambda: statements.income_statement(StatementOptions(start=year_start, end=year_end, by=By.MONTH)),
            "months",
        ),
        ("cash flow", lambda: statements.cash_flow(year), "range"),
        ("changes in equity", lambda: statements.changes_in_equity(year), "opening_closing"),
        ("trial balance", lambda: ledger.trial_balance(as_of=year_end), "balance"),
    ]
    if has_budget:
        cases.append(("budget versus actual", lambda: statements.budget_vs_actual(year), "budget"))
    lines = []
    for name, action, baseline in cases:
        ours, floor = paired_medians(action, base[baseline], runs=7)
        ratio = ours / floor
        ok = "ok" if ratio < STATEMENT_MAX_RATIO else "MISSED"
        lines.append(
            f"{label:<28} {name:<27} {ours:8.1f} ms  vs SQL {floor:8.1f} ms  ratio {ratio:4.2f}x  "
            f"(target < {STATEMENT_MAX_RATIO}x) {ok}"
        )
        say(lines[-1])
    return lines


def bench_pdf(company: Company, password: str, tmp: Path) -> list[str]:
    """General ledger detail cut to about 20 pages, rendered by to_pdf and by a bare reportlab table."""
    ctx = company.login("admin", password)
    detail = company.detail_reports(ctx)
    with company.engine.connect() as conn:
        first = conn.execute(text("SELECT MIN(date) FROM journal_lines")).scalar_one()
    first = first if isinstance(first, date) else date.fromisoformat(str(first))
    report = detail.general_ledger(StatementOptions(start=first, end=first.replace(year=first.year + 1)))
    report = replace(report, rows=report.rows[: PDF_PAGES * 36])  # about 36 rows fit a landscape page
    ours_path, bare_path = tmp / "ours.pdf", tmp / "bare.pdf"
    cells = [[c.title for c in report.columns]] + [
        [cell_text(v, report.exponent, kind=c.kind) for v, c in zip(r.cells, report.columns, strict=True)]
        for r in report.rows
    ]

    def ours() -> object:
        return to_pdf(report, ours_path)

    def bare() -> object:
        SimpleDocTemplate(str(bare_path), pagesize=landscape(A4)).build([Table(cells, repeatRows=1)])
        return None

    mine, floor = paired_medians(ours, bare, runs=5)
    pages = to_pdf(report, ours_path)
    ok = "ok" if mine / 1000 < PDF_MAX_SECONDS and pages >= PDF_PAGES else "MISSED"
    line = (
        f"{'PDF, general ledger':<28} {pages} pages, {len(report.rows)} rows  {mine:8.1f} ms  vs bare reportlab "
        f"{floor:8.1f} ms  ratio {mine / floor:4.2f}x  (target < {PDF_MAX_SECONDS:.0f} s) {ok}"
    )
    say(line)
    return [line]


def load_ledger(target: Target, n: int) -> str:
    url = target.new("statements")
    create_company(url)
    sqlite = target.engine == "sqlite"
    with Company.open(url) as company:
        ctx = company.login("admin", PASSWORD)
        for year in (2023, 2024):
            company.ledger(ctx).ensure_fiscal_year(date(year, 1, 1))
        entries, lines = raw_rows(company.engine, n, sqlite)
        seconds, _cpu = raw_insert(company.engine, entries, lines)
        if not sqlite:  # the state autovacuum keeps a live database in: statistics and the visibility map
            with company.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    say(f"{target.engine}: loaded {n:,} lines in {seconds:.1f} s")
    return url


def bench_demo(target: Target, tmp: Path) -> list[str]:
    """The demo company on one engine: its current fiscal year to the last day posted (and, on SQLite, the
    PDF)."""
    url = target.new("demo")
    say(f"{target.engine}: building the demo company")
    with build_demo(url) as demo:
        with demo.engine.connect() as conn:
            last = conn.execute(text("SELECT MAX(date) FROM journal_lines")).scalar_one()
        last = last if isinstance(last, date) else date.fromisoformat(str(last))
        fy_start = demo.ledger_queries(demo.login(DEMO_USER, DEMO_PASSWORD)).company().fiscal_year_start_month
        start = date(last.year if last.month >= fy_start else last.year - 1, fy_start, 1)
        lines = bench_statements(f"demo company ({target.engine})", demo, DEMO_PASSWORD, start, last)
        if target.engine == "sqlite":
            lines += bench_pdf(demo, DEMO_PASSWORD, tmp)
        return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="journal lines (default 1,000,000)")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--demo-only", action="store_true", help="the demo company only, no N-line ledger")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="paksa-bench-statements-"))
    server: TempPostgres | None = None
    results: list[str] = []
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
                results += bench_demo(target, tmp)
                if args.demo_only:
                    continue
                url = load_ledger(target, args.n)
                with Company.open(url) as company:
                    label = f"{args.n:,} lines ({engine})"
                    results += bench_statements(label, company, PASSWORD, date(2024, 1, 1), date(2024, 12, 31))
            finally:
                target.drop_all()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(["", "Results:", *results]), flush=True)
    missed = [r for r in results if r.endswith("MISSED")]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
