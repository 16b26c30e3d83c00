"""The posting rules and the one code path that writes posted lines.

A `Poster` lives for one unit of work. It caches what posting needs to check (accounts, periods,
lock date, numbering series), so that one entry typed in the editor and a million imported lines obey
exactly the same rules and pass through the same insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import bindparam, literal_column, select, text, update
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency
from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.ledger.models import (
    Account,
    CompanySettings,
    Department,
    EntryState,
    FiscalYear,
    Journal,
    JournalEntry,
    NumberSequence,
    Period,
    PeriodState,
    Project,
)
from paksa_desktop.ledger.statement_models import StructureVersion
from paksa_desktop.persistence import pipeline
from paksa_desktop.persistence.bulk import append_rows, is_postgres, reserve_ids, sqlite_value
from paksa_desktop.persistence.unit_of_work import after_commit
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.models import SecurityPolicy

LINE_COLUMNS = ("id", "entry_id", "line_no", "account_id", "date", "amount", "memo", "department_id", "project_id")
# a batch holding a foreign-currency line writes these too; a base-only batch leaves them NULL by omission
FOREIGN_COLUMNS = ("currency", "amount_cur")
ENTRY_COLUMNS = (
    "id",
    "journal_id",
    "state",
    "date",
    "memo",
    "reference",
    "fiscal_year_id",
    "sequence",
    "number",
    "total",
    "source",
    "auto_reverse",
    "reversal_of_id",
    "created_by",
    "created_at",
    "posted_by",
    "posted_at",
    "version",
)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: int
    code: str
    name: str
    is_active: bool
    is_leaf: bool


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    fiscal_year_id: int
    fiscal_year_name: str
    state: PeriodState


class PreparedLine(NamedTuple):
    """A checked line (a tuple: a million of them are built during a large import)."""

    account_id: int
    amount: int  # signed minor units, debit > 0
    memo: str = ""
    department_id: int | None = None
    project_id: int | None = None
    # what the line is worth in the currency the money moved in; None/None: a base-currency line
    currency: str | None = None
    amount_cur: int | None = None  # signed minor units of `currency`, the sign of `amount` (or 0)

    def negated(self, memo: str | None = None) -> PreparedLine:
        """The reversing line: both amounts negated (a reversal of a foreign line stays foreign)."""
        return self._replace(
            amount=-self.amount,
            amount_cur=None if self.amount_cur is None else -self.amount_cur,
            memo=self.memo if memo is None else memo,
        )


def line_of(row: Any, memo: str | None = None) -> PreparedLine:
    """A PreparedLine with the account, amounts and dimensions of a posted (or draft) line row."""
    return PreparedLine(
        row.account_id,
        row.amount,
        row.memo if memo is None else memo,
        row.department_id,
        row.project_id,
        row.currency,
        row.amount_cur,
    )


@dataclass(slots=True)
class PreparedEntry:
    """An entry whose every rule has been checked; ready to be numbered and written."""

    journal_id: int
    date: date
    lines: Sequence[PreparedLine]
    memo: str = ""
    reference: str = ""
    source: str = "manual"
    auto_reverse: bool = False
    reversal_of_id: int | None = None
    fiscal_year_id: int = 0
    id: int | None = None  # set when posting an existing draft
    number: str = field(default="")

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines if line.amount > 0)


class PostingFacts:
    """The chart and journals as the last posting read them, kept between postings of one open company
    while the structure_version counter (bumped by triggers on accounts, journals and the company row,
    in the writing transaction) is unchanged: two queries fewer for every posting."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._accounts: dict[str, AccountInfo] | None = None
        self._journals: dict[str, tuple[int, str]] | None = None

    def accounts(self, version: int) -> dict[str, AccountInfo] | None:
        return self._accounts if version == self._version else None

    def journals(self, version: int) -> dict[str, tuple[int, str]] | None:
        return self._journals if version == self._version else None

    def keep(
        self,
        version: int,
        *,
        accounts: dict[str, AccountInfo] | None = None,
        journals: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        if version != self._version:
            self._version, self._accounts, self._journals = version, None, None
        if accounts is not None:
            self._accounts = accounts
        if journals is not None:
            self._journals = journals


# What every posting reads before it writes, in one round trip on PostgreSQL: the company's settings, the
# structure counter (is the remembered chart still good?), the segregation-of-duties policy and, when the
# caller names the day it posts on, that day's period, held FOR SHARE until commit so that closing it
# waits for this posting (and this posting for a close already under way).
_SETUP_PG = """
SELECT c.base_currency, c.fiscal_year_start_month, c.lock_date,
       (SELECT version FROM structure_version WHERE id = 1),
       (SELECT creator_cannot_approve FROM security_policy WHERE id = 1),
       (SELECT string_agg(b.gl_account_id || ':' || b.currency, ',') FROM bank_accounts b
         WHERE b.is_active AND b.currency <> c.base_currency),
       p.state, p.fiscal_year_id, p.name, p.start_date, p.end_date
  FROM company c
  LEFT JOIN LATERAL (
        SELECT r.state, r.fiscal_year_id, y.name, r.start_date, r.end_date
          FROM periods r JOIN fiscal_years y ON y.id = r.fiscal_year_id
         WHERE r.start_date <= %(day)s AND r.end_date >= %(day)s
           FOR SHARE OF r) p ON true
"""
# without a day: no period, and no FOR SHARE (which a READ ONLY transaction, such as a validation pass, refuses)
_SETUP_PG_NO_DAY = """
SELECT c.base_currency, c.fiscal_year_start_month, c.lock_date,
       (SELECT version FROM structure_version WHERE id = 1),
       (SELECT creator_cannot_approve FROM security_policy WHERE id = 1),
       (SELECT string_agg(b.gl_account_id || ':' || b.currency, ',') FROM bank_accounts b
         WHERE b.is_active AND b.currency <> c.base_currency),
       NULL
  FROM company c
"""
_SETUP = select(
    CompanySettings.base_currency,
    CompanySettings.fiscal_year_start_month,
    CompanySettings.lock_date,
    select(StructureVersion.version).where(StructureVersion.id == 1).scalar_subquery(),
    select(SecurityPolicy.creator_cannot_approve).where(SecurityPolicy.id == 1).scalar_subquery(),
    # the GL accounts of active bank accounts kept in a foreign currency, "id:CUR,id:CUR" (bank_accounts is
    # the banking module's table: named in SQL text, so the ledger imports nothing of banking)
    literal_column(
        "(SELECT group_concat(b.gl_account_id || ':' || b.currency, ',') FROM bank_accounts b "
        "WHERE b.is_active AND b.currency <> company.base_currency)"
    ),
)
_PERIOD = (
    select(Period.state, FiscalYear.id, FiscalYear.name, Period.start_date, Period.end_date)
    .join(FiscalYear, Period.fiscal_year_id == FiscalYear.id)
    .where(Period.start_date <= bindparam("day"), Period.end_date >= bindparam("day"))
)
_PERIOD_LOCKED = _PERIOD.with_for_update(read=True, of=Period)
# PostgreSQL: advance (or create) a numbering series and, in the same round trip, draw the ids of the
# entries about to be written from the table's identity sequence. One text per way of drawing: with the
# count as a parameter, a generic plan would expect generate_series to return 1000 rows, so PostgreSQL
# planned the statement afresh at every posting; a posting draws one id, an import batch many.
_NEXT_ID = "nextval(pg_get_serial_sequence('journal_entries', 'id'))"
_TAKE_NUMBERS_PG = """
WITH advanced AS (
    INSERT INTO number_sequences (journal_id, fiscal_year_id, next_number) VALUES (%(journal)s, %(year)s, 1 + %(n)s)
    ON CONFLICT (journal_id, fiscal_year_id) DO UPDATE SET next_number = number_sequences.next_number + %(n)s
    RETURNING next_number)
SELECT next_number, {ids} FROM advanced
"""
_DRAWING_IDS = {
    0: _TAKE_NUMBERS_PG.format(ids="'{}'::bigint[]"),
    1: _TAKE_NUMBERS_PG.format(ids=f"ARRAY[{_NEXT_ID}]"),
}
_DRAWING_MANY_IDS = _TAKE_NUMBERS_PG.format(ids=f"ARRAY(SELECT {_NEXT_ID} FROM generate_series(1, %(ids)s))")


class Poster:
    def __init__(
        self, session: Session, ctx: UserContext, facts: PostingFacts | None = None, *, day: date | None = None
    ) -> None:
        """`day`: the date about to be posted on, if the caller knows it; its period then comes with the
        company's settings (one query instead of two)."""
        self.session = session
        self.ctx = ctx
        self.facts = facts
        self._sqlite = not is_postgres(session)
        self._periods: dict[date, PeriodInfo] = {}
        self._period_spans: list[tuple[date, date, PeriodInfo]] = []
        if self._sqlite:
            currency, start_month, lock_date, version, policy, banks = session.execute(_SETUP).one()
        else:
            # the counter comes with the company row: the cached chart is checked at no extra round trip
            rows = (
                pipeline.query(session, _SETUP_PG, {"day": day})
                if day
                else pipeline.query(session, _SETUP_PG_NO_DAY, {})
            )
            if len(rows) != 1:
                raise NotFoundError("the company row is missing or not unique")
            currency, start_month, lock_date, version, policy, banks, *period = rows[0]
            if period[0] is not None:
                self._know_period(day, period)  # type: ignore[arg-type]
        self._version = int(version)
        # GL account id -> currency, for the GL accounts of active foreign-currency bank accounts: a line on
        # one must carry its amount in that currency
        self.foreign_banks: dict[int, str] = {
            int(gl): cur for gl, _, cur in (pair.partition(":") for pair in (banks or "").split(",") if pair)
        }
        self.creator_cannot_approve = bool(policy)  # the segregation-of-duties policy, for the caller
        if facts is not None:  # what this posting read becomes reusable once it is committed, not before
            after_commit(session, self._remember)
        self.base_currency = currency
        self.exponent = currency_exponent(currency)
        self.fiscal_year_start_month = start_month
        self.lock_date = lock_date
        self._accounts: dict[str, AccountInfo] | None = None
        self._accounts_by_id: dict[int, AccountInfo] | None = None
        self._postable: frozenset[int] | None = None
        self._journals: dict[str, tuple[int, str]] | None = None
        self._departments: dict[str, int] | None = None
        self._projects: dict[str, int] | None = None
        self._sequences: dict[tuple[int, int], int] = {}
        self._stored_dates: dict[date, Any] = {}

    def _remember(self) -> None:
        assert self.facts is not None
        self.facts.keep(self._version, accounts=self._accounts, journals=self._journals)

    # ---- look-ups (each returns None or raises nothing for unknown codes: callers word the error)
    @property
    def accounts(self) -> dict[str, AccountInfo]:
        if self._accounts is None and self.facts is not None:
            self._accounts = self.facts.accounts(self._version)
        if self._accounts is None:
            rows = self.session.execute(
                select(Account.id, Account.code, Account.name, Account.is_active, Account.parent_id)
            ).all()
            parents = {r.parent_id for r in rows if r.parent_id is not None}
            self._accounts = {r.code: AccountInfo(r.id, r.code, r.name, r.is_active, r.id not in parents) for r in rows}
        return self._accounts

    @property
    def accounts_by_id(self) -> dict[int, AccountInfo]:
        if self._accounts_by_id is None:
            self._accounts_by_id = {info.id: info for info in self.accounts.values()}
        return self._accounts_by_id

    @property
    def postable_ids(self) -> frozenset[int]:
        """Ids of the active leaf accounts: the only ones that take postings."""
        if self._postable is None:  # the accounts `account_problem` finds nothing wrong with
            self._postable = frozenset(i.id for i in self.accounts.values() if i.is_active and i.is_leaf)
        return self._postable

    def account_problem(self, code: str) -> str | None:
        info = self.accounts.get(code)
        if info is None:
            return f"unknown account '{code}'"
        if not info.is_active:
            return f"account {code} is inactive"
        if not info.is_leaf:
            return f"account {code} is a parent account; post to one of its sub-accounts"
        return None

    def journal(self, code: str) -> tuple[int, str]:
        if self._journals is None and self.facts is not None:
            self._journals = self.facts.journals(self._version)
        if self._journals is None:
            self._journals = {
                j.code: (j.id, j.code) for j in self.session.execute(select(Journal)).scalars() if j.is_active
            }
        try:
            return self._journals[code]
        except KeyError:
            raise NotFoundError(f"unknown or inactive journal '{code}'") from None

    def department_id(self, code: str) -> int | None:
        if self._departments is None:
            self._departments = dict(
                self.session.execute(select(Department.code, Department.id).where(Department.is_active)).all()
            )
        return self._departments.get(code)

    def project_id(self, code: str) -> int | None:
        if self._projects is None:
            self._projects = dict(self.session.execute(select(Project.code, Project.id).where(Project.is_active)).all())
        return self._projects.get(code)

    def period(self, day: date) -> PeriodInfo:
        """The period containing `day`; creates its fiscal year (and periods) if none exists yet."""
        info = self._periods.get(day)
        if info is None:
            # A period already read (and, on PostgreSQL, locked) by this poster answers for all its days:
            # one query per month instead of one per distinct date of an imported file.
            for start, end, known in self._period_spans:
                if start <= day <= end:
                    self._periods[day] = known
                    return known
            # A shared lock on PostgreSQL: closing this period waits until our posting commits, and vice versa.
            row = self.session.execute(_PERIOD if self._sqlite else _PERIOD_LOCKED, {"day": day}).first()
            if row is None:
                ensure_fiscal_year(self.session, day, self.fiscal_year_start_month)
                return self.period(day)
            info = self._know_period(day, row)
        return info

    def _know_period(self, day: date, row: Sequence[Any]) -> PeriodInfo:
        """Remember a period read as (state, fiscal year id, fiscal year name, start, end)."""
        state, year_id, year_name, start, end = row
        info = PeriodInfo(year_id, year_name, PeriodState(state))
        self._periods[day] = info
        self._period_spans.append((start, end, info))
        return info

    def date_problem(self, day: date) -> str | None:
        if self.lock_date is not None and day <= self.lock_date:
            return f"{day} is on or before the lock date {self.lock_date}"
        if self.period(day).state is not PeriodState.OPEN:
            return f"the period containing {day} is closed"
        return None

    def currency_problem(self, line: PreparedLine) -> str | None:
        """What is wrong with a line's foreign amount, if anything (None: nothing).

        A foreign amount needs both its currency (an ISO 4217 code other than the base currency) and its
        minor units, of the base amount's sign or zero (a base-only adjustment such as a revaluation). A
        line on the GL account of a bank account kept in a foreign currency must carry that currency.
        """
        info = self.accounts_by_id.get(line.account_id)
        where = f"account {info.code} ({info.name})" if info is not None else f"account id {line.account_id}"
        currency, units = line.currency, line.amount_cur
        if currency is None and units is not None:
            return f"{where}: a foreign amount needs its currency"
        if currency is not None:
            if not (len(currency) == 3 and currency.isupper() and is_currency(currency)):
                return f"{where}: unknown currency code '{currency}' (expected an ISO 4217 code such as EUR)"
            if currency == self.base_currency:
                return f"{where}: {currency} is the base currency; give the amount alone, without a foreign amount"
            if units is None:
                return f"{where}: a line in {currency} needs its amount in {currency}"
            if units and (units > 0) != (line.amount > 0):
                exponent = currency_exponent(currency)
                return (
                    f"{where}: the {currency} amount {from_minor(units, exponent)} and the base amount "
                    f"{from_minor(line.amount, self.exponent)} {self.base_currency} have opposite signs"
                )
        bank_currency = self.foreign_banks.get(line.account_id)
        if bank_currency is not None and currency != bank_currency:
            given = "" if currency is None else f" (this one is in {currency})"
            return (
                f"{where} is the GL account of a bank account kept in {bank_currency}: a line on it needs its "
                f"amount in {bank_currency} as well as in {self.base_currency}{given}"
            )
        return None

    # ---- rules
    def check(self, entry: PreparedEntry) -> None:
        """Raise ValidationError naming the first broken rule; on success, set the entry's fiscal year.

        Every posting passes here, so it is written for speed: one pass over the lines, look-ups in sets.
        """
        if not entry.lines:
            raise ValidationError("an entry needs at least one line")
        postable = self.postable_ids
        foreign = self.foreign_banks
        balance = 0
        for line in entry.lines:
            if not line.amount:
                raise ValidationError("every line needs a debit or a credit")
            if line.account_id not in postable:
                info = self.accounts_by_id.get(line.account_id)
                raise ValidationError(
                    f"unknown account id {line.account_id}" if info is None else str(self.account_problem(info.code))
                )
            if line.currency is not None or line.amount_cur is not None or line.account_id in foreign:
                problem = self.currency_problem(line)
                if problem:
                    raise ValidationError(problem)
            balance += line.amount
        if balance:
            raise ValidationError(
                f"entry is out of balance by {from_minor(balance, self.exponent)} {self.base_currency} "
                "(debits must equal credits)"
            )
        problem = self.date_problem(entry.date)
        if problem:
            raise ValidationError(problem)
        entry.fiscal_year_id = self.period(entry.date).fiscal_year_id

    # ---- numbering
    def _take_numbers(self, journal_id: int, fiscal_year_id: int, count: int, ids: int = 0) -> tuple[int, list[int]]:
        """Reserve `count` consecutive numbers (the first is returned); the sequence row stays locked until
        commit. PostgreSQL also draws `ids` entry ids in the same round trip (SQLite: callers reserve them)."""
        if not self._sqlite:
            # One round trip: create the series if no client has yet, or advance it; either way its row
            # stays locked until commit, so the next client's numbers follow ours without a gap.
            ((advanced, drawn),) = pipeline.query(
                self.session,
                _DRAWING_IDS.get(ids, _DRAWING_MANY_IDS),
                {"journal": journal_id, "year": fiscal_year_id, "n": count, "ids": ids},
            )
            return int(advanced) - count, list(drawn)
        # SQLite: the write unit began with BEGIN IMMEDIATE, so no other writer is in until we commit.
        key = (journal_id, fiscal_year_id)
        if key not in self._sequences:
            stmt = select(NumberSequence.next_number).where(
                NumberSequence.journal_id == journal_id, NumberSequence.fiscal_year_id == fiscal_year_id
            )
            current = self.session.execute(stmt).scalar_one_or_none()
            if current is None:
                self.session.add(NumberSequence(journal_id=journal_id, fiscal_year_id=fiscal_year_id, next_number=1))
                self.session.flush()
                current = 1
            self._sequences[key] = current
        first = self._sequences[key]
        self._sequences[key] = first + count
        self.session.execute(
            update(NumberSequence)
            .where(NumberSequence.journal_id == journal_id, NumberSequence.fiscal_year_id == fiscal_year_id)
            .values(next_number=first + count)
        )
        return first, []

    def _fiscal_year_name(self, fiscal_year_id: int) -> str:
        """The year's name as `check` read it with the period; the database only for an unchecked entry."""
        for _start, _end, info in self._period_spans:
            if info.fiscal_year_id == fiscal_year_id:
                return info.fiscal_year_name
        return str(self.session.execute(select(FiscalYear.name).where(FiscalYear.id == fiscal_year_id)).scalar_one())

    # ---- writing
    def _stored(self, value: Any) -> Any:
        """A date, timestamp or flag as the engine stores it; SQLite's text forms computed once per value."""
        if not self._sqlite:
            return value
        if isinstance(value, bool):
            return int(value)
        found = self._stored_dates.get(value)
        if found is None:
            found = self._stored_dates[value] = sqlite_value(value)
        return found

    def write(self, entries: Sequence[PreparedEntry]) -> list[int]:
        """Number and write checked entries (new ones inserted, drafts updated); returns their ids."""
        if not entries:
            return []
        now = self._stored(self.ctx.clock.now())
        fy_names = {}
        journal_codes = {jid: code for code, (jid, _c) in (self._journals or {}).items()}
        if len(journal_codes) == 0 or any(e.journal_id not in journal_codes for e in entries):
            journal_codes = dict(self.session.execute(select(Journal.id, Journal.code)).all())
        by_series: dict[tuple[int, int], list[PreparedEntry]] = {}
        for entry in entries:
            by_series.setdefault((entry.journal_id, entry.fiscal_year_id), []).append(entry)
            if entry.fiscal_year_id not in fy_names:
                fy_names[entry.fiscal_year_id] = self._fiscal_year_name(entry.fiscal_year_id)
        drafts = [e for e in entries if e.id is not None]
        new = [e for e in entries if e.id is None]
        unnumbered = len(new)  # PostgreSQL: drawn with the first series' numbers, in the same round trip
        if self._sqlite:
            for entry, entry_id in zip(new, reserve_ids(self.session, "journal_entries", len(new)), strict=True):
                entry.id = entry_id
            unnumbered = 0
        # Consecutive numbers per series, in the order given. Taking a number locks its series until
        # commit, so everything that does not need the number is done above, before it.
        sequences: dict[int, int] = {}
        for (journal_id, fy_id), group in by_series.items():
            first, ids = self._take_numbers(journal_id, fy_id, len(group), unnumbered)
            if unnumbered:
                for entry, entry_id in zip(new, ids, strict=True):
                    entry.id = entry_id
                unnumbered = 0
            for offset, entry in enumerate(group):
                sequences[id(entry)] = first + offset
                entry.number = f"{journal_codes[journal_id]}-{fy_names[fy_id]}-{first + offset:06d}"

        append_rows(
            self.session,
            "journal_entries",
            ENTRY_COLUMNS,
            [
                (
                    e.id,
                    e.journal_id,
                    EntryState.POSTED.value,
                    self._stored(e.date),
                    e.memo,
                    e.reference,
                    e.fiscal_year_id,
                    sequences[id(e)],
                    e.number,
                    e.total,
                    e.source,
                    self._stored(e.auto_reverse),
                    e.reversal_of_id,
                    self.ctx.user_id,
                    now,
                    self.ctx.user_id,
                    now,
                    1,
                )
                for e in new
            ],
        )
        for e in drafts:
            result = self.session.execute(
                update(JournalEntry)
                .where(JournalEntry.id == e.id, JournalEntry.state == EntryState.DRAFT)
                .values(
                    state=EntryState.POSTED,
                    fiscal_year_id=e.fiscal_year_id,
                    sequence=sequences[id(e)],
                    number=e.number,
                    total=e.total,
                    posted_by=self.ctx.user_id,
                    posted_at=self.ctx.clock.now(),
                    version=JournalEntry.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise ValidationError(f"entry {e.id} is no longer a draft")
        self._write_lines(entries)
        return [e.id for e in entries]  # type: ignore[misc]

    def _write_lines(self, entries: Iterable[PreparedEntry]) -> None:
        # No id column: nothing refers to a line's id while posting, so the table numbers its lines itself
        # (SQLite: max(rowid) + 1, as reserve_ids would; PostgreSQL: the same identity sequence, one
        # round trip fewer per batch).
        stored = self._stored
        entries = list(entries)
        if any(line.currency is not None for entry in entries for line in entry.lines):
            rows = [
                (entry.id, line_no, line.account_id, day, line.amount, line.memo, line.department_id,
                 line.project_id, line.currency, line.amount_cur)
                for entry in entries
                for day in (stored(entry.date),)
                for line_no, line in enumerate(entry.lines, start=1)
            ]  # fmt: skip
            append_rows(self.session, "journal_lines", (*LINE_COLUMNS[1:], *FOREIGN_COLUMNS), rows)
            return
        # base lines only (nearly every batch): the columns as before, the foreign ones NULL by omission
        rows = [
            (entry.id, line_no, line.account_id, day, line.amount, line.memo, line.department_id, line.project_id)
            for entry in entries
            for day in (stored(entry.date),)
            for line_no, line in enumerate(entry.lines, start=1)
        ]
        append_rows(self.session, "journal_lines", LINE_COLUMNS[1:], rows)


def ensure_fiscal_year(session: Session, day: date, start_month: int) -> FiscalYear:
    """The fiscal year containing `day`, created with its twelve open monthly periods if missing."""
    span = fiscal_year_containing(day, start_month)
    if is_postgres(session):  # two clients must not both create the same year
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('paksa.fiscal_years'))"))
    existing = session.execute(select(FiscalYear).where(FiscalYear.start_date == span.start)).scalar_one_or_none()
    if existing is not None:
        return existing
    overlapping = session.execute(
        select(FiscalYear).where(FiscalYear.start_date <= span.end, FiscalYear.end_date >= span.start)
    ).scalar_one_or_none()
    if overlapping is not None:
        raise ValidationError(f"fiscal year {overlapping.name} overlaps the year starting {span.start}")
    year = FiscalYear(name=span.name, start_date=span.start, end_date=span.end)
    year.periods = [
        Period(number=p.number, start_date=p.start, end_date=p.end, state=PeriodState.OPEN) for p in span.periods
    ]
    session.add(year)
    session.flush()
    return year
