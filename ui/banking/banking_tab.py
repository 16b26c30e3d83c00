"""The Cash & Banking tab: the Receivables tab's navigation list and stacked views, over banking's pages.

Pages are listed once in `PAGES` (group, key, title, icon, view, permission); reconciliation, transfers
and cash position add a line each.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from paksa_desktop.security.permissions import Permission
from ui.banking.accounts_view import BankAccountsView
from ui.banking.cash_position_view import CashPositionView
from ui.banking.forecast_view import ForecastView
from ui.banking.lines_view import StatementLinesView
from ui.banking.reconciliation_view import BankReconciliationView
from ui.banking.rules_view import BankRulesView
from ui.receivables.rates_view import RatesView
from ui.receivables.receivables_tab import Page, ReceivablesTab
from ui.style import icon

PAGES: tuple[Page, ...] = (
    Page("Bank", "lines", "Statement lines", "statements", StatementLinesView, Permission.CASH_VIEW),
    Page("Bank", "reconcile", "Reconciliation", "ledger", BankReconciliationView, Permission.CASH_RECONCILE),
    Page("Bank", "rules", "Rules", "recurring", BankRulesView, Permission.CASH_VIEW),
    Page("Cash", "position", "Cash position", "trial-balance", CashPositionView, Permission.CASH_VIEW),
    Page("Cash", "forecast", "Cash forecast", "chart", ForecastView, Permission.CASH_VIEW),
    Page("Master data", "accounts", "Bank accounts", "accounts", BankAccountsView, Permission.CASH_VIEW),
    Page("Master data", "rates", "Exchange rates", "rates", RatesView, Permission.LEDGER_VIEW),
)


class BankingTab(ReceivablesTab):
    def __init__(self, hub: Any, pages: tuple[Page, ...] = PAGES) -> None:
        super().__init__(hub, pages)
        self.setObjectName("bankingTab")

    def add_menu(self, bar: QMenuBar, show: Any) -> QMenu:
        menu = bar.addMenu("&Banking")
        self.view_actions = {}
        for page in self.pages:
            self.view_actions[page.key] = menu.addAction(icon(page.icon), page.title, lambda k=page.key: show(k))
        return menu


def add_banking_tab(window: Any) -> BankingTab | None:
    """The Cash & Banking tab for users holding `cash.view` (None for the others)."""
    if not window.session.can(Permission.CASH_VIEW):
        return None
    tab = BankingTab(window.hub)
    window.tabs.addTab(tab, icon("statements"), "Cash && Banking")

    def current_changed(index: int) -> None:
        """Ctrl+N is the tab's own (New bank account) while it is current; New journal entry elsewhere."""
        action = getattr(window, "new_entry_action", None)
        if action is not None:  # any module tab (Receivables, Payables, this one) owns Ctrl+N while current
            module = isinstance(window.tabs.widget(index), ReceivablesTab)
            action.setShortcut(QKeySequence() if module else QKeySequence(QKeySequence.StandardKey.New))

    window.tabs.currentChanged.connect(current_changed)
    return tab
