"""PostgreSQL's own checks on posted entries (migrations 0007 and 0013), met by plain SQL with no Paksa code
in between: each rule refuses what breaks it, with its own message, and a proper posting passes.

The connection is the test server's superuser, which the triggers hold too (only a user's own login adds
the permission and authorship checks: tests/security/test_database_roles.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import Books
from tests.ledger.helpers import entry

ENTRIES = (
    "INSERT INTO journal_entries (journal_id, state, date, memo, reference, fiscal_year_id, sequence, number, total, "
    "source, auto_reverse, created_by, created_at, posted_by, posted_at, version) VALUES "
)
ROW = "(%s, 'posted', %s, '', '', %s, %s, %s, %s, 'manual', false, %s, now(), %s, now(), 1)"


class Raw:
    """Plain SQL on the company database, as a server administrator at psql would write it."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.journal, self.user = conn.execute(
            "SELECT (SELECT id FROM journals WHERE code = 'GEN'), (SELECT id FROM users WHERE username = 'admin')"
        ).fetchone()  # type: ignore[misc]

    def year(self, day: date) -> int:
        found = self.conn.execute(
            "SELECT fiscal_year_id FROM periods WHERE start_date <= %s AND end_date >= %s", (day, day)
        )
        return int(found.fetchone()[0])  # type: ignore[index]

    def take(self, day: date, count: int = 1) -> int:
        """Advance the date's GEN series by `count`, as posting does; the first number taken."""
        (after,) = self.conn.execute(
            "UPDATE number_sequences SET next_number = next_number + %s WHERE journal_id = %s AND fiscal_year_id = %s "
            "RETURNING next_number",
            (count, self.journal, self.year(day)),
        ).fetchone()  # type: ignore[misc]
        return int(after) - count

    def row(self, day: date, seq: int | None, total: int = 500, number: str = "") -> tuple[object, ...]:
        return (self.journal, day, self.year(day), seq, number or f"T-{seq}", total, self.user, self.user)

    def entry(self, day: date, seq: int, total: int = 500, lines: tuple[tuple[int, date | None], ...] = ()) -> int:
        """A posted entry (amounts in cents) with `lines` of (amount, date or the entry's)."""
        (entry_id,) = self.conn.execute(ENTRIES + ROW + " RETURNING id", self.row(day, seq, total)).fetchone()  # type: ignore[misc]
        account = self.conn.execute("SELECT id FROM accounts WHERE code = '1100'").fetchone()[0]  # type: ignore[index]
        for n, (amount, line_day) in enumerate(lines, start=1):
            self.conn.execute(
                "INSERT INTO journal_lines (entry_id, line_no, account_id, date, amount, memo) "
                "VALUES (%s, %s, %s, %s, %s, '')",
                (entry_id, n, account, line_day or day, amount),
            )
        return int(entry_id)


BALANCED = ((500, None), (-500, None))
DAY = date(2024, 3, 5)


@pytest.fixture
def raw(pg_books: Books) -> Iterator[Raw]:
    # the year's periods and the GEN series of 2024 exist once something was posted through the services
    pg_books.ledger.post(entry("2024-03-01", ("1100", "1.00"), ("4010", "-1.00")))
    url = make_url(pg_books.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        yield Raw(conn)


def refused(raw: Raw, action: Any) -> str:
    """The error of `action` or of the COMMIT after it (the series checks wait for the commit)."""
    with pytest.raises(psycopg.Error) as caught:
        action()
        raw.conn.commit()
    raw.conn.rollback()
    return str(caught.value)


def test_a_proper_posting_passes(raw: Raw) -> None:
    raw.entry(DAY, raw.take(DAY), lines=BALANCED)
    raw.conn.commit()


def test_a_posting_on_or_before_the_lock_date_is_refused(raw: Raw) -> None:
    raw.conn.execute("UPDATE company SET lock_date = '2024-03-31'")
    raw.conn.commit()
    assert "on or before the lock date 2024-03-31" in refused(
        raw, lambda: raw.entry(DAY, raw.take(DAY), lines=BALANCED)
    )


def test_a_posting_into_a_closed_period_is_refused(raw: Raw) -> None:
    raw.conn.execute("UPDATE periods SET state = 'closed' WHERE start_date = '2024-03-01'")
    raw.conn.commit()
    message = refused(raw, lambda: raw.entry(DAY, raw.take(DAY), lines=BALANCED))
    assert "dated 2024-03-05 in a closed or missing period" in message


@pytest.mark.parametrize("seq", [None, 0, "next"], ids=["no number", "zero", "not yet taken"])
def test_an_entry_not_numbered_from_its_series_is_refused(raw: Raw, seq: object) -> None:
    def post() -> None:
        raw.entry(DAY, raw.take(DAY) + 1 if seq == "next" else seq, lines=BALANCED)  # type: ignore[arg-type]

    assert "was not numbered from its series" in refused(raw, post)


def test_of_several_problems_in_one_statement_the_lock_date_is_named_first(raw: Raw) -> None:
    raw.conn.execute("UPDATE company SET lock_date = '2024-03-02'")
    raw.conn.commit()
    first = raw.take(DAY, 2)
    unnumbered = raw.row(DAY, first + 5, number="T-unnumbered")
    locked = raw.row(date(2024, 3, 1), first, number="T-locked")
    message = refused(raw, lambda: raw.conn.execute(ENTRIES + ROW + ", " + ROW, unnumbered + locked))
    assert "entry T-locked is dated 2024-03-01 on or before the lock date" in message


def test_a_series_never_moves_back(raw: Raw) -> None:
    def back() -> None:
        raw.conn.execute("UPDATE number_sequences SET next_number = next_number - 1")

    assert "a numbering series only moves forward" in refused(raw, back)


def test_numbers_taken_but_not_used_are_refused_at_commit(raw: Raw) -> None:
    assert "were reserved but not all used" in refused(raw, lambda: raw.entry(DAY, raw.take(DAY, 2), lines=BALANCED))


def test_an_entry_without_lines_is_refused_at_commit(raw: Raw) -> None:
    assert "has no lines" in refused(raw, lambda: raw.entry(DAY, raw.take(DAY)))


def test_an_unbalanced_entry_is_refused_at_commit(raw: Raw) -> None:
    message = refused(raw, lambda: raw.entry(DAY, raw.take(DAY), lines=((500, None), (-400, None))))
    assert "is out of balance by 100 minor units" in message


def test_lines_that_do_not_add_up_to_the_total_are_refused_at_commit(raw: Raw) -> None:
    message = refused(raw, lambda: raw.entry(DAY, raw.take(DAY), total=700, lines=BALANCED))
    assert "its lines' debits (500) differ from its total (700)" in message


@pytest.mark.parametrize(
    "lines", [((500, None), (0, None), (-500, None)), ((500, None), (-500, date(2024, 3, 6)))], ids=["zero", "date"]
)
def test_a_line_without_an_amount_or_with_another_date_is_refused_at_commit(
    raw: Raw, lines: tuple[tuple[int, date | None], ...]
) -> None:
    message = refused(raw, lambda: raw.entry(DAY, raw.take(DAY), lines=lines))
    assert "every line needs an amount and the entry's date" in message
