"""Trial balance as of a date, or over a range with opening, debits, credits and closing.

The figures come from one Report (paksa_desktop.ledger.reports), so the screen, Excel and CSV agree;
double-click an account to open its ledger for the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHeaderView, QLabel, QPushButton

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.periods import fiscal_year_containing, month_end
from paksa_desktop.ledger.queries import LedgerQueries, TrialBalance
from paksa_desktop.ledger.reports import trial_balance_report
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.report_model import DRILL_ROLE, ReportTableModel
from ui.style import icon, set_state
from ui.widgets.choices import fill_codes
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress

AS_OF, RANGE = "as_of", "range"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TrialBalanceRequest:
    """What the controls ask for; the worker turns it into a TrialBalance and a Report."""

    mode: str
    as_of: date
    start: date
    end: date
    department: str | None
    project: str | None
    include_zero: bool

    def fetch(self, queries: LedgerQueries) -> TrialBalance:
        common = {"department": self.department, "project": self.project, "include_zero": self.include_zero}
        if self.mode == AS_OF:
            return queries.trial_balance(as_of=self.as_of, **common)  # type: ignore[arg-type]
        return queries.trial_balance(start=self.start, end=self.end, **common)  # type: ignore[arg-type]


class TrialBalanceView(LedgerView):
    title = "Trial balance"
    subtitle = "Double-click an account to see the entries behind its figures."
    concerns = frozenset({Kind.ENTRIES, Kind.ACCOUNTS, Kind.DIMENSIONS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = ReportTableModel(self, blank_zero=frozenset({"debit", "credit"}))
        self.trial_balance: TrialBalance | None = None
        today = self.session.today()
        fy = fiscal_year_containing(today, hub.info().fiscal_year_start_month)

        refresh = QPushButton(icon("refresh"), "Refresh")
        refresh.clicked.connect(self.refresh)
        self.header.add(refresh)
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.mode = QComboBox()
        self.mode.addItem("Balances as of a date", AS_OF)
        self.mode.addItem("Movements over a period", RANGE)
        self.preset = QComboBox()
        self.as_of = DateEdit(today)
        self.start = DateEdit(fy.start)
        self.end = DateEdit(month_end(today))
        self.department = QComboBox()
        self.project = QComboBox()
        self.include_zero = QCheckBox("Zero balances")
        self.filters.add("&Show", self.mode)
        self.filters.add("&Period", self.preset)
        self.filters.add("&As of", self.as_of)
        self.filters.add("F&rom", self.start)
        self.filters.add("&To", self.end)
        self.filters.add("&Department", self.department, 1)
        self.filters.add("Pro&ject", self.project, 1)
        self.filters.add(" ", self.include_zero)
        self.filters.grid.setColumnStretch(8, 2)
        self.body.addWidget(self.filters)
        self._fill_presets(today)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.preset.activated.connect(self._preset_chosen)
        self.filters.changed.connect(self.refresh)
        self.include_zero.toggled.connect(self.refresh)
        for edit in (self.as_of, self.start, self.end):
            edit.dateChanged.connect(lambda *_: self.preset.setCurrentIndex(0))
        self._mode_changed()

        self.table = make_table("trialBalanceTable", self.model)
        self.table.doubleClicked.connect(self._drill)
        self.body.addWidget(self.table, 1)

        self.status = QLabel()
        self.status.setObjectName("balanceIndicator")
        self.body.addWidget(self.status, 0, Qt.AlignmentFlag.AlignLeft)

    # ---- controls
    def _fill_presets(self, today: date) -> None:
        start_month = self.hub.info().fiscal_year_start_month
        fy = fiscal_year_containing(today, start_month)
        last_fy = fiscal_year_containing(fy.start.replace(day=1) - ONE_DAY, start_month)
        month_start = today.replace(day=1)
        last_month_end = month_start - ONE_DAY
        self.preset.addItem("Custom", None)
        self.preset.addItem("This month", (month_start, month_end(today)))
        self.preset.addItem("Last month", (last_month_end.replace(day=1), last_month_end))
        self.preset.addItem("This fiscal year", (fy.start, fy.end))
        self.preset.addItem("Last fiscal year", (last_fy.start, last_fy.end))

    def _preset_chosen(self, index: int) -> None:
        span = self.preset.itemData(index)
        if span is None:
            return
        start, end = span
        for edit, value in ((self.start, start), (self.end, end), (self.as_of, end)):
            edit.blockSignals(True)
            edit.set_value(value)
            edit.blockSignals(False)
        self.preset.setCurrentIndex(index)
        self.refresh()

    def _mode_changed(self, *_args: object) -> None:
        ranged = self.mode.currentData() == RANGE
        self.as_of.setEnabled(not ranged)
        self.start.setEnabled(ranged)
        self.end.setEnabled(ranged)
        if self.isVisible():
            self.refresh()

    def _fill_dimensions(self) -> None:
        queries = self.session.queries
        fill_codes(self.department, queries.departments(), first="All")
        fill_codes(self.project, queries.projects(), first="All")

    def request(self) -> TrialBalanceRequest:
        return TrialBalanceRequest(
            self.mode.currentData(),
            self.as_of.value(),
            self.start.value(),
            self.end.value(),
            self.department.currentData(),
            self.project.currentData(),
            self.include_zero.isChecked(),
        )

    # ---- loading
    def reload(self) -> None:
        self._fill_dimensions()
        super().reload()

    def refresh(self) -> None:
        request = self.request()
        queries = self.session.queries
        info = self.hub.info()
        self.status.setText("Calculating…")
        set_state(self.status, "muted")

        def fetch() -> tuple[TrialBalance, Report]:
            tb = request.fetch(queries)
            return tb, trial_balance_report(tb, info.name, info.exponent)

        self.loader.load(fetch, self._apply)

    def _apply(self, result: tuple[TrialBalance, Report]) -> None:
        tb, report = result
        self.trial_balance = tb
        self.model.set_report(report)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 90)
        for column in range(2, self.model.columnCount()):
            self.table.setColumnWidth(column, 130)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        exp = self.hub.exponent
        count = len(tb.rows)
        if tb.is_balanced:
            total = money_text(tb.total_debit, exp)
            self.status.setText(f"Balanced: debits equal credits ({total}) · {count} accounts · {report.subtitle}")
            set_state(self.status, "ok")
        else:
            difference = tb.total_debit - tb.total_credit
            self.status.setText(f"Out of balance by {money_text(difference, exp)}")
            set_state(self.status, "bad")

    def _drill(self, index: QModelIndex) -> None:
        drill = self.model.data(index, DRILL_ROLE)
        if drill is not None and drill.kind == "account":
            self.hub.open_account_ledger(drill.id, drill.start, drill.end)

    def export_builder(self) -> ReportBuilder:
        report = self.model.report
        if report is None:
            raise ValidationError("the trial balance is still being calculated; try again in a moment")

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return report

        return build

    def file_stem(self) -> str:
        tb = self.trial_balance
        if tb is None:
            return "trial-balance"
        return f"trial-balance-{tb.start}-to-{tb.end}" if tb.start else f"trial-balance-{tb.end or 'all'}"
