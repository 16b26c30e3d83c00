"""The SQL of one statement run: its aggregations as plain SQL text, sent as one statement together with
the structure counter.

A statement on a small company costs a few milliseconds of SQL, so what surrounds the SQL counts:
building SQLAlchemy expressions, compiling them, a round trip per query. Here each aggregation is a
short SQL string (`account_id, SUM(amount) FROM journal_lines WHERE ... GROUP BY account_id`) with
named parameters, run through the connection as `text()` (compiled once per shape, then served from
SQLAlchemy's cache, as any plain query is). The aggregations of one run that return the same columns
are joined with UNION ALL, each tagged with its position, and the first statement also returns the
`structure_version` counter; so a statement is usually one round trip, and its figures and the counter
come from one snapshot (PostgreSQL reads each statement at its own moment).

Only values travel as parameters; the few ids written into the text (accounts of a statement line,
closing entries) are integers taken from the database.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text

from paksa_desktop.ledger.statement_structure import VERSION_TABLE

VERSION_TAG = -1


class SqlRun:
    """The aggregations one run needs, executed together by `execute`, then read back by their handle."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        # the month of a date: 'YYYY-MM' text on SQLite (it keeps dates as ISO text), the month's first
        # moment on PostgreSQL (date_trunc is its cheapest grouping key)
        self.month = "substr(date, 1, 7)" if self.sqlite else "date_trunc('month', date)"
        self.params: dict[str, Any] = {}
        self._names: dict[tuple[type, Any], str] = {}
        self._parts: list[tuple[str, Hashable, int]] = []  # (SQL after the tag, signature, columns)
        self._rows: list[list[Row[Any]]] = []

    def param(self, value: Any) -> str:
        """A bound parameter for `value` (one per distinct value), as it goes into the SQL text."""
        key = (type(value), value)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"p{len(self._names)}"
            # SQLite keeps dates as ISO text ('2024-12-31'), which is what SQLAlchemy's Date type stores
            self.params[name] = value.isoformat() if self.sqlite and isinstance(value, date) else value
        return f":{name}"

    def add(self, sql: str, columns: int, signature: Hashable = None) -> int:
        """Queue `SELECT <sql>` (`columns` result columns) and return its handle for `rows`. Aggregations of
        equal signature (the same number and kinds of columns) go into one statement."""
        self._parts.append((sql, (signature, columns), columns))
        self._rows.append([])
        return len(self._parts) - 1

    def rows(self, handle: int) -> list[Row[Any]]:
        """An aggregation's rows after `execute`, each with the tag first."""
        return self._rows[handle]

    def execute(self, conn: Connection) -> int:
        """Run everything queued; return the structure counter read with the first statement."""
        groups: dict[Hashable, list[int]] = {}
        for handle, (_sql, signature, _columns) in enumerate(self._parts):
            groups.setdefault(signature, []).append(handle)
        version: int | None = None
        statements = list(groups.values()) or [[]]
        for n, handles in enumerate(statements):
            selects = [f"SELECT {handle}, {self._parts[handle][0]}" for handle in handles]
            if n == 0:
                width = self._parts[handles[0]][2] if handles else 1
                nulls = ", NULL" * (width - 1)
                selects.insert(0, f"SELECT {VERSION_TAG}, version{nulls} FROM {VERSION_TABLE} WHERE id = 1")
            for row in conn.execute(text(" UNION ALL ".join(selects)), self.params).all():
                tag = row[0]
                if tag == VERSION_TAG:
                    version = int(row[1])
                else:
                    self._rows[tag].append(row)
        assert version is not None, "the structure_version row is missing"
        return version


def id_list(ids: Iterable[int]) -> str:
    """Integers from the database written into the SQL text: '(3, 7, 12)'."""
    return "(" + ", ".join(str(int(i)) for i in ids) + ")"


def in_range(start: str | None, end: str | None) -> str:
    """The condition 'date within start..end' on journal lines, from parameter names (None: unbounded)."""
    terms = ([f"date >= {start}"] if start else []) + ([f"date <= {end}"] if end else [])
    return " AND ".join(terms)


def where(terms: Sequence[str]) -> str:
    return " AND ".join(t for t in terms if t) or "1 = 1"
