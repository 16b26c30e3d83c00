"""What the Receivables report screens (aging, reports) share: one computed `Report` on screen, and
Print and Export of exactly that report.

The report is computed by `ARReports` on a worker thread (the `Loader`), shown through the ledger's
`ReportTableModel`, exported by the shared `ExportButton` and printed by the shared `ReportPrinter`, so
screen, paper, PDF, Excel and CSV show the same figures. A row's drill-down key opens what is behind
it: an invoice or credit note in the invoice form (read-only once posted), a receipt in the customer's
credit (where an unapplied receipt can be applied or refunded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableView, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.receivables.ar_reports import ARReports
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import DrillKey, Report, ReportRow, RowStyle
from paksa_desktop.reporting.pdf import PdfOptions
from ui.errors import attempt
from ui.hub import Hub
from ui.models.report_model import ReportTableModel
from ui.models.rows_model import RIGHT
from ui.receivables.base_view import ReceivablesView
from ui.style import icon, set_state
from ui.widgets.export_button import ReportBuilder
from ui.widgets.report_printer import PdfPages, ReportPrinter, page_size_name, prepare_pages
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

# Invoices, receipts and their settlements move every receivables figure; customers rename rows
AR_CONCERNS = frozenset({Kind.INVOICES, Kind.RECEIPTS, Kind.CUSTOMERS, Kind.COMPANY})
TEXT_MAX, FIGURE_MIN = 320, 96


class ARReportModel(ReportTableModel):
    """The ledger's report model, with a document's own-currency amount (text: it carries its currency's
    decimals) right-aligned like every other figure."""

    right_text = frozenset({"open_amount"})

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and self.report is not None and self.report.columns[index.column()].key in self.right_text:
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(RIGHT)
            if role == Qt.ItemDataRole.DisplayRole:
                return grouped(super().data(index, role))
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and value:
            return two_lines(str(value))
        return value


def grouped(text: Any) -> Any:
    """'3999.07' as '3,999.07' (and '-500' as '(500)'), keeping the decimals the text has: its currency's."""
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return text
    places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 0
    return money_text(value, max(places, 0))


def two_lines(title: str) -> str:
    """A long column title on two lines ("Credit notes:\ntaxable"), so a figure's column is as wide as its
    figures rather than its title."""
    if len(title) <= 12 or " " not in title:
        return title
    middle = len(title) / 2
    cut = min((i for i, c in enumerate(title) if c == " "), key=lambda i: abs(i - middle))
    return f"{title[:cut]}\n{title[cut + 1 :]}"


class ColumnFitter(QObject):
    """Columns as wide as their widest text (bold, as totals are; text columns capped), headings spanning
    the row, and the `stretch` column taking whatever width is left when the table is wider, again on
    every resize. Widths are measured once per report, so resizing a long report stays instant."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self.table = table
        self.widths: list[int] = []
        self.stretch = -1
        table.viewport().installEventFilter(self)

    def fit(self, report: Report | None, stretch: str = "") -> None:
        table, model = self.table, self.table.model()
        table.clearSpans()
        self.widths, self.stretch = [], -1
        if report is None or model is None:
            return
        bold = QFont(table.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        rows = [*report.rows, *report.totals]
        columns = len(report.columns)
        for number, row in enumerate(rows):
            if row.style is RowStyle.HEADING and columns > 1:
                table.setSpan(number, 0, 1, columns)  # a customer's name over their lines, not in a column
        for column, spec in enumerate(report.columns):
            texts = [
                str(model.index(number, column).data() or "")
                for number, row in enumerate(rows)
                if row.style is not RowStyle.HEADING
            ]
            width = max(metrics.horizontalAdvance(t) for t in [*texts, *two_lines(spec.title).split("\n")]) + 22
            self.widths.append(max(width, FIGURE_MIN) if spec.numeric else min(width, TEXT_MAX))
        keys = [c.key for c in report.columns]
        self.stretch = keys.index(stretch) if stretch in keys else -1
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.spread()

    def spread(self) -> None:
        for column, width in enumerate(self.widths):
            if not self.table.isColumnHidden(column):
                self.table.setColumnWidth(column, width)
        if self.stretch >= 0:
            shown = sum(w for c, w in enumerate(self.widths) if not self.table.isColumnHidden(c))
            spare = self.table.viewport().width() - shown
            if spare > 0:
                self.table.setColumnWidth(self.stretch, self.widths[self.stretch] + spare)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.widths:
            self.spread()
        return False


class ReportScreen(ReceivablesView):
    """A receivables view whose content is one `Report` (see the module docstring)."""

    concerns = AR_CONCERNS
    stretch = "name"  # the column that takes the spare width
    table: QTableView  # made by the screen with `report_table`

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = ARReportModel(self)
        self.printer: ReportPrinter | None = None
        self.last_dialog: Any = None

        self.refresh_button = QPushButton(icon("refresh"), "Refresh")
        self.refresh_button.setToolTip("Calculate again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        self.print_button = QPushButton(icon("print"), "Print…")
        self.print_button.setToolTip("Preview and print the report as its PDF (Ctrl+P)")
        self.print_button.clicked.connect(self.print_report)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_report)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.status = QLabel()
        self.status.setObjectName("balanceIndicator")
        self.status.setWordWrap(True)

    def add_report_buttons(self) -> None:
        """Refresh, Print and Export at the right of the header (after the view's own buttons)."""
        for button in (self.refresh_button, self.print_button, self.add_export_button()):
            self.header.add(button)

    def report_table(self, name: str, model: ReportTableModel | None = None) -> QTableView:
        """A table over a report model, with its `fitter` (call `table.fitter.fit(report, stretch)`)."""
        table = make_table(name, model or self.model)
        table.fitter = ColumnFitter(table)  # type: ignore[attr-defined]
        return table

    def calculate(
        self,
        fetch: Callable[[], Report],
        apply: Callable[[Report], None],
        failed: str = "Not calculated: change the options above",
    ) -> None:
        """Work the report out on a worker thread ('Calculating…' meanwhile), then `apply` it. On failure the
        Loader shows the message itself; the status under the table says `failed` and nothing stays shown."""
        self.status.setText("Calculating…")
        set_state(self.status, "muted")
        job = self.loader.load(fetch, apply)
        job.failed.connect(lambda _error: self._not_calculated(failed))

    def _not_calculated(self, text: str) -> None:
        if not self.loader.busy:
            self.forget_report()
            self.status.setText(text)
            set_state(self.status, "bad")

    def forget_report(self) -> None:
        """What a failed calculation clears (a screen that keeps its last report shown does nothing)."""

    def show_report(self, report: Report, stretch: str, *, bad: bool = False) -> None:
        """The report in the table (columns fitted, `stretch` taking the spare width) and its status line."""
        self.model.set_report(report)
        self.table.fitter.fit(report, stretch)  # type: ignore[attr-defined]
        if report.rows:
            self.status.setText(" · ".join(p for p in (report.title, report.subtitle, report.currency) if p))
        else:
            self.status.setText(f"{report.title}, {report.subtitle}: nothing to show for these options.")
        set_state(self.status, "bad" if bad else "muted")

    @property
    def ar_reports(self) -> ARReports:
        return self.session.company.ar_reports(self.session.ctx)

    # ---- the report on screen, for Export and Print
    def shown_report(self) -> Report:
        if self.loader.busy:
            raise ValidationError("the report is still being calculated; try again in a moment")
        if self.model.report is None:
            raise ValidationError("there is no report on screen: choose options the report accepts")
        return self.model.report

    def export_builder(self) -> ReportBuilder:
        report = self.shown_report()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return report

        return build

    def pdf_options(self) -> PdfOptions:
        """The default printer's paper, the logo, who printed it: Export → PDF is what Print prints."""
        from PySide6.QtPrintSupport import QPrinter

        return replace(super().pdf_options(), page_size=page_size_name(QPrinter()))

    def print_report(self) -> None:
        report = attempt(self, self.shown_report, title="Print")
        if report is None:
            return
        options = self.pdf_options()
        run_with_progress(
            self,
            "Print",
            "Laying out the pages…",
            lambda _p, _c: prepare_pages(report, options),
            lambda pages: self.open_preview(report, options, pages),
        )

    def open_preview(self, report: Report, options: PdfOptions, pages: PdfPages) -> None:
        """The print preview (modal); printing from it is recorded in the audit trail."""
        self.printer = ReportPrinter(report, options, pages, self)
        self.printer.printed.connect(self.audit_print)
        dialog = self.printer.preview(self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def audit_print(self, pages: int, printer: str) -> None:
        from paksa_desktop.audit.service import AuditService

        stem = self.file_stem()
        service = AuditService(self.session.company.engine, self.session.ctx)
        attempt(self, lambda: service.record_print(stem, pages, permission=self.export_permission, printer=printer))

    # ---- drill-down to documents
    def open_document(self, drill: DrillKey | None, row: ReportRow | None = None, report: Report | None = None) -> bool:
        """Open the invoice, credit note, bill or receipt behind a row (a vendor payment: the vendor's credit);
        False when the row has none."""
        if drill is None:
            return False
        if drill.kind == "invoice":
            from ui.receivables.invoice_dialog import InvoiceDialog

            detail = attempt(self, lambda: self.session.documents.invoice(drill.id))
            if detail is None:
                return True
            self._run(InvoiceDialog(self.hub, detail, parent=self))
            return True
        if drill.kind == "bill":
            from ui.payables.bill_dialog import open_bill

            dialog = attempt(self, lambda: open_bill(self.hub, drill.id, parent=self))
            if dialog is not None:
                self._run(dialog)
            return True
        if drill.kind == "receipt":
            from ui.receivables.receipts_view import CustomerCreditDialog

            code = customer_of(row, report)
            self._run(CustomerCreditDialog(self.hub, code, parent=self))
            return True
        if drill.kind == "payment":  # a vendor payment's money on account: the vendor's credit
            from ui.payables.vendor_credit_dialog import VendorCreditDialog

            vendor = getattr(self, "detail_customer", None)  # the aging's detail: the vendor drilled into
            if row is not None and report is not None and "vendor" in [c.key for c in report.columns]:
                vendor = str(row.cells[report.column_index("vendor")] or "") or vendor
            self._run(VendorCreditDialog(self.hub, vendor, parent=self))
            return True
        return False

    def _run(self, dialog: Any) -> None:
        self.last_dialog = dialog
        dialog.exec()
        self.hub.broadcast(getattr(dialog, "changes", None))  # a credit applied from there, say
        dialog.deleteLater()


def customer_of(row: ReportRow | None, report: Report | None) -> str | None:
    """The customer code of a report row (every receivables report has a `customer` column)."""
    if row is None or report is None:
        return None
    try:
        value = row.cells[report.column_index("customer")]
    except KeyError:
        return None
    return str(value) if value else None
