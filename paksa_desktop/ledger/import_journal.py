"""`paksa import journal`: posted entries from CSV or xlsx.

Columns `entry,date,account,debit,credit,memo,department,project,currency,amount_cur` (the last five
optional; `currency,amount_cur` give a line's foreign amount, on the side of its debit or credit). The
lines of one entry are consecutive rows with the same `entry` value. The file streams through one
transaction: every row is checked, entries are written in batches as they complete, and if any
row is wrong the whole transaction rolls back and every problem is reported. Memory stays flat
whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import Cancelled, ImportFileError, RowError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency, parse_minor
from paksa_desktop.integration.tabular import open_table, unescape_text
from paksa_desktop.ledger.posting import Poster, PreparedEntry, PreparedLine
from paksa_desktop.ledger.service import LedgerService

REQUIRED = ("entry", "date", "account", "debit", "credit")
OPTIONAL = ("memo", "department", "project", "currency", "amount_cur")
COLUMNS = REQUIRED + OPTIONAL
BATCH = 2000  # entries per write
MAX_ERRORS = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    entries: int
    lines: int


class _Reader:
    """Turns rows into checked entries, collecting errors instead of stopping at the first."""

    def __init__(self, poster: Poster, source: str, journal: str) -> None:
        self.poster = poster
        self.source = source
        self.journal_id = poster.journal(journal)[0]
        self.errors: list[RowError] = []
        self.truncated = False
        self.lines = 0
        # memos keyed by the cell's raw text: a date or an error, an account id or an error
        self.dates: dict[str, date | str] = {}
        self.accounts: dict[str, int | str] = {}
        self._departments: dict[str, int | str] = {}
        self._projects: dict[str, int | str] = {}
        self._currencies: dict[str, int | str] = {}  # code -> exponent, or why it cannot be used

    def error(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.source, row, column, reason))
        else:
            self.truncated = True

    def parse_date(self, cell: str) -> date | str:
        found = self.dates.get(cell)
        if found is None:
            text = cell.strip()
            try:
                day = date.fromisoformat(text)
                if len(text) != 10:
                    raise ValueError
            except ValueError:
                found = f"'{text}' is not a date in the form YYYY-MM-DD"
            else:
                problem = self.poster.date_problem(day)
                found = problem if problem else day
            self.dates[cell] = found
        return found

    def account(self, cell: str) -> int | str:
        found = self.accounts.get(cell)
        if found is None:
            code = cell.strip()
            problem = self.poster.account_problem(code) if code else "required"
            found = problem if problem else self.poster.accounts[code].id
            self.accounts[cell] = found
        return found

    def currency(self, code: str) -> int | str:
        """The minor-unit digits of a foreign currency code, or why it cannot be used."""
        found = self._currencies.get(code)
        if found is None:
            if code == self.poster.base_currency:
                found = f"{code} is the base currency; leave currency and amount_cur empty"
            elif not (len(code) == 3 and code.isupper() and is_currency(code)):
                found = f"unknown currency code '{code}' (expected an ISO 4217 code such as EUR)"
            else:
                found = currency_exponent(code)
            self._currencies[code] = found
        return found

    def dimension(
        self, code: str, cache: dict[str, int | str], lookup: Callable[[str], int | None], label: str
    ) -> int | str:
        found = cache.get(code)
        if found is None:
            dim_id = lookup(code)
            found = f"unknown {label} '{code}'" if dim_id is None else dim_id
            cache[code] = found
        return found


def _entries(
    reader: _Reader,
    rows: Iterator[tuple[int, list[str]]],
    columns: dict[str, int],
) -> Iterator[tuple[int, PreparedEntry | None]]:
    """Yield (first row, entry) per run of rows sharing an `entry` value; entry None if it had errors."""
    i_entry, i_date, i_account = columns["entry"], columns["date"], columns["account"]
    i_debit, i_credit = columns["debit"], columns["credit"]
    i_memo, i_dept, i_proj = columns.get("memo"), columns.get("department"), columns.get("project")
    i_cur, i_amount_cur = columns.get("currency"), columns.get("amount_cur")
    foreign = i_cur is not None or i_amount_cur is not None
    width = max(columns.values()) + 1
    exponent = reader.poster.exponent
    error = reader.error
    current: str | None = None
    first_row = 0
    entry_date: date | None = None
    memo = ""
    lines: list[PreparedLine] = []
    bad = False

    def finish() -> tuple[int, PreparedEntry | None]:
        if bad or entry_date is None:
            return first_row, None
        total = sum(line.amount for line in lines)
        if total:
            debits = sum(line.amount for line in lines if line.amount > 0)
            error(
                first_row,
                "entry",
                f"entry '{current}' is out of balance by {from_minor(total, exponent)} "
                f"(debits {from_minor(debits, exponent)}, credits {from_minor(debits - total, exponent)}); "
                "the lines of one entry must be consecutive rows",
            )
            return first_row, None
        return first_row, PreparedEntry(
            journal_id=reader.journal_id,
            date=entry_date,
            lines=lines,
            memo=memo,
            reference=current or "",
            source="import",
        )

    # The hot loop of a million-line import: look-ups are memoised in local dicts, and the common cells
    # (an empty amount, a memo without the formula apostrophe) skip their function calls.
    dates, accounts = reader.dates, reader.accounts
    count = 0
    for number, cells in rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        ref = cells[i_entry].strip()
        if ref != current or not ref:
            if current is not None:
                yield finish()
            current, first_row, entry_date, lines, bad = ref, number, None, [], False
            memo = cells[i_memo] if i_memo is not None else ""
            if memo[:1] == "'":
                memo = unescape_text(memo)
            if not ref:
                error(number, "entry", "required")
                bad = True
        count += 1
        text = cells[i_date]
        day = dates.get(text)
        if day is None:
            day = reader.parse_date(text)
        if type(day) is str:
            error(number, "date", day)
            bad = True
        elif entry_date is None:
            entry_date = day  # type: ignore[assignment]
        elif day != entry_date:
            error(number, "date", f"differs from the entry's first line ({entry_date})")
            bad = True
        code = cells[i_account]
        account = accounts.get(code)
        if account is None:
            account = reader.account(code)
        if type(account) is str:
            error(number, "account", account)
            bad = True
        unreadable = False  # this row's amounts (an earlier row's error must not hide this row's)
        try:
            debit = parse_minor(text, exponent) if (text := cells[i_debit]) else 0
        except ValueError as exc:
            error(number, "debit", str(exc))
            bad, debit, unreadable = True, 0, True
        try:
            credit = parse_minor(text, exponent) if (text := cells[i_credit]) else 0
        except ValueError as exc:
            error(number, "credit", str(exc))
            bad, credit, unreadable = True, 0, True
        if debit < 0 or credit < 0:
            error(number, "debit" if debit < 0 else "credit", "must not be negative")
            bad = True
        elif debit and credit:
            error(number, "credit", "a line takes a debit or a credit, not both")
            bad = True
        elif not (debit or credit) and not unreadable:
            error(number, "debit", "a line needs a debit or a credit")
            bad = True
        dept_id = proj_id = None
        if i_dept is not None and (code := cells[i_dept].strip()):
            found = reader.dimension(code, reader._departments, reader.poster.department_id, "department")
            if type(found) is str:
                error(number, "department", found)
                bad = True
            else:
                dept_id = found  # type: ignore[assignment]
        if i_proj is not None and (code := cells[i_proj].strip()):
            found = reader.dimension(code, reader._projects, reader.poster.project_id, "project")
            if type(found) is str:
                error(number, "project", found)
                bad = True
            else:
                proj_id = found  # type: ignore[assignment]
        currency = units = None
        if foreign:
            currency, units = _foreign_amount(reader, number, cells, i_cur, i_amount_cur, debit - credit)
            bad = bad or currency == ""
        if not bad:
            line_memo = cells[i_memo] if i_memo is not None else ""
            if line_memo[:1] == "'":
                line_memo = unescape_text(line_memo)
            lines.append(PreparedLine(account, debit - credit, line_memo, dept_id, proj_id, currency, units))  # type: ignore[arg-type]
    reader.lines = count
    if current is not None:
        yield finish()


def _foreign_amount(
    reader: _Reader, row: int, cells: list[str], i_cur: int | None, i_amount: int | None, amount: int
) -> tuple[str | None, int | None]:
    """A row's (currency, signed minor units) from the optional columns: (None, None) when both are empty,
    ("", None) after reporting a problem. The amount is written unsigned and takes the debit's or credit's side."""
    code = cells[i_cur].strip() if i_cur is not None else ""
    text = cells[i_amount].strip() if i_amount is not None else ""
    if not code and not text:
        return None, None
    if not code:
        reader.error(row, "currency", "required when amount_cur is given")
        return "", None
    if not text:
        reader.error(row, "amount_cur", f"required when currency is given (the line's amount in {code})")
        return "", None
    exponent = reader.currency(code)
    if type(exponent) is str:
        reader.error(row, "currency", exponent)
        return "", None
    try:
        units = parse_minor(text, exponent)  # type: ignore[arg-type]
    except ValueError as exc:
        reader.error(row, "amount_cur", str(exc))
        return "", None
    if units < 0:
        reader.error(row, "amount_cur", "must not be negative (it takes the side of the line's debit or credit)")
        return "", None
    return code, -units if amount < 0 else units


def import_journal_file(
    service: LedgerService,
    path: Path,
    *,
    journal: str = "GEN",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[ImportResult, Changes]:
    """Post every entry of the file, or none of them."""
    path = Path(path)
    table = open_table(path, REQUIRED, OPTIONAL)
    counts = {"entries": 0}
    state: dict[str, _Reader] = {}

    def batches(poster: Poster) -> Iterator[list[PreparedEntry]]:
        nonlocal table
        if state:  # a retry after a deadlock (persistence/retry.py): read the file again from the top
            table = open_table(path, REQUIRED, OPTIONAL)
        counts["entries"] = 0
        reader = _Reader(poster, table.source, journal)
        state["reader"] = reader
        batch: list[PreparedEntry] = []
        for first_row, entry in _entries(reader, table.rows, table.columns):
            if entry is None:
                continue
            try:
                poster.check(entry)
            except ValidationError as exc:
                reader.error(first_row, "entry", str(exc))
                continue
            if reader.errors:
                continue  # keep checking, stop writing: nothing will be kept anyway
            batch.append(entry)
            if len(batch) >= BATCH:
                counts["entries"] += len(batch)
                yield batch
                batch = []
                if progress:
                    progress(table.position(), table.total)
                if cancelled and cancelled():
                    raise Cancelled()
        if not reader.errors and counts["entries"] + len(batch) == 0:
            reader.error(0, "", "the file has no journal lines")
        if reader.errors:
            raise ImportFileError(reader.errors, truncated=reader.truncated)
        counts["entries"] += len(batch)
        yield batch
        if progress:
            progress(table.total, table.total)

    changes = service.post_prepared_batches(batches, action="import", summary={"file": path.name})
    return ImportResult(counts["entries"], state["reader"].lines), changes
