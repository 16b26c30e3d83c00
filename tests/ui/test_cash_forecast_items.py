"""The cash forecast screen lists the items behind its weeks under them (every item, or the selected
week's), so a treasurer sees which bill, invoice or recurring bill makes a week's payments."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QThreadPool

from paksa_desktop.ledger.models import Frequency
from paksa_desktop.payables.bill_inputs import RecurringBillInput
from tests.conftest import Books
from tests.payables.bill_fixtures import line
from tests.payables.payment_fixtures import Payables
from tests.ui.conftest import wait_idle
from ui.banking.forecast_view import ForecastView
from ui.hub import Hub
from ui.session import AppSession

START = date(2024, 6, 19)  # a Wednesday: week 1 is 06-19..06-25, week 3 is 07-03..07-09


def items(view: ForecastView) -> list[list[str]]:
    model = view.items_model
    return [[str(model.index(r, c).data() or "") for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_items_behind_the_weeks_name_the_recurring_bills(qtbot: Any, sqlite_books: Books) -> None:
    ap = Payables(sqlite_books)
    ap.bank()
    ap.vendor("R", "Regus Offices", terms="net 10")
    bill = ap.bill("R", "250.00", date(2024, 6, 1), due=date(2024, 6, 21))
    rent = RecurringBillInput("Office rent", "R", Frequency.MONTHLY, date(2024, 6, 25),
                              (line("Rent", price="1000.00", tax_code="", account="6100"),))  # fmt: skip
    sqlite_books.company.bills(sqlite_books.ctx).save_recurring(rent)
    view = ForecastView(Hub(AppSession(sqlite_books.company, sqlite_books.ctx)))
    qtbot.addWidget(view)
    view.resize(1100, 860)
    view.show()
    view.start.set_value(START)
    view.refresh()
    wait_idle(qtbot, view)

    everything = items(view)
    assert everything == [
        ["1", "2024-06-21", "payables", f"{bill} R", "(250.00)"],
        ["3", "2024-07-05", "payables", "recurring: Office rent", "(1,000.00)"],  # 06-25, net 10
        ["7", "2024-08-04", "payables", "recurring: Office rent", "(1,000.00)"],
        ["12", "2024-09-04", "payables", "recurring: Office rent", "(1,000.00)"],
    ]
    assert view.items_caption.text() == "Items behind the forecast: 4 items (select a week to see its own)"

    view.table.selectRow(2)  # week 3: the first rent
    assert [row[3] for row in items(view)] == ["recurring: Office rent"]
    assert view.items_caption.text() == "Items behind week 3: 1 item"
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    view.grab().save("/tmp/apguard-forecast-items.png")
    view.table.selectRow(1)  # week 2: nothing expected
    assert items(view) == [] and view.items_caption.text() == "No expected receipts or payments in week 2."
