"""Read models of expense management: categories, one's own claims, the approval queue, one claim with its
lines, flags and receipts, and the reports of expenses by category, employee or project.

Claims are their author's: a claimant reads their own; approvers (`payables.expense.approve`) and payables
readers (`payables.view`) read everyone's. Amounts are Decimals in the line's or the base currency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency
from paksa_desktop.documents.models import Document, DocumentVersion
from paksa_desktop.fx.rates import NoRateError, rate_on
from paksa_desktop.ledger.models import Account, CompanySettings, Department, Project
from paksa_desktop.payables.expenses import base_currency
from paksa_desktop.payables.models import Bill, ClaimState, ExpenseCategory, ExpenseClaim, ExpenseClaimLine
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import PERCENT_SCALE
from paksa_desktop.receivables.models import TaxCodeRow
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission

IN_THE_BOOKS = (ClaimState.POSTED, ClaimState.REIMBURSED)  # what the expense reports count


class ExpensesBy(enum.StrEnum):
    CATEGORY = "category"
    EMPLOYEE = "employee"
    PROJECT = "project"


@dataclass(frozen=True, slots=True)
class CategoryRow:
    id: int
    code: str
    name: str
    account: str
    account_name: str
    tax_code: str
    limit_per_line: Decimal | None  # base currency
    limit_per_day: Decimal | None
    is_active: bool
    version: int


@dataclass(frozen=True, slots=True)
class CodeName:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class TaxChoice:
    code: str
    name: str
    rate: Decimal  # percent


@dataclass(frozen=True, slots=True)
class ClaimChoices:
    """What a claim form offers: active categories, tax codes, projects, departments."""

    base_currency: str
    categories: tuple[CategoryRow, ...]
    tax_codes: tuple[TaxChoice, ...]
    projects: tuple[CodeName, ...]
    departments: tuple[CodeName, ...]


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    number: str  # empty until posted
    title: str
    claimant: str  # the author's full name (or username)
    claimant_user_id: int
    state: ClaimState
    currency: str  # the base currency: claims are reimbursed in it
    total: Decimal
    tax: Decimal
    lines: int
    flagged: bool
    created_at: datetime
    submitted_at: datetime | None
    decided_by: str
    decision_note: str
    version: int

    @property
    def label(self) -> str:
        """The claim's number once posted; before, its id (claims are numbered at posting, without gaps)."""
        return self.number or f"Claim {self.id}"


@dataclass(frozen=True, slots=True)
class ClaimLineRow:
    line_no: int
    date: date
    category: str
    category_name: str
    description: str
    currency: str
    amount: Decimal  # tax included, in `currency`
    rate: Decimal
    base_amount: Decimal
    tax_code: str
    tax: Decimal  # base currency
    department: str
    project: str
    receipt_document_id: int | None
    receipt_filename: str
    policy_flag: str


@dataclass(frozen=True, slots=True)
class ClaimDetail:
    claim: ClaimRow
    lines: tuple[ClaimLineRow, ...]
    policy_flags: tuple[str, ...]
    bill_id: int | None
    entry_id: int | None
    is_mine: bool


def _require_any(ctx: UserContext, *permissions: Permission) -> None:
    if not any(ctx.can(p) for p in permissions):
        raise PermissionDenied(ctx.username, permissions[0])


def _money(units: int | None, exponent: int) -> Decimal | None:
    return None if units is None else from_minor(units, exponent)


class ExpenseQueries:
    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    def _reads_everyone(self) -> bool:
        return self.ctx.can(Permission.AP_EXPENSE_APPROVE) or self.ctx.can(Permission.AP_VIEW)

    # ------------------------------------------------------------------ categories and choices
    def categories(self, include_inactive: bool = True) -> list[CategoryRow]:
        _require_any(self.ctx, Permission.AP_EXPENSE_SUBMIT, Permission.AP_EXPENSE_APPROVE, Permission.AP_VIEW)
        with UnitOfWork(self.engine, write=False) as uow:
            return _categories(uow.session, include_inactive)

    def choices(self) -> ClaimChoices:
        self.ctx.require(Permission.AP_EXPENSE_SUBMIT)
        with UnitOfWork(self.engine, write=False) as uow:
            s = uow.session
            taxes = tuple(
                TaxChoice(r.code, r.name, Decimal(r.rate_e4) / PERCENT_SCALE)
                for r in s.execute(select(TaxCodeRow).where(TaxCodeRow.is_active).order_by(TaxCodeRow.code)).scalars()
            )
            active_projects = select(Project.code, Project.name).where(Project.is_active).order_by(Project.code)
            projects = tuple(CodeName(c, n) for c, n in s.execute(active_projects))
            departments = tuple(
                CodeName(c, n)
                for c, n in s.execute(
                    select(Department.code, Department.name).where(Department.is_active).order_by(Department.code)
                )
            )
            return ClaimChoices(base_currency(s), tuple(_categories(s, False)), taxes, projects, departments)

    def rate(self, currency: str, day: date) -> Decimal | None:
        """The rate table's rate of a currency on a day (None when there is none): a form's live total."""
        self.ctx.require(Permission.AP_EXPENSE_SUBMIT)
        code = (currency or "").strip().upper()
        if not is_currency(code):
            raise ValidationError(f"unknown currency '{currency}'")
        with UnitOfWork(self.engine, write=False) as uow:
            try:
                return rate_on(uow.session, code, day, base_currency(uow.session))
            except NoRateError:
                return None

    # ------------------------------------------------------------------ claims
    def my_claims(self) -> list[ClaimRow]:
        self.ctx.require(Permission.AP_EXPENSE_SUBMIT)
        with UnitOfWork(self.engine, write=False) as uow:
            return _claims(uow.session, ExpenseClaim.created_by == self.ctx.user_id)

    def approval_queue(self) -> list[ClaimRow]:
        """Submitted claims of others, oldest first: what this approver may decide."""
        self.ctx.require(Permission.AP_EXPENSE_APPROVE)
        with UnitOfWork(self.engine, write=False) as uow:
            rows = _claims(
                uow.session,
                ExpenseClaim.state == ClaimState.SUBMITTED,
                ExpenseClaim.created_by != self.ctx.user_id,
            )
        return sorted(rows, key=lambda r: (r.submitted_at or r.created_at, r.id))

    def claims(self, state: ClaimState | None = None) -> list[ClaimRow]:
        """Everyone's claims (drafts stay their author's business and are left out)."""
        _require_any(self.ctx, Permission.AP_EXPENSE_APPROVE, Permission.AP_VIEW)
        with UnitOfWork(self.engine, write=False) as uow:
            where = [ExpenseClaim.state != ClaimState.DRAFT]
            if state is not None:
                where.append(ExpenseClaim.state == state)
            return _claims(uow.session, *where)

    def claim(self, claim_id: int) -> ClaimDetail:
        _require_any(self.ctx, Permission.AP_EXPENSE_SUBMIT, Permission.AP_EXPENSE_APPROVE, Permission.AP_VIEW)
        with UnitOfWork(self.engine, write=False) as uow:
            s = uow.session
            found = _claims(s, ExpenseClaim.id == claim_id)
            if not found:
                raise NotFoundError(f"expense claim {claim_id} does not exist")
            row = found[0]
            mine = row.claimant_user_id == self.ctx.user_id
            if not mine and (not self._reads_everyone() or row.state is ClaimState.DRAFT):
                raise PermissionDenied(self.ctx.username, Permission.AP_EXPENSE_APPROVE)
            exponent = currency_exponent(row.currency)
            tax_codes = dict(s.execute(select(TaxCodeRow.id, TaxCodeRow.code)).all())
            projects = dict(s.execute(select(Project.id, Project.code)).all())
            departments = dict(s.execute(select(Department.id, Department.code)).all())
            categories = {r.id: (r.code, r.name) for r in s.execute(select(ExpenseCategory)).scalars()}
            lines_q = (
                select(ExpenseClaimLine, DocumentVersion.filename)
                .outerjoin(Document, Document.id == ExpenseClaimLine.receipt_document_id)
                .outerjoin(
                    DocumentVersion,
                    (DocumentVersion.document_id == Document.id) & (DocumentVersion.number == Document.current_version),
                )
                .where(ExpenseClaimLine.claim_id == claim_id)
                .order_by(ExpenseClaimLine.line_no)
            )
            lines = []
            for line, filename in s.execute(lines_q).all():
                code, name = categories[line.category_id]
                lines.append(
                    ClaimLineRow(
                        line.line_no,
                        line.date,
                        code,
                        name,
                        line.description,
                        line.currency,
                        from_minor(line.amount, currency_exponent(line.currency)),
                        Decimal(line.rate),
                        from_minor(line.base_amount, exponent),
                        tax_codes.get(line.tax_code_id, "") if line.tax_code_id else "",
                        from_minor(line.tax, exponent),
                        departments.get(line.department_id, "") if line.department_id else "",
                        projects.get(line.project_id, "") if line.project_id else "",
                        line.receipt_document_id,
                        filename or "",
                        line.policy_flag,
                    )
                )
            bill = s.execute(select(Bill.id, Bill.entry_id).where(Bill.claim_id == claim_id)).first()
            flags = s.execute(select(ExpenseClaim.policy_flags).where(ExpenseClaim.id == claim_id)).scalar_one()
            return ClaimDetail(
                row,
                tuple(lines),
                tuple(f for f in flags.splitlines() if f.strip()),
                bill.id if bill else None,
                bill.entry_id if bill else None,
                mine,
            )

    # ------------------------------------------------------------------ reports
    def expenses(self, by: ExpensesBy | str, start: date, end: date) -> Report:
        """Expenses of posted claims by category, employee or project, for lines dated in the period."""
        _require_any(self.ctx, Permission.AP_VIEW, Permission.AP_EXPENSE_APPROVE)
        try:
            grouping = ExpensesBy(by)
        except ValueError:
            raise ValidationError(f"expenses by '{by}'? choose category, employee or project") from None
        if start is None or end is None or end < start:
            raise ValidationError("the period's end must be on or after its start")
        with UnitOfWork(self.engine, write=False) as uow:
            return expenses_report(uow.session, grouping, start, end)


def _categories(s: Session, include_inactive: bool) -> list[CategoryRow]:
    exponent = currency_exponent(base_currency(s))
    query = (
        select(ExpenseCategory, Account.code, Account.name, TaxCodeRow.code)
        .join(Account, Account.id == ExpenseCategory.account_id)
        .outerjoin(TaxCodeRow, TaxCodeRow.id == ExpenseCategory.tax_code_id)
        .order_by(ExpenseCategory.code)
    )
    if not include_inactive:
        query = query.where(ExpenseCategory.is_active)
    return [
        CategoryRow(
            c.id,
            c.code,
            c.name,
            account,
            account_name,
            tax or "",
            _money(c.limit_per_line, exponent),
            _money(c.limit_per_day, exponent),
            c.is_active,
            c.version,
        )
        for c, account, account_name, tax in s.execute(query).all()
    ]


def _claims(s: Session, *where: object) -> list[ClaimRow]:
    currency = base_currency(s)
    exponent = currency_exponent(currency)
    users = {uid: (full or name) for uid, name, full in s.execute(select(User.id, User.username, User.full_name))}
    counts = select(ExpenseClaimLine.claim_id, func.count().label("n")).group_by(ExpenseClaimLine.claim_id).subquery()
    query = (
        select(ExpenseClaim, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.claim_id == ExpenseClaim.id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(ExpenseClaim.created_at.desc(), ExpenseClaim.id.desc())
    )
    return [
        ClaimRow(
            c.id,
            c.number or "",
            c.title,
            users.get(c.created_by, ""),
            c.created_by,
            c.state,
            currency,
            from_minor(c.total, exponent),
            from_minor(c.tax_total, exponent),
            int(n),
            bool(c.policy_flags.strip()),
            c.created_at,
            c.submitted_at,
            users.get(c.decided_by, "") if c.decided_by else "",
            c.decision_note,
            c.version,
        )
        for c, n in s.execute(query).all()
    ]


def expenses_report(s: Session, by: ExpensesBy, start: date, end: date) -> Report:
    """One row per category, employee or project (lines without a project under "No project"): claims,
    lines, net, recoverable tax and gross in the base currency, as the claims' entries posted them."""
    company, currency = s.execute(select(CompanySettings.name, CompanySettings.base_currency)).one()
    exponent = currency_exponent(currency)
    query = (
        select(
            ExpenseClaim.id,
            ExpenseClaim.created_by,
            ExpenseClaimLine.category_id,
            ExpenseClaimLine.project_id,
            ExpenseClaimLine.base_amount,
            ExpenseClaimLine.tax,
        )
        .join(ExpenseClaim, ExpenseClaim.id == ExpenseClaimLine.claim_id)
        .where(
            ExpenseClaim.state.in_(IN_THE_BOOKS),
            ExpenseClaimLine.date >= start,
            ExpenseClaimLine.date <= end,
        )
    )
    names: dict[int | None, tuple[str, str]]
    if by is ExpensesBy.CATEGORY:
        names = {r.id: (r.code, r.name) for r in s.execute(select(ExpenseCategory)).scalars()}
        key_title = ("Category", "Name")
    elif by is ExpensesBy.EMPLOYEE:
        people = s.execute(select(User.id, User.username, User.full_name)).all()
        names = {uid: (name, full or name) for uid, name, full in people}
        key_title = ("User", "Name")
    else:
        names = {pid: (code, name) for pid, code, name in s.execute(select(Project.id, Project.code, Project.name))}
        names[None] = ("", "No project")
        key_title = ("Project", "Name")
    groups: dict[int | None, list[int]] = {}  # key -> [lines, gross, tax]
    claims: dict[int | None, set[int]] = {}
    for claim_id, user_id, category_id, project_id, gross, tax in s.execute(query).all():
        key = category_id if by is ExpensesBy.CATEGORY else user_id if by is ExpensesBy.EMPLOYEE else project_id
        sums = groups.setdefault(key, [0, 0, 0])
        sums[0] += 1
        sums[1] += gross
        sums[2] += tax
        claims.setdefault(key, set()).add(claim_id)

    def money(units: int) -> Decimal:
        return from_minor(units, exponent)

    def figures(lines: int, gross: int, tax: int, n_claims: int) -> tuple[object, ...]:
        return (n_claims, lines, money(gross - tax), money(tax), money(gross))

    rows = []
    for key in sorted(groups, key=lambda k: (k is None, names.get(k, ("", ""))[0])):
        code, name = names.get(key, ("?", "?"))
        lines, gross, tax = groups[key]
        rows.append(ReportRow((code, name, *figures(lines, gross, tax, len(claims[key])))))  # type: ignore[arg-type]
    all_claims = set().union(*claims.values()) if claims else set()
    total = [sum(g[i] for g in groups.values()) for i in range(3)]
    title = {
        ExpensesBy.CATEGORY: "Expenses by category",
        ExpensesBy.EMPLOYEE: "Expenses by employee",
        ExpensesBy.PROJECT: "Expenses by project",
    }[by]
    return Report(
        title,
        (
            Column(by.value, key_title[0]),
            Column("name", key_title[1]),
            Column("claims", "Claims", ColumnKind.INTEGER),
            Column("lines", "Expenses", ColumnKind.INTEGER),
            Column("net", "Net", ColumnKind.MONEY),
            Column("tax", "Tax", ColumnKind.MONEY),
            Column("gross", "Gross", ColumnKind.MONEY),
        ),
        tuple(rows),
        subtitle=f"{start:%d %B %Y} to {end:%d %B %Y} (posted claims, by the date of each expense)",
        company=company,
        currency=currency,
        exponent=exponent,
        totals=(ReportRow(("", "Total", *figures(*total, len(all_claims))), RowStyle.TOTAL),),  # type: ignore[arg-type]
        meta={"start": start, "end": end, "by": by.value, "gross": money(total[1])},
    )
