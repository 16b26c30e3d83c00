"""Customer statements: what a customer owes as of a day (open items), or what happened in a period
(activity: opening balance, every document and settlement, running balance, closing balance).

Both are read from the same history as `DocumentQueries.open_items`, so they agree with it to the cent:
an open-items statement *is* the open items; an activity statement's closing balance is its opening
balance (the open items the day before it starts) plus the lines between, and equals the open items on
its last day. A line is anything that moved the customer's balance in the document's currency:

- an invoice (+ its total), a credit note (- its total), a receipt (- its amount);
- from a settlement, only what it takes off without money or credit behind it: an early-payment
  discount or small difference written off (-), a bad-debt write-off (-), a refund of customer credit
  (+); an allocation itself only moves amounts between the customer's open items;
- the reversal of a settlement, on the day it was reversed, undoing that.

Amounts are in minor units of the document's currency, one section per currency the customer uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.audit.service import AuditService
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.document_queries import OpenItem, open_items
from paksa_desktop.receivables.models import (
    Customer,
    DocumentKind,
    Invoice,
    InvoiceState,
    Receipt,
    Settlement,
    SettlementKind,
)
from paksa_desktop.receivables.printing import billing_addresses, chunks, load_letterhead
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

AGING_BUCKETS = ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: date
    kind: str  # invoice, credit_note, receipt, discount, write_off, refund, reversal
    number: str  # the document the line is about
    description: str
    due_date: date | None
    amount: int  # signed minor units: what the line added to the balance
    balance: int  # running balance after the line
    open_amount: int | None = None  # open-items statements: what is still open of the document
    days_overdue: int = 0


@dataclass(frozen=True, slots=True)
class CurrencySection:
    currency: str
    opening: int
    lines: tuple[StatementLine, ...]
    closing: int
    aging: tuple[int, int, int, int, int]  # the open items on the last day, by days overdue (AGING_BUCKETS)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)


@dataclass(frozen=True, slots=True)
class CustomerStatement:
    customer: str
    name: str
    address: tuple[str, ...]
    as_of: date
    start: date | None  # None: an open-items statement
    sections: tuple[CurrencySection, ...]

    @property
    def title(self) -> str:
        return "Statement of account" if self.start else "Statement of open items"

    @property
    def period(self) -> str:
        return f"{self.start} to {self.as_of}" if self.start else f"as of {self.as_of}"


def aging(items: Sequence[OpenItem], as_of: date) -> tuple[int, int, int, int, int]:
    buckets = [0, 0, 0, 0, 0]
    for item in items:
        # credits (receipts not yet applied, open credit notes) are current: they are the customer's to use
        days = (as_of - item.due_date).days if item.kind == "invoice" else 0
        slot = 0 if days <= 0 else 1 if days <= 30 else 2 if days <= 60 else 3 if days <= 90 else 4
        buckets[slot] += item.open_units
    return (buckets[0], buckets[1], buckets[2], buckets[3], buckets[4])


def open_items_lines(s: Session, items: Sequence[OpenItem], as_of: date) -> list[StatementLine]:
    """The open items as statement lines: the document's signed total, what is open of it, the balance."""
    totals = _document_totals(s, items)
    lines = []
    balance = 0
    for item in sorted(items, key=lambda i: (i.date, i.number)):
        balance += item.open_units
        kind = item.kind
        sign = -1 if kind in ("credit_note", "receipt") else 1
        amount, reference = totals[(kind, item.id)]
        description = _describe(kind, reference)
        overdue = max(0, (as_of - item.due_date).days) if kind == "invoice" else 0
        lines.append(
            StatementLine(
                item.date,
                kind,
                item.number,
                description,
                item.due_date if kind == "invoice" else None,
                sign * amount,
                balance,
                item.open_units,
                overdue,
            )
        )
    return lines


def _document_totals(s: Session, items: Sequence[OpenItem]) -> dict[tuple[str, int], tuple[int, str]]:
    """(kind, id) -> (total or amount, reference) of the documents behind open items."""
    found: dict[tuple[str, int], tuple[int, str]] = {}
    doc_ids = [i.id for i in items if i.kind != "receipt"]
    for chunk in chunks(doc_ids):
        for kind, doc_id, total, reference in s.execute(
            select(Invoice.kind, Invoice.id, Invoice.total, Invoice.reference).where(Invoice.id.in_(chunk))
        ):
            found[(kind.value, doc_id)] = (total, reference)
    receipt_ids = [i.id for i in items if i.kind == "receipt"]
    for chunk in chunks(receipt_ids):
        for doc_id, amount, reference in s.execute(
            select(Receipt.id, Receipt.amount, Receipt.reference).where(Receipt.id.in_(chunk))
        ):
            found[("receipt", doc_id)] = (amount, reference)
    return found


def _describe(kind: str, reference: str) -> str:
    what = {"invoice": "Invoice", "credit_note": "Credit note", "receipt": "Payment received"}.get(kind, kind)
    return f"{what} (ref. {reference})" if reference else what


@dataclass(frozen=True, slots=True)
class _Event:
    """A movement of a customer's balance before it is put in order and given a running balance."""

    customer_id: int
    currency: str
    date: date
    order: int  # documents before settlements on the same day
    kind: str
    number: str
    description: str
    due_date: date | None
    amount: int


def activity_events(s: Session, start: date, end: date, customer_ids: Sequence[int] | None) -> list[_Event]:
    """Every movement of the customers' balances dated from `start` to `end` (all customers: None)."""
    events: list[_Event] = []

    def only(column):  # type: ignore[no-untyped-def]
        return column.in_(customer_ids) if customer_ids is not None else True

    credited = aliased(Invoice)
    for inv, credits in s.execute(
        select(Invoice, credited.number)
        .outerjoin(credited, credited.id == Invoice.credited_invoice_id)
        .where(
            only(Invoice.customer_id),
            Invoice.state != InvoiceState.DRAFT,
            Invoice.date >= start,
            Invoice.date <= end,
        )
    ):
        invoice = inv.kind is DocumentKind.INVOICE
        text = "Invoice" if invoice else f"Credit note for {credits}" if credits else "Credit note"
        if inv.reference and inv.reference != credits:
            text += f" (ref. {inv.reference})"
        events.append(
            _Event(inv.customer_id, inv.currency, inv.date, 0, inv.kind.value, inv.number or "", text,
                   inv.due_date if invoice else None, inv.total if invoice else -inv.total)
        )  # fmt: skip
    for r in s.execute(
        select(Receipt).where(only(Receipt.customer_id), Receipt.date >= start, Receipt.date <= end)
    ).scalars():
        text = f"Payment received, {r.method}" + (f" (ref. {r.reference})" if r.reference else "")
        events.append(_Event(r.customer_id, r.currency, r.date, 1, "receipt", r.number, text, None, -r.amount))
    invoice = aliased(Invoice)
    note = aliased(Invoice)
    rows = s.execute(
        select(
            Settlement, invoice.number, invoice.currency, Receipt.number, Receipt.currency, note.number, note.currency
        )
        .outerjoin(invoice, invoice.id == Settlement.invoice_id)
        .outerjoin(Receipt, Receipt.id == Settlement.receipt_id)
        .outerjoin(note, note.id == Settlement.credit_note_id)
        .where(
            only(Settlement.customer_id),
            or_(
                (Settlement.date >= start) & (Settlement.date <= end),
                (Settlement.reversed_on >= start) & (Settlement.reversed_on <= end),
            ),
        )
    )  # fmt: skip
    for st, inv_number, inv_currency, rct_number, rct_currency, cn_number, cn_currency in rows:
        effect, kind, text = _settlement_effect(st, inv_number, rct_number or cn_number)
        if not effect:
            continue
        currency = inv_currency or rct_currency or cn_currency
        number = inv_number or rct_number or cn_number or ""
        if start <= st.date <= end:
            events.append(_Event(st.customer_id, currency, st.date, 2, kind, number, text, None, effect))
        if st.reversed_on is not None and start <= st.reversed_on <= end:
            events.append(
                _Event(st.customer_id, currency, st.reversed_on, 3, "reversal", number, f"Reversal: {text}", None,
                       -effect)
            )  # fmt: skip
    return events


def _settlement_effect(st: Settlement, invoice: str | None, source: str | None) -> tuple[int, str, str]:
    """What a settlement did to the customer's balance: (signed units, line kind, description)."""
    taken = st.amount + st.discount + st.written_off if st.invoice_id is not None else 0
    given = st.amount if (st.receipt_id is not None or st.credit_note_id is not None) else 0
    effect = given - taken
    if st.kind is SettlementKind.WRITE_OFF:
        return effect, "write_off", f"Written off as a bad debt: {invoice}"
    if st.kind is SettlementKind.REFUND:
        return effect, "refund", f"Refund of {source}"
    parts = []
    if st.discount:
        parts.append("early-payment discount")
    if st.written_off:
        parts.append("difference written off")
    text = " and ".join(parts) or "settled"
    return effect, "discount", f"{text[0].upper()}{text[1:]} on {invoice} ({source})"


def section_lines(opening: int, events: Sequence[_Event]) -> tuple[list[StatementLine], int]:
    balance = opening
    lines = []
    for e in sorted(events, key=lambda e: (e.date, e.order, e.number)):
        balance += e.amount
        lines.append(StatementLine(e.date, e.kind, e.number, e.description, e.due_date, e.amount, balance))
    return lines, balance


# ---------------------------------------------------------------------------------------------- the service


class CustomerStatements(GuardedService):
    """Statements for one customer or for every customer with open items (`receivables.view`)."""

    def statement(self, customer: str, as_of: date, start: date | None = None) -> CustomerStatement:
        with self._read(Permission.AR_VIEW) as s:
            found = s.execute(select(Customer.id).where(Customer.code == customer)).scalar_one_or_none()
            if found is None:
                raise NotFoundError(f"customer {customer} does not exist")
            return self._build(s, [found], as_of, start, keep_empty=True)[0]

    def statements(self, as_of: date, start: date | None = None) -> list[CustomerStatement]:
        """One statement per customer with anything open on `as_of` (owing, or holding credit)."""
        with self._read(Permission.AR_VIEW) as s:
            ids = sorted({i.customer_id for i in open_items(s, as_of)})
            return self._build(s, ids, as_of, start, keep_empty=False)

    def _build(
        self, s: Session, ids: list[int], as_of: date, start: date | None, *, keep_empty: bool
    ) -> list[CustomerStatement]:
        if start is not None and start > as_of:
            raise ValidationError(f"the statement starts on {start}, after its last day {as_of}")
        if not ids:
            return []
        wanted = set(ids)
        closing_items: dict[int, list[OpenItem]] = defaultdict(list)
        for item in open_items(s, as_of):
            if item.customer_id in wanted:
                closing_items[item.customer_id].append(item)
        opening: dict[tuple[int, str], int] = defaultdict(int)
        events: dict[tuple[int, str], list[_Event]] = defaultdict(list)
        if start is not None:
            for item in open_items(s, start - timedelta(days=1)):
                if item.customer_id in wanted:
                    opening[(item.customer_id, item.currency)] += item.open_units
            scope = None if len(ids) > 50 else ids  # many customers: one pass over the period, filtered here
            for e in activity_events(s, start, as_of, scope):
                if e.customer_id in wanted:
                    events[(e.customer_id, e.currency)].append(e)
        customers = {
            c.id: c
            for chunk in chunks(ids)
            for c in s.execute(select(Customer).where(Customer.id.in_(chunk))).scalars()
        }
        addresses = billing_addresses(s, ids)
        result = []
        for customer_id in ids:
            items = closing_items.get(customer_id, [])
            currencies = {i.currency for i in items} | {c for (k, c) in opening if k == customer_id}
            currencies |= {c for (k, c) in events if k == customer_id}
            sections = []
            for currency in sorted(currencies) or [customers[customer_id].currency]:
                own = [i for i in items if i.currency == currency]
                if start is None:
                    lines = open_items_lines(s, own, as_of)
                    first, closing = 0, sum(i.open_units for i in own)
                else:
                    first = opening.get((customer_id, currency), 0)
                    lines, closing = section_lines(first, events.get((customer_id, currency), []))
                sections.append(CurrencySection(currency, first, tuple(lines), closing, aging(own, as_of)))
            statement = CustomerStatement(
                customers[customer_id].code,
                customers[customer_id].name,
                addresses.get(customer_id, ()),
                as_of,
                start,
                tuple(sections),
            )
            if keep_empty or items:
                result.append(statement)
        return result

    def write_pdfs(
        self,
        statements: Sequence[CustomerStatement],
        folder: Path,
        *,
        size: str = "A4",
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[Path]:
        """One PDF per statement into `folder` (named by customer code and day); audited.

        `progress(done, total)` is told after each file; when `cancelled()` turns true the run stops after
        the file being written, and the files already written are returned (and audited) as they are.
        """
        from paksa_desktop.receivables.statement_pdf import write_statement

        with self._read(Permission.AR_VIEW) as s:
            letterhead = load_letterhead(s)
        folder.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        for st in statements:
            if cancelled is not None and cancelled():
                break
            paths.append(write_statement(letterhead, st, folder, size=size, author=self.ctx.username))
            if progress is not None:
                progress(len(paths), len(statements))
        AuditService(self.engine, self.ctx).record_export(
            "customer_statements", folder, len(paths), permission=Permission.AR_VIEW, as_of=str(
                statements[0].as_of) if statements else ""
        )  # fmt: skip
        return paths
