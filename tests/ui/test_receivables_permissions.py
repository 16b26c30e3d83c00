"""Who sees the Receivables tab and what they may do there; Ctrl+N and F5 on the tab; other users' changes.

A Viewer sees every list but each button that changes data is off (saying why) and a record opens
read-only; an AR clerk maintains customers and items but not tax codes; a user without
`receivables.view` has no tab at all. On PostgreSQL, another client's new customer appears by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox

from paksa_desktop.company import Company
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.tax import TaxRounding
from paksa_desktop.security.permissions import Permission
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import ar, customer
from tests.ui.ar_data import focus, master_data, other_user, shot, user_session
from tests.ui.conftest import handle_dialog, wait_idle
from ui.hub import Hub
from ui.main_window import MainWindow
from ui.receivables.base_view import ReceivablesView
from ui.receivables.customer_dialog import CustomerDialog
from ui.receivables.receivables_tab import PAGES, Page, ReceivablesTab
from ui.session import AppSession
from ui.settings import RecentCompanies

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def open_window(qtbot: Any, recent: RecentCompanies, messages: Any) -> Iterator[Any]:
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


def show(qtbot: Any, window: MainWindow, key: str) -> Any:
    tab = window.receivables_tab
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def test_a_viewer_sees_every_list_but_changes_nothing(qtbot, open_window, sqlite_books):
    master_data(sqlite_books)
    window = open_window(user_session(sqlite_books, "vera", "Viewer", "Vera Viewer"))
    customers = show(qtbot, window, "customers")
    assert [customers.model.row_at(r).code for r in range(customers.model.rowCount())] == [
        "ALFKI",
        "BONAP",
        "OLDCO",
        "TOKYO",
    ]
    customers.select("ALFKI")
    for button in (customers.new_button, customers.toggle_button, customers.hold_button, customers.import_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Your role cannot change customers (receivables.customer.manage)."
    assert customers.open_button.isEnabled() and customers.open_button.text() == "Open…"
    assert customers.export_button.isEnabled()  # reading and exporting stay
    shot(window, "customers-viewer")
    seen: dict[str, Any] = {}

    def look(dialog: CustomerDialog) -> None:
        seen["title"] = dialog.windowTitle()
        seen["buttons"] = [b.text() for b in dialog.buttons.buttons()]
        seen["read_only"] = (dialog.code.isReadOnly(), dialog.name.isReadOnly(), dialog.notes.isReadOnly())
        seen["off"] = [
            w.isEnabled() for w in (dialog.tax_code, dialog.credit_hold, dialog.active, dialog.add_contact_button)
        ]
        seen["history"] = dialog.history_button.isVisible()
        shot(dialog, "customer-dialog-read-only")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    keep = handle_dialog(CustomerDialog, look)
    focus(qtbot, customers.table)
    qtbot.keyClick(customers.table, Qt.Key.Key_Return)  # Enter still opens the customer, to read
    del keep
    assert seen == {
        "title": "Customer ALFKI — Alfreds Futterkiste (read-only)",
        "buttons": ["Close"],
        "read_only": (True, True, True),
        "off": [False, False, False, False],
        "history": False,  # a Viewer does not read the audit trail
    }
    assert customers.new_record() is None and customers.choose_and_import() is None  # Ctrl+N does nothing

    items = show(qtbot, window, "items")
    assert not items.new_button.isEnabled() and not items.import_button.isEnabled()
    taxes = show(qtbot, window, "tax-codes")
    assert not taxes.new_button.isEnabled()
    assert not any(b.isEnabled() for b in taxes.rounding_buttons.values())
    assert taxes.rounding_buttons[TaxRounding.LINE].isChecked()
    tab = window.receivables_tab
    assert not tab.import_customers_action.isEnabled() and not tab.import_items_action.isEnabled()


def test_an_ar_clerk_keeps_customers_and_items_but_not_tax_codes(qtbot, open_window, sqlite_books):
    master_data(sqlite_books)
    window = open_window(user_session(sqlite_books, "carl", "AR clerk"))
    customers = show(qtbot, window, "customers")
    customers.select("BONAP")
    assert customers.new_button.isEnabled() and customers.hold_button.isEnabled()
    assert customers.hold_button.text() == "Release hold" and customers.open_button.text() == "Edit…"
    customers.hold_button.click()
    wait_idle(qtbot, customers)
    assert not sqlite_books.company.receivables_queries(sqlite_books.ctx).customer("BONAP").credit_hold
    assert show(qtbot, window, "items").new_button.isEnabled()
    taxes = show(qtbot, window, "tax-codes")
    assert taxes.model.rowCount() == 2  # the clerk reads the tax codes (ledger.view)
    assert not taxes.new_button.isEnabled()
    assert taxes.new_button.toolTip() == "Your role cannot change tax codes (ledger.taxcode.manage)."
    assert window.receivables_tab.import_customers_action.isEnabled()


def test_without_receivables_view_there_is_no_receivables_tab(qtbot, open_window, sqlite_books):
    window = open_window(user_session(sqlite_books, "pat", "Payroll officer"))
    assert window.receivables_tab is None
    assert "Receivables" not in [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "&Receivables" not in [a.text() for a in window.menuBar().actions()]


def test_ctrl_n_belongs_to_the_current_tab_and_f5_reloads_its_view(qtbot, open_window, sqlite_books: Books):
    window = open_window(AppSession(sqlite_books.company, sqlite_books.ctx))
    new = QKeySequence(QKeySequence.StandardKey.New)
    assert window.new_entry_action.shortcut() == new  # the General Ledger tab: a new journal entry
    view = show(qtbot, window, "customers")
    assert window.new_entry_action.shortcut().isEmpty()  # here Ctrl+N makes a new customer
    ar(sqlite_books).create_customer(customer("NEW1", "Behind the window's back"))
    assert view.model.rowCount() == 0  # nobody said so yet
    window.refresh_action.trigger()  # F5
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 1 and view.model.row_at(0).code == "NEW1"
    window.tabs.setCurrentWidget(window.ledger_tab)
    assert window.new_entry_action.shortcut() == new
    # the Receivables menu brings a view forward
    window.receivables_tab.view_actions["tax-codes"].trigger()
    assert window.tabs.currentWidget() is window.receivables_tab
    assert window.receivables_tab.current_key() == "tax-codes"


def test_each_view_reloads_only_for_the_kinds_of_change_it_shows(qtbot, open_window, sqlite_books: Books):
    window = open_window(AppSession(sqlite_books.company, sqlite_books.ctx))
    tab = window.receivables_tab
    for key in ("items", "tax-codes", "customers"):  # each loaded once; the customers stay in front
        show(qtbot, window, key)
    customers, items, taxes = tab.views["customers"], tab.views["items"], tab.views["tax-codes"]
    reloads: list[str] = []
    for key, view in tab.views.items():
        view.refresh = lambda key=key: reloads.append(key)  # type: ignore[method-assign]
    window.hub.broadcast(Changes.of(Kind.ITEMS))
    assert reloads == [] and items.stale and not customers.stale and not taxes.stale  # hidden: later
    window.hub.broadcast(Changes.of(Kind.CUSTOMERS))
    assert reloads == ["customers"]  # shown: at once
    window.hub.broadcast(Changes.of(Kind.TAX_CODES))
    assert reloads == ["customers"] and items.stale and taxes.stale
    tab.show_view("items")
    assert reloads == ["customers", "items"] and not items.stale


def test_a_new_view_is_one_line_in_pages(qtbot, sqlite_books: Books):
    """What the next engineer does for a new screen (say, disputes): one Page line; the list, its heading and
    the look-up follow."""

    class DisputesView(ReceivablesView):
        title = "Disputes"

    pages = (Page("Disputes", "disputes", "Disputes", "journal", DisputesView), *PAGES)
    clerk = user_session(sqlite_books, "carl", "AR clerk")
    tab = ReceivablesTab(Hub(clerk), pages)
    qtbot.addWidget(tab)
    assert [tab.nav.item(i).text() for i in range(tab.nav.count())] == [
        "DISPUTES",
        "Disputes",
        "SALES",
        "Invoices",
        "Receipts",
        "COLLECTIONS",
        "Aging",
        "Statements",
        "Dunning",
        "Follow-ups",
        "Credit control",
        "MASTER DATA",
        "Customers",
        "Items",
        "Tax codes",
        "Exchange rates",
        "REPORTS",
        "Reports",
    ]
    assert tab.current_key() == "disputes" and isinstance(tab.current_view(), DisputesView)
    assert tab.show_view("tax-codes") is tab.views["tax-codes"] and tab.nav.currentRow() == 14
    hidden = (Page("Collections", "write-offs", "Write-offs", "journal", DisputesView, Permission.AR_WRITE_OFF), *PAGES)
    assert "write-offs" not in ReceivablesTab(Hub(clerk), hidden).views  # the clerk may not write off


@pytest.mark.postgres
def test_another_users_new_customer_appears_by_itself(qtbot, open_window, pg_books: Books):
    viewer = Company.open(pg_books.url, clock=pg_books.clock)  # this client: its own engine and listener
    try:
        window = open_window(AppSession(viewer, viewer.login("admin", ADMIN_PASSWORD)))
        assert window.live_refresh is not None
        qtbot.waitUntil(lambda: window.live_refresh.connected, timeout=10_000)
        view = show(qtbot, window, "customers")
        assert view.model.rowCount() == 0
        maria = other_user(pg_books)  # on another computer
        pg_books.company.receivables(maria).create_customer(customer("MARIA1", "Maria's customer"))
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=15_000)
        assert view.model.row_at(0).name == "Maria's customer"
        window.close()
        QThreadPool.globalInstance().waitForDone()
    finally:
        viewer.close()
