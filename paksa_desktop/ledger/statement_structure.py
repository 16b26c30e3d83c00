"""What every statement reads besides the figures: the company's settings, the chart of accounts, the
statement layouts, the budgets' names and the year-end closing entries; read once, and reused while
nothing changed.

On a small company this fixed part cost more than the statement's own aggregation (five queries and
their rows turned into objects, each run). `StructureCache` keeps the last `Structure` read and checks
it against the `structure_version` counter, read in the statement's own transaction: database
triggers bump that counter in the same transaction as any change to accounts, layouts, the company
row or closing entries (migration 0007), so a structure is served only while it is the stored one,
whichever client or tool made the change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from paksa_desktop.core.money import currency_exponent
from paksa_desktop.ledger.models import Account, AccountType, CompanySettings, JournalEntry
from paksa_desktop.ledger.statement_layout import (
    STATEMENTS,
    AccountInfo,
    Layout,
    LineSpec,
    StatementKind,
    StatementSpec,
)
from paksa_desktop.ledger.statement_models import Budget, StatementLine, StatementLineAccount, StructureVersion

VERSION_TABLE = StructureVersion.__tablename__


@dataclass(frozen=True, slots=True)
class ChartAccount:
    """Any account of the chart, parents included (the trial balance names every account it sums)."""

    id: int
    code: str
    name: str
    type: AccountType


@dataclass(frozen=True, slots=True)
class Structure:
    """One consistent reading, tagged with the counter's value it was read under. Shared between runs
    and threads: nothing here may be changed after loading."""

    version: int
    company: str
    currency: str
    exponent: int
    fy_start_month: int
    chart: Mapping[int, ChartAccount]  # every account by id
    accounts: Mapping[int, AccountInfo]  # the postable (leaf) accounts by id
    closing: tuple[tuple[int, date], ...]  # year-end closing entries: (entry id, date)
    layouts: Mapping[StatementKind, Layout]
    budgets: tuple[tuple[int, str], ...]  # (id, name) by name
    _assigned: dict[StatementKind, dict[str, list[AccountInfo]]] = field(default_factory=dict)

    def assigned(self, kind: StatementKind) -> dict[str, list[AccountInfo]]:
        """Line key -> accounts for a statement: `Layout.assign` once per structure, not once per run."""
        found = self._assigned.get(kind)
        if found is None:
            found = self._assigned[kind] = self.layouts[kind].assign(self.accounts.values())
        return found


class StructureCache:
    """The last structure read for one company database (one per open `Company`)."""

    def __init__(self) -> None:
        self._current: Structure | None = None
        self._lock = threading.Lock()

    def get(self, s: Session) -> Structure:
        """The structure as of `s`'s transaction: cached if the counter still says so, else read now.

        The counter is read first, so a structure is never tagged with a version newer than its content."""
        version = current_version(s)
        current = self._current
        if current is not None and current.version == version:
            return current
        return self._load(s, version)

    def at(self, s: Session, version: int) -> Structure:
        """The structure for a counter value the caller read in `s`'s transaction itself (say, as a column of
        its own query: one round trip fewer); cached if it matches, else read now. Read after the counter, the
        structure can only be as new as it or newer, which the next check then treats as stale, never the
        other way round."""
        current = self._current
        if current is not None and current.version == version:
            return current
        return self._load(s, version)

    def refresh(self, s: Session) -> Structure:
        """Read again now: for a caller that met an account the structure it has does not know (on
        PostgreSQL each query sees the latest commits, so one made after the counter was read)."""
        return self._load(s, current_version(s))

    def _load(self, s: Session, version: int) -> Structure:
        loaded = load_structure(s, version)
        with self._lock:
            if self._current is None or self._current.version <= version:
                self._current = loaded
        return loaded


# the counter as a column of another query (the trial balance reads it with its sums)
VERSION_COLUMN = select(StructureVersion.version).where(StructureVersion.id == 1).scalar_subquery()


def current_version(s: Session) -> int:
    # plain SQL on the session's connection: this runs before every statement, and skips the ORM's
    # compile-and-cache path (about 0.1 ms of a 2 ms statement on a small company)
    row = s.connection().exec_driver_sql(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1").scalar_one()
    return int(row)


def load_structure(s: Session, version: int) -> Structure:
    c = s.execute(
        select(CompanySettings.name, CompanySettings.base_currency, CompanySettings.fiscal_year_start_month)
    ).one()
    rows = s.execute(
        select(Account.id, Account.code, Account.name, Account.type, Account.subtype, Account.parent_id)
    ).all()
    # a literal, not a parameter: only then can the partial index (WHERE source = 'closing') serve
    closing = s.execute(select(JournalEntry.id, JournalEntry.date).where(text("journal_entries.source = 'closing'")))
    lines = s.execute(
        select(StatementLine.statement, StatementLine.group_key, StatementLine.key, StatementLine.title)
        .add_columns(StatementLine.rules)
        .order_by(StatementLine.statement, StatementLine.position)
    ).all()
    placed = s.execute(
        select(StatementLineAccount.statement, StatementLineAccount.account_id, StatementLineAccount.line_key)
    ).all()
    budgets = s.execute(select(Budget.id, Budget.name).order_by(Budget.name)).all()
    return Structure(
        version,
        c.name,
        c.base_currency,
        currency_exponent(c.base_currency),
        c.fiscal_year_start_month,
        {a.id: ChartAccount(a.id, a.code, a.name, a.type) for a in rows},
        _postable(rows),
        tuple((entry_id, day) for entry_id, day in closing),
        {
            kind: _layout(
                spec,
                [(g, k, t, r) for statement, g, k, t, r in lines if statement == kind.value],
                [(a, k) for statement, a, k in placed if statement == kind.value],
            )
            for kind, spec in STATEMENTS.items()
        },
        tuple((budget_id, name) for budget_id, name in budgets),
    )


def postable_accounts(s: Session) -> dict[int, AccountInfo]:
    """Leaf accounts by id: postings go to them only, so parents would show as lines of zeros."""
    return _postable(
        s.execute(
            select(Account.id, Account.code, Account.name, Account.type, Account.subtype, Account.parent_id)
        ).all()
    )


def _postable(rows: Iterable) -> dict[int, AccountInfo]:  # type: ignore[type-arg]
    rows = list(rows)
    parents = {a.parent_id for a in rows}
    return {
        a.id: AccountInfo(a.id, a.code, a.name, a.type, a.subtype.value if a.subtype else "")
        for a in rows
        if a.id not in parents
    }


def load_layout(s: Session, spec: StatementSpec) -> Layout:
    """The company's customised lines for the statement, else the default; plus hand-placed accounts."""
    stored = s.execute(
        select(StatementLine.group_key, StatementLine.key, StatementLine.title, StatementLine.rules)
        .where(StatementLine.statement == spec.kind.value)
        .order_by(StatementLine.position)
    ).all()
    placed = s.execute(
        select(StatementLineAccount.account_id, StatementLineAccount.line_key).where(
            StatementLineAccount.statement == spec.kind.value
        )
    ).all()
    return _layout(spec, [tuple(r) for r in stored], [tuple(p) for p in placed])


def _layout(
    spec: StatementSpec, stored: Iterable[tuple[str, str, str, str]], placed: Iterable[tuple[int, str]]
) -> Layout:
    """Stored lines (group key, key, title, rules) in position order replace the default's, if any."""
    layout = Layout.default(spec)
    custom: dict[str, list[LineSpec]] = {}
    for group_key, key, title, rules in stored:
        custom.setdefault(group_key, []).append(LineSpec(key, title, tuple(rules.split())))
    if custom:
        layout.lines = {g.key: custom.get(g.key, []) for g in spec.groups()}
    layout.placed = {account_id: key for account_id, key in placed}
    return layout
