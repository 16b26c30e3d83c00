"""Many users posting at once: numbers stay unique and gap-free, the ledger stays balanced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from paksa_desktop.ledger.models import EntryState
from paksa_desktop.ledger.queries import EntryFilter
from tests.ledger.helpers import entry

CLIENTS = 4
PER_CLIENT = 15


def test_concurrent_posting_numbers_gap_free(books):
    def client(n: int) -> list[str]:
        numbers = []
        for i in range(PER_CLIENT):
            # all clients start in a fiscal year nobody has created yet
            ref, _ = books.ledger.post(
                entry(f"2026-0{1 + i % 3}-1{n}", ("1100", f"{n + 1}.{i:02d}"), ("4010", f"-{n + 1}.{i:02d}"))
            )
            numbers.append(ref.number)
        return numbers

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [n for numbers in pool.map(client, range(CLIENTS)) for n in numbers]
    expected = [f"GEN-2026-{k:06d}" for k in range(1, CLIENTS * PER_CLIENT + 1)]
    assert sorted(results) == expected
    posted = books.queries.entries(EntryFilter(state=EntryState.POSTED), limit=1000)
    assert sorted(e.number for e in posted) == expected
    assert len([p for p in books.queries.periods() if p.fiscal_year == "2026"]) == 12
    tb = books.queries.trial_balance()
    assert tb.is_balanced and tb.total_debit > Decimal(0)
