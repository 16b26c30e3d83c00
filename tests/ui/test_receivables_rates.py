"""The Exchange rates view: a rate added in its dialog appears (exact decimal text), a bad one is refused
with a dialog naming the field, the list filters by currency, and a user without `ledger.rate.manage`
sees the list read-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QThreadPool

from tests.conftest import Books
from tests.ui.ar_data import user_session
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.main_window import MainWindow
from ui.receivables.rates_view import RateDialog, RatesView
from ui.session import AppSession
from ui.settings import RecentCompanies


def shot(widget: Any, name: str) -> None:
    """What the test sees, for a look: /tmp/ar-dunning-gui-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/ar-dunning-gui-{name}.png")


def show(qtbot: Any, window: MainWindow) -> RatesView:
    tab = window.receivables_tab
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("rates")
    wait_idle(qtbot, view)
    assert isinstance(view, RatesView)
    return view


def shown(view: RatesView) -> list[tuple[str, ...]]:
    model = view.model
    return [tuple(model.index(r, c).data() for c in range(3)) for r in range(model.rowCount())]


@pytest.fixture
def open_window(qtbot: Any, recent: RecentCompanies, messages: Messages) -> Iterator[Any]:
    windows: list[MainWindow] = []

    def make(session: AppSession) -> MainWindow:
        win = MainWindow(session, recent)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.windowHandle() is not None and win.windowHandle().isExposed())
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
    QThreadPool.globalInstance().waitForDone()


def test_a_rate_is_added_and_bad_ones_are_refused_naming_the_field(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    window.resize(1280, 800)
    invoicing = sqlite_books.company.invoicing(sqlite_books.ctx)
    invoicing.set_rate("GBP", date(2024, 1, 1), "1.2650")
    view = show(qtbot, window)
    assert shown(view) == [("GBP", "2024-01-01", "1.265")]

    def add(dialog: RateDialog) -> None:
        dialog.currency.setText("EUR")
        dialog.day.setDate(QDate(2024, 6, 1))
        dialog.rate.setText("1.08254")
        shot(dialog, "rate-dialog")
        dialog.save()

    timer = handle_dialog(RateDialog, add)
    view.new_button.click()
    del timer
    wait_idle(qtbot, view)
    assert shown(view) == [("EUR", "2024-06-01", "1.08254"), ("GBP", "2024-01-01", "1.265")]
    rates = sqlite_books.company.receivables_queries(sqlite_books.ctx).exchange_rates("EUR")
    assert [(r.day, r.rate) for r in rates] == [(date(2024, 6, 1), "1.08254")]
    assert view.model.index(0, 3).data() == "1 EUR = 1.08254 USD"
    shot(window, "rates")

    dialog = RateDialog(view.hub, None, parent=view)
    qtbot.addWidget(dialog)
    for currency, rate, message in (
        ("EUR", "0", "Rate: 0 must be more than zero"),
        ("EUR", "-1.5", "Rate: -1.5 must be more than zero"),
        ("EUR", "abc", "Rate: 'abc' is not a number (write e.g. 1.0825)"),
        ("EUR", "", "Rate: give the rate (e.g. 1.0825)"),
        ("XYZ", "1.1", "Currency: 'XYZ' is not a known ISO 4217 currency code"),
        ("USD", "1.1", "Currency: USD is the base currency; its rate is always 1"),
    ):
        dialog.currency.setText(currency)
        dialog.rate.setText(rate)
        dialog.save()
        assert messages.last() == message and dialog.result() == 0
    assert len(sqlite_books.company.receivables_queries(sqlite_books.ctx).exchange_rates()) == 2

    view.currency.setCurrentIndex(view.currency.findData("GBP"))  # the filter
    assert shown(view) == [("GBP", "2024-01-01", "1.265")] and view.count.text() == "1 of 2 rates (GBP)"
    view.table.selectRow(0)

    def edit(dialog: RateDialog) -> None:
        assert dialog.currency.isReadOnly() and not dialog.day.isEnabled()
        dialog.rate.setText("1.27")
        dialog.save()

    timer = handle_dialog(RateDialog, edit)
    view.edit_button.click()
    del timer
    wait_idle(qtbot, view)
    assert shown(view) == [("GBP", "2024-01-01", "1.27")]


def test_without_ledger_rate_manage_the_list_is_read_only(
    qtbot: Any, open_window: Any, sqlite_books: Books, messages: Messages
) -> None:
    sqlite_books.company.invoicing(sqlite_books.ctx).set_rate("EUR", date(2024, 6, 1), "1.08")
    clerk = open_window(user_session(sqlite_books, "carla", "AR clerk"))  # ledger.view, not ledger.rate.manage
    view = show(qtbot, clerk)
    assert shown(view) == [("EUR", "2024-06-01", "1.08")]
    assert not view.can_manage
    view.table.selectRow(0)
    for button in (view.new_button, view.edit_button, view.remove_button):
        assert not button.isEnabled() and "ledger.rate.manage" in button.toolTip()
    opened: list[RateDialog] = []
    timer = handle_dialog(RateDialog, opened.append, timeout_ms=300)
    view.new_record()  # Ctrl+N does nothing either
    view.edit_current()
    qtbot.wait(400)
    del timer
    assert opened == [] and messages.shown == []
    assert len(sqlite_books.company.receivables_queries(sqlite_books.ctx).exchange_rates()) == 1
