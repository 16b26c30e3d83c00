"""The receivables aging: who owes what, and for how long, on any day.

One row per customer with something open on the day (owing, or holding credit), their open base
amounts spread over the buckets, and a totals row: `ARReports.aging`, the same report `paksa ar aging`
prints, so its grand total is the subledger the reconciliation compares with the control account. Any
past day gives the historical aging (what was open then). Double-click or Enter on a customer lists
their open documents under the table (`ARReports.aging_detail`) with days overdue and the bucket each
falls in; double-click a document to open it. Export and Print write exactly what is on screen.

The receivables settings hold no buckets yet, so the limits are typed here (30, 60, 90 by default)
and the view remembers the last ones used on this computer.

Payables' aging is this view with its queries plugged in (`party`, `reports()`, `bases`, `buckets_key`):
`ui/payables/ap_aging_view.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QToolButton, QVBoxLayout, QWidget

from paksa_desktop.core.errors import PaksaError
from paksa_desktop.receivables.aging import AgeBasis, Buckets
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.reporting.subledger import flat
from ui.errors import message_for
from ui.hub import Hub
from ui.models.report_model import DRILL_ROLE
from ui.receivables.report_screen import ARReportModel, ReportScreen, grouped
from ui.settings import app_settings
from ui.style import set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ExportButton, ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import on_enter
from ui.workers import IsCancelled, Loader, Progress

BASES = (("Due date (days overdue)", AgeBasis.DUE_DATE), ("Invoice date (days since issued)", AgeBasis.DOCUMENT_DATE))
BUCKETS_KEY = "receivables/agingBuckets"


@dataclass(frozen=True, slots=True)
class AgingRequest:
    """What the options ask for; the worker turns it into the aging report."""

    as_of: date
    basis: AgeBasis
    buckets: Buckets
    party: str = "customer"  # the keyword naming one of them: customer (ARReports) or vendor (APReports)

    def fetch(self, reports: Any) -> Report:
        return reports.aging(self.as_of, self.buckets, basis=self.basis)

    def detail(self, reports: Any, code: str) -> Report:
        return reports.aging_detail(self.as_of, self.buckets, basis=self.basis, **{self.party: code})


def documents_report(detail: Report) -> Report:
    """One customer's aging detail as the list under the aging: each open document with its days overdue,
    the bucket it falls in, and what is open of it, in its own currency and in base currency.

    The service's detail puts each amount in its bucket's column; one customer's list reads better with the
    bucket named and one amount column, so nothing has to be scrolled. The figures are the service's.
    """
    keys = [c.key for c in detail.columns]
    first, last = keys.index("current"), keys.index("total")
    buckets = detail.columns[first:last]
    columns = (
        Column("document", "Document"),
        Column("kind", "Kind"),
        Column("date", "Date", ColumnKind.DATE),
        Column("due_date", "Due", ColumnKind.DATE),
        Column("days_overdue", "Days overdue", ColumnKind.INTEGER),
        Column("bucket", "Bucket"),
        Column("currency", "Currency"),
        Column("open_amount", "Open (document)"),
        Column("total", "Open", ColumnKind.MONEY),
    )
    take = [keys.index(c.key) for c in columns if c.key != "bucket"]
    rows = []
    for row in flat(detail).rows:  # one customer: their heading and subtotal would repeat the title and total
        amounts = row.cells[first:last]
        bucket = next((b.title for b, a in zip(buckets, amounts, strict=True) if a), buckets[0].title)
        cells = [row.cells[i] for i in take]
        cells[6] = grouped(cells[6])  # the own-currency amount, grouped like the figures beside it
        cells.insert(5, bucket)
        rows.append(ReportRow(tuple(cells), row.style, row.drill, 0))
    total = detail.totals[0].cells[last] if detail.totals else None
    totals = (ReportRow(("Total", *([None] * 7), total), RowStyle.TOTAL),)
    return Report(
        detail.title, columns, tuple(rows), detail.subtitle, detail.company, detail.currency, detail.exponent,
        totals, detail.meta,
    )  # fmt: skip


class AgingView(ReportScreen):
    title = "Aging"
    subtitle = "What each customer owes by how long it is overdue. Double-click a customer for their open documents."
    party, parties = "customer", "customers"  # the aging's rows
    bases = BASES
    buckets_key = BUCKETS_KEY
    nothing_open = "no customer owes anything or holds credit on that day"

    def reports(self) -> Any:
        """The service computing the aging (ARReports here; APReports for payables)."""
        return self.ar_reports

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.shown: AgingRequest | None = None
        self.detail_customer: str | None = None
        self.add_report_buttons()

        # ---- options
        self.filters = FilterBar()
        self.as_of = DateEdit(self.session.today())
        self.as_of.setToolTip("The aging of any past day shows what was open on that day")
        self.basis = QComboBox()
        for text, basis in self.bases:
            self.basis.addItem(text, basis)
        self.buckets = QLineEdit(app_settings().value(self.buckets_key, "30, 60, 90", str))
        self.buckets.setToolTip("The upper limits of the overdue buckets in days, e.g. 30, 60, 90 or 15, 30, 45")
        self.buckets.setMaximumWidth(160)
        self.filters.add("&As of", self.as_of)
        self.filters.add("A&ge from", self.basis)
        self.filters.add("&Buckets (days)", self.buckets)
        self.filters.grid.setColumnStretch(3, 1)
        self.filters.changed.connect(self.refresh)
        self.body.addWidget(self.filters)

        # ---- the aging, and a customer's open documents under it
        self.table = self.report_table("agingTable")
        self.table.doubleClicked.connect(self._drill)
        on_enter(self.table, self.drill_current)

        self.detail_loader = Loader(self)
        self.detail_model = ARReportModel(self)
        self.detail_title = QLabel()
        self.detail_title.setObjectName("panelTitle")
        self.detail_export = ExportButton(
            self.detail_builder, self.detail_file_stem, self, audit=self.audit_export, pdf_options=self.pdf_options
        )
        self.detail_export.setToolTip("Export this customer's open documents to Excel, CSV or PDF")
        close = QToolButton()
        close.setText("Close")
        close.setToolTip("Hide the customer's documents")
        close.clicked.connect(self.close_detail)
        title_line = QHBoxLayout()
        title_line.addWidget(self.detail_title, 1)
        title_line.addWidget(self.detail_export)
        title_line.addWidget(close)
        self.detail_table = self.report_table("agingDetailTable", self.detail_model)
        self.detail_table.doubleClicked.connect(self._open_document)
        on_enter(self.detail_table, self.open_current_document)
        self.detail = QWidget()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.addLayout(title_line)
        detail_layout.addWidget(self.detail_table, 1)
        self.detail.hide()

        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(self.detail)
        self.split.setChildrenCollapsible(False)
        self.body.addWidget(self.split, 1)
        self.body.addWidget(self.status)

    # ---- options
    def request(self) -> AgingRequest:
        """The options as a request; a bucket list that cannot be read raises a ValidationError naming it."""
        basis = AgeBasis(self.basis.currentData())  # a combo hands its StrEnum data back as a plain str
        return AgingRequest(self.as_of.value(), basis, Buckets.parse(self.buckets.text()), self.party)

    # ---- loading
    def refresh(self) -> None:
        try:
            request = self.request()
        except PaksaError as error:  # named under the table while the user is still typing, never a popup
            self.status.setText(f"{message_for(error)}.")
            set_state(self.status, "bad")
            return
        app_settings().setValue(self.buckets_key, ", ".join(str(d) for d in request.buckets.limits))
        reports = self.reports()
        self.calculate(lambda: request.fetch(reports), lambda report: self._apply(request, report))
        if self.detail_customer is not None:
            self.load_detail(self.detail_customer, request)

    def _apply(self, request: AgingRequest, report: Report) -> None:
        self.shown = request
        self.model.blank_zero = frozenset(request.buckets.keys)  # a customer's empty buckets read as blank
        self.model.set_report(report)
        self.table.fitter.fit(report, "name")  # type: ignore[attr-defined]
        self._show_status(report)
        if self.detail_customer is not None and not self._has_customer(self.detail_customer):
            self.close_detail()  # nothing open for them any more on this day

    def _show_status(self, report: Report) -> None:
        exp = report.exponent
        if not report.rows:
            self.status.setText(f"Nothing is open on {report.meta['as_of']}: {self.nothing_open}.")
            set_state(self.status, "muted")
            return
        total: Decimal = report.meta["total"]
        current_column = report.column_index("current")
        overdue = total - sum((r.cells[current_column] for r in report.rows), Decimal(0))
        count = len(report.rows)
        who = self.party if count == 1 else self.parties
        text = f"{count} {who} · total {money_text(total, exp)} {report.currency}"
        if overdue > 0 and total > 0:
            share = (overdue * 100 / total).quantize(Decimal("0.1"))
            text += f" · overdue {money_text(overdue, exp)} ({share}%)"
            state = "bad" if share >= 25 else "muted"
        elif overdue > 0:  # credit held (unapplied money, credit notes) exceeds what is owed: still overdue
            text += f" · overdue {money_text(overdue, exp)}"
            state = "muted"
        else:
            text += " · nothing overdue"
            state = "ok"
        self.status.setText(text)
        set_state(self.status, state)

    def _has_customer(self, code: str) -> bool:
        report = self.model.report
        return report is not None and any(r.cells[0] == code for r in report.rows)

    # ---- drill-down: a customer's open documents, then a document
    def drill_current(self) -> None:
        self._drill(self.table.currentIndex())

    def _drill(self, index: QModelIndex) -> None:
        if not index.isValid() or self.shown is None:
            return
        row = self.model.report_row(index.row())
        if row.style is not RowStyle.NORMAL or row.drill is None:
            return
        self.load_detail(str(row.cells[0]), self.shown)

    def load_detail(self, customer: str, request: AgingRequest) -> None:
        self.detail_customer = customer
        reports = self.reports()
        name = self._customer_name(customer)
        self.detail_title.setText(f"{customer} {name} — open documents as of {request.as_of}".replace("  ", " "))
        self.detail.show()
        self.detail_loader.load(lambda: request.detail(reports, customer), self._apply_detail)

    def _customer_name(self, code: str) -> str:
        report = self.model.report
        for row in report.rows if report is not None else ():
            if row.cells[0] == code:
                return str(row.cells[1])
        return ""

    def _apply_detail(self, report: Report) -> None:
        listed = documents_report(report)
        self.detail_model.set_report(listed)
        self.detail_table.fitter.fit(listed, "kind")  # type: ignore[attr-defined]
        if self.split.sizes()[1] < 120:
            height = max(self.split.height(), 400)
            self.split.setSizes([height * 11 // 20, height * 9 // 20])

    def close_detail(self) -> None:
        self.detail_customer = None
        self.detail.hide()
        self.detail_model.set_report(None)
        self.table.setFocus()

    def open_current_document(self) -> None:
        self._open_document(self.detail_table.currentIndex())

    def _open_document(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        report = self.detail_model.report
        row = self.detail_model.report_row(index.row())
        self.open_document(self.detail_model.data(index, DRILL_ROLE), row, report)

    # ---- export and print
    def file_stem(self) -> str:
        return f"aging-{self.shown.as_of}" if self.shown else "aging"

    def detail_file_stem(self) -> str:
        day = self.shown.as_of if self.shown else ""
        return f"aging-{self.detail_customer or 'detail'}-{day}"

    def detail_builder(self) -> ReportBuilder:
        from paksa_desktop.core.errors import ValidationError

        report = self.detail_model.report
        if self.detail_loader.busy or report is None:
            raise ValidationError("the customer's documents are still being read; try again in a moment")

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return report

        return build
