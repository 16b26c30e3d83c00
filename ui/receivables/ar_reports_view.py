"""The receivables reports: open items, the customer ledger, sales by customer, item or month, sales tax
by tax code, and days sales outstanding, each with the options it needs.

Every report is `ARReports`' own (the same as `paksa report ar-...`), computed on a worker thread and
shown as a table; Print and Export write exactly that report. Double-click a document to open it, or a
customer's figure (sales by customer, a ledger's closing balance) to see that customer's ledger for
the same period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QComboBox, QWidget

from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.receivables.ar_reports import ARReports
from paksa_desktop.receivables.sales_reports import SalesBy
from paksa_desktop.reporting.model import Report
from ui.hub import Hub
from ui.models.report_model import DRILL_ROLE
from ui.receivables.fields import fill_customers
from ui.receivables.report_screen import ReportScreen, customer_of
from ui.widgets.date_edit import DateEdit
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import on_enter

AS_OF, PERIOD = "as_of", "period"


@dataclass(frozen=True, slots=True)
class ReportKind:
    key: str
    title: str
    dates: str  # AS_OF or PERIOD
    by_customer: bool  # offers the customer choice
    stretch: str  # the column that takes the spare width
    run: Callable[[ARReports, ReportRequest], Report]


@dataclass(frozen=True, slots=True)
class ReportRequest:
    kind: str
    as_of: date
    start: date
    end: date
    customer: str | None

    def fetch(self, reports: ARReports) -> Report:
        return KINDS[self.kind].run(reports, self)

    def file_stem(self) -> str:
        spec = KINDS[self.kind]
        days = f"{self.as_of}" if spec.dates == AS_OF else f"{self.start}-to-{self.end}"
        who = f"-{self.customer}" if self.customer and spec.by_customer else ""
        return f"{spec.key}{who}-{days}"


def _sales(by: SalesBy) -> Callable[[ARReports, ReportRequest], Report]:
    return lambda reports, r: reports.sales(r.start, r.end, by=by)


REPORTS = (
    ReportKind(
        "open-items", "Open items", AS_OF, True, "name", lambda a, r: a.open_items(r.as_of, customer=r.customer)
    ),
    ReportKind(
        "customer-ledger",
        "Customer ledger",
        PERIOD,
        True,
        "description",
        lambda a, r: a.customer_ledger(r.start, r.end, customer=r.customer),
    ),
    ReportKind("sales-by-customer", "Sales by customer", PERIOD, False, "name", _sales(SalesBy.CUSTOMER)),
    ReportKind("sales-by-item", "Sales by item", PERIOD, False, "description", _sales(SalesBy.ITEM)),
    ReportKind("sales-by-month", "Sales by month", PERIOD, False, "", _sales(SalesBy.MONTH)),
    ReportKind("sales-tax", "Sales tax by tax code", PERIOD, False, "name", lambda a, r: a.tax(r.start, r.end)),
    ReportKind("dso", "Days sales outstanding", PERIOD, False, "", lambda a, r: a.dso(r.start, r.end)),
)
KINDS = {k.key: k for k in REPORTS}


class ARReportsView(ReportScreen):
    title = "Reports"
    subtitle = "Receivables reports. Double-click a document to open it, a customer's figure for their ledger."

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.shown: ReportRequest | None = None
        self.add_report_buttons()
        today = self.session.today()
        fy = fiscal_year_containing(today, hub.info().fiscal_year_start_month)

        self.filters = FilterBar()
        self.kind = QComboBox()
        for spec in REPORTS:
            self.kind.addItem(spec.title, spec.key)
        self.as_of = DateEdit(today)
        self.start = DateEdit(fy.start)
        self.end = DateEdit(today)
        self.customer = QComboBox()
        self.customer.setMinimumContentsLength(20)
        self.customer.addItem("All customers", None)
        self.filters.add("&Report", self.kind)
        self.filters.add("&As of", self.as_of)
        self.filters.add("F&rom", self.start)
        self.filters.add("&To", self.end)
        self.filters.add("C&ustomer", self.customer)
        self.filters.grid.setColumnStretch(5, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.filters.changed.connect(self.refresh)
        self.body.addWidget(self.filters)

        self.table = self.report_table("arReportTable")
        self.table.doubleClicked.connect(self._drill)
        on_enter(self.table, lambda: self._drill(self.table.currentIndex()))
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.status)
        self._kind_changed()

    # ---- options
    def spec(self) -> ReportKind:
        return KINDS[self.kind.currentData()]

    def _kind_changed(self, *_args: object) -> None:
        spec = self.spec()
        self.as_of.setEnabled(spec.dates == AS_OF)
        self.start.setEnabled(spec.dates == PERIOD)
        self.end.setEnabled(spec.dates == PERIOD)
        self.customer.setEnabled(spec.by_customer)

    def choose(self, key: str, **options: Any) -> None:
        """Show report `key` with some options set (as_of, start, end, customer): drill-downs and tests."""
        for name, value in options.items():
            widget = getattr(self, name)
            widget.blockSignals(True)
            if name == "customer":
                widget.setCurrentIndex(max(0, widget.findData(value)))
            else:
                widget.set_value(value)
            widget.blockSignals(False)
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(key))
        self.kind.blockSignals(False)
        self._kind_changed()
        self.refresh()

    def request(self) -> ReportRequest:
        spec = self.spec()
        customer = self.customer.currentData() if spec.by_customer else None
        return ReportRequest(spec.key, self.as_of.value(), self.start.value(), self.end.value(), customer)

    # ---- loading
    def reload(self) -> None:
        self._fill_customers()
        super().reload()

    def _fill_customers(self) -> None:
        customers = self.session.receivables_queries.customers()
        fill_customers(self.customer, customers, self.customer.currentData(), first=("All customers", None))

    def refresh(self) -> None:
        request = self.request()
        reports = self.ar_reports
        self.calculate(lambda: request.fetch(reports), lambda report: self._apply(request, report))

    def forget_report(self) -> None:
        self.shown = None
        self.model.set_report(None)

    def _apply(self, request: ReportRequest, report: Report) -> None:
        self.shown = request
        self.show_report(report, KINDS[request.kind].stretch)

    # ---- drill-down
    def _drill(self, index: QModelIndex) -> None:
        if not index.isValid() or self.model.report is None or self.shown is None:
            return
        report = self.model.report
        row = self.model.report_row(index.row())
        drill = self.model.data(index, DRILL_ROLE)
        if self.open_document(drill, row, report):
            return
        code = customer_of(row, report)
        if drill is not None and drill.kind == "customer" and code:
            start = drill.start or self.shown.start
            end = drill.end or self.shown.end
            self.choose("customer-ledger", start=min(start, end), end=end, customer=code)

    def file_stem(self) -> str:
        return self.shown.file_stem() if self.shown else "receivables-report"
