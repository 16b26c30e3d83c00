"""`paksa export journal`: posted lines in exactly the columns `paksa import journal` reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from paksa_desktop.audit import trail
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.integration.tabular import file_format, write_table
from paksa_desktop.ledger.import_journal import COLUMNS
from paksa_desktop.ledger.models import (
    Account,
    CompanySettings,
    Department,
    JournalEntry,
    JournalLine,
    Project,
)
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission


def export_journal_file(
    engine: Engine,
    ctx: UserContext,
    path: Path,
    *,
    fmt: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Stream every posted line, entry by entry, to CSV or xlsx; returns the number of lines."""
    ctx.require(Permission.LEDGER_EXPORT)
    path = Path(path)
    kind = file_format(path, fmt)
    with UnitOfWork(engine, write=False) as uow:
        s = uow.session
        exponent = currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())
        total = s.execute(select(func.count()).select_from(JournalLine)).scalar_one()
        stmt = (
            select(
                JournalEntry.number,
                JournalLine.date,
                Account.code,
                JournalLine.amount,
                JournalLine.memo,
                Department.code,
                Project.code,
                JournalLine.currency,
                JournalLine.amount_cur,
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .join(Account, Account.id == JournalLine.account_id)
            .outerjoin(Department, Department.id == JournalLine.department_id)
            .outerjoin(Project, Project.id == JournalLine.project_id)
            .order_by(JournalLine.entry_id, JournalLine.line_no)
        )
        result = s.execute(stmt.execution_options(stream_results=True, yield_per=5000))
        text_amounts = kind == "csv"

        def rows() -> Iterator[list[Any]]:
            exponents: dict[str, int] = {}
            for done, (number, day, code, amount, memo, dept, proj, cur, units) in enumerate(result, start=1):
                value = from_minor(abs(amount), exponent)
                shown: Any = str(value) if text_amounts else value
                empty: Any = "" if text_amounts else None
                foreign: Any = empty
                if cur is not None:  # unsigned, on the line's side, as the import reads it
                    if cur not in exponents:
                        exponents[cur] = currency_exponent(cur)
                    foreign = from_minor(abs(units or 0), exponents[cur])
                    foreign = str(foreign) if text_amounts else foreign
                yield [
                    number,
                    day.isoformat() if text_amounts else day,
                    code,
                    shown if amount > 0 else empty,
                    shown if amount < 0 else empty,
                    memo,
                    dept or "",
                    proj or "",
                    cur or "",
                    foreign,
                ]
                if progress and done % 20000 == 0:
                    progress(done, total)

        count = write_table(path, COLUMNS, rows(), fmt=kind, sheet="Journal")
    if progress:
        progress(total, total)
    with UnitOfWork(engine) as uow:
        trail.record(uow.session, ctx, "export", "journal", after={"file": path.name, "lines": count})
        uow.commit()
    return count
