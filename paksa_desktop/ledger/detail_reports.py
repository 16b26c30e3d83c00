"""The general ledger detail and the journal report: every posted line of a period, in the report model.

Both stream their lines from one ordered query (the ledger walks the account/date index), so a period
of hundreds of thousands of lines costs one pass.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import Account, CompanySettings, Department, JournalEntry, JournalLine, Project
from paksa_desktop.ledger.statements import StatementOptions, dimension_id, line_filters, period_of
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

DETAIL_COLUMNS = (
    Column("date", "Date", ColumnKind.DATE),
    Column("entry", "Entry"),
    Column("account", "Account"),
    Column("memo", "Memo"),
    Column("debit", "Debit", ColumnKind.MONEY),
    Column("credit", "Credit", ColumnKind.MONEY),
    Column("balance", "Balance", ColumnKind.MONEY),
)


def _split(units: int, exp: int) -> tuple[Decimal | None, Decimal | None]:
    value = from_minor(abs(units), exp)
    return (value, None) if units > 0 else (None, value) if units < 0 else (None, None)


class DetailReports(GuardedService):
    """Read-only, `ledger.view`."""

    def general_ledger(self, options: StatementOptions, accounts: tuple[str, ...] = ()) -> Report:
        """Per account: opening balance, each line of the period with a running balance, closing balance."""
        with self._read(Permission.LEDGER_VIEW) as s:
            company = s.execute(select(CompanySettings)).scalar_one()
            exp = currency_exponent(company.base_currency)
            start, end = period_of(options, company.fiscal_year_start_month, self.ctx.clock.today())
            line = JournalLine.__table__.c
            where = _filters(s, options)
            if accounts:
                ids = list(s.execute(select(Account.id).where(Account.code.in_(accounts))).scalars())
                where.append(line.account_id.in_(ids))
            opening = dict(
                s.execute(
                    select(line.account_id, func.sum(line.amount))
                    .where(line.date < start, *where)
                    .group_by(line.account_id)
                ).all()
            )
            names = {a.id: (a.code, a.name) for a in s.execute(select(Account.id, Account.code, Account.name))}
            stmt: Select = (  # type: ignore[type-arg]
                select(line.account_id, line.date, JournalEntry.number, line.memo, JournalEntry.memo, line.amount)
                .join(JournalEntry, JournalEntry.id == line.entry_id)
                .where(line.date >= start, line.date <= end, *where)
                .order_by(line.account_id, line.date, line.id)
            )
            rows: list[ReportRow] = []
            current: int | None = None
            balance = debits = credits = 0

            def close_account() -> None:
                code, name = names[current]  # type: ignore[index]
                rows.append(
                    ReportRow(
                        (
                            end,
                            "",
                            f"{code} {name}",
                            "Closing balance",
                            from_minor(debits, exp),
                            from_minor(credits, exp),
                            from_minor(balance, exp),
                        ),
                        RowStyle.SUBTOTAL,
                        DrillKey("account", current, start, end),  # type: ignore[arg-type]
                    )
                )

            def open_account(account_id: int) -> None:
                code, name = names[account_id]
                rows.append(ReportRow((None, "", f"{code} {name}", "", None, None, None), RowStyle.HEADING))
                rows.append(
                    ReportRow(
                        (start, "", "", "Opening balance", None, None, from_minor(opening.get(account_id) or 0, exp))
                    )
                )

            seen: set[int] = set()
            for account_id, day, number, line_memo, entry_memo, amount in s.execute(stmt):
                if account_id != current:
                    if current is not None:
                        close_account()
                    current, seen = account_id, seen | {account_id}
                    balance, debits, credits = int(opening.get(account_id) or 0), 0, 0
                    open_account(account_id)
                balance += amount
                debits += max(amount, 0)
                credits += max(-amount, 0)
                debit, credit = _split(amount, exp)
                code, _name = names[account_id]
                rows.append(
                    ReportRow(
                        (
                            day,
                            number or "",
                            code,
                            line_memo or entry_memo or "",
                            debit,
                            credit,
                            from_minor(balance, exp),
                        )
                    )
                )
            if current is not None:
                close_account()
            for account_id in sorted((a for a, v in opening.items() if v and a not in seen), key=lambda a: names[a][0]):
                current, balance, debits, credits = account_id, int(opening[account_id]), 0, 0
                open_account(account_id)
                close_account()
            return Report(
                "General ledger",
                DETAIL_COLUMNS,
                tuple(rows),
                subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}",
                company=company.name,
                currency=company.base_currency,
                exponent=exp,
            )

    def journal(self, options: StatementOptions, journal: str | None = None) -> Report:
        """Every posted entry of the period in number order, its lines under it, with the period's totals."""
        from paksa_desktop.ledger.models import EntryState, Journal

        with self._read(Permission.LEDGER_VIEW) as s:
            company = s.execute(select(CompanySettings)).scalar_one()
            exp = currency_exponent(company.base_currency)
            start, end = period_of(options, company.fiscal_year_start_month, self.ctx.clock.today())
            line = JournalLine.__table__.c
            where = [
                line.date >= start,
                line.date <= end,
                *_filters(s, options),
            ]
            if journal:
                where.append(JournalEntry.journal_id.in_(select(Journal.id).where(Journal.code == journal)))
            stmt = (
                select(
                    line.entry_id,
                    line.date,
                    JournalEntry.number,
                    JournalEntry.memo,
                    Account.code,
                    Account.name,
                    line.memo,
                    line.amount,
                )
                .join(JournalEntry, JournalEntry.id == line.entry_id)
                .join(Account, Account.id == line.account_id)
                .where(*where, JournalEntry.state != EntryState.DRAFT)
                .order_by(line.date, line.entry_id, line.line_no)
            )
            rows: list[ReportRow] = []
            last: int | None = None
            debits = credits = 0
            for entry_id, day, number, entry_memo, code, name, memo, amount in s.execute(stmt):
                if entry_id != last:
                    rows.append(
                        ReportRow(
                            (day, number or "", "", entry_memo or "", None, None),
                            RowStyle.HEADING,
                            DrillKey("entry", entry_id),
                        )
                    )
                    last = entry_id
                debit, credit = _split(amount, exp)
                debits += max(amount, 0)
                credits += max(-amount, 0)
                rows.append(ReportRow((None, "", f"{code} {name}", memo or "", debit, credit), level=1))
            total = ReportRow(
                (None, "", "", "Total", from_minor(debits, exp), from_minor(credits, exp)), RowStyle.TOTAL
            )
            return Report(
                "Journal",
                DETAIL_COLUMNS[:-1],
                tuple(rows),
                subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}" + (f" · journal {journal}" if journal else ""),
                company=company.name,
                currency=company.base_currency,
                exponent=exp,
                totals=(total,),
            )


def _filters(s: Session, options: StatementOptions) -> list:  # type: ignore[type-arg]
    department = dimension_id(s, Department, options.department)
    return line_filters(department, dimension_id(s, Project, options.project))
