"""Settling invoices: what a piece of a receipt or credit note takes off an invoice, and the GL lines.

Every settlement relieves the invoice's receivable at the invoice's own rate and uses its source (the
receipt or credit note) at the source's rate, both cumulatively (amounts.base_of_first), so a document
settled in any number of pieces relieves exactly its base value. What is left between the two, after
any discount and write-off, is the realised exchange difference. On PostgreSQL the documents are
row-locked while they are settled: two clerks allocating to one invoice wait for each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.posting import PreparedLine

# merge and post_entry are shared with payables; imported from here by receipts and invoicing
from paksa_desktop.ledger.settlement import merge as merge
from paksa_desktop.ledger.settlement import post_entry as post_entry
from paksa_desktop.ledger.settlement import source_base, with_exchange_difference
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.receivables.amounts import relief, to_base
from paksa_desktop.receivables.models import (
    DocumentKind,
    Invoice,
    InvoiceState,
    Receipt,
    Settlement,
    SettlementKind,
)
from paksa_desktop.receivables.settings import Settings
from paksa_desktop.security.context import UserContext

OPEN_STATES = (InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)


@dataclass(slots=True)
class Source:
    """Where the money of a settlement comes from: a receipt or a credit note (document currency)."""

    kind: str  # "receipt" or "credit_note"
    id: int
    date: date
    number: str
    customer_id: int
    currency: str
    amount: int  # the whole receipt / credit note
    base_amount: int
    available: int  # still unapplied
    used_base: int  # base already taken by active settlements


@dataclass(slots=True)
class Piece:
    """One settlement being made, with its base values."""

    kind: SettlementKind
    invoice: Invoice | None
    amount: int
    discount: int = 0
    written_off: int = 0
    base_amount: int = 0  # invoice relief
    source_base: int = 0
    discount_base: int = 0
    written_off_base: int = 0


def lock_invoice(s: Session, number: str, *, kind: DocumentKind | None = None) -> Invoice:
    stmt = select(Invoice).where(Invoice.number == number)
    if is_postgres(s):
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None or (kind is not None and row.kind is not kind):
        what = "credit note" if kind is DocumentKind.CREDIT_NOTE else "invoice"
        raise NotFoundError(f"{what} {number} does not exist")
    return row


def relieved(s: Session, invoice_id: int) -> int:
    """Base already relieved on an invoice by its active settlements."""
    return int(
        s.execute(
            select(func.coalesce(func.sum(Settlement.base_amount), 0)).where(
                Settlement.invoice_id == invoice_id, Settlement.reversed_on.is_(None)
            )
        ).scalar_one()
    )


def source_of_receipt(s: Session, receipt: Receipt) -> Source:
    used = s.execute(
        select(func.coalesce(func.sum(Settlement.source_base), 0)).where(
            Settlement.receipt_id == receipt.id, Settlement.reversed_on.is_(None)
        )
    ).scalar_one()
    return Source(
        "receipt",
        receipt.id,
        receipt.date,
        receipt.number,
        receipt.customer_id,
        receipt.currency,
        receipt.amount,
        receipt.base_amount,
        receipt.unapplied,
        int(used),
    )


def source_of_credit_note(s: Session, note: Invoice) -> Source:
    used = s.execute(
        select(func.coalesce(func.sum(Settlement.source_base), 0)).where(
            Settlement.credit_note_id == note.id, Settlement.reversed_on.is_(None)
        )
    ).scalar_one()
    assert note.number is not None
    return Source(
        "credit_note",
        note.id,
        note.date,
        note.number,
        note.customer_id,
        note.currency,
        note.total,
        note.base_total,
        note.open_amount,
        int(used),
    )


def take_from(source: Source, amount: int, on: date) -> int:
    """Use `amount` of the source; returns its base value (cumulative, so the last piece is exact)."""
    if on < source.date:
        raise ValidationError(f"{source.number} is dated {source.date}: it cannot be used on {on}")
    if amount > source.available:
        raise ValidationError(f"{source.number} has only {source.available} minor units left to apply, not {amount}")
    base = source_base(source.amount, source.base_amount, source.available, source.used_base, amount)
    source.available -= amount
    source.used_base += base
    return base


def settle_invoice(s: Session, invoice: Invoice, piece: Piece, *, base_currency: str, on: date) -> None:
    """Fill in the piece's invoice relief and take it off the invoice's open amount."""
    if on < invoice.date:
        raise ValidationError(f"invoice {invoice.number} is dated {invoice.date}: it cannot be settled on {on}")
    off = piece.amount + piece.discount + piece.written_off
    if off <= 0:
        raise ValidationError(f"invoice {invoice.number}: nothing to settle")
    if off > invoice.open_amount:
        raise ValidationError(
            f"invoice {invoice.number}: settling {off} minor units is more than its open amount {invoice.open_amount}"
        )
    rate = Decimal(invoice.rate)
    piece.base_amount = relief(invoice.total, invoice.base_total, invoice.open_amount, off, relieved(s, invoice.id))
    piece.discount_base = to_base(piece.discount, rate, invoice.currency, base_currency)
    piece.written_off_base = to_base(piece.written_off, rate, invoice.currency, base_currency)
    invoice.open_amount -= off


def automatic_discount(invoice: Invoice, amount: int, on: date) -> int:
    """The early-payment discount a payment of `amount` on `on` earns: when it pays the rest in full
    less the discount the terms give on the invoice's total, within the discount period."""
    terms = PaymentTerms.parse(invoice.terms) if invoice.terms else None
    if terms is None or amount >= invoice.open_amount:
        return 0
    full = terms.discount(invoice.total, invoice.date, on)
    if full and amount + full >= invoice.open_amount:
        return invoice.open_amount - amount
    return 0


def automatic_write_off(invoice: Invoice, amount: int, discount: int, tolerance: int, base_currency: str) -> int:
    """A small remainder (at most the tolerance, in base units) left by a payment is written off."""
    rest = invoice.open_amount - amount - discount
    if rest <= 0 or tolerance <= 0:
        return 0
    return rest if to_base(rest, Decimal(invoice.rate), invoice.currency, base_currency) <= tolerance else 0


def refresh_state(s: Session, invoice: Invoice) -> None:
    """An invoice's (or credit note's) state from its open amount and what settled it."""
    if invoice.open_amount == invoice.total:
        invoice.state = InvoiceState.POSTED
    elif invoice.open_amount > 0:
        invoice.state = InvoiceState.PARTIALLY_PAID
    elif invoice.kind is DocumentKind.CREDIT_NOTE:
        invoice.state = InvoiceState.PAID
    else:
        kinds = set(
            s.execute(
                select(Settlement.kind).where(Settlement.invoice_id == invoice.id, Settlement.reversed_on.is_(None))
            ).scalars()
        )
        if SettlementKind.WRITE_OFF in kinds:
            invoice.state = InvoiceState.WRITTEN_OFF
        elif kinds == {SettlementKind.CREDIT}:
            invoice.state = InvoiceState.CREDITED
        else:
            invoice.state = InvoiceState.PAID


def entry_lines(
    settings: Settings,
    pieces: Sequence[Piece],
    *,
    memo: str,
    cash: tuple[int, int] | tuple[int, int, str | None, int | None] | None = None,
    extra: Sequence[PreparedLine] = (),
) -> list[PreparedLine]:
    """The GL lines of settling `pieces` (plus money in or out of a bank account, `cash` = (account id,
    signed base amount[, currency, signed minor units of it]) — the money in its own currency when that is
    not the base currency — and any `extra` lines): one receivable line, discounts, write-offs, and the
    exchange difference that balances them."""
    receivable = 0
    discount = written_off = 0
    for p in pieces:
        receivable += p.source_base - p.base_amount
        discount += p.discount_base
        written_off += p.written_off_base
    lines: list[PreparedLine] = []
    if cash is not None:
        lines.append(PreparedLine(cash[0], cash[1], memo, None, None, *cash[2:]))
    lines.append(PreparedLine(settings.receivable_account_id, receivable, memo))
    lines.append(PreparedLine(settings.discount_account_id, discount, memo))
    lines.append(PreparedLine(settings.write_off_account_id, written_off, memo))
    lines.extend(extra)
    return with_exchange_difference(
        lines, gain_account_id=settings.fx_gain_account_id, loss_account_id=settings.fx_loss_account_id, memo=memo
    )


def write_settlements(
    s: Session,
    ctx: UserContext,
    pieces: Sequence[Piece],
    *,
    customer_id: int,
    on: date,
    entry_id: int | None,
    receipt_id: int | None = None,
    credit_note_id: int | None = None,
) -> list[Settlement]:
    now = ctx.clock.now()
    rows = [
        Settlement(
            kind=p.kind,
            customer_id=customer_id,
            invoice_id=p.invoice.id if p.invoice is not None else None,
            receipt_id=receipt_id,
            credit_note_id=credit_note_id,
            date=on,
            amount=p.amount,
            discount=p.discount,
            written_off=p.written_off,
            base_amount=p.base_amount,
            source_base=p.source_base,
            entry_id=entry_id,
            created_by=ctx.user_id,
            created_at=now,
        )
        for p in pieces
    ]
    s.add_all(rows)
    s.flush()
    for invoice in {id(p.invoice): p.invoice for p in pieces if p.invoice is not None}.values():
        refresh_state(s, invoice)
    return rows


def set_receipt_unapplied(s: Session, receipt_id: int, unapplied: int) -> None:
    s.execute(
        update(Receipt)
        .where(Receipt.id == receipt_id)
        .values(unapplied=unapplied, version=Receipt.version + 1)
        .execution_options(synchronize_session=False)
    )
