"""Expense management: categories with policy limits, and employees' claims from draft to reimbursement.

A claim belongs to the user who wrote it (`created_by`). Its lines are spent in any currency, converted
at the rate table's rate of the line's day, with the recoverable tax split out of the tax-included
amount (`core.tax`, as an inclusive code). Submitting checks the category limits and flags what breaks
them (flagged, not refused: the approver decides). Approving, never by the claimant whatever the
company's segregation-of-duties switch, posts the claim in the same unit of work: numbered from the claim
series, one `ap_expense` entry in the purchases journal (Dr each line's category account net, Dr input
tax, Cr employee payable) and a bill of kind `expense_claim` owed to the claimant's vendor record, which
payment runs then reimburse like any bill (`mark_reimbursed` closes the claim when its bill is paid).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, format_amount, from_minor, is_currency, to_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.core.tax import TaxCode, TaxLine, TaxRounding, compute
from paksa_desktop.documents.models import Document, DocumentVersion, OwnerKind
from paksa_desktop.documents.service import configured_max_bytes
from paksa_desktop.documents.service import store as store_document
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.models import Account, AccountType, CompanySettings, Department, Project
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedEntry, PreparedLine
from paksa_desktop.payables.models import (
    Bill,
    BillKind,
    BillLine,
    BillState,
    ClaimState,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseClaimLine,
    Vendor,
)
from paksa_desktop.payables.settings import load_settings
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE, rate_text, to_base
from paksa_desktop.receivables.models import TaxCodeRow
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission

EDITABLE = (ClaimState.DRAFT, ClaimState.REJECTED)  # what the claimant may still change
# the standard chart's accounts for the categories most companies start with (use_standard_categories)
STANDARD_CATEGORIES = (
    ("TRAVEL", "Travel", "6170"),
    ("MEALS", "Meals and entertainment", "6180"),
    ("OFFICE", "Office supplies", "6130"),
    ("SOFTWARE", "Software subscriptions", "6140"),
    ("PHONE", "Telephone and internet", "6120"),
)
CLAIMANT_TERMS = "due on receipt"
RATE_HINT = "ask for the rate to be entered in the rate table (Exchange rates)"


# ----------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class CategoryInput:
    """A category as a form holds it: codes, and limits in the base currency (None: no limit)."""

    code: str
    name: str
    account: str
    tax_code: str = ""
    limit_per_line: Decimal | None = None
    limit_per_day: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    """A receipt image or PDF to store with the claim's line."""

    filename: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ClaimLineInput:
    date: date
    category: str  # category code
    amount: Decimal  # tax included, in `currency`
    description: str = ""
    currency: str = ""  # empty: the base currency
    tax_code: str | None = None  # None: the category's; "": no recoverable tax
    project: str = ""
    department: str = ""
    receipt_document_id: int | None = None  # the receipt already stored on this claim, kept
    receipt: ReceiptFile | None = None  # a new receipt, stored with the save


@dataclass(frozen=True, slots=True)
class ClaimInput:
    title: str
    lines: tuple[ClaimLineInput, ...]


@dataclass(frozen=True, slots=True)
class ClaimRef:
    id: int
    version: int
    number: str | None = None
    entry_id: int | None = None
    bill_id: int | None = None


# ----------------------------------------------------------------------------------------------- preparing


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    account_id: int
    tax_code_id: int | None
    limit_per_line: int | None
    limit_per_day: int | None


@dataclass(slots=True)
class CheckedLine:
    date: date
    category: CategoryInfo
    description: str
    currency: str
    amount: int
    rate: Decimal
    base_amount: int
    tax_code_id: int | None
    tax: int
    department_id: int | None
    project_id: int | None
    receipt_document_id: int | None
    receipt: ReceiptFile | None

    @property
    def net(self) -> int:
        return self.base_amount - self.tax


def _category_info(row: ExpenseCategory) -> CategoryInfo:
    return CategoryInfo(
        row.id, row.code, row.name, row.account_id, row.tax_code_id, row.limit_per_line, row.limit_per_day
    )


def base_currency(s: Session) -> str:
    return str(s.execute(select(CompanySettings.base_currency)).scalar_one())


def prepare_lines(s: Session, data: ClaimInput, claim_id: int | None, max_bytes: int) -> list[CheckedLine]:
    """Every line checked, converted and taxed; every problem named by its line, all at once."""
    base = base_currency(s)
    categories = {r.code: r for r in s.execute(select(ExpenseCategory)).scalars()}
    taxes = {r.code: r for r in s.execute(select(TaxCodeRow)).scalars()}
    taxes_by_id = {r.id: r for r in taxes.values()}
    projects = dict(s.execute(select(Project.code, Project.id).where(Project.is_active)).all())
    departments = dict(s.execute(select(Department.code, Department.id).where(Department.is_active)).all())
    receipts: set[int] = set()
    if claim_id is not None:
        receipts = set(
            s.execute(
                select(Document.id).where(
                    Document.owner_kind == OwnerKind.EXPENSE_CLAIM.value, Document.owner_id == str(claim_id)
                )
            ).scalars()
        )
    problems: list[str] = []
    if not data.lines:
        problems.append("a claim needs at least one line")
    if len(data.title) > 200:
        problems.append("title: at most 200 characters")
    prepared: list[CheckedLine] = []
    tax_lines: list[TaxLine] = []
    for n, line in enumerate(data.lines, start=1):
        where = f"line {n}"
        category = categories.get(line.category.strip())
        if category is None:
            problems.append(f"{where}: unknown expense category '{line.category}'")
            continue
        if not category.is_active:
            problems.append(f"{where}: category {category.code} is no longer in use")
        currency = (line.currency or base).strip().upper()
        if not is_currency(currency):
            problems.append(f"{where}: unknown currency '{line.currency}'")
            continue
        try:
            amount = to_minor(Decimal(line.amount), currency_exponent(currency))
        except ValidationError as exc:
            problems.append(f"{where}: amount {exc}")
            continue
        if amount <= 0:
            problems.append(f"{where}: the amount must be more than zero")
            continue
        try:
            rate = rate_on(s, currency, line.date, base, hint=RATE_HINT)
        except ValidationError as exc:
            problems.append(f"{where}: {exc}")
            continue
        tax_row: TaxCodeRow | None
        if line.tax_code is None:
            tax_row = taxes_by_id.get(category.tax_code_id) if category.tax_code_id else None
        elif line.tax_code.strip():
            tax_row = taxes.get(line.tax_code.strip())
            if tax_row is None:
                problems.append(f"{where}: unknown tax code '{line.tax_code}'")
                continue
            if not tax_row.is_active:
                problems.append(f"{where}: tax code {tax_row.code} is no longer in use")
        else:
            tax_row = None
        department_id = project_id = None
        if line.project.strip():
            project_id = projects.get(line.project.strip())
            if project_id is None:
                problems.append(f"{where}: unknown or inactive project '{line.project}'")
        if line.department.strip():
            department_id = departments.get(line.department.strip())
            if department_id is None:
                problems.append(f"{where}: unknown or inactive department '{line.department}'")
        if line.receipt_document_id is not None and line.receipt_document_id not in receipts:
            problems.append(f"{where}: receipt {line.receipt_document_id} is not one of this claim's")
        if line.receipt is not None:
            if not line.receipt.filename.strip():
                problems.append(f"{where}: the receipt needs a file name")
            elif len(line.receipt.content) > max_bytes:
                problems.append(f"{where}: {line.receipt.filename} is larger than documents may be")
            elif not line.receipt.content:
                problems.append(f"{where}: {line.receipt.filename} is empty")
        if len(line.description) > 2000:
            problems.append(f"{where}: description: at most 2000 characters")
        base_amount = to_base(amount, rate, currency, base)
        code = (
            TaxCode(tax_row.code, Decimal(tax_row.rate_e4) / PERCENT_SCALE, inclusive=True)
            if tax_row is not None
            else None
        )
        tax_lines.append(TaxLine(base_amount, code))
        prepared.append(
            CheckedLine(
                line.date,
                _category_info(category),
                line.description.strip(),
                currency,
                amount,
                rate,
                base_amount,
                tax_row.id if tax_row is not None else None,
                0,
                department_id,
                project_id,
                line.receipt_document_id,
                line.receipt,
            )
        )
    if problems:
        raise ValidationError("expense claim: " + "; ".join(problems))
    # the amounts include the tax (a receipt's total): split as an inclusive code, each line on its own
    summary = compute(tax_lines, TaxRounding.LINE)
    for line, split in zip(prepared, summary.lines, strict=True):
        line.tax = split.tax
    return prepared


# ----------------------------------------------------------------------------------------------- policy


def policy_flags(
    lines: Sequence[tuple[date, CategoryInfo, int]],
    exponent: int,
    currency: str,
    already: dict[tuple[date, int], int] | None = None,
) -> list[str]:
    """Each line's policy flag ("" when none): above its category's per-line limit, or on a day whose total
    for the category (this claim's lines plus `already`, the claimant's other live claims) is above the
    per-day limit. Amounts are base minor units."""

    def money(units: int) -> str:
        return f"{format_amount(from_minor(units, exponent), exponent, grouping=True)} {currency}"

    day_totals: dict[tuple[date, int], int] = dict(already or {})
    for day, category, amount in lines:
        day_totals[(day, category.id)] = day_totals.get((day, category.id), 0) + amount
    flags = []
    for day, category, amount in lines:
        found = []
        if category.limit_per_line is not None and amount > category.limit_per_line:
            found.append(f"above the {category.name} limit of {money(category.limit_per_line)} per expense")
        total = day_totals[(day, category.id)]
        if category.limit_per_day is not None and total > category.limit_per_day:
            found.append(
                f"{category.name} on {day} comes to {money(total)}, above the limit of "
                f"{money(category.limit_per_day)} a day"
            )
        flags.append("; ".join(found))
    return flags


# ----------------------------------------------------------------------------------------------- the service


def _claim_label(row: ExpenseClaim) -> str:
    return row.number or f"claim {row.id}"


def _summary(lines: Sequence[CheckedLine], title: str) -> dict[str, object]:
    return {
        "title": title,
        "lines": len(lines),
        "total": sum(line.base_amount for line in lines),
        "tax": sum(line.tax for line in lines),
    }


@retry_writes
class ExpenseService(GuardedService):
    """Categories (managed by approvers) and claims (written by their claimant, decided by an approver)."""

    def __init__(
        self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None, *, max_bytes: int | None = None
    ) -> None:
        super().__init__(engine, ctx)
        self.facts = facts
        self.max_bytes = max_bytes

    # ------------------------------------------------------------------ categories
    def create_category(self, data: CategoryInput) -> tuple[int, Changes]:
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            values = self._category_values(s, data)
            if s.execute(select(ExpenseCategory.id).where(ExpenseCategory.code == values["code"])).first():
                raise ValidationError(f"expense category {values['code']} already exists")
            row = ExpenseCategory(**values, is_active=True)
            s.add(row)
            s.flush()
            trail.record(s, self.ctx, "create", "expense_category", row.code, after=_plain(values))
            new_id = row.id
        return new_id, Changes.of(Kind.EXPENSES)

    def update_category(self, category_id: int, data: CategoryInput, version: int | None = None) -> Changes:
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            row = self._category(s, category_id, version)
            values = self._category_values(s, data)
            if values["code"] != row.code:
                raise ValidationError(f"a category keeps its code ({row.code}); create a new one instead")
            before = {k: getattr(row, k) for k in values}
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            old, new = trail.field_diff(_plain(before), _plain(values))
            trail.record(s, self.ctx, "update", "expense_category", row.code, before=old, after=new)
        return Changes.of(Kind.EXPENSES)

    def set_category_active(self, category_id: int, active: bool, version: int | None = None) -> Changes:
        """Deactivate (or reactivate) a category: claims already written keep it, new lines cannot take it."""
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            row = self._category(s, category_id, version)
            if row.is_active != active:
                row.is_active = active
                s.flush()
                trail.record(
                    s,
                    self.ctx,
                    "update",
                    "expense_category",
                    row.code,
                    before={"is_active": not active},
                    after={"is_active": active},
                )
        return Changes.of(Kind.EXPENSES)

    def use_standard_categories(self) -> tuple[int, Changes]:
        """Add the standard categories (travel, meals, office supplies, software, phone) whose account the
        chart has and whose code is not taken; returns how many were added."""
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            accounts = dict(s.execute(select(Account.code, Account.id).where(Account.is_active)).all())
            taken = set(s.execute(select(ExpenseCategory.code)).scalars())
            added = 0
            for code, name, account in STANDARD_CATEGORIES:
                if code in taken or account not in accounts:
                    continue
                s.add(ExpenseCategory(code=code, name=name, account_id=accounts[account], is_active=True))
                trail.record(s, self.ctx, "create", "expense_category", code, after={"name": name, "account": account})
                added += 1
            s.flush()
        return added, Changes.of(Kind.EXPENSES) if added else Changes()

    def _category(self, s: Session, category_id: int, version: int | None) -> ExpenseCategory:
        row = s.get(ExpenseCategory, category_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise NotFoundError(f"expense category {category_id} does not exist")
        if version is not None and row.version != version:
            raise trail.stale(s, f"expense category {row.code}", "expense_category", row.code)
        return row

    @staticmethod
    def _category_values(s: Session, data: CategoryInput) -> dict[str, object]:
        problems = []
        code = data.code.strip().upper()
        name = data.name.strip()
        if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
            problems.append(f"code: '{data.code}' must be 1-32 letters, digits, - or _")
        if not name or len(name) > 100:
            problems.append("name: 1-100 characters")
        account = s.execute(select(Account).where(Account.code == data.account.strip())).scalar_one_or_none()
        account_id = None
        if account is None:
            problems.append(f"account: unknown account '{data.account}'")
        elif not account.is_active:
            problems.append(f"account: {account.code} is inactive")
        elif account.type is not AccountType.EXPENSE:
            problems.append(f"account: {account.code} {account.name} is not an expense account")
        elif s.execute(select(Account.id).where(Account.parent_id == account.id).limit(1)).first():
            problems.append(f"account: {account.code} has sub-accounts; choose one of them")
        else:
            account_id = account.id
        tax_code_id = None
        if data.tax_code.strip():
            tax = s.execute(select(TaxCodeRow).where(TaxCodeRow.code == data.tax_code.strip())).scalar_one_or_none()
            if tax is None or not tax.is_active:
                problems.append(f"tax code: unknown or inactive tax code '{data.tax_code}'")
            else:
                tax_code_id = tax.id
        exponent = currency_exponent(base_currency(s))
        limits: dict[str, int | None] = {}
        for key in ("limit_per_line", "limit_per_day"):
            value = getattr(data, key)
            limits[key] = None
            if value is None:
                continue
            try:
                limits[key] = to_minor(Decimal(value), exponent)
            except ValidationError as exc:
                problems.append(f"{key.replace('_', ' ')}: {exc}")
                continue
            if limits[key] is not None and limits[key] <= 0:  # type: ignore[operator]
                problems.append(f"{key.replace('_', ' ')}: must be more than zero (leave it empty for no limit)")
        if problems:
            raise ValidationError("expense category: " + "; ".join(problems))
        return {"code": code, "name": name, "account_id": account_id, "tax_code_id": tax_code_id, **limits}

    # ------------------------------------------------------------------ the claimant's side
    def save_draft(
        self, data: ClaimInput, claim_id: int | None = None, version: int | None = None
    ) -> tuple[ClaimRef, Changes]:
        """Create or replace one's own draft (a rejected claim saved becomes a draft again); new receipts
        are stored with it, in the same transaction."""
        with self._unit(Permission.AP_EXPENSE_SUBMIT) as s:
            row = self._save(s, data, claim_id, version)
            ref = ClaimRef(row.id, row.version)
        return ref, Changes.of(Kind.EXPENSES)

    def delete_draft(self, claim_id: int, version: int | None = None) -> Changes:
        with self._unit(Permission.AP_EXPENSE_SUBMIT) as s:
            row = self._own(s, claim_id, version)
            receipts = list(
                s.execute(
                    select(Document).where(
                        Document.owner_kind == OwnerKind.EXPENSE_CLAIM.value, Document.owner_id == str(claim_id)
                    )
                ).scalars()
            )
            trail.record(s, self.ctx, "delete", "expense_claim", claim_id, before={"title": row.title})
            s.delete(row)
            # documents are never deleted: the receipts stay, filed under a key no later claim can take
            for doc in receipts:
                moved = f"deleted:{claim_id}:{doc.id}"
                trail.record(
                    s, self.ctx, "update", "document", doc.id,
                    before={"owner": f"expense_claim:{claim_id}"}, after={"owner": f"expense_claim:{moved}"},
                )  # fmt: skip
                doc.owner_id = moved
            s.flush()
        return Changes.of(Kind.EXPENSES)

    def attach_receipt(
        self, claim_id: int, line_no: int, receipt: ReceiptFile, version: int | None = None
    ) -> tuple[ClaimRef, Changes]:
        """Store a receipt on a line of one's own draft (a file of the same name becomes a new version)."""
        with self._unit(Permission.AP_EXPENSE_SUBMIT) as s:
            row = self._own(s, claim_id, version)
            line = next((ln for ln in row.lines if ln.line_no == line_no), None)
            if line is None:
                raise NotFoundError(f"{_claim_label(row)} has no line {line_no}")
            self._check_receipt(receipt)
            line.receipt_document_id = self._store_receipt(s, row.id, line_no, receipt)
            s.flush()
            ref = ClaimRef(row.id, row.version)
        return ref, Changes.of(Kind.EXPENSES)

    def submit(
        self, claim_id: int | None, version: int | None = None, *, data: ClaimInput | None = None
    ) -> tuple[ClaimRef, Changes]:
        """Send one's own draft for approval; with `data`, saved first in the same unit of work (a new claim
        when `claim_id` is None). Lines above a category limit are flagged (on the line and the claim), not
        refused."""
        with self._unit(Permission.AP_EXPENSE_SUBMIT) as s:
            if claim_id is None and data is None:
                raise ValidationError("which claim? give its id, or its content to save and submit")
            if data is None:
                assert claim_id is not None
                row = self._own(s, claim_id, version)
            else:
                row = self._save(s, data, claim_id, version)
            self._flag(s, row)
            row.state = ClaimState.SUBMITTED
            row.submitted_at = self.ctx.clock.now()
            s.flush()
            trail.record(
                s,
                self.ctx,
                "submit",
                "expense_claim",
                row.id,
                after={"total": row.total, "policy_flags": row.policy_flags},
            )
            ref = ClaimRef(row.id, row.version)
        return ref, Changes.of(Kind.EXPENSES)

    def _save(self, s: Session, data: ClaimInput, claim_id: int | None, version: int | None) -> ExpenseClaim:
        now = self.ctx.clock.now()
        if claim_id is None:
            row = ExpenseClaim(
                claimant_id=None,
                state=ClaimState.DRAFT,
                title="",
                total=0,
                tax_total=0,
                policy_flags="",
                created_by=self.ctx.user_id,
                created_at=now,
                decision_note="",
            )
            s.add(row)
            s.flush()
            action = "create"
        else:
            row = self._own(s, claim_id, version)
            action = "update"
        lines = prepare_lines(s, data, row.id, self._max_bytes())
        row.lines.clear()
        s.flush()
        row.title = data.title.strip()
        row.state = ClaimState.DRAFT
        row.policy_flags = ""
        row.total = sum(line.base_amount for line in lines)
        row.tax_total = sum(line.tax for line in lines)
        for n, line in enumerate(lines, start=1):
            receipt_id = line.receipt_document_id
            if line.receipt is not None:
                receipt_id = self._store_receipt(s, row.id, n, line.receipt)
            row.lines.append(
                ExpenseClaimLine(
                    line_no=n,
                    date=line.date,
                    category_id=line.category.id,
                    description=line.description,
                    currency=line.currency,
                    amount=line.amount,
                    rate=rate_text(line.rate),
                    base_amount=line.base_amount,
                    tax_code_id=line.tax_code_id,
                    tax=line.tax,
                    department_id=line.department_id,
                    project_id=line.project_id,
                    receipt_document_id=receipt_id,
                    policy_flag="",
                )
            )
        s.flush()
        trail.record(s, self.ctx, action, "expense_claim", row.id, after=_summary(lines, row.title))
        return row

    def _max_bytes(self) -> int:
        return self.max_bytes if self.max_bytes is not None else configured_max_bytes()

    def _check_receipt(self, receipt: ReceiptFile) -> None:
        if not receipt.filename.strip():
            raise ValidationError("the receipt needs a file name")
        if not receipt.content:
            raise ValidationError(f"{receipt.filename} is empty")
        if len(receipt.content) > self._max_bytes():
            raise ValidationError(f"{receipt.filename} is larger than documents may be")

    def _store_receipt(self, s: Session, claim_id: int, line_no: int, receipt: ReceiptFile) -> int:
        filename = receipt.filename.strip().replace("\\", "/").rsplit("/", 1)[-1]
        doc, _version = store_document(
            s, self.ctx, OwnerKind.EXPENSE_CLAIM, claim_id, filename, receipt.content, f"line {line_no}: {filename}"
        )
        return doc.id

    def _own(self, s: Session, claim_id: int, version: int | None) -> ExpenseClaim:
        """One's own claim, locked, still editable."""
        row = self._claim(s, claim_id, version)
        if row.created_by != self.ctx.user_id:
            raise ValidationError(f"{_claim_label(row)} is not yours: only its claimant changes it")
        if row.state not in EDITABLE:
            raise ValidationError(f"{_claim_label(row)} is {row.state.value}: it can no longer be changed")
        return row

    def _claim(self, s: Session, claim_id: int, version: int | None) -> ExpenseClaim:
        row = s.get(ExpenseClaim, claim_id, with_for_update=True, populate_existing=True)
        if row is None:
            if version is not None:
                raise trail.stale(s, f"claim {claim_id}", "expense_claim", claim_id, verb="deleted")
            raise NotFoundError(f"expense claim {claim_id} does not exist")
        if version is not None and row.version != version:
            raise trail.stale(s, _claim_label(row), "expense_claim", claim_id)
        return row

    def _flag(self, s: Session, row: ExpenseClaim) -> None:
        """The policy check: each line's flag, and the claim's list of them for the approver."""
        currency = base_currency(s)
        exponent = currency_exponent(currency)
        categories = {r.id: _category_info(r) for r in s.execute(select(ExpenseCategory)).scalars()}
        days = {line.date for line in row.lines}
        # the claimant's other claims on the same days count towards the daily limits (drafts and rejected
        # claims do not: they may never be claimed)
        already: dict[tuple[date, int], int] = {}
        if days:
            others = s.execute(
                select(ExpenseClaimLine.date, ExpenseClaimLine.category_id, func.sum(ExpenseClaimLine.base_amount))
                .join(ExpenseClaim, ExpenseClaim.id == ExpenseClaimLine.claim_id)
                .where(
                    ExpenseClaim.created_by == row.created_by,
                    ExpenseClaim.id != row.id,
                    ExpenseClaim.state.not_in((ClaimState.DRAFT, ClaimState.REJECTED)),
                    ExpenseClaimLine.date.in_(days),
                )
                .group_by(ExpenseClaimLine.date, ExpenseClaimLine.category_id)
            ).all()
            already = {(d, c): int(total) for d, c, total in others}
        flags = policy_flags(
            [(line.date, categories[line.category_id], line.base_amount) for line in row.lines],
            exponent,
            currency,
            already,
        )
        listed = []
        for line, flag in zip(row.lines, flags, strict=True):
            line.policy_flag = flag[:200]
            if flag:
                listed.append(f"line {line.line_no}: {flag}")
        row.policy_flags = "\n".join(listed)

    # ------------------------------------------------------------------ the approver's side
    def approve(self, claim_id: int, version: int | None = None, *, note: str = "") -> tuple[ClaimRef, Changes]:
        """Approve a submitted claim of someone else and post it: numbered, its entry, its bill, at once."""
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            row = self._to_decide(s, claim_id, version)
            now = self.ctx.clock.now()
            day = self.ctx.clock.today()
            settings = load_settings(s)
            poster = Poster(s, self.ctx, self.facts, day=day)
            problem = poster.date_problem(day)
            if problem:
                raise ValidationError(f"{_claim_label(row)} cannot be posted today: {problem}")
            period = poster.period(day)
            vendor = claimant_vendor(s, self.ctx, row.created_by)
            sequence = take_numbers(s, settings.claim_series, period.fiscal_year_id, 1)
            number = document_number(settings.claim_series, period.fiscal_year_name, sequence)
            categories = {r.id: r for r in s.execute(select(ExpenseCategory)).scalars()}
            gl: list[PreparedLine] = []
            for line in row.lines:
                net = line.base_amount - line.tax
                if net:
                    category = categories[line.category_id]
                    memo = (line.description or category.name)[:200]
                    gl.append(PreparedLine(category.account_id, net, memo, line.department_id, line.project_id))
            if row.tax_total:
                gl.append(PreparedLine(settings.input_tax_account_id, row.tax_total, f"Input tax {number}"))
            gl.append(PreparedLine(settings.employee_payable_account_id, -row.total, f"{number} {vendor.name}"[:200]))
            entry = PreparedEntry(
                journal_id=settings.purchases_journal_id,
                date=day,
                lines=gl,
                memo=f"Expense claim {number} {vendor.name}"[:500],
                reference=number,
                source="ap_expense",
            )
            poster.check(entry)
            poster.write([entry])
            base = base_currency(s)
            bill = Bill(
                kind=BillKind.EXPENSE_CLAIM,
                state=BillState.POSTED,
                vendor_id=vendor.id,
                number=number,
                series=settings.claim_series,
                fiscal_year_id=period.fiscal_year_id,
                sequence=sequence,
                vendor_invoice="",
                date=day,
                due_date=day,
                terms=CLAIMANT_TERMS,
                discount_date=None,
                discount_e4=0,
                currency=base,
                rate="1",
                control_account_id=settings.employee_payable_account_id,
                memo=row.title,
                net_total=row.total - row.tax_total,
                tax_total=row.tax_total,
                total=row.total,
                base_total=row.total,
                open_amount=row.total,
                withholding_e4=0,
                on_hold=False,
                claim_id=row.id,
                entry_id=entry.id,
                created_by=self.ctx.user_id,
                created_at=now,
                submitted_by=row.created_by,
                submitted_at=row.submitted_at,
                approved_by=self.ctx.user_id,
                approved_at=now,
                posted_by=self.ctx.user_id,
                posted_at=now,
            )
            for line in row.lines:
                bill.lines.append(
                    BillLine(
                        line_no=line.line_no,
                        item_id=None,
                        description=line.description or categories[line.category_id].name,
                        quantity_e4=QUANTITY_SCALE,
                        unit_price=line.base_amount,  # as entered: tax included
                        tax_code_id=line.tax_code_id,
                        account_id=categories[line.category_id].account_id,
                        department_id=line.department_id,
                        project_id=line.project_id,
                        net=line.base_amount - line.tax,
                        tax=line.tax,
                    )
                )
            s.add(bill)
            row.claimant_id = vendor.id
            row.number = number
            row.state = ClaimState.POSTED
            row.decided_by = self.ctx.user_id
            row.decided_at = now
            row.decision_note = note.strip()
            s.flush()
            trail.record(
                s,
                self.ctx,
                "approve",
                "expense_claim",
                row.id,
                before={"state": ClaimState.SUBMITTED.value},
                after={"state": ClaimState.APPROVED.value, "note": row.decision_note, "flags": row.policy_flags},
            )
            trail.record(
                s,
                self.ctx,
                "post",
                "expense_claim",
                row.id,
                after={"number": number, "entry_id": entry.id, "bill_id": bill.id, "total": row.total},
            )
            ref = ClaimRef(row.id, row.version, number, entry.id, bill.id)
        return ref, Changes.of(Kind.EXPENSES, Kind.BILLS, Kind.ENTRIES, Kind.VENDORS)

    def reject(self, claim_id: int, reason: str, version: int | None = None) -> tuple[ClaimRef, Changes]:
        """Send a submitted claim back to its claimant with the reason; they may change and resubmit it."""
        with self._unit(Permission.AP_EXPENSE_APPROVE) as s:
            why = (reason or "").strip()
            if not why:
                raise ValidationError("say why the claim is rejected: the claimant reads the reason")
            row = self._to_decide(s, claim_id, version)
            row.state = ClaimState.REJECTED
            row.decided_by = self.ctx.user_id
            row.decided_at = self.ctx.clock.now()
            row.decision_note = why
            s.flush()
            trail.record(
                s,
                self.ctx,
                "reject",
                "expense_claim",
                row.id,
                before={"state": ClaimState.SUBMITTED.value},
                after={"state": ClaimState.REJECTED.value, "reason": why},
            )
            ref = ClaimRef(row.id, row.version)
        return ref, Changes.of(Kind.EXPENSES)

    def _to_decide(self, s: Session, claim_id: int, version: int | None) -> ExpenseClaim:
        row = self._claim(s, claim_id, version)
        if row.created_by == self.ctx.user_id:
            # always, whatever the company's creator_cannot_approve switch: nobody reimburses themselves
            raise ValidationError(f"{_claim_label(row)} is your own claim: another approver decides it")
        if row.state is not ClaimState.SUBMITTED:
            raise ValidationError(f"{_claim_label(row)} is {row.state.value}, not waiting for approval")
        return row

    # ------------------------------------------------------------------ receipts
    def open_receipt(self, claim_id: int, line_no: int) -> tuple[str, bytes]:
        """A line's receipt (file name and bytes), for its claimant, an approver or a payables reader;
        opening is audited like any document."""
        _require_any(self.ctx, Permission.AP_EXPENSE_SUBMIT, Permission.AP_EXPENSE_APPROVE, Permission.AP_VIEW)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            row = s.get(ExpenseClaim, claim_id)
            if row is None:
                raise NotFoundError(f"expense claim {claim_id} does not exist")
            may_read = self.ctx.can(Permission.AP_EXPENSE_APPROVE) or self.ctx.can(Permission.AP_VIEW)
            if row.created_by != self.ctx.user_id and not may_read:
                raise PermissionDenied(self.ctx.username, Permission.AP_EXPENSE_APPROVE)
            line = next((ln for ln in row.lines if ln.line_no == line_no), None)
            if line is None or line.receipt_document_id is None:
                raise NotFoundError(f"line {line_no} of {_claim_label(row)} has no receipt")
            doc = s.get(Document, line.receipt_document_id)
            assert doc is not None
            version = s.execute(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == doc.id, DocumentVersion.number == doc.current_version
                )
            ).scalar_one()
            filename, content = version.filename, version.content
            trail.record(s, self.ctx, "open", "document", doc.id, after={"version": version.number})
            uow.commit()
        return filename, content


# ----------------------------------------------------------------------------------------------- shared


def _require_any(ctx: UserContext, *permissions: Permission) -> None:
    if not any(ctx.can(p) for p in permissions):
        raise PermissionDenied(ctx.username, permissions[0])


def _plain(values: dict[str, object]) -> dict[str, object]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def claimant_vendor(s: Session, ctx: UserContext, user_id: int) -> Vendor:
    """The vendor record standing for a user who claims expenses; created the first time (by the approver,
    who holds the vendors insert grant for it) with code EMP-<username>, due on receipt, base currency.
    Bank details for reimbursement are added later by a vendor manager."""
    found = s.execute(
        select(Vendor).where(Vendor.user_id == user_id, Vendor.is_employee).order_by(Vendor.id).limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return found
    user = s.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} does not exist")
    stem = f"EMP-{user.username}".upper()[:32]
    code, n = stem, 1
    while s.execute(select(Vendor.id).where(Vendor.code == code)).first() is not None:
        n += 1
        code = f"{stem[: 32 - len(str(n)) - 1]}-{n}"
    vendor = Vendor(
        code=code,
        name=(user.full_name or user.username)[:200],
        currency=base_currency(s),
        payment_terms=PaymentTerms.parse(CLAIMANT_TERMS).text(),
        is_employee=True,
        user_id=user_id,
        created_by=ctx.user_id,
        created_at=ctx.clock.now(),
        notes="Created for expense claims; a vendor manager adds the bank details for reimbursement.",
    )
    s.add(vendor)
    s.flush()
    trail.record(
        s, ctx, "create", "vendor", vendor.code, after={"name": vendor.name, "is_employee": True, "user": user.username}
    )
    return vendor


def mark_reimbursed(s: Session, ctx: UserContext, bill_ids: Iterable[int]) -> list[int]:
    """For the payment code, in its unit of work after it changed bills: the claims behind these bills
    follow them (bill paid: claim `reimbursed`; bill reopened by a void: `posted` again). Returns the ids
    of the claims that changed; each change is audited."""
    ids = sorted(set(bill_ids))
    if not ids:
        return []
    rows = s.execute(
        select(Bill.claim_id, Bill.state).where(
            Bill.id.in_(ids), Bill.kind == BillKind.EXPENSE_CLAIM, Bill.claim_id.is_not(None)
        )
    ).all()
    changed = []
    for claim_id, bill_state in rows:
        claim = s.get(ExpenseClaim, claim_id, with_for_update=True)
        assert claim is not None
        target = ClaimState.REIMBURSED if bill_state is BillState.PAID else ClaimState.POSTED
        if claim.state is target or claim.state not in (ClaimState.POSTED, ClaimState.REIMBURSED):
            continue
        before = claim.state
        claim.state = target
        trail.record(
            s, ctx, "update", "expense_claim", claim.id, before={"state": before.value}, after={"state": target.value}
        )
        changed.append(claim.id)
    s.flush()
    return changed
