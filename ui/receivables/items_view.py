"""Items and services sold: the list, the item form, and import from CSV/Excel."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QPushButton, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.receivables.queries import ItemView, ReceivablesQueries
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.hub import Hub
from ui.models.columns import Col
from ui.receivables import import_export
from ui.receivables.base_view import RecordListView
from ui.receivables.item_dialog import ItemDialog
from ui.style import icon
from ui.widgets.filter_bar import FilterBar
from ui.workers import Job

COLUMNS = (
    Col("code", "Code", lambda r: r.code, width=140),
    Col("description", "Description", lambda r: r.description),
    Col("unit_price", "Unit price", lambda r: r.unit_price, ColumnKind.MONEY, width=130),
    Col("income_account", "Income account", lambda r: r.income_account, width=130),
    Col("tax_code", "Tax code", lambda r: r.tax_code or "", width=100),
    Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=64),
)
NO_TAX = "-"  # the tax code filter's data for items without one


class ItemsView(RecordListView):
    title = "Items"
    subtitle = (
        "Goods and services sold, priced in the company's currency. Enter opens the selected item, Ctrl+N creates one."
    )
    concerns = frozenset({Kind.ITEMS, Kind.TAX_CODES, Kind.ACCOUNTS})
    noun = "item"
    plural = "items"
    columns = COLUMNS
    stretch = "description"
    manage = Permission.AR_ITEM_MANAGE
    search_hint = "code, description or income account"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.last_import: Job | None = None

    def add_actions(self) -> None:
        self.import_button = QPushButton(icon("import"), "Import…")
        self.import_button.setToolTip(
            f"Create or update items from a CSV or Excel file ({', '.join(import_export.ITEMS.columns)})"
        )
        self.import_button.clicked.connect(self.choose_and_import)
        self.header.add(self.import_button)
        self.managed_buttons.append(self.import_button)

    def add_filters(self, bar: FilterBar) -> None:
        self.tax_code = QComboBox()
        self.tax_code.addItem("All", None)
        self.tax_code.setMinimumContentsLength(8)
        bar.add("Ta&x code", self.tax_code)

    def update_actions(self, row: ItemView | None) -> None:
        self.import_button.setEnabled(self.can_manage)

    # ---- rows
    def fetch(self, queries: ReceivablesQueries) -> list[ItemView]:
        return queries.items()

    def show_rows(self, result: Any) -> list[ItemView]:
        rows: list[ItemView] = list(result)
        chosen = self.tax_code.currentData()
        self.tax_code.blockSignals(True)
        self.tax_code.clear()
        self.tax_code.addItem("All", None)
        self.tax_code.addItem("(none)", NO_TAX)
        codes = {r.tax_code for r in rows if r.tax_code} | ({chosen} if chosen not in (None, NO_TAX) else set())
        for code in sorted(codes):
            self.tax_code.addItem(code, code)
        self.tax_code.setCurrentIndex(max(0, self.tax_code.findData(chosen)) if chosen else 0)
        self.tax_code.blockSignals(False)
        return rows

    def haystack(self, row: ItemView) -> tuple[str, ...]:
        return (row.code, row.description, row.income_account)

    def passes(self, row: ItemView) -> bool:
        chosen = self.tax_code.currentData()
        return chosen is None or (row.tax_code or NO_TAX) == chosen

    def filter_words(self) -> list[str]:
        chosen = self.tax_code.currentData()
        if chosen is None:
            return []
        return ["no tax code"] if chosen == NO_TAX else [f"tax code {chosen}"]

    # ---- actions
    def dialog(self, row: ItemView | None) -> QDialog | None:
        return ItemDialog(self.hub, row, editable=self.can_manage, parent=self)

    def set_active(self, service: ReceivablesService, code: str, active: bool) -> Changes:
        return service.set_item_active(code, active)

    def choose_and_import(self) -> Job | None:
        if not self.can_manage:
            return None
        self.last_import = import_export.choose_and_import(self, self.hub, import_export.ITEMS)
        return self.last_import
