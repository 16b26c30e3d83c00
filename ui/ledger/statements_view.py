"""Financial statements: balance sheet, income statement, cash flow, changes in equity, budget versus actual.

The engine computes one Report; this screen shows it as a tree (headings, lines, the accounts under
each line), and Export, Print and the chart read the same figures. Computing runs on a worker thread,
so changing an option never freezes the window. Double-click an account to open its ledger for the
statement's period (or the month of the column clicked), and from there any entry.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
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
from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.ledger.budget_names import budget_names
from paksa_desktop.ledger.statements import By, Compare, Detail, StatementQueries
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.pdf import PdfOptions
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.ledger.statement_chart import ChartData, StatementChart, chart_data
from ui.ledger.statement_request import COLUMNS, COMPARISONS, DETAILS, Statement, StatementRequest, presets
from ui.models.statement_tree_model import StatementTreeModel
from ui.style import icon, set_state
from ui.widgets.choices import fill_codes
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.options_bar import OptionsBar
from ui.widgets.report_printer import PdfPages, ReportPrinter, page_size_name, prepare_pages
from ui.widgets.statement_delegate import StatementDelegate
from ui.widgets.tables import on_enter
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

# Kind.BUDGETS arrives with the budgets module; until then budgets are re-read with everything else
_CONCERNS = {"entries", "accounts", "dimensions", "periods", "company", "budgets"}
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
        self.collapsed: set[tuple[str, ...]] = set()  # rows the user folded, by their labels: kept over reloads
        self._restoring = False  # expandAll and collapseAll report every row; only the user's clicks count
        self.budgets: list[str] = []
        self.printer: ReportPrinter | None = None
        today = self.session.today()
        start_month = hub.info().fiscal_year_start_month
        fy = fiscal_year_containing(today, start_month)

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
        self.options = OptionsBar()
        self.statement = QComboBox()
        for statement in Statement:
            self.statement.addItem(statement.title, statement)
        self.preset = QComboBox()
        self.preset.addItem("Custom", None)
        for name, first, last in presets(today, start_month):
            self.preset.addItem(name, (first, last))
        self.as_of = DateEdit(today)
        self.start = DateEdit(fy.start)
        self.end = DateEdit(fy.end)
        self.compare = QComboBox()
        for value, text in COMPARISONS:
            self.compare.addItem(text, value)
        self.budget = QComboBox()
        self.budget.setMinimumWidth(140)
        self.columns = QComboBox()
        for value, text in COLUMNS:
            self.columns.addItem(text, value)
        self.department = QComboBox()
        self.project = QComboBox()
        for combo in (self.department, self.project):
            combo.setMinimumWidth(190)
        self.detail = QComboBox()
        for value, text in DETAILS:
            self.detail.addItem(text, value)
        self.show_zero = QCheckBox("Show zero lines")
        # the coupling runs before the bar's refresh: slots fire in the order they were connected
        self.statement.activated.connect(self._statement_chosen)
        self.preset.activated.connect(self._preset_chosen)
        self.compare.activated.connect(self._compare_chosen)
        self.columns.activated.connect(self._columns_chosen)
        self.options.add("&Statement", self.statement)
        self.options.add("&Period", self.preset)
        self.as_of_field = self.options.add("&As of", self.as_of)
        self.start_field = self.options.add("F&rom", self.start)
        self.end_field = self.options.add("&To", self.end)
        self.options.add("&Compare with", self.compare)
        self.budget_field = self.options.add("&Budget", self.budget)
        self.options.add("Co&lumns", self.columns)
        self.options.new_line()
        self.options.add("&Department", self.department)
        self.options.add("Pro&ject", self.project)
        self.options.add("D&etail", self.detail)
        self.options.add(" ", self.show_zero)
        self.options.finish()
        self.options.changed.connect(self.refresh)
        for edit in (self.as_of, self.start, self.end):
            edit.dateChanged.connect(lambda *_: self.preset.setCurrentIndex(0))
        self.preset.setCurrentIndex(self.preset.findText("This fiscal year"))
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
        self._statement_chosen()

    # ---- controls (a combo hands its StrEnum data back as a plain str: turn it back into the enum)
    def current_statement(self) -> Statement:
        return Statement(self.statement.currentData())

    def current_compare(self) -> Compare | None:
        value = self.compare.currentData()
        return Compare(value) if value else None

    def current_by(self) -> By | None:
        value = self.columns.currentData()
        return By(value) if value else None

    def choose(self, statement: Statement) -> None:
        """Pick a statement as a user would (and recompute)."""
        self.statement.setCurrentIndex(self.statement.findData(statement))
        self._statement_chosen()
        self.refresh()

    def _statement_chosen(self, *_args: object) -> None:
        statement = self.current_statement()
        self.as_of_field.setVisible(statement.as_of)
        self.start_field.setVisible(not statement.as_of)
        self.end_field.setVisible(not statement.as_of)
        self.compare.setEnabled(statement.takes_columns)
        self.columns.setEnabled(statement.takes_columns)
        fixed = "" if statement.takes_columns else f"The {statement.title.lower()} has fixed columns"
        self.compare.setToolTip(fixed)
        self.columns.setToolTip(fixed)
        budget_item = self.compare.model()
        if isinstance(budget_item, QStandardItemModel):
            item = budget_item.item(self.compare.findData(Compare.BUDGET))
            item.setEnabled(statement.takes_budget)
            item.setToolTip("" if statement.takes_budget else "Budgets compare with the income statement")
        if not statement.takes_budget and self.current_compare() is Compare.BUDGET:
            self.compare.setCurrentIndex(0)
        self._show_budget_choice()

    def _compare_chosen(self, *_args: object) -> None:
        if self.current_compare() is not None:
            self.columns.setCurrentIndex(0)  # the engine takes a comparison or period columns, not both
        self._show_budget_choice()

    def _columns_chosen(self, *_args: object) -> None:
        if self.current_by() is not None:
            self.compare.setCurrentIndex(0)
        self._show_budget_choice()

    def _show_budget_choice(self) -> None:
        wanted = self.current_statement() is Statement.BUDGET_VS_ACTUAL or self.current_compare() is Compare.BUDGET
        self.budget_field.setVisible(wanted and len(self.budgets) > 1)

    def _preset_chosen(self, index: int) -> None:
        span = self.preset.itemData(index)
        if span is None:
            return
        first, last = span
        for edit, value in ((self.start, first), (self.end, last), (self.as_of, last)):
            edit.blockSignals(True)
            edit.set_value(value)
            edit.blockSignals(False)
        self.preset.setCurrentIndex(index)

    def _fill_choices(self) -> None:
        queries = self.session.queries
        fill_codes(self.department, queries.departments(), first="All departments")
        fill_codes(self.project, queries.projects(), first="All projects")
        self.budgets = budget_names(self.session.company.engine, self.session.ctx)
        chosen = self.budget.currentText()
        self.budget.clear()
        self.budget.addItems(self.budgets)
        self.budget.setCurrentIndex(max(0, self.budget.findText(chosen)))
        self._show_budget_choice()

    def request(self) -> StatementRequest:
        return StatementRequest.build(
            self.current_statement(),
            as_of=self.as_of.value(),
            start=self.start.value(),
            end=self.end.value(),
            compare=self.current_compare(),
            budget=self.budget.currentText() if self.budget_field.isVisibleTo(self) else None,
            by=self.current_by(),
            department=self.department.currentData(),
            project=self.project.currentData(),
            show_zero=self.show_zero.isChecked(),
            detail=Detail(self.detail.currentData()),
        )

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
        self.loader.load(lambda: request.fetch(statements), lambda report: self._apply(request, report))
        if self.chart.isVisible():
            self.load_chart(request)

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
        columns = request.column_periods(self.hub.info().fiscal_year_start_month)
        if columns and 1 <= index.column() <= len(columns):
            start, end = columns[index.column() - 1]  # the month or quarter of the figure clicked
        elif columns:
            start, end = request.period()
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
        if report is None or self.loader.busy:
            raise ValidationError("the statement is still being calculated; try again in a moment")
        return report

    def export_builder(self) -> ReportBuilder:
        report = self._report()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return report

        return build

    def file_stem(self) -> str:
        return self.shown.file_stem() if self.shown else "financial-statement"

    def pdf_options(self) -> PdfOptions:
        """What Export → PDF uses (ExportButton), so the printout is that very PDF."""
        from PySide6.QtPrintSupport import QPrinter

        return PdfOptions(page_size=page_size_name(QPrinter()), printed_by=self.session.ctx.username)

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
        from paksa_desktop.audit.printing import record_print

        stem = self.file_stem()
        company, ctx = self.session.company, self.session.ctx

        def record() -> None:
            record_print(company.engine, ctx, stem, pages, permission=Permission.LEDGER_EXPORT, printer=printer)

        attempt(self, record, title="Print")

    # ---- the layout editor
    def open_layout_editor(self) -> None:
        from ui.ledger.layout_editor import LayoutEditor, load_layout_state

        kind = self.current_statement().layout
        session = self.session

        def done(state: Any) -> None:
            editor = LayoutEditor(self.hub, state, self)
            editor.exec()
            editor.deleteLater()

        work = lambda _p, _c: load_layout_state(session, kind)  # noqa: E731
        run_with_progress(self, "Statement layout", "Reading the layout…", work, done)
