"""The chart under the statements: revenue, expenses and net income by month; assets and liabilities.

The series come from the statements engine itself (`report.meta["keys"]`: the display figures of each
group and total, in minor units, one per column), so a bar is exactly the figure the income statement
by month shows. Amounts stay Decimal until the plot is drawn: float only at the plotting boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from paksa_desktop.core.money import from_minor
from paksa_desktop.core.periods import FiscalYearSpan
from paksa_desktop.ledger.statements import By, StatementOptions, StatementQueries
from ui.workers import Loader

REVENUE, EXPENSES, NET_INCOME = QColor("#2f6fdb"), QColor("#e08a2e"), QColor("#1e7b34")
ASSETS, LIABILITIES = QColor("#2f6fdb"), QColor("#b3261e")
INK, GRID = QColor("#2c3844"), QColor("#d5dae0")


@dataclass(frozen=True, slots=True)
class ChartData:
    """One fiscal year's series, in the currency's units (Decimal), with the column titles as labels."""

    title: str
    currency: str
    months: tuple[str, ...]
    revenue: tuple[Decimal, ...]
    expenses: tuple[Decimal, ...]
    net_income: tuple[Decimal, ...]
    month_ends: tuple[str, ...]
    assets: tuple[Decimal, ...]
    liabilities: tuple[Decimal, ...]
    elapsed: int  # months of the year begun by today: the net income line stops there, not at a false zero


def chart_data(
    statements: StatementQueries, fy: FiscalYearSpan, today: date, department: str | None, project: str | None
) -> ChartData:
    """Two engine calls: the income statement by month and the balance sheet at each month end."""
    income = statements.income_statement(
        StatementOptions(start=fy.start, end=fy.end, by=By.MONTH, department=department, project=project)
    )
    exp = income.exponent
    keys = income.meta["keys"]
    revenue = [from_minor(v, exp) for v in keys["revenue"]]
    net = [from_minor(v, exp) for v in keys["net_income"]]
    expenses = [r - n for r, n in zip(revenue, net, strict=True)]  # everything between revenue and the result
    as_of = min(fy.end, max(today, fy.start))  # month ends still to come would repeat today's balances
    sheet = statements.balance_sheet(StatementOptions(as_of=as_of, by=By.MONTH, department=department, project=project))
    sheet_keys = sheet.meta["keys"]
    months = tuple(c.title for c in income.columns[1:])
    return ChartData(
        f"Fiscal year {fy.name}",
        income.currency,
        months,
        tuple(revenue),
        tuple(expenses),
        tuple(net),
        tuple(c.title for c in sheet.columns[1:]),
        tuple(from_minor(v, exp) for v in sheet_keys["total_assets"]),
        tuple(from_minor(v, exp) for v in sheet_keys["total_liabilities"]),
        sum(1 for period in fy.periods if period.start <= today),
    )


def plotted(values: Sequence[Decimal]) -> list[float]:
    """The plotting boundary: Decimal becomes float here and nowhere else (display only, never stored)."""
    return [float(v) for v in values]


class MoneyAxis(pg.AxisItem):
    """Amounts with thousands separators ('1,250'), shortened to '12.5k' / '1.2M' when they grow long."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        texts = []
        top = max((abs(value * scale) for value in values), default=0)  # one unit for the whole axis:
        for value in values:  # not '50,000' under '100k'
            v = value * scale
            if top >= 10_000_000:
                texts.append(f"{v / 1_000_000:,.1f}M")
            elif top >= 100_000:
                texts.append(f"{v / 1_000:,.0f}k")
            else:
                texts.append(f"{v:,.0f}")
        return texts


def _plot(title: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w", axisItems={"left": MoneyAxis("left")})
    widget.setMinimumHeight(180)
    item = widget.getPlotItem()
    item.setTitle(f"<span style='color:#1d2733;font-size:10.5pt;font-weight:600'>{title}</span>")
    item.showGrid(x=False, y=True, alpha=0.25)
    item.setMenuEnabled(False)
    item.hideButtons()
    widget.setMouseEnabled(x=False, y=False)
    font = QFont()
    font.setPointSizeF(8.5)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(GRID))
        axis.setTextPen(pg.mkPen(INK))
        axis.setStyle(tickFont=font)
    legend = item.addLegend(offset=(10, 4), labelTextColor=INK, colCount=3, brush=pg.mkBrush(255, 255, 255, 220))
    legend.setLabelTextSize("8.5pt")
    return widget


def _headroom(item: pg.PlotItem, values: Sequence[Decimal]) -> None:
    """Room above the highest figure for the legend, so it never covers a bar."""
    top = max((float(v) for v in values), default=0.0)
    bottom = min((float(v) for v in values), default=0.0)
    top = top if top > 0 else 1.0
    low = min(bottom * 1.1, 0.0)
    item.setYRange(low - (top - low) * 0.08, top * 1.28, padding=0)  # room under zero for its label


def _short(label: str) -> str:
    """'Mar 2024' → 'Mar'; '31 Mar 2024' → 'Mar': the year is in the title."""
    parts = label.split()
    return parts[-2] if len(parts) >= 2 else label


class StatementChart(QWidget):
    """Two plots side by side; loads its figures in the background when shown or when the year changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statementChart")
        self.loader = Loader(self)
        self.data: ChartData | None = None
        self.caption = QLabel()
        self.caption.setObjectName("panelTitle")
        self.note = QLabel()
        self.note.setProperty("state", "muted")
        self.income = _plot("Revenue, expenses and net income by month")
        self.balances = _plot("Assets and liabilities at each month end")
        heading = QHBoxLayout()
        heading.addWidget(self.caption)
        heading.addStretch(1)
        heading.addWidget(self.note)
        plots = QHBoxLayout()
        plots.setSpacing(10)
        plots.addWidget(self.income, 3)
        plots.addWidget(self.balances, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(heading)
        layout.addLayout(plots, 1)
        self.items: dict[str, Any] = {}

    def load(self, fetch: Any) -> None:
        """`fetch()` runs on a worker thread and returns ChartData."""
        self.note.setText("Calculating…")
        self.loader.load(fetch, self.show_data)

    def show_data(self, data: ChartData) -> None:
        self.data = data
        self.caption.setText(f"{data.title} · {data.currency}")
        self.note.setText("Expenses are revenue less net income: cost of sales, operating, other and tax.")
        self._draw_income(data)
        self._draw_balances(data)
        for plot, bottom in ((self.income, "Month"), (self.balances, "Month end")):
            plot.getPlotItem().setLabel("left", data.currency, color=INK.name())
            plot.getPlotItem().setLabel("bottom", bottom, color=INK.name())

    def _draw_income(self, data: ChartData) -> None:
        item = self.income.getPlotItem()
        item.clear()
        item.legend.clear()
        x = list(range(len(data.months)))
        width = 0.36
        revenue = pg.BarGraphItem(
            x=[i - width / 2 for i in x], height=plotted(data.revenue), width=width, brush=REVENUE, pen=None,
            name="Revenue",
        )  # fmt: skip
        expenses = pg.BarGraphItem(
            x=[i + width / 2 for i in x], height=plotted(data.expenses), width=width, brush=EXPENSES, pen=None,
            name="Expenses",
        )  # fmt: skip
        net = pg.PlotDataItem(
            x[: data.elapsed], plotted(data.net_income[: data.elapsed]), pen=pg.mkPen(NET_INCOME, width=2.2),
            symbol="o", symbolSize=6, symbolBrush=NET_INCOME, symbolPen=None, name="Net income",
        )  # fmt: skip
        for part in (revenue, expenses, net):
            item.addItem(part)
        item.addLine(y=0, pen=pg.mkPen(INK, width=0.8))
        item.getAxis("bottom").setTicks([[(i, _short(label)) for i, label in enumerate(data.months)]])
        item.setXRange(-0.6, len(x) - 0.4, padding=0)
        _headroom(item, [*data.revenue, *data.expenses, *data.net_income])
        self.items.update(revenue=revenue, expenses=expenses, net_income=net)

    def _draw_balances(self, data: ChartData) -> None:
        item = self.balances.getPlotItem()
        item.clear()
        item.legend.clear()
        x = list(range(len(data.month_ends)))
        assets = pg.PlotDataItem(
            x, plotted(data.assets), pen=pg.mkPen(ASSETS, width=2.2), symbol="o", symbolSize=6,
            symbolBrush=ASSETS, symbolPen=None, name="Total assets",
        )  # fmt: skip
        liabilities = pg.PlotDataItem(
            x, plotted(data.liabilities), pen=pg.mkPen(LIABILITIES, width=2.2), symbol="s", symbolSize=6,
            symbolBrush=LIABILITIES, symbolPen=None, name="Total liabilities",
        )  # fmt: skip
        item.addItem(assets)
        item.addItem(liabilities)
        item.getAxis("bottom").setTicks([[(i, _short(label)) for i, label in enumerate(data.month_ends)]])
        item.setXRange(-0.4, max(len(x), 12) - 0.6, padding=0)  # a year's width even early in the year
        _headroom(item, [*data.assets, *data.liabilities])
        self.items.update(assets=assets, liabilities=liabilities)

    def series(self, name: str) -> tuple[list[float], list[float]]:
        """What a plotted series holds (x, y): for tests and for the screen reader's tooltip."""
        part = self.items[name]
        if isinstance(part, pg.BarGraphItem):
            return list(part.opts["x"]), list(part.opts["height"])
        x, y = part.getData()
        return list(x), list(y)
