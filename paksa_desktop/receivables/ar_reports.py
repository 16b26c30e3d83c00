"""Receivables reports in the neutral report model: aging (per customer, and per document), open items,
the customer ledger, sales by customer, item or month, the tax report and days sales outstanding.

Each is computed once into a `Report`, which the Qt view, the PDF, Excel and CSV renderers and the
terminal table all draw, so every form shows the same figures. Amounts are base currency (the open
items' `open_base`), which is what the receivable control account holds: the aging's grand total is
the subledger of `paksa ar reconcile` on the same day. Drill-down keys lead to a customer
(`DrillKey("customer", id, end=as_of)`: its aging detail or ledger) or a document (`"invoice"`,
`"receipt"`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.core.money import from_minor
from paksa_desktop.receivables import report_queries as rq
from paksa_desktop.receivables import sales_reports
from paksa_desktop.receivables.aging import AgeBasis, Buckets, age, bucket_of, days_between
from paksa_desktop.receivables.document_queries import OpenItem, open_items
from paksa_desktop.receivables.sales_reports import SalesBy
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.reporting.subledger import CompanyFacts, company_facts, period, units_text
from paksa_desktop.reporting.subledger import aging_csv_columns as shared_aging_columns
from paksa_desktop.reporting.subledger import flat as flat  # the CSV form, imported from here by the CLI and views
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

KIND_TITLES = {"invoice": "Invoice", "credit_note": "Credit note", "receipt": "Receipt"}


def aging_csv_columns(buckets: Buckets | None = None) -> tuple[str, ...]:
    """The `paksa ar aging --format csv` contract: customer,name,current,days_1_30,...,over_90,total."""
    return shared_aging_columns(buckets, "customer")


_units_text = units_text


class ARReports(GuardedService):
    """Read-only, `receivables.view`."""

    # ------------------------------------------------------------------ aging
    def aging(
        self,
        as_of: date | None = None,
        buckets: Buckets | None = None,
        *,
        customer: str | None = None,
        basis: AgeBasis = AgeBasis.DUE_DATE,
    ) -> Report:
        """One row per customer with something open on `as_of`: their open base amounts by bucket."""
        as_of = as_of or self.ctx.clock.today()
        buckets = buckets or Buckets()
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            names = rq.customer_names(s)
            aged = age(rq.aged_sums(s, as_of, buckets, basis, self._customer(s, customer)), buckets)
        exp = facts.exponent
        columns = (
            Column("customer", "Customer"),
            Column("name", "Name"),
            *(Column(k, t, ColumnKind.MONEY) for k, t in zip(buckets.keys, buckets.titles, strict=True)),
            Column("total", "Total", ColumnKind.MONEY),
        )
        rows = []
        sums = [0] * len(buckets)
        for aged_customer in sorted(aged.values(), key=lambda c: names[c.customer_id][0]):
            code, name = names[aged_customer.customer_id]
            amounts = aged_customer.amounts
            sums = [a + b for a, b in zip(sums, amounts, strict=True)]
            rows.append(
                ReportRow(
                    (code, name, *(from_minor(a, exp) for a in amounts), from_minor(aged_customer.total, exp)),
                    drill=DrillKey("customer", aged_customer.customer_id, None, as_of),
                )
            )
        total = ReportRow(
            ("", "Total", *(from_minor(a, exp) for a in sums), from_minor(sum(sums), exp)), RowStyle.TOTAL
        )
        return Report(
            "Receivables aging",
            columns,
            tuple(rows),
            subtitle=_aging_subtitle(as_of, basis) + (f" · customer {customer}" if customer else ""),
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(total,),
            meta={"as_of": as_of, "buckets": buckets.limits, "basis": basis.value, "total": from_minor(sum(sums), exp)},
        )

    def aging_detail(
        self,
        as_of: date | None = None,
        buckets: Buckets | None = None,
        *,
        customer: str | None = None,
        basis: AgeBasis = AgeBasis.DUE_DATE,
    ) -> Report:
        """Every open document on `as_of` in its bucket, grouped by customer with subtotals: what the
        per-customer aging adds up. `flat(report)` leaves the documents alone (the CSV form)."""
        as_of = as_of or self.ctx.clock.today()
        buckets = buckets or Buckets()
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            names = rq.customer_names(s)
            items = open_items(s, as_of, self._customer(s, customer))
        exp = facts.exponent
        width = len(buckets)
        columns = (
            Column("customer", "Customer"),
            Column("document", "Document"),
            Column("kind", "Kind"),
            Column("date", "Date", ColumnKind.DATE),
            Column("due_date", "Due", ColumnKind.DATE),
            Column("days_overdue", "Days overdue", ColumnKind.INTEGER),
            Column("currency", "Currency"),
            Column("open_amount", "Open (document)"),
            *(Column(k, t, ColumnKind.MONEY) for k, t in zip(buckets.keys, buckets.titles, strict=True)),
            Column("total", "Total", ColumnKind.MONEY),
        )
        rows: list[ReportRow] = []
        sums = [0] * width
        for customer_id, group in _by_customer(items, names):
            code, name = names[customer_id]
            rows.append(ReportRow((f"{code} {name}", *([None] * (len(columns) - 1))), RowStyle.HEADING))
            subtotal = [0] * width
            for item in group:
                day = item.due_date if basis is AgeBasis.DUE_DATE else item.date
                index = bucket_of(item.kind, day, as_of, buckets)
                amounts = [0] * width
                amounts[index] = item.open_base
                subtotal[index] += item.open_base
                overdue = days_between(item.due_date, as_of) if item.kind == "invoice" else None
                rows.append(
                    ReportRow(
                        (
                            code,
                            item.number,
                            KIND_TITLES[item.kind],
                            item.date,
                            item.due_date,
                            max(overdue, 0) if overdue is not None else None,
                            item.currency,
                            _units_text(item.open_units, item.currency),
                            *(from_minor(a, exp) for a in amounts),
                            from_minor(item.open_base, exp),
                        ),
                        drill=_document_drill(item),
                        level=1,
                    )
                )
            sums = [a + b for a, b in zip(sums, subtotal, strict=True)]
            rows.append(
                ReportRow(
                    (
                        code,
                        f"Total {name}",
                        *([None] * 6),
                        *(from_minor(a, exp) for a in subtotal),
                        from_minor(sum(subtotal), exp),
                    ),
                    RowStyle.SUBTOTAL,
                    DrillKey("customer", customer_id, None, as_of),
                )
            )
        total = ReportRow(
            ("", "Total", *([None] * 6), *(from_minor(a, exp) for a in sums), from_minor(sum(sums), exp)),
            RowStyle.TOTAL,
        )
        return Report(
            "Receivables aging detail",
            columns,
            tuple(rows),
            subtitle=_aging_subtitle(as_of, basis) + (f" · customer {customer}" if customer else ""),
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(total,),
            meta={"as_of": as_of, "buckets": buckets.limits, "basis": basis.value, "total": from_minor(sum(sums), exp)},
        )

    # ------------------------------------------------------------------ open items
    def open_items(self, as_of: date | None = None, *, customer: str | None = None) -> Report:
        """Every invoice, credit note and receipt with something open on `as_of` (settlements dated
        later, and reversals dated by then, are as if they had not happened)."""
        as_of = as_of or self.ctx.clock.today()
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            names = rq.customer_names(s)
            items = open_items(s, as_of, self._customer(s, customer))
        exp = facts.exponent
        columns = (
            Column("customer", "Customer"),
            Column("name", "Name"),
            Column("kind", "Kind"),
            Column("document", "Document"),
            Column("date", "Date", ColumnKind.DATE),
            Column("due_date", "Due", ColumnKind.DATE),
            Column("days_overdue", "Days overdue", ColumnKind.INTEGER),
            Column("currency", "Currency"),
            Column("open_amount", "Open (document)"),
            Column("open_base", "Open", ColumnKind.MONEY),
        )
        rows = []
        total = 0
        for customer_id, group in _by_customer(items, names):
            code, name = names[customer_id]
            for item in group:
                total += item.open_base
                overdue = max(days_between(item.due_date, as_of), 0) if item.kind == "invoice" else None
                rows.append(
                    ReportRow(
                        (
                            code,
                            name,
                            KIND_TITLES[item.kind],
                            item.number,
                            item.date,
                            item.due_date,
                            overdue,
                            item.currency,
                            _units_text(item.open_units, item.currency),
                            from_minor(item.open_base, exp),
                        ),
                        drill=_document_drill(item),
                    )
                )
        return Report(
            "Open receivables",
            columns,
            tuple(rows),
            subtitle=f"as of {as_of:%d %B %Y}" + (f" · customer {customer}" if customer else ""),
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(ReportRow(("", "Total", *([None] * 7), from_minor(total, exp)), RowStyle.TOTAL),),
            meta={"as_of": as_of, "total": from_minor(total, exp)},
        )

    # ------------------------------------------------------------------ customer ledger
    def customer_ledger(
        self, start: date | None = None, end: date | None = None, *, customer: str | None = None
    ) -> Report:
        """Per customer: the opening balance, every document and settlement of the period with a running
        balance, and the closing balance, which is the customer's total in the aging on `end`."""
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            start, end = self._period(facts, start, end)
            names = rq.customer_names(s)
            only = self._customer(s, customer)
            opening = rq.balances(s, rq.day_before(start), only)
            moves = rq.movements(s, start, end, only)
        exp = facts.exponent
        columns = (
            Column("customer", "Customer"),
            Column("date", "Date", ColumnKind.DATE),
            Column("document", "Document"),
            Column("description", "Description"),
            Column("debit", "Debit", ColumnKind.MONEY),
            Column("credit", "Credit", ColumnKind.MONEY),
            Column("balance", "Balance", ColumnKind.MONEY),
        )
        by_customer: dict[int, list[rq.Movement]] = {}
        for move in moves:
            by_customer.setdefault(move.customer_id, []).append(move)
        customers = sorted(set(opening) | set(by_customer), key=lambda cid: names[cid][0])
        rows: list[ReportRow] = []
        closing_total = 0
        for cid in customers:
            code, name = names[cid]
            balance = opening.get(cid, 0)
            rows.append(ReportRow((f"{code} {name}", None, "", "", None, None, None), RowStyle.HEADING))
            rows.append(ReportRow((code, start, "", "Opening balance", None, None, from_minor(balance, exp)), level=1))
            debits = credits = 0
            for move in by_customer.get(cid, ()):
                balance += move.base
                debits += max(move.base, 0)
                credits += max(-move.base, 0)
                text = move.description
                if move.currency != facts.currency and move.kind in KIND_TITLES:
                    text += f", {_units_text(move.units, move.currency)} {move.currency}"
                debit = from_minor(move.base, exp) if move.base > 0 else None
                credit = from_minor(-move.base, exp) if move.base < 0 else None
                rows.append(
                    ReportRow(
                        (code, move.date, move.number, text, debit, credit, from_minor(balance, exp)),
                        drill=DrillKey(move.drill[0], move.drill[1]),
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
                    DrillKey("customer", cid, start, end),
                )
            )
        return Report(
            "Customer ledger",
            columns,
            tuple(rows),
            subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}" + (f" · customer {customer}" if customer else ""),
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(ReportRow(("", None, "", "Total", None, None, from_minor(closing_total, exp)), RowStyle.TOTAL),),
            meta={"start": start, "end": end, "closing": from_minor(closing_total, exp)},
        )

    # ------------------------------------------------------------------ sales, tax, DSO
    def sales(self, start: date | None = None, end: date | None = None, *, by: SalesBy = SalesBy.CUSTOMER) -> Report:
        """Net sales of the period in base currency (credit notes negative) by customer, item or month."""
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            start, end = self._period(facts, start, end)
            return sales_reports.sales(s, facts, start, end, SalesBy(by))

    def tax(self, start: date | None = None, end: date | None = None) -> Report:
        """Taxable amounts and tax by tax code for the period, invoices and credit notes apart."""
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            start, end = self._period(facts, start, end)
            return sales_reports.tax(s, facts, start, end)

    def dso(self, start: date | None = None, end: date | None = None) -> Report:
        """Days sales outstanding per month of the period and for the whole period."""
        with self._read(Permission.AR_VIEW) as s:
            facts = company_facts(s)
            start, end = self._period(facts, start, end)
            return sales_reports.dso(s, facts, start, end)

    # ------------------------------------------------------------------ helpers
    def _period(self, facts: CompanyFacts, start: date | None, end: date | None) -> tuple[date, date]:
        """The dates given, filled in from the fiscal year (default: the one containing today)."""
        return period(facts, self.ctx.clock.today(), start, end)

    @staticmethod
    def _customer(s: Session, code: str | None) -> int | None:
        if not code:
            return None
        found = rq.customer_id(s, code)
        if found is None:
            raise NotFoundError(f"customer {code} does not exist")
        return found


def _aging_subtitle(as_of: date, basis: AgeBasis) -> str:
    counted = "days past due" if basis is AgeBasis.DUE_DATE else "days since the document date"
    return f"as of {as_of:%d %B %Y} · {counted}"


def _by_customer(items: Sequence[OpenItem], names: dict[int, tuple[str, str]]) -> list[tuple[int, list[OpenItem]]]:
    """Open items grouped by customer in code order, each customer's by due date and number."""
    groups: dict[int, list[OpenItem]] = {}
    for item in items:
        groups.setdefault(item.customer_id, []).append(item)
    return [
        (cid, sorted(groups[cid], key=lambda i: (i.due_date, i.number)))
        for cid in sorted(groups, key=lambda cid: names[cid][0])
    ]


def _document_drill(item: OpenItem) -> DrillKey:
    return DrillKey("receipt" if item.kind == "receipt" else "invoice", item.id)
