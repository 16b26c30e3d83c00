"""The many-clients workload shared by the stress test and the concurrency benchmark.

Each client is its own process (spawned, as separate desktop clients would be): it opens the company,
logs in, waits for the others, then posts entries through `LedgerService.post` and, between postings,
reads the trial balance through `LedgerQueries.trial_balance`, noting whether debits equalled credits.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import configure_mappers

from paksa_desktop.audit.service import AuditService
from paksa_desktop.company import Company
from paksa_desktop.ledger.models import FiscalYear, Journal, JournalEntry
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security import passwords
from tests.cheap_hashing import TEST_HASHER, use_test_hasher
from tests.ledger.helpers import entry

JOURNALS = ("GEN", "SAL")  # two journals x two fiscal years: four numbering series at once

# Configured here, at import: in the forkserver that preloads this module (see run_clients), once for every
# client forked from it, instead of at each client's first query (about 0.1 s of CPU each).
configure_mappers()


@dataclass
class ClientResult:
    client: int
    numbers: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds per posting
    reads: int = 0
    unbalanced_reads: int = 0
    started: float = 0.0  # time.time() after the start barrier
    finished: float = 0.0
    error: str = ""


def planned_entry(client: int, k: int) -> Any:
    """Entry k of a client: dates over 2024 and 2025, both journals, 2 or 3 lines, exact cents."""
    year = 2025 if k % 4 >= 2 else 2024
    day = date(year, 1 + (k * 7 + client) % 12, 1 + k % 28)
    cents = (client * 1009 + k * 37) % 99_999 + 1
    amount = Decimal(cents) / 100
    journal = JOURNALS[k % 2]
    memo = f"stress {client}-{k}"
    if k % 3 == 0 and cents > 1:  # a sale split over two income accounts
        half = Decimal(cents // 2) / 100
        return entry(
            day.isoformat(),
            ("1100", f"{amount}"),
            ("4010", f"-{half}"),
            ("4020", f"-{amount - half}"),
            memo=memo,
            journal=journal,
        )
    return entry(day.isoformat(), ("6100", f"{amount}"), ("1100", f"-{amount}"), memo=memo, journal=journal)


def run_client(
    url: str,
    username: str,
    password: str,
    client: int,
    count: int,
    read_every: int,
    barrier: Barrier,
    out: Any,
    cheap_hashing: bool,
) -> None:
    """One client process: post `count` entries, read the trial balance after every `read_every`."""
    result = ClientResult(client)
    if cheap_hashing:  # as its parent, or every login would rehash the password (and all clients write one row)
        use_test_hasher()
    try:
        company = Company.open(url, migrate=False)
        ctx = company.login(username, password)
        ledger, queries = company.ledger(ctx), company.ledger_queries(ctx)
        barrier.wait(timeout=120)
        result.started = time.time()
        for k in range(count):
            data = planned_entry(client, k)
            begun = time.perf_counter()
            ref, _ = ledger.post(data)
            result.latencies.append(time.perf_counter() - begun)
            result.numbers.append(ref.number)
            if read_every and (k + 1) % read_every == 0:
                tb = queries.trial_balance()
                result.reads += 1
                if tb.total_debit != tb.total_credit:
                    result.unbalanced_reads += 1
        result.finished = time.time()
        company.close()
    except BaseException as exc:  # reported to the parent, which fails the test with it
        result.error = f"{type(exc).__name__}: {exc}"
    out.put(result)


def run_clients(
    url: str, username: str, password: str, clients: int, count: int, read_every: int = 1, timeout: float = 600
) -> list[ClientResult]:
    """Start `clients` fresh processes at once; wait for all; their results in client order.

    forkserver: each client is forked from a clean server process (nothing inherited from the test
    process: no engine, no connection) that has imported the application once, so sixteen clients
    start in a fraction of a second instead of importing everything sixteen times as spawn would.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["paksa_desktop.company", "tests.ledger.stress_client"])
    barrier = ctx.Barrier(clients)
    out = ctx.Queue()
    cheap = passwords._HASHER is TEST_HASHER
    processes = [
        ctx.Process(
            target=run_client, args=(url, username, password, n, count, read_every, barrier, out, cheap), daemon=True
        )
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(10)
    return sorted(results, key=lambda r: r.client)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class LedgerCheck:
    entries: int
    series: dict[tuple[str, str], list[int]]  # (journal, fiscal year) -> sequence numbers, sorted
    duplicate_numbers: list[str]
    duplicate_memos: list[str]
    balance: int  # sum of every posted line, minor units


def check_ledger(company: Company) -> LedgerCheck:
    """Read back what was posted: counts, numbering series, duplicates, the sum of all lines."""
    from paksa_desktop.ledger.models import JournalLine

    with UnitOfWork(company.engine, write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Journal.code, FiscalYear.name, JournalEntry.sequence, JournalEntry.number, JournalEntry.memo)
            .join(Journal, Journal.id == JournalEntry.journal_id)
            .join(FiscalYear, FiscalYear.id == JournalEntry.fiscal_year_id)
        ).all()
        balance = int(s.execute(select(func.coalesce(func.sum(JournalLine.amount), 0))).scalar_one())
    series: dict[tuple[str, str], list[int]] = {}
    for journal, year, sequence, _number, _memo in rows:
        series.setdefault((journal, year), []).append(sequence)
    numbers = Counter(r.number for r in rows)
    memos = Counter(r.memo for r in rows)
    return LedgerCheck(
        entries=len(rows),
        series={key: sorted(values) for key, values in sorted(series.items())},
        duplicate_numbers=sorted(n for n, c in numbers.items() if c > 1),
        duplicate_memos=sorted(m for m, c in memos.items() if c > 1),
        balance=balance,
    )


def audit_chain_ok(company: Company, ctx: Any) -> str:
    """'' when `paksa audit verify` would pass, else its problem."""
    result = AuditService(company.engine, ctx).verify()
    return "" if result.ok else str(result.problem)
