"""The payables reports: open bills, the vendor ledger, payments made, the cash requirements forecast,
expenses by category/employee/project, the withholding report and the reconciliation with the control
accounts, each with the options it needs.

Built like the receivables reports screen (`ui/receivables/ar_reports_view.py`, on the shared
`ReportScreen`): every report is `APReports`' own (the same as `paksa report ap-...`), computed on a worker
thread and shown as a table; Print and Export write exactly that report. Double-click a vendor's figure
(a ledger's closing balance, a withholding row) for that vendor's ledger. The withholding report also
writes the vendors' year-end statements (one PDF page per vendor) with "Statements PDF…".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QComboBox, QFileDialog, QPushButton, QSpinBox, QWidget

from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.payables.ap_reports import APReports
from paksa_desktop.reporting.model import Report
from paksa_desktop.security.permissions import Permission
from ui.hub import Hub
from ui.models.report_model import DRILL_ROLE
from ui.payables.ap_aging_view import AP_CONCERNS
from ui.receivables.fields import fill_customers
from ui.receivables.report_screen import ReportScreen
from ui.style import icon
from ui.widgets.date_edit import DateEdit
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import on_enter
from ui.workers import run_with_progress

AS_OF, PERIOD, YEAR = "as_of", "period", "year"


@dataclass(frozen=True, slots=True)
class APReportKind:
    key: str
    title: str
    dates: str  # AS_OF, PERIOD or YEAR
    by_vendor: bool  # offers the vendor choice
    stretch: str  # the column that takes the spare width
    run: Callable[[APReports, APReportRequest], Report]
    by_bank: bool = False
    grouping: bool = False  # expenses: by category, employee or project


@dataclass(frozen=True, slots=True)
class APReportRequest:
    kind: str
    as_of: date
    start: date
    end: date
    year: int
    vendor: str | None = None
    bank: str | None = None
    by: str = "category"

    def fetch(self, reports: APReports) -> Report:
        return KINDS[self.kind].run(reports, self)

    def file_stem(self) -> str:
        spec = KINDS[self.kind]
        days = {AS_OF: f"{self.as_of}", PERIOD: f"{self.start}-to-{self.end}", YEAR: f"{self.year}"}[spec.dates]
        who = f"-{self.vendor}" if self.vendor and spec.by_vendor else ""
        return f"ap-{spec.key}{who}-{days}"


REPORTS = (
    APReportKind("open-bills", "Open bills", AS_OF, True, "name", lambda a, r: a.open_bills(r.as_of, vendor=r.vendor)),
    APReportKind(
        "vendor-ledger",
        "Vendor ledger",
        PERIOD,
        True,
        "description",
        lambda a, r: a.vendor_ledger(r.start, r.end, vendor=r.vendor),
    ),
    APReportKind(
        "payments",
        "Payments made",
        PERIOD,
        True,
        "name",
        lambda a, r: a.payments_made(r.start, r.end, vendor=r.vendor, bank=r.bank),
        by_bank=True,
    ),
    APReportKind(
        "cash-requirements",
        "Cash requirements forecast",
        AS_OF,
        False,
        "period",
        lambda a, r: a.cash_requirements(r.as_of),
    ),
    APReportKind(
        "expenses", "Expenses", PERIOD, False, "name", lambda a, r: a.expenses(r.start, r.end, by=r.by), grouping=True
    ),
    APReportKind("withholding", "Withholding (1099-style)", YEAR, False, "name", lambda a, r: a.withholding(r.year)),
    APReportKind(
        "reconciliation", "Reconciliation with the GL", AS_OF, False, "name", lambda a, r: a.reconcile_report(r.as_of)
    ),
)
KINDS = {k.key: k for k in REPORTS}


class APReportsView(ReportScreen):
    title = "Reports"
    subtitle = "Payables reports. Double-click a vendor's figure for their ledger."
    concerns = AP_CONCERNS
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.shown: APReportRequest | None = None
        self.statements_button = QPushButton(icon("statements"), "Statements PDF…")
        self.statements_button.setToolTip("Write each withholding vendor's year-end statement, one page per vendor")
        self.statements_button.clicked.connect(self.write_statements)
        self.header.add(self.statements_button)
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
        self.year = QSpinBox()
        self.year.setRange(1900, 9999)
        self.year.setValue(today.year)
        self.vendor = QComboBox()
        self.vendor.setMinimumContentsLength(14)
        for edit in (self.as_of, self.start, self.end):  # eight options share the bar: dates stay readable
            edit.setMinimumWidth(edit.sizeHint().width() + 12)
        self.vendor.addItem("All vendors", None)
        self.bank = QComboBox()
        self.bank.addItem("All bank accounts", None)
        self.by = QComboBox()
        for text in ("category", "employee", "project"):
            self.by.addItem(f"By {text}", text)
        self.filters.add("&Report", self.kind)
        self.filters.add("&As of", self.as_of)
        self.filters.add("F&rom", self.start)
        self.filters.add("&To", self.end)
        self.filters.add("&Year", self.year)
        self.filters.new_row()  # who on a second row: eight fields in one row would not fit a small window
        self.filters.add("&Vendor", self.vendor)
        self.filters.add("&Bank", self.bank)
        self.filters.add("&Group", self.by)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.filters.changed.connect(self.refresh)
        self.body.addWidget(self.filters)

        self.table = self.report_table("apReportTable")
        self.table.doubleClicked.connect(self._drill)
        on_enter(self.table, lambda: self._drill(self.table.currentIndex()))
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.status)
        self._kind_changed()

    # ---- options
    def spec(self) -> APReportKind:
        return KINDS[self.kind.currentData()]

    def _kind_changed(self, *_args: object) -> None:
        spec = self.spec()
        self.as_of.setEnabled(spec.dates == AS_OF)
        self.start.setEnabled(spec.dates == PERIOD)
        self.end.setEnabled(spec.dates == PERIOD)
        self.year.setEnabled(spec.dates == YEAR)
        self.vendor.setEnabled(spec.by_vendor)
        self.bank.setEnabled(spec.by_bank)
        self.by.setEnabled(spec.grouping)
        self.statements_button.setVisible(spec.key == "withholding")

    def choose(self, key: str, **options: Any) -> None:
        """Show report `key` with some options set (as_of, start, end, vendor, year): drill-downs and tests."""
        for name, value in options.items():
            widget = getattr(self, name)
            widget.blockSignals(True)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QSpinBox):
                widget.setValue(value)
            else:
                widget.set_value(value)
            widget.blockSignals(False)
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(key))
        self.kind.blockSignals(False)
        self._kind_changed()
        self.refresh()

    def request(self) -> APReportRequest:
        spec = self.spec()
        return APReportRequest(
            spec.key,
            self.as_of.value(),
            self.start.value(),
            self.end.value(),
            self.year.value(),
            self.vendor.currentData() if spec.by_vendor else None,
            self.bank.currentData() if spec.by_bank else None,
            self.by.currentData(),
        )

    # ---- loading
    def reload(self) -> None:
        fill_customers(self.vendor, self.session.vendors.list(), self.vendor.currentData(), first=("All vendors", None))
        if self.session.can(Permission.CASH_VIEW):
            banks = self.session.company.bank_queries(self.session.ctx).accounts()
            chosen = self.bank.currentData()
            self.bank.blockSignals(True)
            self.bank.clear()
            self.bank.addItem("All bank accounts", None)
            for b in banks:
                self.bank.addItem(b.name, b.name)
            self.bank.setCurrentIndex(max(0, self.bank.findData(chosen)))
            self.bank.blockSignals(False)
        super().reload()

    def refresh(self) -> None:
        request = self.request()
        reports = self.session.company.ap_reports(self.session.ctx)
        self.calculate(lambda: request.fetch(reports), lambda report: self._apply(request, report))

    def forget_report(self) -> None:
        self.shown = None
        self.model.set_report(None)

    def _apply(self, request: APReportRequest, report: Report) -> None:
        self.shown = request
        bad = request.kind == "reconciliation" and not report.meta.get("reconciled", True)
        self.show_report(report, KINDS[request.kind].stretch, bad=bad)

    # ---- drill-down: a vendor's figure opens their ledger
    def _drill(self, index: QModelIndex) -> None:
        if not index.isValid() or self.model.report is None or self.shown is None:
            return
        row = self.model.report_row(index.row())
        drill = self.model.data(index, DRILL_ROLE)
        if drill is None or drill.kind != "vendor":
            return
        try:
            code = str(row.cells[self.model.report.column_index("vendor")])
        except KeyError:
            return
        start = drill.start or self.shown.start
        end = drill.end or self.shown.end
        self.choose("vendor-ledger", start=min(start, end), end=end, vendor=code)

    def file_stem(self) -> str:
        return self.shown.file_stem() if self.shown else "payables-report"

    # ---- withholding statements
    def write_statements(self) -> None:
        year = self.year.value()
        path, _ = QFileDialog.getSaveFileName(
            self, "Withholding statements", f"withholding-statements-{year}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        target = Path(path).with_suffix(".pdf")
        reports = self.session.company.ap_reports(self.session.ctx)
        run_with_progress(
            self,
            "Withholding statements",
            "Writing the statements…",
            lambda _p, _c: reports.write_withholding(year, target),
            lambda count: self._written(target, count),
        )

    def _written(self, target: Path, count: int) -> None:
        self.audit_export(target, count)
        notify(self, f"Wrote {count} withholding statement{'s' if count != 1 else ''} to {target.name}")
