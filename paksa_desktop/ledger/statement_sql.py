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

from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text

from paksa_desktop.ledger.statement_structure import VERSION_TABLE

VERSION_TAG = -1


class SqlRun:
    """The aggregations one run needs, executed together by `execute`, then read back by their handle."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        # the month of a date to group by: 'YYYY-MM' text on SQLite (it keeps dates as ISO text), the
        # month's first moment on PostgreSQL (date_trunc is its cheapest grouping key); and as selected:
        # on PostgreSQL turned into a date after grouping (a timestamp with time zone costs the client
        # about 1 µs a row more to read and to hash)
        self.month = "substr(date, 1, 7)" if self.sqlite else "date_trunc('month', date)"
        self.month_selected = self.month if self.sqlite else f"{self.month}::date"
        self.params: dict[str, Any] = {}
        self._names: dict[tuple[type, Any], str] = {}
        self._parts: list[tuple[str, str, Hashable, int]] = []  # (select list, FROM..., signature, columns)
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

    def add(self, select: str, source: str, columns: int, signature: Hashable = None) -> int:
        """Queue `SELECT <select> <source>` (`columns` result columns, the account id first) and return its
        handle for `rows`. Aggregations of equal signature (None: an account id and sums; 'month': an account
        id, a month and a sum) go into one statement, the narrower ones padded with NULLs."""
        self._parts.append((select, source, signature, columns))
        self._rows.append([])
        return len(self._parts) - 1

    def rows(self, handle: int) -> list[Row[Any]]:
        """An aggregation's rows after `execute`: the tag, then its columns (then any padding)."""
        return self._rows[handle]

    def execute(self, conn: Connection) -> int:
        """Run everything queued; return the structure counter read with the first statement."""
        groups: dict[Hashable, list[int]] = {}
        for handle, part in enumerate(self._parts):
            groups.setdefault(part[2], []).append(handle)
        version: int | None = None
        for n, handles in enumerate(list(groups.values()) or [[]]):
            width = max((self._parts[h][3] for h in handles), default=1)
            # the widest first: PostgreSQL types a UNION pairwise from the left, and a column that is NULL
            # in its first two branches would be taken for text
            handles = sorted(handles, key=lambda h: -self._parts[h][3])
            selects = [
                f"SELECT {h}, {self._parts[h][0]}{', NULL' * (width - self._parts[h][3])} {self._parts[h][1]}"
                for h in handles
            ]
            if n == 0:
                pad = ", NULL" * (width - 1)
                selects.insert(0, f"SELECT {VERSION_TAG}, version{pad} FROM {VERSION_TABLE} WHERE id = 1")
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
