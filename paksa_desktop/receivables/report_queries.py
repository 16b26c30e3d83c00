"""The SQL behind the receivables reports: aged sums, a customer's movements, document lines of a period.

Open amounts always come from `document_queries.open_items_query` (the settlement history as of a
day), so the aging, the open items, the customer ledger's balances and the control reconciliation
count exactly the same things. Functions take the caller's session and return plain tuples or frozen
rows; the report builders turn them into the neutral report model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.receivables.aging import AgeBasis, Buckets
from paksa_desktop.receivables.document_queries import open_items_query
from paksa_desktop.receivables.models import (
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Receipt,
    Settlement,
    SettlementKind,
    TaxCodeRow,
)


def customer_names(s: Session) -> dict[int, tuple[str, str]]:
    """Customer id -> (code, name)."""
    return {r.id: (r.code, r.name) for r in s.execute(select(Customer.id, Customer.code, Customer.name))}


def customer_id(s: Session, code: str) -> int | None:
    found = s.execute(select(Customer.id).where(Customer.code == code.strip())).scalar_one_or_none()
    return None if found is None else int(found)


def aged_sums(
    s: Session, as_of: date, buckets: Buckets, basis: AgeBasis = AgeBasis.DUE_DATE, customer: int | None = None
) -> list[tuple[int, int, int]]:
    """(customer id, bucket, open base) summed in SQL over the open items of the day: each bucket is a
    CASE on the cut-off dates of `Buckets.cutoffs`, so 100,000 open invoices come back as a few rows per
    customer. Credits (credit notes, receipts) are current."""
    cutoffs = buckets.cutoffs(as_of)
    rows: list[tuple[int, int, int]] = []
    for stmt in open_items_query(as_of, customer):
        q = stmt.subquery()
        day = q.c.due_date if basis is AgeBasis.DUE_DATE else q.c.date
        bucket = case(
            (q.c.kind != DocumentKind.INVOICE.value, 0),
            *((day >= cut, k) for k, cut in enumerate(cutoffs)),
            else_=len(cutoffs),
        ).label("bucket")
        grouped = select(q.c.customer_id, bucket, func.sum(q.c.open_base)).group_by(q.c.customer_id, bucket)
        rows.extend((int(c), int(b), int(v)) for c, b, v in s.execute(grouped))
    return rows


def subledger_total(s: Session, as_of: date) -> int:
    """The open items' base total on a day (what `DocumentQueries.reconcile` calls the subledger)."""
    total = 0
    for stmt in open_items_query(as_of):
        q = stmt.subquery()
        total += int(s.execute(select(func.coalesce(func.sum(q.c.open_base), 0))).scalar_one())
    return total


def balances(s: Session, as_of: date, customer: int | None = None) -> dict[int, int]:
    """Each customer's open base total on a day (customers with nothing open are left out)."""
    sums: dict[int, int] = {}
    for stmt in open_items_query(as_of, customer):
        q = stmt.subquery()
        for cid, value in s.execute(select(q.c.customer_id, func.sum(q.c.open_base)).group_by(q.c.customer_id)):
            sums[int(cid)] = sums.get(int(cid), 0) + int(value)
    return {cid: value for cid, value in sums.items() if value}


# --------------------------------------------------------------------------------------------- movements


@dataclass(frozen=True, slots=True)
class Movement:
    """One thing that changed a customer's balance (base minor units, debit positive), or a settlement
    that only moved an amount between their documents (`base` 0)."""

    customer_id: int
    date: date
    order: int  # within a day: documents, then settlements, then reversals
    key: int  # a stable tie-break (document or settlement id)
    kind: str  # invoice, credit_note, receipt, payment, credit, write_off, refund, reversal
    number: str  # the document's number
    drill: tuple[str, int]  # (what, id) that opens the document behind it
    description: str
    base: int
    currency: str
    units: int  # in the document's currency (for foreign amounts in the description)


def movements(s: Session, start: date, end: date, customer: int | None = None) -> list[Movement]:
    """Documents, settlements and reversals of settlements dated within start..end, in date order.
    Their base amounts are the changes of the customers' open base totals, so the opening balance
    plus the movements is the closing balance, day by day."""
    found: list[Movement] = []
    found.extend(_document_movements(s, start, end, customer))
    found.extend(_receipt_movements(s, start, end, customer))
    found.extend(_settlement_movements(s, start, end, customer))
    found.sort(key=lambda m: (m.customer_id, m.date, m.order, m.key))
    return found


def _document_movements(s: Session, start: date, end: date, customer: int | None) -> Iterator[Movement]:
    stmt = select(
        Invoice.id,
        Invoice.kind,
        Invoice.customer_id,
        Invoice.date,
        Invoice.number,
        Invoice.reference,
        Invoice.currency,
        Invoice.total,
        Invoice.base_total,
    ).where(Invoice.state != InvoiceState.DRAFT, Invoice.date >= start, Invoice.date <= end)
    if customer is not None:
        stmt = stmt.where(Invoice.customer_id == customer)
    for doc_id, kind, cid, day, number, reference, currency, total, base in s.execute(stmt):
        invoice = kind is DocumentKind.INVOICE
        what = "Invoice" if invoice else "Credit note"
        text = f"{what} {number}" + (f", {reference}" if reference else "")
        sign = 1 if invoice else -1
        yield Movement(
            cid, day, 0, doc_id, kind.value, number or "", ("invoice", doc_id), text, sign * base, currency, total
        )


def _receipt_movements(s: Session, start: date, end: date, customer: int | None) -> Iterator[Movement]:
    stmt = select(
        Receipt.id,
        Receipt.customer_id,
        Receipt.date,
        Receipt.number,
        Receipt.method,
        Receipt.reference,
        Receipt.currency,
        Receipt.amount,
        Receipt.base_amount,
    ).where(Receipt.date >= start, Receipt.date <= end)
    if customer is not None:
        stmt = stmt.where(Receipt.customer_id == customer)
    for rid, cid, day, number, method, reference, currency, amount, base in s.execute(stmt):
        text = f"Receipt {number} ({method}" + (f", {reference})" if reference else ")")
        yield Movement(cid, day, 1, rid, "receipt", number, ("receipt", rid), text, -base, currency, amount)


_SETTLED = {
    SettlementKind.PAYMENT: "{invoice} paid from {source}",
    SettlementKind.CREDIT: "{source} applied to {invoice}",
    SettlementKind.WRITE_OFF: "{invoice} written off as a bad debt",
    SettlementKind.REFUND: "Refund of {source}",
}


def _settlement_movements(s: Session, start: date, end: date, customer: int | None) -> Iterator[Movement]:
    invoice = aliased(Invoice)
    note = aliased(Invoice)
    stmt = (
        select(
            Settlement, invoice.number, invoice.currency, Receipt.number, Receipt.currency, note.number, note.currency
        )
        .outerjoin(invoice, invoice.id == Settlement.invoice_id)
        .outerjoin(Receipt, Receipt.id == Settlement.receipt_id)
        .outerjoin(note, note.id == Settlement.credit_note_id)
        .where(
            or_(
                Settlement.date.between(start, end),
                Settlement.reversed_on.between(start, end),
            )
        )
    )
    if customer is not None:
        stmt = stmt.where(Settlement.customer_id == customer)
    for st, inv_number, inv_currency, receipt_number, receipt_currency, note_number, note_currency in s.execute(stmt):
        source = receipt_number or note_number or ""
        text = _SETTLED[st.kind].format(invoice=inv_number or "", source=source)
        extras = []
        if st.discount:
            extras.append("early-payment discount")
        if st.written_off:
            extras.append("small difference written off")
        change = (-st.base_amount if st.invoice_id is not None else 0) + (
            st.source_base if (st.receipt_id or st.credit_note_id) else 0
        )
        if change and st.kind in (SettlementKind.PAYMENT, SettlementKind.CREDIT) and not extras:
            extras.append("exchange difference")
        if extras:
            text += f" ({', '.join(extras)})"
        currency = inv_currency or receipt_currency or note_currency or ""
        units = st.amount + st.discount + st.written_off
        drill = ("invoice", st.invoice_id) if st.invoice_id else ("receipt", st.receipt_id or 0)
        if st.kind is SettlementKind.REFUND and st.credit_note_id:
            drill = ("invoice", st.credit_note_id)
        number = inv_number or source
        if start <= st.date <= end:
            yield Movement(
                st.customer_id, st.date, 2, st.id, st.kind.value, number, drill, text, change, currency, units
            )
        if st.reversed_on is not None and start <= st.reversed_on <= end:
            yield Movement(
                st.customer_id,
                st.reversed_on,
                3,
                st.id,
                "reversal",
                number,
                drill,
                f"Reversed: {text[0].lower()}{text[1:]}",
                -change,
                currency,
                units,
            )


# --------------------------------------------------------------------------------------------- document lines


@dataclass(frozen=True, slots=True)
class DocumentLineRow:
    """A posted line with what its document says (amounts in the document's currency)."""

    invoice_id: int
    kind: DocumentKind
    customer_id: int
    date: date
    currency: str
    rate: str
    base_total: int
    item_id: int | None
    account_id: int
    department_id: int | None
    project_id: int | None
    tax_code_id: int | None
    tax_account_id: int | None
    quantity_e4: int
    net: int
    tax: int


def document_lines(s: Session, start: date, end: date) -> list[DocumentLineRow]:
    """Every line of the invoices and credit notes posted with a date in start..end, by document and
    line number (what sales and tax reports add up)."""
    stmt = (
        select(
            Invoice.id,
            Invoice.kind,
            Invoice.customer_id,
            Invoice.date,
            Invoice.currency,
            Invoice.rate,
            Invoice.base_total,
            InvoiceLine.item_id,
            InvoiceLine.account_id,
            InvoiceLine.department_id,
            InvoiceLine.project_id,
            InvoiceLine.tax_code_id,
            TaxCodeRow.account_id,
            InvoiceLine.quantity_e4,
            InvoiceLine.net,
            InvoiceLine.tax,
        )
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .outerjoin(TaxCodeRow, TaxCodeRow.id == InvoiceLine.tax_code_id)
        .where(Invoice.state != InvoiceState.DRAFT, Invoice.date >= start, Invoice.date <= end)
        .order_by(Invoice.id, InvoiceLine.line_no)
    )
    return [DocumentLineRow(*row) for row in s.execute(stmt)]


def credit_sales(s: Session, start: date, end: date) -> int:
    """Invoices less credit notes posted with a date in start..end, gross, in base units."""
    signed = case((Invoice.kind == DocumentKind.INVOICE, Invoice.base_total), else_=-Invoice.base_total)
    value = s.execute(
        select(func.coalesce(func.sum(signed), 0)).where(
            Invoice.state != InvoiceState.DRAFT, Invoice.date >= start, Invoice.date <= end
        )
    ).scalar_one()
    return int(value or 0)


def day_before(day: date) -> date:
    return day - timedelta(days=1)
