"""Read models of bills for screens and the CLI: the bills list with its filters, one bill with its lines
and approval history, the approval queue and the recurring bills. Plain frozen rows, Decimal amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import Account, CompanySettings, Department, JournalEntry, Project
from paksa_desktop.payables.models import (
    ApprovalAction,
    Bill,
    BillApproval,
    BillKind,
    BillState,
    RecurringBill,
    Vendor,
)
from paksa_desktop.receivables.amounts import QUANTITY_SCALE
from paksa_desktop.receivables.models import Item, TaxCodeRow
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import SecurityPolicy, User
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class BillRow:
    id: int
    kind: BillKind
    state: BillState
    number: str | None
    vendor_code: str
    vendor_name: str
    vendor_invoice: str
    date: date
    due_date: date
    currency: str
    total: Decimal
    open_amount: Decimal
    base_total: Decimal
    entered_by: str
    on_hold: bool
    version: int


@dataclass(frozen=True, slots=True)
class BillLineRow:
    line_no: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: str
    tax_code: str
    department: str
    project: str
    item: str
    net: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    action: ApprovalAction
    user: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class BillDetail:
    row: BillRow
    terms: str
    discount_date: date | None
    rate: Decimal
    memo: str
    net_total: Decimal
    tax_total: Decimal
    credits: str | None  # the bill a credit note corrects
    entry_number: str | None
    lines: tuple[BillLineRow, ...]
    approvals: tuple[ApprovalRow, ...]


@dataclass(frozen=True, slots=True)
class RecurringBillRow:
    id: int
    name: str
    vendor_code: str
    frequency: str
    next_date: date
    end_date: date | None
    memo: str
    is_active: bool
    version: int


class BillQueries(GuardedService):
    def bills(
        self,
        *,
        state: BillState | str | None = None,
        vendor: str | None = None,
        due_before: date | None = None,
        kind: BillKind | str | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[BillRow]:
        """Bills and vendor credit notes, newest first; `due_before`: due on or before that day."""
        with self._read(Permission.AP_VIEW) as s:
            stmt = _rows_query()
            if state is not None:
                stmt = stmt.where(Bill.state == BillState(state))
            if kind is not None:
                stmt = stmt.where(Bill.kind == BillKind(kind))
            else:
                stmt = stmt.where(Bill.kind != BillKind.EXPENSE_CLAIM)
            if vendor:
                stmt = stmt.where(Vendor.code == vendor.strip())
            if due_before is not None:
                stmt = stmt.where(Bill.due_date <= due_before)
            stmt = stmt.order_by(Bill.date.desc(), Bill.id.desc()).limit(limit).offset(offset)
            base = _base_exponent(s)
            return [_row(r, base) for r in s.execute(stmt)]

    def bill(self, bill_id: int) -> BillDetail:
        """One bill with its lines and approval history."""
        with self._read(Permission.AP_VIEW) as s:
            found = s.execute(_rows_query().where(Bill.id == bill_id)).first()
            if found is None:
                raise NotFoundError(f"bill {bill_id} does not exist")
            row = _row(found, _base_exponent(s))
            bill = s.get(Bill, bill_id)
            assert bill is not None
            return _detail(s, row, bill)

    def bill_by_number(self, number: str) -> BillDetail:
        with self._read(Permission.AP_VIEW) as s:
            found = s.execute(_rows_query().where(Bill.number == number.strip())).first()
            if found is None:
                raise NotFoundError(f"bill {number} does not exist")
            row = _row(found, _base_exponent(s))
            bill = s.get(Bill, row.id)
            assert bill is not None
            return _detail(s, row, bill)

    def approval_queue(self) -> list[BillRow]:
        """Submitted bills the current user may approve (none without payables.bill.approve; not their own
        when the company's segregation-of-duties policy is on), oldest first."""
        with self._read(Permission.AP_VIEW) as s:
            if not self.ctx.can(Permission.AP_BILL_APPROVE):
                return []
            stmt = _rows_query().where(Bill.state == BillState.SUBMITTED, Bill.kind != BillKind.EXPENSE_CLAIM)
            if s.execute(select(SecurityPolicy.creator_cannot_approve).where(SecurityPolicy.id == 1)).scalar():
                stmt = stmt.where(Bill.created_by != self.ctx.user_id)
            base = _base_exponent(s)
            return [_row(r, base) for r in s.execute(stmt.order_by(Bill.submitted_at, Bill.id))]

    def recurring_bills(self) -> list[RecurringBillRow]:
        with self._read(Permission.AP_VIEW) as s:
            rows = s.execute(
                select(RecurringBill, Vendor.code)
                .join(Vendor, Vendor.id == RecurringBill.vendor_id)
                .order_by(RecurringBill.name)
            ).all()
            return [
                RecurringBillRow(
                    r.id, r.name, code, r.frequency, r.next_date, r.end_date, r.memo, r.is_active, r.version
                )
                for r, code in rows
            ]


def _rows_query():  # type: ignore[no-untyped-def]
    return (
        select(
            Bill.id, Bill.kind, Bill.state, Bill.number, Vendor.code, Vendor.name, Bill.vendor_invoice, Bill.date,
            Bill.due_date, Bill.currency, Bill.total, Bill.open_amount, Bill.base_total, User.username,
            Bill.on_hold, Bill.version,
        )
        .join(Vendor, Vendor.id == Bill.vendor_id)
        .join(User, User.id == Bill.created_by)
    )  # fmt: skip


def _row(r, base_exponent: int) -> BillRow:  # type: ignore[no-untyped-def]
    exponent = currency_exponent(r.currency)
    return BillRow(
        r.id, r.kind, r.state, r.number, r.code, r.name, r.vendor_invoice, r.date, r.due_date, r.currency,
        from_minor(r.total, exponent), from_minor(r.open_amount, exponent), from_minor(r.base_total, base_exponent),
        r.username, r.on_hold, r.version,
    )  # fmt: skip


def _base_exponent(s: Session) -> int:
    return currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())


def _detail(s: Session, row: BillRow, bill: Bill) -> BillDetail:
    exponent = currency_exponent(bill.currency)
    accounts = dict(s.execute(select(Account.id, Account.code)).all())
    taxes = dict(s.execute(select(TaxCodeRow.id, TaxCodeRow.code)).all())
    departments = dict(s.execute(select(Department.id, Department.code)).all())
    projects = dict(s.execute(select(Project.id, Project.code)).all())
    item_ids = {ln.item_id for ln in bill.lines if ln.item_id}
    items = dict(s.execute(select(Item.id, Item.code).where(Item.id.in_(item_ids))).all()) if item_ids else {}
    lines = tuple(
        BillLineRow(
            ln.line_no,
            ln.description,
            Decimal(ln.quantity_e4) / QUANTITY_SCALE,
            from_minor(ln.unit_price, exponent),
            accounts.get(ln.account_id, ""),
            taxes.get(ln.tax_code_id, "") if ln.tax_code_id else "",
            departments.get(ln.department_id, "") if ln.department_id else "",
            projects.get(ln.project_id, "") if ln.project_id else "",
            items.get(ln.item_id, "") if ln.item_id else "",
            from_minor(ln.net, exponent),
            from_minor(ln.tax, exponent),
        )
        for ln in bill.lines
    )
    who = aliased(User)
    approvals = tuple(
        ApprovalRow(action, username, at, note)
        for action, username, at, note in s.execute(
            select(BillApproval.action, who.username, BillApproval.at, BillApproval.note)
            .join(who, who.id == BillApproval.user_id)
            .where(BillApproval.bill_id == bill.id)
            .order_by(BillApproval.id)
        )
    )
    credits = None
    if bill.credited_bill_id is not None:
        credits = s.execute(select(Bill.number).where(Bill.id == bill.credited_bill_id)).scalar()
    entry_number = None
    if bill.entry_id is not None:
        entry_number = s.execute(select(JournalEntry.number).where(JournalEntry.id == bill.entry_id)).scalar()
    return BillDetail(
        row, bill.terms, bill.discount_date, Decimal(bill.rate), bill.memo, from_minor(bill.net_total, exponent),
        from_minor(bill.tax_total, exponent), credits, entry_number, lines, approvals,
    )  # fmt: skip
