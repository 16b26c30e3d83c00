"""The cash position and cash forecast screens of the Cash & Banking tab show the services' figures; a
what-if (delay, one-off) changes the closing balance; Excel exports read back; a bad one-off is named.

Books: tests/banking/test_cash_forecast.py's (opening 1,120.00, rent 500.00 monthly, two open invoices).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool

from paksa_desktop.banking.forecast import OneOff, Scenario
from tests.banking.helpers import line, statement
from tests.banking.test_cash_forecast import START, cash_books
from tests.conftest import Books
from tests.ui.conftest import Messages, wait_idle
from ui.banking.banking_tab import PAGES
from ui.banking.cash_position_view import CashPositionView
from ui.banking.forecast_view import ForecastView
from ui.hub import Hub
from ui.receivables.rates_view import RatesView
from ui.session import AppSession

D = Decimal


@pytest.fixture
def cash_hub(sqlite_books: Books) -> Hub:
    books = cash_books(sqlite_books)
    june = statement(
        line("2024-06-03", "120.00", "INV-1", "T1", row=1),
        line("2024-06-05", "-45.10", "", "T2", row=2),
        currency="USD", start="2024-06-01", end="2024-06-15", opening="1000.00", closing="1074.90",
    )  # fmt: skip
    books.company.statement_import(books.ctx).import_statements("Operating", [june])
    return Hub(AppSession(books.company, books.ctx))


def shot(widget: Any, name: str) -> None:
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/bank-demo-cash-{name}.png")


def export(qtbot: Any, view: Any, path: Any) -> None:
    """Export the screen's report to `path` the way the Export button does, and wait for the file."""
    job = view.export_button.export_to(path)
    assert job is not None
    qtbot.waitUntil(path.exists, timeout=10_000)
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()


def cells(view: Any, row: int) -> list[str]:
    model = view.model
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_the_tab_has_the_cash_pages_and_reuses_the_rates_view() -> None:
    keys = {p.key: p.view for p in PAGES}
    assert keys["position"] is CashPositionView and keys["forecast"] is ForecastView and keys["rates"] is RatesView


def test_the_cash_position_shows_the_services_figures(qtbot: Any, cash_hub: Hub, tmp_path: Any) -> None:
    view = CashPositionView(cash_hub)
    qtbot.addWidget(view)
    view.resize(1100, 420)
    view.show()
    view.as_of.set_value(date(2024, 6, 30))
    view.refresh()
    wait_idle(qtbot, view)
    session = cash_hub.session
    expected = session.company.cash_position(session.ctx).report(date(2024, 6, 30))
    assert view.model.report == expected
    row = cells(view, 0)
    assert row[0] == "Operating" and row[3] == "1,120.00" and row[6] == "1,074.90" and row[7] == "2"
    assert "1 account · total 1,120.00 USD · 2 uncleared lines" in view.status.text()
    shot(view, "position")
    export(qtbot, view, tmp_path / "p.xlsx")
    table = list(openpyxl.load_workbook(tmp_path / "p.xlsx").active.iter_rows(values_only=True))
    operating = next(r for r in table if r and r[0] == "Operating")
    assert operating[3] == pytest.approx(1120) and operating[7] == 2


def test_the_forecast_shows_the_weeks_and_a_what_if_changes_the_closing(
    qtbot: Any, cash_hub: Hub, messages: Messages, tmp_path: Any
) -> None:
    view = ForecastView(cash_hub)
    qtbot.addWidget(view)
    view.resize(1100, 720)
    view.show()
    view.start.set_value(START)
    view.refresh()
    wait_idle(qtbot, view)
    session = cash_hub.session
    service = session.company.cash_forecast(session.ctx)
    assert view.model.report == service.report(START, 13)
    assert view.model.rowCount() == 14  # 13 weeks and the total
    assert cells(view, 3)[-1] == "860.00" and cells(view, 13)[-1] == "(140.00)"
    assert view.chart.points[0] == pytest.approx(1240) and view.chart.points[-1] == pytest.approx(-140)
    assert "lowest (140.00) in week" in view.status.text()
    shot(view, "forecast")

    view.delay.setValue(7)
    view.add_one_off(date(2024, 7, 20), "-300.00", "Tax")
    view.refresh()
    wait_idle(qtbot, view)
    scenario = Scenario(7, (OneOff(date(2024, 7, 20), D("-300.00"), "Tax"),))
    assert view.model.report == service.report(START, 13, scenario)
    assert view.forecast is not None and view.forecast.weeks[-1].closing == D("-440.00")
    assert cells(view, 13)[-1] == "(440.00)" and view.chart.points[-1] == pytest.approx(-440)
    assert "receipts delayed 7 days" in view.status.text()
    shot(view, "forecast-what-if")

    export(qtbot, view, tmp_path / "f.xlsx")
    table = list(openpyxl.load_workbook(tmp_path / "f.xlsx").active.iter_rows(values_only=True))
    header = table.index(("Week", "From", "To", "Opening", "Receipts", "Payments", "Net", "Closing"))
    assert table[header + 14][-1] == pytest.approx(-440)

    view.one_offs.item(0, 1).setText("3 thousand")
    view.refresh()
    assert "One-off row 1: amount '3 thousand' is not a number" in messages.last()
    assert view.forecast.weeks[-1].closing == D("-440.00")  # the forecast on screen stays
