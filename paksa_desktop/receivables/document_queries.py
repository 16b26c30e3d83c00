"""Read models of receivables documents: invoice and receipt lists, one invoice with its history,
customer credit and exposure, and the as-of sums that aging and the control reconciliation use.

As-of figures come from the settlement history (a settlement counts on a day when it is dated on or
before it and was not reversed by then), so a report for any past date shows what was open then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.fx import REVALUATION_SOURCE
from paksa_desktop.ledger.models import Account, CompanySettings, Department, JournalEntry, JournalLine, Project
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE
from paksa_desktop.receivables.invoicing import customer_exposure
from paksa_desktop.receivables.models import (
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Item,
    Receipt,
    Settlement,
    TaxCodeRow,
)
from paksa_desktop.receivables.settings import load_settings
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: int
    kind: DocumentKind
    state: InvoiceState
    number: str | None
    customer: str
    customer_name: str
    date: date
    due_date: date
    currency: str
    total: Decimal
    open_amount: Decimal
    reference: str
    days_overdue: int  # on the day asked (0 when not due or settled)
    version: int


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    line_no: int
    item: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_code: str | None
    account: str
    net: Decimal
    tax: Decimal
    department: str | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class SettlementView:
    kind: str
    date: date
    source: str  # receipt or credit note number, or "" (write-off)
    amount: Decimal
    discount: Decimal
    written_off: Decimal
    reversed_on: date | None


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    row: InvoiceRow
    terms: str
    rate: Decimal
    memo: str
    net_total: Decimal
    tax_total: Decimal
    base_total: Decimal
    credits: str | None  # the invoice a credit note corrects
    entry_number: str | None
    lines: tuple[InvoiceLineView, ...]
    tax_summary: tuple[tuple[str, Decimal, Decimal], ...]  # (code, base, tax)
    settlements: tuple[SettlementView, ...]
    created_by: str
    posted_by: str | None


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    id: int
    number: str
    customer: str
    customer_name: str
    date: date
    method: str
    bank_account: str
    currency: str
    amount: Decimal
    unapplied: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class CreditSource:
    """Customer credit that can be applied or refunded: a receipt's remainder or an open credit note."""

    number: str
    kind: str  # "receipt" or "credit_note"
    date: date
    currency: str
    available: Decimal


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice, credit note or receipt with what was open of it on a day (document and base units)."""

    kind: str  # "invoice", "credit_note", "receipt"
    id: int
    number: str
    customer_id: int
    date: date
    due_date: date
    currency: str
    open_units: int  # signed: credits negative
    open_base: int


def settled_as_of(as_of: date) -> ColumnElement[bool]:
    """Settlements that count on `as_of`: dated by then and not reversed by then."""
    return and_(Settlement.date <= as_of, or_(Settlement.reversed_on.is_(None), Settlement.reversed_on > as_of))


def open_items_query(as_of: date, customer_id: int | None = None) -> list[Select]:
    """Three statements (invoices, credit notes, receipts), each row: kind, id, number, customer_id, date,
    due_date, currency, open units, open base, as of the day. One pass each, grouped sums joined in."""
    by_invoice = (
        select(
            Settlement.invoice_id.label("doc_id"),
            func.sum(Settlement.amount + Settlement.discount + Settlement.written_off).label("units"),
            func.sum(Settlement.base_amount).label("base"),
        )
        .where(Settlement.invoice_id.is_not(None), settled_as_of(as_of))
        .group_by(Settlement.invoice_id)
        .subquery()
    )
    by_note = (
        select(
            Settlement.credit_note_id.label("doc_id"),
            func.sum(Settlement.amount).label("units"),
            func.sum(Settlement.source_base).label("base"),
        )
        .where(Settlement.credit_note_id.is_not(None), settled_as_of(as_of))
        .group_by(Settlement.credit_note_id)
        .subquery()
    )
    by_receipt = (
        select(
            Settlement.receipt_id.label("doc_id"),
            func.sum(Settlement.amount).label("units"),
            func.sum(Settlement.source_base).label("base"),
        )
        .where(Settlement.receipt_id.is_not(None), settled_as_of(as_of))
        .group_by(Settlement.receipt_id)
        .subquery()
    )
    queries: list[Select] = []
    for kind, sums, sign in ((DocumentKind.INVOICE, by_invoice, 1), (DocumentKind.CREDIT_NOTE, by_note, -1)):
        units = Invoice.total - func.coalesce(sums.c.units, 0)
        base = Invoice.base_total - func.coalesce(sums.c.base, 0)
        stmt = (
            select(
                Invoice.kind,
                Invoice.id,
                Invoice.number,
                Invoice.customer_id,
                Invoice.date,
                Invoice.due_date,
                Invoice.currency,
                (sign * units).label("open_units"),
                (sign * base).label("open_base"),
            )
            .outerjoin(sums, sums.c.doc_id == Invoice.id)
            .where(
                Invoice.kind == kind,
                Invoice.state != InvoiceState.DRAFT,
                Invoice.date <= as_of,
                or_(units != 0, base != 0),
            )
        )
        if customer_id is not None:
            stmt = stmt.where(Invoice.customer_id == customer_id)
        queries.append(stmt)
    units = Receipt.amount - func.coalesce(by_receipt.c.units, 0)
    base = Receipt.base_amount - func.coalesce(by_receipt.c.base, 0)
    stmt = (
        select(
            literal("receipt").label("kind"),
            Receipt.id,
            Receipt.number,
            Receipt.customer_id,
            Receipt.date,
            Receipt.date.label("due_date"),
            Receipt.currency,
            (-units).label("open_units"),
            (-base).label("open_base"),
        )
        .outerjoin(by_receipt, by_receipt.c.doc_id == Receipt.id)
        .where(Receipt.date <= as_of, or_(units != 0, base != 0))
    )
    if customer_id is not None:
        stmt = stmt.where(Receipt.customer_id == customer_id)
    queries.append(stmt)
    return queries


def open_items(s: Session, as_of: date, customer_id: int | None = None) -> list[OpenItem]:
    items = []
    for stmt in open_items_query(as_of, customer_id):
        for r in s.execute(stmt):
            kind = r[0].value if isinstance(r[0], DocumentKind) else str(r[0])
            items.append(OpenItem(kind, r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]), int(r[8])))
    items.sort(key=lambda i: (i.customer_id, i.due_date, i.number))
    return items


def control_balance(s: Session, account_id: int, as_of: date) -> int:
    return int(
        s.execute(
            select(func.coalesce(func.sum(JournalLine.amount), 0)).where(
                JournalLine.account_id == account_id, JournalLine.date <= as_of
            )
        ).scalar_one()
    )


def revaluation_balance(s: Session, account_id: int, as_of: date) -> int:
    """What period-end revaluations (and their reversals) left on a control account on `as_of`."""
    return int(
        s.execute(
            select(func.coalesce(func.sum(JournalLine.amount), 0))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.account_id == account_id,
                JournalLine.date <= as_of,
                JournalEntry.source == REVALUATION_SOURCE,
            )
        ).scalar_one()
    )


@dataclass(frozen=True, slots=True)
class Reconciliation:
    as_of: date
    account: str
    subledger: Decimal
    control: Decimal
    # Unrealised exchange differences on the control account (period-end revaluation entries not yet
    # reversed on `as_of`): the subledger carries documents at historical base values, so on a
    # revaluation day the control account differs from it by exactly this much.
    revaluation: Decimal = Decimal(0)

    @property
    def difference(self) -> Decimal:
        return self.subledger + self.revaluation - self.control


class DocumentQueries(GuardedService):
    """Lists and details of receivables documents (`receivables.view`)."""

    def _exponent(self, s: Session) -> tuple[str, int]:
        base = s.execute(select(CompanySettings.base_currency)).scalar_one()
        return base, currency_exponent(base)

    def invoices(
        self,
        *,
        state: InvoiceState | None = None,
        customer: str | None = None,
        overdue_on: date | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        kind: DocumentKind | None = None,
        search: str = "",
        open_only: bool = False,
        today: date | None = None,
        limit: int | None = None,
    ) -> list[InvoiceRow]:
        """Invoices and credit notes, newest first, filtered as asked; `overdue_on`: only those overdue that day."""
        on = today or overdue_on or self.ctx.clock.today()
        with self._read(Permission.AR_VIEW) as s:
            stmt = select(Invoice, Customer.code, Customer.name).join(Customer, Customer.id == Invoice.customer_id)
            if state is not None:
                stmt = stmt.where(Invoice.state == state)
            if open_only:
                stmt = stmt.where(Invoice.state.in_((InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)))
            if customer:
                stmt = stmt.where(Customer.code == customer)
            if overdue_on is not None:
                stmt = stmt.where(
                    Invoice.kind == DocumentKind.INVOICE,
                    Invoice.state.in_((InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)),
                    Invoice.due_date < overdue_on,
                )
            if date_from is not None:
                stmt = stmt.where(Invoice.date >= date_from)
            if date_to is not None:
                stmt = stmt.where(Invoice.date <= date_to)
            if kind is not None:
                stmt = stmt.where(Invoice.kind == kind)
            if search.strip():
                like = f"%{search.strip()}%"
                stmt = stmt.where(
                    or_(Invoice.number.ilike(like), Customer.name.ilike(like), Invoice.reference.ilike(like))
                )
            stmt = stmt.order_by(Invoice.date.desc(), Invoice.id.desc())
            if limit is not None:
                stmt = stmt.limit(limit)
            return [_row(inv, code, name, on) for inv, code, name in s.execute(stmt)]

    def credited_quantities(self, invoice_id: int) -> dict[int, Decimal]:
        """How much of each line of an invoice its posted credit notes credited (line number -> quantity).

        A credit note's lines do not point at the invoice's lines, so a credit note line counts against
        the first line of the invoice it matches (item, description, price, discount, tax code, account,
        department and project) up to that line's quantity, then against the next such line. A line
        credited as free text (a goodwill discount) matches none and counts against no line.
        """
        with self._read(Permission.AR_VIEW) as s:
            invoice = s.get(Invoice, invoice_id)
            if invoice is None or invoice.kind is not DocumentKind.INVOICE:
                raise NotFoundError(f"invoice {invoice_id} does not exist")
            notes = s.execute(
                select(Invoice).where(
                    Invoice.credited_invoice_id == invoice_id,
                    Invoice.kind == DocumentKind.CREDIT_NOTE,
                    Invoice.state != InvoiceState.DRAFT,
                )
            ).scalars()
            left = {ln.line_no: ln.quantity_e4 for ln in invoice.lines}
            credited = dict.fromkeys(left, 0)
            for note in notes:
                for taken in note.lines:
                    quantity = taken.quantity_e4
                    for ln in invoice.lines:
                        if quantity and left[ln.line_no] and _line_key(ln) == _line_key(taken):
                            share = min(quantity, left[ln.line_no])
                            left[ln.line_no] -= share
                            credited[ln.line_no] += share
                            quantity -= share
            return {n: Decimal(q) / QUANTITY_SCALE for n, q in credited.items()}

    def invoice(self, number_or_id: str | int) -> InvoiceDetail:
        with self._read(Permission.AR_VIEW) as s:
            where = Invoice.id == number_or_id if isinstance(number_or_id, int) else Invoice.number == number_or_id
            found = s.execute(select(Invoice, Customer.code, Customer.name).join(Customer).where(where)).first()
            if found is None:
                raise NotFoundError(f"invoice {number_or_id} does not exist")
            inv, code, name = found
            exponent = currency_exponent(inv.currency)
            _base, base_exponent = self._exponent(s)
            accounts = dict(s.execute(select(Account.id, Account.code)).all())
            items = dict(s.execute(select(Item.id, Item.code)).all())
            taxes = dict(s.execute(select(TaxCodeRow.id, TaxCodeRow.code)).all())
            departments = dict(s.execute(select(Department.id, Department.code)).all())
            projects = dict(s.execute(select(Project.id, Project.code)).all())
            lines = tuple(
                InvoiceLineView(
                    ln.line_no,
                    items.get(ln.item_id) if ln.item_id else None,
                    ln.description,
                    Decimal(ln.quantity_e4) / QUANTITY_SCALE,
                    from_minor(ln.unit_price, exponent),
                    Decimal(ln.discount_e4) / PERCENT_SCALE,
                    taxes.get(ln.tax_code_id) if ln.tax_code_id else None,
                    accounts[ln.account_id],
                    from_minor(ln.net, exponent),
                    from_minor(ln.tax, exponent),
                    departments.get(ln.department_id) if ln.department_id else None,
                    projects.get(ln.project_id) if ln.project_id else None,
                )
                for ln in inv.lines
            )
            summary: dict[str, list[int]] = {}
            for ln in inv.lines:
                if ln.tax_code_id:
                    sums = summary.setdefault(taxes[ln.tax_code_id], [0, 0])
                    sums[0] += ln.net
                    sums[1] += ln.tax
            receipt = aliased(Receipt)
            note = aliased(Invoice)
            settlements = tuple(
                SettlementView(
                    st.kind.value,
                    st.date,
                    rnum or cnum or "",
                    from_minor(st.amount, exponent),
                    from_minor(st.discount, exponent),
                    from_minor(st.written_off, exponent),
                    st.reversed_on,
                )
                for st, rnum, cnum in s.execute(
                    select(Settlement, receipt.number, note.number)
                    .outerjoin(receipt, receipt.id == Settlement.receipt_id)
                    .outerjoin(note, note.id == Settlement.credit_note_id)
                    .where(or_(Settlement.invoice_id == inv.id, Settlement.credit_note_id == inv.id))
                    .order_by(Settlement.date, Settlement.id)
                )
            )
            users = dict(s.execute(select(User.id, User.username)).all())
            credits = None
            if inv.credited_invoice_id is not None:
                credits = s.execute(select(Invoice.number).where(Invoice.id == inv.credited_invoice_id)).scalar_one()
            entry_number = None
            if inv.entry_id is not None:
                entry_number = s.execute(
                    select(JournalEntry.number).where(JournalEntry.id == inv.entry_id)
                ).scalar_one()
            return InvoiceDetail(
                row=_row(inv, code, name, self.ctx.clock.today()),
                terms=inv.terms,
                rate=Decimal(inv.rate),
                memo=inv.memo,
                net_total=from_minor(inv.net_total, exponent),
                tax_total=from_minor(inv.tax_total, exponent),
                base_total=from_minor(inv.base_total, base_exponent),
                credits=credits,
                entry_number=entry_number,
                lines=lines,
                tax_summary=tuple(
                    (c, from_minor(v[0], exponent), from_minor(v[1], exponent)) for c, v in summary.items()
                ),
                settlements=settlements,
                created_by=users.get(inv.created_by, ""),
                posted_by=users.get(inv.posted_by) if inv.posted_by else None,
            )

    def receipts(self, *, customer: str | None = None, limit: int | None = None) -> list[ReceiptRow]:
        with self._read(Permission.AR_VIEW) as s:
            stmt = (
                select(Receipt, Customer.code, Customer.name, Account.code)
                .join(Customer, Customer.id == Receipt.customer_id)
                .join(Account, Account.id == Receipt.bank_account_id)
                .order_by(Receipt.date.desc(), Receipt.id.desc())
            )
            if customer:
                stmt = stmt.where(Customer.code == customer)
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = []
            for r, code, name, bank in s.execute(stmt):
                exponent = currency_exponent(r.currency)
                rows.append(
                    ReceiptRow(
                        r.id, r.number, code, name, r.date, r.method, bank, r.currency,
                        from_minor(r.amount, exponent), from_minor(r.unapplied, exponent), r.reference,
                    )
                )  # fmt: skip
            return rows

    def customer_credit(self, customer: str) -> list[CreditSource]:
        """What a customer has to apply or refund: receipts' remainders and open credit notes."""
        with self._read(Permission.AR_VIEW) as s:
            customer_id = _customer_id(s, customer)
            sources = [
                CreditSource(
                    r.number, "receipt", r.date, r.currency, from_minor(r.unapplied, currency_exponent(r.currency))
                )
                for r in s.execute(
                    select(Receipt)
                    .where(Receipt.customer_id == customer_id, Receipt.unapplied > 0)
                    .order_by(Receipt.date)
                ).scalars()
            ]
            sources += [
                CreditSource(
                    n.number or "", "credit_note", n.date, n.currency,
                    from_minor(n.open_amount, currency_exponent(n.currency)),
                )
                for n in s.execute(
                    select(Invoice)
                    .where(
                        Invoice.customer_id == customer_id,
                        Invoice.kind == DocumentKind.CREDIT_NOTE,
                        Invoice.state.in_((InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)),
                    )
                    .order_by(Invoice.date)
                ).scalars()
            ]  # fmt: skip
            return sources

    def exposure(self, customer: str) -> Decimal:
        """Open invoices plus drafts less credits, in the customer's currency (what the credit check uses)."""
        with self._read(Permission.AR_VIEW) as s:
            customer_id = _customer_id(s, customer)
            currency = s.execute(select(Customer.currency).where(Customer.id == customer_id)).scalar_one()
            return from_minor(customer_exposure(s, customer_id), currency_exponent(currency))

    def open_items(self, as_of: date, customer: str | None = None) -> list[OpenItem]:
        with self._read(Permission.AR_VIEW) as s:
            return open_items(s, as_of, _customer_id(s, customer) if customer else None)

    def reconcile(self, as_of: date) -> Reconciliation:
        """The subledger (open items in base units) against the receivable control account's GL balance."""
        with self._read(Permission.AR_VIEW) as s:
            settings = load_settings(s)
            _base, exponent = self._exponent(s)
            subledger = 0
            for stmt in open_items_query(as_of):
                total = select(func.coalesce(func.sum(stmt.subquery().c.open_base), 0))
                subledger += int(s.execute(total).scalar_one())
            control = control_balance(s, settings.receivable_account_id, as_of)
            revaluation = revaluation_balance(s, settings.receivable_account_id, as_of)
            account = s.execute(select(Account.code).where(Account.id == settings.receivable_account_id)).scalar_one()
            return Reconciliation(
                as_of,
                account,
                from_minor(subledger, exponent),
                from_minor(control, exponent),
                from_minor(revaluation, exponent),
            )


def _customer_id(s: Session, code: str) -> int:
    found = s.execute(select(Customer.id).where(Customer.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"customer {code} does not exist")
    return int(found)


def _row(inv: Invoice, code: str, name: str, on: date) -> InvoiceRow:
    exponent = currency_exponent(inv.currency)
    overdue = 0
    if inv.kind is DocumentKind.INVOICE and inv.state in (InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID):
        overdue = max(0, (on - inv.due_date).days)
    return InvoiceRow(
        inv.id,
        inv.kind,
        inv.state,
        inv.number,
        code,
        name,
        inv.date,
        inv.due_date,
        inv.currency,
        from_minor(inv.total, exponent),
        from_minor(inv.open_amount, exponent),
        inv.reference,
        overdue,
        inv.version,
    )


def _line_key(line: InvoiceLine) -> tuple[object, ...]:
    """What makes a credit note line the same as an invoice line, quantity aside."""
    return (
        line.item_id,
        line.description,
        line.unit_price,
        line.discount_e4,
        line.tax_code_id,
        line.account_id,
        line.department_id,
        line.project_id,
    )
