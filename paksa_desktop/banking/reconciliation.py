"""Matching statement lines against the books, booking what is accepted, and reconciling to a statement.

`propose` runs the pure matcher over an account's unmatched lines and the open items of every source
(recon_sources.py). `accept` books one proposal per unit of work: a receivable match records the customer
receipt (or refund) through the receivables services, a bill match the vendor payment through the
payables' payment service, in the same transaction as the link, so a document is never paid without its
bank line matched, nor the reverse; a GL match links the line to the journal lines it clears, and a
payment run match to every GL line of the run's payments. `create_entry` posts a journal entry from a
line nothing matches (charges, interest). `reconcile` compares the book balance with a statement balance;
`finish` only when they agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine, exists, func, select, update
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import find_account
from paksa_desktop.banking.candidates import ItemSource, OpenItem, gather
from paksa_desktop.banking.matching import MatchSettings, Proposal, accept_above, match
from paksa_desktop.banking.models import BankAccount, BankLine, LineStatus
from paksa_desktop.banking.recon_models import BankLineLink, BankReconciliation, LinkKind
from paksa_desktop.banking.recon_sources import SOURCE_FACTORIES, SourceFactory, parse_key
from paksa_desktop.banking.scoring import MatchKind
from paksa_desktop.banking.split import AccountPart, ItemPart, check_split
from paksa_desktop.banking.statement_data import StatementLine
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.models import Account, CompanySettings, JournalEntry, JournalLine
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedEntry, PreparedLine
from paksa_desktop.payables.bank_matching import CREDIT_PAYMENT, RUN, bill_payment, run_bank_lines
from paksa_desktop.payables.models import Bill, BillKind, Vendor
from paksa_desktop.payables.payments import BillToPay, PaymentInput, PaymentService
from paksa_desktop.payables.vendor_credit import VendorCreditService
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from paksa_desktop.receivables.models import Customer, Invoice, Receipt, TaxCodeRow
from paksa_desktop.receivables.receipts import ReceiptService
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

ZERO = Decimal(0)


# ------------------------------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class BankProposal:
    """A matcher proposal with the ids of the bank lines it concerns (the matcher only knows positions)."""

    line_ids: tuple[int, ...]
    proposal: Proposal

    @property
    def score(self) -> int:
        return self.proposal.score

    def describe(self) -> str:
        lines = ", ".join(f"{ln.booked} {ln.amount} {ln.reference}".strip() for ln in self.proposal.lines)
        items = ", ".join(i.caption for i in self.proposal.items)
        return f"{lines} -> {items} ({self.score}: {self.proposal.explanation})"


@dataclass(frozen=True, slots=True)
class AcceptResult:
    accepted: tuple[BankProposal, ...]
    refused: tuple[tuple[BankProposal, str], ...]  # the proposal and why it could not be booked
    changes: Changes = field(default_factory=Changes)


@dataclass(frozen=True, slots=True)
class UnclearedItem:
    """A GL line on the bank account no bank line has cleared, or a bank line not yet matched."""

    kind: str  # "GL line" or "bank line"
    id: int
    date: date
    number: str  # entry number, or the bank line's reference
    text: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    account: str
    currency: str
    statement_date: date
    statement_balance: Decimal
    book_balance: Decimal  # GL balance of the bank's GL account on the date
    uncleared_gl: tuple[UnclearedItem, ...]  # in the books, not yet on the bank statement
    unmatched_lines: tuple[UnclearedItem, ...]  # on the statement, not yet in the books
    reconciled_from: date | None = None  # the account's opening reconciled date, None: from the first GL line
    opening_balance: Decimal | None = None  # the bank's balance at the end of `reconciled_from`
    # the book balance on `reconciled_from` that the opening balance does not hold (items then outstanding,
    # less those the bank has since cleared): zero without an opening
    opening_difference: Decimal = ZERO

    @property
    def uncleared_total(self) -> Decimal:
        return sum((i.amount for i in self.uncleared_gl), ZERO)

    @property
    def cleared_balance(self) -> Decimal:
        """The book balance less what the bank has not seen yet: what the statement should show.

        With an opening reconciled balance: the opening plus the GL lines after its date the bank has
        cleared (and the older ones it cleared after that date).
        """
        return self.book_balance - self.uncleared_total - self.opening_difference

    @property
    def difference(self) -> Decimal:
        """Statement balance minus cleared book balance; a reconciliation finishes only at zero."""
        return self.statement_balance - self.cleared_balance


@dataclass(frozen=True, slots=True)
class ReconciliationRow:
    id: int
    account: str
    statement_date: date
    statement_balance: Decimal
    book_balance: Decimal
    line_count: int
    finished_at: object
    undone: bool


# ------------------------------------------------------------------------------------------ helpers


class _ReceiptsInUnit(ReceiptService):
    """ReceiptService writing into the reconciliation's own transaction (receipt and link: one unit)."""

    def __init__(self, s: Session, engine: Engine, ctx: UserContext, facts: PostingFacts | None) -> None:
        super().__init__(engine, ctx, facts)
        self._session = s

    @contextmanager
    def _unit(self, permission: str) -> Iterator[Session]:
        self.ctx.require(permission)
        yield self._session


class _VendorCreditInUnit(VendorCreditService):
    """VendorCreditService writing into the reconciliation's own transaction (refund and link: one unit)."""

    def __init__(self, s: Session, engine: Engine, ctx: UserContext, facts: PostingFacts | None) -> None:
        super().__init__(engine, ctx, facts)
        self._session = s

    @contextmanager
    def _unit(self, permission: str) -> Iterator[Session]:
        self.ctx.require(permission)
        yield self._session


class _PaymentsInUnit(PaymentService):
    """PaymentService writing into the reconciliation's own transaction (payment and link: one unit)."""

    def __init__(self, s: Session, engine: Engine, ctx: UserContext, facts: PostingFacts | None) -> None:
        super().__init__(engine, ctx, facts)
        self._session = s

    @contextmanager
    def _unit(self, permission: str) -> Iterator[Session]:
        self.ctx.require(permission)
        yield self._session


def _statement_line(row: BankLine, exponent: int) -> StatementLine:
    return StatementLine(
        row.booked,
        from_minor(row.amount, exponent),
        description=row.description,
        reference=row.reference,
        bank_id=row.bank_id,
        value_date=row.value_date,
        counterparty=row.counterparty,
        counterparty_account=row.counterparty_account,
        kind=row.kind,
    )


def _base(s: Session) -> tuple[str, int]:
    base = s.execute(select(CompanySettings.base_currency)).scalar_one()
    return base, currency_exponent(base)


def _gl_code(s: Session, bank: BankAccount) -> str:
    return s.execute(select(Account.code).where(Account.id == bank.gl_account_id)).scalar_one()


def _bank_side_line(s: Session, entry_id: int, gl_account_id: int) -> int | None:
    """The journal line of an entry on the bank's GL account (the one a bank line clears)."""
    return s.execute(
        select(JournalLine.id)
        .where(JournalLine.entry_id == entry_id, JournalLine.account_id == gl_account_id)
        .order_by(JournalLine.line_no)
        .limit(1)
    ).scalar()


def _dimensions(poster: Poster, line_id: int, department: str, project: str) -> tuple[int | None, int | None]:
    """Department and project ids for an entry from a bank line; an unknown or inactive code is refused."""
    ids: list[int | None] = []
    for label, code, look_up in (
        ("department", department, poster.department_id),
        ("project", project, poster.project_id),
    ):
        code = code.strip()
        found = look_up(code) if code else None
        if code and found is None:
            raise ValidationError(f"entry for bank line {line_id}: unknown or inactive {label} '{code}'")
        ids.append(found)
    return ids[0], ids[1]


def _inclusive_tax(s: Session, line_id: int, tax_code: str, units: int) -> tuple[int | None, int]:
    """The tax account and the tax part (minor units, half up) of an amount that includes the tax."""
    code = tax_code.strip()
    if not code:
        return None, 0
    row = s.execute(select(TaxCodeRow).where(TaxCodeRow.code == code)).scalar_one_or_none()
    if row is None or not row.is_active:
        raise ValidationError(f"entry for bank line {line_id}: unknown or inactive tax code '{code}'")
    tax = (Decimal(units) * row.rate_e4 / (1_000_000 + row.rate_e4)).quantize(Decimal(1), ROUND_HALF_UP)
    return row.account_id, int(tax)


# ------------------------------------------------------------------------------------------ service


@retry_writes
class ReconciliationService(GuardedService):
    """Match, book and reconcile a bank account's statement lines (`cash.reconcile`)."""

    def __init__(
        self,
        engine: Engine,
        ctx: UserContext,
        facts: PostingFacts | None = None,
        sources: Sequence[SourceFactory] = SOURCE_FACTORIES,
    ) -> None:
        super().__init__(engine, ctx)
        self.facts = facts
        self.sources = tuple(sources)

    # -------------------------------------------------------------------------------------- matching

    def propose(self, account: str, as_of: date, *, settings: MatchSettings | None = None) -> list[BankProposal]:
        """Proposals for the account's unmatched lines booked by `as_of`, against items open on `as_of`."""
        with self._read(Permission.CASH_RECONCILE) as s:
            bank = find_account(s, account)
            exponent = currency_exponent(bank.currency)
            rows = (
                s.execute(
                    select(BankLine)
                    .where(
                        BankLine.bank_account_id == bank.id,
                        BankLine.status == LineStatus.UNMATCHED,
                        BankLine.booked <= as_of,
                    )
                    .order_by(BankLine.booked, BankLine.id)
                )
                .scalars()
                .all()
            )
            if not rows:
                return []
            items = gather([make(s, bank, self.ctx) for make in self.sources], bank.currency, as_of)
            lines = [_statement_line(r, exponent) for r in rows]
            found = match(lines, items, settings=settings, currency=bank.currency)
            ids = [r.id for r in rows]
        return [BankProposal(tuple(ids[i] for i in p.line_indices), p) for p in found]

    def open_items(self, account: str, as_of: date) -> list[OpenItem]:
        """Every source's items open on `as_of`: what the clerk searches when no proposal is right."""
        with self._read(Permission.CASH_RECONCILE) as s:
            bank = find_account(s, account)
            return gather([make(s, bank, self.ctx) for make in self.sources], bank.currency, as_of)

    def accept_manual(
        self, account: str, line_id: int, keys: Sequence[tuple[str, str]], as_of: date | None = None
    ) -> AcceptResult:
        """Book a match the clerk chose by hand: one line against the items (source, id) open on `as_of`."""
        self.ctx.require(Permission.CASH_RECONCILE)  # before looking at the input (the permission walk)
        if not keys:
            raise ValidationError("choose at least one open item to match the bank line with")
        with self._read(Permission.CASH_RECONCILE) as s:
            row = s.get(BankLine, line_id)
            if row is None:
                raise NotFoundError(f"there is no bank line {line_id}")
            bank = find_account(s, account)
            if row.bank_account_id != bank.id:
                raise NotFoundError(f"bank line {line_id} is not a line of {bank.name}")
            line = _statement_line(row, currency_exponent(bank.currency))
            booked = row.booked
        wanted = {(str(src), str(key)) for src, key in keys}
        items = tuple(
            i for i in self.open_items(account, max(booked, as_of or booked)) if (str(i.source), str(i.id)) in wanted
        )
        if len(items) != len(wanted):
            raise ConflictError("an item chosen is no longer open on the line's date; search again")
        total = sum((i.amount for i in items), ZERO)
        proposal = Proposal(
            MatchKind.ONE_TO_ONE if len(items) == 1 else MatchKind.ONE_TO_MANY,
            (0,),
            (line,),
            items,
            100,
            ("matched by hand",),
            line.amount - total,
        )
        return self.accept(account, [BankProposal((line_id,), proposal)])

    def accept_all(self, account: str, as_of: date, threshold: int = 80) -> tuple[AcceptResult, list[BankProposal]]:
        """Propose, then book every proposal scoring at least `threshold`; also returns those left."""
        proposals = self.propose(account, as_of)
        picked = accept_above([p.proposal for p in proposals], threshold)
        chosen = [p for p in proposals if any(p.proposal is q for q in picked)]
        left = [p for p in proposals if not any(p.proposal is q for q in picked)]
        return self.accept(account, chosen), left

    def accept(self, account: str, proposals: Sequence[BankProposal]) -> AcceptResult:
        """Book each proposal in its own unit of work; one that no longer fits is refused, with why."""
        self.ctx.require(Permission.CASH_RECONCILE)  # before reading the proposals (the permission walk)
        accepted: list[BankProposal] = []
        refused: list[tuple[BankProposal, str]] = []
        kinds: set[Kind] = set()
        for proposal in proposals:
            try:
                kinds |= self._accept_one(account, proposal)
            except (ValidationError, NotFoundError, ConflictError, PermissionDenied) as exc:
                refused.append((proposal, str(exc)))
            else:
                accepted.append(proposal)
        return AcceptResult(tuple(accepted), tuple(refused), Changes.of(*kinds) if kinds else Changes())

    def _accept_one(self, account: str, proposal: BankProposal) -> set[Kind]:
        sources = {ItemSource(i.source) for i in proposal.proposal.items}
        if len(sources) != 1:
            raise ValidationError("a proposal mixing receivables, payables and GL lines is booked by hand")
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank = find_account(s, account)
            lines = self._lock_unmatched(s, bank, proposal.line_ids)
            if sources == {ItemSource.GL}:
                ids = [int(i.id) for i in proposal.proposal.items]
                taken = s.execute(
                    select(BankLineLink.journal_line_id).where(BankLineLink.journal_line_id.in_(ids))
                ).first()
                if taken is not None:
                    raise ConflictError(f"GL line {taken[0]} was cleared by another bank line meanwhile")
                for line in lines:
                    for jl in ids:
                        self._link(s, line, LinkKind.JOURNAL_LINE, journal_line_id=jl)
                kinds = {Kind.BANK_LINES}
            elif sources == {ItemSource.RECEIVABLE}:
                self._book_receivable(s, bank, lines, proposal)
                kinds = {Kind.BANK_LINES, Kind.RECEIPTS, Kind.INVOICES, Kind.ENTRIES}
            elif sources == {ItemSource.PAYABLE}:
                kinds = self._book_payable(s, bank, lines, proposal)
            else:
                raise ValidationError(f"no booking for {', '.join(sorted(sources))} items yet")
            trail.record(
                s,
                self.ctx,
                "match",
                "bank_line",
                ",".join(str(i) for i in proposal.line_ids),
                after={"items": [i.number for i in proposal.proposal.items], "score": proposal.score},
            )
        return kinds

    @staticmethod
    def _picks(
        lines: list[BankLine], items: Sequence[OpenItem], exponent: int
    ) -> Iterator[tuple[BankLine, Decimal, list[tuple[str, str, Decimal]], Decimal]]:
        """Each line with its amount, what of each item it settles (key, number, amount: the items in
        order, each up to what is left open of it as the proposal saw it) and what of it is left over."""
        remaining = {str(i.id): abs(i.amount) for i in items}
        for line in lines:
            amount = from_minor(line.amount, exponent)
            left = abs(amount)
            picks: list[tuple[str, str, Decimal]] = []
            for item in items:
                take = min(left, remaining[str(item.id)])
                if take > 0:
                    picks.append((str(item.id), item.number, take))
                    remaining[str(item.id)] -= take
                    left -= take
            yield line, amount, picks, left

    def _book_receivable(self, s: Session, bank: BankAccount, lines: list[BankLine], proposal: BankProposal) -> None:
        receipts = _ReceiptsInUnit(s, self.engine, self.ctx, self.facts)
        for line, amount, picks, _left in self._picks(lines, proposal.proposal.items, currency_exponent(bank.currency)):
            self._settle(s, bank, receipts, line, amount, picks)

    def _book_payable(self, s: Session, bank: BankAccount, lines: list[BankLine], proposal: BankProposal) -> set[Kind]:
        """A payment run: the lines clear its payments' GL lines. Bills: each line records one vendor
        payment of its amount through the payment service (`payables.paymentrun.approve`), paying the
        bills as the proposal splits it, linked to the line: the bill is never paid without its bank line."""
        items = proposal.proposal.items
        keys = [parse_key(i.id) for i in items]
        runs = [doc_id for kind, doc_id in keys if kind == RUN]
        if runs:
            if len(items) != 1:
                raise ValidationError("a payment run is matched on its own, not with other items")
            gl_ids = run_bank_lines(s, runs[0], bank)
            for line in lines:
                for jl in gl_ids:
                    self._link(s, line, LinkKind.JOURNAL_LINE, journal_line_id=jl)
            return {Kind.BANK_LINES}
        credits = {kind for kind, _ in keys if kind in (BillKind.CREDIT_NOTE.value, CREDIT_PAYMENT)}
        if credits and {kind for kind, _ in keys} - credits:
            raise ValidationError(
                "a vendor's refund (of a credit note or a payment on account) is matched on its own, not with bills"
            )
        if credits:
            return self._book_refunds(s, bank, lines, items)
        self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
        bills = {b.id: b for b in s.execute(select(Bill).where(Bill.id.in_([d for _, d in keys]))).scalars()}
        vendor_ids = {b.vendor_id for b in bills.values()}
        if len(bills) != len(keys) or len(vendor_ids) != 1:
            raise ValidationError("the matched bills belong to several vendors; record the payments by hand")
        vendor = s.get(Vendor, vendor_ids.pop())
        assert vendor is not None
        payments = _PaymentsInUnit(s, self.engine, self.ctx, self.facts)
        exponent = currency_exponent(bank.currency)
        for line, amount, picks, left in self._picks(lines, items, exponent):
            if amount >= 0:
                raise ValidationError(f"bank line {line.id} is money in ({amount}); bills are paid by money out")
            if left:
                raise ValidationError(
                    f"bank line {line.id} pays {-amount}, {left} more than the bills matched: match the rest, or "
                    f"record the payment by hand (Pay bills… with the amount paid keeps the rest on account)"
                )
            to_pay = []
            for key, number, cash in picks:
                bill = bills[parse_key(key)[1]]
                pay, discount = bill_payment(bill, vendor, to_minor(cash, exponent), line.booked)
                to_pay.append(BillToPay(number, pay, discount))
            ref, _ = payments.pay(
                PaymentInput(
                    vendor.code,
                    bank.name,
                    line.booked,
                    tuple(to_pay),
                    reference=(line.reference or line.bank_id)[:140],
                    memo=line.description[:200],
                )
            )
            if ref.amount != -amount:
                raise ValidationError(
                    f"bank line {line.id} pays {-amount} but the payment of its bills comes to {ref.amount}; "
                    f"record it by hand"
                )
            self._link(
                s, line, LinkKind.ENTRY, entry_id=ref.entry_id,
                journal_line_id=_bank_side_line(s, ref.entry_id, bank.gl_account_id),
            )  # fmt: skip
        return {Kind.BANK_LINES, Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES}

    def _book_refunds(
        self, s: Session, bank: BankAccount, lines: list[BankLine], items: Sequence[OpenItem]
    ) -> set[Kind]:
        """Money in from a vendor for its open credit notes or payments on account: each line books a refund
        of each source it covers (vendor_credit.py, `payables.paymentrun.approve`), linked to the line."""
        self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
        credit = _VendorCreditInUnit(s, self.engine, self.ctx, self.facts)
        for line, amount, picks, left in self._picks(lines, items, currency_exponent(bank.currency)):
            if amount <= 0:
                raise ValidationError(f"bank line {line.id} is money out ({amount}); a vendor's refund is money in")
            if left:
                raise ValidationError(
                    f"bank line {line.id} brings {amount}, {left} more than the vendor credit matched; match the "
                    "rest or book it by hand"
                )
            for _key, number, value in picks:
                reference = line.reference or line.bank_id
                ref, _ = credit.refund(number, value, bank.name, line.booked, reference=reference)
                self._link(
                    s, line, LinkKind.ENTRY, entry_id=ref.entry_id,
                    journal_line_id=_bank_side_line(s, ref.entry_id, bank.gl_account_id),
                )  # fmt: skip
        return {Kind.BANK_LINES, Kind.PAYMENTS, Kind.BILLS, Kind.ENTRIES}

    def _settle(
        self,
        s: Session,
        bank: BankAccount,
        receipts: _ReceiptsInUnit,
        line: BankLine,
        amount: Decimal,
        picks: Sequence[tuple[str, str, Decimal]],
        *,
        customer: str = "",
    ) -> None:
        """Money in (`amount` > 0): one receipt of `amount` allocated to the picks (key, number, amount), the
        rest customer credit; money out: a refund of each pick's credit. Each is linked to the bank line."""
        gl_code = _gl_code(s, bank)
        reference = (line.reference or line.bank_id)[:100]
        if amount > 0:
            ref, _ = receipts.record(
                ReceiptInput(
                    customer or self._customer_of(s, [parse_key(k) for k, _, _ in picks]),
                    line.booked,
                    amount,
                    gl_code,
                    allocations=tuple(AllocationInput(number, value) for _, number, value in picks),
                    reference=reference,
                    memo=line.description[:200],
                    currency=line.currency,
                )
            )
            entry = s.execute(select(Receipt.entry_id).where(Receipt.id == ref.id)).scalar_one()
            self._link(
                s,
                line,
                LinkKind.RECEIPT,
                receipt_id=ref.id,
                entry_id=entry,
                journal_line_id=_bank_side_line(s, entry, bank.gl_account_id),
            )
        else:
            for _, number, value in picks:
                entry_id, _ = receipts.refund(number, value, gl_code, line.booked, reference=reference)
                assert entry_id is not None
                self._link(
                    s,
                    line,
                    LinkKind.ENTRY,
                    entry_id=entry_id,
                    journal_line_id=_bank_side_line(s, entry_id, bank.gl_account_id),
                )

    @staticmethod
    def _customer_of(s: Session, keys: list[tuple[str, int]]) -> str:
        ids = {k[1] for k in keys if k[0] != "receipt"}
        customers = set(
            s.execute(
                select(Customer.code).join(Invoice, Invoice.customer_id == Customer.id).where(Invoice.id.in_(ids))
            )
            .scalars()
            .all()
        )
        if len(customers) != 1:
            raise ValidationError("the matched invoices belong to several customers; record the receipts by hand")
        return customers.pop()

    def _lock_unmatched(self, s: Session, bank: BankAccount, line_ids: Sequence[int]) -> list[BankLine]:
        rows = (
            s.execute(
                select(BankLine)
                .where(BankLine.id.in_(line_ids), BankLine.bank_account_id == bank.id)
                .order_by(BankLine.booked, BankLine.id)
                .with_for_update()
            )
            .scalars()
            .all()
        )
        if len(rows) != len(set(line_ids)):
            raise NotFoundError(f"bank line(s) {', '.join(map(str, line_ids))} are not lines of {bank.name}")
        for row in rows:
            if row.status is not LineStatus.UNMATCHED:
                raise ConflictError(f"bank line {row.id} of {row.booked} is already {row.status.value}")
        return list(rows)

    def _link(self, s: Session, line: BankLine, kind: LinkKind, **targets: int | None) -> None:
        s.add(
            BankLineLink(
                bank_line_id=line.id,
                kind=kind,
                created_by=self.ctx.user_id,
                created_at=self.ctx.clock.now(),
                **targets,
            )
        )
        line.status = LineStatus.MATCHED
        s.flush()

    # -------------------------------------------------------------------------------------- entries

    def create_entry(
        self,
        line_id: int,
        account: str,
        *,
        memo: str = "",
        journal: str = "GEN",
        tax_code: str = "",
        department: str = "",
        project: str = "",
    ) -> tuple[int, Changes]:
        """Post an entry for an unmatched bank line: the bank's GL account against `account` (a GL code).

        With a tax code the bank amount is taken as tax-inclusive (it is what was paid): the tax part goes
        to the code's account and the rest to `account`; department and project go on the `account` line.
        """
        self.ctx.require(Permission.ENTRY_POST)
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank, line = self._line_of(s, line_id)
            part = AccountPart(
                account, from_minor(line.amount, currency_exponent(line.currency)), tax_code, department, project, memo
            )
            prepared, tax = self._post_parts(s, bank, line, [part], journal=journal, memo=memo)
            trail.record(
                s,
                self.ctx,
                "post",
                "journal_entry",
                prepared.id,
                after={
                    "number": prepared.number,
                    "bank_line": line_id,
                    "account": account.strip(),
                    **({"tax_code": tax_code.strip(), "tax": tax} if tax_code.strip() else {}),
                },
            )
            assert prepared.id is not None
            return prepared.id, Changes.of(Kind.ENTRIES, Kind.BANK_LINES)

    def _line_of(self, s: Session, line_id: int) -> tuple[BankAccount, BankLine]:
        """The bank line (locked, still unmatched) and its bank account."""
        row = s.get(BankLine, line_id)
        if row is None:
            raise NotFoundError(f"there is no bank line {line_id}")
        bank = s.get(BankAccount, row.bank_account_id)
        assert bank is not None
        (line,) = self._lock_unmatched(s, bank, [line_id])
        return bank, line

    def _post_parts(
        self,
        s: Session,
        bank: BankAccount,
        line: BankLine,
        parts: Sequence[AccountPart],
        *,
        journal: str,
        memo: str = "",
        source: str = "bank",
    ) -> tuple[PreparedEntry, int]:
        """Post one entry for account parts of a bank line (the bank's GL account against each part's account)
        and link the line to it; returns the entry and its tax in minor units of the line's currency.

        A line of a foreign bank account is in its currency: the parts are too, each is converted to base at
        the rate of the booking day (half-even; the rounding goes to the largest part, so the entry balances
        and the bank line is exactly the line's amount converted), and the bank line (and the other bank
        account's line of a transfer in the same currency) carries the amount in that currency."""
        line_id = line.id
        base, _base_exp = _base(s)
        cur = line.currency
        rate = rate_on(s, cur, line.booked, base, hint=f"needed to post bank line {line_id} in {cur}")
        cur_exp = currency_exponent(cur)
        poster = Poster(s, self.ctx, self.facts, day=line.booked)
        for part in parts:
            problem = poster.account_problem(part.account.strip())
            if problem:
                raise ValidationError(f"entry for bank line {line_id}: {problem}")
        problem = poster.date_problem(line.booked)
        if problem:
            raise ValidationError(f"entry for bank line {line_id}: {problem}")
        text = (memo.strip() or line.description or line.reference or "Bank line")[:200]
        lines: list[PreparedLine] = []
        total = tax_total = 0

        def foreign(account_id: int, units: int) -> tuple[str | None, int | None]:
            """The line's foreign amount when it is a bank GL account kept in the line's currency."""
            return (cur, units) if cur != base and poster.foreign_banks.get(account_id) == cur else (None, None)

        for part in parts:
            other = poster.accounts[part.account.strip()].id
            if other == bank.gl_account_id:
                raise ValidationError("choose the account the money came from or went to, not the bank's own")
            units = to_minor(part.amount, cur_exp)
            part_text = (part.memo.strip() or text)[:200]
            dims = _dimensions(poster, line_id, part.department, part.project)
            tax_account, tax = _inclusive_tax(s, line_id, part.tax_code, units)
            net = units - tax
            lines.append(PreparedLine(other, -to_base(net, rate, cur, base), part_text, *dims, *foreign(other, -net)))
            if tax_account is not None and tax:
                lines.append(
                    PreparedLine(
                        tax_account, -to_base(tax, rate, cur, base), f"{part.tax_code.strip()}: {part_text}"[:200]
                    )
                )
            total += units
            tax_total += tax
        if total:
            base_total = to_base(total, rate, cur, base)
            rounding = base_total + sum(ln.amount for ln in lines)
            if rounding:  # the parts' conversions differ from the whole's by a unit or two: the largest takes it
                largest = max(range(len(lines)), key=lambda i: abs(lines[i].amount))
                lines[largest] = lines[largest]._replace(amount=lines[largest].amount - rounding)
            lines.insert(
                0, PreparedLine(bank.gl_account_id, base_total, text, None, None, *foreign(bank.gl_account_id, total))
            )
        prepared = PreparedEntry(
            journal_id=poster.journal(journal)[0],
            date=line.booked,
            lines=lines,
            memo=text,
            reference=(line.reference or line.bank_id)[:100],
            source=source,
        )
        poster.check(prepared)
        poster.write([prepared])
        assert prepared.id is not None
        self._link(
            s,
            line,
            LinkKind.ENTRY,
            entry_id=prepared.id,
            journal_line_id=_bank_side_line(s, prepared.id, bank.gl_account_id) if total else None,
        )
        return prepared, tax_total

    # -------------------------------------------------------------------------------------- from a line

    def split(
        self,
        account: str,
        line_id: int,
        items: Sequence[ItemPart] = (),
        accounts: Sequence[AccountPart] = (),
        *,
        journal: str = "GEN",
        memo: str = "",
    ) -> Changes:
        """Book one bank line against several targets at once, all or nothing: item parts (open invoices,
        customer credit, GL lines; an invoice may be paid in part) and account parts (one journal entry).

        The parts add up to the line's amount exactly. Invoices are paid by one receipt allocated as the
        parts say (the way a match pays several items), customer credit is refunded, GL lines are cleared.
        """
        self.ctx.require(Permission.CASH_RECONCILE)  # before looking at the input (the permission walk)
        if accounts:
            self.ctx.require(Permission.ENTRY_POST)
        if any(str(p.source) == ItemSource.RECEIVABLE for p in items):
            self.ctx.require(Permission.AR_RECEIPT_RECORD)
        with self._read(Permission.CASH_RECONCILE) as s:
            row = s.get(BankLine, line_id)
            if row is None:
                raise NotFoundError(f"there is no bank line {line_id}")
            bank_row = find_account(s, account)
            if row.bank_account_id != bank_row.id:
                raise NotFoundError(f"bank line {line_id} is not a line of {bank_row.name}")
            exponent = currency_exponent(row.currency)
            line_amount, booked = from_minor(row.amount, exponent), row.booked
        open_items = self.open_items(account, booked) if items else []
        found = check_split(line_id, line_amount, exponent, items, accounts, open_items)
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank, line = self._line_of(s, line_id)
            gl_ids = [int(p.key) for p in items if str(p.source) == ItemSource.GL]
            if gl_ids:
                taken = s.execute(
                    select(BankLineLink.journal_line_id).where(BankLineLink.journal_line_id.in_(gl_ids))
                ).first()
                if taken is not None:
                    raise ConflictError(f"GL line {taken[0]} was cleared by another bank line meanwhile")
                for jl in gl_ids:
                    self._link(s, line, LinkKind.JOURNAL_LINE, journal_line_id=jl)
            receivable = [(p, found[(str(p.source), str(p.key))]) for p in items if str(p.source) == "receivable"]
            paid = [(str(i.id), i.number, p.amount) for p, i in receivable if p.amount > 0]
            credit = [(str(i.id), i.number, -p.amount) for p, i in receivable if p.amount < 0]
            if paid or credit:
                receipts = _ReceiptsInUnit(s, self.engine, self.ctx, self.facts)
                if paid:
                    self._settle(s, bank, receipts, line, sum((v for _, _, v in paid), ZERO), paid)
                if credit:
                    self._settle(s, bank, receipts, line, -sum((v for _, _, v in credit), ZERO), credit)
            entry: PreparedEntry | None = None
            if accounts:
                entry, _ = self._post_parts(
                    s, bank, line, accounts, journal=journal, memo=memo or f"Split: {line.description}"[:200],
                    source="bank_split",
                )  # fmt: skip
            trail.record(
                s,
                self.ctx,
                "split",
                "bank_line",
                line_id,
                after={
                    "amount": str(line_amount),
                    "items": {found[(str(p.source), str(p.key))].number: str(p.amount) for p in items},
                    "accounts": [(p.account.strip(), str(p.amount)) for p in accounts],
                    **({"entry": entry.number} if entry is not None else {}),
                },
            )
        kinds = {Kind.BANK_LINES}
        if accounts:
            kinds.add(Kind.ENTRIES)
        if any(str(p.source) == ItemSource.RECEIVABLE for p in items):
            kinds |= {Kind.RECEIPTS, Kind.INVOICES, Kind.ENTRIES}
        return Changes.of(*kinds)

    def transfer(
        self, line_id: int, other_account: str, *, memo: str = "", journal: str = "GEN"
    ) -> tuple[int, Changes]:
        """Post a transfer between two of the company's bank accounts from one's statement line: the money
        moves between their GL accounts in one entry, linked to this line. The other account's statement
        line then matches the entry's line on its GL account (an uncleared GL line)."""
        self.ctx.require(Permission.CASH_RECONCILE)  # before looking at the input (the permission walk)
        self.ctx.require(Permission.ENTRY_POST)
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank, line = self._line_of(s, line_id)
            other = find_account(s, other_account)
            if other.id == bank.id:
                raise ValidationError(f"a transfer goes to or comes from another account than {bank.name}")
            if not other.is_active:
                raise ValidationError(f"bank account {other.name} is inactive; activate it first")
            if other.currency != line.currency:
                raise ValidationError(
                    f"{other.name} is in {other.currency}, the line in {line.currency}: post a transfer between "
                    f"currencies by hand, with its exchange rate"
                )
            amount = from_minor(line.amount, currency_exponent(line.currency))
            way = f"to {other.name}" if amount < 0 else f"from {other.name}"
            text = (memo.strip() or f"Transfer {way}: {line.description or line.reference}".strip(": "))[:200]
            prepared, _ = self._post_parts(
                s, bank, line, [AccountPart(_gl_code(s, other), amount)], journal=journal, memo=text
            )
            trail.record(
                s,
                self.ctx,
                "transfer",
                "bank_line",
                line_id,
                after={"entry": prepared.number, "from": bank.name, "other": other.name, "amount": str(amount)},
            )
            assert prepared.id is not None
            return prepared.id, Changes.of(Kind.ENTRIES, Kind.BANK_LINES)

    def receipt_on_account(self, line_id: int, customer: str) -> tuple[str, Changes]:
        """Record money in from a customer that pays no invoice yet: a receipt left as customer credit (to be
        applied to an invoice later), linked to the bank line. Returns the receipt's number."""
        self.ctx.require(Permission.CASH_RECONCILE)  # before looking at the input (the permission walk)
        self.ctx.require(Permission.AR_RECEIPT_RECORD)
        if not (customer or "").strip():
            raise ValidationError("choose the customer who paid")
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank, line = self._line_of(s, line_id)
            amount = from_minor(line.amount, currency_exponent(line.currency))
            if amount <= 0:
                raise ValidationError(f"bank line {line_id} is money out ({amount}); a receipt on account is money in")
            receipts = _ReceiptsInUnit(s, self.engine, self.ctx, self.facts)
            self._settle(s, bank, receipts, line, amount, [], customer=customer.strip())
            number = s.execute(
                select(Receipt.number)
                .join(BankLineLink, BankLineLink.receipt_id == Receipt.id)
                .where(BankLineLink.bank_line_id == line_id)
            ).scalar_one()
            trail.record(
                s, self.ctx, "receipt_on_account", "bank_line", line_id,
                after={"receipt": number, "customer": customer.strip(), "amount": str(amount)},
            )  # fmt: skip
        return number, Changes.of(Kind.BANK_LINES, Kind.RECEIPTS, Kind.ENTRIES)

    def payment_on_account(self, line_id: int, vendor: str) -> tuple[str, Changes]:
        """Record money out to a vendor that pays no bill yet: a payment kept on account (a prepayment, to
        apply to a bill later or to be refunded), linked to the bank line. Returns the payment's number."""
        self.ctx.require(Permission.CASH_RECONCILE)  # before looking at the input (the permission walk)
        self.ctx.require(Permission.AP_PAYMENT_RUN_APPROVE)
        if not (vendor or "").strip():
            raise ValidationError("choose the vendor who was paid")
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank, line = self._line_of(s, line_id)
            amount = from_minor(line.amount, currency_exponent(line.currency))
            if amount >= 0:
                raise ValidationError(f"bank line {line_id} is money in ({amount}); a payment on account is money out")
            payments = _PaymentsInUnit(s, self.engine, self.ctx, self.facts)
            ref, _ = payments.pay(
                PaymentInput(
                    vendor.strip(), bank.name, line.booked, (), amount=-amount,
                    reference=(line.reference or line.bank_id)[:140], memo=line.description[:200],
                )
            )  # fmt: skip
            self._link(
                s, line, LinkKind.ENTRY, entry_id=ref.entry_id,
                journal_line_id=_bank_side_line(s, ref.entry_id, bank.gl_account_id),
            )  # fmt: skip
            trail.record(
                s, self.ctx, "payment_on_account", "bank_line", line_id,
                after={"payment": ref.number, "vendor": vendor.strip(), "amount": str(-amount)},
            )  # fmt: skip
        return ref.number, Changes.of(Kind.BANK_LINES, Kind.PAYMENTS, Kind.ENTRIES)

    # -------------------------------------------------------------------------------------- reconciling

    def reconcile(self, account: str, statement_date: date, statement_balance: Decimal) -> ReconciliationView:
        """Book balance on the date against the statement balance, with what is not yet on both sides."""
        with self._read(Permission.CASH_RECONCILE) as s:
            return self._view(s, find_account(s, account), statement_date, statement_balance)

    def _view(self, s: Session, bank: BankAccount, on: date, statement_balance: Decimal) -> ReconciliationView:
        """Everything in the account's currency: for a foreign account the GL lines' `amount_cur` (lines in
        that currency; a revaluation's lines hold none of it), for a base account their `amount`."""
        base, _ = _base(s)
        exponent = currency_exponent(bank.currency)
        foreign = bank.currency != base
        amount = JournalLine.amount_cur if foreign else JournalLine.amount
        mine = [JournalLine.account_id == bank.gl_account_id]
        if foreign:
            mine.append(JournalLine.currency == bank.currency)
        start = bank.reconciled_from
        if start is not None and on <= start:
            raise ValidationError(
                f"{bank.name} reconciles from its opening balance of {start}; choose a statement date after it"
            )

        def gl_sum(*where: object) -> int:
            return int(s.execute(select(func.coalesce(func.sum(amount), 0)).where(*mine, *where)).scalar_one())

        book = gl_sum(JournalLine.date <= on)
        cleared = exists().where(
            BankLineLink.journal_line_id == JournalLine.id,
            BankLineLink.bank_line_id == BankLine.id,
            BankLine.booked <= on,
        )
        opening: Decimal | None = None
        opening_difference = ZERO
        after_start: list[object] = []
        if start is not None:
            opening = from_minor(bank.opening_reconciled or 0, currency_exponent(bank.currency))
            # older lines the bank cleared after the opening date were outstanding then: no longer in the gap
            cleared_since = exists().where(
                BankLineLink.journal_line_id == JournalLine.id,
                BankLineLink.bank_line_id == BankLine.id,
                BankLine.booked > start,
                BankLine.booked <= on,
            )
            gap = gl_sum(JournalLine.date <= start) - gl_sum(JournalLine.date <= start, cleared_since)
            opening_difference = from_minor(gap, exponent) - opening
            after_start = [JournalLine.date > start]
        gl = s.execute(
            select(
                JournalLine.id,
                JournalLine.date,
                JournalEntry.number,
                func.coalesce(func.nullif(JournalLine.memo, ""), JournalEntry.memo),
                amount,
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(*mine, JournalLine.date <= on, ~cleared, *after_start, amount != 0)
            .order_by(JournalLine.date, JournalLine.id)
        ).all()
        lines = s.execute(
            select(BankLine)
            .where(
                BankLine.bank_account_id == bank.id,
                BankLine.booked <= on,
                BankLine.status == LineStatus.UNMATCHED,
                *([BankLine.booked > start] if start is not None else []),
            )
            .order_by(BankLine.booked, BankLine.id)
        ).scalars()
        return ReconciliationView(
            bank.name,
            bank.currency,
            on,
            statement_balance,
            from_minor(int(book), exponent),
            tuple(
                UnclearedItem("GL line", i, d, n or "", m or "", from_minor(int(a), exponent)) for i, d, n, m, a in gl
            ),
            tuple(
                UnclearedItem(
                    "bank line",
                    r.id,
                    r.booked,
                    r.reference,
                    r.description or r.counterparty,
                    from_minor(r.amount, exponent),
                )
                for r in lines
            ),
            start,
            opening,
            opening_difference,
        )

    def finish(self, account: str, statement_date: date, statement_balance: Decimal) -> tuple[int, Changes]:
        """Mark the matched lines up to the date reconciled; only when the difference is zero."""
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank = find_account(s, account)
            s.execute(select(BankAccount.id).where(BankAccount.id == bank.id).with_for_update())
            latest = self._latest(s, bank.id)
            if latest is not None and latest.statement_date >= statement_date:
                raise ValidationError(
                    f"{bank.name} is already reconciled to {latest.statement_date}; undo that reconciliation "
                    f"first or choose a later date"
                )
            view = self._view(s, bank, statement_date, statement_balance)
            if view.difference != 0:
                raise ValidationError(
                    f"{bank.name} on {statement_date}: the statement balance {statement_balance} differs from the "
                    f"cleared book balance {view.cleared_balance} by {view.difference}; match or post the "
                    f"{len(view.unmatched_lines)} unmatched bank line(s) first"
                )
            exponent = currency_exponent(bank.currency)  # the figures are in the account's currency
            line_ids = (
                s.execute(
                    select(BankLine.id).where(
                        BankLine.bank_account_id == bank.id,
                        BankLine.booked <= statement_date,
                        BankLine.status == LineStatus.MATCHED,
                    )
                )
                .scalars()
                .all()
            )
            rec = BankReconciliation(
                bank_account_id=bank.id,
                statement_date=statement_date,
                statement_balance=to_minor(statement_balance, exponent),
                book_balance=to_minor(view.book_balance, exponent),
                uncleared=to_minor(view.uncleared_total, exponent),
                line_count=len(line_ids),
                finished_by=self.ctx.user_id,
                finished_at=self.ctx.clock.now(),
                undo_reason="",
            )
            s.add(rec)
            s.flush()
            if line_ids:
                s.execute(update(BankLine).where(BankLine.id.in_(line_ids)).values(status=LineStatus.RECONCILED))
                s.execute(
                    update(BankLineLink)
                    .where(BankLineLink.bank_line_id.in_(line_ids), BankLineLink.reconciliation_id.is_(None))
                    .values(reconciliation_id=rec.id)
                )
            trail.record(
                s,
                self.ctx,
                "reconcile",
                "bank_account",
                bank.name,
                after={"date": statement_date, "balance": str(statement_balance), "lines": len(line_ids)},
            )
            return rec.id, Changes.of(Kind.BANK_LINES)

    def undo(self, account: str, *, reason: str = "") -> Changes:
        """Undo the account's latest finished reconciliation: its lines go back to matched (audited)."""
        with self._unit(Permission.CASH_RECONCILE) as s:
            bank = find_account(s, account)
            rec = self._latest(s, bank.id)
            if rec is None:
                raise NotFoundError(f"{bank.name} has no finished reconciliation to undo")
            line_ids = (
                s.execute(select(BankLineLink.bank_line_id).where(BankLineLink.reconciliation_id == rec.id))
                .scalars()
                .all()
            )
            if line_ids:
                s.execute(update(BankLine).where(BankLine.id.in_(line_ids)).values(status=LineStatus.MATCHED))
                s.execute(
                    update(BankLineLink).where(BankLineLink.reconciliation_id == rec.id).values(reconciliation_id=None)
                )
            rec.undone_by = self.ctx.user_id
            rec.undone_at = self.ctx.clock.now()
            rec.undo_reason = reason.strip()[:200]
            s.flush()
            trail.record(
                s,
                self.ctx,
                "undo_reconcile",
                "bank_account",
                bank.name,
                before={"date": rec.statement_date, "lines": len(set(line_ids))},
                after={"reason": rec.undo_reason},
            )
        return Changes.of(Kind.BANK_LINES)

    @staticmethod
    def _latest(s: Session, bank_id: int) -> BankReconciliation | None:
        return s.execute(
            select(BankReconciliation)
            .where(BankReconciliation.bank_account_id == bank_id, BankReconciliation.undone_at.is_(None))
            .order_by(BankReconciliation.statement_date.desc(), BankReconciliation.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def history(self, account: str) -> list[ReconciliationRow]:
        with self._read(Permission.CASH_VIEW) as s:
            bank = find_account(s, account)
            exponent = currency_exponent(bank.currency)
            rows = s.execute(
                select(BankReconciliation)
                .where(BankReconciliation.bank_account_id == bank.id)
                .order_by(BankReconciliation.statement_date, BankReconciliation.id)
            ).scalars()
            return [
                ReconciliationRow(
                    r.id,
                    bank.name,
                    r.statement_date,
                    from_minor(r.statement_balance, exponent),
                    from_minor(r.book_balance, exponent),
                    r.line_count,
                    r.finished_at,
                    r.undone_at is not None,
                )
                for r in rows
            ]

    # -------------------------------------------------------------------------------------- report

    def reconciliation_report(
        self, account: str, statement_date: date, statement_balance: Decimal, *, company: str = ""
    ) -> Report:
        return reconciliation_report(self.reconcile(account, statement_date, statement_balance), company=company)


def reconciliation_report(view: ReconciliationView, *, company: str = "") -> Report:
    """The bank reconciliation statement: book balance, what the bank has not seen, the statement."""
    columns = (
        Column("date", "Date", ColumnKind.DATE),
        Column("number", "Number / reference"),
        Column("text", "Description"),
        Column("amount", "Amount", ColumnKind.MONEY),
    )

    def heading(text: str) -> ReportRow:
        return ReportRow((None, text, "", None), RowStyle.HEADING)

    def item(i: UnclearedItem) -> ReportRow:
        return ReportRow((i.date, i.number, i.text, i.amount), level=1)

    rows: list[ReportRow] = [
        ReportRow((view.statement_date, "", f"Book balance ({view.account} GL account)", view.book_balance)),
        heading("Less: in the books, not yet on the statement"),
        *(item(i) for i in view.uncleared_gl),
        ReportRow((None, "", "Total uncleared", -view.uncleared_total), RowStyle.SUBTOTAL),
        *(
            [
                ReportRow(
                    (
                        view.reconciled_from,
                        "",
                        f"Less: book balance on {view.reconciled_from} not in the opening reconciled balance "
                        f"({view.opening_balance})",
                        -view.opening_difference,
                    )
                )
            ]
            if view.reconciled_from is not None
            else []
        ),
        ReportRow((None, "", "Cleared book balance", view.cleared_balance), RowStyle.SUBTOTAL),
        ReportRow((view.statement_date, "", "Balance per bank statement", view.statement_balance)),
        heading("On the statement, not yet in the books"),
        *(item(i) for i in view.unmatched_lines),
    ]
    if not view.uncleared_gl:
        rows.insert(2, ReportRow((None, "", "(none)", None), level=1))
    if not view.unmatched_lines:
        rows.append(ReportRow((None, "", "(none)", None), level=1))
    return Report(
        title="Bank reconciliation",
        subtitle=f"{view.account} as of {view.statement_date}",
        columns=columns,
        rows=tuple(rows),
        company=company,
        currency=view.currency,
        exponent=currency_exponent(view.currency),
        totals=(ReportRow((None, "", "Difference", view.difference), RowStyle.TOTAL),),
        meta={"difference": view.difference},
    )
