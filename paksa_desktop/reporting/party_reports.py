"""The report shapes receivables and payables share, party by party (a customer or a vendor): the aging
by party, the aging by document, the open items and the party ledger.

The two subledgers differ in their queries, their document columns and their drill-down keys, which the
callers pass in; the rows, subtotals, totals and metadata are built here once, so the two reports keep
the same shape (and the CSV contracts of `paksa ar` and `paksa ap` stay alike).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Protocol, TypeVar

from paksa_desktop.core.money import from_minor
from paksa_desktop.receivables.aging import FALLS_DUE, AgeBasis, Buckets, days_between
from paksa_desktop.receivables.aging import bucket_of as _bucket_of
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.reporting.subledger import CompanyFacts

Names = Mapping[int, tuple[str, str]]  # party id -> (code, name)


class OpenDocument(Protocol):
    """What the aging detail needs of an open item (receivables' OpenItem, payables' OpenBill)."""

    @property
    def kind(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def date(self) -> date: ...
    @property
    def due_date(self) -> date: ...
    @property
    def open_base(self) -> int: ...


class Aged(Protocol):
    """One party's aged sums (receivables.aging.AgedCustomer, used for vendors too)."""

    @property
    def customer_id(self) -> int: ...
    @property
    def amounts(self) -> Sequence[int]: ...
    @property
    def total(self) -> int: ...


class LedgerMove(Protocol):
    @property
    def date(self) -> date: ...
    @property
    def number(self) -> str: ...
    @property
    def drill(self) -> tuple[str, int]: ...
    @property
    def base(self) -> int: ...


D = TypeVar("D", bound=OpenDocument)
M = TypeVar("M", bound=LedgerMove)


def only(party: str, code: str | None) -> str:
    """The subtitle's filter part: ' · customer C001' (nothing when all parties are shown)."""
    return f" · {party} {code}" if code else ""


def aging_subtitle(as_of: date, basis: AgeBasis, document: str) -> str:
    """'as of 30 June 2024 · days past due' (or days since the `document` date)."""
    counted = "days past due" if basis is AgeBasis.DUE_DATE else f"days since the {document} date"
    return f"as of {as_of:%d %B %Y} · {counted}"


def days_overdue(item: OpenDocument, as_of: date) -> int | None:
    """How many days past due a document that falls due is on `as_of` (0 if not yet); None for credits."""
    return max(days_between(item.due_date, as_of), 0) if item.kind in FALLS_DUE else None


def by_party(items: Iterable[D], names: Names, party_of: Callable[[D], int]) -> list[tuple[int, list[D]]]:
    """Open items grouped by party in code order, each party's by due date and number."""
    groups: dict[int, list[D]] = {}
    for item in items:
        groups.setdefault(party_of(item), []).append(item)
    return [
        (pid, sorted(groups[pid], key=lambda i: (i.due_date, i.number)))
        for pid in sorted(groups, key=lambda pid: names[pid][0])
    ]


def _money(amounts: Iterable[int], exp: int) -> tuple[object, ...]:
    return tuple(from_minor(a, exp) for a in amounts)


def _party_columns(party: str) -> tuple[Column, Column]:
    return Column(party, party.capitalize()), Column("name", "Name")


def _bucket_columns(buckets: Buckets) -> tuple[Column, ...]:
    return (
        *(Column(k, t, ColumnKind.MONEY) for k, t in zip(buckets.keys, buckets.titles, strict=True)),
        Column("total", "Total", ColumnKind.MONEY),
    )


def _aging_meta(as_of: date, buckets: Buckets, basis: AgeBasis, total: int, exp: int) -> dict[str, object]:
    return {"as_of": as_of, "buckets": buckets.limits, "basis": basis.value, "total": from_minor(total, exp)}


def aging_report(
    facts: CompanyFacts,
    names: Names,
    aged: Iterable[Aged],
    as_of: date,
    buckets: Buckets,
    basis: AgeBasis,
    *,
    party: str,
    title: str,
    subtitle: str,
) -> Report:
    """One row per `party` (customer or vendor) with its open base amounts by bucket, in code order."""
    exp = facts.exponent
    columns = (*_party_columns(party), *_bucket_columns(buckets))
    rows = []
    sums = [0] * len(buckets)
    for one in sorted(aged, key=lambda c: names[c.customer_id][0]):
        code, name = names[one.customer_id]
        sums = [a + b for a, b in zip(sums, one.amounts, strict=True)]
        rows.append(
            ReportRow(
                (code, name, *(from_minor(a, exp) for a in one.amounts), from_minor(one.total, exp)),
                drill=DrillKey(party, one.customer_id, None, as_of),
            )
        )
    total = ReportRow(("", "Total", *(from_minor(a, exp) for a in sums), from_minor(sum(sums), exp)), RowStyle.TOTAL)
    return Report(
        title,
        columns,
        tuple(rows),
        subtitle=subtitle,
        company=facts.name,
        currency=facts.currency,
        exponent=exp,
        totals=(total,),
        meta=_aging_meta(as_of, buckets, basis, sum(sums), exp),
    )


def aging_detail_report(
    facts: CompanyFacts,
    names: Names,
    groups: Sequence[tuple[int, Sequence[D]]],
    as_of: date,
    buckets: Buckets,
    basis: AgeBasis,
    *,
    party: str,
    title: str,
    subtitle: str,
    columns: Sequence[Column],
    cells: Callable[[D], tuple[object, ...]],
    drill: Callable[[D], DrillKey],
) -> Report:
    """Every open document in its bucket, grouped by party (`by_party`) with a heading and a subtotal each.
    `columns` and `cells` are the document's own columns between the party's code and the buckets."""
    exp = facts.exponent
    width = len(buckets)
    blanks = [None] * (len(columns) - 1)
    all_columns = (Column(party, party.capitalize()), *columns, *_bucket_columns(buckets))
    rows: list[ReportRow] = []
    sums = [0] * width
    for pid, group in groups:
        code, name = names[pid]
        rows.append(ReportRow((f"{code} {name}", *([None] * (len(all_columns) - 1))), RowStyle.HEADING))
        subtotal = [0] * width
        for item in group:
            day = item.due_date if basis is AgeBasis.DUE_DATE else item.date
            index = _bucket_of(item.kind, day, as_of, buckets)
            amounts = [0] * width
            amounts[index] = item.open_base
            subtotal[index] += item.open_base
            rows.append(
                ReportRow(
                    (code, *cells(item), *(from_minor(a, exp) for a in amounts), from_minor(item.open_base, exp)),
                    drill=drill(item),
                    level=1,
                )
            )
        sums = [a + b for a, b in zip(sums, subtotal, strict=True)]
        rows.append(
            ReportRow(
                (
                    code,
                    f"Total {name}",
                    *blanks,
                    *(from_minor(a, exp) for a in subtotal),
                    from_minor(sum(subtotal), exp),
                ),
                RowStyle.SUBTOTAL,
                DrillKey(party, pid, None, as_of),
            )
        )
    total = ReportRow(
        ("", "Total", *blanks, *(from_minor(a, exp) for a in sums), from_minor(sum(sums), exp)), RowStyle.TOTAL
    )
    return Report(
        title,
        all_columns,
        tuple(rows),
        subtitle=subtitle,
        company=facts.name,
        currency=facts.currency,
        exponent=exp,
        totals=(total,),
        meta=_aging_meta(as_of, buckets, basis, sum(sums), exp),
    )


def open_items_report(
    facts: CompanyFacts,
    names: Names,
    groups: Sequence[tuple[int, Sequence[D]]],
    as_of: date,
    *,
    party: str,
    title: str,
    subtitle: str,
    columns: Sequence[Column],
    cells: Callable[[D], tuple[object, ...]],
    drill: Callable[[D], DrillKey],
) -> Report:
    """Every open document, one row each: the party's code and name, `cells` under `columns`, and the open
    base amount, with the grand total."""
    exp = facts.exponent
    rows = []
    total = 0
    for pid, group in groups:
        code, name = names[pid]
        for item in group:
            total += item.open_base
            rows.append(ReportRow((code, name, *cells(item), from_minor(item.open_base, exp)), drill=drill(item)))
    return Report(
        title,
        (
            Column(party, party.capitalize()),
            Column("name", "Name"),
            *columns,
            Column("open_base", "Open", ColumnKind.MONEY),
        ),
        tuple(rows),
        subtitle=subtitle,
        company=facts.name,
        currency=facts.currency,
        exponent=exp,
        totals=(ReportRow(("", "Total", *([None] * len(columns)), from_minor(total, exp)), RowStyle.TOTAL),),
        meta={"as_of": as_of, "total": from_minor(total, exp)},
    )


def party_ledger(
    facts: CompanyFacts,
    names: Names,
    opening: Mapping[int, int],
    moves: Mapping[int, Sequence[M]],
    start: date,
    end: date,
    *,
    party: str,
    title: str,
    subtitle: str,
    titles: tuple[str, str, str],
    credit_balance: bool,
    describe: Callable[[M], str],
) -> Report:
    """Per party: the opening balance, every movement of the period with a running balance, and the closing
    balance (with the period's debits and credits). Balances and `move.base` are in the subledger's own sense:
    a receivable is a debit balance, a payable (`credit_balance`) a credit one; `titles` name the debit,
    credit and balance columns."""
    exp = facts.exponent
    sign = -1 if credit_balance else 1
    debit_title, credit_title, balance_title = titles
    columns = (
        Column(party, party.capitalize()),
        Column("date", "Date", ColumnKind.DATE),
        Column("document", "Document"),
        Column("description", "Description"),
        Column("debit", debit_title, ColumnKind.MONEY),
        Column("credit", credit_title, ColumnKind.MONEY),
        Column("balance", balance_title, ColumnKind.MONEY),
    )
    rows: list[ReportRow] = []
    closing_total = 0
    for pid in sorted(set(opening) | set(moves), key=lambda p: names[p][0]):
        code, name = names[pid]
        balance = opening.get(pid, 0)
        rows.append(ReportRow((f"{code} {name}", None, "", "", None, None, None), RowStyle.HEADING))
        rows.append(ReportRow((code, start, "", "Opening balance", None, None, from_minor(balance, exp)), level=1))
        debits = credits = 0
        for move in moves.get(pid, ()):
            balance += move.base
            debit = sign * move.base
            debits += max(debit, 0)
            credits += max(-debit, 0)
            rows.append(
                ReportRow(
                    (
                        code,
                        move.date,
                        move.number,
                        describe(move),
                        from_minor(debit, exp) if debit > 0 else None,
                        from_minor(-debit, exp) if debit < 0 else None,
                        from_minor(balance, exp),
                    ),
                    drill=DrillKey(*move.drill),
                    level=1,
                )
            )
        closing_total += balance
        rows.append(
            ReportRow(
                (
                    code,
                    end,
                    "",
                    "Closing balance",
                    from_minor(debits, exp),
                    from_minor(credits, exp),
                    from_minor(balance, exp),
                ),
                RowStyle.SUBTOTAL,
                DrillKey(party, pid, start, end),
            )
        )
    return Report(
        title,
        columns,
        tuple(rows),
        subtitle=subtitle,
        company=facts.name,
        currency=facts.currency,
        exponent=exp,
        totals=(ReportRow(("", None, "", "Total", None, None, from_minor(closing_total, exp)), RowStyle.TOTAL),),
        meta={"start": start, "end": end, "closing": from_minor(closing_total, exp)},
    )
