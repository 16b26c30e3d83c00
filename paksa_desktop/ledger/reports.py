"""General-ledger reports built into the neutral report model."""

from __future__ import annotations

from decimal import Decimal

from paksa_desktop.ledger.queries import TrialBalance
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle

# The `paksa report trial-balance --format csv` contract.
TRIAL_BALANCE_CSV = ("code", "name", "debit", "credit", "balance")


def trial_balance_report(tb: TrialBalance, company: str, exponent: int) -> Report:
    """As of a date: code, name, debit, credit, balance. For a range: opening and closing around the
    range's debits and credits, `balance` being the range's net movement (debit - credit)."""
    ranged = tb.start is not None
    columns = [Column("code", "Code"), Column("name", "Account")]
    if ranged:
        columns.append(Column("opening", "Opening", ColumnKind.MONEY))
    columns += [
        Column("debit", "Debit", ColumnKind.MONEY),
        Column("credit", "Credit", ColumnKind.MONEY),
        Column("balance", "Net movement" if ranged else "Balance", ColumnKind.MONEY),
    ]
    if ranged:
        columns.append(Column("closing", "Closing", ColumnKind.MONEY))
    rows = []
    for r in tb.rows:
        cells: list = [r.code, r.name]
        if ranged:
            cells.append(r.opening)
        cells += [r.debit, r.credit, r.debit - r.credit]
        if ranged:
            cells.append(r.closing)
        rows.append(ReportRow(tuple(cells), drill=DrillKey("account", r.account_id, tb.start, tb.end)))
    zero = Decimal(0)
    total: list = ["", "Total"]
    if ranged:
        total.append(sum((r.opening for r in tb.rows), zero))
    total += [tb.total_debit, tb.total_credit, tb.total_debit - tb.total_credit]
    if ranged:
        total.append(sum((r.closing for r in tb.rows), zero))
    subtitle = f"{tb.start} to {tb.end}" if ranged else (f"as of {tb.end}" if tb.end else "all dates")
    return Report(
        "Trial balance",
        tuple(columns),
        tuple(rows),
        subtitle=subtitle,
        company=company,
        currency=tb.currency,
        exponent=exponent,
        totals=(ReportRow(tuple(total), style=RowStyle.TOTAL),),
    )
