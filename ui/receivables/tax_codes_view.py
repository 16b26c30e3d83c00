"""Sales tax codes (rate, inclusive or exclusive prices, the account the tax posts to) and how the company
rounds tax: per line or per document total."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QDialog, QGroupBox, QLabel, QRadioButton, QVBoxLayout, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.tax import TaxRounding
from paksa_desktop.receivables.queries import ReceivablesQueries, TaxCodeView
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.reporting.model import ColumnKind
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col
from ui.receivables.base_view import RecordListView
from ui.receivables.tax_code_dialog import TaxCodeDialog
from ui.widgets.notify import notify


def rate_places(row: TaxCodeView) -> int:
    """At least two decimals, more when the rate has them (7.125 % stays 7.125)."""
    exponent = row.rate.as_tuple().exponent
    return max(2, -exponent if isinstance(exponent, int) else 0)


COLUMNS = (
    Col("code", "Code", lambda r: r.code, width=110),
    Col("name", "Name", lambda r: r.name),
    Col("rate", "Rate %", lambda r: r.rate, ColumnKind.MONEY, width=90),
    Col("prices", "Prices", lambda r: "Inclusive" if r.inclusive else "Exclusive", width=96),
    Col("account", "Tax account", lambda r: r.account, width=110),
    Col("active", "Active", lambda r: "yes" if r.is_active else "no", width=64),
)
ROUNDING_TEXT = {
    TaxRounding.LINE: "Per &line: each line's tax is rounded; the document's tax is the sum of its lines",
    TaxRounding.TOTAL: "Per &total: each code's tax is worked out on the document's total and rounded once",
}


class TaxCodesView(RecordListView):
    title = "Tax codes"
    subtitle = (
        "Sales tax (VAT, GST) on invoice lines; inclusive prices already contain the tax. "
        "Enter opens the selected code, Ctrl+N creates one."
    )
    concerns = frozenset({Kind.TAX_CODES, Kind.ACCOUNTS, Kind.COMPANY})
    noun = "tax code"
    plural = "tax codes"
    columns = COLUMNS
    stretch = "name"
    manage = Permission.TAX_CODE_MANAGE
    search_hint = "code or name"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.rounding: TaxRounding | None = None
        self.rounding_box = QGroupBox("Tax rounding on invoices and credit notes")
        self.rounding_box.setObjectName("taxRounding")
        self.rounding_group = QButtonGroup(self)
        self.rounding_buttons: dict[TaxRounding, QRadioButton] = {}
        layout = QVBoxLayout(self.rounding_box)
        layout.setSpacing(4)
        for rounding, text in ROUNDING_TEXT.items():
            button = QRadioButton(text)
            button.setObjectName(f"rounding-{rounding.value}")
            button.setEnabled(self.can_manage)
            self.rounding_group.addButton(button)
            self.rounding_buttons[rounding] = button
            layout.addWidget(button)
        self.rounding_note = QLabel(
            "A change applies to documents posted from now on; those already posted keep the tax they were posted with."
        )
        self.rounding_note.setWordWrap(True)
        self.rounding_note.setProperty("state", "muted")
        layout.addWidget(self.rounding_note)
        if not self.can_manage:
            why = f"Your role cannot change how tax is rounded ({self.manage.value})."
            for button in self.rounding_buttons.values():
                button.setToolTip(why)
        self.rounding_group.buttonToggled.connect(self._rounding_toggled)
        self.body.addWidget(self.rounding_box)

    # ---- rows
    def fetch(self, queries: ReceivablesQueries) -> tuple[list[TaxCodeView], TaxRounding]:
        return queries.tax_codes(), queries.tax_rounding()

    def show_rows(self, result: Any) -> list[TaxCodeView]:
        rows, rounding = result
        self.show_rounding(rounding)
        self.model.exponent = self.report_exponent(rows)  # every rate with the decimals of the most precise one
        return list(rows)

    def report_exponent(self, rows: Sequence[TaxCodeView]) -> int:
        return max([2, *(rate_places(r) for r in rows)])

    def report_currency(self) -> str:
        return ""

    # ---- rounding
    def show_rounding(self, rounding: TaxRounding) -> None:
        self.rounding = rounding
        self.rounding_group.blockSignals(True)
        self.rounding_buttons[rounding].setChecked(True)
        self.rounding_group.blockSignals(False)

    def _rounding_toggled(self, button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        chosen = next(r for r, b in self.rounding_buttons.items() if b is button)
        if chosen != self.rounding:
            self.set_rounding(chosen)

    def set_rounding(self, rounding: TaxRounding) -> None:
        service = self.session.receivables
        changes = attempt(self, lambda: service.set_tax_rounding(rounding))
        if changes is None:
            if self.rounding is not None:
                self.show_rounding(self.rounding)  # refused: show what is in force
            return
        self.show_rounding(rounding)
        self.hub.broadcast(changes)
        notify(self, f"Tax is now rounded per {rounding.value}")

    # ---- actions
    def dialog(self, row: TaxCodeView | None) -> QDialog | None:
        return TaxCodeDialog(self.hub, row, editable=self.can_manage, parent=self)

    def set_active(self, service: ReceivablesService, code: str, active: bool) -> Changes:
        return service.set_tax_code_active(code, active)
