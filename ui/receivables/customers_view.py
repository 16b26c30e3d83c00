"""Customers: the list with its filters, the customer form, credit hold, and import from CSV/Excel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QPushButton, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.queries import CustomerView, ReceivablesQueries
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col
from ui.receivables import import_export
from ui.receivables.base_view import RecordListView, choice_filter
from ui.receivables.customer_dialog import customer_dialog
from ui.receivables.fields import refill_choices
from ui.style import icon
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.workers import Job

COLUMNS = (
    Col("code", "Code", lambda r: r.code, width=110),
    Col("name", "Name", lambda r: r.name),
    Col("currency", "Currency", lambda r: r.currency, width=82),
    Col("terms", "Terms", lambda r: r.payment_terms, width=150),
    Col(
        "credit_limit",
        "Credit limit",
        lambda r: r.credit_limit,
        ColumnKind.MONEY,
        width=140,
        places=lambda r: currency_exponent(r.currency),
    ),
    Col("hold", "Hold", lambda r: "On hold" if r.credit_hold else "", width=80),
    Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=64),
)
HOLDS = (("All", None), ("On hold", True), ("Not on hold", False))


class CustomersView(RecordListView):
    title = "Customers"
    subtitle = (
        "Credit limits are in each customer's own currency (blank: no limit); inactive customers are greyed. "
        "Enter opens the selected customer, Ctrl+N creates one."
    )
    concerns = frozenset({Kind.CUSTOMERS})
    noun = "customer"
    plural = "customers"
    columns = COLUMNS
    stretch = "name"
    manage = Permission.AR_CUSTOMER_MANAGE
    search_hint = "code, name, e-mail or tax number"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.last_import: Job | None = None

    # ---- the list's own buttons and filters
    def add_actions(self) -> None:
        self.hold_button = QPushButton("Put on hold")
        self.hold_button.setToolTip("Credit hold: the customer gets no new invoices until released")
        self.hold_button.clicked.connect(self.toggle_hold)
        self.import_button = QPushButton(icon("import"), "Import…")
        self.import_button.setToolTip(
            f"Create or update customers from a CSV or Excel file ({', '.join(import_export.CUSTOMERS.columns)})"
        )
        self.import_button.clicked.connect(self.choose_and_import)
        for button in (self.hold_button, self.import_button):
            self.header.add(button)
            self.managed_buttons.append(button)

    def add_filters(self, bar: FilterBar) -> None:
        self.currency = QComboBox()
        self.currency.addItem("All", None)
        self.currency.setMinimumContentsLength(4)
        bar.add("C&urrency", self.currency)
        self.hold = choice_filter(*HOLDS)
        bar.add("Credit &hold", self.hold)

    def update_actions(self, row: CustomerView | None) -> None:
        self.hold_button.setEnabled(self.can_manage and row is not None)
        self.hold_button.setText("Release hold" if row is not None and row.credit_hold else "Put on hold")
        self.import_button.setEnabled(self.can_manage)

    # ---- rows
    def fetch(self, queries: ReceivablesQueries) -> list[CustomerView]:
        return queries.customers()

    def show_rows(self, result: Any) -> list[CustomerView]:
        rows: list[CustomerView] = list(result)
        refill_choices(self.currency, (r.currency for r in rows))
        return rows

    def haystack(self, row: CustomerView) -> tuple[str, ...]:
        return (row.code, row.name, row.email, row.tax_number)

    def passes(self, row: CustomerView) -> bool:
        currency, hold = self.currency.currentData(), self.hold.currentData()
        return (currency is None or row.currency == currency) and (hold is None or row.credit_hold == hold)

    def filter_words(self) -> list[str]:
        words = []
        if self.currency.currentData():
            words.append(f"currency {self.currency.currentData()}")
        if self.hold.currentData() is not None:
            words.append(self.hold.currentText().lower())
        return words

    def report_exponent(self, rows: Sequence[CustomerView]) -> int:
        """Exact limits in every currency shown: as many decimals as the one with the most."""
        return max([self.hub.exponent, *(currency_exponent(r.currency) for r in rows)])

    def report_currency(self) -> str:
        return ""  # each row's currency is in its own column

    # ---- actions
    def dialog(self, row: CustomerView | None) -> QDialog | None:
        code = row.code if row is not None else None
        hub, editable = self.hub, self.can_manage
        return attempt(self, lambda: customer_dialog(hub, code, editable=editable, parent=self), title=self.title)

    def set_active(self, service: ReceivablesService, code: str, active: bool) -> Changes:
        return service.set_customer_active(code, active)

    def toggle_hold(self) -> None:
        row = self.current()
        if row is None or not self.can_manage:
            return
        service, hold = self.session.receivables, not row.credit_hold
        changes = attempt(self, lambda: service.set_credit_hold(row.code, hold))
        if changes is not None:
            self._select_after_load = row.code
            self.hub.broadcast(changes)
            notify(self, f"Customer {row.code} is {'on credit hold' if hold else 'released from credit hold'}")

    def choose_and_import(self) -> Job | None:
        if not self.can_manage:
            return None
        self.last_import = import_export.choose_and_import(self, self.hub, import_export.CUSTOMERS)
        return self.last_import
