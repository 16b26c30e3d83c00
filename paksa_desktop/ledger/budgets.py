"""Budgets: monthly amounts per account (and optionally department/project), entered, copied or imported.

`BudgetService` is the only code that changes budgets; each call is one transaction that checks
`ledger.budget.manage` (exports: `ledger.export`), writes an audit row naming every changed cell, and
returns `Changes`. `BudgetQueries` reads them for the grid, the CLI and the statements.

Amounts come in and go out in natural sign (see budget_rules.py) and are stored in ledger sign.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.core.periods import add_months, fiscal_year_containing, month_end
from paksa_desktop.integration.tabular import file_format
from paksa_desktop.ledger.budget_files import CellKey, ExportRow, read_budget_file, write_budget_file
from paksa_desktop.ledger.budget_rules import (
    RESULT_TYPES,
    AccountRef,
    Catalogue,
    DimensionRef,
    ledger_sign,
    name_problem,
)
from paksa_desktop.ledger.models import (
    Account,
    AccountType,
    CompanySettings,
    Department,
    JournalEntry,
    JournalLine,
    Project,
)
from paksa_desktop.ledger.statement_models import Budget, BudgetAmount
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

MAX_AUDITED_CELLS = 1000  # an audit row names each changed cell up to this many, then counts the rest
CLOSING_SOURCE = "closing"  # journal_entries.source of the year-end closing entry


@dataclass(frozen=True, slots=True)
class BudgetCell:
    """One amount to set: `month` may be any day of the month; zero removes the cell."""

    account: str
    month: date
    amount: Decimal  # natural sign: positive revenue is a credit, positive expense a debit
    department: str | None = None
    project: str | None = None
    # what the caller last read for this cell (natural sign, 0: none), so that saving over a change made
    # meanwhile by another user is refused instead of silently undoing it; None: do not check
    expected: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BudgetRow:
    name: str
    description: str
    created_at: datetime
    created_by: str
    amounts: int  # stored cells
    first_month: date | None
    last_month: date | None


@dataclass(frozen=True, slots=True)
class BudgetGridRow:
    account_id: int
    code: str
    name: str
    type: AccountType
    is_active: bool
    is_leaf: bool
    amounts: tuple[Decimal, ...]  # natural sign, one per month of the grid

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    @property
    def editable(self) -> bool:
        """Only active leaf accounts take new amounts (others keep theirs until cleared)."""
        return self.is_active and self.is_leaf


@dataclass(frozen=True, slots=True)
class BudgetGrid:
    budget: str
    fiscal_year: str
    months: tuple[date, ...]
    department: str | None
    project: str | None
    currency: str
    exponent: int
    rows: tuple[BudgetGridRow, ...]

    def row(self, code: str) -> BudgetGridRow:
        return next(r for r in self.rows if r.code == code)


@dataclass(frozen=True, slots=True)
class CopyResult:
    cells: int  # non-zero amounts written
    accounts: int  # accounts whose months were set
    months: int
    skipped: tuple[str, ...]  # accounts with actuals that take no budget (inactive, or since made a parent)


@dataclass(frozen=True, slots=True)
class BudgetImportResult:
    amounts: int  # rows imported (a zero amount clears its cell)
    budgets: tuple[tuple[str, int], ...]  # (budget, rows) in file order
    created: tuple[str, ...]  # budgets the file named that did not exist


# ---------------------------------------------------------------------------------------------- shared reads


def load_catalogue(s: Session) -> Catalogue:
    currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
    rows = s.execute(
        select(Account.id, Account.code, Account.name, Account.type, Account.is_active, Account.parent_id)
    ).all()
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    accounts = {r.code: AccountRef(r.id, r.code, r.name, r.type, r.is_active, r.id not in parents) for r in rows}

    def dimensions(model: type[Department] | type[Project]) -> dict[str, DimensionRef]:
        found = s.execute(select(model.id, model.code, model.is_active)).all()
        return {r.code: DimensionRef(r.id, r.code, r.is_active) for r in found}

    return Catalogue(accounts, dimensions(Department), dimensions(Project), currency, currency_exponent(currency))


def _find_budget(s: Session, name: str, *, lock: bool = False) -> Budget:
    stmt = select(Budget).where(Budget.name == name)
    if lock:  # PostgreSQL: writers of one budget queue here, so no cell is inserted twice
        stmt = stmt.with_for_update()
    budget = s.execute(stmt).scalar_one_or_none()
    if budget is None:
        raise NotFoundError(f"unknown budget '{name}'")
    return budget


def _dimension_id(s: Session, model: type[Department] | type[Project], label: str, code: str | None) -> int | None:
    if not code:
        return None
    found = s.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"unknown {label} '{code}'")
    return int(found)


def _same(column: Any, value: int | None) -> Any:
    """Equality that treats two NULLs as the same dimension (SQL's = does not)."""
    return column.is_(None) if value is None else column == value


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


# ---------------------------------------------------------------------------------------------- writing cells


Change = tuple[CellKey, int | None, int | None]  # cell, amount before (None: no cell), after (None: removed)


class _StaleCells(Exception):
    """Cells changed by someone else since the caller read them: (cell, amount now in ledger sign)."""

    def __init__(self, cells: list[tuple[CellKey, int]]) -> None:
        super().__init__(f"{len(cells)} stale cells")
        self.cells = cells


def _replace_cells(
    s: Session, budget_id: int, cells: Mapping[CellKey, int], expected: Mapping[CellKey, int] | None = None
) -> list[Change]:
    """Set each cell to its ledger-sign amount (0 removes it), touching only rows that change.

    `expected` holds what the caller read (0: no cell) for the cells it edited: if another user has
    changed one since, nothing is written and `_StaleCells` names the cells and what they hold now.
    """
    if not cells:
        return []
    months = [key[1] for key in cells]
    existing = {
        (r.account_id, r.month, r.department_id, r.project_id): (r.id, r.amount)
        for r in s.execute(
            select(
                BudgetAmount.id,
                BudgetAmount.account_id,
                BudgetAmount.month,
                BudgetAmount.department_id,
                BudgetAmount.project_id,
                BudgetAmount.amount,
            ).where(BudgetAmount.budget_id == budget_id, BudgetAmount.month.between(min(months), max(months)))
        )
    }
    stale = [(key, now) for key, seen in (expected or {}).items() if (now := existing.get(key, (None, 0))[1]) != seen]
    if stale:
        raise _StaleCells(stale)
    changes: list[Change] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[int] = []
    for key, amount in cells.items():
        row_id, before = existing.get(key, (None, None))
        if row_id is None:
            if amount:
                inserts.append(
                    {
                        "budget_id": budget_id,
                        "account_id": key[0],
                        "month": key[1],
                        "department_id": key[2],
                        "project_id": key[3],
                        "amount": amount,
                    }
                )
                changes.append((key, None, amount))
        elif not amount:
            deletes.append(row_id)
            changes.append((key, before, None))
        elif amount != before:
            updates.append({"id": row_id, "amount": amount})
            changes.append((key, before, amount))
    for start in range(0, len(deletes), 500):
        s.execute(delete(BudgetAmount).where(BudgetAmount.id.in_(deletes[start : start + 500])))
    if updates:
        s.execute(update(BudgetAmount), updates)
    if inserts:
        s.execute(insert(BudgetAmount), inserts)
    return changes


def _audit_cells(catalogue: Catalogue, changes: Sequence[Change]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) naming each changed cell in natural sign, as a reader of the audit trail expects."""
    accounts = {a.id: a for a in catalogue.accounts.values()}
    departments = {d.id: d.code for d in catalogue.departments.values()}
    projects = {p.id: p.code for p in catalogue.projects.values()}
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for (account_id, month, dept, proj), old, new in changes[:MAX_AUDITED_CELLS]:
        account = accounts[account_id]
        label = f"{account.code} {month:%Y-%m}"
        if dept is not None:
            label += f" department {departments[dept]}"
        if proj is not None:
            label += f" project {projects[proj]}"

        def shown(value: int | None, account: AccountRef = account) -> str | None:
            return None if value is None else str(from_minor(value * account.sign, catalogue.exponent))

        before[label], after[label] = shown(old), shown(new)
    summary: dict[str, Any] = {"changed": len(changes)}
    if len(changes) > MAX_AUDITED_CELLS:
        summary["not_listed"] = len(changes) - MAX_AUDITED_CELLS
    return {"cells": before}, {**summary, "cells": after}


# ---------------------------------------------------------------------------------------------- the service


@retry_writes
class BudgetService(GuardedService):
    # ---- budgets
    def create_budget(self, name: str, description: str = "") -> Changes:
        with self._unit(Permission.BUDGET_MANAGE) as s:
            budget = self._new_budget(s, name, description)
            after = {"name": budget.name, "description": budget.description}
            trail.record(s, self.ctx, "create", "budget", budget.id, after=after)
        return Changes.of(Kind.BUDGETS)

    def _new_budget(self, s: Session, name: str, description: str = "") -> Budget:
        name = name.strip()
        problem = name_problem(name)
        if problem:
            raise ValidationError(problem)
        self._check_name_free(s, name)
        budget = Budget(
            name=name, description=description.strip(), created_at=self.ctx.clock.now(), created_by=self.ctx.username
        )
        s.add(budget)
        s.flush()
        return budget

    @staticmethod
    def _check_name_free(s: Session, name: str, but: int | None = None) -> None:
        """Names are unique ignoring letter case: 'Plan 2025' and 'plan 2025' would be told apart by nobody."""
        stmt = select(Budget.id, Budget.name).where(func.lower(Budget.name) == name.lower())
        for budget_id, existing in s.execute(stmt):
            if budget_id != but:
                raise ValidationError(f"a budget named '{existing}' already exists")

    def rename_budget(self, name: str, new_name: str) -> Changes:
        with self._unit(Permission.BUDGET_MANAGE) as s:
            budget = _find_budget(s, name, lock=True)
            new_name = new_name.strip()
            problem = name_problem(new_name)
            if problem:
                raise ValidationError(problem)
            if new_name == budget.name:
                return Changes()
            self._check_name_free(s, new_name, but=budget.id)
            budget.name = new_name
            trail.record(s, self.ctx, "update", "budget", budget.id, before={"name": name}, after={"name": new_name})
        return Changes.of(Kind.BUDGETS)

    def describe_budget(self, name: str, description: str) -> Changes:
        with self._unit(Permission.BUDGET_MANAGE) as s:
            budget = _find_budget(s, name, lock=True)
            before = budget.description
            if before == description.strip():
                return Changes()
            budget.description = description.strip()
            after = {"name": name, "description": budget.description}
            trail.record(s, self.ctx, "update", "budget", budget.id, before={"description": before}, after=after)
        return Changes.of(Kind.BUDGETS)

    def delete_budget(self, name: str) -> Changes:
        """The budget and all its amounts; the audit row lists the amounts it held."""
        with self._unit(Permission.BUDGET_MANAGE) as s:
            budget = _find_budget(s, name, lock=True)
            catalogue = load_catalogue(s)
            held: list[Change] = [
                ((r.account_id, r.month, r.department_id, r.project_id), r.amount, None)
                for r in s.execute(
                    select(
                        BudgetAmount.account_id,
                        BudgetAmount.month,
                        BudgetAmount.department_id,
                        BudgetAmount.project_id,
                        BudgetAmount.amount,
                    ).where(BudgetAmount.budget_id == budget.id)
                )
            ]
            before, _after = _audit_cells(catalogue, held)
            before.update(name=name, description=budget.description, amounts=len(held))
            trail.record(s, self.ctx, "delete", "budget", budget.id, before=before)
            s.execute(delete(BudgetAmount).where(BudgetAmount.budget_id == budget.id))
            s.delete(budget)
        return Changes.of(Kind.BUDGETS)

    # ---- amounts
    def set_amounts(self, budget_name: str, cells: Sequence[BudgetCell]) -> Changes:
        """Replace the given cells in one transaction; every bad cell is named, and then nothing is written."""
        with self._unit(Permission.BUDGET_MANAGE) as s:
            budget = _find_budget(s, budget_name, lock=True)
            catalogue = load_catalogue(s)
            values: dict[CellKey, int] = {}
            expected: dict[CellKey, int] = {}
            labels: dict[CellKey, BudgetCell] = {}
            problems: list[str] = []
            for cell in cells:
                checked = _check_cell(catalogue, cell)
                if isinstance(checked, str):
                    problems.append(checked)
                    continue
                key, amount = checked
                if key in values:
                    problems.append(f"{_cell_label(cell)}: given twice")
                values[key], labels[key] = amount, cell
                if cell.expected is not None and cell.expected.is_finite():
                    sign = catalogue.accounts[cell.account.strip()].sign
                    expected[key] = to_minor(cell.expected, catalogue.exponent) * sign
            if problems:
                raise ValidationError("\n".join(problems))
            try:
                changes = _replace_cells(s, budget.id, values, expected)
            except _StaleCells as stale:
                raise ConflictError(_stale_message(catalogue, labels, stale.cells)) from None
            if not changes:
                return Changes()
            before, after = _audit_cells(catalogue, changes)
            after["name"] = budget.name
            trail.record(s, self.ctx, "update", "budget", budget.id, before=before, after=after)
        return Changes.of(Kind.BUDGETS)

    def copy_from_actuals(
        self,
        budget_name: str,
        source_start: date,
        source_end: date,
        target_start: date,
        percent: Decimal,
        department: str | None = None,
        project: str | None = None,
        *,
        all_accounts: bool = False,
    ) -> tuple[CopyResult, Changes]:
        """Set each target month from the same month of the source range's posted actuals, changed by `percent`.

        The months run from `source_start`'s month to `source_end`'s; the first lands on `target_start`'s
        month. Income and expense accounts (every account with `all_accounts`, balance sheet accounts by
        their monthly movement) get exactly the actuals times (100 + percent) / 100, rounded half-even
        to the currency's minor unit; those accounts' other amounts in the target months are removed.
        Year-end closing entries (and reversals of them) are not actuals. With a department or project,
        only lines carrying it count and the amounts are set for it; without, all lines count.
        """
        with self._unit(Permission.BUDGET_MANAGE) as s:
            if source_end < source_start:
                raise ValidationError("the source range ends before it starts")
            if not percent.is_finite() or percent < -100:
                raise ValidationError(f"the change must be a percentage of at least -100, not {percent}")
            budget = _find_budget(s, budget_name, lock=True)
            catalogue = load_catalogue(s)
            dims = _checked_dimensions(catalogue, department, project)
            first = source_start.replace(day=1)
            months = _month_index(source_end) - _month_index(first) + 1
            offset = _month_index(target_start) - _month_index(first)
            # every account of the copied types, so that a month without actuals is set to zero too
            scope = [a for a in catalogue.accounts.values() if all_accounts or a.type in RESULT_TYPES]
            factor = (Decimal(100) + percent) / Decimal(100)
            values: dict[CellKey, int] = {}
            skipped: set[str] = set()
            by_id = {a.id: a for a in scope}
            for step in range(months):
                month = add_months(first, step)
                actuals = _monthly_actuals(s, month, dims, set(by_id))
                target = add_months(first, step + offset)
                for account in scope:
                    actual = actuals.get(account.id, 0)
                    if not (account.is_active and account.is_leaf):
                        if actual:
                            skipped.add(account.code)
                        continue
                    amount = int((Decimal(actual) * factor).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
                    problem = catalogue.amount_problem(amount)
                    if problem:
                        raise ValidationError(f"account {account.code}, {target:%Y-%m}: {amount} {problem}")
                    values[(account.id, target, dims[0], dims[1])] = amount
            changes = _replace_cells(s, budget.id, values)
            before, after = _audit_cells(catalogue, changes)
            after.update(
                source=f"{first:%Y-%m}..{source_end:%Y-%m}",
                target=f"{target_start:%Y-%m}..{add_months(target_start.replace(day=1), months - 1):%Y-%m}",
                percent=str(percent),
                department=department,
                project=project,
                all_accounts=all_accounts,
            )
            trail.record(s, self.ctx, "copy", "budget", budget.id, before=before, after={"name": budget.name, **after})
            accounts = {key[0] for key, amount in values.items() if amount}
            result = CopyResult(
                cells=sum(1 for amount in values.values() if amount),
                accounts=len(accounts),
                months=months,
                skipped=tuple(sorted(skipped)),
            )
        return result, Changes.of(Kind.BUDGETS)

    # ---- files
    def import_file(
        self,
        path: Path,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[BudgetImportResult, Changes]:
        """Every row of a budget file, or none: budgets it names that do not exist are created."""
        with self._unit(Permission.BUDGET_MANAGE) as s:
            path = Path(path)
            catalogue = load_catalogue(s)
            existing = set(s.execute(select(Budget.name)).scalars())
            parsed = read_budget_file(path, catalogue, existing, progress=progress, cancelled=cancelled)
            created: list[str] = []
            for name, cells in parsed.cells.items():
                if name in existing:
                    budget = _find_budget(s, name, lock=True)
                else:
                    budget = self._new_budget(s, name)
                    created.append(name)
                    trail.record(s, self.ctx, "create", "budget", budget.id, after={"name": name, "file": path.name})
                changes = _replace_cells(s, budget.id, cells)
                before, after = _audit_cells(catalogue, changes)
                after.update(name=name, file=path.name, rows=parsed.rows[name])
                trail.record(s, self.ctx, "import", "budget", budget.id, before=before, after=after)
            result = BudgetImportResult(parsed.total_rows, tuple(parsed.rows.items()), tuple(created))
        return result, Changes.of(Kind.BUDGETS)

    def export_file(self, path: Path, budget_name: str, fmt: str | None = None) -> int:
        """Every amount of the budget in the columns the import reads; returns the number of rows."""
        with self._read(Permission.LEDGER_EXPORT) as s:
            path = Path(path)
            kind = file_format(path, fmt)
            budget = _find_budget(s, budget_name)
            exponent = currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())
            rows = [
                ExportRow(code, month, dept, proj, amount * ledger_sign(account_type))
                for code, account_type, month, dept, proj, amount in s.execute(
                    select(
                        Account.code,
                        Account.type,
                        BudgetAmount.month,
                        Department.code,
                        Project.code,
                        BudgetAmount.amount,
                    )
                    .join(Account, Account.id == BudgetAmount.account_id)
                    .outerjoin(Department, Department.id == BudgetAmount.department_id)
                    .outerjoin(Project, Project.id == BudgetAmount.project_id)
                    .where(BudgetAmount.budget_id == budget.id)
                    .order_by(  # cells without a dimension first, on both engines
                        BudgetAmount.month,
                        Account.code,
                        Department.code.is_not(None),
                        Department.code,
                        Project.code.is_not(None),
                        Project.code,
                    )
                )
            ]
            name, budget_id = budget.name, budget.id
        count = write_budget_file(path, name, rows, exponent, kind)
        with self._unit(Permission.LEDGER_EXPORT) as s:
            after = {"name": name, "file": path.name, "rows": count}
            trail.record(s, self.ctx, "export", "budget", budget_id, after=after)
        return count


def _stale_message(
    catalogue: Catalogue, labels: Mapping[CellKey, BudgetCell], cells: Sequence[tuple[CellKey, int]]
) -> str:
    lines = ["another user changed these amounts since you opened the budget; nothing was saved:"]
    for key, now in cells:
        cell = labels[key]
        sign = catalogue.accounts[cell.account.strip()].sign
        now_shown = from_minor(now * sign, catalogue.exponent)
        lines.append(f"{_cell_label(cell)}: {now_shown} now (you started from {cell.expected})")
    lines.append("reload the budget to see their changes, then enter yours again")
    return "\n".join(lines)


def _cell_label(cell: BudgetCell) -> str:
    label = f"account {cell.account}, {cell.month:%Y-%m}"
    if cell.department:
        label += f", department {cell.department}"
    if cell.project:
        label += f", project {cell.project}"
    return label


def _check_cell(catalogue: Catalogue, cell: BudgetCell) -> tuple[CellKey, int] | str:
    """The cell's key and ledger-sign amount, or a message naming the cell and what is wrong with it."""
    label = _cell_label(cell)
    amount = cell.amount
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return f"{label}: '{amount}' is not an amount"
    try:
        minor = to_minor(amount, catalogue.exponent)
    except ValidationError:
        return f"{label}: {amount} has more than {catalogue.exponent} decimal places for {catalogue.currency}"
    too_large = catalogue.amount_problem(minor)
    if too_large:
        return f"{label}: {amount} {too_large}"
    account = catalogue.account(cell.account.strip(), clearing=minor == 0)
    if isinstance(account, str):
        return f"{label}: {account}"
    dims: list[int | None] = []
    for code, look_up in ((cell.department, catalogue.department), (cell.project, catalogue.project)):
        found = look_up(code.strip()) if code and code.strip() else None
        if isinstance(found, str):
            return f"{label}: {found}"
        dims.append(found.id if found is not None else None)
    month = date(cell.month.year, cell.month.month, 1)
    return (account.id, month, dims[0], dims[1]), minor * account.sign


def _checked_dimensions(catalogue: Catalogue, department: str | None, project: str | None) -> tuple[int | None, ...]:
    dims: list[int | None] = []
    for code, look_up in ((department, catalogue.department), (project, catalogue.project)):
        found = look_up(code) if code else None
        if isinstance(found, str):
            raise ValidationError(found)
        dims.append(found.id if found is not None else None)
    return tuple(dims)


def _monthly_actuals(s: Session, month: date, dims: tuple[int | None, ...], accounts: set[int]) -> dict[int, int]:
    """Posted movement per account in one month (ledger sign), without year-end closing entries."""
    closing = select(JournalEntry.id).where(JournalEntry.source == CLOSING_SOURCE)
    stmt = (
        select(JournalLine.account_id, func.sum(JournalLine.amount))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.date.between(month, month_end(month)),
            JournalEntry.source != CLOSING_SOURCE,
            or_(JournalEntry.reversal_of_id.is_(None), JournalEntry.reversal_of_id.not_in(closing)),
        )
        .group_by(JournalLine.account_id)
    )
    if dims[0] is not None:
        stmt = stmt.where(JournalLine.department_id == dims[0])
    if dims[1] is not None:
        stmt = stmt.where(JournalLine.project_id == dims[1])
    return {int(a): int(t) for a, t in s.execute(stmt) if a in accounts and t}


# ---------------------------------------------------------------------------------------------- the read side


class BudgetQueries(GuardedService):
    """Budgets for screens, the CLI and statements; everything returned is a frozen value."""

    def budgets(self) -> list[BudgetRow]:
        with self._read(Permission.LEDGER_VIEW) as s:
            stmt = (
                select(
                    Budget.name,
                    Budget.description,
                    Budget.created_at,
                    Budget.created_by,
                    func.count(BudgetAmount.id),
                    func.min(BudgetAmount.month),
                    func.max(BudgetAmount.month),
                )
                .outerjoin(BudgetAmount, BudgetAmount.budget_id == Budget.id)
                .group_by(Budget.id, Budget.name, Budget.description, Budget.created_at, Budget.created_by)
                .order_by(Budget.name)
            )
            return [BudgetRow(*row) for row in s.execute(stmt)]

    def budget(self, name: str) -> BudgetRow:
        found = next((b for b in self.budgets() if b.name == name), None)
        if found is None:
            raise NotFoundError(f"unknown budget '{name}'")
        return found

    def grid(
        self, budget_name: str, fiscal_year_start: date, department: str | None = None, project: str | None = None
    ) -> BudgetGrid:
        """The twelve months of the fiscal year containing `fiscal_year_start`, one row per account.

        Rows: every active leaf account, plus any other account holding amounts in that year. The cells
        are exactly those stored for this department and project (None: the ones without one), so what
        `set_amounts` wrote reads back unchanged.
        """
        with self._read(Permission.LEDGER_VIEW) as s:
            settings = s.execute(select(CompanySettings)).scalar_one()
            exponent = currency_exponent(settings.base_currency)
            budget = _find_budget(s, budget_name)
            dept_id = _dimension_id(s, Department, "department", department)
            proj_id = _dimension_id(s, Project, "project", project)
            year = fiscal_year_containing(fiscal_year_start, settings.fiscal_year_start_month)
            months = tuple(p.start for p in year.periods)
            stored: dict[int, dict[date, int]] = {}
            for account_id, month, amount in s.execute(
                select(BudgetAmount.account_id, BudgetAmount.month, BudgetAmount.amount).where(
                    BudgetAmount.budget_id == budget.id,
                    BudgetAmount.month.between(year.start, year.end),
                    _same(BudgetAmount.department_id, dept_id),
                    _same(BudgetAmount.project_id, proj_id),
                )
            ):
                stored.setdefault(account_id, {})[month] = amount
            accounts = s.execute(
                select(Account.id, Account.code, Account.name, Account.type, Account.is_active, Account.parent_id)
            ).all()
            parents = {a.parent_id for a in accounts if a.parent_id is not None}
            rows = []
            for a in sorted(accounts, key=lambda a: a.code):
                leaf = a.id not in parents
                cells = stored.get(a.id, {})
                if not cells and not (a.is_active and leaf):
                    continue
                sign = ledger_sign(a.type)
                amounts = tuple(from_minor(cells.get(m, 0) * sign, exponent) for m in months)
                rows.append(BudgetGridRow(a.id, a.code, a.name, a.type, a.is_active, leaf, amounts))
            return BudgetGrid(
                budget.name, year.name, months, department, project, settings.base_currency, exponent, tuple(rows)
            )

    def account_totals(
        self, budget_name: str, start: date, end: date, department: str | None = None, project: str | None = None
    ) -> dict[str, Decimal]:
        """Budgeted movement per account code over the months from `start` to `end`, in LEDGER sign
        (debit > 0) for comparison with a trial balance over the same range. Unlike `grid`, None means
        every cell whatever its dimension, as in the trial balance's filters."""
        with self._read(Permission.LEDGER_VIEW) as s:
            exponent = currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())
            budget = _find_budget(s, budget_name)
            conditions = [BudgetAmount.budget_id == budget.id, BudgetAmount.month.between(start.replace(day=1), end)]
            dept_id = _dimension_id(s, Department, "department", department)
            proj_id = _dimension_id(s, Project, "project", project)
            if dept_id is not None:
                conditions.append(BudgetAmount.department_id == dept_id)
            if proj_id is not None:
                conditions.append(BudgetAmount.project_id == proj_id)
            stmt = (
                select(Account.code, func.sum(BudgetAmount.amount))
                .join(Account, Account.id == BudgetAmount.account_id)
                .where(and_(*conditions))
                .group_by(Account.code)
                .order_by(Account.code)
            )
            return {code: from_minor(int(total), exponent) for code, total in s.execute(stmt) if total}
