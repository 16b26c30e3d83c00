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

from datetime import date

from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError
from paksa_desktop.receivables import report_queries as rq
from paksa_desktop.receivables import sales_reports
from paksa_desktop.receivables.aging import AgeBasis, Buckets, age
from paksa_desktop.receivables.document_queries import OpenItem, open_items
from paksa_desktop.receivables.sales_reports import SalesBy
from paksa_desktop.reporting import party_reports as pr
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report
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
        return pr.aging_report(
            facts,
            names,
            aged.values(),
            as_of,
            buckets,
            basis,
            party="customer",
            title="Receivables aging",
            subtitle=pr.aging_subtitle(as_of, basis, "document") + pr.only("customer", customer),
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
        return pr.aging_detail_report(
            facts,
            names,
            pr.by_party(items, names, _customer_of),
            as_of,
            buckets,
            basis,
            party="customer",
            title="Receivables aging detail",
            subtitle=pr.aging_subtitle(as_of, basis, "document") + pr.only("customer", customer),
            columns=(Column("document", "Document"), Column("kind", "Kind"), *_DOCUMENT_COLUMNS),
            cells=lambda item: (item.number, KIND_TITLES[item.kind], *_document_cells(item, as_of)),
            drill=_document_drill,
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
        return pr.open_items_report(
            facts,
            names,
            pr.by_party(items, names, _customer_of),
            as_of,
            party="customer",
            title="Open receivables",
            subtitle=f"as of {as_of:%d %B %Y}" + pr.only("customer", customer),
            columns=(Column("kind", "Kind"), Column("document", "Document"), *_DOCUMENT_COLUMNS),
            cells=lambda item: (KIND_TITLES[item.kind], item.number, *_document_cells(item, as_of)),
            drill=_document_drill,
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
        by_customer: dict[int, list[rq.Movement]] = {}
        for move in moves:
            by_customer.setdefault(move.customer_id, []).append(move)

        def describe(move: rq.Movement) -> str:
            if move.currency != facts.currency and move.kind in KIND_TITLES:
                return f"{move.description}, {_units_text(move.units, move.currency)} {move.currency}"
            return move.description

        return pr.party_ledger(
            facts,
            names,
            opening,
            by_customer,
            start,
            end,
            party="customer",
            title="Customer ledger",
            subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}" + pr.only("customer", customer),
            titles=("Debit", "Credit", "Balance"),
            credit_balance=False,
            describe=describe,
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


_DOCUMENT_COLUMNS = (
    Column("date", "Date", ColumnKind.DATE),
    Column("due_date", "Due", ColumnKind.DATE),
    Column("days_overdue", "Days overdue", ColumnKind.INTEGER),
    Column("currency", "Currency"),
    Column("open_amount", "Open (document)"),
)


def _document_cells(item: OpenItem, as_of: date) -> tuple[object, ...]:
    """The cells under `_DOCUMENT_COLUMNS`."""
    return (
        item.date,
        item.due_date,
        pr.days_overdue(item, as_of),
        item.currency,
        _units_text(item.open_units, item.currency),
    )


def _customer_of(item: OpenItem) -> int:
    return item.customer_id


def _document_drill(item: OpenItem) -> DrillKey:
    return DrillKey("receipt" if item.kind == "receipt" else "invoice", item.id)
