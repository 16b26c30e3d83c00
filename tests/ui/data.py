"""Books for GUI tests, written through the real services (and the import fast path for volume)."""

from __future__ import annotations

from pathlib import Path

from paksa_desktop.ledger.import_journal import import_journal_file
from tests.conftest import Books
from tests.ledger.helpers import entry


def post_sample(books: Books) -> None:
    """A handful of entries in 2024: capital, a sale, rent, and a draft."""
    ledger = books.ledger
    ledger.post(entry("2024-01-02", ("1100", "10000.00"), ("3100", "-10000.00"), memo="Owner's capital"))
    ledger.post(entry("2024-02-10", ("1200", "1250.00"), ("4010", "-1250.00"), memo="Invoice 1001 Alfreds"))
    ledger.post(entry("2024-03-01", ("6100", "800.00"), ("1100", "-800.00"), memo="March rent"))
    ledger.save_draft(entry("2024-06-28", ("6130", "45.50"), ("1100", "-45.50"), memo="Stationery (to check)"))


def bank_lines_csv(path: Path, entries: int, *, day: str = "2024-03-15") -> Path:
    """`entries` two-line entries on 1100/4010 (amounts 1.00, 2.00, …) as a journal import file."""
    rows = ["entry,date,account,debit,credit,memo"]
    for n in range(1, entries + 1):
        amount = f"{n}.00"
        rows.append(f"B{n},{day},1100,{amount},,Bank line {n}")
        rows.append(f"B{n},{day},4010,,{amount},Bank line {n}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def post_bank_lines(books: Books, tmp_path: Path, entries: int) -> None:
    import_journal_file(books.ledger, bank_lines_csv(tmp_path / "bank.csv", entries))


def refresh_all(window) -> None:  # type: ignore[no-untyped-def]
    """What F5 does after data arrived behind the window's back (another client, a test fixture)."""
    from paksa_desktop.core.changes import Changes, Kind

    window.hub.forget()
    window.hub.broadcast(Changes(frozenset(Kind)))
