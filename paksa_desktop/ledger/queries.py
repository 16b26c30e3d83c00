"""Read models of the general ledger for screens, reports and the CLI.

Everything returned is a frozen plain value with Decimal amounts; sessions are closed before the
values leave. Money sums are computed by the database over the covering index on journal_lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Integer,
    String,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, parse_amount, to_minor
from paksa_desktop.ledger.models import (
    Account,
    AccountSubtype,
    AccountType,
    CompanySettings,
    Department,
    DraftLine,
    EntryState,
    ExchangeRate,
    FiscalYear,
    Frequency,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
    PeriodState,
    Project,
    RecurringTemplate,
)
from paksa_desktop.ledger.statement_sql import SqlRun
from paksa_desktop.ledger.statement_structure import StructureCache
from paksa_desktop.persistence.unit_of_work import UnitOfWork, read_connection
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class CompanyInfo:
    name: str
    base_currency: str
    exponent: int
    fiscal_year_start_month: int
    lock_date: date | None


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    code: str
    name: str
    type: AccountType
    subtype: AccountSubtype
    currency: str
    parent_id: int | None
    parent_code: str | None
    is_active: bool
    is_leaf: bool
    balance: Decimal  # posted balance to date, debit positive; parents include their children
    version: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class CodeName:
    id: int
    code: str
    name: str
    is_active: bool
    kind: str = ""  # a journal's kind (general, sales, purchases, cash, payroll); empty for the others


@dataclass(frozen=True, slots=True)
class PeriodRow:
    id: int
    fiscal_year: str
    number: int
    start_date: date
    end_date: date
    state: PeriodState


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account_id: int
    code: str
    name: str
    type: AccountType
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """As of a date (`start` is None): debit/credit hold the closing balance on its side.
    For a range: opening before `start`, the range's gross debits and credits, closing at `end`."""

    start: date | None
    end: date | None
    currency: str
    rows: tuple[TrialBalanceRow, ...]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), Decimal(0))

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit and sum((r.closing for r in self.rows), Decimal(0)) == 0


@dataclass(frozen=True, slots=True)
class LedgerLine:
    line_id: int
    date: date
    entry_id: int
    number: str
    memo: str
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running balance after this line
    department: str
    project: str
    # what the line is in the currency the money moved in (signed like debit - credit); "" / None: a base line
    currency: str = ""
    amount_cur: Decimal | None = None
    # running balance in the page's `balance_currency` after this line (None when the page keeps none)
    balance_cur: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LedgerPage:
    lines: tuple[LedgerLine, ...]
    opening: Decimal  # balance before the first line of the page
    cursor: tuple[date, int] | None  # pass back to get the next page; None at the end
    opening_cur: Decimal | None = None  # the same in the balance currency asked for, if any

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def closing_cur(self) -> Decimal | None:
        return self.lines[-1].balance_cur if self.lines else self.opening_cur


@dataclass(frozen=True, slots=True)
class LedgerCurrencies:
    """Which foreign currencies an account's lines carry, to decide the ledger's extra columns.

    `balance_currency` is set when a running balance in one foreign currency means something: the GL
    account of a foreign bank account, an account kept in a foreign currency, or an account whose every
    line is in the same foreign currency.
    """

    foreign: tuple[str, ...]  # in the date range asked for, sorted
    balance_currency: str | None


@dataclass(frozen=True, slots=True)
class ForeignSetup:
    """What the entry editor needs to offer foreign amounts: currencies with a rate, foreign bank accounts."""

    base_currency: str
    rated: tuple[str, ...]  # currencies with at least one exchange rate, sorted
    bank_currency: dict[str, str]  # GL account code -> currency of the active foreign bank account on it

    @property
    def in_use(self) -> bool:
        return bool(self.rated or self.bank_currency)


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    number: str
    date: date
    journal: str
    state: EntryState
    memo: str
    reference: str
    total: Decimal
    created_by: str
    source: str


@dataclass(frozen=True, slots=True)
class EntryLineRow:
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    memo: str
    department: str
    project: str
    currency: str = ""  # the currency the money moved in; "" for a base-currency line
    amount_cur: Decimal | None = None  # in `currency`, not negative: on the line's debit or credit side


@dataclass(frozen=True, slots=True)
class EntryDetail:
    id: int
    number: str
    journal: str
    date: date
    state: EntryState
    memo: str
    reference: str
    auto_reverse: bool
    version: int
    lines: tuple[EntryLineRow, ...]
    created_by: str
    created_at: datetime
    posted_by: str
    posted_at: datetime | None
    reversal_of: tuple[int, str] | None
    reversed_by: tuple[int, str] | None


@dataclass(frozen=True, slots=True)
class EntryFilter:
    text: str = ""
    amount: str = ""  # a decimal; matches the entry total or any line amount
    account: str = ""  # account code
    date_from: date | None = None
    date_to: date | None = None
    user: str = ""
    state: EntryState | None = None
    journal: str = ""


@dataclass(frozen=True, slots=True)
class RecurringRow:
    id: int
    name: str
    journal: str
    frequency: Frequency
    next_date: date
    end_date: date | None
    post: bool
    is_active: bool
    memo: str
    lines: tuple[EntryLineRow, ...]


# bank_accounts belongs to banking (which builds on the ledger): read here by name, as the Poster does
_BANKS = table(
    "bank_accounts", column("gl_account_id", Integer), column("currency", String), column("is_active", Boolean)
)


def _dec(units: int | None, exponent: int) -> Decimal:
    return from_minor(int(units or 0), exponent)


class LedgerQueries:
    def __init__(self, engine: Engine, ctx: UserContext, structure: StructureCache | None = None) -> None:
        self.engine = engine
        self.ctx = ctx
        self._exponent: int | None = None
        # the company's cache of chart and settings (see statement_structure.py), shared with statements
        self.structure = structure if structure is not None else StructureCache()

    def _read(self) -> UnitOfWork:
        self.ctx.require(Permission.LEDGER_VIEW)
        # no BEGIN and COMMIT: no read here relies on one transaction (at READ COMMITTED, its statements
        # each see their own snapshot anyway)
        return UnitOfWork(self.engine, write=False, transaction=False)

    def _exp(self, s: Session) -> int:
        if self._exponent is None:
            currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
            self._exponent = currency_exponent(currency)
        return self._exponent

    # ---------------------------------------------------------------- company and reference data
    def company_logo(self) -> bytes | None:
        with self._read() as uow:
            return uow.session.execute(select(CompanySettings.logo)).scalar_one()

    def company(self) -> CompanyInfo:
        with self._read() as uow:
            c = uow.session.execute(select(CompanySettings)).scalar_one()
            return CompanyInfo(
                c.name, c.base_currency, currency_exponent(c.base_currency), c.fiscal_year_start_month, c.lock_date
            )

    def accounts(self, as_of: date | None = None, *, with_balances: bool = True) -> list[AccountRow]:
        """Every account in code order with its posted balance (parents roll up their children).

        `with_balances=False` skips summing the ledger (balances read 0): a pick list that stays
        instant however many lines the books hold.
        """
        with self._read() as uow:
            s = uow.session
            exp = self._exp(s)
            sums = select(JournalLine.account_id, func.sum(JournalLine.amount)).group_by(JournalLine.account_id)
            if as_of is not None:
                sums = sums.where(JournalLine.date <= as_of)
            own = dict(s.execute(sums).all()) if with_balances else {}
            parent = aliased(Account)
            rows = s.execute(
                select(Account, parent.code).outerjoin(parent, Account.parent_id == parent.id).order_by(Account.code)
            ).all()
            children: dict[int, list[int]] = {}
            for account, _ in rows:
                if account.parent_id is not None:
                    children.setdefault(account.parent_id, []).append(account.id)

            def rolled(account_id: int) -> int:
                return int(own.get(account_id, 0) or 0) + sum(rolled(c) for c in children.get(account_id, []))

            return [
                AccountRow(
                    a.id,
                    a.code,
                    a.name,
                    a.type,
                    a.subtype,
                    a.currency,
                    a.parent_id,
                    parent_code,
                    a.is_active,
                    a.id not in children,
                    _dec(rolled(a.id), exp),
                    a.version,
                    a.description or "",
                )
                for a, parent_code in rows
            ]

    def account(self, code: str) -> AccountRow:
        for row in self.accounts():
            if row.code == code:
                return row
        raise NotFoundError(f"unknown account '{code}'")

    def journals(self) -> list[CodeName]:
        return self._code_names(Journal)

    def departments(self) -> list[CodeName]:
        return self._code_names(Department)

    def projects(self) -> list[CodeName]:
        return self._code_names(Project)

    def _code_names(self, model: type[Journal] | type[Department] | type[Project]) -> list[CodeName]:
        with self._read() as uow:
            return [
                CodeName(r.id, r.code, r.name, r.is_active, r.kind if isinstance(r, Journal) else "")
                for r in uow.session.execute(select(model).order_by(model.code)).scalars()
            ]

    def periods(self) -> list[PeriodRow]:
        with self._read() as uow:
            rows = uow.session.execute(
                select(Period, FiscalYear.name).join(FiscalYear).order_by(Period.start_date)
            ).all()
            return [PeriodRow(p.id, fy, p.number, p.start_date, p.end_date, p.state) for p, fy in rows]

    def fiscal_years(self) -> list[CodeName]:
        with self._read() as uow:
            return [
                CodeName(fy.id, fy.name, f"{fy.start_date} – {fy.end_date}", True)
                for fy in uow.session.execute(select(FiscalYear).order_by(FiscalYear.start_date)).scalars()
            ]

    def open_period(self, day: date) -> PeriodRow | None:
        """The period containing `day` (for the status bar), or None if no fiscal year covers it."""
        for period in self.periods():
            if period.start_date <= day <= period.end_date:
                return period
        return None

    # ---------------------------------------------------------------- trial balance
    def trial_balance(
        self,
        *,
        as_of: date | None = None,
        start: date | None = None,
        end: date | None = None,
        department: str | None = None,
        project: str | None = None,
        include_zero: bool = False,
    ) -> TrialBalance:
        """As of a date (or everything), or for a range `start`..`end` with opening and closing."""
        if start is not None and as_of is not None:
            raise ValidationError("give either an as-of date or a date range, not both")
        if start is not None and end is not None and end < start:
            raise ValidationError(f"the range ends ({end}) before it starts ({start})")
        self.ctx.require(Permission.LEDGER_VIEW)
        # plain SQL on a connection, with the structure counter read in the same statement (statement_sql.py):
        # the trial balance is one aggregation, and the chart only names its rows
        with read_connection(self.engine) as conn:
            run = SqlRun(conn.dialect.name)
            filters = []
            if department:
                filters.append(f"department_id = {run.param(self._dimension_id(conn, Department, department))}")
            if project:
                filters.append(f"project_id = {run.param(self._dimension_id(conn, Project, project))}")
            last = end if start is not None else as_of
            if last is not None:
                filters.append(f"date <= {run.param(last)}")
            where = f" WHERE {' AND '.join(filters)}" if filters else ""
            if start is None:
                handle = run.add("account_id, SUM(amount)", f"FROM journal_lines{where} GROUP BY account_id", 2)
            else:
                first = run.param(start)
                handle = run.add(
                    f"account_id, SUM(amount) FILTER (WHERE date < {first}), "
                    f"SUM(amount) FILTER (WHERE amount > 0 AND date >= {first}), "
                    f"-SUM(amount) FILTER (WHERE amount < 0 AND date >= {first})",
                    f"FROM journal_lines{where} GROUP BY account_id",
                    4,
                )
            cached = self.structure.current
            version = run.execute(conn)
            structure = cached if cached is not None and cached.version == version else self.structure.get(conn)
            exp = structure.exponent
            sums = run.rows(handle)
            accounts = structure.chart
            if any(row[1] not in accounts for row in sums):
                accounts = self.structure.refresh(conn).chart
            rows = []
            decimals: dict[int, Decimal] = {}  # minor units -> Decimal, once each (most cells are 0)

            def dec(units: int) -> Decimal:
                found = decimals.get(units)
                if found is None:
                    found = decimals[units] = from_minor(units, exp)
                return found

            for row in sums:
                account_id = row[1]
                if start is None:  # the net balance; split it onto its side
                    opening, closing = 0, int(row[2] or 0)
                    debit, credit = max(closing, 0), max(-closing, 0)
                else:
                    opening, debit, credit = int(row[2] or 0), int(row[3] or 0), int(row[4] or 0)
                    closing = opening + debit - credit
                if not include_zero and not (opening or debit or credit or closing):
                    continue
                a = accounts[account_id]
                rows.append(
                    TrialBalanceRow(
                        account_id,
                        a.code,
                        a.name,
                        a.type,
                        dec(opening),
                        dec(debit),
                        dec(credit),
                        dec(closing),
                    )
                )
            rows.sort(key=lambda r: r.code)
            return TrialBalance(start, last, structure.currency, tuple(rows))

    @staticmethod
    def _dimension_id(s: Session | Connection, model: type[Department] | type[Project], code: str) -> int:
        found = s.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"unknown {model.__tablename__[:-1]} '{code}'")
        return found

    # ---------------------------------------------------------------- account ledger
    def account_ledger(
        self,
        account_id: int,
        *,
        after: tuple[date, int] | None = None,
        opening: Decimal | None = None,
        limit: int = 500,
        start: date | None = None,
        end: date | None = None,
        balance_currency: str | None = None,
        opening_cur: Decimal | None = None,
    ) -> LedgerPage:
        """One page of an account's posted lines in (date, line) order, with running balance.

        The first page computes its opening balance (lines before `start`); later pages pass back
        `after=page.cursor, opening=page.closing`, so each page costs the same however long the account.
        With `balance_currency` (see `ledger_currencies`), a second running balance sums the lines'
        amounts in that currency (passed back as `opening_cur=page.closing_cur`).
        """
        with self._read() as uow:
            s = uow.session
            exp = self._exp(s)
            line = JournalLine.__table__.c
            if s.get(Account, account_id) is None:
                raise NotFoundError(f"account {account_id} does not exist")
            if opening is None:
                if start is None:
                    opening_units = 0
                else:
                    opening_units = s.execute(
                        select(func.coalesce(func.sum(line.amount), 0)).where(
                            line.account_id == account_id, line.date < start
                        )
                    ).scalar_one()
                opening = _dec(opening_units, exp)
            cur_exp = currency_exponent(balance_currency) if balance_currency else 0
            if balance_currency and opening_cur is None:
                opening_cur_units = 0
                if start is not None:
                    opening_cur_units = s.execute(
                        select(func.coalesce(func.sum(line.amount_cur), 0)).where(
                            line.account_id == account_id, line.date < start, line.currency == balance_currency
                        )
                    ).scalar_one()
                opening_cur = _dec(opening_cur_units, cur_exp)
            entry = JournalEntry.__table__.c
            stmt = (
                select(
                    line.id,
                    line.date,
                    line.entry_id,
                    entry.number,
                    line.memo,
                    entry.memo.label("entry_memo"),
                    line.amount,
                    Department.code.label("dept"),
                    Project.code.label("proj"),
                    line.currency,
                    line.amount_cur,
                )
                .join_from(JournalLine.__table__, JournalEntry.__table__, entry.id == line.entry_id)
                .outerjoin(Department, Department.id == line.department_id)
                .outerjoin(Project, Project.id == line.project_id)
                .where(line.account_id == account_id)
                .order_by(line.date, line.id)
                .limit(limit + 1)
            )
            if after is not None:
                stmt = stmt.where(tuple_(line.date, line.id) > tuple_(literal(after[0]), literal(after[1])))
            if start is not None:
                stmt = stmt.where(line.date >= start)
            if end is not None:
                stmt = stmt.where(line.date <= end)
            raw = s.execute(stmt).all()
            more = len(raw) > limit
            running = to_minor(opening, exp)
            running_cur = to_minor(opening_cur, cur_exp) if balance_currency and opening_cur is not None else None
            lines = []
            for r in raw[:limit]:
                running += r.amount
                if running_cur is not None and r.currency == balance_currency:
                    running_cur += r.amount_cur or 0
                lines.append(
                    LedgerLine(
                        r.id,
                        r.date,
                        r.entry_id,
                        r.number or "",
                        r.memo or r.entry_memo,
                        _dec(max(r.amount, 0), exp),
                        _dec(max(-r.amount, 0), exp),
                        _dec(running, exp),
                        r.dept or "",
                        r.proj or "",
                        r.currency or "",
                        None if r.currency is None else _dec(r.amount_cur, currency_exponent(r.currency)),
                        None if running_cur is None else _dec(running_cur, cur_exp),
                    )
                )
            cursor = (lines[-1].date, lines[-1].line_id) if more and lines else None
            return LedgerPage(tuple(lines), opening, cursor, opening_cur if balance_currency else None)

    def ledger_currencies(
        self, account_id: int, start: date | None = None, end: date | None = None
    ) -> LedgerCurrencies:
        """The foreign currencies of an account's lines between the dates, and the one its running
        foreign balance is kept in, if any (see LedgerCurrencies). Reads the account's lines in the range
        (the account index finds them); an account with no foreign line answers with none."""
        with self._read() as uow:
            s = uow.session
            line = JournalLine.__table__.c
            account = s.get(Account, account_id)
            if account is None:
                raise NotFoundError(f"account {account_id} does not exist")
            stmt = select(line.currency).distinct().where(line.account_id == account_id, line.currency.is_not(None))
            if start is not None:
                stmt = stmt.where(line.date >= start)
            if end is not None:
                stmt = stmt.where(line.date <= end)
            foreign = tuple(sorted(s.execute(stmt).scalars()))
            base = s.execute(select(CompanySettings.base_currency)).scalar_one()
            bank = s.execute(
                select(_BANKS.c.currency).where(
                    _BANKS.c.gl_account_id == account_id, _BANKS.c.is_active, _BANKS.c.currency != base
                )
            ).scalar()
            balance_currency = bank or (account.currency if account.currency and account.currency != base else None)
            if balance_currency is None and len(foreign) == 1:
                # every line of the account (not only the range) in that one currency: its balance means something
                mixed = s.execute(
                    select(line.id)
                    .where(line.account_id == account_id, or_(line.currency.is_(None), line.currency != foreign[0]))
                    .limit(1)
                ).first()
                balance_currency = None if mixed else foreign[0]
            return LedgerCurrencies(foreign, balance_currency)

    def foreign_setup(self) -> ForeignSetup:
        """Currencies with an exchange rate and the GL accounts of active foreign bank accounts."""
        with self._read() as uow:
            s = uow.session
            base = s.execute(select(CompanySettings.base_currency)).scalar_one()
            rated = tuple(sorted(s.execute(select(ExchangeRate.currency).distinct()).scalars()))
            banks = {
                code: currency
                for code, currency in s.execute(
                    select(Account.code, _BANKS.c.currency)
                    .join(Account, Account.id == _BANKS.c.gl_account_id)
                    .where(_BANKS.c.is_active, _BANKS.c.currency != base)
                )
            }
            return ForeignSetup(base, tuple(c for c in rated if c != base), banks)

    def account_balance(self, account_id: int, as_of: date | None = None) -> Decimal:
        """One account's posted balance (debit positive) at the end of `as_of`; its own lines only.

        Answered from the covering index, so a ledger view can show its closing balance at once
        however many lines the account has.
        """
        with self._read() as uow:
            s = uow.session
            line = JournalLine.__table__.c
            stmt = select(func.coalesce(func.sum(line.amount), 0)).where(line.account_id == account_id)
            if as_of is not None:
                stmt = stmt.where(line.date <= as_of)
            return _dec(s.execute(stmt).scalar_one(), self._exp(s))

    def account_balance_cur(self, account_id: int, currency: str, as_of: date | None = None) -> Decimal:
        """One account's posted balance in a foreign currency: the sum of its lines' amounts in `currency`."""
        with self._read() as uow:
            s = uow.session
            line = JournalLine.__table__.c
            stmt = select(func.coalesce(func.sum(line.amount_cur), 0)).where(
                line.account_id == account_id, line.currency == currency
            )
            if as_of is not None:
                stmt = stmt.where(line.date <= as_of)
            return _dec(s.execute(stmt).scalar_one(), currency_exponent(currency))

    # ---------------------------------------------------------------- entries
    def entries(self, flt: EntryFilter = EntryFilter(), *, offset: int = 0, limit: int = 200) -> list[EntryRow]:
        """Entries matching the filter, newest first."""
        with self._read() as uow:
            s = uow.session
            exp = self._exp(s)
            e = JournalEntry
            stmt = (
                select(
                    e.id, e.number, e.date, Journal.code, e.state, e.memo, e.reference, e.total, User.username, e.source
                )
                .join(Journal, Journal.id == e.journal_id)
                .join(User, User.id == e.created_by)
            )
            stmt = stmt.where(*self._entry_conditions(s, flt, exp))
            stmt = stmt.order_by(e.date.desc(), e.id.desc()).offset(offset).limit(limit)
            return [
                EntryRow(r[0], r[1] or "", r[2], r[3], r[4], r[5], r[6], _dec(r[7], exp), r[8], r[9])
                for r in s.execute(stmt)
            ]

    def count_entries(self, flt: EntryFilter = EntryFilter()) -> int:
        with self._read() as uow:
            s = uow.session
            e = JournalEntry
            stmt = (
                select(func.count())
                .select_from(e)
                .join(Journal, Journal.id == e.journal_id)
                .join(User, User.id == e.created_by)
                .where(*self._entry_conditions(s, flt, self._exp(s)))
            )
            return int(s.execute(stmt).scalar_one())

    @staticmethod
    def _entry_conditions(s: Session, flt: EntryFilter, exp: int) -> list:  # type: ignore[type-arg]
        e = JournalEntry
        conds = []
        if flt.text.strip():
            like = f"%{flt.text.strip().lower()}%"
            conds.append(
                or_(
                    func.lower(e.memo).like(like),
                    func.lower(e.reference).like(like),
                    func.lower(func.coalesce(e.number, "")).like(like),
                )
            )
        if flt.amount.strip():
            try:
                units = abs(to_minor(parse_amount(flt.amount, exp), exp))
            except (ValueError, ValidationError) as exc:
                raise ValidationError(f"amount filter: {exc}") from None
            conds.append(
                or_(
                    e.total == units,
                    exists().where(JournalLine.entry_id == e.id, JournalLine.amount.in_([units, -units])),
                    exists().where(DraftLine.entry_id == e.id, DraftLine.amount.in_([units, -units])),
                )
            )
        if flt.account.strip():
            account_id = s.execute(select(Account.id).where(Account.code == flt.account.strip())).scalar()
            if account_id is None:
                raise ValidationError(f"account filter: unknown account '{flt.account}'")
            conds.append(
                or_(
                    exists().where(JournalLine.entry_id == e.id, JournalLine.account_id == account_id),
                    exists().where(DraftLine.entry_id == e.id, DraftLine.account_id == account_id),
                )
            )
        if flt.date_from:
            conds.append(e.date >= flt.date_from)
        if flt.date_to:
            conds.append(e.date <= flt.date_to)
        if flt.user.strip():
            conds.append(User.username == flt.user.strip())
        if flt.state is not None:
            conds.append(e.state == flt.state)
        if flt.journal.strip():
            conds.append(Journal.code == flt.journal.strip())
        return conds

    def entry(self, entry_id: int) -> EntryDetail:
        with self._read() as uow:
            s = uow.session
            exp = self._exp(s)
            e = s.get(JournalEntry, entry_id)
            if e is None:
                raise NotFoundError(f"journal entry {entry_id} does not exist")
            model = DraftLine if e.state is EntryState.DRAFT else JournalLine
            rows = s.execute(
                select(
                    Account.code,
                    Account.name,
                    model.amount,
                    model.memo,
                    Department.code,
                    Project.code,
                    model.currency,
                    model.amount_cur,
                )
                .join(Account, Account.id == model.account_id)
                .outerjoin(Department, Department.id == model.department_id)
                .outerjoin(Project, Project.id == model.project_id)
                .where(model.entry_id == entry_id)
                .order_by(model.line_no)
            ).all()
            lines = tuple(
                EntryLineRow(
                    code,
                    name,
                    _dec(max(amount, 0), exp),
                    _dec(max(-amount, 0), exp),
                    memo,
                    dept or "",
                    proj or "",
                    currency or "",
                    None if currency is None else _dec(abs(units or 0), currency_exponent(currency)),
                )
                for code, name, amount, memo, dept, proj, currency, units in rows
            )
            users = dict(s.execute(select(User.id, User.username)).all())
            journal = s.execute(select(Journal.code).where(Journal.id == e.journal_id)).scalar_one()

            def link(other_id: int | None) -> tuple[int, str] | None:
                if other_id is None:
                    return None
                number = s.execute(select(JournalEntry.number).where(JournalEntry.id == other_id)).scalar()
                return other_id, number or ""

            return EntryDetail(
                e.id,
                e.number or "",
                journal,
                e.date,
                e.state,
                e.memo,
                e.reference,
                e.auto_reverse,
                e.version,
                lines,
                users.get(e.created_by, ""),
                e.created_at,
                users.get(e.posted_by or 0, ""),
                e.posted_at,
                link(e.reversal_of_id),
                link(e.reversed_by_id),
            )

    def recurring(self) -> list[RecurringRow]:
        with self._read() as uow:
            s = uow.session
            exp = self._exp(s)
            accounts = {a.id: (a.code, a.name) for a in s.execute(select(Account.id, Account.code, Account.name))}
            departments = dict(s.execute(select(Department.id, Department.code)).all())
            projects = dict(s.execute(select(Project.id, Project.code)).all())
            journals = dict(s.execute(select(Journal.id, Journal.code)).all())
            result = []
            for t in s.execute(select(RecurringTemplate).order_by(RecurringTemplate.name)).scalars():
                lines = tuple(
                    EntryLineRow(
                        *accounts[ln.account_id],
                        _dec(max(ln.amount, 0), exp),
                        _dec(max(-ln.amount, 0), exp),
                        ln.memo,
                        departments.get(ln.department_id or 0, ""),
                        projects.get(ln.project_id or 0, ""),
                    )
                    for ln in t.lines
                )
                result.append(
                    RecurringRow(
                        t.id,
                        t.name,
                        journals[t.journal_id],
                        t.frequency,
                        t.next_date,
                        t.end_date,
                        t.post,
                        t.is_active,
                        t.memo,
                        lines,
                    )
                )
            return result
