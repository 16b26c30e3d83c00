"""The SQL behind the payables reports: open bills as of any day, aged sums, a vendor's movements, the
payments of a period, tax withheld, and the control accounts' side of the reconciliation.

Open amounts come from the allocations with their dates and reversals (`open_items_query`), never from
`Bill.open_amount` (which is only today's), so the aging of any past day, the open bills, the vendor
ledger's balances and the reconciliation count exactly the same things. Amounts are base minor units
with the subledger's sign: positive is owed to a vendor (a bill), negative is a credit (a vendor credit
note not yet applied). The GL holds the same figure with the opposite sign (a credit balance).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from paksa_desktop.fx import REVALUATION_SOURCE
from paksa_desktop.ledger.models import Account, JournalEntry, JournalLine
from paksa_desktop.payables.models import (
    Bill,
    BillKind,
    PaymentAllocation,
    Vendor,
    VendorPayment,
    VendorRefund,
)
from paksa_desktop.receivables.aging import AgeBasis, Buckets
from paksa_desktop.receivables.amounts import to_base

CREDIT = BillKind.CREDIT_NOTE.value
PAYMENT = "payment"  # a payment's unapplied remainder (money paid on account), an open item like a credit note


def vendor_names(s: Session) -> dict[int, tuple[str, str]]:
    """Vendor id -> (code, name)."""
    return {r.id: (r.code, r.name) for r in s.execute(select(Vendor.id, Vendor.code, Vendor.name))}


def vendor_id(s: Session, code: str) -> int | None:
    found = s.execute(select(Vendor.id).where(Vendor.code == code.strip())).scalar_one_or_none()
    return None if found is None else int(found)


def allocated_as_of(as_of: date) -> ColumnElement[bool]:
    """Allocations that count on `as_of`: dated by then and not reversed by then."""
    return and_(
        PaymentAllocation.date <= as_of,
        or_(PaymentAllocation.reversed_on.is_(None), PaymentAllocation.reversed_on > as_of),
    )


@dataclass(frozen=True, slots=True)
class OpenBill:
    """A bill, expense claim or credit note with what was open of it on a day (credit notes negative)."""

    kind: str  # "bill", "expense_claim", "credit_note"
    id: int
    number: str
    vendor_id: int
    vendor_invoice: str
    date: date
    due_date: date
    currency: str
    control_account_id: int
    open_units: int
    open_base: int
    total: int
    discount_date: date | None
    discount_e4: int


def open_items_query(as_of: date, vendor: int | None = None) -> CompoundSelect:
    """One statement: every posted document with something open at the end of `as_of`, with kind, id,
    number, vendor, vendor invoice, date, due date, currency, control account, open units and open base
    (signed), total, discount date and percent; and every payment with money left on account (kind
    `payment`, its reference as the vendor invoice, negative like a credit note)."""
    by_bill = (
        select(
            PaymentAllocation.bill_id.label("doc_id"),
            func.sum(PaymentAllocation.amount + PaymentAllocation.discount + PaymentAllocation.withheld).label("units"),
            func.sum(PaymentAllocation.base_amount).label("base"),
        )
        .where(allocated_as_of(as_of))
        .group_by(PaymentAllocation.bill_id)
        .subquery()
    )
    used = _used_of_sources(as_of)
    by_note = (
        select(
            used.c.note_id.label("doc_id"), func.sum(used.c.units).label("units"), func.sum(used.c.base).label("base")
        )
        .where(used.c.note_id.is_not(None))
        .group_by(used.c.note_id)
        .subquery()
    )
    is_note = Bill.kind == BillKind.CREDIT_NOTE
    sign = case((is_note, -1), else_=1)
    units = Bill.total - case((is_note, func.coalesce(by_note.c.units, 0)), else_=func.coalesce(by_bill.c.units, 0))
    base = Bill.base_total - case((is_note, func.coalesce(by_note.c.base, 0)), else_=func.coalesce(by_bill.c.base, 0))
    stmt = (
        select(
            cast(Bill.kind, String(32)).label("kind"),
            Bill.id,
            Bill.number,
            Bill.vendor_id,
            Bill.vendor_invoice,
            Bill.date,
            Bill.due_date,
            Bill.currency,
            Bill.control_account_id,
            (sign * units).label("open_units"),
            (sign * base).label("open_base"),
            Bill.total,
            Bill.discount_date,
            Bill.discount_e4,
        )
        .outerjoin(by_bill, by_bill.c.doc_id == Bill.id)
        .outerjoin(by_note, by_note.c.doc_id == Bill.id)
        .where(Bill.entry_id.is_not(None), Bill.date <= as_of, or_(units != 0, base != 0))
    )
    if vendor is not None:
        stmt = stmt.where(Bill.vendor_id == vendor)
    return union_all(stmt, _open_payments(as_of, used, vendor))


def _used_of_sources(as_of: date) -> Subquery:
    """What was used by `as_of` of each payment's money (its allocations other than the credit notes it
    applied, and refunds) and of each credit note (applied or refunded): payment_id, note_id, units, base."""
    allocations = select(
        case((PaymentAllocation.credit_note_id.is_(None), PaymentAllocation.payment_id)).label("payment_id"),
        PaymentAllocation.credit_note_id.label("note_id"),
        PaymentAllocation.amount.label("units"),
        PaymentAllocation.source_base.label("base"),
    ).where(allocated_as_of(as_of))
    refunds = select(
        VendorRefund.payment_id,
        VendorRefund.credit_note_id.label("note_id"),
        VendorRefund.amount.label("units"),
        VendorRefund.source_base.label("base"),
    ).where(VendorRefund.date <= as_of, or_(VendorRefund.voided_on.is_(None), VendorRefund.voided_on > as_of))
    return union_all(allocations, refunds).subquery()


def _open_payments(as_of: date, used: Subquery, vendor: int | None) -> Select:
    """Payments with money left unapplied at the end of `as_of` (prepayments), in open_items_query's
    columns: a credit (negative), current, on the control account the payment put it on."""
    by_payment = (
        select(used.c.payment_id, func.sum(used.c.units).label("units"), func.sum(used.c.base).label("base"))
        .where(used.c.payment_id.is_not(None))
        .group_by(used.c.payment_id)
        .subquery()
    )
    units = VendorPayment.amount - func.coalesce(by_payment.c.units, 0)
    base = VendorPayment.base_amount - func.coalesce(by_payment.c.base, 0)
    stmt = (
        select(
            literal(PAYMENT, String(32)).label("kind"),
            VendorPayment.id,
            VendorPayment.number,
            VendorPayment.vendor_id,
            VendorPayment.reference,
            VendorPayment.date,
            VendorPayment.date,
            VendorPayment.currency,
            VendorPayment.control_account_id,
            (-units).label("open_units"),
            (-base).label("open_base"),
            VendorPayment.amount,
            null().label("discount_date"),
            literal(0).label("discount_e4"),
        )
        .outerjoin(by_payment, by_payment.c.payment_id == VendorPayment.id)
        .where(
            VendorPayment.control_account_id.is_not(None),  # before migration 0024 nothing was left unapplied
            VendorPayment.date <= as_of,
            or_(VendorPayment.voided_on.is_(None), VendorPayment.voided_on > as_of),
            or_(units != 0, base != 0),
        )
    )
    if vendor is not None:
        stmt = stmt.where(VendorPayment.vendor_id == vendor)
    return stmt


def _kind(value: object) -> str:
    return value.value if isinstance(value, BillKind) else str(value)


def open_items(s: Session, as_of: date, vendor: int | None = None) -> list[OpenBill]:
    """The open documents of the day, by vendor, due date and number."""
    items = [
        OpenBill(
            _kind(r[0]),
            r[1],
            r[2] or "",
            r[3],
            r[4] or "",
            r[5],
            r[6],
            r[7],
            r[8],
            int(r[9]),
            int(r[10]),
            int(r[11]),
            r[12],
            int(r[13] or 0),
        )
        for r in s.execute(open_items_query(as_of, vendor))
    ]
    items.sort(key=lambda i: (i.vendor_id, i.due_date, i.number))
    return items


def aged_sums(
    s: Session, as_of: date, buckets: Buckets, basis: AgeBasis = AgeBasis.DUE_DATE, vendor: int | None = None
) -> list[tuple[int, int, int]]:
    """(vendor id, bucket, open base) summed in SQL: each bucket a CASE on `Buckets.cutoffs`; credit notes
    are current (the receivables' aging, `report_queries.aged_sums`, with bills for invoices)."""
    q = open_items_query(as_of, vendor).subquery()
    day = q.c.due_date if basis is AgeBasis.DUE_DATE else q.c.date
    cutoffs = buckets.cutoffs(as_of)
    bucket = case(
        (q.c.kind.in_((CREDIT, PAYMENT)), 0),
        *((day >= cut, k) for k, cut in enumerate(cutoffs)),
        else_=len(cutoffs),
    ).label("bucket")
    grouped = select(q.c.vendor_id, bucket, func.sum(q.c.open_base)).group_by(q.c.vendor_id, bucket)
    return [(int(v), int(b), int(t)) for v, b, t in s.execute(grouped)]


def subledger_by_account(s: Session, as_of: date) -> dict[int, int]:
    """Control account id -> the open base total of its documents on the day (owed positive)."""
    q = open_items_query(as_of).subquery()
    rows = s.execute(select(q.c.control_account_id, func.sum(q.c.open_base)).group_by(q.c.control_account_id))
    return {int(a): int(v) for a, v in rows}


def balances(s: Session, as_of: date, vendor: int | None = None) -> dict[int, int]:
    """Each vendor's open base total on a day (vendors with nothing open are left out)."""
    q = open_items_query(as_of, vendor).subquery()
    rows = s.execute(select(q.c.vendor_id, func.sum(q.c.open_base)).group_by(q.c.vendor_id))
    return {int(v): int(t) for v, t in rows if t}


# --------------------------------------------------------------------------------------------- control accounts


def gl_balance(s: Session, account_id: int, as_of: date, *, source: str | None = None) -> int:
    """An account's GL balance at the end of the day (debit positive), optionally of one entry source."""
    stmt = select(func.coalesce(func.sum(JournalLine.amount), 0)).where(
        JournalLine.account_id == account_id, JournalLine.date <= as_of
    )
    if source is not None:
        stmt = stmt.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(JournalEntry.source == source)
    return int(s.execute(stmt).scalar_one())


@dataclass(frozen=True, slots=True)
class ForeignLine:
    """A line on a payable control account that no payables document put there (an entry by hand)."""

    entry_id: int
    number: str
    date: date
    source: str
    memo: str
    account_id: int
    amount: int  # debit positive, base minor units


def lines_by_hand(s: Session, account_ids: list[int], as_of: date) -> list[ForeignLine]:
    """Lines on the control accounts dated by `as_of` whose entries payables did not post (source not
    `ap_...`, not a revaluation): what explains a difference between the subledger and the GL."""
    if not account_ids:
        return []
    stmt = (
        select(
            JournalEntry.id,
            JournalEntry.number,
            JournalLine.date,
            JournalEntry.source,
            JournalEntry.memo,
            JournalLine.account_id,
            JournalLine.amount,
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account_id.in_(account_ids),
            JournalLine.date <= as_of,
            ~JournalEntry.source.startswith("ap_"),
            JournalEntry.source != REVALUATION_SOURCE,
        )
        .order_by(JournalLine.date, JournalEntry.id)
    )
    return [ForeignLine(e, n or "", d, src, memo or "", a, int(v)) for e, n, d, src, memo, a, v in s.execute(stmt)]


def account_labels(s: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {
        r.id: (r.code, r.name)
        for r in s.execute(select(Account.id, Account.code, Account.name).where(Account.id.in_(ids)))
    }


# --------------------------------------------------------------------------------------------- movements


@dataclass(frozen=True, slots=True)
class Movement:
    """One thing that changed a vendor's balance (base minor units, owed positive)."""

    vendor_id: int
    date: date
    order: int  # within a day: documents, then payments and credits, then reversals
    key: int
    kind: str  # bill, expense_claim, credit_note, payment, applied, credit, refund, void
    number: str
    drill: tuple[str, int]
    description: str
    base: int
    currency: str
    units: int


_TITLES = {"bill": "Bill", "expense_claim": "Expense claim", "credit_note": "Credit note"}


def movements(s: Session, start: date, end: date, vendor: int | None = None) -> list[Movement]:
    """Documents, payments, credit applications and voids dated within start..end, in date order. Their
    amounts are the changes of the vendors' open base totals: opening + movements = closing, day by day."""
    found: list[Movement] = [
        *_documents(s, start, end, vendor),
        *_allocations(s, start, end, vendor),
        *_on_account(s, start, end, vendor),
        *_refunds(s, start, end, vendor),
    ]
    found.sort(key=lambda m: (m.vendor_id, m.date, m.order, m.key))
    return found


def _on_account(s: Session, start: date, end: date, vendor: int | None) -> Iterator[Movement]:
    """What payments kept on account when posted (their remainder beyond the bills they settled), on the
    payment's day, and its reversal on the day the payment was voided."""
    own = (
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.source_base).label("base"))
        .join(VendorPayment, VendorPayment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.credit_note_id.is_(None), PaymentAllocation.entry_id == VendorPayment.entry_id)
        .group_by(PaymentAllocation.payment_id)
        .subquery()
    )
    stmt = (
        select(VendorPayment, func.coalesce(own.c.base, 0))
        .outerjoin(own, own.c.payment_id == VendorPayment.id)
        .where(
            VendorPayment.control_account_id.is_not(None),
            or_(VendorPayment.date.between(start, end), VendorPayment.voided_on.between(start, end)),
        )
    )
    if vendor is not None:
        stmt = stmt.where(VendorPayment.vendor_id == vendor)
    for p, used in s.execute(stmt):
        kept = p.base_amount - int(used)
        if not kept:
            continue
        text = f"Payment {p.number} ({p.method}) on account"
        void = f"Void: payment {p.number} on account"
        for day, order, sign, title in ((p.date, 1, -1, text), (p.voided_on, 2, 1, void)):
            if day is not None and start <= day <= end:
                yield Movement(
                    p.vendor_id, day, order, p.id, "payment" if sign < 0 else "void", p.number, ("payment", p.id),
                    title, sign * kept, p.currency, p.amount,
                )  # fmt: skip


def _refunds(s: Session, start: date, end: date, vendor: int | None) -> Iterator[Movement]:
    """Money vendors paid back (the credit it used comes off what they owe us), and the voids."""
    stmt = (
        select(VendorRefund, VendorPayment.number, Bill.number)
        .outerjoin(VendorPayment, VendorPayment.id == VendorRefund.payment_id)
        .outerjoin(Bill, Bill.id == VendorRefund.credit_note_id)
        .where(or_(VendorRefund.date.between(start, end), VendorRefund.voided_on.between(start, end)))
    )
    if vendor is not None:
        stmt = stmt.where(VendorRefund.vendor_id == vendor)
    for r, payment, note in s.execute(stmt):
        source = payment or note or ""
        drill = ("payment", int(r.payment_id)) if r.payment_id else ("bill", int(r.credit_note_id or 0))
        text = f"Refund of {source} received"
        for day, order, sign, title in ((r.date, 1, 1, text), (r.voided_on, 2, -1, f"Void: refund of {source}")):
            if day is not None and start <= day <= end:
                yield Movement(
                    r.vendor_id, day, order, r.id, "refund" if sign > 0 else "void", source, drill, title,
                    sign * r.source_base, r.currency, r.amount,
                )  # fmt: skip


def _documents(s: Session, start: date, end: date, vendor: int | None) -> Iterator[Movement]:
    stmt = select(
        Bill.id,
        Bill.kind,
        Bill.vendor_id,
        Bill.date,
        Bill.number,
        Bill.vendor_invoice,
        Bill.currency,
        Bill.total,
        Bill.base_total,
    ).where(Bill.entry_id.is_not(None), Bill.date >= start, Bill.date <= end)
    if vendor is not None:
        stmt = stmt.where(Bill.vendor_id == vendor)
    for doc_id, kind, vid, day, number, their, currency, total, base in s.execute(stmt):
        kind = _kind(kind)
        text = f"{_TITLES[kind]} {number}" + (f", invoice {their}" if their else "")
        sign = -1 if kind == CREDIT else 1
        yield Movement(vid, day, 0, doc_id, kind, number or "", ("bill", doc_id), text, sign * base, currency, total)


def _allocations(s: Session, start: date, end: date, vendor: int | None) -> Iterator[Movement]:
    """A payment is one movement (all its allocations); a credit note applied outside a payment is one;
    the reversal of either (a void) another, on its day."""
    bill_number = {
        i: n
        for i, n in s.execute(
            select(Bill.id, Bill.number).where(
                Bill.id.in_(
                    select(PaymentAllocation.bill_id).where(
                        or_(
                            PaymentAllocation.date.between(start, end),
                            PaymentAllocation.reversed_on.between(start, end),
                        )
                    )
                )
                | Bill.id.in_(
                    select(PaymentAllocation.credit_note_id).where(
                        or_(
                            PaymentAllocation.date.between(start, end),
                            PaymentAllocation.reversed_on.between(start, end),
                        )
                    )
                )
            )
        )
    }
    stmt = (
        select(
            PaymentAllocation,
            VendorPayment.number,
            VendorPayment.method,
            VendorPayment.currency,
            VendorPayment.amount,
            VendorPayment.reference,
            VendorPayment.entry_id,
        )
        .outerjoin(VendorPayment, VendorPayment.id == PaymentAllocation.payment_id)
        .where(or_(PaymentAllocation.date.between(start, end), PaymentAllocation.reversed_on.between(start, end)))
        .order_by(PaymentAllocation.id)
    )
    if vendor is not None:
        stmt = stmt.where(PaymentAllocation.vendor_id == vendor)
    groups: dict[tuple[str, int], list[tuple[PaymentAllocation, tuple[object, ...]]]] = {}
    for a, *payment in s.execute(stmt).all():
        if a.payment_id is None:
            key = ("credit", a.id)
        elif a.entry_id == payment[-1]:  # posted with the payment
            key = ("payment", a.payment_id)
        else:  # its money on account applied later
            key = ("applied", a.id)
        groups.setdefault(key, []).append((a, tuple(payment[:-1])))
    for (what, key), rows in groups.items():
        first, payment = rows[0]
        change = sum(-a.base_amount + (a.source_base if a.credit_note_id is not None else 0) for a, _ in rows)
        bills = sorted({bill_number.get(a.bill_id) or "" for a, _ in rows})
        discount = sum(a.discount for a, _ in rows)
        withheld = sum(a.withheld for a, _ in rows)
        if what == "applied":
            number, _method, currency, _amount, _ref = payment
            change = -first.base_amount + first.source_base
            text = f"Payment {number} (on account) applied to {', '.join(bills)}"
            drill = ("payment", int(first.payment_id or 0))
            units = int(first.amount)
        elif what == "payment":
            number, method, currency, amount, _ref = payment
            text = f"Payment {number} ({method}) of {', '.join(bills)}"
            extras = [label for label, v in (("discount taken", discount), ("tax withheld", withheld)) if v]
            if extras:
                text += f" ({', '.join(extras)})"
            drill = ("payment", int(first.payment_id or 0))
            units = int(amount)  # type: ignore[call-overload]
        else:
            number = bill_number.get(first.credit_note_id or 0) or ""
            text = f"Credit note {number} applied to {', '.join(bills)}"
            currency, units, drill = "", int(first.amount), ("bill", int(first.credit_note_id or 0))
        if start <= first.date <= end:
            yield Movement(
                first.vendor_id, first.date, 1, key, what, str(number), drill, text, change, str(currency), units
            )
        if first.reversed_on is not None and start <= first.reversed_on <= end:
            yield Movement(
                first.vendor_id,
                first.reversed_on,
                2,
                key,
                "void",
                str(number),
                drill,
                f"Void: {text[0].lower()}{text[1:]}",
                -change,
                str(currency),
                units,
            )


# --------------------------------------------------------------------------------------------- payments, withholding


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    number: str
    vendor_id: int
    date: date
    bank_account: str
    method: str
    reference: str
    currency: str
    amount: int
    base_amount: int
    discount: int  # bill currency = payment currency
    withheld: int
    voided_on: date | None
    run_id: int | None


def payments(
    s: Session, start: date, end: date, vendor: int | None = None, bank: str | None = None
) -> list[PaymentRow]:
    """Vendor payments dated in start..end with their discount and withholding, by date and number."""
    from paksa_desktop.banking.models import BankAccount

    sums = (
        select(
            PaymentAllocation.payment_id.label("pid"),
            func.sum(PaymentAllocation.discount).label("discount"),
            func.sum(PaymentAllocation.withheld).label("withheld"),
        )
        .where(PaymentAllocation.payment_id.is_not(None))
        .group_by(PaymentAllocation.payment_id)
        .subquery()
    )
    stmt = (
        select(
            VendorPayment.id,
            VendorPayment.number,
            VendorPayment.vendor_id,
            VendorPayment.date,
            BankAccount.name,
            VendorPayment.method,
            VendorPayment.reference,
            VendorPayment.currency,
            VendorPayment.amount,
            VendorPayment.base_amount,
            func.coalesce(sums.c.discount, 0),
            func.coalesce(sums.c.withheld, 0),
            VendorPayment.voided_on,
            VendorPayment.run_id,
        )
        .join(BankAccount, BankAccount.id == VendorPayment.bank_account_id)
        .outerjoin(sums, sums.c.pid == VendorPayment.id)
        .where(VendorPayment.date >= start, VendorPayment.date <= end)
        .order_by(VendorPayment.date, VendorPayment.number)
    )
    if vendor is not None:
        stmt = stmt.where(VendorPayment.vendor_id == vendor)
    if bank:
        stmt = stmt.where(BankAccount.name == bank)
    return [PaymentRow(*r[:10], int(r[10]), int(r[11]), r[12], r[13]) for r in s.execute(stmt)]


@dataclass(frozen=True, slots=True)
class WithheldPayment:
    """One payment to a withholding vendor in the year, in base minor units."""

    vendor_id: int
    payment: str
    date: date
    gross: int  # paid in cash plus withheld
    withheld: int
    net: int  # what reached the vendor


def withheld_payments(s: Session, start: date, end: date, base_currency: str) -> list[WithheldPayment]:
    """The year's payments (dated start..end, not voided) of vendors flagged for withholding or from which
    tax was withheld: per payment, gross, withheld and net in the base currency at the payment's rate."""
    stmt = (
        select(
            VendorPayment.vendor_id,
            VendorPayment.number,
            VendorPayment.date,
            VendorPayment.currency,
            VendorPayment.rate,
            VendorPayment.amount,
            VendorPayment.base_amount,
            func.coalesce(func.sum(PaymentAllocation.withheld), 0),
        )
        .join(Vendor, Vendor.id == VendorPayment.vendor_id)
        .outerjoin(PaymentAllocation, PaymentAllocation.payment_id == VendorPayment.id)
        .where(
            VendorPayment.date >= start,
            VendorPayment.date <= end,
            VendorPayment.voided_on.is_(None),
        )
        .group_by(
            VendorPayment.id,
            VendorPayment.vendor_id,
            VendorPayment.number,
            VendorPayment.date,
            VendorPayment.currency,
            VendorPayment.rate,
            VendorPayment.amount,
            VendorPayment.base_amount,
            Vendor.withholding,
        )
        .having(or_(Vendor.withholding.is_(True), func.coalesce(func.sum(PaymentAllocation.withheld), 0) > 0))
        .order_by(VendorPayment.date, VendorPayment.number)
    )
    found = []
    for vid, number, day, currency, rate, _amount, base, withheld in s.execute(stmt):
        withheld_base = to_base(int(withheld), Decimal(rate), currency, base_currency)
        found.append(WithheldPayment(vid, number, day, int(base) + withheld_base, withheld_base, int(base)))
    return found


def withholding_vendors(s: Session) -> dict[int, tuple[str, str, str, int, list[str]]]:
    """Vendor id -> (code, name, tax number, rate_e4, address lines) of every vendor (for the forms)."""
    found = {}
    for v in s.execute(select(Vendor)).scalars():
        address = [ln.strip() for ln in (v.address_lines or "").splitlines() if ln.strip()]
        city = " ".join(p for p in (v.postal_code, v.city) if p)
        address += [p for p in (city, v.region, v.country) if p]
        found[v.id] = (v.code, v.name, v.tax_number, v.withholding_rate_e4, address)
    return found
