"""Bills and vendor credit notes: drafts, submission, approval (with the threshold and segregation of
duties), duplicate detection, posting (numbered, with its GL entry, in one transaction), credit notes
applied to bills, recurring bills and the batch entry an import uses.

draft -> submitted -> approved -> posted -> partially paid -> paid. A clerk (payables.bill.create) enters,
submits and posts; a holder of payables.bill.approve approves or rejects (back to draft, with the reason).
Below the company's approval threshold a submitted bill is approved at once, and its history says so.
Every step is a row of bill_approvals and of the audit trail. A posted bill is never edited: a vendor
credit note corrects it. Numbers (BILL-2024-000001, VCN-...) are taken at posting from gap-free series.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.core.periods import add_months
from paksa_desktop.ledger.models import CompanySettings, Frequency
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedEntry
from paksa_desktop.payables.bill_inputs import (
    BillInput,
    BillLineInput,
    BillRef,
    DuplicateWarning,
    RecurringBillInput,
)
from paksa_desktop.payables.bill_preparing import BillLookups, PreparedBill, normal_invoice, prepare, prepared_of
from paksa_desktop.payables.crediting import apply_credit
from paksa_desktop.payables.models import (
    ApprovalAction,
    Bill,
    BillApproval,
    BillKind,
    BillLine,
    BillState,
    PayablesSettings,
    RecurringBill,
)
from paksa_desktop.persistence.bulk import append_rows, is_postgres, reserve_ids, sqlite_value
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.amounts import rate_text
from paksa_desktop.receivables.numbering import document_number, take_numbers
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission
from paksa_desktop.security.service import check_creator_may_approve

Progress = Callable[[int, int], None]
POSTED_STATES = (BillState.POSTED, BillState.PARTIALLY_PAID, BillState.PAID)

BILL_COLUMNS = (
    "id", "kind", "state", "vendor_id", "number", "series", "fiscal_year_id", "sequence", "vendor_invoice", "date",
    "due_date", "terms", "discount_date", "discount_e4", "currency", "rate", "control_account_id", "memo",
    "net_total", "tax_total", "total", "base_total", "open_amount", "withholding_e4", "on_hold", "entry_id",
    "created_by", "created_at", "submitted_by", "submitted_at", "approved_by", "approved_at", "posted_by",
    "posted_at", "version",
)  # fmt: skip
LINE_COLUMNS = (
    "bill_id", "line_no", "item_id", "description", "quantity_e4", "unit_price", "tax_code_id", "account_id",
    "department_id", "project_id", "net", "tax",
)  # fmt: skip
APPROVAL_COLUMNS = ("bill_id", "action", "user_id", "at", "note")


class DuplicateBill(ValidationError):
    """Posting a bill that looks like one already posted; `override_reason` lets it through (recorded)."""

    def __init__(self, what: str, warnings: Sequence[DuplicateWarning]) -> None:
        self.warnings = list(warnings)
        super().__init__(
            f"{what} looks like a duplicate of " + "; ".join(str(w) for w in self.warnings)
            + ". Give a reason to post it anyway (the override is recorded)"
        )  # fmt: skip


class IndexedError(ValidationError):
    """A problem with the k-th bill of a batch (0-based), for the importer to point at its rows."""

    def __init__(self, index: int, message: str) -> None:
        self.index = index
        self.reason = message
        super().__init__(f"bill {index + 1}: {message}")


@retry_writes
class BillService(GuardedService):
    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # ------------------------------------------------------------------ duplicates
    def duplicates(self, data: BillInput, bill_id: int | None = None) -> list[DuplicateWarning]:
        """Other bills this one may duplicate (same vendor and vendor invoice number, or same vendor and
        total within the company's window of days), to show before saving; `bill_id`: the draft being
        edited, left out."""
        with self._read(Permission.AP_BILL_CREATE) as s:
            look = BillLookups(s, Poster(s, self.ctx, self.facts))
            doc = prepare(look, data)
            return find_duplicates(s, doc, look.settings.duplicate_days, exclude=bill_id, posted_only=False)

    # ------------------------------------------------------------------ drafts
    def save_draft(
        self, data: BillInput, bill_id: int | None = None, version: int | None = None
    ) -> tuple[BillRef, Changes]:
        """Create or replace a draft bill or vendor credit note (no number, no GL entry)."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            look = BillLookups(s, Poster(s, self.ctx, self.facts))
            doc = prepare(look, data)
            _credited(s, data, doc)
            now = self.ctx.clock.now()
            if bill_id is None:
                row = Bill(
                    kind=doc.kind,
                    state=BillState.DRAFT,
                    series=_series(look, doc.kind),
                    created_by=self.ctx.user_id,
                    created_at=now,
                )
                s.add(row)
                action = "create"
            else:
                row = _editable(s, bill_id, version)
                if row.kind is not doc.kind:
                    raise ValidationError("a draft stays a bill or a vendor credit note")
                row.updated_by, row.updated_at = self.ctx.user_id, now
                row.lines.clear()
                s.flush()
                action = "update"
            _fill(row, doc)
            s.flush()
            trail.record(s, self.ctx, action, "bill", row.id, after=_summary(doc))
            ref = _ref(row)
        return ref, Changes.of(Kind.BILLS)

    def delete_draft(self, bill_id: int, version: int | None = None) -> Changes:
        with self._unit(Permission.AP_BILL_CREATE) as s:
            row = _editable(s, bill_id, version)
            trail.record(
                s, self.ctx, "delete", "bill", bill_id, before={"vendor_id": row.vendor_id, "total": row.total}
            )
            s.delete(row)
        return Changes.of(Kind.BILLS)

    # ------------------------------------------------------------------ approval workflow
    def submit(self, bill_id: int, version: int | None = None) -> tuple[BillRef, Changes]:
        """Send a draft for approval; below the approval threshold it is approved at once."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            row = _locked(s, bill_id, version)
            self._submit(s, row)
            ref = _ref(row)
        return ref, Changes.of(Kind.BILLS)

    def approve(self, bill_id: int, version: int | None = None, *, note: str = "") -> tuple[BillRef, Changes]:
        """Approve a submitted bill (not one you entered, when segregation of duties is on)."""
        with self._unit(Permission.AP_BILL_APPROVE) as s:
            row = _locked(s, bill_id, version)
            self._approve(s, row, note)
            ref = _ref(row)
        return ref, Changes.of(Kind.BILLS)

    def reject(self, bill_id: int, reason: str, version: int | None = None) -> tuple[BillRef, Changes]:
        """Send a submitted (or approved, not yet posted) bill back to its clerk as a draft, with the reason."""
        with self._unit(Permission.AP_BILL_APPROVE) as s:
            row = _locked(s, bill_id, version)
            reason = (reason or "").strip()
            if not reason:
                raise ValidationError("reason: say why the bill is rejected (the clerk sees it)")
            if row.state not in (BillState.SUBMITTED, BillState.APPROVED):
                raise ValidationError(f"{_name(row)} is {row.state.value}: only a submitted bill is rejected")
            before = row.state.value
            row.state = BillState.DRAFT
            row.submitted_by = row.submitted_at = row.approved_by = row.approved_at = None
            self._history(s, row, ApprovalAction.REJECTED, reason)
            trail.record(s, self.ctx, "reject", "bill", row.id, before={"state": before},
                         after={"state": "draft", "reason": reason})  # fmt: skip
            s.flush()
            ref = _ref(row)
        return ref, Changes.of(Kind.BILLS)

    def _submit(self, s: Session, row: Bill) -> None:
        if row.state is not BillState.DRAFT:
            raise ValidationError(f"{_name(row)} is {row.state.value}: only a draft is submitted")
        now = self.ctx.clock.now()
        row.state, row.submitted_by, row.submitted_at = BillState.SUBMITTED, self.ctx.user_id, now
        self._history(s, row, ApprovalAction.SUBMITTED, "")
        trail.record(s, self.ctx, "submit", "bill", row.id, after={"state": "submitted", "total": row.total})
        threshold = s.execute(select(PayablesSettings.approval_threshold)).scalar()
        if threshold is not None and row.base_total < threshold:
            exponent = _base_exponent(s)
            note = f"below the approval threshold of {from_minor(threshold, exponent)}: approved automatically"
            row.state, row.approved_by, row.approved_at = BillState.APPROVED, self.ctx.user_id, now
            self._history(s, row, ApprovalAction.APPROVED, note)
            trail.record(s, self.ctx, "approve", "bill", row.id, after={"state": "approved", "note": note})
        s.flush()

    def _approve(self, s: Session, row: Bill, note: str) -> None:
        if row.state is not BillState.SUBMITTED:
            raise ValidationError(f"{_name(row)} is {row.state.value}: only a submitted bill is approved")
        check_creator_may_approve(s, self.ctx, row.created_by, "bill")
        row.state, row.approved_by, row.approved_at = BillState.APPROVED, self.ctx.user_id, self.ctx.clock.now()
        self._history(s, row, ApprovalAction.APPROVED, note.strip())
        trail.record(s, self.ctx, "approve", "bill", row.id, after={"state": "approved", "note": note.strip()})
        s.flush()

    def _history(self, s: Session, row: Bill, action: ApprovalAction, note: str) -> None:
        s.add(BillApproval(bill_id=row.id, action=action, user_id=self.ctx.user_id, at=self.ctx.clock.now(), note=note))

    # ------------------------------------------------------------------ posting
    def post(
        self, bill_id: int, version: int | None = None, *, override_reason: str | None = None
    ) -> tuple[BillRef, Changes]:
        """Post an approved bill: numbered, its entry posted in the purchases journal, a credit note applied
        to the bill it credits. A likely duplicate of a posted bill needs `override_reason`."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            row = _locked(s, bill_id, version)
            if row.state is not BillState.APPROVED:
                raise ValidationError(f"{_name(row)} is {row.state.value}: only an approved bill is posted")
            ref = self._post_row(s, row, override_reason)
        return ref, Changes.of(Kind.BILLS, Kind.ENTRIES)

    def approve_and_post(
        self, bill_id: int, version: int | None = None, *, override_reason: str | None = None, note: str = ""
    ) -> tuple[BillRef, Changes]:
        """Submit (if a draft), approve (if not yet) and post in one unit of work: for automation. Needs both
        payables.bill.create and payables.bill.approve, and keeps segregation of duties."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            self.ctx.require(Permission.AP_BILL_APPROVE)
            row = _locked(s, bill_id, version)
            if row.state is BillState.DRAFT:
                self._submit(s, row)
            if row.state is BillState.SUBMITTED:
                self._approve(s, row, note or "approved and posted in one step")
            if row.state is not BillState.APPROVED:
                raise ValidationError(f"{_name(row)} is {row.state.value}: it is posted already")
            ref = self._post_row(s, row, override_reason)
        return ref, Changes.of(Kind.BILLS, Kind.ENTRIES)

    def _post_row(self, s: Session, row: Bill, override_reason: str | None) -> BillRef:
        look = BillLookups(s, Poster(s, self.ctx, self.facts, day=row.date))
        doc = prepared_of(look, row)
        if row.credited_bill_id is not None:
            doc.credited_number = s.execute(select(Bill.number).where(Bill.id == row.credited_bill_id)).scalar_one()
        found = find_duplicates(s, doc, look.settings.duplicate_days, exclude=row.id, posted_only=True)
        if found:
            reason = (override_reason or "").strip()
            if not reason:
                raise DuplicateBill(_name(row), found)
            self._history(s, row, ApprovalAction.DUPLICATE_OVERRIDE, reason)
            trail.record(s, self.ctx, "duplicate_override", "bill", row.id,
                         after={"reason": reason, "duplicates": [w.bill_id for w in found]})  # fmt: skip
        fy_id, sequence, entry = self._numbered_entries(s, look, [doc], imported=False)[0]
        now = self.ctx.clock.now()
        row.state = BillState.POSTED
        row.number = doc.number
        row.fiscal_year_id, row.sequence = fy_id, sequence
        row.entry_id = entry.id
        row.open_amount = row.total
        row.withholding_e4 = doc.vendor.withholding_e4
        row.posted_by, row.posted_at = self.ctx.user_id, now
        s.flush()
        trail.record(s, self.ctx, "post", "bill", row.id, after=_summary(doc))
        if doc.credited_number is not None:
            self._apply_to_credited(s, look, doc)
        s.refresh(row)
        return _ref(row)

    def _numbered_entries(
        self, s: Session, look: BillLookups, docs: Sequence[PreparedBill], *, imported: bool
    ) -> list[tuple[int, int, PreparedEntry]]:
        """Number the bills (per series and fiscal year, in the order given) and post their entries;
        (fiscal year id, sequence, entry) per bill."""
        poster = look.poster
        periods = []
        for k, doc in enumerate(docs):
            problem = poster.date_problem(doc.date)
            if problem:
                raise IndexedError(k, problem) if imported else ValidationError(f"date: {problem}")
            periods.append(poster.period(doc.date))
        groups: dict[tuple[str, int], list[int]] = {}
        for k, doc in enumerate(docs):
            groups.setdefault((_series(look, doc.kind), periods[k].fiscal_year_id), []).append(k)
        sequences: dict[int, int] = {}
        for (series, fy_id), members in groups.items():
            first = take_numbers(s, series, fy_id, len(members))
            for offset, k in enumerate(members):
                sequences[k] = first + offset
                docs[k].number = document_number(series, periods[k].fiscal_year_name, first + offset)
        entries = []
        for k, doc in enumerate(docs):
            credit_note = doc.kind is BillKind.CREDIT_NOTE
            what = "Vendor credit note" if credit_note else "Bill"
            invoice = f" ({doc.vendor_invoice})" if doc.vendor_invoice else ""
            entry = PreparedEntry(
                journal_id=look.settings.purchases_journal_id,
                date=doc.date,
                lines=doc.gl_lines,
                memo=f"{what} {doc.number} {doc.vendor.name}{invoice}",
                reference=doc.number or "",
                source="ap_credit_note" if credit_note else "ap_bill",
            )
            try:
                poster.check(entry)
            except ValidationError as exc:
                if imported:
                    raise IndexedError(k, str(exc)) from None
                raise
            entries.append(entry)
        poster.write(entries)
        return [(periods[k].fiscal_year_id, sequences[k], entries[k]) for k in range(len(docs))]

    def _apply_to_credited(self, s: Session, look: BillLookups, doc: PreparedBill) -> None:
        """A credit note posted against a bill settles what it can of it at once."""
        assert doc.number is not None and doc.credited_number is not None
        apply_credit(s, self.ctx, look, doc.number, doc.credited_number, None, doc.date)

    # ------------------------------------------------------------------ credit notes
    def apply_credit_note(
        self, credit_note: str, bill: str, amount: Decimal | None = None, on: date | None = None
    ) -> Changes:
        """Apply (part of) a posted vendor credit note to an open bill of the same vendor and currency;
        `amount` None: as much as both allow; `on` None: the later of the two documents' dates."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            look = BillLookups(s, Poster(s, self.ctx, self.facts))
            apply_credit(s, self.ctx, look, credit_note.strip(), bill.strip(), amount, on)
        return Changes.of(Kind.BILLS, Kind.ENTRIES)

    # ------------------------------------------------------------------ batches (imports)
    def enter_many(
        self,
        documents: Sequence[BillInput],
        *,
        post: bool = False,
        progress: Progress | None = None,
        source: str = "",
    ) -> list[BillRef]:
        """Enter many bills in one unit of work (an import): all or nothing. As drafts, or with `post`
        approved and posted at once (needs payables.bill.approve too, keeps segregation of duties, and
        refuses likely duplicates). A problem raises IndexedError naming the bill (0-based)."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            if post:
                self.ctx.require(Permission.AP_BILL_APPROVE)
            poster = Poster(s, self.ctx, self.facts)
            if post:
                check_creator_may_approve(
                    s, self.ctx, self.ctx.user_id, "bill", forbidden=poster.creator_cannot_approve
                )
            look = BillLookups(s, poster)
            look.load_all_vendors()
            prepared: list[PreparedBill] = []
            for k, data in enumerate(documents):
                try:
                    if data.credit_note:
                        raise ValidationError("an import enters bills; vendor credit notes are entered one by one")
                    prepared.append(prepare(look, data))
                except ValidationError as exc:
                    raise IndexedError(k, str(exc)) from None
                if progress is not None and k % 500 == 0:
                    progress(k, len(documents))
            if post:
                self._refuse_duplicates(s, look, prepared)
                numbered = self._numbered_entries(s, look, prepared, imported=True)
            else:
                numbered = []
            refs = self._insert(s, prepared, numbered, look, source)
        return refs

    def _refuse_duplicates(self, s: Session, look: BillLookups, docs: Sequence[PreparedBill]) -> None:
        """Set-based duplicate check of a batch against the posted bills and within itself."""
        window = look.settings.duplicate_days
        vendor_ids = {d.vendor.id for d in docs}
        invoices: dict[tuple[int, str], str] = {}
        amounts: dict[tuple[int, int], list[tuple[date, str]]] = {}
        rows = s.execute(
            select(Bill.vendor_id, Bill.number, Bill.vendor_invoice, Bill.total, Bill.date).where(
                Bill.kind == BillKind.BILL, Bill.state.in_(POSTED_STATES)
            )
        )
        for vendor_id, number, invoice, total, day in rows:
            if vendor_id not in vendor_ids:
                continue
            if invoice:
                invoices[(vendor_id, normal_invoice(invoice))] = number or ""
            amounts.setdefault((vendor_id, total), []).append((day, number or ""))
        for k, doc in enumerate(docs):
            if doc.vendor_invoice:
                key = (doc.vendor.id, normal_invoice(doc.vendor_invoice))
                if key in invoices:
                    where = invoices[key] or "in this file"
                    message = f"vendor invoice {doc.vendor_invoice} of {doc.vendor.code} is already {where}"
                    raise IndexedError(k, message + ": a likely duplicate")
                invoices[key] = ""
            for day, number in amounts.get((doc.vendor.id, doc.total), ()):
                if abs((day - doc.date).days) <= window:
                    other = number or "another bill of this file"
                    message = f"the same amount from {doc.vendor.code} within {window} days as {other} ({day})"
                    raise IndexedError(k, message + ": a likely duplicate")
            amounts.setdefault((doc.vendor.id, doc.total), []).append((doc.date, ""))

    def _insert(
        self,
        s: Session,
        docs: Sequence[PreparedBill],
        numbered: Sequence[tuple[int, int, PreparedEntry]],
        look: BillLookups,
        source: str,
    ) -> list[BillRef]:
        """Bulk insert of new bills, their lines and approval history (posted when `numbered`)."""
        posted = bool(numbered)
        now = self.ctx.clock.now()
        stored = _stored_form(s)
        at = stored(now)
        user = self.ctx.user_id
        ids = reserve_ids(s, "bills", len(docs))
        rows, lines, history = [], [], []
        state = BillState.POSTED.value if posted else BillState.DRAFT.value
        for k, (doc, bill_id) in enumerate(zip(docs, ids, strict=True)):
            doc.id = bill_id
            fy_id, sequence, entry = numbered[k] if posted else (None, None, None)
            rows.append(
                (
                    bill_id, doc.kind.value, state, doc.vendor.id, doc.number if posted else None,
                    _series(look, doc.kind), fy_id, sequence, doc.vendor_invoice, stored(doc.date),
                    stored(doc.due_date), doc.terms, stored(doc.discount_date) if doc.discount_date else None,
                    doc.discount_e4, doc.currency, rate_text(doc.rate), doc.control_account_id, doc.memo,
                    doc.net_total, doc.tax_total, doc.total, doc.base_total, doc.total if posted else 0,
                    doc.vendor.withholding_e4 if posted else 0, stored(False), entry.id if entry else None,
                    user, at, user if posted else None, at if posted else None, user if posted else None,
                    at if posted else None, user if posted else None, at if posted else None, 1,
                )
            )  # fmt: skip
            lines.extend(
                (
                    bill_id, n, ln.item_id, ln.description, ln.quantity_e4, ln.unit_price, ln.tax_code_id,
                    ln.account_id, ln.department_id, ln.project_id, ln.net, ln.tax,
                )
                for n, ln in enumerate(doc.lines, start=1)
            )  # fmt: skip
            if posted:
                history.append((bill_id, ApprovalAction.SUBMITTED.value, user, at, "imported"))
                history.append((bill_id, ApprovalAction.APPROVED.value, user, at, "imported with --post"))
        append_rows(s, "bills", BILL_COLUMNS, rows)
        append_rows(s, "bill_lines", LINE_COLUMNS, lines)
        append_rows(s, "bill_approvals", APPROVAL_COLUMNS, history)
        extra = {"file": source} if source else {}
        events = [
            trail.Event(now, user, self.ctx.username, self.ctx.host, "post" if posted else "create", "bill",
                        str(doc.id), None, json.dumps(_summary(doc) | extra, sort_keys=True))
            for doc in docs
        ]  # fmt: skip
        trail.record_many(s, events)
        new_state = BillState.POSTED if posted else BillState.DRAFT
        return [
            BillRef(doc.id or 0, 1, new_state, doc.number if posted else None, numbered[k][2].id if posted else None)
            for k, doc in enumerate(docs)
        ]

    # ------------------------------------------------------------------ recurring bills
    def save_recurring(
        self, data: RecurringBillInput, recurring_id: int | None = None, version: int | None = None
    ) -> tuple[int, Changes]:
        """Add (or, with its id, update) a recurring bill template; its lines must make a bill."""
        with self._unit(Permission.AP_BILL_CREATE) as s:
            look = BillLookups(s, Poster(s, self.ctx, self.facts))
            name = data.name.strip()
            if not name:
                raise ValidationError("name: a recurring bill needs a name")
            try:
                frequency = Frequency(data.frequency)
            except ValueError:
                raise ValidationError(f"frequency: '{data.frequency}' is not monthly, quarterly or yearly") from None
            if data.end_date is not None and data.end_date < data.next_date:
                raise ValidationError(f"end date: {data.end_date} is before the next date {data.next_date}")
            doc = prepare(look, BillInput(data.vendor, data.next_date, data.lines, memo=data.memo))
            clash = s.execute(select(RecurringBill.id).where(RecurringBill.name == name)).scalar()
            if clash is not None and clash != recurring_id:
                raise ValidationError(f"name: a recurring bill named '{name}' already exists")
            before = None
            if recurring_id is None:
                row = RecurringBill()
                s.add(row)
            else:
                found = s.get(RecurringBill, recurring_id, with_for_update=True)
                if found is None:
                    raise NotFoundError(f"recurring bill {recurring_id} does not exist")
                if version is not None and found.version != version:
                    raise trail.stale(s, f"recurring bill {found.name}", "recurring_bill", recurring_id)
                row = found
                before = {"name": row.name, "next_date": row.next_date, "is_active": row.is_active}
            row.name = name
            row.vendor_id = doc.vendor.id
            row.frequency = frequency.value
            row.next_date = data.next_date
            row.end_date = data.end_date
            row.memo = data.memo.strip()
            row.is_active = data.is_active
            row.lines_json = json.dumps([_json_ready(asdict(line)) for line in data.lines])
            s.flush()
            trail.record(s, self.ctx, "update" if recurring_id else "create", "recurring_bill", row.id, before=before,
                         after={"name": name, "vendor": doc.vendor.code, "next_date": data.next_date,
                                "frequency": frequency.value, "total": doc.total})  # fmt: skip
            new_id = row.id
        return new_id, Changes.of(Kind.BILLS)

    def generate_due(self, day: date, *, submit: bool = False) -> tuple[list[BillRef], Changes]:
        """Raise a draft (or, with `submit`, a submitted) bill for every recurring bill due by `day` (several
        per template if it fell behind), advancing each template's next date; all in one unit of work."""
        refs: list[BillRef] = []
        with self._unit(Permission.AP_BILL_CREATE) as s:
            look = BillLookups(s, Poster(s, self.ctx, self.facts))
            templates = (
                s.execute(
                    select(RecurringBill)
                    .where(RecurringBill.is_active, RecurringBill.next_date <= day)
                    .order_by(RecurringBill.next_date, RecurringBill.id)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for template in templates:
                vendor = look.vendor_by_id(template.vendor_id)
                lines = tuple(line_from_json(v) for v in json.loads(template.lines_json))
                frequency = Frequency(template.frequency)
                while template.next_date <= day and (
                    template.end_date is None or template.next_date <= template.end_date
                ):
                    memo = template.memo or template.name
                    try:
                        doc = prepare(look, BillInput(vendor.code, template.next_date, lines, memo=memo))
                    except ValidationError as exc:
                        raise ValidationError(f"recurring bill '{template.name}': {exc}") from None
                    row = Bill(kind=doc.kind, state=BillState.DRAFT, series=_series(look, doc.kind),
                               created_by=self.ctx.user_id, created_at=self.ctx.clock.now(),
                               recurring_id=template.id)  # fmt: skip
                    _fill(row, doc)
                    s.add(row)
                    s.flush()
                    trail.record(s, self.ctx, "create", "bill", row.id,
                                 after=_summary(doc) | {"recurring": template.name})  # fmt: skip
                    if submit:
                        self._submit(s, row)
                    refs.append(_ref(row))
                    template.next_date = add_months(template.next_date, frequency.months)
                if template.end_date is not None and template.next_date > template.end_date:
                    template.is_active = False
            s.flush()
        return refs, Changes.of(Kind.BILLS) if refs else Changes()


# ---------------------------------------------------------------------------------------------- helpers


def find_duplicates(
    s: Session, doc: PreparedBill, window: int, *, exclude: int | None, posted_only: bool
) -> list[DuplicateWarning]:
    """Bills of the same vendor and kind with the same vendor invoice number (spaces and case ignored),
    or the same total within `window` days of the bill's date; `posted_only`: posted bills only (what
    posting is refused for), else every other bill, drafts included (what the editor warns about)."""
    normal = normal_invoice(doc.vendor_invoice)
    same_invoice = func.lower(func.replace(Bill.vendor_invoice, " ", "")) == normal
    same_amount = and_(
        Bill.total == doc.total,
        Bill.date >= doc.date - timedelta(days=window),
        Bill.date <= doc.date + timedelta(days=window),
    )
    stmt = select(Bill).where(
        Bill.vendor_id == doc.vendor.id,
        Bill.kind == doc.kind,
        Bill.id != (exclude or 0),
        or_(same_amount, and_(Bill.vendor_invoice != "", same_invoice)) if normal else same_amount,
    )
    if posted_only:
        stmt = stmt.where(Bill.state.in_(POSTED_STATES))
    found = []
    for row in s.execute(stmt.order_by(Bill.date, Bill.id)).scalars():
        if normal and normal_invoice(row.vendor_invoice) == normal:
            reason = "same vendor invoice number"
        elif row.total == doc.total and row.currency == doc.currency:
            reason = f"same amount within {window} days"
        else:
            continue
        found.append(
            DuplicateWarning(
                row.id, row.number, row.state, row.vendor_invoice, row.date,
                from_minor(row.total, currency_exponent(row.currency)), row.currency, reason,
            )
        )  # fmt: skip
    return found


def _base_exponent(s: Session) -> int:
    return currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())


def _series(look: BillLookups, kind: BillKind) -> str:
    return look.settings.credit_note_series if kind is BillKind.CREDIT_NOTE else look.settings.bill_series


def _name(row: Bill) -> str:
    what = "vendor credit note" if row.kind is BillKind.CREDIT_NOTE else "bill"
    return row.number or f"{what} {row.id}"


def _ref(row: Bill) -> BillRef:
    return BillRef(row.id, row.version, row.state, row.number, row.entry_id)


def _locked(s: Session, bill_id: int, version: int | None) -> Bill:
    """The bill, row-locked (PostgreSQL) and checked against the version the caller saw."""
    row = s.get(Bill, bill_id, with_for_update=True, populate_existing=True)
    if row is None or row.kind is BillKind.EXPENSE_CLAIM:
        if version is not None:
            raise trail.stale(s, f"bill {bill_id}", "bill", bill_id, verb="deleted")
        raise NotFoundError(f"bill {bill_id} does not exist")
    if version is not None and row.version != version:
        raise trail.stale(s, _name(row), "bill", bill_id)
    return row


def _editable(s: Session, bill_id: int, version: int | None) -> Bill:
    row = _locked(s, bill_id, version)
    if row.state is not BillState.DRAFT:
        if row.state in POSTED_STATES:
            raise ValidationError(f"{_name(row)} is posted: it is never edited; enter a vendor credit note instead")
        raise ValidationError(f"{_name(row)} is {row.state.value}: reject it back to a draft to change it")
    return row


def _credited(s: Session, data: BillInput, doc: PreparedBill) -> None:
    if not data.credits:
        return
    bill = s.execute(
        select(Bill).where(Bill.number == data.credits.strip(), Bill.kind == BillKind.BILL)
    ).scalar_one_or_none()
    if bill is None:
        raise ValidationError(f"credits: bill {data.credits} does not exist (or is not posted)")
    if bill.vendor_id != doc.vendor.id or bill.currency != doc.currency:
        raise ValidationError(f"credits: a credit note for {bill.number} is from the same vendor in {bill.currency}")
    doc.credited_bill_id, doc.credited_number = bill.id, bill.number


def _fill(row: Bill, doc: PreparedBill) -> None:
    row.vendor_id = doc.vendor.id
    row.vendor_invoice = doc.vendor_invoice
    row.date = doc.date
    row.due_date = doc.due_date
    row.terms = doc.terms
    row.discount_date = doc.discount_date
    row.discount_e4 = doc.discount_e4
    row.currency = doc.currency
    row.rate = rate_text(doc.rate)
    row.control_account_id = doc.control_account_id
    row.memo = doc.memo
    row.net_total = doc.net_total
    row.tax_total = doc.tax_total
    row.total = doc.total
    row.base_total = doc.base_total
    row.open_amount = 0
    row.credited_bill_id = doc.credited_bill_id
    row.lines = [BillLine(**ln.stored(n)) for n, ln in enumerate(doc.lines, start=1)]


def _stored_form(s: Session) -> Callable[[Any], Any]:
    """A value as the engine stores it (SQLite's text forms computed once per distinct value)."""
    if is_postgres(s):
        return lambda value: value
    memo: dict[Any, Any] = {}

    def stored(value: Any) -> Any:
        found = memo.get(value)
        if found is None:
            found = memo[value] = sqlite_value(value)
        return found

    return stored


def _summary(doc: PreparedBill) -> dict[str, Any]:
    return {
        "kind": doc.kind.value,
        "number": doc.number,
        "vendor": doc.vendor.code,
        "vendor_invoice": doc.vendor_invoice,
        "date": doc.date.isoformat(),
        "currency": doc.currency,
        "total": doc.total,
        "base_total": doc.base_total,
    }


def line_from_json(values: dict[str, Any]) -> BillLineInput:
    """A recurring bill's stored line (lines_json) back as the input it was saved from."""
    decimals = ("quantity", "unit_price")
    return BillLineInput(**{k: (Decimal(v) if k in decimals and v is not None else v) for k, v in values.items()})


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=str))
