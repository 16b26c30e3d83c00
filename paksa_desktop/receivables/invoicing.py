"""Invoices and credit notes: drafts, posting (numbered, with its GL entry, in one transaction), credit
checks, credit notes, recurring invoices, and the receivables settings and exchange rates they use.

A posted document is never edited: a credit note corrects it. Numbers are taken at posting from a
gap-free series per fiscal year, so drafts take none and a failed posting leaves no gap.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency, to_minor
from paksa_desktop.core.periods import add_months
from paksa_desktop.ledger.models import Account, Department, ExchangeRate, Frequency, Project
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedEntry
from paksa_desktop.persistence.bulk import append_rows, is_postgres, reserve_ids, sqlite_value
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE, parse_rate, rate_text
from paksa_desktop.receivables.commands import DocumentRef, InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.credit import ON_HOLD, credit_problems_many, limit_problem, overdue_problem
from paksa_desktop.receivables.models import (
    CreditPolicy,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Item,
    Receipt,
    ReceivablesSettings,
    RecurringInvoice,
    SettlementKind,
    TaxCodeRow,
)
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.receivables.preparing import Lookups, PreparedInvoice, prepare
from paksa_desktop.receivables.settings import (
    ACCOUNT_FIELDS,
    JOURNAL_FIELDS,
    SERIES_FIELDS,
    SettingsInput,
    coded_values,
    settings_input,
    standard_settings,
)
from paksa_desktop.receivables.settling import (
    Piece,
    entry_lines,
    lock_invoice,
    post_entry,
    refresh_state,
    settle_invoice,
    source_of_credit_note,
    take_from,
    write_settlements,
)
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

Progress = Callable[[int, int], None]
MAX_INSTRUCTIONS = 1000  # payment instructions: a few lines at the foot of an invoice


class CreditCheckFailed(ValidationError):
    """Posting would break the credit policy; `overridable` says whether confirming may go on."""

    def __init__(self, customer: str, problems: Sequence[str], *, needs_permission: bool) -> None:
        self.customer = customer
        self.problems = list(problems)
        self.needs_permission = needs_permission
        tail = (
            "posting anyway needs receivables.invoice.approve"
            if needs_permission
            else "confirm to post anyway (the confirmation is audited)"
        )
        super().__init__(f"customer {customer}: " + "; ".join(self.problems) + f". {tail}")


@dataclass(frozen=True, slots=True)
class RecurringInvoiceInput:
    name: str
    customer: str
    frequency: Frequency
    next_date: date
    lines: tuple[InvoiceLineInput, ...]
    end_date: date | None = None
    post: bool = True
    memo: str = ""
    is_active: bool = True


INVOICE_COLUMNS = (
    "id", "kind", "state", "customer_id", "number", "series", "fiscal_year_id", "sequence", "date", "due_date",
    "terms", "currency", "rate", "reference", "memo", "net_total", "tax_total", "total", "base_total",
    "open_amount", "credited_invoice_id", "recurring_id", "entry_id", "dunning_level", "created_by", "created_at",
    "posted_by", "posted_at", "version",
)  # fmt: skip
LINE_COLUMNS = (
    "invoice_id", "line_no", "item_id", "description", "quantity_e4", "unit_price", "discount_e4", "tax_code_id",
    "account_id", "department_id", "project_id", "net", "tax",
)  # fmt: skip


class InvoicingService(GuardedService):
    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # ------------------------------------------------------------------ settings and rates
    def update_settings(self, data: SettingsInput) -> Changes:
        """Set the receivables accounts, journals, series and credit policy (`company.manage`)."""
        with self._unit(Permission.COMPANY_MANAGE) as s:
            poster = Poster(s, self.ctx, self.facts)
            values, problems = coded_values(s, poster, data, ACCOUNT_FIELDS, JOURNAL_FIELDS, SERIES_FIELDS)
            if len({values.get(n) for n in SERIES_FIELDS}) < len(SERIES_FIELDS):
                problems.append("the invoice, credit note and receipt series must differ")
            if data.overdue_days < 0:
                problems.append("overdue days: must not be negative")
            values["payment_instructions"] = data.payment_instructions.strip()
            if len(values["payment_instructions"]) > MAX_INSTRUCTIONS:
                problems.append(f"payment instructions: at most {MAX_INSTRUCTIONS} characters")
            try:
                values["write_off_tolerance"] = to_minor(data.write_off_tolerance, poster.exponent)
                if values["write_off_tolerance"] < 0:
                    problems.append("write-off tolerance: must not be negative")
            except ValidationError as exc:
                problems.append(f"write-off tolerance: {exc}")
            if problems:
                raise ValidationError("receivables settings: " + "; ".join(problems))
            values["credit_policy"] = CreditPolicy(data.credit_policy)
            values["overdue_days"] = data.overdue_days
            row = s.execute(select(ReceivablesSettings)).scalar_one_or_none()
            before = None
            if row is None:
                row = ReceivablesSettings(id=1)
                s.add(row)
            else:
                before = {k: _plain(getattr(row, k)) for k in values}
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            trail.record(
                s, self.ctx, "update", "receivables_settings", 1, before=before, after=_json_ready(asdict(data))
            )
        return Changes.of(Kind.COMPANY)

    def use_standard_settings(self) -> bool:
        """Take the standard chart's accounts and journals as settings, when the company has them all."""
        with self._read(Permission.COMPANY_MANAGE) as s:
            standard = standard_settings(s)
        if standard is None:
            return False
        self.update_settings(standard)
        return True

    def settings(self) -> SettingsInput | None:
        with self._read(Permission.AR_VIEW) as s:
            return settings_input(s)

    def set_rate(self, currency: str, day: date, rate: Decimal | str | None) -> Changes:
        """Set (or, with None, remove) the rate of `currency` from `day` on: base units per unit."""
        with self._unit(Permission.RATE_MANAGE) as s:
            currency = currency.strip().upper()
            if not is_currency(currency):
                raise ValidationError(f"unknown currency '{currency}'")
            row = s.get(ExchangeRate, (currency, day))
            before = {"rate": row.rate} if row is not None else None
            if rate is None:
                if row is None:
                    raise NotFoundError(f"no rate for {currency} on {day}")
                s.delete(row)
                after = None
            else:
                text = rate_text(parse_rate(rate))
                if row is None:
                    s.add(ExchangeRate(currency=currency, day=day, rate=text))
                else:
                    row.rate = text
                after = {"rate": text}
            trail.record(s, self.ctx, "update", "exchange_rate", f"{currency} {day}", before=before, after=after)
        return Changes.of(Kind.RATES)

    # ------------------------------------------------------------------ drafts
    def _permission(self, credit_note: bool) -> Permission:
        return Permission.AR_CREDIT_NOTE_CREATE if credit_note else Permission.AR_INVOICE_CREATE

    def _permission_of(self, data: InvoiceInput) -> Permission:
        """The permission a document needs; a user holding neither document permission is refused
        before the input is even read."""
        if not (self.ctx.can(Permission.AR_INVOICE_CREATE) or self.ctx.can(Permission.AR_CREDIT_NOTE_CREATE)):
            raise PermissionDenied(self.ctx.username, Permission.AR_INVOICE_CREATE)
        return self._permission(data.credit_note)

    def save_draft(
        self, data: InvoiceInput, invoice_id: int | None = None, version: int | None = None
    ) -> tuple[DocumentRef, Changes]:
        """Create or replace a draft invoice or credit note (no number, no GL entry)."""
        with self._unit(self._permission_of(data)) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            doc = prepare(look, data)
            credited = self._credited(s, data, doc)
            now = self.ctx.clock.now()
            if invoice_id is None:
                row = Invoice(
                    kind=doc.kind,
                    state=InvoiceState.DRAFT,
                    series=self._series(look, doc.kind),
                    created_by=self.ctx.user_id,
                    created_at=now,
                )
                s.add(row)
                action = "create"
            else:
                row = self._draft(s, invoice_id, version)
                if row.kind is not doc.kind:
                    raise ValidationError("a draft stays an invoice or a credit note")
                row.updated_by, row.updated_at = self.ctx.user_id, now
                row.lines.clear()
                action = "update"
            _fill(row, doc, credited)
            s.flush()
            trail.record(s, self.ctx, action, "invoice", row.id, after=_summary(doc))
            ref = DocumentRef(row.id, row.version)
        return ref, Changes.of(Kind.INVOICES)

    def delete_draft(self, invoice_id: int, version: int | None = None) -> Changes:
        with self._unit(Permission.AR_VIEW) as s:
            row = self._draft(s, invoice_id, version)
            self.ctx.require(self._permission(row.kind is DocumentKind.CREDIT_NOTE))
            trail.record(s, self.ctx, "delete", "invoice", invoice_id, before={"customer_id": row.customer_id})
            s.delete(row)
        return Changes.of(Kind.INVOICES)

    def _draft(self, s: Session, invoice_id: int, version: int | None) -> Invoice:
        row = s.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
        if row is None:
            if version is not None:
                raise trail.stale(s, f"draft invoice {invoice_id}", "invoice", invoice_id, verb="deleted")
            raise NotFoundError(f"invoice {invoice_id} does not exist")
        if version is not None and row.version != version:
            raise trail.stale(s, f"invoice {row.number or invoice_id}", "invoice", invoice_id)
        if row.state is not InvoiceState.DRAFT:
            raise ValidationError(f"{row.number} is posted: it is never edited; issue a credit note instead")
        return row

    @staticmethod
    def _series(look: Lookups, kind: DocumentKind) -> str:
        settings = look.settings
        return settings.invoice_series if kind is DocumentKind.INVOICE else settings.credit_note_series

    @staticmethod
    def _credited(s: Session, data: InvoiceInput, doc: PreparedInvoice) -> Invoice | None:
        if not data.credits:
            return None
        if not data.credit_note:
            raise ValidationError("only a credit note credits an invoice")
        invoice = s.execute(
            select(Invoice).where(Invoice.number == data.credits.strip(), Invoice.kind == DocumentKind.INVOICE)
        ).scalar_one_or_none()
        if invoice is None:
            raise ValidationError(f"invoice {data.credits} does not exist")
        if invoice.customer_id != doc.customer.id or invoice.currency != doc.currency:
            raise ValidationError(f"a credit note for {invoice.number} is for the same customer and currency")
        doc.credited_invoice_id, doc.credited_number = invoice.id, invoice.number
        return invoice

    # ------------------------------------------------------------------ posting
    @retry_writes
    def post(
        self,
        invoice_id: int,
        version: int | None = None,
        *,
        confirm_credit: bool = False,
        data: InvoiceInput | None = None,
    ) -> tuple[DocumentRef, Changes]:
        """Post a draft: numbered, its entry posted, a credit note applied to the invoice it credits.

        With `data`, the draft's content is first replaced by it in the same unit of work (an editor's
        Post): saving and posting happen together or not at all, so a refused posting (credit check,
        closed period, a bad line) leaves the draft exactly as it was stored.
        """
        with self._unit(Permission.AR_VIEW) as s:
            row = self._draft(s, invoice_id, version)
            self.ctx.require(self._permission(row.kind is DocumentKind.CREDIT_NOTE))
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            edited = data is not None
            if data is None:
                data = _input_of(s, row)
            elif data.credit_note is not (row.kind is DocumentKind.CREDIT_NOTE):
                raise ValidationError("a draft stays an invoice or a credit note")
            doc = prepare(look, data)
            self._credited(s, data, doc)
            if edited:  # the edit is audited as save_draft audits it, then the posting as always
                trail.record(s, self.ctx, "update", "invoice", row.id, after=_summary(doc))
            doc.id = row.id
            s.expunge(row)
            ref = self._post_documents(s, look, [doc], confirm_credit=confirm_credit)[0]
        return ref, Changes.of(Kind.INVOICES, Kind.ENTRIES)

    @retry_writes
    def issue(self, data: InvoiceInput, *, confirm_credit: bool = False) -> tuple[DocumentRef, Changes]:
        """Create and post a document in one step."""
        with self._unit(self._permission_of(data)) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            doc = prepare(look, data)
            self._credited(s, data, doc)
            ref = self._post_documents(s, look, [doc], confirm_credit=confirm_credit)[0]
        return ref, Changes.of(Kind.INVOICES, Kind.ENTRIES)

    def issue_many(
        self, documents: Sequence[InvoiceInput], *, progress: Progress | None = None, source: str = ""
    ) -> list[DocumentRef]:
        """Post many invoices in one unit of work (an import): all or nothing. A problem raises an
        IndexedError naming the document (0-based) so the importer can point at its rows."""
        with self._unit(Permission.AR_INVOICE_CREATE) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            look.load_all_customers()
            prepared = []
            for k, data in enumerate(documents):
                try:
                    if data.credit_note:
                        raise ValidationError("an import raises invoices; credit notes are issued one by one")
                    prepared.append(prepare(look, data))
                except ValidationError as exc:
                    raise IndexedError(k, str(exc)) from None
                if progress is not None and k % 500 == 0:
                    progress(k, len(documents))
            refs = self._post_documents(s, look, prepared, confirm_credit=True, imported_from=source)
        return refs

    def post_charges(
        self, s: Session, look: Lookups, docs: Sequence[PreparedInvoice], *, source: str
    ) -> list[DocumentRef]:
        """Post invoices the company raises itself (dunning fees and interest) inside the caller's unit of
        work: numbered from the invoice series, with their entry under the caller's `source` (whose
        posting permission the caller checked), and no credit check: a charge for paying late is due
        whatever the customer's credit."""
        self.ctx.require(Permission.AR_DUNNING_RUN if source == "ar_dunning" else Permission.AR_INVOICE_CREATE)
        return self._post_documents(s, look, docs, confirm_credit=True, check_credit=False, source=source)

    def _post_documents(
        self,
        s: Session,
        look: Lookups,
        docs: Sequence[PreparedInvoice],
        *,
        confirm_credit: bool,
        imported_from: str | None = None,
        check_credit: bool = True,
        source: str | None = None,
    ) -> list[DocumentRef]:
        poster = look.poster
        settings = look.settings
        if check_credit:
            self._check_credit_many(s, look, docs, confirm_credit, imported_from)
        # numbers per series and fiscal year, in the order given
        periods = []
        for k, doc in enumerate(docs):
            problem = poster.date_problem(doc.date)
            if problem:
                if imported_from is None:
                    raise ValidationError(problem)
                raise IndexedError(k, problem)
            periods.append(poster.period(doc.date))
        groups: dict[tuple[str, int], list[int]] = {}
        for k, doc in enumerate(docs):
            groups.setdefault((self._series(look, doc.kind), periods[k].fiscal_year_id), []).append(k)
        sequences: dict[int, int] = {}
        for (series, fy_id), members in groups.items():
            first = take_numbers(s, series, fy_id, len(members))
            for offset, k in enumerate(members):
                sequences[k] = first + offset
                docs[k].number = document_number(series, periods[k].fiscal_year_name, first + offset)
        entries = []
        for k, doc in enumerate(docs):
            what = "Invoice" if doc.kind is DocumentKind.INVOICE else "Credit note"
            entry = PreparedEntry(
                journal_id=settings.sales_journal_id,
                date=doc.date,
                lines=doc.gl_lines,
                memo=f"{what} {doc.number} {doc.customer.name}",
                reference=doc.number or "",
                source=source or ("ar_invoice" if doc.kind is DocumentKind.INVOICE else "ar_credit_note"),
            )
            try:
                poster.check(entry)
            except ValidationError as exc:
                if imported_from is None:
                    raise
                raise IndexedError(k, str(exc)) from None
            entries.append(entry)
        poster.write(entries)
        now = self.ctx.clock.now()
        stored = _stored_form(s)  # dates as SQLite stores them, converted once per distinct value
        new = [k for k, doc in enumerate(docs) if doc.id is None]
        for k, new_id in zip(new, reserve_ids(s, "invoices", len(new)), strict=True):
            docs[k].id = new_id
        rows = []
        for k in new:
            doc = docs[k]
            rows.append(
                (
                    doc.id, doc.kind.value, InvoiceState.POSTED.value, doc.customer.id, doc.number,
                    self._series(look, doc.kind), periods[k].fiscal_year_id, sequences[k], stored(doc.date),
                    stored(doc.due_date), doc.terms, doc.currency, rate_text(doc.rate), doc.reference, doc.memo,
                    doc.net_total, doc.tax_total, doc.total, doc.base_total, doc.total, doc.credited_invoice_id, None,
                    entries[k].id, 0, self.ctx.user_id, stored(now), self.ctx.user_id, stored(now), 1,
                )
            )  # fmt: skip
        append_rows(s, "invoices", INVOICE_COLUMNS, rows)
        append_rows(
            s,
            "invoice_lines",
            LINE_COLUMNS,
            [
                (
                    docs[k].id, n, ln.item_id, ln.description, ln.quantity_e4, ln.unit_price, ln.discount_e4,
                    ln.tax_code_id, ln.account_id, ln.department_id, ln.project_id, ln.net, ln.tax,
                )
                for k in new
                for n, ln in enumerate(docs[k].lines, start=1)
            ],
        )  # fmt: skip
        versions = {k: 1 for k in new}
        for k, doc in enumerate(docs):
            if k not in versions:
                versions[k] = self._post_draft_row(s, doc, periods[k].fiscal_year_id, sequences[k], entries[k].id, now)
        events = [
            trail.Event(
                now,
                self.ctx.user_id,
                self.ctx.username,
                self.ctx.host,
                "post",
                "invoice",
                str(doc.id),
                None,
                json.dumps(_summary(doc) | ({"file": imported_from} if imported_from else {}), sort_keys=True),
            )
            for doc in docs
        ]
        if len(events) == 1:
            trail.record(s, self.ctx, "post", "invoice", docs[0].id, after=_summary(docs[0]))
        else:
            trail.record_many(s, events)
        for doc in docs:
            if doc.credited_invoice_id is not None:
                self._apply_to_credited(s, look, doc)
        return [
            DocumentRef(doc.id or 0, versions[k], doc.number, entry.id)
            for k, (doc, entry) in enumerate(zip(docs, entries, strict=True))
        ]

    @staticmethod
    def _post_draft_row(
        s: Session, doc: PreparedInvoice, fy_id: int, sequence: int, entry_id: int | None, now: Any
    ) -> int:
        row = s.get(Invoice, doc.id, populate_existing=True)
        assert row is not None
        row.lines.clear()
        s.flush()
        _fill(row, doc, None)
        row.credited_invoice_id = doc.credited_invoice_id
        row.state = InvoiceState.POSTED
        row.number = doc.number
        row.fiscal_year_id = fy_id
        row.sequence = sequence
        row.entry_id = entry_id
        row.open_amount = doc.total
        row.posted_at = now
        s.flush()
        return row.version

    def _apply_to_credited(self, s: Session, look: Lookups, doc: PreparedInvoice) -> None:
        """A credit note posted against an invoice settles what it can of it at once."""
        assert doc.number is not None and doc.credited_number is not None
        invoice = lock_invoice(s, doc.credited_number, kind=DocumentKind.INVOICE)
        note = lock_invoice(s, doc.number, kind=DocumentKind.CREDIT_NOTE)
        amount = min(invoice.open_amount, note.open_amount)
        if amount <= 0:
            return
        apply_credit_note(s, self.ctx, look, note, [(invoice, amount)], doc.date)

    def _check_credit_many(
        self,
        s: Session,
        look: Lookups,
        docs: Sequence[PreparedInvoice],
        confirmed: bool,
        imported_from: str | None,
    ) -> None:
        """The credit check of every invoice to post: one by one for a single document, set-based for a
        batch (credit.py); a refusal names the document's index in an import; overrides are audited."""
        policy = look.settings.credit_policy
        if policy is CreditPolicy.OFF:
            return
        if len(docs) == 1:
            found = [credit_problems(s, look, docs[0]) if docs[0].kind is DocumentKind.INVOICE else []]
        else:
            found = credit_problems_many(s, look, docs)
        needs_permission = policy is CreditPolicy.BLOCK
        allowed = confirmed and (not needs_permission or self.ctx.can(Permission.AR_INVOICE_APPROVE))
        overrides = []
        for k, (doc, problems) in enumerate(zip(docs, found, strict=True)):
            if not problems:
                continue
            if not allowed:
                refused = CreditCheckFailed(doc.customer.code, problems, needs_permission=needs_permission)
                if imported_from is None:
                    raise refused
                raise IndexedError(k, str(refused))
            overrides.append((doc, problems))
        if len(overrides) == 1:
            doc, problems = overrides[0]
            trail.record(s, self.ctx, "credit_override", "customer", doc.customer.code,
                         after={"policy": policy.value, "problems": problems, "total": doc.total})  # fmt: skip
        elif overrides:
            now = self.ctx.clock.now()
            trail.record_many(
                s,
                [
                    trail.Event(
                        now,
                        self.ctx.user_id,
                        self.ctx.username,
                        self.ctx.host,
                        "credit_override",
                        "customer",
                        doc.customer.code,
                        None,
                        json.dumps({"policy": policy.value, "problems": problems, "total": doc.total}, sort_keys=True),
                    )
                    for doc, problems in overrides
                ],
            )

    # ------------------------------------------------------------------ credit notes
    @retry_writes
    def credit_invoice(
        self, number: str, on: date, *, memo: str = "", lines: tuple[InvoiceLineInput, ...] | None = None
    ) -> tuple[DocumentRef, Changes]:
        """Issue a credit note for an invoice (all of it unless `lines` say otherwise), applied to it."""
        with self._unit(Permission.AR_CREDIT_NOTE_CREATE) as s:
            invoice = s.execute(
                select(Invoice).where(Invoice.number == number, Invoice.kind == DocumentKind.INVOICE)
            ).scalar_one_or_none()
            if invoice is None or invoice.state is InvoiceState.DRAFT:
                raise NotFoundError(f"posted invoice {number} does not exist")
            source = _input_of(s, invoice)
            data = InvoiceInput(
                customer=source.customer,
                date=on,
                lines=lines if lines is not None else source.lines,
                due_date=on,
                reference=number,
                memo=memo or f"Credit for {number}",
                currency=invoice.currency,
                rate=Decimal(invoice.rate),
                credit_note=True,
                credits=number,
            )
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            doc = prepare(look, data)
            self._credited(s, data, doc)
            ref = self._post_documents(s, look, [doc], confirm_credit=True)[0]
        return ref, Changes.of(Kind.INVOICES, Kind.ENTRIES)

    # ------------------------------------------------------------------ recurring invoices
    def save_recurring(self, data: RecurringInvoiceInput, recurring_id: int | None = None) -> tuple[int, Changes]:
        with self._unit(Permission.AR_INVOICE_CREATE) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            prepare(look, InvoiceInput(data.customer, data.next_date, data.lines))  # the lines must make an invoice
            if not data.name.strip():
                raise ValidationError("a recurring invoice needs a name")
            if data.end_date is not None and data.end_date < data.next_date:
                raise ValidationError("the end date is before the next date")
            customer_id = look.customer(data.customer).id
            if recurring_id is None:
                if s.execute(select(RecurringInvoice.id).where(RecurringInvoice.name == data.name.strip())).first():
                    raise ValidationError(f"a recurring invoice named '{data.name}' already exists")
                row = RecurringInvoice()
                s.add(row)
            else:
                row = s.get(RecurringInvoice, recurring_id)
                if row is None:
                    raise NotFoundError(f"recurring invoice {recurring_id} does not exist")
            row.name = data.name.strip()
            row.customer_id = customer_id
            row.frequency = Frequency(data.frequency).value
            row.next_date = data.next_date
            row.end_date = data.end_date
            row.post = data.post
            row.memo = data.memo
            row.is_active = data.is_active
            row.lines_json = json.dumps([_json_ready(asdict(line)) for line in data.lines])
            s.flush()
            trail.record(s, self.ctx, "update" if recurring_id else "create", "recurring_invoice", row.id,
                         after={"name": row.name, "customer": data.customer, "next_date": data.next_date})  # fmt: skip
            new_id = row.id
        return new_id, Changes.of(Kind.INVOICES)

    def run_recurring(self, as_of: date) -> tuple[list[DocumentRef], Changes]:
        """Raise every invoice due by `as_of` (several per template if it fell behind), in one unit."""
        refs: list[DocumentRef] = []
        with self._unit(Permission.AR_INVOICE_CREATE) as s:
            look = Lookups(s, Poster(s, self.ctx, self.facts))
            templates = (
                s.execute(
                    select(RecurringInvoice)
                    .where(RecurringInvoice.is_active, RecurringInvoice.next_date <= as_of)
                    .order_by(RecurringInvoice.next_date, RecurringInvoice.id)
                )
                .scalars()
                .all()
            )
            for template in templates:
                customer = s.get(Customer, template.customer_id)
                assert customer is not None
                lines = tuple(_line_from_json(v) for v in json.loads(template.lines_json))
                frequency = Frequency(template.frequency)
                while template.next_date <= as_of and (
                    template.end_date is None or template.next_date <= template.end_date
                ):
                    data = InvoiceInput(customer.code, template.next_date, lines, memo=template.memo)
                    doc = prepare(look, data)
                    if template.post:
                        ref = self._post_documents(s, look, [doc], confirm_credit=True)[0]
                        s.execute(
                            Invoice.__table__.update().where(Invoice.id == ref.id).values(recurring_id=template.id)
                        )
                    else:
                        row = Invoice(kind=doc.kind, state=InvoiceState.DRAFT, series=look.settings.invoice_series,
                                      created_by=self.ctx.user_id, created_at=self.ctx.clock.now(),
                                      recurring_id=template.id)  # fmt: skip
                        _fill(row, doc, None)
                        s.add(row)
                        s.flush()
                        ref = DocumentRef(row.id, row.version)
                    refs.append(ref)
                    template.next_date = add_months(template.next_date, frequency.months)
                if template.end_date is not None and template.next_date > template.end_date:
                    template.is_active = False
            if refs:
                trail.record(s, self.ctx, "run", "recurring_invoice", "", after={"as_of": as_of, "invoices": len(refs)})
        return refs, Changes.of(Kind.INVOICES, Kind.ENTRIES) if refs else Changes()


def _stored_form(s: Session) -> Callable[[Any], Any]:
    """A value as the engine stores it: PostgreSQL takes dates as they are; SQLite's text forms are
    computed once per distinct date (an import of 10,000 invoices has a few hundred)."""
    if is_postgres(s):
        return lambda value: value
    memo: dict[Any, Any] = {}

    def stored(value: Any) -> Any:
        found = memo.get(value)
        if found is None:
            found = memo[value] = sqlite_value(value)
        return found

    return stored


class IndexedError(ValidationError):
    """A problem with the k-th document of a batch (0-based)."""

    def __init__(self, index: int, message: str) -> None:
        self.index = index
        self.reason = message
        super().__init__(f"document {index + 1}: {message}")


def apply_credit_note(
    s: Session, ctx: UserContext, look: Lookups, note: Invoice, targets: Sequence[tuple[Invoice, int]], on: date
) -> None:
    """Apply a credit note to invoices of its customer and currency; posts only an exchange difference."""
    source = source_of_credit_note(s, note)
    pieces = []
    for invoice, amount in targets:
        if invoice.customer_id != note.customer_id or invoice.currency != note.currency:
            raise ValidationError(f"{note.number} applies only to invoices of its customer in {note.currency}")
        piece = Piece(SettlementKind.CREDIT, invoice, amount)
        piece.source_base = take_from(source, amount, on)
        settle_invoice(s, invoice, piece, base_currency=look.base_currency, on=on)
        pieces.append(piece)
    note.open_amount = source.available
    refresh_state(s, note)
    memo = f"{note.number} applied"
    entry = post_entry(
        look.poster,
        look.settings.sales_journal_id,
        on,
        entry_lines(look.settings, pieces, memo=memo),
        memo=memo,
        reference=note.number or "",
        source="ar_settlement",
    )
    write_settlements(
        s, ctx, pieces, customer_id=note.customer_id, on=on, entry_id=entry.id if entry else None,
        credit_note_id=note.id,
    )  # fmt: skip
    s.flush()


def credit_problems(s: Session, look: Lookups, doc: PreparedInvoice) -> list[str]:
    """Why posting `doc` breaks the credit policy: hold, limit, long-overdue invoices."""
    customer = doc.customer
    problems = []
    if customer.credit_hold:
        problems.append(ON_HOLD)
    if customer.credit_limit is not None:
        exposure = customer_exposure(s, customer.id, exclude_invoice=doc.id) + doc.total
        if problem := limit_problem(customer, exposure):
            problems.append(problem)
    overdue_before = date.fromordinal(doc.date.toordinal() - look.settings.overdue_days)
    oldest = s.execute(
        select(Invoice.number, Invoice.due_date)
        .where(
            Invoice.customer_id == customer.id,
            Invoice.kind == DocumentKind.INVOICE,
            Invoice.state.in_((InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)),
            Invoice.due_date < overdue_before,
        )
        .order_by(Invoice.due_date)
        .limit(1)
    ).first()
    if oldest is not None:
        problems.append(overdue_problem(look.settings.overdue_days, oldest.number, oldest.due_date))
    return problems


def customer_exposure(s: Session, customer_id: int, *, exclude_invoice: int | None = None) -> int:
    """Open invoices plus drafts, less open credit notes and unapplied receipts (customer's currency)."""
    rows = s.execute(
        select(Invoice.kind, Invoice.state, func.sum(Invoice.open_amount), func.sum(Invoice.total))
        .where(Invoice.customer_id == customer_id, Invoice.id != (exclude_invoice or 0))
        .group_by(Invoice.kind, Invoice.state)
    ).all()
    exposure = 0
    for kind, state, open_amount, total in rows:
        if state is InvoiceState.DRAFT:
            exposure += int(total) if kind is DocumentKind.INVOICE else 0
        elif kind is DocumentKind.INVOICE:
            exposure += int(open_amount)
        else:
            exposure -= int(open_amount)
    unapplied = s.execute(
        select(func.coalesce(func.sum(Receipt.unapplied), 0)).where(Receipt.customer_id == customer_id)
    ).scalar_one()
    return exposure - int(unapplied)


def _fill(row: Invoice, doc: PreparedInvoice, credited: Invoice | None) -> None:
    row.customer_id = doc.customer.id
    row.date = doc.date
    row.due_date = doc.due_date
    row.terms = doc.terms
    row.currency = doc.currency
    row.rate = rate_text(doc.rate)
    row.reference = doc.reference
    row.memo = doc.memo
    row.net_total = doc.net_total
    row.tax_total = doc.tax_total
    row.total = doc.total
    row.base_total = doc.base_total
    row.open_amount = 0
    if credited is not None:
        row.credited_invoice_id = credited.id
    row.lines = [InvoiceLine(discount_e4=ln.discount_e4, **ln.stored(n)) for n, ln in enumerate(doc.lines, start=1)]


def _input_of(s: Session, row: Invoice) -> InvoiceInput:
    """A stored document as the input that made it (to post a draft or credit an invoice)."""
    customer = s.execute(select(Customer.code).where(Customer.id == row.customer_id)).scalar_one()
    accounts = dict(s.execute(select(Account.id, Account.code)).all())
    items = dict(s.execute(select(Item.id, Item.code)).all())
    taxes = dict(s.execute(select(TaxCodeRow.id, TaxCodeRow.code)).all())
    departments = dict(s.execute(select(Department.id, Department.code)).all())
    projects = dict(s.execute(select(Project.id, Project.code)).all())
    exponent = currency_exponent(row.currency)
    credits = None
    if row.credited_invoice_id is not None:
        credits = s.execute(select(Invoice.number).where(Invoice.id == row.credited_invoice_id)).scalar_one()
    return InvoiceInput(
        customer=customer,
        date=row.date,
        due_date=row.due_date,
        reference=row.reference,
        memo=row.memo,
        currency=row.currency,
        rate=Decimal(row.rate),
        credit_note=row.kind is DocumentKind.CREDIT_NOTE,
        credits=credits,
        lines=tuple(
            InvoiceLineInput(
                description=ln.description,
                quantity=Decimal(ln.quantity_e4) / QUANTITY_SCALE,
                unit_price=from_minor(ln.unit_price, exponent),
                item=items.get(ln.item_id) if ln.item_id else None,
                discount_percent=Decimal(ln.discount_e4) / PERCENT_SCALE,
                tax_code=taxes[ln.tax_code_id] if ln.tax_code_id else "",
                account=accounts[ln.account_id],
                department=departments.get(ln.department_id) if ln.department_id else None,
                project=projects.get(ln.project_id) if ln.project_id else None,
            )
            for ln in row.lines
        ),
    )


def _line_from_json(values: dict[str, Any]) -> InvoiceLineInput:
    decimals = ("quantity", "unit_price", "discount_percent")
    return InvoiceLineInput(**{k: (Decimal(v) if k in decimals and v is not None else v) for k, v in values.items()})


def _summary(doc: PreparedInvoice) -> dict[str, Any]:
    return {
        "kind": doc.kind.value,
        "number": doc.number,
        "customer": doc.customer.code,
        "date": doc.date.isoformat(),
        "currency": doc.currency,
        "total": doc.total,
        "base_total": doc.base_total,
    }


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=str))
