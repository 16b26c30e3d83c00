"""Bank accounts: the only code that creates and changes them, and the read model screens use.

A bank account names the GL account its money sits in (a postable asset account in the account's own
currency or the base currency), the bank, and the IBAN or account number. The number is a sensitive
field: it is stored encrypted with the company data key (security/field_crypto.py), so setting or
reading it needs a key holder; its last four characters stay readable so anyone allowed to import can
have a statement file checked against the account. Checking and masking numbers is core/bank_details.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.models import BankAccount, BankLine, BankStatement, LineStatus
from paksa_desktop.core.bank_details import last4, masked, normalise_number
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor, is_currency, to_minor
from paksa_desktop.ledger.models import Account, AccountType, CompanySettings
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security import field_crypto
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

NUMBER_COLUMN = "bank_accounts.account_number"


# ------------------------------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class BankAccountInput:
    """What a user enters for a bank account. On update, `number=None` keeps the stored number and
    `number=""` removes it."""

    name: str
    gl_account: str  # GL account code
    currency: str
    bank_name: str = ""
    number: str | None = None
    import_profile: Mapping[str, Any] | None = None  # e.g. CsvProfile.to_dict()


@dataclass(frozen=True, slots=True)
class BankAccountRow:
    name: str
    bank_name: str
    number_masked: str  # '•••• 3000'; the full number needs the data key (BankAccountService.number)
    number_last4: str
    currency: str
    gl_account: str
    gl_account_name: str
    import_profile: Mapping[str, Any] | None
    is_active: bool
    version: int
    id: int = field(default=0, compare=False)
    reconciled_from: date | None = None  # the opening reconciled date, None: reconciles from the first GL line
    opening_reconciled: Decimal | None = None  # the bank's balance at the end of that day, account currency


@dataclass(frozen=True, slots=True)
class BankLineRow:
    id: int
    account: str
    booked: Any  # date
    value_date: Any
    amount: Decimal
    currency: str
    description: str
    reference: str
    bank_id: str
    counterparty: str
    counterparty_account: str
    kind: str
    status: LineStatus
    statement_id: int


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: int
    account: str
    format: str
    source: str
    statement_ref: str
    start: Any
    end: Any
    opening: Decimal | None
    closing: Decimal | None
    currency: str
    line_count: int
    skipped_count: int
    imported_by: str
    imported_at: Any


def _values(row: BankAccount, gl_code: str) -> dict[str, Any]:
    """Audit values: the number only as its masked tail, never in full."""
    return {
        "name": row.name,
        "bank_name": row.bank_name,
        "number": masked(row.number_last4),
        "currency": row.currency,
        "gl_account": gl_code,
        "import_profile": row.import_profile,
        "is_active": row.is_active,
    }


def _units_text(row: BankAccount) -> str | None:
    """The opening reconciled balance as text for the audit trail (None when unset)."""
    if row.opening_reconciled is None:
        return None
    return str(from_minor(row.opening_reconciled, currency_exponent(row.currency)))


def _profile_text(profile: Mapping[str, Any] | None) -> str:
    if profile is None:
        return ""
    try:
        return json.dumps(dict(profile), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"the import profile cannot be stored: {exc}") from None


def _profile(text: str) -> Mapping[str, Any] | None:
    return json.loads(text) if text else None


def find_account(s: Session, name: str) -> BankAccount:
    row = s.execute(select(BankAccount).where(BankAccount.name == name)).scalar_one_or_none()
    if row is None:
        names = s.execute(select(BankAccount.name).order_by(BankAccount.name)).scalars().all()
        known = f" (known: {', '.join(names)})" if names else " (there are no bank accounts yet)"
        raise NotFoundError(f"unknown bank account '{name}'{known}")
    return row


def gl_account_problem(s: Session, code: str, currency: str) -> tuple[Account | None, str | None]:
    """The GL account `code`, or why it cannot hold a bank account in `currency`."""
    account = s.execute(select(Account).where(Account.code == code)).scalar_one_or_none()
    if account is None:
        return None, f"unknown GL account '{code}'"
    if not account.is_active:
        return None, f"GL account {code} is inactive"
    if s.execute(select(Account.id).where(Account.parent_id == account.id).limit(1)).first() is not None:
        return None, f"GL account {code} has sub-accounts; choose one of them (a postable account)"
    if account.type is not AccountType.ASSET:
        return None, f"GL account {code} is {account.type.value}; a bank account's GL account must be an asset account"
    base = s.execute(select(CompanySettings.base_currency)).scalar_one()
    if account.currency not in (currency, base):
        return None, (
            f"GL account {code} is kept in {account.currency}; a {currency} bank account needs a GL account "
            f"in {currency} or in the base currency {base}"
        )
    return account, None


# ------------------------------------------------------------------------------------------ service


@retry_writes
class BankAccountService(GuardedService):
    """Add, change and deactivate bank accounts (`cash.account.manage`)."""

    def add(self, data: BankAccountInput) -> Changes:
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            if s.execute(select(BankAccount.id).where(BankAccount.name == data.name.strip())).first():
                raise ValidationError(f"bank account '{data.name.strip()}' already exists")
            row = BankAccount(created_by=self.ctx.user_id, created_at=self.ctx.clock.now(), is_active=True)
            gl_code = self._apply(s, row, data, new=True)
            s.add(row)
            self._flush(s, row.name)
            trail.record(s, self.ctx, "create", "bank_account", row.name, after=_values(row, gl_code))
        return Changes.of(Kind.BANK_ACCOUNTS)

    def update(self, name: str, data: BankAccountInput, *, version: int | None = None) -> Changes:
        """Change a bank account; `version` is the one the caller read (a stale one is a ConflictError)."""
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = find_account(s, name)
            if version is not None and version != row.version:
                raise trail.stale(s, f"bank account {name}", "bank_account", name)
            new_name = data.name.strip()
            if new_name != name and s.execute(select(BankAccount.id).where(BankAccount.name == new_name)).first():
                raise ValidationError(f"bank account '{new_name}' already exists")
            before = _values(row, self._gl_code(s, row.gl_account_id))
            if data.currency.strip().upper() != row.currency and self._has_lines(s, row.id):
                raise ValidationError(
                    f"bank account {name} has imported statements in {row.currency}; its currency cannot change"
                )
            gl_code = self._apply(s, row, data, new=False)
            self._flush(s, row.name)
            old, new = trail.field_diff(before, _values(row, gl_code))
            if new:
                trail.record(s, self.ctx, "update", "bank_account", name, before=old, after=new)
        return Changes.of(Kind.BANK_ACCOUNTS)

    def set_active(self, name: str, active: bool) -> Changes:
        """Deactivate (no more imports; its lines stay) or reactivate a bank account."""
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = find_account(s, name)
            if row.is_active != active:
                row.is_active = active
                s.flush()
                trail.record(
                    s,
                    self.ctx,
                    "update",
                    "bank_account",
                    name,
                    before={"is_active": not active},
                    after={"is_active": active},
                )
        return Changes.of(Kind.BANK_ACCOUNTS)

    def deactivate(self, name: str) -> Changes:
        return self.set_active(name, False)

    def set_opening(self, name: str, reconciled_from: date | None, balance: Decimal | None) -> Changes:
        """Set (or, with both None, clear) where the account's reconciliation starts.

        For a ledger older than the account's first statement: on `reconciled_from` the bank's balance was
        `balance` (in the account's currency) and the books are taken to agree with it; reconciling then
        counts only GL lines dated after it. Refused while a finished reconciliation stands, since it was
        worked out from the old start (undo it first).
        """
        from paksa_desktop.banking.recon_models import BankReconciliation

        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = find_account(s, name)
            if (reconciled_from is None) != (balance is None):
                raise ValidationError(
                    f"bank account {name}: give both the opening reconciled date and balance, or neither to clear them"
                )
            units: int | None = None
            if balance is not None:
                exponent = currency_exponent(row.currency)
                try:
                    units = to_minor(balance, exponent)
                except ValidationError:
                    raise ValidationError(
                        f"bank account {name}: opening balance {balance} has more decimals than {row.currency} "
                        f"allows ({exponent})"
                    ) from None
            standing = s.execute(
                select(BankReconciliation.statement_date)
                .where(BankReconciliation.bank_account_id == row.id, BankReconciliation.undone_at.is_(None))
                .order_by(BankReconciliation.statement_date.desc())
                .limit(1)
            ).scalar()
            if standing is not None:
                raise ValidationError(
                    f"bank account {name} is reconciled to {standing}; undo its reconciliations before changing "
                    "where they start"
                )
            before = {"reconciled_from": row.reconciled_from, "opening_reconciled": _units_text(row)}
            row.reconciled_from, row.opening_reconciled = reconciled_from, units
            s.flush()
            after = {"reconciled_from": row.reconciled_from, "opening_reconciled": _units_text(row)}
            if before != after:
                trail.record(s, self.ctx, "update", "bank_account", name, before=before, after=after)
        return Changes.of(Kind.BANK_ACCOUNTS)

    def number(self, name: str) -> str | None:
        """The full IBAN or account number, for a holder of the data key."""
        self.ctx.require(Permission.SENSITIVE_READ)
        key = field_crypto.require_key(self.ctx)
        with self._read(Permission.CASH_VIEW) as s:
            row = find_account(s, name)
            sealed = row.account_number
        return None if sealed is None else field_crypto.decrypt(key, sealed, NUMBER_COLUMN)

    # -------------------------------------------------------------------------------------- helpers

    def _apply(self, s: Session, row: BankAccount, data: BankAccountInput, *, new: bool) -> str:
        problems: list[str] = []
        name = data.name.strip()
        if not name:
            problems.append("name: required")
        elif len(name) > 100:
            problems.append("name: longer than 100 characters")
        if len(data.bank_name.strip()) > 200:
            problems.append("bank: longer than 200 characters")
        currency = data.currency.strip().upper()
        if not (len(currency) == 3 and is_currency(currency)):
            problems.append(f"currency: '{data.currency}' is not an ISO 4217 currency code")
            account = None
        else:
            account, problem = gl_account_problem(s, data.gl_account.strip(), currency)
            if problem:
                problems.append(f"GL account: {problem}")
        if account is not None:
            taken = s.execute(
                select(BankAccount.name).where(
                    BankAccount.gl_account_id == account.id, BankAccount.is_active, BankAccount.id != (row.id or 0)
                )
            ).scalar()
            if taken:
                problems.append(
                    f"GL account: {account.code} already belongs to bank account '{taken}' "
                    "(one GL account per bank account, so each reconciles on its own)"
                )
        number: str | None = None
        if data.number is not None and data.number.strip():
            try:
                number = normalise_number(data.number)
            except ValidationError as exc:
                problems.append(f"IBAN/account number: {exc}")
        try:
            profile = _profile_text(data.import_profile)
        except ValidationError as exc:
            problems.append(f"import profile: {exc}")
        if problems:
            raise ValidationError(f"bank account {name or data.name!r}: " + "; ".join(problems))
        assert account is not None
        row.name = name
        row.bank_name = data.bank_name.strip()
        row.currency = currency
        row.gl_account_id = account.id
        row.import_profile = profile
        if number is not None:
            self.ctx.require(Permission.SENSITIVE_READ)
            key = field_crypto.require_key(self.ctx)
            row.account_number = field_crypto.encrypt(key, number, NUMBER_COLUMN)
            row.number_last4 = last4(number)
        elif data.number is not None or new:  # "" removes it; a new account without one has none
            row.account_number = None
            row.number_last4 = ""
        return account.code

    @staticmethod
    def _gl_code(s: Session, account_id: int) -> str:
        return s.execute(select(Account.code).where(Account.id == account_id)).scalar_one()

    @staticmethod
    def _has_lines(s: Session, account_id: int) -> bool:
        return s.execute(select(BankLine.id).where(BankLine.bank_account_id == account_id).limit(1)).first() is not None

    @staticmethod
    def _flush(s: Session, name: str) -> None:
        try:
            s.flush()
        except IntegrityError:
            raise ValidationError(f"bank account '{name}' already exists") from None


# ------------------------------------------------------------------------------------------ queries


class BankQueries(GuardedService):
    """Read models of bank accounts, statements and lines (`cash.view`)."""

    def accounts(self, *, include_inactive: bool = True) -> list[BankAccountRow]:
        with self._read(Permission.CASH_VIEW) as s:
            q = select(BankAccount, Account.code, Account.name).join(Account, Account.id == BankAccount.gl_account_id)
            if not include_inactive:
                q = q.where(BankAccount.is_active)
            return [
                BankAccountRow(
                    b.name,
                    b.bank_name,
                    masked(b.number_last4),
                    b.number_last4,
                    b.currency,
                    code,
                    gl_name,
                    _profile(b.import_profile),
                    b.is_active,
                    b.version,
                    id=b.id,
                    reconciled_from=b.reconciled_from,
                    opening_reconciled=None
                    if b.opening_reconciled is None
                    else from_minor(b.opening_reconciled, currency_exponent(b.currency)),
                )
                for b, code, gl_name in s.execute(q.order_by(BankAccount.name))
            ]

    def account(self, name: str) -> BankAccountRow:
        for row in self.accounts():
            if row.name == name:
                return row
        with self._read(Permission.CASH_VIEW) as s:
            find_account(s, name)  # raises the NotFoundError naming the known accounts
        raise AssertionError("unreachable")

    def lines(
        self,
        account: str,
        *,
        start: Any = None,
        end: Any = None,
        status: LineStatus | str | None = None,
    ) -> list[BankLineRow]:
        """The account's lines by booking date (then import order), optionally within dates and by status."""
        with self._read(Permission.CASH_VIEW) as s:
            bank = find_account(s, account)
            exponent = currency_exponent(bank.currency)
            q = select(BankLine).where(BankLine.bank_account_id == bank.id)
            if start is not None:
                q = q.where(BankLine.booked >= start)
            if end is not None:
                q = q.where(BankLine.booked <= end)
            if status is not None:
                try:
                    q = q.where(BankLine.status == LineStatus(status))
                except ValueError:
                    raise ValidationError(
                        f"unknown status '{status}' (choose {', '.join(s.value for s in LineStatus)})"
                    ) from None
            rows = s.execute(q.order_by(BankLine.booked, BankLine.id)).scalars().all()
            return [
                BankLineRow(
                    r.id,
                    bank.name,
                    r.booked,
                    r.value_date,
                    from_minor(r.amount, exponent),
                    r.currency,
                    r.description,
                    r.reference,
                    r.bank_id,
                    r.counterparty,
                    r.counterparty_account,
                    r.kind,
                    r.status,
                    r.statement_id,
                )
                for r in rows
            ]

    def statements(self, account: str) -> list[StatementRow]:
        from paksa_desktop.security.models import User

        with self._read(Permission.CASH_VIEW) as s:
            bank = find_account(s, account)
            exponent = currency_exponent(bank.currency)
            q = (
                select(BankStatement, User.username)
                .outerjoin(User, User.id == BankStatement.imported_by)
                .where(BankStatement.bank_account_id == bank.id)
                .order_by(BankStatement.end_date, BankStatement.id)
            )
            return [
                StatementRow(
                    st.id,
                    bank.name,
                    st.format,
                    st.source,
                    st.statement_ref,
                    st.start_date,
                    st.end_date,
                    None if st.opening is None else from_minor(st.opening, exponent),
                    None if st.closing is None else from_minor(st.closing, exponent),
                    st.currency,
                    st.line_count,
                    st.skipped_count,
                    username or "",
                    st.imported_at,
                )
                for st, username in s.execute(q)
            ]

    def last_balance(self, account: str) -> tuple[Any, Decimal] | None:
        """(date, balance) of the latest imported statement that states a closing balance, or None."""
        with self._read(Permission.CASH_VIEW) as s:
            bank = find_account(s, account)
            found = last_closing(s, bank.id)
            exponent = currency_exponent(bank.currency)
        return None if found is None else (found[0], from_minor(found[1], exponent))


def last_closing(s: Session, account_id: int) -> tuple[Any, int] | None:
    """(end date, closing in minor units) of the account's latest statement with a closing balance."""
    row = s.execute(
        select(BankStatement.end_date, BankStatement.closing)
        .where(BankStatement.bank_account_id == account_id, BankStatement.closing.is_not(None))
        .order_by(BankStatement.end_date.desc().nulls_last(), BankStatement.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])
