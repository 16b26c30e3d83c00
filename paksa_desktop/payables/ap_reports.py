"""Payables reports in the neutral report model: aging (per vendor and per bill), open bills, the vendor
ledger, payments made, the cash requirements forecast, expenses by category/employee/project, the
year's withholding report, and the reconciliation of the subledger with the payable control accounts.

The receivables reports' shapes and code (aging buckets and `age`, `reporting.subledger`, the report
model and its renderers), with vendors for customers and bills for invoices. Amounts are base currency
as the subledger carries them, owed positive, so the aging's grand total is the subledger that
`reconcile` compares with the control accounts on the same day. Drill-down keys lead to a vendor
(`DrillKey("vendor", id, end=as_of)`), a bill (`"bill"`) or a payment (`"payment"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import from_minor
from paksa_desktop.payables import ap_report_queries as q
from paksa_desktop.payables.allocation import early_discount
from paksa_desktop.payables.expense_queries import ExpensesBy, expenses_report
from paksa_desktop.payables.settings import load_settings
from paksa_desktop.receivables.aging import FALLS_DUE, AgeBasis, Buckets, age
from paksa_desktop.receivables.amounts import divide_half_even
from paksa_desktop.reporting import party_reports as pr
from paksa_desktop.reporting.model import Column, ColumnKind, DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.reporting.subledger import CompanyFacts, company_facts, flat, period, units_text
from paksa_desktop.reporting.subledger import aging_csv_columns as _aging_columns
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

KIND_TITLES = {"bill": "Bill", "expense_claim": "Expense claim", "credit_note": "Credit note", "payment": "On account"}
MAX_WEEKS = 104

__all__ = ["APReconciliation", "APReports", "aging_csv_columns", "flat"]


def aging_csv_columns(buckets: Buckets | None = None) -> tuple[str, ...]:
    """The `paksa ap aging --format csv` contract: vendor,name,current,days_1_30,...,over_90,total."""
    return _aging_columns(buckets, "vendor")


@dataclass(frozen=True, slots=True)
class ControlLine:
    """One payable control account: what the subledger says is owed on it and what the GL holds."""

    account: str
    name: str
    subledger: Decimal  # owed, positive
    control: Decimal  # the GL's credit balance, positive when owed
    revaluation: Decimal  # period-end revaluations left on it (credit positive)
    by_hand: Decimal  # what entries not posted by payables put there (credit positive)

    @property
    def difference(self) -> Decimal:
        return self.subledger + self.revaluation - self.control


@dataclass(frozen=True, slots=True)
class HandLine:
    account: str
    entry: str
    date: date
    source: str
    memo: str
    amount: Decimal  # credit positive (adds to what the GL says is owed)


@dataclass(frozen=True, slots=True)
class APReconciliation:
    as_of: date
    currency: str
    accounts: tuple[ControlLine, ...]
    by_hand: tuple[HandLine, ...]

    @property
    def subledger(self) -> Decimal:
        return sum((a.subledger for a in self.accounts), Decimal(0))

    @property
    def control(self) -> Decimal:
        return sum((a.control for a in self.accounts), Decimal(0))

    @property
    def difference(self) -> Decimal:
        return sum((a.difference for a in self.accounts), Decimal(0))

    @property
    def reconciled(self) -> bool:
        return all(not a.difference for a in self.accounts)


class APReports(GuardedService):
    """Read-only, `payables.view` (the expense reports also for expense approvers, like ExpenseQueries)."""

    # ------------------------------------------------------------------ aging
    def aging(
        self,
        as_of: date | None = None,
        buckets: Buckets | None = None,
        *,
        vendor: str | None = None,
        basis: AgeBasis = AgeBasis.DUE_DATE,
    ) -> Report:
        """One row per vendor with something open on `as_of`: their open base amounts by bucket."""
        as_of = as_of or self.ctx.clock.today()
        buckets = buckets or Buckets()
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            names = q.vendor_names(s)
            aged = age(q.aged_sums(s, as_of, buckets, basis, self._vendor(s, vendor)), buckets)
        return pr.aging_report(
            facts,
            names,
            aged.values(),
            as_of,
            buckets,
            basis,
            party="vendor",
            title="Payables aging",
            subtitle=pr.aging_subtitle(as_of, basis, "bill") + pr.only("vendor", vendor),
        )

    def aging_detail(
        self,
        as_of: date | None = None,
        buckets: Buckets | None = None,
        *,
        vendor: str | None = None,
        basis: AgeBasis = AgeBasis.DUE_DATE,
    ) -> Report:
        """Every open bill and credit note on `as_of` in its bucket, grouped by vendor with subtotals."""
        as_of = as_of or self.ctx.clock.today()
        buckets = buckets or Buckets()
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            names = q.vendor_names(s)
            items = q.open_items(s, as_of, self._vendor(s, vendor))
        return pr.aging_detail_report(
            facts,
            names,
            pr.by_party(items, names, _vendor_of),
            as_of,
            buckets,
            basis,
            party="vendor",
            title="Payables aging detail",
            subtitle=pr.aging_subtitle(as_of, basis, "bill") + pr.only("vendor", vendor),
            columns=(
                Column("document", "Document"),
                Column("kind", "Kind"),
                *_DOCUMENT_COLUMNS,
            ),
            cells=lambda item: (item.number, KIND_TITLES[item.kind], *_document_cells(item, as_of)),
            drill=_bill_drill,
        )

    # ------------------------------------------------------------------ open bills
    def open_bills(self, as_of: date | None = None, *, vendor: str | None = None) -> Report:
        """Every bill, expense claim and credit note with something open on `as_of` (allocations dated
        later, and voids dated by then, are as if they had not happened)."""
        as_of = as_of or self.ctx.clock.today()
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            names = q.vendor_names(s)
            items = q.open_items(s, as_of, self._vendor(s, vendor))
        return pr.open_items_report(
            facts,
            names,
            pr.by_party(items, names, _vendor_of),
            as_of,
            party="vendor",
            title="Open bills",
            subtitle=f"as of {as_of:%d %B %Y}" + pr.only("vendor", vendor),
            columns=(
                Column("kind", "Kind"),
                Column("document", "Document"),
                *_DOCUMENT_COLUMNS,
            ),
            cells=lambda item: (KIND_TITLES[item.kind], item.number, *_document_cells(item, as_of)),
            drill=_bill_drill,
        )

    # ------------------------------------------------------------------ vendor ledger
    def vendor_ledger(self, start: date | None = None, end: date | None = None, *, vendor: str | None = None) -> Report:
        """Per vendor: the opening balance, every bill, credit note, payment, credit applied and void of the
        period with a running balance (owed), and the closing balance, the vendor's aging total on `end`."""
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            start, end = period(facts, self.ctx.clock.today(), start, end)
            names = q.vendor_names(s)
            only = self._vendor(s, vendor)
            opening = q.balances(s, start - timedelta(days=1), only)
            moves = q.movements(s, start, end, only)
        by_vendor: dict[int, list[q.Movement]] = {}
        for move in moves:
            by_vendor.setdefault(move.vendor_id, []).append(move)

        def describe(move: q.Movement) -> str:
            if move.currency and move.currency != facts.currency:
                return f"{move.description}, {units_text(move.units, move.currency)} {move.currency}"
            return move.description

        return pr.party_ledger(
            facts,
            names,
            opening,
            by_vendor,
            start,
            end,
            party="vendor",
            title="Vendor ledger",
            subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}" + pr.only("vendor", vendor),
            titles=("Paid / credited", "Billed", "Balance owed"),
            credit_balance=True,
            describe=describe,
        )

    # ------------------------------------------------------------------ payments made
    def payments_made(
        self,
        start: date | None = None,
        end: date | None = None,
        *,
        vendor: str | None = None,
        bank: str | None = None,
    ) -> Report:
        """The vendor payments of the period (by vendor and/or bank account): what left the bank, the
        discounts taken and the tax withheld. Voided payments are listed, marked, and left out of the total."""
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            start, end = period(facts, self.ctx.clock.today(), start, end)
            names = q.vendor_names(s)
            rows_found = q.payments(s, start, end, self._vendor(s, vendor), bank or None)
        exp = facts.exponent
        columns = (
            Column("date", "Date", ColumnKind.DATE),
            Column("payment", "Payment"),
            Column("vendor", "Vendor"),
            Column("name", "Name"),
            Column("bank_account", "Bank account"),
            Column("method", "Method"),
            Column("reference", "Reference"),
            Column("currency", "Currency"),
            Column("amount", "Amount"),
            Column("discount", "Discount"),
            Column("withheld", "Withheld"),
            Column("base_amount", "Paid", ColumnKind.MONEY),
            Column("status", "Status"),
        )
        rows = []
        total = 0
        for p in rows_found:
            code, name = names[p.vendor_id]
            voided = p.voided_on is not None and p.voided_on <= end
            status = f"voided {p.voided_on}" if voided else ("run " + str(p.run_id) if p.run_id else "")
            if not voided:
                total += p.base_amount
            rows.append(
                ReportRow(
                    (
                        p.date,
                        p.number,
                        code,
                        name,
                        p.bank_account,
                        p.method,
                        p.reference,
                        p.currency,
                        units_text(p.amount, p.currency),
                        units_text(p.discount, p.currency),
                        units_text(p.withheld, p.currency),
                        from_minor(p.base_amount, exp),
                        status,
                    ),
                    drill=DrillKey("payment", p.id),
                )
            )
        who = " · ".join(x for x in (f"vendor {vendor}" if vendor else "", f"bank {bank}" if bank else "") if x)
        return Report(
            "Payments made",
            columns,
            tuple(rows),
            subtitle=f"{start:%d %B %Y} to {end:%d %B %Y}" + (f" · {who}" if who else ""),
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(ReportRow((None, "Total", *([None] * 9), from_minor(total, exp), ""), RowStyle.TOTAL),),
            meta={"start": start, "end": end, "total": from_minor(total, exp)},
        )

    # ------------------------------------------------------------------ cash requirements
    def cash_requirements(self, as_of: date | None = None, weeks: int = 8) -> Report:
        """The open bills of `as_of` by the week they fall due (Monday to Sunday): what they need in cash,
        less the early-payment discounts still to be earned (paid by their discount dates). Overdue bills
        come first, bills due after the last week last, unapplied vendor credit notes as a row of their own."""
        as_of = as_of or self.ctx.clock.today()
        if not 1 <= weeks <= MAX_WEEKS:
            raise ValidationError(f"weeks: between 1 and {MAX_WEEKS}")
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            items = q.open_items(s, as_of)
        exp = facts.exponent
        monday = as_of - timedelta(days=as_of.weekday())
        edges = [monday + timedelta(weeks=k) for k in range(weeks + 1)]
        labels = ["Overdue", *(f"Week of {d:%d %b %Y}" for d in edges[:-1]), f"From {edges[-1]:%d %b %Y}"]
        starts: list[date | None] = [None, *edges[:-1], edges[-1]]
        ends: list[date | None] = [as_of - timedelta(days=1), *(d + timedelta(days=6) for d in edges[:-1]), None]
        width = len(labels)
        count, owed, discount = [0] * width, [0] * width, [0] * width
        credits = 0
        for item in items:
            if item.kind not in FALLS_DUE:
                credits += item.open_base
                continue
            if item.due_date < as_of:
                k = 0
            elif item.due_date >= edges[-1]:
                k = width - 1
            else:
                k = 1 + (item.due_date - monday).days // 7
            count[k] += 1
            owed[k] += item.open_base
            if item.discount_date is not None and item.discount_date >= as_of and item.open_units == item.total:
                units = early_discount(item.total, item.discount_e4, item.discount_date, item.discount_date)
                discount[k] += divide_half_even(units * item.open_base, item.open_units) if item.open_units else 0
        columns = (
            Column("period", "Due"),
            Column("start", "From", ColumnKind.DATE),
            Column("end", "To", ColumnKind.DATE),
            Column("bills", "Bills", ColumnKind.INTEGER),
            Column("open", "Open", ColumnKind.MONEY),
            Column("discount", "Discount available", ColumnKind.MONEY),
            Column("cash", "Cash needed", ColumnKind.MONEY),
            Column("cumulative", "Cumulative", ColumnKind.MONEY),
        )
        rows = []
        running = 0
        for k in range(width):
            if k in (0, width - 1) and not count[k]:
                continue
            cash = owed[k] - discount[k]
            running += cash
            rows.append(
                ReportRow(
                    (
                        labels[k],
                        starts[k],
                        ends[k],
                        count[k],
                        from_minor(owed[k], exp),
                        from_minor(discount[k], exp),
                        from_minor(cash, exp),
                        from_minor(running, exp),
                    ),
                )
            )
        if credits:
            running += credits
            rows.append(
                ReportRow(
                    (
                        "Vendor credit notes to set off",
                        None,
                        None,
                        None,
                        from_minor(credits, exp),
                        None,
                        from_minor(credits, exp),
                        from_minor(running, exp),
                    ),
                )
            )
        total_cash = sum(owed) - sum(discount) + credits
        return Report(
            "Cash requirements forecast",
            columns,
            tuple(rows),
            subtitle=f"open bills as of {as_of:%d %B %Y} by due week, discounts taken when paid by their dates",
            company=facts.name,
            currency=facts.currency,
            exponent=exp,
            totals=(
                ReportRow(
                    (
                        "Total",
                        None,
                        None,
                        sum(count),
                        from_minor(sum(owed) + credits, exp),
                        from_minor(sum(discount), exp),
                        from_minor(total_cash, exp),
                        None,
                    ),
                    RowStyle.TOTAL,
                ),
            ),
            meta={"as_of": as_of, "weeks": weeks, "total": from_minor(total_cash, exp)},
        )

    # ------------------------------------------------------------------ expenses
    def expenses(
        self, start: date | None = None, end: date | None = None, *, by: ExpensesBy | str = ExpensesBy.CATEGORY
    ) -> Report:
        """Expenses of posted claims by category, employee or project (`expense_queries.expenses_report`)."""
        self.ctx.require(Permission.AP_VIEW)
        try:
            grouping = ExpensesBy(by)
        except ValueError:
            raise ValidationError(f"expenses by '{by}'? choose category, employee or project") from None
        with self._read(Permission.AP_VIEW) as s:
            start, end = period(company_facts(s), self.ctx.clock.today(), start, end)
            return expenses_report(s, grouping, start, end)

    # ------------------------------------------------------------------ withholding
    def withholding(self, year: int | None = None) -> Report:
        """Per withholding vendor for a calendar year (1099-style): tax number, rate, payments, gross paid,
        tax withheld and net paid, in the base currency; voided payments do not count."""
        with self._read(Permission.AP_VIEW) as s:
            facts, year, found, vendors = self._withholding(s, year)
        return _withholding_report(facts, year, found, vendors)

    def write_withholding(self, year: int | None, path: Path, *, size: str = "A4") -> int:
        """The withholding report as Excel (`.xlsx`) or as PDF statements, one page per vendor (`.pdf`);
        returns the number of vendors. Nothing is written when there is nothing to report."""
        from paksa_desktop.payables.withholding_pdf import withholding_pdf
        from paksa_desktop.receivables.printing import load_letterhead
        from paksa_desktop.reporting.renderers import to_xlsx

        kind = path.suffix.lower()
        if kind not in (".pdf", ".xlsx"):
            raise ValidationError(f"cannot write '{path.name}': the withholding report is a .pdf or an .xlsx file")
        with self._read(Permission.AP_VIEW) as s:
            facts, year, found, vendors = self._withholding(s, year)
            letterhead = load_letterhead(s)
        report = _withholding_report(facts, year, found, vendors)
        if not report.rows:
            raise ValidationError(f"no payments to withholding vendors in {year}: nothing to report")
        if kind == ".xlsx":
            to_xlsx(report, path, sheet=f"Withholding {year}")
        else:
            path.write_bytes(withholding_pdf(letterhead, report, found, vendors, size=size))
        return len(report.rows)

    def _withholding(
        self, s: Session, year: int | None
    ) -> tuple[CompanyFacts, int, list[q.WithheldPayment], dict[int, tuple[str, str, str, int, list[str]]]]:
        year = year or self.ctx.clock.today().year
        if not 1900 <= year <= 9999:
            raise ValidationError(f"year: {year} is not a calendar year")
        facts = company_facts(s)
        found = q.withheld_payments(s, date(year, 1, 1), date(year, 12, 31), facts.currency)
        return facts, year, found, q.withholding_vendors(s)

    # ------------------------------------------------------------------ reconciliation
    def reconcile(self, as_of: date | None = None) -> APReconciliation:
        """The subledger (open bills, credit notes and expense claims, base amounts as carried) against the
        GL balance of each payable control account (payable and employee payable) at the end of the day,
        with the lines entries not posted by payables put on them (what explains a difference)."""
        as_of = as_of or self.ctx.clock.today()
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
            settings = load_settings(s)
            sub = q.subledger_by_account(s, as_of)
            ids = sorted({settings.payable_account_id, settings.employee_payable_account_id, *sub})
            labels = q.account_labels(s, ids)
            hand = q.lines_by_hand(s, ids, as_of)
            exp = facts.exponent
            accounts = []
            for account_id in ids:
                code, name = labels[account_id]
                on_hand = -sum(ln.amount for ln in hand if ln.account_id == account_id)
                accounts.append(
                    ControlLine(
                        code,
                        name,
                        from_minor(sub.get(account_id, 0), exp),
                        from_minor(-q.gl_balance(s, account_id, as_of), exp),
                        from_minor(-q.gl_balance(s, account_id, as_of, source=q.REVALUATION_SOURCE), exp),
                        from_minor(on_hand, exp),
                    )
                )
        lines = tuple(
            HandLine(
                labels[ln.account_id][0],
                ln.number or f"#{ln.entry_id}",
                ln.date,
                ln.source,
                ln.memo,
                from_minor(-ln.amount, exp),
            )
            for ln in hand
        )
        return APReconciliation(as_of, facts.currency, tuple(accounts), lines)

    def reconcile_report(self, as_of: date | None = None) -> Report:
        """The reconciliation as a report (screen, PDF, Excel): one row per control account, then the
        lines entered by hand on them."""
        result = self.reconcile(as_of)
        with self._read(Permission.AP_VIEW) as s:
            facts = company_facts(s)
        columns = (
            Column("account", "Account"),
            Column("name", "Name"),
            Column("subledger", "Subledger", ColumnKind.MONEY),
            Column("revaluation", "Revaluation", ColumnKind.MONEY),
            Column("control", "GL balance", ColumnKind.MONEY),
            Column("difference", "Difference", ColumnKind.MONEY),
        )
        rows = [
            ReportRow((a.account, a.name, a.subledger, a.revaluation, a.control, a.difference)) for a in result.accounts
        ]
        if result.by_hand:
            rows.append(ReportRow(("Posted to a control account by hand", *([None] * 5)), RowStyle.HEADING))
            for ln in result.by_hand:
                text = f"{ln.date} {ln.entry} ({ln.source}) {ln.memo}".strip()
                rows.append(ReportRow((ln.account, text, None, None, ln.amount, -ln.amount), level=1))
        state = "reconciled" if result.reconciled else f"difference {result.difference}"
        return Report(
            "Payables reconciliation",
            columns,
            tuple(rows),
            subtitle=f"as of {result.as_of:%d %B %Y} · {state}",
            company=facts.name,
            currency=facts.currency,
            exponent=facts.exponent,
            totals=(
                ReportRow(
                    (
                        "",
                        "Total",
                        result.subledger,
                        sum((a.revaluation for a in result.accounts), Decimal(0)),
                        result.control,
                        result.difference,
                    ),
                    RowStyle.TOTAL,
                ),
            ),
            meta={"as_of": result.as_of, "difference": result.difference, "reconciled": result.reconciled},
        )

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _vendor(s: Session, code: str | None) -> int | None:
        if not code:
            return None
        found = q.vendor_id(s, code)
        if found is None:
            raise NotFoundError(f"vendor {code} does not exist")
        return found


_DOCUMENT_COLUMNS = (
    Column("vendor_invoice", "Their invoice"),
    Column("date", "Date", ColumnKind.DATE),
    Column("due_date", "Due", ColumnKind.DATE),
    Column("days_overdue", "Days overdue", ColumnKind.INTEGER),
    Column("currency", "Currency"),
    Column("open_amount", "Open (document)"),
)


def _document_cells(item: q.OpenBill, as_of: date) -> tuple[object, ...]:
    """The cells under `_DOCUMENT_COLUMNS`."""
    return (
        item.vendor_invoice,
        item.date,
        item.due_date,
        pr.days_overdue(item, as_of),
        item.currency,
        units_text(item.open_units, item.currency),
    )


def _vendor_of(item: q.OpenBill) -> int:
    return item.vendor_id


def _bill_drill(item: q.OpenBill) -> DrillKey:
    """An open item drills to its bill, or to its payment when it is money paid on account."""
    return DrillKey("payment" if item.kind == "payment" else "bill", item.id)


def _withholding_report(
    facts: CompanyFacts,
    year: int,
    found: list[q.WithheldPayment],
    vendors: dict[int, tuple[str, str, str, int, list[str]]],
) -> Report:
    exp = facts.exponent
    sums: dict[int, list[int]] = {}
    for p in found:
        row = sums.setdefault(p.vendor_id, [0, 0, 0, 0])
        row[0] += 1
        row[1] += p.gross
        row[2] += p.withheld
        row[3] += p.net
    columns = (
        Column("vendor", "Vendor"),
        Column("name", "Name"),
        Column("tax_number", "Tax number"),
        Column("rate", "Rate", ColumnKind.PERCENT),
        Column("payments", "Payments", ColumnKind.INTEGER),
        Column("gross", "Gross paid", ColumnKind.MONEY),
        Column("withheld", "Tax withheld", ColumnKind.MONEY),
        Column("net", "Net paid", ColumnKind.MONEY),
    )
    rows = []
    for vid in sorted(sums, key=lambda v: vendors[v][0]):
        code, name, tax_number, rate_e4, _address = vendors[vid]
        n, gross, withheld, net = sums[vid]
        rows.append(
            ReportRow(
                (
                    code,
                    name,
                    tax_number,
                    Decimal(rate_e4) / 10_000,
                    n,
                    from_minor(gross, exp),
                    from_minor(withheld, exp),
                    from_minor(net, exp),
                ),
                drill=DrillKey("vendor", vid, date(year, 1, 1), date(year, 12, 31)),
            )
        )
    total = [sum(r[i] for r in sums.values()) for i in range(4)]
    return Report(
        "Withholding report",
        columns,
        tuple(rows),
        subtitle=f"calendar year {year} · payments not voided, at each payment's rate",
        company=facts.name,
        currency=facts.currency,
        exponent=exp,
        totals=(
            ReportRow(
                (
                    "",
                    "Total",
                    "",
                    None,
                    total[0],
                    from_minor(total[1], exp),
                    from_minor(total[2], exp),
                    from_minor(total[3], exp),
                ),
                RowStyle.TOTAL,
            ),
        ),
        meta={"year": year, "withheld": from_minor(total[2], exp), "gross": from_minor(total[1], exp)},
    )
