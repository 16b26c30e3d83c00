"""Collection notes and promises to pay, and the collector's work queue.

A note records a call or a letter about a customer (optionally one invoice of theirs), optionally a
promise to pay (by a day, perhaps an amount) and the day to follow it up. The work queue for a day holds
every note not marked done whose follow-up day has come, and every broken promise:

- a promise about an invoice is broken when its day has passed and the invoice is still open;
- a promise about the customer as a whole is broken when its day has passed and the customer's
  receipts from the day of the note to the promised day fall short of the promised amount (or, with no
  amount, there were none).

Who writes notes: the roles that talk to customers (`receivables.customer.manage`,
`receivables.receipt.record` or `receivables.dunning.run`, as the database grants say); everyone with
`receivables.view` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.receivables.models import CollectionNote, Customer, DocumentKind, Invoice, Receipt
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission

WRITERS = (Permission.AR_CUSTOMER_MANAGE, Permission.AR_RECEIPT_RECORD, Permission.AR_DUNNING_RUN)


@dataclass(frozen=True, slots=True)
class NoteInput:
    customer: str
    note: str
    invoice: str | None = None  # an invoice number of the customer's
    promised_on: date | None = None
    promised_amount: Decimal | None = None  # the invoice's currency, else the customer's
    follow_up_on: date | None = None


@dataclass(frozen=True, slots=True)
class NoteRow:
    id: int
    customer: str
    customer_name: str
    invoice: str | None
    note: str
    promised_on: date | None
    promised_amount: Decimal | None
    currency: str
    follow_up_on: date | None
    done: bool
    created_by: str
    created_on: date
    version: int
    why: str = ""  # in a work queue: "follow up", "broken promise" or both


class CollectionService(GuardedService):
    """Notes and promises (written by the customer-facing roles, read with `receivables.view`)."""

    def _writer(self) -> Permission:
        for permission in WRITERS:
            if self.ctx.can(permission):
                return permission
        raise PermissionDenied(self.ctx.username, WRITERS[0])

    def add_note(self, data: NoteInput) -> tuple[int, Changes]:
        with self._unit(self._writer()) as s:
            customer = s.execute(select(Customer).where(Customer.code == data.customer.strip())).scalar_one_or_none()
            if customer is None:
                raise NotFoundError(f"customer {data.customer} does not exist")
            text = data.note.strip()
            if not text:
                raise ValidationError("a collection note needs some text")
            invoice_id, currency = None, customer.currency
            if data.invoice:
                found = s.execute(
                    select(Invoice.id, Invoice.customer_id, Invoice.currency).where(
                        Invoice.number == data.invoice.strip(), Invoice.kind == DocumentKind.INVOICE
                    )
                ).first()
                if found is None:
                    raise NotFoundError(f"invoice {data.invoice} does not exist")
                if found.customer_id != customer.id:
                    raise ValidationError(f"invoice {data.invoice} is not {customer.code}'s")
                invoice_id, currency = found.id, found.currency
            amount = None
            if data.promised_amount is not None:
                if data.promised_on is None:
                    raise ValidationError("a promised amount needs the day it is promised for")
                try:
                    amount = to_minor(Decimal(data.promised_amount), currency_exponent(currency))
                except ValidationError:
                    raise ValidationError(f"promised amount {data.promised_amount}: too many decimals") from None
                if amount <= 0:
                    raise ValidationError("a promised amount must be more than zero")
            now = self.ctx.clock.now()
            row = CollectionNote(
                customer_id=customer.id, invoice_id=invoice_id, note=text, promised_on=data.promised_on,
                promised_amount=amount, follow_up_on=data.follow_up_on, done=False, created_by=self.ctx.user_id,
                created_at=now,
            )  # fmt: skip
            s.add(row)
            s.flush()
            trail.record(
                s, self.ctx, "create", "collection_note", row.id,
                after={"customer": customer.code, "invoice": data.invoice, "promised_on": str(data.promised_on or ""),
                       "promised_amount": amount, "follow_up_on": str(data.follow_up_on or "")},
            )  # fmt: skip
            note_id = row.id
        return note_id, Changes.of(Kind.COLLECTIONS)

    def mark_done(self, note_id: int, version: int | None = None, *, done: bool = True) -> Changes:
        with self._unit(self._writer()) as s:
            row = s.get(CollectionNote, note_id)
            if row is None:
                raise NotFoundError(f"collection note {note_id} does not exist")
            if version is not None and row.version != version:
                raise trail.stale(s, f"collection note {note_id}", "collection_note", note_id)
            row.done = done
            s.flush()
            trail.record(s, self.ctx, "update", "collection_note", note_id, before={"done": not done},
                         after={"done": done})  # fmt: skip
        return Changes.of(Kind.COLLECTIONS)

    # ------------------------------------------------------------------ reading
    def notes(self, customer: str | None = None, *, include_done: bool = True) -> list[NoteRow]:
        """A customer's notes (or everyone's), newest first."""
        with self._read(Permission.AR_VIEW) as s:
            stmt = _notes_query()
            if customer:
                stmt = stmt.where(Customer.code == customer)
            if not include_done:
                stmt = stmt.where(CollectionNote.done.is_(False))
            return [
                _row(r) for r in s.execute(stmt.order_by(CollectionNote.created_at.desc(), CollectionNote.id.desc()))
            ]

    def work_queue(self, on: date) -> list[NoteRow]:
        """Notes not done whose follow-up day has come, and broken promises, oldest due first."""
        with self._read(Permission.AR_VIEW) as s:
            rows = s.execute(_notes_query().where(CollectionNote.done.is_(False))).all()
            queue = []
            for r in rows:
                reasons = []
                note: CollectionNote = r[0]
                if note.follow_up_on is not None and note.follow_up_on <= on:
                    reasons.append("follow up")
                if note.promised_on is not None and note.promised_on < on and _broken(s, note, r.open_amount):
                    reasons.append("broken promise")
                if reasons:
                    queue.append(_row(r, " and ".join(reasons)))
            days = [(min(d for d in (n.follow_up_on, n.promised_on) if d is not None), n.id) for n in queue]
            return [n for _key, n in sorted(zip(days, queue, strict=True), key=lambda kv: kv[0])]


def _notes_query():  # type: ignore[no-untyped-def]
    return (
        select(
            CollectionNote,
            Customer.code,
            Customer.name,
            Customer.currency,
            Invoice.number,
            Invoice.currency.label("invoice_currency"),
            Invoice.open_amount,
            Invoice.state,
            User.username,
        )
        .join(Customer, Customer.id == CollectionNote.customer_id)
        .outerjoin(Invoice, Invoice.id == CollectionNote.invoice_id)
        .outerjoin(User, User.id == CollectionNote.created_by)
    )


def _broken(s: Session, note: CollectionNote, open_amount: int | None) -> bool:
    assert note.promised_on is not None
    if note.invoice_id is not None:
        return bool(open_amount)
    received = s.execute(
        select(func.coalesce(func.sum(Receipt.amount), 0)).where(
            Receipt.customer_id == note.customer_id,
            Receipt.date >= note.created_at.date(),
            Receipt.date <= note.promised_on,
        )
    ).scalar_one()
    return int(received) < (note.promised_amount or 1)


def _row(r: object, why: str = "") -> NoteRow:
    note, code, name, customer_currency, number, invoice_currency, _open, _state, username = r  # type: ignore[misc]
    currency = invoice_currency or customer_currency
    amount = from_minor(note.promised_amount, currency_exponent(currency)) if note.promised_amount else None
    return NoteRow(
        note.id, code, name, number, note.note, note.promised_on, amount, currency, note.follow_up_on, note.done,
        username or "", note.created_at.date(), note.version, why,
    )  # fmt: skip
