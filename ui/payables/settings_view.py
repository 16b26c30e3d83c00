"""Payables settings: the payable control and default accounts, journals, document series, the bill
approval threshold and the duplicate window (`company.payables_setup`; changed with `company.manage`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import PaksaError
from paksa_desktop.payables.settings import ACCOUNT_FIELDS, JOURNAL_FIELDS, SERIES_FIELDS, SettingsInput
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for, show_error
from ui.hub import Hub
from ui.receivables.base_view import ReceivablesView
from ui.receivables.fields import AmountEdit
from ui.receivables.record_dialog import FormProblem
from ui.widgets.account_picker import AccountPicker
from ui.widgets.dialogs import inline_error, show_inline
from ui.widgets.notify import notify
from ui.workers import Loader

TITLES = {
    "payable_account": "Payable (control)",
    "employee_payable_account": "Employee payable",
    "expense_account": "Default expense",
    "input_tax_account": "Input tax",
    "discount_account": "Discounts taken",
    "withholding_account": "Withholding payable",
    "fx_gain_account": "FX gain",
    "fx_loss_account": "FX loss",
    "purchases_journal": "Purchases (bills)",
    "payments_journal": "Payments",
    "bill_series": "Bills",
    "credit_note_series": "Vendor credit notes",
    "payment_series": "Payments",
    "claim_series": "Expense claims",
}


class PayablesSettingsView(ReceivablesView):
    title = "Payables settings"
    subtitle = (
        "Where bills, payments and expense claims post, their number series, and the approval policy. Ctrl+S saves."
    )
    concerns = frozenset({Kind.COMPANY, Kind.ACCOUNTS, Kind.JOURNALS})
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.editable = self.session.can(Permission.COMPANY_MANAGE)
        self.accounts: dict[str, AccountPicker] = {}
        self.texts: dict[str, QLineEdit] = {}

        accounts = QGroupBox("Accounts")
        form = QFormLayout(accounts)
        for name in ACCOUNT_FIELDS:
            picker = AccountPicker(hub.account_choices(), postable_only=True)
            picker.setObjectName(f"setting_{name}")
            picker.setMinimumWidth(300)
            self.accounts[name] = picker
            form.addRow(TITLES[name], picker)
        journals = QGroupBox("Journals")
        journal_form = QFormLayout(journals)
        for name in JOURNAL_FIELDS:
            edit = QLineEdit()
            edit.setMaximumWidth(110)
            self.texts[name] = edit
            journal_form.addRow(TITLES[name], edit)
        series = QGroupBox("Number series")
        series_form = QFormLayout(series)
        for name in SERIES_FIELDS:
            edit = QLineEdit()
            edit.setMaxLength(16)
            edit.setMaximumWidth(110)
            self.texts[name] = edit
            series_form.addRow(TITLES[name], edit)
        policy = QGroupBox("Approval and duplicates")
        policy_form = QFormLayout(policy)
        self.threshold = AmountEdit(hub.exponent)
        self.threshold.setObjectName("approvalThreshold")
        self.threshold.setPlaceholderText("empty: every bill needs an approver")
        self.threshold.setMinimumWidth(180)
        self.threshold.setMaximumWidth(220)
        self.duplicate_days = QSpinBox()
        self.duplicate_days.setRange(0, 365)
        self.duplicate_days.setSuffix(" days")
        self.duplicate_days.setMaximumWidth(120)
        policy_form.addRow(f"Approval from ({hub.info().base_currency})", self.threshold)
        explain = QLabel(
            "Bills whose total in the base currency is at or above this amount need a holder of "
            "payables.bill.approve; smaller ones are approved by whoever may post them."
        )
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        policy_form.addRow(explain)
        policy_form.addRow("Duplicate window", self.duplicate_days)
        explain = QLabel("Same vendor and amount within this many days of another bill: warned, blocked at posting.")
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        policy_form.addRow(explain)

        columns = QHBoxLayout()
        columns.addWidget(accounts, 3)
        right = QVBoxLayout()
        right.addWidget(journals)
        right.addWidget(series)
        right.addStretch(1)
        columns.addLayout(right, 2)
        self.body.addLayout(columns)
        self.body.addWidget(policy)
        self.message = inline_error()
        self.body.addWidget(self.message)
        self.body.addStretch(1)

        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Save the settings (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.standard_button = QPushButton("Standard accounts")
        self.standard_button.setToolTip("Take the standard chart's accounts and journals (2010, 6130, PUR, CSH …)")
        self.standard_button.clicked.connect(self.use_standard)
        self.header.add(self.standard_button)
        self.header.add(self.save_button)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        if not self.editable:
            for button in (self.save_button, self.standard_button):
                button.setEnabled(False)
                button.setToolTip(f"Your role cannot change the payables settings ({Permission.COMPANY_MANAGE.value}).")
            for edit in (*self.accounts.values(), *self.texts.values(), self.threshold):
                edit.setReadOnly(True)
            self.duplicate_days.setEnabled(False)

    # ---- loading
    def refresh(self) -> None:
        setup = self.session.company.payables_setup(self.session.ctx)
        self.loader.load(setup.settings, self.show_settings)

    def show_settings(self, current: SettingsInput | None) -> None:
        if current is None:
            show_inline(
                self.message,
                "Payables are not set up yet: choose the accounts and journals, or Standard accounts, then Save.",
                "muted",
            )
            return
        for name, picker in self.accounts.items():
            picker.set_code(getattr(current, name))
        for name, edit in self.texts.items():
            edit.setText(getattr(current, name))
        self.threshold.set_amount(current.approval_threshold)
        self.duplicate_days.setValue(current.duplicate_days)
        show_inline(self.message, "")

    # ---- saving
    def read_input(self) -> SettingsInput:
        values: dict[str, Any] = {}
        problems = []
        for name, picker in self.accounts.items():
            code = picker.code()
            if code is None:
                problems.append(f"{TITLES[name]}: no account matches '{picker.text().strip()}'")
            values[name] = code or ""
        for name, edit in self.texts.items():
            values[name] = edit.text().strip()
        threshold: Decimal | None = None
        try:
            threshold = self.threshold.amount("Approval threshold")
        except FormProblem as exc:
            problems.append(str(exc))
        if problems:
            raise FormProblem("; ".join(problems))
        return SettingsInput(**values, approval_threshold=threshold, duplicate_days=self.duplicate_days.value())

    def save(self) -> bool:
        if not self.editable:
            return False
        try:
            data = self.read_input()
            changes = self.session.company.payables_setup(self.session.ctx).update_settings(data)
        except (FormProblem, PaksaError) as exc:  # named here; nothing was stored
            show_inline(self.message, message_for(exc) if isinstance(exc, PaksaError) else str(exc))
            return False
        except Exception as exc:
            show_error(self, exc, title=self.title)
            return False
        show_inline(self.message, "")
        self.hub.broadcast(changes)
        notify(self, "Saved the payables settings")
        return True

    def use_standard(self) -> None:
        setup = self.session.company.payables_setup(self.session.ctx)
        try:
            taken = setup.use_standard_settings()
        except Exception as exc:
            show_error(self, exc, title=self.title)
            return
        if not taken:
            show_inline(self.message, "This chart does not have every standard account and journal; choose them here.")
            return
        self.hub.broadcast(Changes.of(Kind.COMPANY))
        self.refresh()
        notify(self, "The payables settings now name the standard accounts")
