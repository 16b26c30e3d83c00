"""The Receivables tab: a navigation list on the left, grouped, one view at a time on the right.

The views are listed once, in `PAGES`: adding a view (invoices, receipts, aging, dunning, statements,
credit control) is one line there, naming its group, title, icon, class and the permission that shows
it. The list, the stacked views, the Receivables menu and the look-up by key all follow from it.
Views are addressed by key, never by position, so a page added anywhere moves nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QMenu, QMenuBar, QStackedWidget, QWidget

from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.receivables.aging_view import AgingView
from ui.receivables.ar_reports_view import ARReportsView
from ui.receivables.credit_view import CreditControlView
from ui.receivables.customer_statements_view import CustomerStatementsView
from ui.receivables.customers_view import CustomersView
from ui.receivables.dunning_view import DunningView
from ui.receivables.follow_ups_view import FollowUpsView
from ui.receivables.invoices_view import InvoicesView
from ui.receivables.items_view import ItemsView
from ui.receivables.rates_view import RatesView
from ui.receivables.receipts_view import ReceiptsView
from ui.receivables.tax_codes_view import TaxCodesView
from ui.style import MUTED, icon
from ui.workers import IsCancelled, Job, Progress

log = logging.getLogger(__name__)

PAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # a navigation row's page key (None on a group heading)


@dataclass(frozen=True)
class Page:
    group: str  # the heading it is listed under
    key: str  # how code and tests address the view
    title: str  # its name in the list and the menu
    icon: str  # resources/icons/<icon>.svg
    view: Callable[[Hub], LedgerView]  # list views are ReceivablesViews; work screens need only a LedgerView
    permission: Permission = Permission.AR_VIEW  # users without it do not see the page


PAGES: tuple[Page, ...] = (
    # Sales (invoices, credit notes, receipts) and Collections (aging, dunning, statements, credit) go here;
    # the pages of one group sit together, each group under its heading in the order written.
    Page("Sales", "invoices", "Invoices", "receivables", InvoicesView),
    Page("Sales", "receipts", "Receipts", "statements", ReceiptsView),
    Page("Collections", "aging", "Aging", "aging", AgingView),
    Page("Collections", "statements", "Statements", "statements", CustomerStatementsView),
    Page("Collections", "dunning", "Dunning", "dunning", DunningView),
    Page("Collections", "follow-ups", "Follow-ups", "follow-ups", FollowUpsView),
    Page("Collections", "credit", "Credit control", "credit", CreditControlView),
    Page("Master data", "customers", "Customers", "customers", CustomersView),
    Page("Master data", "items", "Items", "items", ItemsView),
    Page("Master data", "tax-codes", "Tax codes", "tax-codes", TaxCodesView, Permission.LEDGER_VIEW),
    # exchange rates (set_rate; edited with ledger.rate.manage)
    Page("Master data", "rates", "Exchange rates", "rates", RatesView, Permission.LEDGER_VIEW),
    Page("Reports", "ar-reports", "Reports", "chart", ARReportsView),
)


class ReceivablesTab(QWidget):
    def __init__(self, hub: Hub, pages: Sequence[Page] = PAGES, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receivablesTab")
        self.hub = hub
        self.pages = [p for p in pages if hub.session.can(p.permission)]
        self.views: dict[str, LedgerView] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("moduleNav")
        self.nav.setFixedWidth(210)
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nav.ensurePolished()  # the style sheet's item padding counts when the rows are laid out
        self.stack = QStackedWidget()
        group = None
        for page in self.pages:
            if page.group != group:
                group = page.group
                self.nav.addItem(self._heading(group))
            view = page.view(hub)
            self.views[page.key] = view
            item = QListWidgetItem(icon(page.icon), page.title)
            item.setData(PAGE_ROLE, page.key)
            self.nav.addItem(item)
            self.stack.addWidget(view)
        self.nav.currentRowChanged.connect(self._nav_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)

        # Ctrl+N creates a record of the view shown (the main window leaves Ctrl+N to this tab while it is current)
        self.new_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self, self.new_record)
        self.new_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if self.pages:
            self.show_view(self.pages[0].key)

    @staticmethod
    def _heading(text: str) -> QListWidgetItem:
        item = QListWidgetItem(text.upper())
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # not selectable: the arrow keys pass over it
        font = QFont()
        font.setPointSizeF(8.5)
        font.setBold(True)
        item.setFont(font)
        item.setForeground(MUTED)
        item.setSizeHint(QSize(0, 30))
        return item

    # ---- views
    def show_view(self, key: str) -> LedgerView:
        view = self.views[key]
        for row in range(self.nav.count()):
            if self.nav.item(row).data(PAGE_ROLE) == key:
                self.nav.setCurrentRow(row)
        return view

    def current_view(self) -> LedgerView:
        widget = self.stack.currentWidget()
        assert isinstance(widget, LedgerView)
        return widget

    def current_key(self) -> str:
        return next(key for key, view in self.views.items() if view is self.stack.currentWidget())

    def _nav_changed(self, row: int) -> None:
        key = self.nav.item(row).data(PAGE_ROLE) if row >= 0 else None
        if key is None:
            return
        view = self.views[key]
        if view is not self.stack.currentWidget() and not self.current_view().confirm_leave():
            self.nav.blockSignals(True)
            self.show_view(self.current_key())
            self.nav.blockSignals(False)
            return
        self.stack.setCurrentWidget(view)

    def confirm_leave(self) -> bool:
        return all(view.confirm_leave() for view in self.views.values())

    def new_record(self) -> None:
        create = getattr(self.current_view(), "new_record", None)  # a report screen creates nothing
        if create is not None:
            create()

    # ---- the Receivables menu of the main window
    def add_menu(self, bar: QMenuBar, show: Callable[[str], Any]) -> QMenu:
        """One entry per view (`show(key)` brings the tab and the view forward), then the imports."""
        menu = bar.addMenu("&Receivables")
        self.view_actions = {}
        for page in self.pages:
            action = menu.addAction(icon(page.icon), page.title, lambda key=page.key: show(key))
            self.view_actions[page.key] = action
        menu.addSeparator()
        session = self.hub.session
        self.import_customers_action = menu.addAction(
            icon("import"), "Import &customers…", lambda: self._import("customers")
        )
        self.import_customers_action.setEnabled(
            "customers" in self.views and session.can(Permission.AR_CUSTOMER_MANAGE)
        )
        self.import_items_action = menu.addAction(icon("import"), "Import &items…", lambda: self._import("items"))
        self.import_items_action.setEnabled("items" in self.views and session.can(Permission.AR_ITEM_MANAGE))
        menu.addSeparator()
        self.settings_action = menu.addAction("Receivables &settings…", self.open_settings)
        self.show_callback = show
        return menu

    def open_settings(self) -> None:
        from ui.receivables.settings_dialog import ReceivablesSettingsDialog

        dialog = ReceivablesSettingsDialog(self.hub, self)
        self.last_settings_dialog = dialog
        if dialog.exec():
            self.hub.broadcast(dialog.changes)
        dialog.deleteLater()

    def _import(self, key: str) -> None:
        self.show_callback(key)
        view: Any = self.views[key]  # customers and items import files
        view.choose_and_import()


def add_receivables_tab(window: Any) -> ReceivablesTab | None:
    """The Receivables tab for users holding `receivables.view` (None for the others).

    While it is the current tab, Ctrl+N creates a record of its current view; elsewhere Ctrl+N stays
    the window's New journal entry.
    """
    if not window.session.can(Permission.AR_VIEW):
        return None
    tab = ReceivablesTab(window.hub)
    window.tabs.addTab(tab, icon("receivables"), "Receivables")

    def current_changed(index: int) -> None:
        action = getattr(window, "new_entry_action", None)
        if action is not None:  # every module tab built on this one (payables, banking) owns Ctrl+N too
            here = isinstance(window.tabs.widget(index), ReceivablesTab)
            action.setShortcut(QKeySequence() if here else QKeySequence(QKeySequence.StandardKey.New))

    window.tabs.currentChanged.connect(current_changed)
    tab.recurring_job = run_recurring_on_open(window)
    return tab


def run_recurring_on_open(window: Any) -> Job | None:
    """Raise the recurring invoices that fell due, on a worker, for users who may create invoices.

    The status bar says how many were raised; nothing is said when none were. A failure (say, receivables
    settings not set up yet) is named in the status bar and logged, never a dialog at start-up.
    """
    session = window.session
    if not session.can(Permission.AR_INVOICE_CREATE):
        return None
    service, today = session.invoicing, session.today()

    def work(_progress: Progress, _cancelled: IsCancelled) -> Any:
        return service.run_recurring(today)

    def succeeded(result: Any) -> None:
        refs, changes = result
        if refs:
            count = len(refs)
            window.statusBar().showMessage(f"Raised {count} recurring invoice{'s' if count != 1 else ''}", 15_000)
            window.hub.broadcast(changes)

    def failed(error: BaseException) -> None:
        log.warning("recurring invoices were not run: %s", error)
        window.statusBar().showMessage(f"Recurring invoices were not run: {message_for(error)}", 15_000)

    job = Job(work, window)
    job.succeeded.connect(succeeded)
    job.failed.connect(failed)
    return job.start()
