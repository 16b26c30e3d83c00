"""Budget files: `budget,account,month,department,project,amount` in CSV or xlsx.

Reading checks every row against the company's accounts and dimensions and collects every problem
(`FILE:ROW: column: reason`) instead of stopping at the first, so one import run names all of them;
the service writes nothing unless the list is empty. Amounts are in natural sign in the file and are
returned in ledger sign (minor units), ready to store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from paksa_desktop.core.errors import Cancelled, ImportFileError, RowError
from paksa_desktop.core.money import from_minor, parse_minor
from paksa_desktop.integration.tabular import open_table, unescape_text, write_table
from paksa_desktop.ledger.budget_rules import Catalogue, DimensionRef, name_problem, parse_month

REQUIRED = ("budget", "account", "month", "amount")
OPTIONAL = ("department", "project")
COLUMNS = ("budget", "account", "month", "department", "project", "amount")
MAX_ERRORS = 1000
PROGRESS_EVERY = 2000

CellKey = tuple[int, date, int | None, int | None]  # account id, first of month, department id, project id


@dataclass
class ParsedBudgets:
    """A checked file: per budget name (file order), its cells in ledger sign and how many rows named it."""

    cells: dict[str, dict[CellKey, int]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RowError] = []
        self.truncated = False

    def add(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.source, row, column, reason))
        else:
            self.truncated = True


def _text(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    return unescape_text(value) if value[:1] == "'" else value


def read_budget_file(
    path: Path,
    catalogue: Catalogue,
    existing_budgets: Iterable[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ParsedBudgets:
    """Check every row; return the cells, or raise ImportFileError listing every problem."""
    table = open_table(Path(path), REQUIRED, OPTIONAL)
    problems = _Problems(table.source)
    columns = table.columns
    i_budget, i_account, i_month, i_amount = (columns[c] for c in REQUIRED)
    i_dept, i_proj = columns.get("department"), columns.get("project")
    # budget names by letter case: two names differing only in case would be two budgets nobody can tell apart
    names = {name.casefold(): name for name in existing_budgets}
    first_row: dict[tuple[str, CellKey], int] = {}
    parsed = ParsedBudgets()
    count = 0
    for number, cells in table.rows:
        count += 1
        if count % PROGRESS_EVERY == 0:
            if progress:
                progress(table.position(), table.total)
            if cancelled and cancelled():
                raise Cancelled()
        found: dict[str, str] = {}  # column -> problem; reported in the file's column order
        budget = _text(cells, i_budget).strip()
        known = names.get(budget.casefold())
        problem = name_problem(budget) if budget else "required"
        if problem is None and known is not None and known != budget:
            problem = f"'{budget}' differs from the budget '{known}' only in letter case"
        if problem:
            found["budget"] = problem
        else:
            names.setdefault(budget.casefold(), budget)
        amount_text = _text(cells, i_amount)
        try:
            natural = parse_minor(amount_text, catalogue.exponent)
        except ValueError as exc:
            found["amount"] = str(exc)
            natural = 0
        else:
            too_large = catalogue.amount_problem(natural)
            if too_large:
                found["amount"] = f"'{amount_text.strip()}' {too_large}"
        account = catalogue.account(_text(cells, i_account).strip(), clearing=natural == 0 and "amount" not in found)
        if isinstance(account, str):
            found["account"] = account
        month = parse_month(_text(cells, i_month))
        if isinstance(month, str):
            found["month"] = month
        dims: list[int | None] = []
        for label, index, look_up in (
            ("department", i_dept, catalogue.department),
            ("project", i_proj, catalogue.project),
        ):
            code = _text(cells, index).strip()
            dim: DimensionRef | str | None = look_up(code) if code else None
            if isinstance(dim, str):
                found[label] = dim
            dims.append(dim.id if isinstance(dim, DimensionRef) else None)
        if found or isinstance(account, str) or isinstance(month, str):
            for column in COLUMNS:
                if column in found:
                    problems.add(number, column, found[column])
            continue
        key: CellKey = (account.id, month, dims[0], dims[1])
        earlier = first_row.setdefault((budget, key), number)
        if earlier != number:
            problems.add(
                number, "amount", f"row {earlier} already sets this amount (same budget, account, month and dimensions)"
            )
            continue
        parsed.cells.setdefault(budget, {})[key] = natural * account.sign
        parsed.rows[budget] = parsed.rows.get(budget, 0) + 1
    if not problems.errors and not parsed.total_rows:
        problems.add(0, "", "the file has no budget amounts")
    if problems.errors:
        raise ImportFileError(problems.errors, truncated=problems.truncated)
    if progress:
        progress(table.total, table.total)
    return parsed


@dataclass(frozen=True, slots=True)
class ExportRow:
    account: str
    month: date
    department: str | None
    project: str | None
    amount: int  # natural sign, minor units


def write_budget_file(path: Path, budget: str, rows: Sequence[ExportRow], exponent: int, fmt: str) -> int:
    """The columns the importer reads. Amounts are Decimals with the currency's decimals: plain text in CSV
    (a leading '-' is a sign, not text to neutralise), numbers in Excel."""

    def cells() -> Iterable[list[Any]]:
        for row in rows:
            yield [
                budget,
                row.account,
                f"{row.month:%Y-%m}",
                row.department or "",
                row.project or "",
                from_minor(row.amount, exponent),
            ]

    return write_table(path, COLUMNS, cells(), fmt=fmt, sheet="Budget")
