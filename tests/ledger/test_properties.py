"""Properties of the ledger that must hold for any input (hypothesis).

(a) Any sequence of postings and reversals keeps the books balanced: posted lines sum to zero, the trial
    balance's debits equal its credits, and every account holds what the entries put in it.
(b) A journal file imported and exported again comes back line by line exactly (CSV and xlsx).

Companies are copied from a template made once per module, inside each example: hypothesis runs many
examples per test, and a function-scoped fixture would be shared between them.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import make_url

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.integration.tabular import unescape_text, write_table
from paksa_desktop.ledger.commands import EntryInput, LineInput
from paksa_desktop.ledger.export_journal import export_journal_file
from paksa_desktop.ledger.import_journal import COLUMNS, import_journal_file
from paksa_desktop.ledger.queries import LedgerQueries
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.security.context import UserContext

PASSWORD = "property-based"
ACCOUNTS = ("1100", "1200", "1300", "2010", "2100", "3100", "4010", "4020", "5010", "6100", "6130", "7010")
DEPARTMENTS = ("", "D1", "D2")
PROJECTS = ("", "P1")
CLOCK = FixedClock(datetime(2024, 6, 30, 12, 0, tzinfo=UTC))
COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass
class Template:
    """A company to copy: SQLite file or PostgreSQL database, with its administrator's context."""

    target: str
    ctx: UserContext


def make_template(target: str) -> Template:
    company = Company.create(target, NewCompany("Property Ltd", "USD", admin_password=PASSWORD), clock=CLOCK)
    try:
        ctx = company.login("admin", PASSWORD)
        ledger = company.ledger(ctx)
        ledger.create_department("D1", "One")
        ledger.create_department("D2", "Two")
        ledger.create_project("P1", "Project")
    finally:
        company.close()
    return Template(target, ctx)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(str(tmp_path_factory.mktemp("property-template") / "template.paksa"))


class Copy:
    """A fresh company copied from the template for one example; closed and removed afterwards."""

    def __init__(self, template: Template, pg_admin: str | None = None) -> None:
        self.template = template
        self.pg_admin = pg_admin
        self.folder = tempfile.mkdtemp(prefix="paksa-prop-")
        if pg_admin is None:
            self.target = str(Path(self.folder) / "copy.paksa")
            shutil.copyfile(template.target, self.target)
        else:
            name = f"prop_{Path(self.folder).name.replace('-', '_').lower()}"
            source = make_url(template.target).database
            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            self.target = make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
        self.company = Company.open(self.target, clock=CLOCK)
        self.ledger = LedgerService(self.company.engine, template.ctx)
        self.queries = LedgerQueries(self.company.engine, template.ctx)
        self.folder_path = Path(self.folder)

    def close(self) -> None:
        self.company.close()
        if self.pg_admin is not None:
            with psycopg.connect(self.pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(self.target).database}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def copy_of(template: Template, pg_admin: str | None = None) -> Iterator[Copy]:
    books = Copy(template, pg_admin)
    try:
        yield books
    finally:
        books.close()


# ------------------------------------------------------------------------------------ (a) balance


@st.composite
def balanced_entries(draw: st.DrawFn) -> tuple[date, list[tuple[str, int]], bool]:
    """A date, lines of signed cents that sum to zero (1-3 debits, 1-3 credits), and auto-reverse."""
    day = draw(st.dates(date(2024, 1, 1), date(2024, 12, 31)))
    debits = draw(st.lists(st.integers(1, 10**11), min_size=1, max_size=3))
    total = sum(debits)
    parts = draw(st.integers(1, min(3, total)))
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1))) if parts > 1 else []
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    amounts = [*debits, *(-c for c in credits)]
    accounts = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=len(amounts), max_size=len(amounts)))
    lines = list(zip(accounts, amounts, strict=True))
    return day, draw(st.permutations(lines)), draw(st.integers(0, 3)) == 0  # a quarter auto-reverse


operations = st.lists(
    st.one_of(
        balanced_entries().map(lambda e: ("post", e)),
        st.integers(0, 1_000).map(lambda i: ("reverse", i)),
    ),
    min_size=1,
    max_size=10,
)


def as_input(day: date, lines: list[tuple[str, int]], auto_reverse: bool) -> EntryInput:
    return EntryInput(
        day,
        tuple(
            LineInput(account, debit=Decimal(max(c, 0)).scaleb(-2), credit=Decimal(max(-c, 0)).scaleb(-2))
            for account, c in lines
        ),
        auto_reverse=auto_reverse,
    )


def check_balanced(books: Copy, expected: dict[str, int]) -> None:
    with books.company.engine.connect() as conn:
        assert conn.execute(text("SELECT COALESCE(SUM(amount), 0) FROM journal_lines")).scalar_one() == 0
    tb = books.queries.trial_balance()
    assert tb.is_balanced
    assert tb.total_debit == tb.total_credit
    assert {r.code: int(r.closing.scaleb(2)) for r in tb.rows} == {k: v for k, v in expected.items() if v}


def run_operations(books: Copy, ops: list[tuple[str, Any]]) -> None:
    expected: dict[str, int] = {}
    posted: list[tuple[int, list[tuple[str, int]]]] = []  # entries that may still be reversed
    closed: set[int] = set()  # reversed entries and reversals: reversing them again is refused

    def apply(lines: list[tuple[str, int]], sign: int) -> None:
        for account, cents in lines:
            expected[account] = expected.get(account, 0) + sign * cents

    for kind, value in ops:
        if kind == "post":
            day, lines, auto_reverse = value
            ref, _ = books.ledger.post(as_input(day, lines, auto_reverse))
            apply(lines, +1)
            posted.append((ref.id, lines))
            if auto_reverse:
                assert ref.reversal_id is not None
                apply(lines, -1)
                closed |= {ref.id, ref.reversal_id}
        elif posted:
            entry_id, lines = posted[value % len(posted)]
            if entry_id in closed:
                with pytest.raises(ValidationError, match="already reversed"):
                    books.ledger.reverse(entry_id)
            else:
                rev, _ = books.ledger.reverse(entry_id)
                apply(lines, -1)
                closed |= {entry_id, rev.id}
        check_balanced(books, expected)
    ranged = books.queries.trial_balance(start=date(2024, 7, 1), end=date(2025, 1, 31))
    assert ranged.total_debit == ranged.total_credit
    assert sum(r.opening for r in ranged.rows) == 0 and sum(r.closing for r in ranged.rows) == 0


@settings(COMMON, max_examples=25)
@given(ops=operations)
def test_posts_and_reversals_keep_the_books_balanced_sqlite(sqlite_template: Template, ops: list) -> None:
    with copy_of(sqlite_template) as books:
        run_operations(books, ops)


@pytest.fixture(scope="module")
def pg_template(pg_admin_url: str) -> Iterator[tuple[Template, str]]:
    name = "paksa_property_template"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    target = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield make_template(target), pg_admin_url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@settings(COMMON, max_examples=6)
@given(ops=operations)
def test_posts_and_reversals_keep_the_books_balanced_postgres(pg_template: tuple[Template, str], ops: list) -> None:
    template, admin = pg_template
    with copy_of(template, admin) as books:
        run_operations(books, ops)


# ------------------------------------------------------------------------------------ (b) round trip

TRICKY = st.sampled_from(
    ["=1+2", "-5", "+x", "@a", "'", "''", "'=", "\t", '"', ",", "\n", "\r\n", "é", "日本", "✓", " ", "=HYPERLINK(", ";"]
)
MEMOS = st.lists(
    st.one_of(TRICKY, st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)), max_size=4
).map("".join)


@dataclass(frozen=True)
class Row:
    ref: str
    day: date
    account: str
    debit: int  # cents
    credit: int
    memo: str
    department: str
    project: str


def amount_text(cents: int, style: int) -> str:
    """The same amount written the ways people write it: 12.50, 12.5, 12 (when whole)."""
    if not cents:
        return ""
    whole, frac = divmod(cents, 100)
    if style == 0 or frac % 10:
        return f"{whole}.{frac:02d}"
    if style == 1 or frac:
        return f"{whole}.{frac // 10}"
    return str(whole)


@st.composite
def journals(draw: st.DrawFn) -> list[Row]:
    """Entries as runs of rows; a reference may come back later (a new entry), never twice in a row."""
    rows: list[Row] = []
    previous = None
    for _ in range(draw(st.integers(1, 6))):
        ref = draw(st.sampled_from(["1", "2", "A-7", "inv 3", "Ω"]).filter(lambda r, p=previous: r != p))
        previous = ref
        day = draw(st.dates(date(2024, 1, 1), date(2024, 12, 31)))
        _day, lines, _auto = draw(balanced_entries())
        for account, cents in lines:
            rows.append(
                Row(
                    ref,
                    day,
                    account,
                    max(cents, 0),
                    max(-cents, 0),
                    draw(MEMOS),
                    draw(st.sampled_from(DEPARTMENTS)),
                    draw(st.sampled_from(PROJECTS)),
                )
            )
    return rows


def write_input(path: Path, rows: list[Row], styles: list[int]) -> None:
    if path.suffix == ".csv":
        cells: list[list[Any]] = [
            [
                r.ref,
                r.day.isoformat(),
                r.account,
                amount_text(r.debit, s),
                amount_text(r.credit, s),
                r.memo,
                r.department,
                r.project,
            ]
            for r, s in zip(rows, styles, strict=True)
        ]
    else:  # numbers as numbers, dates as dates, as a spreadsheet user would have them
        cells = [
            [
                r.ref,
                r.day,
                int(r.account),
                Decimal(r.debit).scaleb(-2) if r.debit else None,
                Decimal(r.credit).scaleb(-2) if r.credit else None,
                r.memo,
                r.department,
                r.project,
            ]
            for r in rows
        ]
    write_table(path, COLUMNS, cells)


def read_output(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))[1:]
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


def cents(value: Any) -> int:
    if value in (None, ""):
        return 0
    return int(Decimal(str(value)).scaleb(2))


def runs(refs: list[Any]) -> list[int]:
    """Index of the run of equal consecutive values each position belongs to."""
    out, n = [], -1
    for i, ref in enumerate(refs):
        n += i == 0 or ref != refs[i - 1]
        out.append(n)
    return out


def check_round_trip(template: Template, rows: list[Row], styles: list[int], fmt: str) -> None:
    with copy_of(template) as books:
        source = books.folder_path / f"in.{fmt}"
        write_input(source, rows, styles)
        result, _ = import_journal_file(books.ledger, source)
        assert result.lines == len(rows)
        out = books.folder_path / f"out.{fmt}"
        assert export_journal_file(books.company.engine, template.ctx, out) == len(rows)
        exported = read_output(out)
        assert len(exported) == len(rows)
        groups = runs([r.ref for r in rows])
        assert runs([e[0] for e in exported]) == groups
        assert len({e[0] for e in exported}) == groups[-1] + 1  # each entry its own number
        for row, (_number, day, account, debit, credit, memo, dept, proj, *_foreign) in zip(
            rows, exported, strict=True
        ):
            day = day.date() if isinstance(day, datetime) else date.fromisoformat(day)
            assert (day, str(account), cents(debit), cents(credit)) == (row.day, row.account, row.debit, row.credit)
            expected = row.memo if fmt == "csv" else row.memo.replace("\r\n", "\n").replace("\r", "\n")
            assert unescape_text(memo or "") == expected  # xlsx keeps line breaks as LF (XML has no CR)
            assert ((dept or ""), (proj or "")) == (row.department, row.project)


@settings(COMMON, max_examples=30)
@given(rows=journals(), data=st.data())
def test_csv_import_then_export_round_trips(sqlite_template: Template, rows: list[Row], data: st.DataObject) -> None:
    styles = data.draw(st.lists(st.integers(0, 2), min_size=len(rows), max_size=len(rows)))
    check_round_trip(sqlite_template, rows, styles, "csv")


@settings(COMMON, max_examples=20)
@given(rows=journals())
def test_xlsx_import_then_export_round_trips(sqlite_template: Template, rows: list[Row]) -> None:
    check_round_trip(sqlite_template, rows, [0] * len(rows), "xlsx")
