"""The cash forecast: opening cash, expected receipts and payments week by week, and a what-if.

`CashForecastService.forecast` computes it on a worker thread (the same figures as `paksa cash
forecast`); the weeks are the shared report on screen (Print, Export), and the closing balance of each
week is drawn above them. What-if: delay every expected receipt by N days, and one-off items typed in a
small grid (date, amount: positive money in, negative money out, label). A one-off that cannot be read
is named in a message, and the forecast on screen stays as it was. Below the weeks, the items behind
them (open invoices and bills, payment runs, recurring entries and bills, one-offs): every item, or the
selected week's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.banking.forecast import (
    MAX_WEEKS,
    CashForecastService,
    Forecast,
    OneOff,
    Scenario,
    flows_report,
    forecast_report,
)
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from ui.banking.cash_position_view import CashReportScreen
from ui.errors import show_error
from ui.hub import Hub
from ui.ledger.statement_chart import INK, REVENUE, MoneyAxis, plotted
from ui.receivables.report_screen import ARReportModel
from ui.style import icon, set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.filter_bar import FilterBar

ONE_OFF_COLUMNS = ("Date", "Amount", "What (one-off: + money in, − money out)")


@dataclass(frozen=True, slots=True)
class ForecastRequest:
    start: date
    weeks: int
    scenario: Scenario

    def fetch(self, service: CashForecastService, company: str) -> tuple[Forecast, Report, Report]:
        """The forecast, its weeks and the items behind them (on the worker thread)."""
        forecast = service.forecast(self.start, self.weeks, self.scenario)
        return forecast, forecast_report(forecast, company), flows_report(forecast, company)


def read_one_offs(grid: QTableWidget) -> tuple[OneOff, ...]:
    """The grid's rows as one-off items; empty rows are skipped, a row that cannot be read is named."""
    found = []
    for row in range(grid.rowCount()):
        texts = [(grid.item(row, c).text().strip() if grid.item(row, c) else "") for c in range(3)]
        if not any(texts):
            continue
        day_text, amount_text, label = texts
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise ValidationError(f"one-off row {row + 1}: date '{day_text}' is not a date like 2025-07-20") from None
        try:
            amount = Decimal(amount_text.replace(",", "").replace("−", "-"))
        except InvalidOperation:
            raise ValidationError(f"one-off row {row + 1}: amount '{amount_text}' is not a number") from None
        if not amount.is_finite() or amount == 0:
            raise ValidationError(f"one-off row {row + 1}: give an amount other than zero")
        found.append(OneOff(day, amount, label or f"one-off {row + 1}"))
    return tuple(found)


class ClosingChart(pg.PlotWidget):
    """The closing balance of each week: a line over the weeks, a zero line when cash runs short."""

    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"left": MoneyAxis("left")})
        self.setObjectName("forecastChart")
        self.setMinimumHeight(100)  # the splitter gives it 200; less in a 700-pixel window
        item = self.getPlotItem()
        item.setTitle("<span style='color:#1d2733;font-size:10.5pt;font-weight:600'>Closing cash by week</span>")
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.points: list[float] = []

    def draw(self, labels: Sequence[str], closing: Sequence[Decimal], currency: str) -> None:
        item = self.getPlotItem()
        item.clear()
        self.points = plotted(closing)
        x = list(range(len(self.points)))
        item.addItem(
            pg.PlotDataItem(x, self.points, pen=pg.mkPen(REVENUE, width=2.2), symbol="o", symbolSize=6,
                            symbolBrush=REVENUE, symbolPen=None)
        )  # fmt: skip
        if any(p < 0 for p in self.points):
            item.addLine(y=0, pen=pg.mkPen("#b3261e", width=1))
        step = max(1, len(labels) // 13)
        item.getAxis("bottom").setTicks([[(i, labels[i]) for i in range(0, len(labels), step)]])
        item.setLabel("left", currency, color=INK.name())
        item.setLabel("bottom", "Week starting", color=INK.name())
        item.setXRange(-0.5, len(x) - 0.5, padding=0)


class ForecastView(CashReportScreen):
    title = "Cash forecast"
    subtitle = "Where cash is heading, week by week: open invoices and bills on their expected day, recurring payments."
    stretch = ""

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.shown: ForecastRequest | None = None
        self.forecast: Forecast | None = None
        self.add_report_buttons()

        self.filters = FilterBar()
        self.start = DateEdit(self.session.today())
        self.start.setToolTip("Week 1 starts on this day; weeks are seven days from it")
        self.weeks = QSpinBox()
        self.weeks.setRange(1, MAX_WEEKS)
        self.weeks.setValue(13)
        self.delay = QSpinBox()
        self.delay.setRange(0, 365)
        self.delay.setSuffix(" days")
        self.delay.setToolTip("What-if: every expected receipt arrives this many days later")
        self.filters.add("&From", self.start)
        self.filters.add("&Weeks", self.weeks)
        self.filters.add("&Delay receipts", self.delay)
        self.filters.grid.setColumnStretch(5, 1)
        self.filters.changed.connect(self.refresh)
        self.weeks.valueChanged.connect(lambda _v: self.refresh())
        self.delay.valueChanged.connect(lambda _v: self.refresh())
        self.body.addWidget(self.filters)

        # ---- one-off items
        self.one_offs = QTableWidget(0, 3)
        self.one_offs.setObjectName("oneOffGrid")
        self.one_offs.setHorizontalHeaderLabels(ONE_OFF_COLUMNS)
        self.one_offs.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.one_offs.setColumnWidth(0, 140)
        self.one_offs.setColumnWidth(1, 150)
        self.one_offs.verticalHeader().setDefaultSectionSize(24)
        self.one_offs.setMaximumHeight(110)
        self.one_offs.setToolTip("What-if: one-off items, e.g. 2025-07-20, -3000, Tax payment")
        add = QPushButton(icon("add"), "Add one-off")
        add.clicked.connect(lambda: self.add_one_off())
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_one_off)
        apply = QPushButton("Apply what-if")
        apply.setToolTip("Calculate the forecast with the one-off items")
        apply.clicked.connect(self.refresh)
        buttons = QVBoxLayout()
        for button in (add, remove, apply):
            buttons.addWidget(button)
        buttons.addStretch(1)
        what_if = QHBoxLayout()
        what_if.addWidget(self.one_offs, 1)
        what_if.addLayout(buttons)
        self.body.addLayout(what_if)

        # ---- the chart above the weeks
        self.chart = ClosingChart()
        self.table = self.report_table("forecastTable")
        # ---- the items behind the weeks: all of them, or the selected week's
        self.items: Report | None = None
        self.items_model = ARReportModel(self)
        self.items_table = self.report_table("forecastItemsTable", self.items_model)
        self.items_caption = QLabel("")
        self.items_caption.setObjectName("forecastItemsCaption")
        items = QWidget()
        items_layout = QVBoxLayout(items)
        items_layout.setContentsMargins(0, 4, 0, 0)
        items_layout.addWidget(self.items_caption)
        items_layout.addWidget(self.items_table, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_items(self.selected_week()))
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.chart)
        self.split.addWidget(self.table)
        self.split.addWidget(items)
        self.split.setChildrenCollapsible(False)
        self.split.setSizes([200, 330, 220])
        self.body.addWidget(self.split, 1)
        self.body.addWidget(self.status)

    # ---- what-if grid
    def add_one_off(self, day: date | None = None, amount: str = "", label: str = "") -> None:
        row = self.one_offs.rowCount()
        self.one_offs.insertRow(row)
        day = day or self.start.value()
        for column, text in enumerate((day.isoformat(), amount, label)):
            self.one_offs.setItem(row, column, QTableWidgetItem(text))
        self.one_offs.item(row, 1).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.one_offs.setCurrentCell(row, 1)

    def remove_one_off(self) -> None:
        row = self.one_offs.currentRow()
        if row >= 0:
            self.one_offs.removeRow(row)
            self.refresh()

    def request(self) -> ForecastRequest:
        scenario = Scenario(self.delay.value(), read_one_offs(self.one_offs))
        return ForecastRequest(self.start.value(), self.weeks.value(), scenario)

    # ---- loading
    def refresh(self) -> None:
        try:
            request = self.request()
        except ValidationError as error:
            show_error(self, error, title="Cash forecast what-if")
            return
        service = self.session.company.cash_forecast(self.session.ctx)
        company = self.hub.info().name
        self.status.setText("Calculating…")
        set_state(self.status, "muted")
        job = self.loader.load(lambda: request.fetch(service, company), lambda found: self._apply(request, *found))
        job.failed.connect(lambda _error: self._failed())  # the Loader shows the message itself

    def _failed(self) -> None:
        if not self.loader.busy:
            self.status.setText("Not calculated: see the message, then change the options above")
            set_state(self.status, "bad")

    def _apply(self, request: ForecastRequest, forecast: Forecast, report: Report, items: Report) -> None:
        self.shown, self.forecast, self.items = request, forecast, items
        self.model.set_report(report)
        self.table.fitter.fit(report)  # type: ignore[attr-defined]
        self.show_items(None)
        self.chart.draw([f"{w.start:%d %b}" for w in forecast.weeks],
                        [w.closing for w in forecast.weeks], forecast.base_currency)  # fmt: skip
        exp, cur = forecast.exponent, forecast.base_currency
        lowest = min(forecast.weeks, key=lambda w: w.closing)
        closing = forecast.weeks[-1].closing
        text = (
            f"Opening {money_text(forecast.opening, exp)} {cur} · closing after week {len(forecast.weeks)} "
            f"{money_text(closing, exp)} {cur} · lowest {money_text(lowest.closing, exp)} in week {lowest.number}"
        )
        if report.subtitle and "what-if" in report.subtitle:
            text += " · " + next(p for p in report.subtitle.split(" · ") if p.startswith("what-if"))
        self.status.setText(text)
        set_state(self.status, "bad" if lowest.closing < 0 else "ok")

    def file_stem(self) -> str:
        return f"cash-forecast-{self.shown.start}" if self.shown else "cash-forecast"

    # ---- the items behind the weeks
    def selected_week(self) -> int | None:
        """The week number of the selected row (None: nothing selected, or the total row)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.forecast is None or rows[0].row() >= len(self.forecast.weeks):
            return None
        return rows[0].row() + 1

    def show_items(self, week: int | None) -> None:
        """Every item of the forecast, or one week's (`week`), each with its source and what it is."""
        if self.items is None:
            return
        rows = tuple(r for r in self.items.rows if week is None or r.cells[0] == week)
        shown = replace(self.items, rows=rows, subtitle=f"week {week}" if week else self.items.subtitle)
        self.items_model.set_report(shown)
        self.items_table.fitter.fit(shown, "label")  # type: ignore[attr-defined]
        where = f"week {week}" if week else "the forecast"
        if rows:
            count = f"{len(rows)} item{'s' if len(rows) != 1 else ''}"
            hint = "" if week else " (select a week to see its own)"
            self.items_caption.setText(f"Items behind {where}: {count}{hint}")
        else:
            self.items_caption.setText(f"No expected receipts or payments in {where}.")
