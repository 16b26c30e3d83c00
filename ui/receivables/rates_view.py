"""Exchange rates: how many units of the base currency one unit of a foreign currency buys, from a day on.

Invoices in a foreign currency take the rate of their day (the latest rate on or before it). The list
shows every rate as the exact decimal text stored, filtered by currency; New rate…, Edit… and Remove
need `ledger.rate.manage` (others see the list read-only, with the reason on the buttons). A rate typed
wrong (unknown currency, not a number, zero or less) is refused in a dialog naming the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import is_currency
from paksa_desktop.receivables.queries import ExchangeRateView
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import LEFT, RIGHT, ROW_ROLE, Index, RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.style import icon
from ui.widgets.account_picker import string_completer
from ui.widgets.dialogs import button_box, field_grid, note
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

ALL = "All currencies"


def columns_for(base: str) -> tuple[Col, ...]:
    return (
        Col("currency", "Currency", lambda r: r.currency, width=90),
        Col("day", "From", lambda r: r.day, ColumnKind.DATE, width=110),
        Col("rate", f"Rate ({base} per unit)", lambda r: r.rate, width=180),
        Col("meaning", "Meaning", lambda r: f"1 {r.currency} = {r.rate} {base}"),
    )


class RatesModel(RowsTableModel):
    """The rate is text (exact, as stored) but a figure: right-aligned, header too."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and self.columns[index.column()].key == "rate":
            return int(RIGHT)
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return int(RIGHT if 0 <= section < len(self.columns) and self.columns[section].key == "rate" else LEFT)
        return super().headerData(section, orientation, role)


class RatesView(ReceivablesView):
    title = "Exchange rates"
    subtitle = (
        "Units of the base currency one unit of a foreign currency buys, from a day on. A foreign-currency "
        "invoice takes the latest rate on or before its date."
    )
    concerns = frozenset({Kind.RATES, Kind.COMPANY})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.all_rows: list[ExchangeRateView] = []
        self._select_after_load: tuple[str, date] | None = None
        self.can_manage = self.session.can(Permission.RATE_MANAGE)
        self.base = hub.info().base_currency
        self.columns = columns_for(self.base)
        self.model = RatesModel(self.columns, exponent=hub.exponent, parent=self)

        self.new_button = QPushButton(icon("add"), "New rate…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Set the rate of a currency from a day on (Ctrl+N)")
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.edit_button.setToolTip("Change the selected rate (Enter)")
        self.remove_button = QPushButton(icon("delete"), "Remove")
        self.remove_button.setToolTip("Remove the selected rate; the day before's rate applies again")
        for button in (self.new_button, self.edit_button, self.remove_button):
            self.header.add(button)
        self.header.add(self.add_export_button())
        if not self.can_manage:
            why = f"Your role cannot change exchange rates ({Permission.RATE_MANAGE.value})."
            for button in (self.new_button, self.edit_button, self.remove_button):
                button.setToolTip(why)
        self.new_button.clicked.connect(self.new_record)
        self.edit_button.clicked.connect(self.edit_current)
        self.remove_button.clicked.connect(self.remove_current)

        self.filters = FilterBar()
        self.currency = QComboBox()
        self.currency.setObjectName("rateCurrencyFilter")
        self.currency.setMinimumContentsLength(14)
        self.currency.addItem(ALL, None)
        self.filters.add("C&urrency", self.currency)
        self.filters.finish()
        self.filters.grid.setColumnStretch(2, 1)  # the one field and Clear keep their size, on the left
        self.filters.changed.connect(self.apply_filter)
        self.filters.clear_button.clicked.connect(lambda: self.currency.setCurrentIndex(0))
        self.body.addWidget(self.filters)

        self.table = make_table("ratesTable", self.model, self.columns, stretch="meaning")
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.edit_current)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    # ---- loading and filtering
    def refresh(self) -> None:
        queries = self.session.receivables_queries
        self.loader.load(queries.exchange_rates, self._apply)

    def _apply(self, rows: list[ExchangeRateView]) -> None:
        current = self.current()
        self.all_rows = list(rows)
        chosen = self.currency.currentData()
        self.currency.blockSignals(True)
        self.currency.clear()
        self.currency.addItem(ALL, None)
        for code in sorted({r.currency for r in rows}):
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(max(0, self.currency.findData(chosen)))
        self.currency.blockSignals(False)
        wanted = self._select_after_load or ((current.currency, current.day) if current else None)
        self._select_after_load = None
        self.apply_filter(select=wanted)

    def apply_filter(self, *_args: object, select: tuple[str, date] | None = None) -> None:
        chosen = self.currency.currentData()
        rows = [r for r in self.all_rows if chosen is None or r.currency == chosen]
        self.model.set_rows(rows)
        for k, r in enumerate(rows):
            if (r.currency, r.day) == select:
                self.table.selectRow(k)
        total = len(self.all_rows)
        if not total:
            hint = " New rate… adds one." if self.can_manage else ""
            self.count.setText(f"No exchange rates yet: every invoice is in {self.base}, or its rate is typed.{hint}")
        elif len(rows) == total:
            self.count.setText(f"{total:,} rate{'s' if total != 1 else ''}")
        else:
            self.count.setText(f"{len(rows):,} of {total:,} rates ({chosen})")
        self._update_buttons()

    def current(self) -> ExchangeRateView | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)  # type: ignore[no-any-return]

    def _update_buttons(self, *_args: object) -> None:
        row = self.current()
        self.new_button.setEnabled(self.can_manage)
        self.edit_button.setEnabled(self.can_manage and row is not None)
        self.remove_button.setEnabled(self.can_manage and row is not None)

    # ---- actions
    def new_record(self) -> None:
        if self.can_manage:
            chosen = self.currency.currentData()
            self._run(RateDialog(self.hub, None, currency=chosen, parent=self))

    def edit_current(self) -> None:
        row = self.current()
        if row is not None and self.can_manage:
            self._run(RateDialog(self.hub, row, parent=self))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.edit_current()

    def _run(self, dialog: RateDialog) -> None:
        self.last_dialog = dialog
        if dialog.exec():
            self._select_after_load = dialog.saved
            self.hub.broadcast(dialog.changes)
            currency, day = dialog.saved
            notify(self, f"Saved the {currency} rate from {day}")
        dialog.deleteLater()

    def remove_current(self) -> None:
        row = self.current()
        if row is None or not self.can_manage:
            return
        answer = QMessageBox.question(
            self,
            "Remove rate",
            f"Remove the {row.currency} rate of {row.rate} from {row.day}?\n\nInvoices already posted keep their rate; "
            "new ones on or after that day take the rate before it.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        service = self.session.invoicing
        changes = attempt(self, lambda: service.set_rate(row.currency, row.day, None), title="Remove rate")
        if changes is not None:
            self.hub.broadcast(changes)
            notify(self, f"Removed the {row.currency} rate from {row.day}")

    # ---- export: exactly the rows shown
    def export_builder(self) -> ReportBuilder:
        rows, columns, title, company = self.model.rows, self.columns, self.title, self.hub.info().name
        chosen = self.currency.currentData()
        subtitle = f"{chosen} only" if chosen else "all currencies"

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, subtitle=subtitle, company=company, currency=self.base)

        return build


class RateDialog(QDialog):
    """A currency, a day and the rate from that day on (editing a rate keeps its currency and day)."""

    def __init__(
        self, hub: Hub, record: ExchangeRateView | None, *, currency: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.record = record
        self.changes = Changes()
        self.saved: tuple[str, date] = ("", date.min)
        self.base = hub.info().base_currency
        self.setObjectName("exchangeRateDialog")
        self.setWindowTitle(f"{record.currency} rate from {record.day}" if record else "New exchange rate")
        self.resize(460, 0)
        self.currency = QLineEdit(record.currency if record else (currency or ""))
        self.currency.setObjectName("rateCurrency")
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(80)
        self.currency.setPlaceholderText("e.g. EUR")
        self.currency.setValidator(QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,3}"), self.currency))
        self.currency.textEdited.connect(lambda t: self.currency.setText(t.upper()) if t != t.upper() else None)
        from iso4217 import Currency

        self.currency.setCompleter(string_completer(sorted(c.code for c in Currency), self.currency))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(record.day if record else hub.session.today()))
        self.rate = QLineEdit(record.rate if record else "")
        self.rate.setObjectName("rateValue")
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate.setPlaceholderText("e.g. 1.0825")
        self.rate.setMaximumWidth(180)
        self.unit = QLabel(f"{self.base} per unit")
        self.unit.setProperty("state", "muted")
        if record is not None:
            self.currency.setReadOnly(True)
            self.day.setEnabled(False)
        grid = field_grid(
            (0, 0, "C&urrency", self.currency, 1),
            (1, 0, "&From", self.day, 1),
            (2, 0, "&Rate", self.rate, 1),
        )
        grid.addWidget(self.unit, 2, 2)
        grid.setColumnStretch(2, 1)
        grid.setVerticalSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addLayout(grid)
        layout.addWidget(
            note(
                f"How many {self.base} one unit of the currency buys, exactly as given (up to 20 significant "
                "digits). It applies from the day on, until the next rate of the currency.",
                muted=True,
            )
        )
        layout.addWidget(button_box(self, "Save", accept=self.save))
        (self.rate if record else self.currency).setFocus()

    def problem(self) -> str:
        """What is wrong with the fields, naming the field; empty when nothing is."""
        currency = self.currency.text().strip().upper()
        if not currency:
            return "Currency: give the three-letter ISO code of the currency (e.g. EUR)"
        if not is_currency(currency):
            return f"Currency: '{currency}' is not a known ISO 4217 currency code"
        if currency == self.base:
            return f"Currency: {currency} is the base currency; its rate is always 1"
        text = self.rate.text().strip().replace(",", "")
        if not text:
            return "Rate: give the rate (e.g. 1.0825)"
        try:
            rate = Decimal(text)
        except InvalidOperation:
            return f"Rate: '{self.rate.text().strip()}' is not a number (write e.g. 1.0825)"
        if not rate.is_finite() or rate <= 0:
            return f"Rate: {self.rate.text().strip()} must be more than zero"
        return ""

    def save(self) -> None:
        problem = self.problem()
        if problem:
            QMessageBox.warning(self, self.windowTitle(), problem)
            return
        currency = self.currency.text().strip().upper()
        day = self.day.date().toPython()
        rate = self.rate.text().strip().replace(",", "")
        service = self.hub.session.invoicing
        changes = attempt(self, lambda: service.set_rate(currency, day, rate), title=self.windowTitle())
        if changes is not None:
            self.changes = changes
            self.saved = (currency, day)
            self.accept()
