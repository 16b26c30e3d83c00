"""Bank matching at scale: 10,000 statement lines against 20,000 open items, in under 10 s.

    python tests/benchmarks/bank_matching.py [--lines N] [--items M] [--seed S] [--profile]

A realistic mix, generated from a seed: 20,000 open items (receivable invoices of 2,000 customers,
payable bills of 400 suppliers, unreconciled GL lines), 10,000 statement lines of which about 70% quote
the document number somewhere in their text (in the reference field or in the description, spelled
"INV-2024-00113", "INV 2024 00113", "inv202400113" or "... INV/2024/00113 ..."), 5% are batch payments
of 2-4 invoices, 3% are one of two instalments, about 20% carry no reference (amount and payer only),
and the rest are noise (fees, interest, transfers) that should stay unmatched.

Baseline, measured in the same run: the plain dict join of lines to items on the exact reference
(`{item.number: item}` looked up with `line.reference`), the floor any matcher pays for reading the
lines. Printed: both times (best of 3), their ratio, and how many lines the engine matched, how many of
those to exactly the items the generator paid (precision) and how many of the generated payments it
found (recall). Not part of the test run (pyproject ignores tests/benchmarks).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from paksa_desktop.banking.matching import ItemSource, OpenItem, Proposal, match  # noqa: E402
from paksa_desktop.banking.statement_data import StatementLine  # noqa: E402

TARGET_SECONDS = 10.0
RUNS = 3
START = date(2024, 1, 1)
CUSTOMERS, SUPPLIERS = 2_000, 400
WORDS = ["Acme", "Nordic", "Blue", "River", "Alpine", "Delta", "Summit", "Harbor", "Lumen", "Orbit"]
FORMS = ["Ltd", "GmbH", "S.A.", "Inc.", "B.V.", "", "AB", "plc"]


def _party(rng: random.Random, n: int, kind: str) -> tuple[str, str]:
    name = f"{rng.choice(WORDS)} {kind} {n:04d} {rng.choice(FORMS)}".strip()
    iban = f"DE{rng.randrange(10, 99)} {rng.randrange(10**7, 10**8)} {n:010d}"
    return name, iban


def _spell(rng: random.Random, number: str) -> str:
    head, year, seq = number.split("-")
    style = rng.randrange(4)
    if style == 0:
        return number
    if style == 1:
        return f"{head} {year} {seq}"
    if style == 2:
        return f"{head.lower()}{year}{seq}"
    return f"PAYMENT {head}/{year}/{seq} THANK YOU"


def generate(
    n_lines: int, n_items: int, seed: int, n_customers: int = CUSTOMERS
) -> tuple[list[StatementLine], list[OpenItem], dict[int, frozenset[tuple[str, str]]]]:
    """Lines, items and the truth: line position -> the (source, id) keys it pays."""
    rng = random.Random(seed)
    customers = [_party(rng, n, "Customer") for n in range(n_customers)]
    suppliers = [_party(rng, n, "Supplier") for n in range(SUPPLIERS)]
    items: list[OpenItem] = []
    n_gl = n_items // 20
    n_bills = n_items // 5
    for n in range(n_items):
        issued = START + timedelta(days=rng.randrange(300))
        cents = Decimal(rng.randrange(1_000, 500_000)) / 100
        if n < n_gl:
            amount = cents if rng.random() < 0.5 else -cents
            items.append(OpenItem(ItemSource.GL, n, f"JE-2024-{n:05d}", amount, "EUR", issued, None, "", ""))
        elif n < n_gl + n_bills:
            name, iban = suppliers[rng.randrange(SUPPLIERS)]
            due = issued + timedelta(days=30)
            items.append(OpenItem(ItemSource.PAYABLE, n, f"BILL-2024-{n:05d}", -cents, "EUR", issued, due, name, iban))
        else:
            name, iban = customers[rng.randrange(n_customers)]
            due = issued + timedelta(days=30)
            items.append(OpenItem(ItemSource.RECEIVABLE, n, f"INV-2024-{n:05d}", cents, "EUR", issued, due, name, iban))

    unpaid = [i for i in items if i.source is not ItemSource.GL]
    rng.shuffle(unpaid)
    lines: list[StatementLine] = []
    truth: dict[int, frozenset[tuple[str, str]]] = {}

    def key(item: OpenItem) -> tuple[str, str]:
        return (str(item.source), str(item.id))

    def booked(item: OpenItem) -> date:
        return (item.due or item.date) + timedelta(days=rng.randrange(-5, 6))

    def line_for(item: OpenItem, amount: Decimal, text: str) -> StatementLine:
        where = rng.random() < 0.5
        return StatementLine(
            booked=booked(item),
            amount=amount,
            reference=text if where else "",
            description="" if where else text,
            counterparty=item.counterparty.upper() if rng.random() < 0.5 else item.counterparty,
            counterparty_account=item.counterparty_account if rng.random() < 0.7 else "",
        )

    while len(lines) < n_lines and unpaid:
        roll = rng.random()
        if roll < 0.05:  # a batch: one customer's 2-4 invoices in one payment, all named
            first = unpaid.pop()
            mates = [i for i in unpaid if i.counterparty == first.counterparty and i.source == first.source]
            group = [first, *mates[: rng.randrange(1, 4)]]
            for i in group[1:]:
                unpaid.remove(i)
            text = " ".join(_spell(rng, i.number) for i in group)
            truth[len(lines)] = frozenset(key(i) for i in group)
            lines.append(line_for(first, sum((i.amount for i in group), Decimal(0)), text))
        elif roll < 0.08:  # instalments: two halves, each naming the item
            item = unpaid.pop()
            half = (item.amount / 2).quantize(Decimal("0.01"))
            for part in (half, item.amount - half):
                truth[len(lines)] = frozenset({key(item)})
                lines.append(line_for(item, part, _spell(rng, item.number)))
        elif roll < 0.70:  # named payment
            item = unpaid.pop()
            truth[len(lines)] = frozenset({key(item)})
            lines.append(line_for(item, item.amount, _spell(rng, item.number)))
        elif roll < 0.90:  # no reference: amount and payer only
            item = unpaid.pop()
            truth[len(lines)] = frozenset({key(item)})
            lines.append(line_for(item, item.amount, rng.choice(["", "SEPA CREDIT", "TRANSFER", "INVOICE"])))
        else:  # noise
            amount = -Decimal(rng.randrange(100, 5_000)) / 100
            lines.append(
                StatementLine(
                    booked=START + timedelta(days=rng.randrange(330)),
                    amount=amount if rng.random() < 0.7 else -amount,
                    description=rng.choice(["BANK FEE", "INTEREST", "CARD 4471 FUEL", "OWN TRANSFER"]),
                    counterparty="" if rng.random() < 0.6 else "Paksa Bank",
                )
            )
    return lines[:n_lines], items, truth


def baseline(lines: list[StatementLine], items: list[OpenItem]) -> int:
    """The floor: an exact dict join of line reference to item number."""
    by_number = {item.number: item for item in items}
    return sum(1 for line in lines if line.reference in by_number)


def best_of(runs: int, fn):  # type: ignore[no-untyped-def]
    """(best wall seconds, best CPU seconds of this process, result): on a shared machine the wall time
    includes waiting for a core, the CPU time is the work itself."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, result


def quality(proposals: list[Proposal], truth: dict[int, frozenset[tuple[str, str]]]) -> tuple[int, int, int]:
    """(lines matched, of which correct, payments the generator made)."""
    matched = correct = 0
    for p in proposals:
        keys = frozenset((str(i.source), str(i.id)) for i in p.items)
        for n in p.line_indices:
            matched += 1
            correct += truth.get(n) == keys
    return matched, correct, len(truth)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--customers", type=int, default=CUSTOMERS, help="fewer: more items per payer")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    lines, items, truth = generate(args.lines, args.items, args.seed, args.customers)
    print(f"{len(lines):,} lines against {len(items):,} open items, {args.customers:,} customers (seed {args.seed})")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(match, lines, items, currency="EUR")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    base_s, base_cpu, base_hits = best_of(RUNS, lambda: baseline(lines, items))
    engine_s, engine_cpu, proposals = best_of(RUNS, lambda: match(lines, items, currency="EUR"))
    matched, correct, payments = quality(proposals, truth)
    auto = [p for p in proposals if p.score >= 80]
    auto_correct = sum(
        truth.get(n) == frozenset((str(i.source), str(i.id)) for i in p.items) for p in auto for n in p.line_indices
    )
    auto_lines = sum(len(p.line_indices) for p in auto)
    print(f"baseline (dict join on exact reference): {base_s:7.3f} s wall {base_cpu:7.3f} s CPU, {base_hits:,} joined")
    print(f"match():{'':33} {engine_s:7.3f} s wall {engine_cpu:7.3f} s CPU, {len(proposals):,} proposals")
    print(f"ratio: {engine_s / base_s:,.0f}x the baseline; target under {TARGET_SECONDS:.0f} s")
    print(
        f"lines matched {matched:,} of {len(lines):,}; correct {correct:,} "
        f"(precision {correct / max(matched, 1):.1%}, recall {correct / max(payments, 1):.1%} "
        f"of {payments:,} paying lines)"
    )
    print(f"score >= 80 (one-key accept): {auto_lines:,} lines, {auto_correct / max(auto_lines, 1):.2%} correct")
    ok = engine_s < TARGET_SECONDS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
