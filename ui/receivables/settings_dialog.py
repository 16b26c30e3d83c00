"""Receivables settings: control and default accounts, journals, document series, the credit policy and
the write-off tolerance. Everyone with `receivables.view` reads them; `company.manage` changes them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.receivables.models import CreditPolicy
from paksa_desktop.receivables.settings import ACCOUNT_FIELDS, JOURNAL_FIELDS, SettingsInput
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub

SERIES_FIELDS = ("invoice_series", "credit_note_series", "receipt_series")
POLICIES = (
    ("Off: no check", CreditPolicy.OFF),
    ("Warn: the clerk confirms (audited)", CreditPolicy.WARN),
    ("Block: only receivables.invoice.approve may override", CreditPolicy.BLOCK),
)


def _title(name: str) -> str:
    return name.replace("_account", "").replace("_", " ").capitalize().replace("Fx", "FX")


class ReceivablesSettingsDialog(QDialog):
    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.changes: Changes | None = None
        self.setWindowTitle("Receivables settings")
        session = hub.session
        self.editable = session.can(Permission.COMPANY_MANAGE)
        current = session.invoicing.settings()
        self.fields: dict[str, QLineEdit] = {}

        def group(title: str, names: tuple[str, ...]) -> QGroupBox:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for name in names:
                edit = QLineEdit(str(getattr(current, name, "") or "") if current else "")
                edit.setMinimumWidth(120)
                edit.setReadOnly(not self.editable)
                self.fields[name] = edit
                form.addRow(_title(name), edit)
            return box

        columns = QHBoxLayout()
        columns.addWidget(group("Accounts", ACCOUNT_FIELDS))
        right = QVBoxLayout()
        right.addWidget(group("Journals", JOURNAL_FIELDS))
        right.addWidget(group("Document series", SERIES_FIELDS))
        right.addStretch(1)
        columns.addLayout(right)

        credit = QGroupBox("Credit control and tolerance")
        form = QFormLayout(credit)
        self.policy = QComboBox()
        for text, value in POLICIES:
            self.policy.addItem(text, value)
        self.overdue_days = QSpinBox()
        self.overdue_days.setRange(1, 3650)
        self.overdue_days.setSuffix(" days")
        self.tolerance = QLineEdit()
        self.tolerance.setPlaceholderText("0.00")
        if current is not None:
            self.policy.setCurrentIndex(max(0, self.policy.findData(current.credit_policy)))
            self.overdue_days.setValue(current.overdue_days)
            self.tolerance.setText(str(current.write_off_tolerance))
        for widget in (self.policy, self.overdue_days, self.tolerance):
            widget.setEnabled(self.editable)
        form.addRow("Credit &policy", self.policy)
        form.addRow("&Overdue after", self.overdue_days)
        form.addRow("Write-off &tolerance", self.tolerance)

        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setProperty("state", "error")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        standard = QDialogButtonBox.StandardButton
        if self.editable:
            buttons.setStandardButtons(standard.Save | standard.Cancel)
            buttons.accepted.connect(self.save)
            QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        else:
            buttons.setStandardButtons(standard.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(credit)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def input(self) -> SettingsInput:
        values = {name: edit.text().strip() for name, edit in self.fields.items()}
        try:
            tolerance = Decimal(self.tolerance.text().replace(",", "").strip() or "0")
        except InvalidOperation:
            raise ValidationError(f"Write-off tolerance: '{self.tolerance.text()}' is not an amount") from None
        names = {f.name for f in dataclasses.fields(SettingsInput)}
        return SettingsInput(
            **{k: v for k, v in values.items() if k in names},  # type: ignore[arg-type]
            write_off_tolerance=tolerance,
            credit_policy=self.policy.currentData(),
            overdue_days=self.overdue_days.value(),
        )

    def save(self) -> bool:
        try:
            self.changes = self.hub.session.invoicing.update_settings(self.input())
        except Exception as exc:  # named in the form; nothing was stored
            self.message.setText(message_for(exc))
            return False
        self.accept()
        return True
