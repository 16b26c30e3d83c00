"""Import parsed bank statements into a bank account: preview, then commit all or nothing.

Every line is checked first (amount exact in the currency, fields within their lengths); any problem,
or a file for another account or currency, refuses the whole import with every reason listed, and
nothing is written. Lines already imported are skipped and listed: the bank's transaction id identifies
a line when the file has one, otherwise its booking date, amount and reference (and its rank among
identical lines of the same statement, so two real coffees of 4.50 on one day are both kept while a
re-import of that day skips both). Balances are checked as warnings: the statement's opening plus its
lines against its closing, and its opening against the closing of the last statement imported before.

`preview` runs every check in a read-only transaction and returns what `import_statements` would do;
`import_statements` does it in one unit of work (lines by executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import NUMBER_COLUMN, find_account, last_closing
from paksa_desktop.banking.models import BankAccount, BankStatement, LineStatus
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine
from paksa_desktop.core.bank_details import compact, same_account
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency
from paksa_desktop.persistence.bulk import append_rows, is_postgres
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security import field_crypto
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

LINE_COLUMNS = (  # ids come from the table's own sequence (identity on PostgreSQL, rowid on SQLite)
    "bank_account_id",
    "statement_id",
    "booked",
    "value_date",
    "amount",
    "currency",
    "description",
    "reference",
    "bank_id",
    "counterparty",
    "counterparty_account",
    "kind",
    "status",
    "dedupe_key",
)
LIMITS = (("reference", 200), ("bank_id", 100), ("counterparty", 200), ("counterparty_account", 100), ("kind", 32))


@dataclass(frozen=True, slots=True)
class SkippedLine:
    """A line not imported because it is there already."""

    source: str
    row: int
    booked: date
    amount: Decimal
    reference: str
    bank_id: str
    reason: str  # 'already imported' | 'twice in this import'


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or, from `preview`, would do)."""

    account: str
    currency: str
    imported: int  # lines
    skipped: tuple[SkippedLine, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # non-empty: nothing can be imported
    statements: int = 0  # statements written (those with at least one new line)
    total: Decimal = Decimal(0)  # sum of the imported lines
    statement_ids: tuple[int, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> Changes:
        return Changes.of(Kind.BANK_LINES) if self.imported else Changes()

    def summary(self) -> str:
        text_ = (
            f"{self.account}: {self.imported} line(s) imported in {self.statements} statement(s), "
            f"{len(self.skipped)} already imported and skipped"
        )
        if self.warnings:
            text_ += f", {len(self.warnings)} warning(s)"
        return text_


@dataclass(slots=True)
class _Plan:
    """The checked import: rows ready to write per statement, and what to tell the user."""

    account: BankAccount
    statements: list[tuple[ParsedStatement, list[tuple[StatementLine, int, str]], int]] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def dedupe_key(line: StatementLine, minor: int, rank: int) -> str:
    """The bank's own id, else date, amount, reference and rank among identical lines of its statement."""
    if line.bank_id.strip():
        return "id:" + line.bank_id.strip()
    return f"ref:{line.booked.isoformat()}|{minor}|{line.reference.strip()}|{rank}"


def _where(statement: ParsedStatement, line: StatementLine) -> str:
    return f"{statement.source} line {line.row}" if line.row else f"{statement.source} ({line.booked}, {line.amount})"


def _minor(amount: Decimal, exponent: int) -> int | None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return None
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def _order(statement: ParsedStatement) -> tuple[date, date]:
    first = statement.start or (min(line.booked for line in statement.lines) if statement.lines else None)
    last = statement.end or (max(line.booked for line in statement.lines) if statement.lines else None)
    return first or last or date.min, last or first or date.max


@retry_writes
class StatementImportService(GuardedService):
    """Statements into bank lines (`cash.statement.import`)."""

    def preview(self, account: str, statements: Sequence[ParsedStatement]) -> ImportResult:
        """Everything `import_statements` would do, computed without writing (errors are returned, not raised)."""
        with self._read(Permission.CASH_STATEMENT_IMPORT) as s:
            plan = self._plan(s, account, statements)
            return self._result(plan, ())

    def import_statements(self, account: str, statements: Sequence[ParsedStatement]) -> ImportResult:
        """Import all the statements' new lines, or nothing: any error raises ValidationError naming them all."""
        with self._unit(Permission.CASH_STATEMENT_IMPORT) as s:
            bank = find_account(s, account)
            if is_postgres(s):  # one import per account at a time: the second waits, then skips what the first wrote
                s.execute(text("SELECT pg_advisory_xact_lock(hashtext('paksa.bank_lines'), :id)"), {"id": bank.id})
            plan = self._plan(s, account, statements)
            if plan.errors:
                raise ValidationError(
                    f"nothing was imported into {account}; {len(plan.errors)} problem(s):\n" + "\n".join(plan.errors)
                )
            try:
                ids = self._write(s, plan)
            except IntegrityError:
                raise ConflictError(
                    f"another import into {account} wrote some of these lines at the same time; import again "
                    "to skip what is there now"
                ) from None
            return self._result(plan, ids)

    # ----------------------------------------------------------------------------------- checking

    def _plan(self, s: Session, account: str, statements: Sequence[ParsedStatement]) -> _Plan:
        bank = find_account(s, account)
        plan = _Plan(bank)
        if not bank.is_active:
            plan.errors.append(f"bank account {bank.name} is inactive; reactivate it to import statements")
        exponent = currency_exponent(bank.currency)
        number = self._stored_number(bank)
        ordered = sorted(statements, key=_order)
        # every candidate line with its key, checked line by line
        candidates: list[tuple[ParsedStatement, list[tuple[StatementLine, int, str]]]] = []
        for st in ordered:
            self._check_statement(st, bank, number, plan)
            ranks: Counter[tuple[date, int, str]] = Counter()
            rows: list[tuple[StatementLine, int, str]] = []
            for line in st.lines:
                minor = _minor(line.amount, exponent)
                if minor is None:
                    plan.errors.append(
                        f"{_where(st, line)}: amount {line.amount} is not an exact {bank.currency} amount "
                        f"(at most {exponent} decimals)"
                    )
                    continue
                if not isinstance(line.booked, date):
                    plan.errors.append(f"{_where(st, line)}: no booking date")
                    continue
                if (
                    len(line.reference) > 200
                    or len(line.bank_id) > 100
                    or len(line.counterparty) > 200
                    or len(line.counterparty_account) > 100
                    or len(line.kind) > 32
                ):  # the common case in one test; LIMITS names what is wrong
                    too_long = [
                        f"{name} longer than {limit}" for name, limit in LIMITS if len(getattr(line, name)) > limit
                    ]
                    plan.errors.append(f"{_where(st, line)}: " + ", ".join(too_long))
                    continue
                rank = 1
                if not line.bank_id.strip():
                    ident = (line.booked, minor, line.reference.strip())
                    ranks[ident] += 1
                    rank = ranks[ident]
                rows.append((line, minor, dedupe_key(line, minor, rank)))
            candidates.append((st, rows))
        existing = self._existing_keys(s, bank.id, [key for _st, rows in candidates for _l, _m, key in rows])
        seen: set[str] = set()
        previous = last_closing(s, bank.id)
        for st, rows in candidates:
            fresh: list[tuple[StatementLine, int, str]] = []
            skipped_here = 0
            for line, minor, key in rows:
                reason = "already imported" if key in existing else ("twice in this import" if key in seen else "")
                if reason:
                    skipped_here += 1
                    plan.skipped.append(
                        SkippedLine(st.source, line.row, line.booked, line.amount, line.reference, line.bank_id, reason)
                    )
                    continue
                seen.add(key)
                fresh.append((line, minor, key))
            if rows and not fresh:
                continue  # the whole statement is there already: no statement row, no balance checks
            previous = self._check_balances(st, bank, exponent, previous, skipped_here, plan)
            plan.statements.append((st, fresh, skipped_here))
        return plan

    def _stored_number(self, bank: BankAccount) -> str | None:
        """The full account number when this user holds the data key, else None (the last four are checked)."""
        if bank.account_number is None or not self.ctx.can(Permission.SENSITIVE_READ):
            return None
        key = self.ctx.data_key
        if not isinstance(key, field_crypto.FieldKey):
            return None
        return field_crypto.decrypt(key, bank.account_number, NUMBER_COLUMN)

    @staticmethod
    def _check_statement(st: ParsedStatement, bank: BankAccount, number: str | None, plan: _Plan) -> None:
        currency = (st.currency or bank.currency).upper()
        if not is_currency(currency):
            plan.errors.append(f"{st.source}: '{st.currency}' is not a currency code")
        elif currency != bank.currency:
            plan.errors.append(
                f"{st.source}: the statement is in {currency} but bank account {bank.name} is in {bank.currency}; "
                "choose the account this file belongs to"
            )
        given = compact(st.account)
        if not given:
            return
        if number is not None:
            matches = same_account(number, given)
        elif bank.number_last4:
            matches = given[-4:] == bank.number_last4
        else:
            plan.warnings.append(
                f"{st.source}: the file is for account {st.account}, but bank account {bank.name} has no number "
                "on file, so this could not be checked"
            )
            return
        if not matches:
            mine = number if number is not None else f"one ending in {bank.number_last4}"
            plan.errors.append(
                f"{st.source}: the file is for account {st.account}, not bank account {bank.name} ({mine}); "
                "choose the account this file belongs to"
            )

    @staticmethod
    def _check_balances(
        st: ParsedStatement,
        bank: BankAccount,
        exponent: int,
        previous: tuple[date | None, int] | None,
        skipped_here: int,
        plan: _Plan,
    ) -> tuple[date | None, int] | None:
        """Warn about balances that disagree; return the closing the next statement should open with."""
        plan.warnings.extend(st.warnings)
        if problem := st.balance_problem():
            plan.warnings.append(problem)
        opening = None if st.opening is None else _minor(st.opening, exponent)
        closing = None if st.closing is None else _minor(st.closing, exponent)
        if (st.opening is not None and opening is None) or (st.closing is not None and closing is None):
            plan.errors.append(f"{st.source}: the stated balances are not exact {bank.currency} amounts")
            return previous
        start, _end = _order(st)
        follows = previous is not None and (previous[0] is None or start >= previous[0]) and not skipped_here
        if follows and opening is not None and previous is not None and opening != previous[1]:
            plan.warnings.append(
                f"{st.source}: the opening balance {from_minor(opening, exponent)} differs from the closing balance "
                f"{from_minor(previous[1], exponent)} of the last statement imported"
                + (f" (ending {previous[0]})" if previous[0] else "")
                + "; a statement may be missing"
            )
        if closing is not None:
            return st.end or _order(st)[1], closing
        return previous

    @staticmethod
    def _existing_keys(s: Session, account_id: int, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        if is_postgres(s):
            sql = "SELECT dedupe_key FROM bank_lines WHERE bank_account_id = :a AND dedupe_key = ANY(:keys)"
            found = s.execute(text(sql), {"a": account_id, "keys": keys}).scalars()
        else:
            sql = (
                "SELECT dedupe_key FROM bank_lines WHERE bank_account_id = :a "
                "AND dedupe_key IN (SELECT value FROM json_each(:keys))"
            )
            found = s.execute(text(sql), {"a": account_id, "keys": json.dumps(keys)}).scalars()
        return set(found)

    # ----------------------------------------------------------------------------------- writing

    def _write(self, s: Session, plan: _Plan) -> tuple[int, ...]:
        bank = plan.account
        exponent = currency_exponent(bank.currency)
        now = self.ctx.clock.now()
        postgres = is_postgres(s)
        written: list[int] = []
        for st, fresh, skipped_here in plan.statements:
            row = BankStatement(
                bank_account_id=bank.id,
                format=st.format[:16],
                source=st.source[-260:],
                statement_ref=st.statement_id[:100],
                start_date=st.start,
                end_date=st.end,
                opening=None if st.opening is None else _minor(st.opening, exponent),
                closing=None if st.closing is None else _minor(st.closing, exponent),
                currency=bank.currency,
                line_count=len(fresh),
                skipped_count=skipped_here,
                imported_by=self.ctx.user_id,
                imported_at=now,
            )
            s.add(row)
            s.flush()
            written.append(row.id)
            account_id, statement_id, currency = bank.id, row.id, bank.currency  # no ORM attribute reads per line
            status = LineStatus.UNMATCHED.value
            rows = [
                (
                    account_id,
                    statement_id,
                    line.booked,
                    line.value_date,
                    minor,
                    currency,
                    line.description,
                    line.reference,
                    line.bank_id,
                    line.counterparty,
                    line.counterparty_account,
                    line.kind,
                    status,
                    key,
                )
                for line, minor, key in fresh
            ]
            if not postgres:  # the stored form of SQLite dates, written here rather than converted value by value
                rows = [(*r[:2], r[2].isoformat(), r[3] and r[3].isoformat(), *r[4:]) for r in rows]
            append_rows(s, "bank_lines", LINE_COLUMNS, rows)
            trail.record(
                s,
                self.ctx,
                "import",
                "bank_statement",
                row.id,
                after={
                    "account": bank.name,
                    "source": st.source,
                    "format": st.format,
                    "statement": st.statement_id,
                    "lines": len(fresh),
                    "skipped": skipped_here,
                    "total": str(from_minor(sum(m for _l, m, _k in fresh), exponent)),
                },
            )
        return tuple(written)

    @staticmethod
    def _result(plan: _Plan, ids: tuple[int, ...]) -> ImportResult:
        bank = plan.account
        exponent = currency_exponent(bank.currency)
        return ImportResult(
            account=bank.name,
            currency=bank.currency,
            imported=sum(len(fresh) for _st, fresh, _n in plan.statements),
            skipped=tuple(plan.skipped),
            warnings=tuple(plan.warnings),
            errors=tuple(plan.errors),
            statements=len(plan.statements),
            total=from_minor(sum(m for _st, fresh, _n in plan.statements for _l, m, _k in fresh), exponent),
            statement_ids=ids,
        )
