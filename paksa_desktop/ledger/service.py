"""General ledger use cases: the only code that changes ledger data.

Each public method is one unit of work: it checks a named permission, does its change, writes an
audit row and commits, or leaves no trace. It returns plain values and a `Changes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, is_currency, to_minor
from paksa_desktop.core.periods import add_months, month_end
from paksa_desktop.ledger.commands import (
    AccountInput,
    EntryInput,
    EntryRef,
    LineInput,
    RecurringInput,
    RecurringRun,
)
from paksa_desktop.ledger.models import (
    Account,
    AccountSubtype,
    AccountType,
    CompanySettings,
    Department,
    DraftLine,
    EntryState,
    FiscalYear,
    Frequency,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
    PeriodState,
    Project,
    RecurringLine,
    RecurringTemplate,
)
from paksa_desktop.ledger.posting import (
    Poster,
    PostingFacts,
    PreparedEntry,
    PreparedLine,
    ensure_fiscal_year,
    line_of,
)
from paksa_desktop.ledger.statement_models import BudgetAmount
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission
from paksa_desktop.security.service import check_creator_may_approve


def _account_values(account: Account) -> dict[str, Any]:
    return {
        "code": account.code,
        "name": account.name,
        "type": account.type.value,
        "subtype": account.subtype.value,
        "currency": account.currency,
        "parent_id": account.parent_id,
        "is_active": account.is_active,
        "description": account.description,
    }


LOGO_LIMIT = 2 * 1024 * 1024


@retry_writes
class LedgerService(GuardedService):
    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts  # the company's chart and journals between postings (see PostingFacts)

    # ------------------------------------------------------------------ accounts
    def create_account(self, data: AccountInput) -> Changes:
        with self._unit(Permission.ACCOUNT_MANAGE) as s:
            account = self._new_account(s, data)
            trail.record(s, self.ctx, "create", "account", account.code, after=_account_values(account))
        return Changes.of(Kind.ACCOUNTS)

    def import_accounts(self, rows: Sequence[AccountInput]) -> Changes:
        """Create many accounts at once (parents may be earlier rows); all or nothing."""
        with self._unit(Permission.ACCOUNT_MANAGE) as s:
            for data in rows:
                self._new_account(s, data)
            trail.record(s, self.ctx, "import", "account", after={"accounts": len(rows)})
        return Changes.of(Kind.ACCOUNTS)

    def _new_account(self, s: Session, data: AccountInput) -> Account:
        code = data.code.strip()
        if not code or not data.name.strip():
            raise ValidationError("an account needs a code and a name")
        if s.execute(select(Account.id).where(Account.code == code)).first():
            raise ValidationError(f"account code {code} already exists")
        settings = s.execute(select(CompanySettings)).scalar_one()
        currency = (data.currency or settings.base_currency).upper()
        if not is_currency(currency):
            raise ValidationError(f"unknown currency '{currency}'")
        parent_id = None
        if data.parent:
            parent = s.execute(select(Account).where(Account.code == data.parent)).scalar_one_or_none()
            if parent is None:
                raise ValidationError(f"parent account {data.parent} does not exist")
            if parent.type != data.type:
                raise ValidationError(
                    f"account {code} is {data.type.value} but its parent {parent.code} is {parent.type.value}"
                )
            if s.execute(select(exists().where(JournalLine.account_id == parent.id))).scalar():
                raise ValidationError(f"account {parent.code} already has postings and cannot become a parent")
            parent_id = parent.id
        account = Account(
            code=code,
            name=data.name.strip(),
            type=data.type,
            subtype=data.subtype,
            currency=currency,
            parent_id=parent_id,
            is_active=True,
            description=data.description,
        )
        s.add(account)
        s.flush()
        return account

    def update_account(
        self,
        code: str,
        *,
        name: str | None = None,
        subtype: AccountSubtype | None = None,
        description: str | None = None,
        is_active: bool | None = None,
        expected_version: int | None = None,
    ) -> Changes:
        with self._unit(Permission.ACCOUNT_MANAGE) as s:
            account = self._account(s, code, lock=True)
            if expected_version is not None and account.version != expected_version:
                raise trail.stale(s, f"account {code}", "account", code)
            before = _account_values(account)
            if name is not None:
                if not name.strip():
                    raise ValidationError("an account needs a name")
                account.name = name.strip()
            if subtype is not None:
                account.subtype = subtype
            if description is not None:
                account.description = description
            if is_active is not None:
                account.is_active = is_active
            s.flush()
            old, new = trail.field_diff(before, _account_values(account))
            if new:
                trail.record(s, self.ctx, "update", "account", code, before=old, after=new)
        return Changes.of(Kind.ACCOUNTS)

    def delete_account(self, code: str) -> Changes:
        """Only an account nothing refers to can go; otherwise deactivate it."""
        with self._unit(Permission.ACCOUNT_MANAGE) as s:
            account = self._account(s, code)
            used = (
                s.execute(select(exists().where(JournalLine.account_id == account.id))).scalar()
                or s.execute(select(exists().where(DraftLine.account_id == account.id))).scalar()
                or s.execute(select(exists().where(RecurringLine.account_id == account.id))).scalar()
            )
            if used:
                raise ValidationError(f"account {code} has postings or drafts; deactivate it instead")
            if s.execute(select(exists().where(BudgetAmount.account_id == account.id))).scalar():
                raise ValidationError(f"account {code} has budget amounts; deactivate it instead")
            if s.execute(select(exists().where(Account.parent_id == account.id))).scalar():
                raise ValidationError(f"account {code} has sub-accounts; delete or move them first")
            trail.record(s, self.ctx, "delete", "account", code, before=_account_values(account))
            s.delete(account)
        return Changes.of(Kind.ACCOUNTS)

    @staticmethod
    def _account(s: Session, code: str, *, lock: bool = False) -> Account:
        query = select(Account).where(Account.code == code)
        if lock:  # held until commit: a concurrent edit waits, then sees the new version
            query = query.with_for_update().execution_options(populate_existing=True)
        account = s.execute(query).scalar_one_or_none()
        if account is None:
            raise NotFoundError(f"unknown account '{code}'")
        return account

    # ------------------------------------------------------------------ dimensions and journals
    def create_department(self, code: str, name: str) -> Changes:
        return self._create_coded(Department, "department", code, name, Permission.DIMENSION_MANAGE, Kind.DIMENSIONS)

    def create_project(self, code: str, name: str) -> Changes:
        return self._create_coded(Project, "project", code, name, Permission.DIMENSION_MANAGE, Kind.DIMENSIONS)

    def create_journal(self, code: str, name: str, kind: str = "general") -> Changes:
        with self._unit(Permission.JOURNAL_MANAGE) as s:
            self._check_new_code(s, Journal, "journal", code, name)
            s.add(Journal(code=code.strip(), name=name.strip(), kind=kind, is_active=True))
            trail.record(s, self.ctx, "create", "journal", code, after={"name": name, "kind": kind})
        return Changes.of(Kind.JOURNALS)

    def set_department_active(self, code: str, active: bool) -> Changes:
        return self._set_coded_active(
            Department, "department", code, active, Permission.DIMENSION_MANAGE, Kind.DIMENSIONS
        )

    def set_project_active(self, code: str, active: bool) -> Changes:
        return self._set_coded_active(Project, "project", code, active, Permission.DIMENSION_MANAGE, Kind.DIMENSIONS)

    def set_journal_active(self, code: str, active: bool) -> Changes:
        return self._set_coded_active(Journal, "journal", code, active, Permission.JOURNAL_MANAGE, Kind.JOURNALS)

    def _set_coded_active(
        self, model: Any, label: str, code: str, active: bool, permission: Permission, kind: Kind
    ) -> Changes:
        """Deactivate (no new postings, history kept) or reactivate a department, project or journal."""
        with self._unit(permission) as s:
            record = s.execute(select(model).where(model.code == code)).scalar_one_or_none()
            if record is None:
                raise NotFoundError(f"unknown {label} '{code}'")
            if record.is_active != active:
                record.is_active = active
                trail.record(
                    s, self.ctx, "update", label, code, before={"is_active": not active}, after={"is_active": active}
                )
        return Changes.of(kind)

    def _create_coded(
        self,
        model: type[Department] | type[Project],
        label: str,
        code: str,
        name: str,
        permission: Permission,
        kind: Kind,
    ) -> Changes:
        with self._unit(permission) as s:
            self._check_new_code(s, model, label, code, name)
            s.add(model(code=code.strip(), name=name.strip(), is_active=True))
            trail.record(s, self.ctx, "create", label, code, after={"name": name})
        return Changes.of(kind)

    @staticmethod
    def _check_new_code(s: Session, model: Any, label: str, code: str, name: str) -> None:
        if not code.strip() or not name.strip():
            raise ValidationError(f"a {label} needs a code and a name")
        if s.execute(select(model.id).where(model.code == code.strip())).first():
            raise ValidationError(f"{label} code {code} already exists")

    # ------------------------------------------------------------------ entries
    def _prepare(self, poster: Poster, data: EntryInput, *, source: str = "manual") -> PreparedEntry:
        journal_id, _code = poster.journal(data.journal)
        lines = tuple(self._prepare_line(poster, line) for line in data.lines)
        return PreparedEntry(
            journal_id=journal_id,
            date=data.date,
            lines=lines,
            memo=data.memo,
            reference=data.reference,
            source=source,
            auto_reverse=data.auto_reverse,
        )

    @staticmethod
    def _prepare_line(poster: Poster, line: LineInput) -> PreparedLine:
        info = poster.accounts.get(line.account.strip())
        if info is None:
            raise ValidationError(f"unknown account '{line.account}'")
        if line.debit < 0 or line.credit < 0:
            raise ValidationError(f"account {info.code}: amounts must not be negative")
        if line.debit and line.credit:
            raise ValidationError(f"account {info.code}: a line takes a debit or a credit, not both")
        department_id = project_id = None
        if line.department:
            department_id = poster.department_id(line.department)
            if department_id is None:
                raise ValidationError(f"unknown department '{line.department}'")
        if line.project:
            project_id = poster.project_id(line.project)
            if project_id is None:
                raise ValidationError(f"unknown project '{line.project}'")
        try:
            amount = to_minor(line.amount, poster.exponent)
        except ValidationError:
            raise ValidationError(
                f"account {info.code}: {line.amount} has more than {poster.exponent} "
                f"decimal places for {poster.base_currency}"
            ) from None
        currency = units = None
        if line.currency or line.amount_cur is not None:
            currency = (line.currency or "").strip().upper()
            if not currency:
                raise ValidationError(f"account {info.code}: a foreign amount needs its currency")
            if line.amount_cur is None:
                raise ValidationError(f"account {info.code}: a line in {currency} needs its amount in {currency}")
            if line.amount_cur < 0:
                raise ValidationError(
                    f"account {info.code}: the {currency} amount must not be negative (it takes the line's side)"
                )
            try:
                exponent = currency_exponent(currency)
                units = to_minor(line.amount_cur, exponent)
            except ValidationError as exc:
                raise ValidationError(f"account {info.code}: {currency} amount {line.amount_cur}: {exc}") from None
            if amount < 0:
                units = -units
        return PreparedLine(info.id, amount, line.memo, department_id, project_id, currency, units)

    def save_draft(
        self, data: EntryInput, entry_id: int | None = None, expected_version: int | None = None
    ) -> tuple[EntryRef, Changes]:
        """Create or replace a draft. Drafts may be unbalanced; lines must name real accounts."""
        with self._unit(Permission.ENTRY_CREATE) as s:
            poster = Poster(s, self.ctx, self.facts)
            prepared = self._prepare(poster, data)
            now = self.ctx.clock.now()
            if entry_id is None:
                entry = JournalEntry(
                    journal_id=prepared.journal_id,
                    state=EntryState.DRAFT,
                    date=data.date,
                    memo=data.memo,
                    reference=data.reference,
                    auto_reverse=data.auto_reverse,
                    total=prepared.total,
                    created_by=self.ctx.user_id,
                    created_at=now,
                    source="manual",
                )
                s.add(entry)
                s.flush()
                action = "create"
            else:
                entry = self._draft(s, entry_id, expected_version)
                entry.journal_id = prepared.journal_id
                entry.date = data.date
                entry.memo = data.memo
                entry.reference = data.reference
                entry.auto_reverse = data.auto_reverse
                entry.total = prepared.total
                entry.updated_by = self.ctx.user_id
                entry.updated_at = now
                s.execute(delete(DraftLine).where(DraftLine.entry_id == entry.id))
                action = "update"
            _add_draft_lines(s, entry.id, prepared.lines)
            s.flush()
            trail.record(s, self.ctx, action, "journal_entry", entry.id, after=_entry_summary(data))
            ref = EntryRef(entry.id, entry.version)
        return ref, Changes.of(Kind.ENTRIES)

    def _draft(self, s: Session, entry_id: int, expected_version: int | None) -> JournalEntry:
        """The draft, row-locked until commit: a second save, post or delete of it waits, then sees ours.

        With `expected_version` (what the caller read), a newer version, a posting or a deletion by
        someone else meanwhile is a ConflictError naming who and when (from the audit trail).
        """
        entry = s.get(JournalEntry, entry_id, with_for_update=True, populate_existing=True)
        if entry is None:
            if expected_version is not None:
                raise trail.stale(s, f"draft entry {entry_id}", "journal_entry", entry_id, verb="deleted")
            raise NotFoundError(f"journal entry {entry_id} does not exist")
        if expected_version is not None and entry.version != expected_version:
            if entry.state is not EntryState.DRAFT:
                what = f"draft entry of {entry.date} (now {entry.number or entry.state.value})"
                raise trail.stale(s, what, "journal_entry", entry_id, verb=entry.state.value)
            raise trail.stale(s, f"draft entry of {entry.date}", "journal_entry", entry_id)
        if entry.state is not EntryState.DRAFT:
            raise ValidationError(
                f"entry {entry.number or entry_id} is {entry.state.value}; "
                "posted entries cannot be changed, reverse them instead"
            )
        return entry

    def delete_draft(self, entry_id: int, expected_version: int | None = None) -> Changes:
        with self._unit(Permission.ENTRY_CREATE) as s:
            entry = self._draft(s, entry_id, expected_version)
            trail.record(
                s, self.ctx, "delete", "journal_entry", entry_id, before={"date": entry.date, "memo": entry.memo}
            )
            s.execute(delete(DraftLine).where(DraftLine.entry_id == entry_id))
            s.delete(entry)
        return Changes.of(Kind.ENTRIES)

    def post(self, data: EntryInput, *, source: str = "manual") -> tuple[EntryRef, Changes]:
        """Create and post an entry in one step."""
        with self._unit(Permission.ENTRY_POST) as s:
            poster = Poster(s, self.ctx, self.facts, day=data.date)  # reads the policy too
            check_creator_may_approve(  # creating it here
                s, self.ctx, self.ctx.user_id, "entry", forbidden=poster.creator_cannot_approve
            )
            prepared = self._prepare(poster, data, source=source)
            ref = self._post_prepared(s, poster, prepared)
        return ref, Changes.of(Kind.ENTRIES)

    def post_draft(self, entry_id: int, expected_version: int | None = None) -> tuple[EntryRef, Changes]:
        with self._unit(Permission.ENTRY_POST) as s:
            entry = self._draft(s, entry_id, expected_version)
            check_creator_may_approve(s, self.ctx, entry.created_by, "draft entry")
            lines = (
                s.execute(select(DraftLine).where(DraftLine.entry_id == entry_id).order_by(DraftLine.line_no))
                .scalars()
                .all()
            )
            poster = Poster(s, self.ctx, self.facts)
            prepared = PreparedEntry(
                journal_id=entry.journal_id,
                date=entry.date,
                memo=entry.memo,
                reference=entry.reference,
                source=entry.source,
                auto_reverse=entry.auto_reverse,
                id=entry.id,
                lines=[line_of(ln) for ln in lines],
            )
            s.expunge(entry)  # the poster updates the row itself
            s.execute(delete(DraftLine).where(DraftLine.entry_id == entry_id))
            ref = self._post_prepared(s, poster, prepared)
        return ref, Changes.of(Kind.ENTRIES)

    def _post_prepared(self, s: Session, poster: Poster, prepared: PreparedEntry) -> EntryRef:
        poster.check(prepared)
        was_draft = prepared.id is not None
        poster.write([prepared])
        assert prepared.id is not None
        trail.record(
            s,
            self.ctx,
            "post",
            "journal_entry",
            prepared.id,
            after={"number": prepared.number, "date": prepared.date, "total": prepared.total},
        )
        reversal_id = None
        if prepared.auto_reverse:
            period_end = s.execute(
                select(Period.end_date).where(Period.start_date <= prepared.date, Period.end_date >= prepared.date)
            ).scalar_one()
            reversal_id = self._write_reversal(
                s, poster, prepared.id, period_end + timedelta(days=1), f"Auto-reversal of {prepared.number}"
            )
        version = 1  # a new entry is written with version 1 (posting.py); a posted draft moved on
        if was_draft or reversal_id is not None:
            version = s.execute(select(JournalEntry.version).where(JournalEntry.id == prepared.id)).scalar_one()
        return EntryRef(prepared.id, version, prepared.number, reversal_id)

    def reverse(self, entry_id: int, on: date | None = None, memo: str | None = None) -> tuple[EntryRef, Changes]:
        """Post the mirror image of a posted entry and link the two; the original stays as it was."""
        with self._unit(Permission.ENTRY_REVERSE) as s:
            # Locked first: a second reversal of the same entry waits here, then finds it reversed.
            original = s.get(JournalEntry, entry_id, with_for_update=True, populate_existing=True)
            if original is None:
                raise NotFoundError(f"journal entry {entry_id} does not exist")
            if original.state is EntryState.DRAFT:
                raise ValidationError("a draft is not posted; delete it instead of reversing it")
            if original.state is EntryState.REVERSED or original.reversed_by_id is not None:
                raise ValidationError(f"entry {original.number} is already reversed")
            if original.reversal_of_id is not None:
                raise ValidationError(f"entry {original.number} is itself a reversal; post a new entry instead")
            number = original.number
            poster = Poster(s, self.ctx, self.facts)
            reversal_id = self._write_reversal(
                s, poster, entry_id, on or original.date, memo or f"Reversal of {number}"
            )
            number_of_reversal = s.execute(
                select(JournalEntry.number).where(JournalEntry.id == reversal_id)
            ).scalar_one()
            version = s.execute(select(JournalEntry.version).where(JournalEntry.id == reversal_id)).scalar_one()
        return EntryRef(reversal_id, version, number_of_reversal), Changes.of(Kind.ENTRIES)

    def _write_reversal(self, s: Session, poster: Poster, entry_id: int, on: date, memo: str) -> int:
        original = s.execute(
            select(JournalEntry.journal_id, JournalEntry.number, JournalEntry.reference).where(
                JournalEntry.id == entry_id
            )
        ).one()
        lines = (
            s.execute(select(JournalLine).where(JournalLine.entry_id == entry_id).order_by(JournalLine.line_no))
            .scalars()
            .all()
        )
        reversal = PreparedEntry(
            journal_id=original.journal_id,
            date=on,
            memo=memo,
            reference=original.number or "",
            source="reversal",
            reversal_of_id=entry_id,
            lines=[line_of(ln).negated() for ln in lines],
        )
        poster.check(reversal)
        poster.write([reversal])
        entry = s.get(JournalEntry, entry_id)
        assert entry is not None
        s.refresh(entry)
        entry.state = EntryState.REVERSED
        entry.reversed_by_id = reversal.id
        s.flush()
        trail.record(
            s,
            self.ctx,
            "reverse",
            "journal_entry",
            entry_id,
            before={"state": "posted"},
            after={"state": "reversed", "reversal": reversal.number},
        )
        assert reversal.id is not None
        return reversal.id

    # ------------------------------------------------------------------ periods
    def ensure_fiscal_year(self, day: date) -> Changes:
        with self._unit(Permission.PERIOD_CLOSE) as s:
            settings = s.execute(select(CompanySettings)).scalar_one()
            year = ensure_fiscal_year(s, day, settings.fiscal_year_start_month)
            trail.record(s, self.ctx, "create", "fiscal_year", year.name)
        return Changes.of(Kind.PERIODS)

    def close_period(self, period_id: int) -> Changes:
        return self._set_period_state(period_id, PeriodState.CLOSED, Permission.PERIOD_CLOSE)

    def reopen_period(self, period_id: int) -> Changes:
        return self._set_period_state(period_id, PeriodState.OPEN, Permission.PERIOD_REOPEN)

    def _set_period_state(self, period_id: int, state: PeriodState, permission: Permission) -> Changes:
        with self._unit(permission) as s:
            period = s.get(Period, period_id)
            if period is None:
                raise NotFoundError(f"period {period_id} does not exist")
            if period.state is state:
                raise ValidationError(f"period {period.start_date:%Y-%m} is already {state.value}")
            before = period.state.value
            period.state = state
            trail.record(
                s,
                self.ctx,
                "close" if state is PeriodState.CLOSED else "reopen",
                "period",
                f"{period.start_date:%Y-%m}",
                before={"state": before},
                after={"state": state.value},
            )
        return Changes.of(Kind.PERIODS)

    def set_lock_date(self, lock_date: date | None) -> Changes:
        """Nothing can be posted on or before the lock date, whatever the period states say."""
        with self._unit(Permission.LOCK_DATE_SET) as s:
            settings = s.execute(select(CompanySettings)).scalar_one()
            before = settings.lock_date
            settings.lock_date = lock_date
            trail.record(
                s, self.ctx, "update", "lock_date", "", before={"lock_date": before}, after={"lock_date": lock_date}
            )
        return Changes.of(Kind.PERIODS, Kind.COMPANY)

    def set_company_logo(self, image: bytes | None) -> Changes:
        """The logo printed at the top of reports: a PNG or JPEG up to 2 MB (None removes it)."""
        if image is not None:
            if not (image.startswith(b"\x89PNG\r\n\x1a\n") or image.startswith(b"\xff\xd8\xff")):
                raise ValidationError("the logo must be a PNG or JPEG image")
            if len(image) > LOGO_LIMIT:
                raise ValidationError(f"the logo is {len(image):,} bytes; the limit is {LOGO_LIMIT:,}")
        with self._unit(Permission.COMPANY_MANAGE) as s:
            settings = s.execute(select(CompanySettings)).scalar_one()
            had = settings.logo is not None
            settings.logo = image
            after = {"logo": f"{len(image):,} bytes" if image is not None else "removed"}
            trail.record(
                s, self.ctx, "update", "company", settings.name, before={"logo": "set" if had else ""}, after=after
            )
        return Changes.of(Kind.COMPANY)

    def close_year(self, fiscal_year_id: int, *, journal: str = "GEN") -> tuple[EntryRef | None, Changes]:
        """Post the closing entry moving the year's income and expense into retained earnings."""
        with self._unit(Permission.PERIOD_CLOSE) as s:
            year = s.get(FiscalYear, fiscal_year_id)
            if year is None:
                raise NotFoundError(f"fiscal year {fiscal_year_id} does not exist")
            retained = (
                s.execute(select(Account).where(Account.subtype == AccountSubtype.RETAINED_EARNINGS, Account.is_active))
                .scalars()
                .first()
            )
            if retained is None:
                raise ValidationError("no active account with subtype 'retained_earnings' to close the year into")
            balances = s.execute(
                select(JournalLine.account_id, func.sum(JournalLine.amount))
                .join(Account, Account.id == JournalLine.account_id)
                .where(
                    Account.type.in_([AccountType.INCOME, AccountType.EXPENSE]),
                    JournalLine.date >= year.start_date,
                    JournalLine.date <= year.end_date,
                )
                .group_by(JournalLine.account_id)
            ).all()
            lines = [
                PreparedLine(account_id, -int(total), f"Close {year.name}") for account_id, total in balances if total
            ]
            if not lines:
                return None, Changes()
            # the balancing line: a profit (net credit on income/expense) is credited to retained earnings;
            # none when income and expenses cancel out exactly (a zero line is not a line)
            result = -sum(line.amount for line in lines)
            if result:
                lines.append(PreparedLine(retained.id, result, f"Net result {year.name}"))
            poster = Poster(s, self.ctx, self.facts)
            journal_id, _ = poster.journal(journal)
            prepared = PreparedEntry(
                journal_id=journal_id,
                date=year.end_date,
                lines=lines,
                memo=f"Year-end closing {year.name}",
                source="closing",
            )
            ref = self._post_prepared(s, poster, prepared)
        return ref, Changes.of(Kind.ENTRIES)

    # ------------------------------------------------------------------ recurring entries
    def save_recurring(self, data: RecurringInput, template_id: int | None = None) -> tuple[int, Changes]:
        with self._unit(Permission.RECURRING_MANAGE) as s:
            if not data.name.strip():
                raise ValidationError("a recurring entry needs a name")
            if not data.lines:
                raise ValidationError("a recurring entry needs lines")
            poster = Poster(s, self.ctx, self.facts)
            journal_id, _ = poster.journal(data.journal)
            lines = [self._prepare_line(poster, line) for line in data.lines]
            if data.post and sum(line.amount for line in lines):
                raise ValidationError("a recurring entry that posts must balance")
            if template_id is None:
                if s.execute(select(RecurringTemplate.id).where(RecurringTemplate.name == data.name)).first():
                    raise ValidationError(f"a recurring entry named '{data.name}' already exists")
                template = RecurringTemplate(name=data.name)
                s.add(template)
            else:
                found = s.get(RecurringTemplate, template_id)
                if found is None:
                    raise NotFoundError(f"recurring entry {template_id} does not exist")
                template = found
            template.name = data.name.strip()
            template.journal_id = journal_id
            template.frequency = data.frequency
            template.next_date = data.next_date
            template.anchor_day = data.next_date.day
            template.end_date = data.end_date
            template.post = data.post
            template.memo = data.memo
            template.is_active = data.is_active
            template.lines = [
                RecurringLine(
                    line_no=n,
                    account_id=ln.account_id,
                    amount=ln.amount,
                    memo=ln.memo,
                    department_id=ln.department_id,
                    project_id=ln.project_id,
                )
                for n, ln in enumerate(lines, start=1)
            ]
            s.flush()
            trail.record(
                s,
                self.ctx,
                "create" if template_id is None else "update",
                "recurring",
                template.id,
                after={"name": data.name, "frequency": data.frequency.value, "next_date": data.next_date},
            )
            new_id = template.id
        return new_id, Changes.of(Kind.RECURRING)

    def delete_recurring(self, template_id: int) -> Changes:
        with self._unit(Permission.RECURRING_MANAGE) as s:
            template = s.get(RecurringTemplate, template_id)
            if template is None:
                raise NotFoundError(f"recurring entry {template_id} does not exist")
            trail.record(s, self.ctx, "delete", "recurring", template_id, before={"name": template.name})
            s.delete(template)
        return Changes.of(Kind.RECURRING)

    def run_recurring(self, as_of: date) -> tuple[RecurringRun, Changes]:
        """Generate every occurrence due on or before `as_of`, as drafts or posted entries."""
        with self._unit(Permission.RECURRING_MANAGE) as s:
            self.ctx.require(Permission.ENTRY_CREATE)
            poster = Poster(s, self.ctx, self.facts)
            created: list[int] = []
            posted = 0
            templates = (
                s.execute(
                    select(RecurringTemplate)
                    .where(RecurringTemplate.is_active, RecurringTemplate.next_date <= as_of)
                    .order_by(RecurringTemplate.id)
                )
                .scalars()
                .all()
            )
            for template in templates:
                if template.post:
                    self.ctx.require(Permission.ENTRY_POST)
                occurrence = 0
                while template.next_date <= as_of and (
                    template.end_date is None or template.next_date <= template.end_date
                ):
                    day = template.next_date
                    lines = [
                        PreparedLine(ln.account_id, ln.amount, ln.memo, ln.department_id, ln.project_id)
                        for ln in template.lines
                    ]
                    memo = template.memo or template.name
                    if template.post:
                        prepared = PreparedEntry(
                            journal_id=template.journal_id,
                            date=day,
                            lines=lines,
                            memo=memo,
                            reference=template.name,
                            source="recurring",
                        )
                        try:
                            ref = self._post_prepared(s, poster, prepared)
                        except ValidationError as exc:
                            raise ValidationError(f"recurring entry '{template.name}' on {day}: {exc}") from None
                        created.append(ref.id)
                        posted += 1
                    else:
                        entry = JournalEntry(
                            journal_id=template.journal_id,
                            state=EntryState.DRAFT,
                            date=day,
                            memo=memo,
                            reference=template.name,
                            source="recurring",
                            total=sum(ln.amount for ln in lines if ln.amount > 0),
                            created_by=self.ctx.user_id,
                            created_at=self.ctx.clock.now(),
                        )
                        s.add(entry)
                        s.flush()
                        _add_draft_lines(s, entry.id, lines)
                        created.append(entry.id)
                    occurrence += 1
                    template.next_date = _next_occurrence(template.next_date, template.frequency, template.anchor_day)
                if template.end_date is not None and template.next_date > template.end_date:
                    template.is_active = False
                trail.record(
                    s,
                    self.ctx,
                    "run",
                    "recurring",
                    template.id,
                    after={"occurrences": occurrence, "next_date": template.next_date},
                )
            s.flush()
        return RecurringRun(tuple(created), posted), Changes.of(Kind.ENTRIES, Kind.RECURRING)

    # ------------------------------------------------------------------ bulk posting (imports, demo)
    def post_prepared_batches(
        self, batches: Callable[[Poster], Iterator[list[PreparedEntry]]], *, action: str, summary: dict[str, Any]
    ) -> Changes:
        """Post entries produced batch by batch in ONE transaction: all of them, or none.

        `batches(poster)` validates with the poster's look-ups and yields checked entries; raising
        anything rolls the whole run back.
        """
        with self._unit(Permission.LEDGER_IMPORT) as s:
            self.ctx.require(Permission.ENTRY_POST)
            poster = Poster(s, self.ctx, self.facts)
            count = 0
            for batch in batches(poster):
                poster.write(batch)
                count += len(batch)
            trail.record(s, self.ctx, action, "journal_entry", after={**summary, "entries": count})
        return Changes.of(Kind.ENTRIES, Kind.PERIODS)


def _add_draft_lines(s: Session, entry_id: int, lines: Sequence[PreparedLine]) -> None:
    s.add_all(
        DraftLine(
            entry_id=entry_id,
            line_no=n,
            account_id=line.account_id,
            amount=line.amount,
            memo=line.memo,
            department_id=line.department_id,
            project_id=line.project_id,
            currency=line.currency,
            amount_cur=line.amount_cur,
        )
        for n, line in enumerate(lines, start=1)
    )


def _next_occurrence(day: date, frequency: Frequency, anchor_day: int) -> date:
    """Step a month, quarter or year, keeping the template's day of month (31st -> month end)."""
    moved = add_months(day.replace(day=1), frequency.months)
    return moved.replace(day=min(anchor_day, month_end(moved).day))


def _entry_summary(data: EntryInput) -> dict[str, Any]:
    return {
        "date": data.date,
        "memo": data.memo,
        "journal": data.journal,
        "lines": [
            {
                "account": ln.account,
                "debit": str(ln.debit),
                "credit": str(ln.credit),
                **({"currency": ln.currency, "amount_cur": str(ln.amount_cur)} if ln.currency else {}),
            }
            for ln in data.lines
        ],
    }
