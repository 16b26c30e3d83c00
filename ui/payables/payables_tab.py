"""The Payables tab: the Receivables tab's navigation list and stacked views, over payables' pages.

Pages are listed once in `PAGES` (group, key, title, icon, view, permission): bills, approvals, payment
runs and expense claims add a line each, under their own group heading.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from paksa_desktop.security.permissions import Permission
from ui.payables.ap_aging_view import APAgingView
from ui.payables.ap_reports_view import APReportsView
from ui.payables.approvals_view import ApprovalsView
from ui.payables.bills_view import BillsView
from ui.payables.expenses_view import ExpenseClaimsView
from ui.payables.payment_runs_view import PaymentRunsView
from ui.payables.payment_schedule_view import PaymentScheduleView
from ui.payables.payments_view import PaymentsView
from ui.payables.settings_view import PayablesSettingsView
from ui.payables.vendors_view import VendorsView
from ui.receivables.receivables_tab import Page, ReceivablesTab
from ui.style import icon

PAGES: tuple[Page, ...] = (
    Page("Master data", "vendors", "Vendors", "vendors", VendorsView, Permission.AP_VIEW),
    Page("Bills", "bills", "Bills", "payables", BillsView, Permission.AP_VIEW),
    Page("Bills", "approvals", "Approvals", "edit", ApprovalsView, Permission.AP_BILL_APPROVE),
    Page("Payments", "schedule", "Payment schedule", "aging", PaymentScheduleView, Permission.AP_VIEW),
    Page("Payments", "payment-runs", "Payment runs", "payables", PaymentRunsView, Permission.AP_VIEW),
    Page("Payments", "payments", "Payments", "statements", PaymentsView, Permission.AP_VIEW),
    Page("Expenses", "claims", "Expense claims", "payables", ExpenseClaimsView, Permission.AP_EXPENSE_SUBMIT),
    Page("Reports", "aging", "Aging", "aging", APAgingView, Permission.AP_VIEW),
    Page("Reports", "ap-reports", "Reports", "chart", APReportsView, Permission.AP_VIEW),
    Page("Setup", "settings", "Settings", "settings", PayablesSettingsView, Permission.COMPANY_MANAGE),
)


class PayablesTab(ReceivablesTab):
    def __init__(self, hub: Any, pages: tuple[Page, ...] = PAGES) -> None:
        super().__init__(hub, pages)
        self.setObjectName("payablesTab")

    def add_menu(self, bar: QMenuBar, show: Any) -> QMenu:
        """One entry per view, then Import vendors (for users who may change vendors)."""
        menu = bar.addMenu("&Payables")
        self.view_actions = {}
        for page in self.pages:
            self.view_actions[page.key] = menu.addAction(icon(page.icon), page.title, lambda k=page.key: show(k))
        menu.addSeparator()
        self.import_vendors_action = menu.addAction(icon("import"), "Import &vendors…", lambda: self._import(show))
        self.import_vendors_action.setEnabled(
            "vendors" in self.views and self.hub.session.can(Permission.AP_VENDOR_MANAGE)
        )
        return menu

    def _import(self, show: Any) -> None:
        show("vendors")
        view: Any = self.views["vendors"]
        view.choose_and_import()


def add_payables_tab(window: Any) -> PayablesTab | None:
    """The Payables tab for users holding `payables.view` or claiming expenses (None for the others),
    after Receivables.

    While a module tab (Receivables, Payables, Cash & Banking) is current, Ctrl+N creates a record of its
    current view; elsewhere it stays the window's New journal entry.
    """
    if not (window.session.can(Permission.AP_VIEW) or window.session.can(Permission.AP_EXPENSE_SUBMIT)):
        return None
    tab = PayablesTab(window.hub)
    receivables = getattr(window, "receivables_tab", None)
    at = window.tabs.indexOf(receivables) + 1 if receivables is not None else window.tabs.count()
    window.tabs.insertTab(at, tab, icon("payables"), "Payables")

    def current_changed(index: int) -> None:
        action = getattr(window, "new_entry_action", None)
        if action is not None:
            module = isinstance(window.tabs.widget(index), ReceivablesTab)
            action.setShortcut(QKeySequence() if module else QKeySequence(QKeySequence.StandardKey.New))

    window.tabs.currentChanged.connect(current_changed)
    return tab
