"""Sales by customer, item or month, the sales tax report and days sales outstanding, for a period.

Figures are base currency, each line valued as its document's GL entry posted it
(`amounts.base_split`), so the sales by customer, by item and by month all add up to the same net
sales, and to what the invoices and credit notes of the period posted to income. Credit notes count
negative, on their own date. Builders take the caller's read session (the service checks permission).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import add_months, month_end
from paksa_desktop.receivables import report_queries as rq
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE, base_split
from paksa_desktop.receivables.models import DocumentKind, Item, TaxCodeRow
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle

if TYPE_CHECKING:
    from paksa_desktop.receivables.ar_reports import CompanyFacts


class SalesBy(enum.StrEnum):
    CUSTOMER = "customer"
    ITEM = "item"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class ValuedLine:
    """A document line with its net and tax in base units, signed (credit notes negative)."""

    row: rq.DocumentLineRow
    sign: int
    net: int
    tax: int


def valued_lines(s: Session, base_currency: str, start: date, end: date) -> Iterator[ValuedLine]:
    """The period's lines, each valued in base units as its document's entry posted it."""
    rows = rq.document_lines(s, start, end)
    k = 0
    while k < len(rows):
        first = rows[k]
        n = k
        while n < len(rows) and rows[n].invoice_id == first.invoice_id:
            n += 1
        lines = rows[k:n]
        split = base_split(
            [
                (
                    (r.account_id, r.department_id, r.project_id),
                    r.net,
                    (r.tax_account_id, None, None) if r.tax_account_id is not None else None,
                    r.tax,
                )
                for r in lines
            ],
            first.base_total,
            Decimal(first.rate),
            first.currency,
            base_currency,
        )
        sign = 1 if first.kind is DocumentKind.INVOICE else -1
        for row, (net, tax) in zip(lines, split, strict=True):
            yield ValuedLine(row, sign, sign * net, sign * tax)
        k = n


def _period_subtitle(start: date, end: date) -> str:
    return f"{start:%d %B %Y} to {end:%d %B %Y}"


def _report(
    title: str,
    facts: CompanyFacts,
    start: date,
    end: date,
    columns: tuple[Column, ...],
    rows: list[ReportRow],
    total: tuple[object, ...],
    **meta: object,
) -> Report:
    return Report(
        title,
        columns,
        tuple(rows),
        subtitle=_period_subtitle(start, end),
        company=facts.name,
        currency=facts.currency,
        exponent=facts.exponent,
        totals=(ReportRow(total, RowStyle.TOTAL),),  # type: ignore[arg-type]
        meta={"start": start, "end": end, **meta},
    )


# --------------------------------------------------------------------------------------------- sales


def sales(s: Session, facts: CompanyFacts, start: date, end: date, by: SalesBy) -> Report:
    if by is SalesBy.ITEM:
        return _sales_by_item(s, facts, start, end)
    exp = facts.exponent
    groups: dict[object, list[int]] = {}  # key -> [invoices, credit notes, net, tax]
    seen: set[int] = set()
    for line in valued_lines(s, facts.currency, start, end):
        row = line.row
        key = row.customer_id if by is SalesBy.CUSTOMER else (row.date.year, row.date.month)
        sums = groups.setdefault(key, [0, 0, 0, 0])
        if row.invoice_id not in seen:
            seen.add(row.invoice_id)
            sums[0 if line.sign > 0 else 1] += 1
        sums[2] += line.net
        sums[3] += line.tax
    figures = (
        Column("invoices", "Invoices", ColumnKind.INTEGER),
        Column("credit_notes", "Credit notes", ColumnKind.INTEGER),
        Column("net_sales", "Net sales", ColumnKind.MONEY),
        Column("tax", "Tax", ColumnKind.MONEY),
        Column("gross", "Gross", ColumnKind.MONEY),
    )

    def money(sums: list[int]) -> tuple[object, ...]:
        return (
            sums[0],
            sums[1],
            from_minor(sums[2], exp),
            from_minor(sums[3], exp),
            from_minor(sums[2] + sums[3], exp),
        )

    rows = []
    if by is SalesBy.CUSTOMER:
        names = rq.customer_names(s)
        columns = (Column("customer", "Customer"), Column("name", "Name"), *figures)
        for cid in sorted(groups, key=lambda c: names[c][0]):  # type: ignore[index]
            code, name = names[cid]  # type: ignore[index]
            rows.append(ReportRow((code, name, *money(groups[cid])), drill=DrillKey("customer", cid, start, end)))  # type: ignore[arg-type]
    else:
        columns = (Column("month", "Month"), *figures)
        first = start.replace(day=1)
        while first <= end:  # every month of the period, quiet ones too: a trend reads better unbroken
            sums = groups.get((first.year, first.month), [0, 0, 0, 0])
            rows.append(ReportRow((f"{first:%Y-%m}", *money(sums))))
            first = add_months(first, 1)
    total = [sum(g[i] for g in groups.values()) for i in range(4)]
    lead = ("", "Total") if by is SalesBy.CUSTOMER else ("Total",)
    title = "Sales by customer" if by is SalesBy.CUSTOMER else "Sales by month"
    return _report(title, facts, start, end, columns, rows, (*lead, *money(total)), net_sales=from_minor(total[2], exp))


def _sales_by_item(s: Session, facts: CompanyFacts, start: date, end: date) -> Report:
    exp = facts.exponent
    groups: dict[int | None, list[int]] = {}  # item id -> [quantity_e4, net]
    for line in valued_lines(s, facts.currency, start, end):
        sums = groups.setdefault(line.row.item_id, [0, 0])
        sums[0] += line.sign * line.row.quantity_e4
        sums[1] += line.net
    items = {r.id: (r.code, r.description) for r in s.execute(select(Item.id, Item.code, Item.description))}
    columns = (
        Column("item", "Item"),
        Column("description", "Description"),
        Column("quantity", "Quantity", ColumnKind.INTEGER),
        Column("net_sales", "Net sales", ColumnKind.MONEY),
    )
    rows = []
    for item_id in sorted(groups, key=lambda i: ("~",) if i is None else (items[i][0],)):
        quantity, net = groups[item_id]
        code, description = items[item_id] if item_id is not None else ("", "Lines without an item")
        rows.append(ReportRow((code, description, _quantity(quantity), from_minor(net, exp))))
    net_total = sum(g[1] for g in groups.values())
    return _report(
        "Sales by item",
        facts,
        start,
        end,
        columns,
        rows,
        ("", "Total", None, from_minor(net_total, exp)),
        net_sales=from_minor(net_total, exp),
    )


def _quantity(quantity_e4: int) -> Decimal:
    value = Decimal(quantity_e4) / QUANTITY_SCALE
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# --------------------------------------------------------------------------------------------- tax


def tax(s: Session, facts: CompanyFacts, start: date, end: date) -> Report:
    """Per tax code: the taxable amount and the tax of invoices, of credit notes (negative) and net; lines
    without a tax code on a last row, so the taxable amounts add up to the period's net sales."""
    exp = facts.exponent
    groups: dict[int | None, list[int]] = {}  # tax code id -> [inv base, inv tax, cn base, cn tax]
    for line in valued_lines(s, facts.currency, start, end):
        sums = groups.setdefault(line.row.tax_code_id, [0, 0, 0, 0])
        offset = 0 if line.sign > 0 else 2
        sums[offset] += line.net
        sums[offset + 1] += line.tax
    codes = {
        r.id: (r.code, r.name, Decimal(r.rate_e4) / PERCENT_SCALE)
        for r in s.execute(select(TaxCodeRow.id, TaxCodeRow.code, TaxCodeRow.name, TaxCodeRow.rate_e4))
    }
    columns = (
        Column("tax_code", "Tax code"),
        Column("name", "Name"),
        Column("rate", "Rate", ColumnKind.PERCENT),
        Column("invoices_taxable", "Invoices: taxable", ColumnKind.MONEY),
        Column("invoices_tax", "Invoices: tax", ColumnKind.MONEY),
        Column("credit_notes_taxable", "Credit notes: taxable", ColumnKind.MONEY),
        Column("credit_notes_tax", "Credit notes: tax", ColumnKind.MONEY),
        Column("taxable", "Net taxable", ColumnKind.MONEY),
        Column("tax", "Net tax", ColumnKind.MONEY),
    )

    def money(sums: list[int]) -> tuple[Decimal, ...]:
        net = [sums[0], sums[1], sums[2], sums[3], sums[0] + sums[2], sums[1] + sums[3]]
        return tuple(from_minor(v, exp) for v in net)

    rows = []
    for code_id in sorted(groups, key=lambda c: ("~",) if c is None else (codes[c][0],)):
        code, name, rate = codes[code_id] if code_id is not None else ("", "No tax", None)
        rows.append(ReportRow((code, name, rate, *money(groups[code_id]))))
    total = [sum(g[i] for g in groups.values()) for i in range(4)]
    return _report(
        "Sales tax",
        facts,
        start,
        end,
        columns,
        rows,
        ("", "Total", None, *money(total)),
        tax=from_minor(total[1] + total[3], exp),
    )


# --------------------------------------------------------------------------------------------- DSO


def dso_days(receivables: int, credit_sales: int, days: int) -> Decimal | None:
    """Days sales outstanding: receivables at the end / credit sales of the period x days in it, to
    0.1 day (half-even); None when the period sold nothing on credit (the ratio means nothing then)."""
    if credit_sales <= 0:
        return None
    return (Decimal(receivables) * days / credit_sales).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def dso(s: Session, facts: CompanyFacts, start: date, end: date) -> Report:
    """One row per month of the period (receivables at the month's end against that month's credit
    sales), then the whole period on the total row."""
    exp = facts.exponent
    columns = (
        Column("period", "Period"),
        Column("end", "End", ColumnKind.DATE),
        Column("receivables", "Receivables at end", ColumnKind.MONEY),
        Column("credit_sales", "Credit sales", ColumnKind.MONEY),
        Column("days", "Days", ColumnKind.INTEGER),
        Column("dso", "DSO (days)", ColumnKind.MONEY),
    )
    rows = []
    first = start
    while first <= end:
        last = min(month_end(first), end)
        receivables = rq.subledger_total(s, last)
        sold = rq.credit_sales(s, first, last)
        days = (last - first).days + 1
        rows.append(
            ReportRow(
                (
                    f"{first:%Y-%m}",
                    last,
                    from_minor(receivables, exp),
                    from_minor(sold, exp),
                    days,
                    dso_days(receivables, sold, days),
                ),
            )
        )
        first = add_months(first.replace(day=1), 1)
    receivables = rq.subledger_total(s, end)
    sold = rq.credit_sales(s, start, end)
    days = (end - start).days + 1
    value = dso_days(receivables, sold, days)
    total = ("Period", end, from_minor(receivables, exp), from_minor(sold, exp), days, value)
    return _report("Days sales outstanding", facts, start, end, columns, rows, total, dso=value)
