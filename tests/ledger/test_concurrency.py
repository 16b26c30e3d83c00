"""Many users posting at once: numbers stay unique and gap-free, the ledger stays balanced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

from paksa_desktop.core.errors import ConflictError, ValidationError
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


def _race(*actions):  # type: ignore[no-untyped-def]
    """Run the actions at once (released together); each result is a value or the exception raised."""
    gate = Barrier(len(actions), timeout=10)

    def run(action):  # type: ignore[no-untyped-def]
        gate.wait()
        try:
            return action()
        except Exception as exc:  # the loser's error is part of the result
            return exc

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_two_clients_approving_one_draft_make_one_posting_and_one_clear_error(books):
    draft, _ = books.ledger.save_draft(entry("2024-02-10", ("6100", "30.00"), ("1100", "-30.00")))
    results = _race(*[lambda: books.ledger.post_draft(draft.id, draft.version)] * 2)
    posted = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(posted) == 1 and len(errors) == 1
    assert posted[0][0].number == "GEN-2024-000001"
    assert isinstance(errors[0], ConflictError)
    assert str(errors[0]).startswith(
        "draft entry of 2024-02-10 (now GEN-2024-000001) was posted by Administrator (admin) at 2024-06-30 12:00 UTC"
    )
    assert errors[0].who == "Administrator (admin)"
    # the loser took no number: the next posting continues the series without a gap
    ref, _ = books.ledger.post(entry("2024-02-11", ("6100", "1.00"), ("1100", "-1.00")))
    assert ref.number == "GEN-2024-000002"
    assert books.queries.trial_balance().total_debit == Decimal("31.00")


def test_two_clients_reversing_one_entry_make_one_reversal(books):
    original, _ = books.ledger.post(entry("2024-02-10", ("6100", "30.00"), ("1100", "-30.00")))
    results = _race(*[lambda: books.ledger.reverse(original.id)] * 2)
    reversals = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(reversals) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and "is already reversed" in str(errors[0])
    numbers = sorted(e.number for e in books.queries.entries(EntryFilter(), limit=10))
    assert numbers == ["GEN-2024-000001", "GEN-2024-000002"]
    assert books.queries.trial_balance().rows == ()


def test_two_users_saving_one_draft_one_wins_the_other_is_told_who(books):
    draft, _ = books.ledger.save_draft(entry("2024-02-10", ("6100", "30.00"), ("1100", "-30.00"), memo="v1"))
    results = _race(
        lambda: books.ledger.save_draft(
            entry("2024-02-10", ("6100", "31.00"), ("1100", "-31.00"), memo="a"), draft.id, draft.version
        ),
        lambda: books.ledger.save_draft(
            entry("2024-02-10", ("6100", "32.00"), ("1100", "-32.00"), memo="b"), draft.id, draft.version
        ),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert errors[0].what == "draft entry of 2024-02-10" and errors[0].who == "Administrator (admin)"
    winner = next(r for r in results if not isinstance(r, Exception))[0]
    assert books.queries.entry(draft.id).version == winner.version == draft.version + 1
