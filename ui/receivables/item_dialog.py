"""Create or edit an item or service sold: its price, the income account its sales post to, its tax code."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from paksa_desktop.core.changes import Changes
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.receivables.commands import ItemInput
from paksa_desktop.receivables.queries import ItemView
from paksa_desktop.receivables.service import ReceivablesService
from ui.hub import Hub
from ui.receivables.fields import AmountEdit, account_picker, chosen_tax_code, fill_tax_codes, picked_account
from ui.receivables.record_dialog import FormProblem, RecordDialog
from ui.widgets.dialogs import form, note


class ItemDialog(RecordDialog):
    noun = "item"
    entity = "item"

    def __init__(self, hub: Hub, record: ItemView | None, *, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(hub, record, editable=editable, parent=parent)
        self.setMinimumWidth(560)
        info = hub.info()
        self.code = QLineEdit()
        self.code.setMaxLength(32)
        self.code.setPlaceholderText("e.g. WIDGET-BLUE (no spaces)")
        self.description = QLineEdit()
        self.description.setMaxLength(200)
        self.description.setPlaceholderText("what the invoice line says")
        self.unit_price = AmountEdit(info.exponent)
        self.unit_price.setPlaceholderText(f"0.00 {info.base_currency}")
        self.unit_price.setMaximumWidth(170)
        self.income_account = account_picker(hub, AccountType.INCOME)
        self.tax_code = QComboBox()
        try:
            self._tax_code_rows = hub.tax_codes()
        except Exception:  # a user who may not read tax codes still edits the rest
            self._tax_code_rows = []
        fill_tax_codes(self.tax_code, self._tax_code_rows, None)
        if record is not None:
            self.show_record(record)
        self.finish(
            form(
                ("&Code", self.code),
                ("&Description", self.description),
                (f"Unit &price ({info.base_currency})", self.unit_price),
                ("&Income account", self.income_account),
                ("Ta&x code", self.tax_code),
            ),
            note(
                "Invoice lines for this item post to its income account and take its tax code; both can be "
                "changed on a line. Deactivate an item in the list when it is no longer sold.",
                muted=True,
            ),
        )
        (self.description if record is not None else self.code).setFocus()

    def title_for(self, record: Any | None) -> str:
        return f"Item {record.code} — {record.description}" if record is not None else "New item"

    def show_record(self, record: ItemView) -> None:
        self.record = record
        self.code.setText(record.code)
        self.description.setText(record.description)
        self.unit_price.set_amount(record.unit_price)
        self.income_account.set_code(record.income_account)
        fill_tax_codes(self.tax_code, self._tax_code_rows, record.tax_code)
        self.setWindowTitle(self.title_for(record) + ("" if self.editable else " (read-only)"))

    def read_input(self) -> ItemInput:
        problems = []
        price = account = None
        try:
            price = self.unit_price.amount("Unit price")
        except FormProblem as exc:
            problems.append(str(exc))
        else:
            if price is None:
                problems.append("Unit price: required (0 for an item priced on each invoice)")
        try:
            account = picked_account(self.income_account, "Income account")
        except FormProblem as exc:
            problems.append(str(exc))
        else:
            if account is None:
                problems.append("Income account: required (where the item's sales post)")
        if problems or price is None or account is None:
            raise FormProblem("; ".join(problems))
        return ItemInput(
            code=self.code.text().strip(),
            description=self.description.text().strip(),
            unit_price=price,
            income_account=account,
            tax_code=chosen_tax_code(self.tax_code),
        )

    def create(self, service: ReceivablesService, data: ItemInput) -> Changes:
        return service.create_item(data)

    def update(self, service: ReceivablesService, code: str, data: ItemInput, version: int) -> Changes:
        return service.update_item(code, data, version=version)

    def fetch(self, code: str) -> ItemView:
        return self.session.receivables_queries.item(code)
