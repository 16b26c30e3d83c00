"""Create or edit a sales tax code: its rate, whether prices include it, the liability account it posts to."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.receivables.commands import TaxCodeInput
from paksa_desktop.receivables.queries import TaxCodeView
from paksa_desktop.receivables.rules import parse_rate
from paksa_desktop.receivables.service import ReceivablesService
from ui.hub import Hub
from ui.receivables.fields import account_picker, picked_account
from ui.receivables.record_dialog import FormProblem, RecordDialog
from ui.widgets.dialogs import form, note


class TaxCodeDialog(RecordDialog):
    noun = "tax code"
    entity = "tax_code"

    def __init__(self, hub: Hub, record: TaxCodeView | None, *, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(hub, record, editable=editable, parent=parent)
        self.setMinimumWidth(540)
        self.code = QLineEdit()
        self.code.setMaxLength(16)
        self.code.setPlaceholderText("e.g. VAT20 (printed on invoices)")
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.name.setPlaceholderText("e.g. Standard rate")
        self.rate = QLineEdit()
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate.setPlaceholderText("e.g. 20 or 7.125")
        self.rate.setMaximumWidth(120)
        self.rate.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"^[0-9]{0,3}(\.[0-9]{0,4})?$"), self.rate)
        )
        rate_row = QWidget()  # the rate and its % sign; Alt+R goes to the rate
        rate_layout = QHBoxLayout(rate_row)
        rate_layout.setContentsMargins(0, 0, 0, 0)
        rate_layout.addWidget(self.rate)
        rate_layout.addWidget(QLabel("%"))
        rate_layout.addStretch(1)
        rate_row.setFocusProxy(self.rate)
        self.inclusive = QCheckBox("Prices &include this tax (the tax is taken out of the price)")
        self.account = account_picker(hub, AccountType.LIABILITY)
        if record is not None:
            self.show_record(record)
        self.finish(
            form(
                ("&Code", self.code),
                ("&Name", self.name),
                ("&Rate", rate_row),
                ("", self.inclusive),
                ("Tax &account", self.account),
            ),
            note(
                "Invoices post the tax to this liability account. Changing a rate applies to documents posted from "
                "now on; those already posted keep the tax they were posted with.",
                muted=True,
            ),
        )
        (self.name if record is not None else self.code).setFocus()

    def title_for(self, record: Any | None) -> str:
        return f"Tax code {record.code} — {record.name}" if record is not None else "New tax code"

    def show_record(self, record: TaxCodeView) -> None:
        self.record = record
        self.code.setText(record.code)
        self.name.setText(record.name)
        self.rate.setText(str(record.rate))
        self.inclusive.setChecked(record.inclusive)
        self.account.set_code(record.account)
        self.setWindowTitle(self.title_for(record) + ("" if self.editable else " (read-only)"))

    def read_input(self) -> TaxCodeInput:
        problems = []
        rate = Decimal(0)
        if not self.rate.text().strip():
            problems.append("Rate: required (0 for a zero-rated code)")
        else:
            try:
                rate = parse_rate(self.rate.text())
            except ValidationError as exc:
                problems.append(f"Rate: {exc}")
        account = None
        try:
            account = picked_account(self.account, "Tax account")
        except FormProblem as exc:
            problems.append(str(exc))
        else:
            if account is None:
                problems.append("Tax account: required (the liability the tax is owed on)")
        if problems or account is None:
            raise FormProblem("; ".join(problems))
        return TaxCodeInput(
            code=self.code.text().strip(),
            name=self.name.text().strip(),
            rate=rate,
            account=account,
            inclusive=self.inclusive.isChecked(),
        )

    def create(self, service: ReceivablesService, data: TaxCodeInput) -> Changes:
        return service.create_tax_code(data)

    def update(self, service: ReceivablesService, code: str, data: TaxCodeInput, version: int) -> Changes:
        return service.update_tax_code(code, data, version=version)

    def fetch(self, code: str) -> TaxCodeView:
        return self.session.receivables_queries.tax_code(code)
