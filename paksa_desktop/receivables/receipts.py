"""Money from customers and what it settles: receipts with their allocations, applying customer credit
(a receipt's remainder or a credit note) later, refunds, and bad-debt write-offs and their reversal.

Each call is one unit of work with one GL entry (bank, receivable, discounts, write-offs, exchange
difference), posted through the ledger's poster in the same transaction as the receivables rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, to_minor
from paksa_desktop.ledger.models import Account, AccountSubtype, AccountType
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedLine
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import rate_text, to_base
from paksa_desktop.receivables.commands import AllocationInput, DocumentRef, ReceiptInput
from paksa_desktop.receivables.invoicing import apply_credit_note
from paksa_desktop.receivables.models import DocumentKind, Invoice, InvoiceState, Receipt, Settlement, SettlementKind
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.receivables.preparing import CustomerInfo, Lookups
from paksa_desktop.receivables.settling import (
    OPEN_STATES,
    Piece,
    Source,
    automatic_discount,
    automatic_write_off,
    entry_lines,
    lock_invoice,
    post_entry,
    refresh_state,
    set_receipt_unapplied,
    settle_invoice,
    source_of_credit_note,
    source_of_receipt,
    take_from,
    write_settlements,
)
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

_BANK_SUBTYPES = (AccountSubtype.BANK, AccountSubtype.CASH)


class ReceiptService(GuardedService):
    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # ------------------------------------------------------------------ receipts
    @retry_writes
    def record(self, data: ReceiptInput) -> tuple[DocumentRef, Changes]:
        """Record a customer's payment and allocate it; what is not allocated stays as customer credit."""
        with self._unit(Permission.AR_RECEIPT_RECORD) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            customer = look.customer(data.customer.strip())
            currency = (data.currency or customer.currency).upper()
            exponent = currency_exponent(currency)
            amount = _minor(data.amount, exponent, "amount")
            if amount <= 0:
                raise ValidationError("a receipt's amount must be more than zero")
            rate = look.document_rate(currency, data.date, data.rate)
            bank_id = self._bank_account(look, data.bank_account)
            base_amount = to_base(amount, rate, currency, look.base_currency)
            problem = look.poster.date_problem(data.date)
            if problem:
                raise ValidationError(problem)
            period = look.poster.period(data.date)
            sequence = take_numbers(s, look.settings.receipt_series, period.fiscal_year_id, 1)
            number = document_number(look.settings.receipt_series, period.fiscal_year_name, sequence)
            source = Source("receipt", 0, data.date, number, customer.id, currency, amount, base_amount, amount, 0)
            pieces = self._allocate(s, look, customer, source, data.allocations, data.date, data.auto_allocate)
            memo = f"Receipt {number} {customer.name}"
            # the whole receipt is customer credit first (Cr receivable), then each piece uses some of it
            credit = PreparedLine(look.settings.receivable_account_id, -base_amount, memo)
            entry = post_entry(
                look.poster,
                look.settings.receipts_journal_id,
                data.date,
                entry_lines(
                    look.settings,
                    pieces,
                    memo=memo,
                    cash=(bank_id, base_amount, *_foreign(look, currency, amount)),
                    extra=(credit,),
                ),
                memo=memo,
                reference=data.reference or number,
                source="ar_receipt",
            )
            assert entry is not None and entry.id is not None
            receipt = Receipt(
                customer_id=customer.id,
                number=number,
                fiscal_year_id=period.fiscal_year_id,
                sequence=sequence,
                date=data.date,
                method=data.method.strip() or "bank transfer",
                bank_account_id=bank_id,
                currency=currency,
                rate=rate_text(rate),
                amount=amount,
                base_amount=base_amount,
                unapplied=source.available,
                reference=data.reference.strip(),
                memo=data.memo.strip(),
                entry_id=entry.id,
                created_by=self.ctx.user_id,
                created_at=self.ctx.clock.now(),
            )
            s.add(receipt)
            s.flush()
            write_settlements(
                s, self.ctx, pieces, customer_id=customer.id, on=data.date, entry_id=entry.id, receipt_id=receipt.id
            )
            s.flush()
            trail.record(
                s,
                self.ctx,
                "create",
                "receipt",
                receipt.id,
                after={
                    "number": number,
                    "customer": customer.code,
                    "amount": amount,
                    "currency": currency,
                    "allocated": {p.invoice.number: p.amount for p in pieces if p.invoice is not None},
                },
            )
            ref = DocumentRef(receipt.id, receipt.version, number, entry.id)
        return ref, Changes.of(Kind.RECEIPTS, Kind.INVOICES, Kind.ENTRIES)

    def _allocate(
        self,
        s: Session,
        look: Lookups,
        customer: CustomerInfo,
        source: Source,
        allocations: Sequence[AllocationInput],
        on: date,
        auto: bool,
    ) -> list[Piece]:
        """Pieces settling the invoices named (then, with `auto`, the oldest open ones) from `source`."""
        exponent = currency_exponent(source.currency)
        tolerance = look.settings.write_off_tolerance
        pieces: list[Piece] = []
        seen: set[str] = set()
        for allocation in allocations:
            number = allocation.invoice.strip()
            if number in seen:
                raise ValidationError(f"invoice {number} is allocated twice")
            seen.add(number)
            invoice = self._open_invoice(s, number, customer, source.currency)
            amount = _minor(allocation.amount, exponent, f"{number}: amount")
            if amount < 0:
                raise ValidationError(f"{number}: an allocation must not be negative")
            if amount > source.available:
                raise ValidationError(
                    f"{number}: allocating {allocation.amount} is more than the {source.number} has left"
                )
            discount = (
                automatic_discount(invoice, amount, on)
                if allocation.discount is None
                else _minor(allocation.discount, exponent, f"{number}: discount")
            )
            written_off = (
                automatic_write_off(invoice, amount, discount, tolerance, look.base_currency)
                if allocation.write_off is None
                else _minor(allocation.write_off, exponent, f"{number}: write-off")
            )
            if discount < 0 or written_off < 0:
                raise ValidationError(f"{number}: a discount or write-off must not be negative")
            beyond_tolerance = to_base(written_off, Decimal(invoice.rate), invoice.currency, look.base_currency)
            if beyond_tolerance > tolerance:  # more than a small difference is a write-off decision
                self.ctx.require(Permission.AR_WRITE_OFF)
            pieces.append(self._piece(s, look, invoice, source, amount, discount, written_off, on))
        if auto and source.available > 0:
            stmt = (
                select(Invoice)
                .where(
                    Invoice.customer_id == customer.id,
                    Invoice.kind == DocumentKind.INVOICE,
                    Invoice.currency == source.currency,
                    Invoice.state.in_(OPEN_STATES),
                    Invoice.date <= on,  # an invoice issued after the money came cannot be what it paid
                    Invoice.number.not_in(seen) if seen else True,
                )
                .order_by(Invoice.due_date, Invoice.id)
            )
            if is_postgres(s):
                stmt = stmt.with_for_update()
            for invoice in s.execute(stmt).scalars():
                if source.available <= 0:
                    break
                amount = min(source.available, invoice.open_amount)
                discount = automatic_discount(invoice, amount, on)
                written_off = automatic_write_off(invoice, amount, discount, tolerance, look.base_currency)
                pieces.append(self._piece(s, look, invoice, source, amount, discount, written_off, on))
        return pieces

    @staticmethod
    def _piece(
        s: Session,
        look: Lookups,
        invoice: Invoice,
        source: Source,
        amount: int,
        discount: int,
        written_off: int,
        on: date,
    ) -> Piece:
        piece = Piece(SettlementKind.PAYMENT, invoice, amount, discount, written_off)
        piece.source_base = take_from(source, amount, on)
        settle_invoice(s, invoice, piece, base_currency=look.base_currency, on=on)
        return piece

    @staticmethod
    def _open_invoice(s: Session, number: str, customer: CustomerInfo, currency: str) -> Invoice:
        invoice = lock_invoice(s, number, kind=DocumentKind.INVOICE)
        if invoice.customer_id != customer.id:
            raise ValidationError(f"invoice {number} is not {customer.code}'s")
        if invoice.currency != currency:
            raise ValidationError(f"invoice {number} is in {invoice.currency}, the money in {currency}")
        if invoice.state not in OPEN_STATES:
            raise ValidationError(f"invoice {number} is {invoice.state.value.replace('_', ' ')}: nothing is open")
        return invoice

    @staticmethod
    def _bank_account(look: Lookups, code: str) -> int:
        account_id = look.account_id(code.strip(), "bank account")
        info = look.s.get(Account, account_id)
        assert info is not None
        if info.type is not AccountType.ASSET or info.subtype not in _BANK_SUBTYPES:
            raise ValidationError(f"bank account: {code} is not a bank or cash account")
        return account_id

    # ------------------------------------------------------------------ customer credit
    @retry_writes
    def apply_credit(
        self, source_number: str, allocations: Sequence[AllocationInput], on: date
    ) -> tuple[list[int], Changes]:
        """Apply a receipt's remaining credit, or an open credit note, to open invoices of its customer."""
        with self._unit(Permission.AR_RECEIPT_RECORD) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            problem = look.poster.date_problem(on)
            if problem:
                raise ValidationError(problem)
            receipt = self._lock_receipt(s, source_number)
            if receipt is None:  # a credit note
                self.ctx.require(Permission.AR_CREDIT_NOTE_CREATE)
                note = lock_invoice(s, source_number, kind=DocumentKind.CREDIT_NOTE)
                if note.state is InvoiceState.DRAFT:
                    raise ValidationError(f"credit note {source_number} is a draft: post it first")
                customer = look.customer_by_id(note.customer_id)
                exponent = currency_exponent(note.currency)
                targets = []
                for allocation in allocations:
                    invoice = self._open_invoice(s, allocation.invoice.strip(), customer, note.currency)
                    targets.append((invoice, _minor(allocation.amount, exponent, f"{allocation.invoice}: amount")))
                apply_credit_note(s, self.ctx, look, note, targets, on)
                ids = [t[0].id for t in targets]
            else:
                customer = look.customer_by_id(receipt.customer_id)
                source = source_of_receipt(s, receipt)
                pieces = self._allocate(s, look, customer, source, allocations, on, auto=False)
                memo = f"{receipt.number} applied"
                entry = post_entry(
                    look.poster,
                    look.settings.receipts_journal_id,
                    on,
                    entry_lines(look.settings, pieces, memo=memo),
                    memo=memo,
                    reference=receipt.number,
                    source="ar_settlement",
                )
                write_settlements(
                    s, self.ctx, pieces, customer_id=customer.id, on=on, entry_id=entry.id if entry else None,
                    receipt_id=receipt.id,
                )  # fmt: skip
                set_receipt_unapplied(s, receipt.id, source.available)
                ids = [p.invoice.id for p in pieces if p.invoice is not None]
            s.flush()
            trail.record(
                s, self.ctx, "apply", "customer_credit", source_number,
                after={"invoices": [a.invoice for a in allocations], "on": on},
            )  # fmt: skip
        return ids, Changes.of(Kind.RECEIPTS, Kind.INVOICES, Kind.ENTRIES)

    @retry_writes
    def refund(
        self, source_number: str, amount: Decimal, bank_account: str, on: date, *, reference: str = ""
    ) -> tuple[int | None, Changes]:
        """Pay customer credit back (from a receipt's remainder or an open credit note) out of a bank account."""
        with self._unit(Permission.AR_RECEIPT_RECORD) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            receipt = self._lock_receipt(s, source_number)
            note = None
            if receipt is not None:
                source = source_of_receipt(s, receipt)
            else:
                self.ctx.require(Permission.AR_CREDIT_NOTE_CREATE)
                note = lock_invoice(s, source_number, kind=DocumentKind.CREDIT_NOTE)
                source = source_of_credit_note(s, note)
            units = _minor(amount, currency_exponent(source.currency), "amount")
            if units <= 0:
                raise ValidationError("a refund must be more than zero")
            bank_id = self._bank_account(look, bank_account)
            piece = Piece(SettlementKind.REFUND, None, units)
            piece.source_base = take_from(source, units, on)
            paid_base = to_base(units, look.rate(source.currency, on), source.currency, look.base_currency)
            memo = f"Refund of {source.number}"
            entry = post_entry(
                look.poster,
                look.settings.receipts_journal_id,
                on,
                entry_lines(
                    look.settings,
                    [piece],
                    memo=memo,
                    cash=(bank_id, -paid_base, *_foreign(look, source.currency, -units)),
                ),
                memo=memo,
                reference=reference or source.number,
                source="ar_settlement",
            )
            assert entry is not None
            write_settlements(
                s, self.ctx, [piece], customer_id=source.customer_id, on=on, entry_id=entry.id,
                receipt_id=receipt.id if receipt else None, credit_note_id=note.id if note else None,
            )  # fmt: skip
            if receipt is not None:
                set_receipt_unapplied(s, receipt.id, source.available)
            else:
                assert note is not None
                note.open_amount = source.available
                refresh_state(s, note)
            s.flush()
            trail.record(s, self.ctx, "refund", "customer_credit", source_number, after={"amount": units, "on": on})
        return entry.id, Changes.of(Kind.RECEIPTS, Kind.INVOICES, Kind.ENTRIES)

    # ------------------------------------------------------------------ bad debts
    @retry_writes
    def write_off(self, number: str, on: date, *, memo: str = "") -> tuple[int, Changes]:
        """Write an invoice's open amount off as a bad debt (`receivables.writeoff`)."""
        with self._unit(Permission.AR_WRITE_OFF) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            invoice = lock_invoice(s, number, kind=DocumentKind.INVOICE)
            if invoice.state not in OPEN_STATES:
                raise ValidationError(f"invoice {number} is {invoice.state.value.replace('_', ' ')}: nothing is open")
            piece = Piece(SettlementKind.WRITE_OFF, invoice, invoice.open_amount)
            settle_invoice(s, invoice, piece, base_currency=look.base_currency, on=on)
            text = memo or f"Bad debt: {number}"
            lines = [
                PreparedLine(look.settings.bad_debt_account_id, piece.base_amount, text),
                PreparedLine(look.settings.receivable_account_id, -piece.base_amount, text),
            ]
            entry = post_entry(
                look.poster, look.settings.sales_journal_id, on, lines, memo=text, reference=number,
                source="ar_write_off",
            )  # fmt: skip
            assert entry is not None
            rows = write_settlements(s, self.ctx, [piece], customer_id=invoice.customer_id, on=on, entry_id=entry.id)
            s.flush()
            trail.record(
                s, self.ctx, "write_off", "invoice", invoice.id, after={"number": number, "amount": piece.amount}
            )
            settlement_id = rows[0].id
        return settlement_id, Changes.of(Kind.INVOICES, Kind.ENTRIES)

    @retry_writes
    def reverse_write_off(self, number: str, on: date) -> Changes:
        """Undo an invoice's bad-debt write-off: the receivable is back, the expense reversed."""
        with self._unit(Permission.AR_WRITE_OFF) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            invoice = lock_invoice(s, number, kind=DocumentKind.INVOICE)
            settlement = s.execute(
                select(Settlement).where(
                    Settlement.invoice_id == invoice.id,
                    Settlement.kind == SettlementKind.WRITE_OFF,
                    Settlement.reversed_on.is_(None),
                )
            ).scalar_one_or_none()
            if settlement is None:
                raise NotFoundError(f"invoice {number} has no write-off to reverse")
            if on < settlement.date:
                raise ValidationError(f"the reversal cannot be dated before the write-off ({settlement.date})")
            text = f"Reversal of bad debt write-off: {number}"
            lines = [
                PreparedLine(look.settings.receivable_account_id, settlement.base_amount, text),
                PreparedLine(look.settings.bad_debt_account_id, -settlement.base_amount, text),
            ]
            entry = post_entry(
                look.poster, look.settings.sales_journal_id, on, lines, memo=text, reference=number,
                source="ar_write_off",
            )  # fmt: skip
            assert entry is not None
            settlement.reversed_on = on
            settlement.reversal_entry_id = entry.id
            invoice.open_amount += settlement.amount + settlement.discount + settlement.written_off
            s.flush()
            refresh_state(s, invoice)
            trail.record(s, self.ctx, "reverse_write_off", "invoice", invoice.id, after={"number": number})
        return Changes.of(Kind.INVOICES, Kind.ENTRIES)

    @staticmethod
    def _lock_receipt(s: Session, number: str) -> Receipt | None:
        stmt = select(Receipt).where(Receipt.number == number.strip())
        if is_postgres(s):
            stmt = stmt.with_for_update()
        return s.execute(stmt).scalar_one_or_none()


def _foreign(look: Lookups, currency: str, units: int) -> tuple[str | None, int | None]:
    """The bank line's foreign amount: the money in its own currency, or (None, None) in the base currency."""
    return (None, None) if currency == look.base_currency else (currency, units)


def _minor(amount: Decimal, exponent: int, what: str) -> int:
    try:
        return to_minor(Decimal(amount), exponent)
    except ValidationError:
        raise ValidationError(f"{what}: {amount} has more than {exponent} decimal places") from None
