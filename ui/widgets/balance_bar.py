"""Live totals under an entry's lines, and a clear out-of-balance indicator."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from paksa_desktop.reporting.formatting import money_text
from ui.models.entry_lines_model import EntryLinesModel
from ui.style import set_state


class BalanceBar(QWidget):
    def __init__(self, model: EntryLinesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.debit = QLabel()
        self.credit = QLabel()
        self.indicator = QLabel()
        self.indicator.setObjectName("balanceIndicator")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.indicator)
        layout.addStretch(1)
        layout.addWidget(QLabel("Total debit"))
        layout.addWidget(self.debit)
        layout.addSpacing(16)
        layout.addWidget(QLabel("Total credit"))
        layout.addWidget(self.credit)
        for label in (self.debit, self.credit):
            label.setMinimumWidth(110)
            label.setStyleSheet("font-weight: 600;")
        model.totalsChanged.connect(self.refresh)
        self.refresh()

    @property
    def balanced(self) -> bool:
        return self.model.difference == 0

    def refresh(self) -> None:
        exp = self.model.exponent
        self.debit.setText(money_text(self.model.total_debit, exp))
        self.credit.setText(money_text(self.model.total_credit, exp))
        difference = self.model.difference
        if difference:
            side = "debits exceed credits" if difference > 0 else "credits exceed debits"
            self.indicator.setText(f"Out of balance by {money_text(abs(difference), exp)} ({side})")
            set_state(self.indicator, "bad")
        elif self.model.total_debit:
            self.indicator.setText("Balanced")
            set_state(self.indicator, "ok")
        else:
            self.indicator.setText("Enter the lines: debits must equal credits")
            set_state(self.indicator, "muted")
