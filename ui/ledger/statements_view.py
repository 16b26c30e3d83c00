"""Financial statements: balance sheet, income statement, cash flow, changes in equity, budget versus actual.

The engine computes one Report; this screen shows it as a tree (headings, lines, the accounts under
each line), and Export, Print and the chart read the same figures. Computing runs on a worker thread,
so changing an option never freezes the window. Double-click an account to open its ledger for the
statement's period (or the month of the column clicked), and from there any entry.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeView,
)

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import from_minor
from paksa_desktop.ledger.statements import StatementQueries
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.pdf import PdfOptions
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.ledger.statement_chart import ChartData, StatementChart, chart_data
from ui.ledger.statement_options import StatementOptionsBar
from ui.ledger.statement_request import StatementRequest
from ui.models.statement_tree_model import StatementTreeModel
from ui.style import icon, set_state
from ui.widgets.export_button import ReportBuilder
from ui.widgets.report_printer import PdfPages, ReportPrinter, page_size_name, prepare_pages
from ui.widgets.statement_delegate import StatementDelegate
from ui.widgets.tables import on_enter
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

# Kind.BUDGETS arrives with the budgets module; until then budgets are re-read with everything else
_CONCERNS = {"entries", "accounts", "dimensions", "periods", "company", "budgets", "layouts"}
LABEL_MIN, LABEL_MAX, FIGURE_MIN = 360, 540, 110


class StatementsView(LedgerView):
    title = "Financial statements"
    subtitle = "Double-click an account to see the entries behind its figure."
    concerns = frozenset(k for k in Kind if k.value in _CONCERNS)

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = StatementTreeModel(self)
        self.shown: StatementRequest | None = None  # the request whose report is on screen
        self.requested: StatementRequest | None = None  # the newest request sent to the engine
        self.collapsed: set[tuple[str, ...]] = set()  # rows the user folded, by their labels: kept over reloads
        self._restoring = False  # expandAll and collapseAll report every row; only the user's clicks count
        self.printer: ReportPrinter | None = None
        today = self.session.today()

        refresh = QPushButton(icon("refresh"), "Refresh")
        refresh.clicked.connect(self.refresh)
        self.chart_button = QPushButton(icon("chart"), "Chart")
        self.chart_button.setCheckable(True)
        self.chart_button.setToolTip("Show revenue, expenses and net income by month, and assets against liabilities")
        self.chart_button.toggled.connect(self.show_chart)
        self.layout_button = QPushButton(icon("layout"), "Layout…")
        self.layout_button.setToolTip("Change the lines of this statement and the accounts each line shows")
        self.layout_button.clicked.connect(self.open_layout_editor)
        self.layout_button.setVisible(self.session.can(Permission.LAYOUT_MANAGE))
        self.print_button = QPushButton(icon("print"), "Print…")
        self.print_button.setToolTip("Preview and print the statement as its PDF (Ctrl+P)")
        self.print_button.clicked.connect(self.print_statement)
        self.print_button.setEnabled(self.session.can(Permission.LEDGER_EXPORT))
        for button in (refresh, self.chart_button, self.layout_button, self.print_button, self.add_export_button()):
            self.header.add(button)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_statement)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        # ---- options
        self.options = StatementOptionsBar(today, hub.info().fiscal_year_start_month)
        self.options.changed.connect(self.refresh)
        self.body.addWidget(self.options)

        # ---- the statement: its title line, the tree, the chart under it
        self.caption = QLabel()
        self.caption.setObjectName("panelTitle")
        self.period_label = QLabel()
        self.period_label.setProperty("state", "muted")
        expand = QToolButton()
        expand.setText("Expand all")
        expand.clicked.connect(self.expand_all)
        collapse = QToolButton()
        collapse.setText("Collapse all")
        collapse.setToolTip("Headings and totals only; click a heading's arrow to open it")
        collapse.clicked.connect(self.collapse_all)
        title_line = QHBoxLayout()
        title_line.setSpacing(10)
        title_line.addWidget(self.caption)
        title_line.addWidget(self.period_label, 1)
        title_line.addWidget(expand)
        title_line.addWidget(collapse)
        self.body.addLayout(title_line)

        self.tree = QTreeView()
        self.tree.setObjectName("statementTree")
        self.tree.setModel(self.model)
        self.tree.setItemDelegate(StatementDelegate(self.tree))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setIndentation(18)
        self.tree.setExpandsOnDoubleClick(True)  # headings and lines open and close; accounts drill down
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.doubleClicked.connect(self._drill)
        self.tree.collapsed.connect(lambda index: self._folded(index, True))
        self.tree.expanded.connect(lambda index: self._folded(index, False))
        on_enter(self.tree, self.drill_current)
        self.chart = StatementChart()
        self.chart.hide()
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.tree)
        self.split.addWidget(self.chart)
        self.split.setChildrenCollapsible(False)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.body.addWidget(self.split, 1)

        self.status = QLabel()
        self.status.setObjectName("balanceIndicator")
        self.body.addWidget(self.status, 0, Qt.AlignmentFlag.AlignLeft)

    def request(self) -> StatementRequest:
        return self.options.request()

    def _fill_choices(self) -> None:
        queries = self.session.queries
        budgets = [b.name for b in self.session.company.budget_queries(self.session.ctx).budgets()]
        self.options.fill(queries.departments(), queries.projects(), budgets)

    @property
    def statements(self) -> StatementQueries:
        return self.session.company.statements(self.session.ctx)

    # ---- loading
    def reload(self) -> None:
        attempt(self, self._fill_choices)
        super().reload()

    def refresh(self) -> None:
        request = self.request()
        statements = self.statements
        self.status.setText("Calculating…")
        set_state(self.status, "muted")
        self.requested = request
        job = self.loader.load(lambda: request.fetch(statements), lambda report: self._apply(request, report))
        job.failed.connect(lambda _error: self._failed(request))  # the Loader shows the message itself
        if self.chart.isVisible():
            self.load_chart(request)

    def _failed(self, request: StatementRequest) -> None:
        """Options the engine refused: clear the old figures rather than leave them under new options."""
        if request is not self.requested:
            return
        self.shown = None
        self.model.set_report(None)
        self.caption.setText(request.statement.title)
        self.period_label.setText("")
        self.status.setText("Not calculated: change the options above")
        set_state(self.status, "bad")

    def _apply(self, request: StatementRequest, report: Report) -> None:
        self.shown = request
        self._restoring = True
        try:
            self.model.set_report(report)
            self.tree.expandAll()
            for index in self.model.all_indexes():
                if self.model.rowCount(index) and self.model.path(index) in self.collapsed:
                    self.tree.collapse(index)
        finally:
            self._restoring = False
        self._fit_columns()
        self.caption.setText(report.title)
        self.period_label.setText(" · ".join(p for p in (report.subtitle, report.currency) if p))
        self._show_status(report)

    def _show_status(self, report: Report) -> None:
        """The figure a reader looks for first: does the sheet balance, what was the result, how did cash move."""
        keys = report.meta.get("keys", {})
        exp = report.exponent
        statement = report.meta.get("statement")
        if statement == "balance_sheet" and "total_assets" in keys:
            differences = [
                a - b for a, b in zip(keys["total_assets"], keys["total_liabilities_and_equity"], strict=True)
            ]
            if not any(differences):
                self.status.setText("Balanced: total assets equal total liabilities and equity")
                set_state(self.status, "ok")
            else:
                worst = max(differences, key=abs)
                self.status.setText(f"Out of balance by {money_text(from_minor(worst, exp), exp)}")
                set_state(self.status, "bad")
            return
        found = {"income_statement": ("net_income", "Net income"), "cash_flow": ("net_change", "Net change in cash")}
        key, label = found.get(str(statement), ("", ""))
        if key in keys:
            figures = keys[key]
            # period columns add up to the period; with a comparison the first column is the period itself
            value = sum(figures) if report.meta.get("compare") == "" else figures[0]
            self.status.setText(f"{label} for the period: {money_text(from_minor(value, exp), exp)}")
        else:
            self.status.setText("")
        set_state(self.status, "muted")

    def _fit_columns(self) -> None:
        """Figures as wide as their widest text, close to their labels (a wide screen is no reason to make
        the eye travel from a label to its figure); by month, the columns scroll under a fixed label column."""
        report = self.model.report
        if report is None:
            return
        bold = QFont(self.tree.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        header = self.tree.header()
        widths = []
        for column in range(len(report.columns)):
            texts = [index.data() or "" for index in self.model.all_indexes(column)]
            title = report.columns[column].title
            widths.append(max(metrics.horizontalAdvance(t) for t in [*texts, title]) + 26)
        depth = max((r.level for r in report.rows), default=0) + 1
        minimum = LABEL_MIN if len(widths) <= 5 else LABEL_MIN * 3 // 4  # by month: room for more months
        label = min(max(widths[0] + depth * self.tree.indentation(), minimum), LABEL_MAX)
        figures = [max(w, FIGURE_MIN) for w in widths[1:]]
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(figures, start=1):
            header.resizeSection(column, width)
        header.resizeSection(0, label)

    def _folded(self, index: QModelIndex, folded: bool) -> None:
        if self._restoring or not self.model.rowCount(index):
            return
        path = self.model.path(index)
        if folded:
            self.collapsed.add(path)
        else:
            self.collapsed.discard(path)

    def expand_all(self) -> None:
        self.collapsed.clear()
        self._restoring = True
        try:
            self.tree.expandAll()
        finally:
            self._restoring = False

    def collapse_all(self) -> None:
        """Headings and totals only: the statement at a glance."""
        self.collapsed = {self.model.path(i) for i in self.model.all_indexes() if self.model.rowCount(i)}
        self._restoring = True
        try:
            self.tree.collapseAll()
        finally:
            self._restoring = False

    # ---- drill-down
    def drill_current(self) -> None:
        self._drill(self.tree.currentIndex())

    def _drill(self, index: QModelIndex) -> None:
        row = self.model.report_row(index)
        request = self.shown
        if row is None or row.drill is None or row.drill.kind != "account" or request is None:
            return
        spans = self.model.report.meta.get("spans", []) if self.model.report is not None else []
        if 1 <= index.column() <= len(spans):
            start, end = spans[index.column() - 1]  # the period of the figure clicked (month, comparison...)
        else:
            start, end = row.drill.start, row.drill.end
        self.hub.open_account_ledger(row.drill.id, start, end)

    # ---- chart
    def show_chart(self, visible: bool) -> None:
        self.chart.setVisible(visible)
        if visible:
            height = self.split.height()
            self.split.setSizes([height * 11 // 20, height * 9 // 20])
            self.load_chart(self.shown or self.request())

    def load_chart(self, request: StatementRequest) -> None:
        fy = request.fiscal_year(self.hub.info().fiscal_year_start_month)
        statements = self.statements
        today = self.session.today()
        department, project = request.options.department, request.options.project

        def fetch() -> ChartData:
            return chart_data(statements, fy, today, department, project)

        self.chart.load(fetch)

    # ---- export and print: the report on screen, exactly
    def _report(self) -> Report:
        report = self.model.report
        if self.loader.busy:
            raise ValidationError("the statement is still being calculated; try again in a moment")
        if report is None:
            raise ValidationError("there is no statement on screen: choose options the statement accepts")
        return report

    def export_builder(self) -> ReportBuilder:
        report = self._report()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return report

        return build

    def file_stem(self) -> str:
        return self.shown.file_stem() if self.shown else "financial-statement"

    def pdf_options(self) -> PdfOptions:
        """What Export → PDF uses (ExportButton), so the printout is that very PDF: the default printer's
        paper size, the logo, who printed it."""
        from PySide6.QtPrintSupport import QPrinter

        return replace(super().pdf_options(), page_size=page_size_name(QPrinter()))

    def print_statement(self) -> None:
        if not self.print_button.isEnabled():
            return
        report = attempt(self, self._report, title="Print")
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
        """The preview (modal); printing from it is recorded in the audit trail."""
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

        def record() -> None:
            service.record_print(stem, pages, permission=Permission.LEDGER_EXPORT, printer=printer)

        attempt(self, record, title="Print")

    # ---- the layout editor
    def open_layout_editor(self) -> None:
        from ui.ledger.layout_editor import LayoutEditor, load_layout_state

        kind = self.options.current_statement().layout
        session = self.session

        def done(state: Any) -> None:
            editor = LayoutEditor(self.hub, state, self)
            editor.exec()
            editor.deleteLater()

        work = lambda _p, _c: load_layout_state(session, kind)  # noqa: E731
        run_with_progress(self, "Statement layout", "Reading the layout…", work, done)
