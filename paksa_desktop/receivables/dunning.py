"""Dunning: procedures with their levels, a run that proposes letters, the clerk's review, issuing them.

A run *proposes* (nothing is written): per customer, every overdue invoice with the level it would be
dunned at now (dunning_rules.next_level) or, if none, listed as overdue only. Customers with at least
one invoice to dun get a letter. The clerk drops customers or invoices from the proposal
(`DunningProposal.without`) and *issues* what is left, in one unit of work that checks each invoice
still stands as proposed (else a ConflictError: propose again), then writes the letters and their
lines, raises the invoices' level and last dunned day, and charges the letter's fee and interest.

Charges are raised as a small posted invoice in the base currency (lines on the settings' fee account,
no tax), numbered from the invoice series, whose entry has the source `ar_dunning` and is referred to
by both the invoice and the letter. So the charge is a debt the customer sees, pays and is reminded
of like any other invoice, it is an open item, and `DocumentQueries.reconcile` stays at zero: the GL
receivable and the subledger grow by the same amount. Posting a bare Dr receivable / Cr fee entry
would leave the GL control account above the open items by every fee ever charged. Charge invoices
bear no interest themselves (no interest on interest).

A customer without a procedure of their own is dunned by the company's first procedure (the lowest
id: the one created first). `create_standard_procedure` creates a three-level procedure (7, 21 and 35
days, no fee, no interest) for a company that has none; `paksa ar dunning-run` does so on first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.audit.service import AuditService
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, to_minor
from paksa_desktop.ledger.posting import Poster, PostingFacts
from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import PERCENT_SCALE, scaled, to_base
from paksa_desktop.receivables.commands import DocumentRef, InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.dunning_rules import (
    STANDARD_CODE,
    STANDARD_LEVELS,
    Level,
    check_levels,
    interest,
    next_level,
)
from paksa_desktop.receivables.invoicing import InvoicingService
from paksa_desktop.receivables.models import (
    Customer,
    DocumentKind,
    DunningLetter,
    DunningLetterLine,
    DunningLevel,
    DunningProcedure,
    Invoice,
    InvoiceState,
)
from paksa_desktop.receivables.preparing import Lookups, prepare
from paksa_desktop.receivables.printing import load_letterhead
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

# ---------------------------------------------------------------------------------------------- inputs and views


@dataclass(frozen=True, slots=True)
class LevelInput:
    level: int
    days_overdue: int
    letter_text: str = ""
    fee: Decimal = Decimal(0)  # base currency, once per letter
    interest_percent: Decimal = Decimal(0)  # yearly, at most 4 decimals


@dataclass(frozen=True, slots=True)
class ProcedureInput:
    code: str
    name: str
    levels: tuple[LevelInput, ...]


@dataclass(frozen=True, slots=True)
class ProcedureView:
    id: int
    code: str
    name: str
    levels: tuple[LevelInput, ...]
    version: int


@dataclass(frozen=True, slots=True)
class ProposedLine:
    invoice_id: int
    number: str
    date: date
    due_date: date
    currency: str
    open_amount: int  # the invoice's currency
    days_overdue: int
    current_level: int
    level: int  # the level the letter shows: the new one when dunned, else the current one
    dunned: bool  # False: listed as overdue only
    interest: int  # base minor units charged on it by this letter
    interest_days: int
    interest_e4: int


@dataclass(frozen=True, slots=True)
class ProposedLetter:
    customer_id: int
    customer: str
    name: str
    procedure: str
    lines: tuple[ProposedLine, ...]
    level_terms: tuple[tuple[int, int, str], ...]  # per level of the procedure: (level, fee, letter text)

    @property
    def level(self) -> int:
        return max((ln.level for ln in self.lines if ln.dunned), default=0)

    @property
    def fee(self) -> int:
        return next((fee for level, fee, _t in self.level_terms if level == self.level), 0)

    @property
    def letter_text(self) -> str:
        return next((text for level, _f, text in self.level_terms if level == self.level), "")

    @property
    def interest(self) -> int:
        return sum(ln.interest for ln in self.lines)

    @property
    def charges(self) -> int:
        return self.fee + self.interest


@dataclass(frozen=True, slots=True)
class DunningProposal:
    as_of: date
    base_currency: str
    letters: tuple[ProposedLetter, ...]

    def without(self, customers: Collection[str] = (), invoices: Collection[str] = ()) -> DunningProposal:
        """The proposal less some customers' letters and some invoices (a letter left with nothing to
        dun is dropped with them)."""
        letters = []
        for letter in self.letters:
            if letter.customer in customers:
                continue
            kept = replace(letter, lines=tuple(ln for ln in letter.lines if ln.number not in invoices))
            if any(ln.dunned for ln in kept.lines):
                letters.append(kept)
        return replace(self, letters=tuple(letters))


@dataclass(frozen=True, slots=True)
class IssuedLetter:
    id: int
    issued_on: date
    letter: ProposedLetter
    charge_invoice: str | None  # the invoice raising the fee and interest, if any


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One letter that listed an invoice: at which level, how late, how much was open, what it charged."""

    letter_id: int
    issued_on: date
    level: int
    days_overdue: int
    open_amount: Decimal
    interest: Decimal  # base currency
    dunned: bool


# ---------------------------------------------------------------------------------------------- reading


def _levels(proc: DunningProcedure) -> list[Level]:
    return [Level(lv.level, lv.days_overdue, lv.letter_text, lv.fee, lv.interest_e4) for lv in proc.levels]


def procedures(s: Session) -> dict[int, DunningProcedure]:
    return {p.id: p for p in s.execute(select(DunningProcedure).order_by(DunningProcedure.id)).scalars()}


def charge_invoice_ids(s: Session, invoice_ids: Collection[int]) -> set[int]:
    """Which of these invoices raise dunning charges (their entry is a dunning letter's)."""
    letters = select(DunningLetter.entry_id).where(DunningLetter.entry_id.is_not(None))
    return set(
        s.execute(select(Invoice.id).where(Invoice.id.in_(invoice_ids), Invoice.entry_id.in_(letters))).scalars()
    )


def interest_charged_through(s: Session, invoice_ids: Collection[int]) -> dict[int, date]:
    """The last day a letter charged interest on each invoice."""
    return dict(
        s.execute(
            select(DunningLetterLine.invoice_id, func.max(DunningLetter.issued_on))
            .join(DunningLetter, DunningLetter.id == DunningLetterLine.letter_id)
            .where(DunningLetterLine.invoice_id.in_(invoice_ids), DunningLetterLine.interest > 0)
            .group_by(DunningLetterLine.invoice_id)
        ).all()
    )


def propose(s: Session, as_of: date, base_currency: str, *, lock: bool = False) -> DunningProposal:
    """Every letter a run on `as_of` would send (see the module's doc); `lock` row-locks the invoices."""
    procs = procedures(s)
    if not procs:
        raise ValidationError(
            "no dunning procedure yet: create one (paksa ar dunning-run creates the standard one on first use)"
        )
    default = next(iter(procs.values()))
    stmt = (
        select(Invoice, Customer.code, Customer.name, Customer.dunning_procedure_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.kind == DocumentKind.INVOICE,
            Invoice.state.in_((InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)),
            Invoice.open_amount > 0,
            Invoice.due_date < as_of,
            Invoice.date <= as_of,
        )
        .order_by(Customer.code, Invoice.due_date, Invoice.number)
    )
    if lock and is_postgres(s):
        stmt = stmt.with_for_update(of=Invoice)
    rows = s.execute(stmt).all()
    ids = [r[0].id for r in rows]
    charges = charge_invoice_ids(s, ids) if ids else set()
    charged = interest_charged_through(s, ids) if ids else {}
    by_customer: dict[int, list[ProposedLine]] = defaultdict(list)
    heads: dict[int, tuple[str, str, DunningProcedure]] = {}
    for inv, code, name, proc_id in rows:
        proc = procs.get(proc_id) if proc_id is not None else default
        proc = proc or default
        heads[inv.customer_id] = (code, name, proc)
        levels = _levels(proc)
        days = (as_of - inv.due_date).days
        since = (as_of - inv.last_dunned_on).days if inv.last_dunned_on is not None else None
        level = next_level(levels, inv.dunning_level, days, since)
        owed, interest_days = 0, 0
        if level is not None and inv.id not in charges:
            start = max(inv.due_date, charged.get(inv.id, inv.due_date))
            open_base = to_base(inv.open_amount, Decimal(inv.rate), inv.currency, base_currency)
            owed = interest(open_base, level.interest_e4, start, as_of)
            interest_days = (as_of - start).days if owed else 0
        by_customer[inv.customer_id].append(
            ProposedLine(
                inv.id, inv.number or "", inv.date, inv.due_date, inv.currency, inv.open_amount, days,
                inv.dunning_level, level.level if level else inv.dunning_level, level is not None, owed,
                interest_days, level.interest_e4 if level and owed else 0,
            )
        )  # fmt: skip
    letters = []
    for customer_id, lines in by_customer.items():
        if not any(ln.dunned for ln in lines):
            continue
        code, name, proc = heads[customer_id]
        terms = tuple((lv.level, lv.fee, lv.letter_text) for lv in proc.levels)
        letters.append(ProposedLetter(customer_id, code, name, proc.code, tuple(lines), terms))
    letters.sort(key=lambda letter: letter.customer)
    return DunningProposal(as_of, base_currency, tuple(letters))


def _base_currency(s: Session) -> str:
    from paksa_desktop.ledger.models import CompanySettings

    return str(s.execute(select(CompanySettings.base_currency)).scalar_one())


# ---------------------------------------------------------------------------------------------- the service


class DunningService(GuardedService):
    """Procedures (`receivables.dunning.run`), customers' procedure (`receivables.customer.manage`), runs."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # ------------------------------------------------------------------ procedures
    def save_procedure(self, data: ProcedureInput, procedure_id: int | None = None) -> tuple[int, Changes]:
        """Create a procedure, or replace one's name and levels (letters already issued keep theirs)."""
        with self._unit(Permission.AR_DUNNING_RUN) as s:
            code, name = data.code.strip(), data.name.strip()
            if not code or len(code) > 32 or not name:
                raise ValidationError("a dunning procedure needs a code (up to 32 characters) and a name")
            exponent = currency_exponent(_base_currency(s))
            levels = [_level(lv, exponent) for lv in data.levels]
            check_levels(levels)
            clash = s.execute(select(DunningProcedure.id).where(DunningProcedure.code == code)).scalar_one_or_none()
            if clash is not None and clash != procedure_id:
                raise ValidationError(f"a dunning procedure coded {code} already exists")
            if procedure_id is None:
                proc = DunningProcedure(code=code, name=name)
                s.add(proc)
                before = None
            else:
                found = s.get(DunningProcedure, procedure_id)
                if found is None:
                    raise NotFoundError(f"dunning procedure {procedure_id} does not exist")
                proc = found
                before = {"code": proc.code, "name": proc.name, "levels": len(proc.levels)}
                proc.code, proc.name = code, name
                proc.levels.clear()
                s.flush()
            proc.levels = [
                DunningLevel(
                    level=lv.level, days_overdue=lv.days_overdue, letter_text=lv.letter_text, fee=lv.fee,
                    interest_e4=lv.interest_e4,
                )
                for lv in levels
            ]  # fmt: skip
            s.flush()
            after = {"code": code, "name": name, "levels": [(lv.level, lv.days_overdue, lv.fee) for lv in levels]}
            trail.record(s, self.ctx, "update" if before else "create", "dunning_procedure", proc.id,
                         before=before, after=after)  # fmt: skip
            new_id = proc.id
        return new_id, Changes.of(Kind.COLLECTIONS)

    def create_standard_procedure(self) -> str | None:
        """Create the standard three-level procedure when the company has none; its code, else None."""
        with self._read(Permission.AR_DUNNING_RUN) as s:
            if s.execute(select(DunningProcedure.id).limit(1)).first() is not None:
                return None
        levels = tuple(LevelInput(lv.level, lv.days_overdue, lv.letter_text) for lv in STANDARD_LEVELS)
        self.save_procedure(ProcedureInput(STANDARD_CODE, "Standard reminders", levels))
        return STANDARD_CODE

    def assign(self, customer: str, procedure: str | None) -> Changes:
        """Dun a customer by a procedure (None: the company's default, its first procedure)."""
        with self._unit(Permission.AR_CUSTOMER_MANAGE) as s:
            row = s.execute(select(Customer).where(Customer.code == customer)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"customer {customer} does not exist")
            proc_id = None
            if procedure is not None:
                proc_id = s.execute(
                    select(DunningProcedure.id).where(DunningProcedure.code == procedure)
                ).scalar_one_or_none()
                if proc_id is None:
                    raise NotFoundError(f"dunning procedure {procedure} does not exist")
            before = {"dunning_procedure_id": row.dunning_procedure_id}
            row.dunning_procedure_id = proc_id
            row.updated_by, row.updated_at = self.ctx.user_id, self.ctx.clock.now()
            s.flush()
            trail.record(s, self.ctx, "update", "customer", row.code, before=before,
                         after={"dunning_procedure": procedure})  # fmt: skip
        return Changes.of(Kind.CUSTOMERS)

    # ------------------------------------------------------------------ runs
    def propose(self, as_of: date) -> DunningProposal:
        """What a run on `as_of` would send; nothing is written."""
        with self._read(Permission.AR_DUNNING_RUN) as s:
            return propose(s, as_of, _base_currency(s))

    @retry_writes
    def issue(self, proposal: DunningProposal, *, charge: bool = True) -> tuple[list[IssuedLetter], Changes]:
        """Issue the (reviewed) proposal's letters; with `charge`, raise their fees and interest."""
        self.ctx.require(Permission.AR_DUNNING_RUN)
        if not proposal.letters:
            return [], Changes()
        with self._unit(Permission.AR_DUNNING_RUN) as s:
            base = _base_currency(s)
            fresh = {letter.customer: letter for letter in propose(s, proposal.as_of, base, lock=True).letters}
            look: Lookups | None = None
            issued = []
            invoices = {
                inv.id: inv
                for inv in s.execute(
                    select(Invoice).where(Invoice.id.in_([ln.invoice_id for lt in proposal.letters for ln in lt.lines]))
                ).scalars()
            }
            for letter in proposal.letters:
                _still_as_proposed(letter, fresh.get(letter.customer))
                entry_id, charge_number = None, None
                if charge and letter.charges > 0:
                    look = look or Lookups(s, Poster(s, self.ctx, self.facts))
                    ref = self._raise_charges(s, look, proposal.as_of, letter, base)
                    entry_id, charge_number = ref.entry_id, ref.number
                row = DunningLetter(
                    customer_id=letter.customer_id, issued_on=proposal.as_of, level=letter.level,
                    fee=letter.fee if charge else 0, interest=letter.interest if charge else 0, entry_id=entry_id,
                    created_by=self.ctx.user_id, created_at=self.ctx.clock.now(),
                )  # fmt: skip
                s.add(row)
                s.flush()
                s.add_all(
                    DunningLetterLine(
                        letter_id=row.id, invoice_id=ln.invoice_id, level=ln.level, days_overdue=ln.days_overdue,
                        open_amount=ln.open_amount, interest=ln.interest if charge else 0, dunned=ln.dunned,
                    )
                    for ln in letter.lines
                )  # fmt: skip
                for ln in letter.lines:
                    if ln.dunned:
                        invoices[ln.invoice_id].dunning_level = ln.level
                        invoices[ln.invoice_id].last_dunned_on = proposal.as_of
                s.flush()
                trail.record(
                    s, self.ctx, "issue", "dunning_letter", row.id,
                    after={
                        "customer": letter.customer, "level": letter.level, "as_of": proposal.as_of.isoformat(),
                        "dunned": {ln.number: ln.level for ln in letter.lines if ln.dunned},
                        "listed": [ln.number for ln in letter.lines if not ln.dunned],
                        "fee": row.fee, "interest": row.interest, "charge_invoice": charge_number,
                    },
                )  # fmt: skip
                if not charge:
                    letter = replace(letter, lines=tuple(replace(ln, interest=0) for ln in letter.lines))
                    letter = replace(letter, level_terms=tuple((lv, 0, t) for lv, _f, t in letter.level_terms))
                issued.append(IssuedLetter(row.id, proposal.as_of, letter, charge_number))
        kinds = [Kind.COLLECTIONS, Kind.INVOICES] + ([Kind.ENTRIES] if any(i.charge_invoice for i in issued) else [])
        return issued, Changes.of(*kinds)

    def write_pdfs(self, issued: Sequence[IssuedLetter], folder: Path, *, size: str = "A4") -> list[Path]:
        """One PDF per issued letter into `folder`; audited as an export."""
        from paksa_desktop.receivables.dunning_pdf import write_letters

        with self._read(Permission.AR_VIEW) as s:
            letterhead = load_letterhead(s)
            paths = write_letters(s, letterhead, issued, folder, size=size, author=self.ctx.username)
        if paths:
            AuditService(self.engine, self.ctx).record_export(
                "dunning_letters", folder, len(paths), permission=Permission.AR_VIEW, letters=[i.id for i in issued]
            )
        return paths

    def _raise_charges(self, s: Session, look: Lookups, on: date, letter: ProposedLetter, base: str) -> DocumentRef:
        exponent = currency_exponent(base)
        account = look.poster.accounts_by_id[look.settings.fee_account_id].code
        lines = []
        if letter.fee:
            lines.append(
                InvoiceLineInput(f"Reminder fee (level {letter.level})", Decimal(1), from_minor(letter.fee, exponent),
                                 tax_code="", account=account)
            )  # fmt: skip
        for ln in letter.lines:
            if ln.interest:
                rate = format((Decimal(ln.interest_e4) / PERCENT_SCALE).normalize(), "f")
                text = f"Interest on {ln.number}: {ln.interest_days} days at {rate} % a year"
                lines.append(
                    InvoiceLineInput(text, Decimal(1), from_minor(ln.interest, exponent), tax_code="", account=account)
                )
        data = InvoiceInput(
            letter.customer, on, tuple(lines), due_date=on, reference=f"Reminder of {on}", currency=base,
            memo="Charges for late payment",
        )  # fmt: skip
        doc = prepare(look, data)
        invoicing = InvoicingService(self.engine, self.ctx, self.facts)
        return invoicing.post_charges(s, look, [doc], source="ar_dunning")[0]


def _still_as_proposed(letter: ProposedLetter, fresh: ProposedLetter | None) -> None:
    now = {ln.invoice_id: ln for ln in fresh.lines} if fresh else {}
    for ln in letter.lines:
        if now.get(ln.invoice_id) != ln:
            raise ConflictError(
                f"invoice {ln.number} of {letter.customer} changed since the dunning proposal was made "
                "(paid, credited or dunned meanwhile): propose the run again"
            )


def _level(data: LevelInput, exponent: int) -> Level:
    try:
        fee = to_minor(Decimal(data.fee), exponent)
    except ValidationError:
        raise ValidationError(f"level {data.level}: the fee {data.fee} has more than {exponent} decimals") from None
    rate = scaled(Decimal(data.interest_percent), PERCENT_SCALE, f"level {data.level}: interest %")
    return Level(data.level, data.days_overdue, data.letter_text.strip(), fee, rate)


class DunningQueries(GuardedService):
    """Procedures and the dunning history of invoices (`receivables.view`)."""

    def procedures(self) -> list[ProcedureView]:
        with self._read(Permission.AR_VIEW) as s:
            exponent = currency_exponent(_base_currency(s))
            return [
                ProcedureView(
                    p.id, p.code, p.name,
                    tuple(
                        LevelInput(lv.level, lv.days_overdue, lv.letter_text, from_minor(lv.fee, exponent),
                                   Decimal(lv.interest_e4) / PERCENT_SCALE)
                        for lv in p.levels
                    ),
                    p.version,
                )
                for p in procedures(s).values()
            ]  # fmt: skip

    def history(self, number: str) -> list[HistoryRow]:
        """Every letter that listed the invoice, oldest first: its level history."""
        with self._read(Permission.AR_VIEW) as s:
            found = s.execute(select(Invoice.id, Invoice.currency).where(Invoice.number == number)).first()
            if found is None:
                raise NotFoundError(f"invoice {number} does not exist")
            exponent = currency_exponent(found.currency)
            base_exponent = currency_exponent(_base_currency(s))
            rows = s.execute(
                select(DunningLetterLine, DunningLetter.issued_on)
                .join(DunningLetter, DunningLetter.id == DunningLetterLine.letter_id)
                .where(DunningLetterLine.invoice_id == found.id)
                .order_by(DunningLetter.issued_on, DunningLetter.id)
            ).all()
            return [
                HistoryRow(
                    ln.letter_id, issued_on, ln.level, ln.days_overdue, from_minor(ln.open_amount, exponent),
                    from_minor(ln.interest, base_exponent), ln.dunned,
                )
                for ln, issued_on in rows
            ]  # fmt: skip
