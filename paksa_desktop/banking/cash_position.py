"""Cash position: where the company's money is today, account by account, by currency and in base.

For every active bank account: its GL balance at the end of the day, in base (the lines' `amount`) and
in its own currency (a foreign account's lines carry their amount in its currency, `amount_cur`, which
posting requires: the balance is their exact sum, no rate involved), the day's rate (what the account is
worth in base at it is the revaluation's business), the last imported statement's date and closing
balance, and
the uncleared items: bank lines still `unmatched` (what the bank has done that the books have not
matched yet). Totals: one subtotal per currency and a grand total in base.

Read-only, `cash.view`. A foreign account without a rate on or before the day is an error naming the
currency and the day (fx/rates.py's rule), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from paksa_desktop.banking.accounts import last_closing
from paksa_desktop.banking.models import BankAccount, BankLine, BankStatement, LineStatus
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.models import Account, CompanySettings, JournalLine
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

RATE_HINT = "enter one in the rate table or import a rate file (needed to value the bank account)"


@dataclass(frozen=True, slots=True)
class PositionRow:
    """One bank account's line of the cash position."""

    account: str
    bank_name: str
    currency: str
    gl_account: str
    balance: Decimal  # in the account's currency
    base_balance: Decimal  # the GL balance, in base
    rate: Decimal  # base units per unit of the account's currency on the day
    statement_date: date | None
    statement_balance: Decimal | None  # closing balance of the last imported statement, account currency
    uncleared_count: int
    uncleared_amount: Decimal  # sum of the unmatched lines, account currency


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    balance: Decimal
    base_balance: Decimal
    uncleared_count: int
    uncleared_amount: Decimal


@dataclass(frozen=True, slots=True)
class CashPosition:
    day: date
    base_currency: str
    rows: tuple[PositionRow, ...]
    by_currency: tuple[CurrencyTotal, ...]
    total_base: Decimal


def gl_balances(s: Session, account_ids: list[int], day: date) -> dict[int, int]:
    """Posted balances (base minor units, debit positive) of GL accounts at the end of `day`, one query."""
    if not account_ids:
        return {}
    rows = s.execute(
        select(JournalLine.account_id, func.coalesce(func.sum(JournalLine.amount), 0))
        .where(JournalLine.account_id.in_(account_ids), JournalLine.date <= day)
        .group_by(JournalLine.account_id)
    )
    return {int(a): int(v) for a, v in rows}


def own_balances(s: Session, banks: Sequence[BankAccount], day: date) -> dict[int, int]:
    """Balances of bank accounts in their own currency at the end of `day` (minor units, by bank account id):
    the sum of their GL lines' amounts in that currency; for a base-currency account the base balance."""
    if not banks:
        return {}
    ids = [b.id for b in banks]
    foreign = func.sum(JournalLine.amount_cur).filter(JournalLine.currency == BankAccount.currency)
    rows = s.execute(
        select(
            BankAccount.id,
            func.coalesce(func.sum(JournalLine.amount), 0),
            func.coalesce(foreign, 0),
            BankAccount.currency == CompanySettings.base_currency,
        )
        .join(JournalLine, JournalLine.account_id == BankAccount.gl_account_id)
        .join(CompanySettings, true())
        .where(BankAccount.id.in_(ids), JournalLine.date <= day)
        .group_by(BankAccount.id, BankAccount.currency, CompanySettings.base_currency)
    )
    return {int(i): int(base if is_base else units) for i, base, units, is_base in rows}


def closing_by(s: Session, account_id: int, day: date) -> tuple[date, int] | None:
    """(end date, closing in minor units) of the account's last statement ending on or before `day`."""
    row = s.execute(
        select(BankStatement.end_date, BankStatement.closing)
        .where(
            BankStatement.bank_account_id == account_id,
            BankStatement.closing.is_not(None),
            BankStatement.end_date.is_not(None),
            BankStatement.end_date <= day,
        )
        .order_by(BankStatement.end_date.desc(), BankStatement.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], int(row[1]))


def in_currency(base_units: int, rate: Decimal, currency: str, base_currency: str) -> Decimal:
    """A base amount (minor units) expressed in `currency` at `rate`, to the currency's decimals."""
    base = from_minor(base_units, currency_exponent(base_currency))
    if currency == base_currency:
        return base
    places = Decimal(1).scaleb(-currency_exponent(currency))
    return (base / rate).quantize(places, rounding=ROUND_HALF_EVEN)


def cash_position(s: Session, day: date) -> CashPosition:
    """The position on `day` for every active bank account (a handful of grouped queries)."""
    base_currency = s.execute(select(CompanySettings.base_currency)).scalar_one()
    base_exp = currency_exponent(base_currency)
    banks = s.execute(
        select(BankAccount, Account.code)
        .join(Account, Account.id == BankAccount.gl_account_id)
        .where(BankAccount.is_active)
        .order_by(BankAccount.currency, BankAccount.name)
    ).all()
    balances = gl_balances(s, [b.gl_account_id for b, _ in banks], day)
    uncleared = {
        int(a): (int(n), int(v))
        for a, n, v in s.execute(
            select(BankLine.bank_account_id, func.count(BankLine.id), func.coalesce(func.sum(BankLine.amount), 0))
            .where(BankLine.status == LineStatus.UNMATCHED, BankLine.booked <= day)
            .group_by(BankLine.bank_account_id)
        )
    }
    own = own_balances(s, [b for b, _ in banks], day)
    rows: list[PositionRow] = []
    for bank, code in banks:
        exp = currency_exponent(bank.currency)
        rate = rate_on(s, bank.currency, day, base_currency, hint=RATE_HINT)
        units = balances.get(bank.gl_account_id, 0)
        last = last_closing(s, bank.id)
        count, amount = uncleared.get(bank.id, (0, 0))
        balance = from_minor(own.get(bank.id, 0), exp)
        rows.append(
            PositionRow(
                account=bank.name,
                bank_name=bank.bank_name,
                currency=bank.currency,
                gl_account=code,
                balance=balance,
                base_balance=from_minor(units, base_exp),
                rate=rate,
                statement_date=None if last is None else last[0],
                statement_balance=None if last is None else from_minor(last[1], exp),
                uncleared_count=count,
                uncleared_amount=from_minor(amount, exp),
            )
        )
    totals: dict[str, CurrencyTotal] = {}
    for r in rows:
        t = totals.get(r.currency) or CurrencyTotal(r.currency, Decimal(0), Decimal(0), 0, Decimal(0))
        totals[r.currency] = CurrencyTotal(
            r.currency,
            t.balance + r.balance,
            t.base_balance + r.base_balance,
            t.uncleared_count + r.uncleared_count,
            t.uncleared_amount + r.uncleared_amount,
        )
    total_base = sum((r.base_balance for r in rows), from_minor(0, base_exp))
    return CashPosition(day, base_currency, tuple(rows), tuple(totals.values()), total_base)


POSITION_COLUMNS = (
    Column("account", "Bank account"),
    Column("currency", "Currency"),
    Column("gl_account", "GL account"),
    Column("balance", "GL balance", ColumnKind.MONEY),
    Column("base_balance", "GL balance (base)", ColumnKind.MONEY),
    Column("statement_date", "Last statement", ColumnKind.DATE),
    Column("statement_balance", "Statement balance", ColumnKind.MONEY),
    Column("uncleared_count", "Uncleared", ColumnKind.INTEGER),
    Column("uncleared_amount", "Uncleared amount", ColumnKind.MONEY),
)


def position_report(position: CashPosition, company: str) -> Report:
    """Rows: the accounts; totals: one row per currency, then the base total."""
    rows = tuple(
        ReportRow(
            (
                r.account,
                r.currency,
                r.gl_account,
                r.balance,
                r.base_balance,
                r.statement_date,
                r.statement_balance,
                r.uncleared_count,
                r.uncleared_amount,
            )
        )
        for r in position.rows
    )
    subtotals = [
        ReportRow(
            (f"Total {t.currency}", t.currency, None, t.balance, t.base_balance, None, None, t.uncleared_count,
             t.uncleared_amount),
            RowStyle.SUBTOTAL,
        )
        for t in position.by_currency
    ]  # fmt: skip
    grand = ReportRow(
        (f"Total in {position.base_currency}", position.base_currency, None, None, position.total_base, None,
         None, None, None),
        RowStyle.TOTAL,
    )  # fmt: skip
    totals = (*subtotals, grand)
    subtitle = f"as of {position.day.isoformat()}"
    if not rows:
        subtitle += " · no active bank accounts (add one with `paksa bank account add`)"
    return Report(
        "Cash position",
        POSITION_COLUMNS,
        rows,
        subtitle=subtitle,
        company=company,
        currency=position.base_currency,
        exponent=currency_exponent(position.base_currency),
        totals=totals,
        meta={"day": position.day},
    )


class CashPositionQueries(GuardedService):
    """Read-only, `cash.view`."""

    def position(self, day: date | None = None) -> CashPosition:
        day = day or self.ctx.clock.today()
        with self._read(Permission.CASH_VIEW) as s:
            return cash_position(s, day)

    def report(self, day: date | None = None) -> Report:
        day = day or self.ctx.clock.today()
        with self._read(Permission.CASH_VIEW) as s:
            company = s.execute(select(CompanySettings.name)).scalar_one()
            return position_report(cash_position(s, day), company)
