"""The payment schedule: open bills by due date, week by week, with the cash each week needs, the
discounts that run out, the running total and what it leaves in the bank; a bar chart of the cash
needed beside the weeks, and the bills of the selected week below them (Enter opens a bill).

The weeks come from `PaymentRunService.schedule` (what is overdue counts in the first week); the discounts
and bank balances from `PaymentQueries`. Choosing a bank account shows its currency's bills against its
balance; "All bank accounts" shows every bill in the base currency against all the bank accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QSplitter, QVBoxLayout, QWidget

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.payment_queries import ExpiringDiscount, PayingBank
from paksa_desktop.payables.payment_runs import ScheduleBill, ScheduleWeek
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.hub import Hub
from ui.ledger.statement_chart import INK, REVENUE, MoneyAxis, plotted
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.bill_peek import open_bill
from ui.receivables.base_view import ReceivablesView
from ui.style import set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

RED = QColor("#b3261e")
BAR = QColor("#e08a2e")
ALL = ""  # the bank filter's "All bank accounts"


@dataclass(frozen=True, slots=True)
class WeekLine:
    """One week as the table shows it, in the chosen bank's currency (or the base currency for all)."""

    start: date
    end: date
    bills: tuple[ScheduleBill, ...]
    due: Decimal
    discounts: int
    discount: Decimal
    cumulative: Decimal
    left: Decimal | None  # the balance less the running total; None when the balance is unknown

    @property
    def label(self) -> str:
        return f"{self.start:%d %b} – {self.end:%d %b %Y}"


def week_lines(
    weeks: Sequence[ScheduleWeek],
    discounts: Sequence[ExpiringDiscount],
    currency: str | None,
    balance: Decimal | None,
) -> list[WeekLine]:
    """The weeks in one currency (None: the base currency at the bills' rates), with the running total."""
    lines, running = [], Decimal(0)
    for week in weeks:
        if currency is None:
            bills, due = week.bills, week.base_total
            ending = [d for d in discounts if week.start <= d.discount_date <= week.end]
            saved = sum((d.base_discount for d in ending), Decimal(0))
        else:
            bills = tuple(b for b in week.bills if b.currency == currency)
            due = dict(week.totals).get(currency, Decimal(0))
            ending = [d for d in discounts if d.currency == currency and week.start <= d.discount_date <= week.end]
            saved = sum((d.discount for d in ending), Decimal(0))
        running += due
        left = None if balance is None else balance - running
        lines.append(WeekLine(week.start, week.end, bills, due, len(ending), saved, running, left))
    return lines


WEEK_COLUMNS = (
    Col("week", "Week", lambda r: r.label, width=160),
    Col("bills", "Bills", lambda r: len(r.bills) or "", ColumnKind.INTEGER, width=50),
    Col("due", "Cash needed", lambda r: r.due, ColumnKind.MONEY, blank_zero=True, width=108),
    Col("discounts", "Disc. ending", lambda r: r.discounts or "", ColumnKind.INTEGER, width=104),
    Col("discount", "Disc. amount", lambda r: r.discount, ColumnKind.MONEY, blank_zero=True, width=110),
    Col("cumulative", "Running total", lambda r: r.cumulative, ColumnKind.MONEY, width=118),
    Col("left", "Bank after", lambda r: "no rate" if r.left is None else r.left, ColumnKind.MONEY, width=104),
)
BILL_COLUMNS = (
    Col("bill", "Bill", lambda r: r.bill, width=150),
    Col("vendor", "Vendor", lambda r: f"{r.vendor} — {r.vendor_name}"),
    Col("due", "Due", lambda r: r.due_date, ColumnKind.DATE, width=100),
    Col("currency", "Cur.", lambda r: r.currency, width=56),
    Col(
        "open", "Open", lambda r: r.open_amount, ColumnKind.MONEY, width=120,
        places=lambda r: currency_exponent(r.currency),
    ),
    Col("hold", "On hold", lambda r: "on hold" if r.on_hold else "", width=80),
)  # fmt: skip


def _week_look(row: WeekLine) -> tuple[QColor | None, bool]:
    return (RED if row.left is not None and row.left < 0 else None, False)


def _bill_look(row: ScheduleBill) -> tuple[QColor | None, bool]:
    return (QColor("#6b7785") if row.on_hold else None, row.on_hold)


class CashNeededChart(pg.PlotWidget):
    """Bars of the cash each week needs; the running total as a line; the bank balance as a dashed line."""

    def __init__(self) -> None:
        super().__init__(background="w", axisItems={"left": MoneyAxis("left")})
        self.setObjectName("scheduleChart")
        self.setMinimumWidth(320)
        item = self.getPlotItem()
        item.setTitle("<span style='color:#1d2733;font-size:10.5pt;font-weight:600'>Cash needed by week</span>")
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.legend = item.addLegend(offset=(8, 4), labelTextColor=INK, labelTextSize="8pt")
        self.bars: list[float] = []

    def draw(self, lines: Sequence[WeekLine], currency: str, balance: Decimal | None) -> None:
        item = self.getPlotItem()
        item.clear()
        self.legend.clear()
        self.bars = plotted([w.due for w in lines])
        x = list(range(len(self.bars)))
        bars = pg.BarGraphItem(x=x, height=self.bars, width=0.6, brush=BAR, pen=pg.mkPen(BAR), name="Cash needed")
        item.addItem(bars)
        item.addItem(
            pg.PlotDataItem(x, plotted([w.cumulative for w in lines]), pen=pg.mkPen(REVENUE, width=2),
                            symbol="o", symbolSize=5, symbolBrush=REVENUE, symbolPen=None, name="Running total")
        )  # fmt: skip
        if balance is not None:
            short = bool(lines) and lines[-1].cumulative > balance
            pen = pg.mkPen(RED if short else INK, width=1.2, style=Qt.PenStyle.DashLine)
            line = pg.PlotDataItem([-0.6, max(len(x), 1) - 0.4], plotted([balance, balance]), pen=pen, name="Bank")
            item.addItem(line)
        self.legend.setVisible(bool(lines))
        step = max(1, -(-len(lines) // 5))  # at most five dates under the bars
        item.getAxis("bottom").setTicks([[(i, f"{lines[i].start:%d %b}") for i in range(0, len(lines), step)]])
        item.setLabel("left", currency, color=INK.name())
        item.setXRange(-0.6, max(len(x), 1) - 0.4, padding=0)


class PaymentScheduleView(ReceivablesView):
    title = "Payment schedule"
    subtitle = (
        "Open bills by due date, week by week (the first week holds what is overdue): the cash each week "
        "needs, the early-payment discounts that end, and what the running total leaves in the bank. "
        "Select a week to see its bills; Enter opens a bill."
    )
    concerns = frozenset({Kind.BILLS, Kind.PAYMENTS, Kind.VENDORS, Kind.BANK_ACCOUNTS, Kind.ENTRIES})
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.weeks: list[ScheduleWeek] = []
        self.discounts: list[ExpiringDiscount] = []
        self.banks: list[PayingBank] = []
        self.lines: list[WeekLine] = []
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.start = DateEdit(self.session.today())
        self.start.setToolTip("Week 1 starts on this day and also holds every bill already overdue")
        self.weeks_field = QSpinBox()
        self.weeks_field.setRange(1, 52)
        self.weeks_field.setValue(8)
        self.bank = QComboBox()
        self.bank.setMinimumContentsLength(22)  # and no wider: a long account name must not widen the window
        self.bank.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.bank.addItem("All bank accounts (base currency)", ALL)
        self.filters.add("&From", self.start)
        self.filters.add("&Weeks", self.weeks_field)
        self.filters.add("&Bank account", self.bank, 1)
        self.filters.finish()
        self.filters.clear_button.hide()
        self.filters.changed.connect(self.refresh)
        self.weeks_field.valueChanged.connect(lambda _v: self.refresh())
        self.bank.currentIndexChanged.connect(lambda _i: self.show_weeks())
        self.body.addWidget(self.filters)

        self.week_model = RowsTableModel(WEEK_COLUMNS, exponent=hub.exponent, look=_week_look, parent=self)
        self.week_table = make_table("scheduleWeeks", self.week_model, WEEK_COLUMNS, stretch="week")
        self.week_table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_bills())
        self.bill_model = RowsTableModel(BILL_COLUMNS, exponent=hub.exponent, look=_bill_look, parent=self)
        self.bill_table = make_table("scheduleBills", self.bill_model, BILL_COLUMNS, stretch="vendor")
        self.bill_table.doubleClicked.connect(lambda _i: self.open_selected_bill())
        on_enter(self.bill_table, self.open_selected_bill)
        self.bills_caption = QLabel()
        self.bills_caption.setProperty("state", "muted")
        self.bills_caption.setWordWrap(True)  # wraps in a small window rather than widening it
        self.chart = CashNeededChart()

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.week_table, 3)
        column.addWidget(self.bills_caption)
        column.addWidget(self.bill_table, 2)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(self.chart)
        self.split.setChildrenCollapsible(False)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([820, 380])
        self.body.addWidget(self.split, 1)
        self.status = QLabel()
        self.status.setObjectName("listCount")
        self.status.setWordWrap(True)
        self.body.addWidget(self.status)

    # ---- loading
    def refresh(self) -> None:
        start, weeks = self.start.value(), self.weeks_field.value()
        runs = self.session.company.payment_runs(self.session.ctx)
        queries = self.session.company.payment_queries(self.session.ctx)
        end = start + timedelta(days=7 * weeks - 1)

        def fetch() -> tuple[list[ScheduleWeek], list[ExpiringDiscount], list[PayingBank]]:
            return runs.schedule(start, weeks), queries.expiring_discounts(start, end), queries.banks()

        self.status.setText("Loading…")
        set_state(self.status, "muted")
        self.loader.load(fetch, self._apply)

    def _apply(self, found: tuple[list[ScheduleWeek], list[ExpiringDiscount], list[PayingBank]]) -> None:
        self.weeks, self.discounts, self.banks = found
        chosen = self.bank.currentData()
        self.bank.blockSignals(True)
        self.bank.clear()
        self.bank.addItem("All bank accounts (base currency)", ALL)
        for bank in self.banks:
            self.bank.addItem(bank.label, bank.name)
        self.bank.setCurrentIndex(max(0, self.bank.findData(chosen)))
        self.bank.blockSignals(False)
        self.show_weeks()

    def chosen_bank(self) -> PayingBank | None:
        name = self.bank.currentData()
        return next((b for b in self.banks if b.name == name), None)

    def currency(self) -> str:
        bank = self.chosen_bank()
        return bank.currency if bank is not None else self.hub.info().base_currency

    def balance(self) -> Decimal | None:
        bank = self.chosen_bank()
        if bank is not None:
            return bank.balance
        return sum((b.base_balance for b in self.banks), Decimal(0))

    def show_weeks(self) -> None:
        bank, currency, balance = self.chosen_bank(), self.currency(), self.balance()
        exponent = currency_exponent(currency)
        self.lines = week_lines(self.weeks, self.discounts, bank.currency if bank else None, balance)
        self.week_model.exponent = exponent
        self.week_model.set_rows(self.lines)
        self.chart.draw(self.lines, currency, balance)
        if self.lines:
            first = next((i for i, w in enumerate(self.lines) if w.bills), 0)
            self.week_table.selectRow(first)
        self.show_bills()
        total = self.lines[-1].cumulative if self.lines else Decimal(0)
        count = sum(len(w.bills) for w in self.lines)
        where = bank.name if bank else "all bank accounts"
        if not count:
            self.status.setText(f"No open {currency if bank else ''} bill is due in these weeks.".replace("  ", " "))
            set_state(self.status, "muted")
            return
        text = f"{count:,} bill{'s' if count != 1 else ''} due · cash needed {money_text(total, exponent)} {currency}"
        if balance is None:
            text += f" · {where}: no exchange rate today to value it"
            set_state(self.status, "muted")
        else:
            after = balance - total
            text += f" · {where} {money_text(balance, exponent)} · after {money_text(after, exponent)}"
            if after < 0:
                short = next(w for w in self.lines if w.left is not None and w.left < 0)
                text += f" · short from the week of {short.start:%d %b}"
            set_state(self.status, "bad" if after < 0 else "ok")
        self.status.setText(text)

    def show_bills(self) -> None:
        index = self.week_table.currentIndex()
        week: WeekLine | None = self.week_model.data(index, ROW_ROLE) if index.isValid() else None
        self.bill_model.set_rows(list(week.bills) if week else [])
        if week is None:
            self.bills_caption.setText("")
        elif week.bills:
            self.bills_caption.setText(f"Bills due in the week of {week.label} (Enter opens the selected bill)")
        else:
            self.bills_caption.setText(f"No bill is due in the week of {week.label}.")

    def open_selected_bill(self) -> None:
        index = self.bill_table.currentIndex()
        if index.isValid():
            row: Any = self.bill_model.data(index, ROW_ROLE)
            self.last_bill = open_bill(self.hub, row.bill, self)

    # ---- export: the weeks shown
    def export_builder(self) -> ReportBuilder:
        rows, company, currency = list(self.lines), self.hub.info().name, self.currency()
        exponent = currency_exponent(currency)
        bank = self.chosen_bank()
        subtitle = f"from {self.start.value()}, {len(rows)} weeks, " + (
            f"bank account {bank.name}" if bank else "all bank accounts in the base currency"
        )

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(
                "Payment schedule", WEEK_COLUMNS, rows, subtitle=subtitle, company=company, currency=currency,
                exponent=exponent,
            )  # fmt: skip

        return build

    def file_stem(self) -> str:
        return f"payment-schedule-{self.start.value()}"
