"""Credit control: every active customer's credit standing, and the selected customer's payment history.

The table is `CreditStandingQueries.overview` on the as-of day: limit, exposure (what the credit check at
posting compares with the limit), available, what is overdue and for how long, how fast the customer pays
(average days to pay and days late over the 12 months up to the day) and their last payment. A customer
over their limit or on credit hold is red, and the Attention column (and the row's tooltip) says why; the
Show filter narrows the list to the customers needing attention. Selecting a customer lists their receipts
under the table, each with the invoices it paid and how many days that took. Export writes the rows shown.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.credit_standing import (
    CreditStanding,
    CreditStandingQueries,
    ReceiptHistory,
    year_before,
)
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import LEFT, RIGHT, ROW_ROLE, RowsTableModel
from ui.receivables.base_view import ReceivablesView, choice_filter
from ui.receivables.report_screen import AR_CONCERNS
from ui.style import NEGATIVE, icon, set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress

ONE = 1  # averages of days carry one decimal

SHOW = (
    ("All customers", "all"),
    ("Needing attention", "attention"),
    ("Over limit", "over"),
    ("On credit hold", "hold"),
    ("Overdue", "overdue"),
)


def attention(row: CreditStanding) -> str:
    """The reasons in short words, for the Attention column (the tooltip has the amounts)."""
    words = []
    if row.on_hold:
        words.append("on hold")
    if row.over_limit:
        words.append("over limit")
    if row.oldest_overdue_days is not None:
        words.append("overdue")
    return ", ".join(words)


def shows(row: CreditStanding, choice: str) -> bool:
    if choice == "attention":
        return row.on_hold or row.over_limit or row.oldest_overdue_days is not None
    if choice == "over":
        return row.over_limit
    if choice == "hold":
        return row.on_hold
    if choice == "overdue":
        return row.oldest_overdue_days is not None
    return True


def _places(row: CreditStanding) -> int:
    return currency_exponent(row.currency)


COLUMNS: tuple[Col, ...] = (
    Col("customer", "Customer", lambda r: r.code, width=84),
    Col("name", "Name", lambda r: r.name, width=130),
    Col("attention", "Attention", lambda r: attention(r), width=116),
    Col("currency", "Cur.", lambda r: r.currency, width=48),
    Col("limit", "Credit limit", lambda r: r.credit_limit, ColumnKind.MONEY, width=88, places=_places),
    Col("exposure", "Exposure", lambda r: r.exposure, ColumnKind.MONEY, width=88, places=_places),
    Col("available", "Available", lambda r: r.available, ColumnKind.MONEY, width=88, places=_places),
    Col("overdue", "Overdue", lambda r: r.overdue, ColumnKind.MONEY, width=88, places=_places, blank_zero=True),
    Col("oldest", "Days overdue", lambda r: r.oldest_overdue_days, ColumnKind.INTEGER, width=76),
    Col("days_to_pay", "Avg days to pay", lambda r: r.average_days_to_pay, ColumnKind.MONEY, width=84,
        places=lambda _r: ONE),
    Col("days_late", "Avg days late", lambda r: r.average_days_late, ColumnKind.MONEY, width=84,
        places=lambda _r: ONE),
    Col("last_payment", "Last payment", lambda r: r.last_payment, ColumnKind.DATE, width=96),
)  # fmt: skip


HEADER_TIPS = {
    "exposure": "Open and draft invoices less open credit notes and unapplied receipts, as the books stand now: "
    "what the credit check at posting compares with the limit",
    "available": "Credit limit less exposure; in parentheses: over the limit",
    "overdue": "Open on the as-of day and past its due date",
    "oldest": "Days the oldest overdue invoice is past its due date on the as-of day",
    "days_to_pay": "Amount-weighted days from invoice date to payment, invoices paid in the 12 months to the day",
    "days_late": "The same from the due date; a part paid by its due date counts 0",
}


class CreditModel(RowsTableModel):
    """The overview rows: red (and the reasons as the tooltip) for a customer over the limit or on hold;
    overdue figures red on their own."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent=parent)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row: CreditStanding = self._rows[index.row()]
        key = self.columns[index.column()].key
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.reasons:
                return f"{row.code} — " + "; ".join(row.reasons)
            if row.credit_limit is None and key in ("limit", "available"):
                return "No credit limit: the credit check does not compare this customer's exposure with one"
            if row.average_days_to_pay is None and key in ("days_to_pay", "days_late"):
                return "No invoice of this customer was fully paid in the 12 months up to the day"
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.on_hold or row.over_limit:
                return NEGATIVE
            if key in ("overdue", "oldest") and row.oldest_overdue_days is not None:
                return NEGATIVE
            return None
        if role == Qt.ItemDataRole.FontRole and key == "attention" and (row.on_hold or row.over_limit):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DisplayRole and key in ("limit", "available") and row.credit_limit is None:
            return "no limit" if key == "limit" else ""
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.ToolTipRole and horizontal and 0 <= section < len(self.columns):
            return HEADER_TIPS.get(self.columns[section].key)
        value = super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and horizontal and value and " " in str(value):
            title = str(value)  # on two lines, cut at the space nearest the middle: columns as wide as their figures
            cut = min((i for i, c in enumerate(title) if c == " "), key=lambda i: abs(i - len(title) / 2))
            return f"{title[:cut]}\n{title[cut + 1 :]}"
        return value


HISTORY_HEADERS = ("Receipt / invoice paid", "Date", "Due", "Paid on", "Method", "Amount", "Cur.",
                   "Days to pay", "Days late", "Unapplied")  # fmt: skip
HISTORY_RIGHT = frozenset({5, 7, 8, 9})


def history_items(receipts: list[ReceiptHistory]) -> list[QTreeWidgetItem]:
    """Receipts as top rows, the invoices each paid under it."""
    items = []
    for r in receipts:
        places = currency_exponent(r.currency)
        unapplied = money_text(r.unapplied, places) if r.unapplied else ""
        top = QTreeWidgetItem(
            [r.number, str(r.date), "", "", r.method, money_text(r.amount, places), r.currency, "", "", unapplied]
        )
        bold = QFont()
        bold.setBold(True)
        top.setFont(0, bold)
        if not r.invoices:
            top.setToolTip(0, "This receipt paid no invoice: its amount is customer credit")
        for paid in r.invoices:
            child = QTreeWidgetItem(
                [
                    paid.number, str(paid.date), str(paid.due_date), str(paid.paid_on), "",
                    money_text(paid.amount, currency_exponent(paid.currency)), paid.currency,
                    str(paid.days_to_pay), str(paid.days_late) if paid.days_late else "on time", "",
                ]
            )  # fmt: skip
            if paid.days_late:
                child.setForeground(8, NEGATIVE)
            top.addChild(child)
        for item in (top, *(top.child(k) for k in range(top.childCount()))):
            for column in HISTORY_RIGHT:
                item.setTextAlignment(column, RIGHT)
        items.append(top)
    return items


class CreditControlView(ReceivablesView):
    title = "Credit control"
    subtitle = (
        "Each customer's credit limit, exposure and what is overdue, and how quickly they pay. Select a "
        "customer for their receipts and the invoices each paid."
    )
    concerns = AR_CONCERNS

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.history_loader = Loader(self)
        self.all_rows: list[CreditStanding] = []
        self.shown_as_of: date | None = None
        self.history_customer: str | None = None
        self.model = CreditModel(self)

        self.refresh_button = QPushButton(icon("refresh"), "Refresh")
        self.refresh_button.setToolTip("Read the figures again")
        self.refresh_button.clicked.connect(self.refresh)
        self.header.add(self.refresh_button)
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.as_of = DateEdit(self.session.today())
        self.as_of.setToolTip(
            "Overdue amounts, days and the 12 months of payments are as of this day; exposure and available "
            "are as the books stand now (what the credit check of the next invoice sees)"
        )
        self.show_choice = choice_filter(*SHOW)
        self.show_choice.setObjectName("creditShow")
        self.search = QLineEdit()
        self.search.setPlaceholderText("code or name")
        self.filters.add("&As of", self.as_of)
        self.filters.add("S&how", self.show_choice)
        self.filters.add("&Search", self.search, 3)
        self.filters.finish()
        self.filters.changed.connect(self._filters_changed)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)

        self.table = make_table("creditTable", self.model, COLUMNS, stretch="name")
        self.table.selectionModel().currentRowChanged.connect(self._selected)

        # ---- the selected customer's payment history
        self.history_title = QLabel("Select a customer to see their receipts and the invoices each paid.")
        self.history_title.setObjectName("panelTitle")
        self.all_receipts = QCheckBox("All &receipts")
        self.all_receipts.setToolTip("Every receipt of the customer, not only those of the 12 months up to the day")
        self.all_receipts.toggled.connect(lambda _on: self._load_history())
        title_line = QHBoxLayout()
        title_line.addWidget(self.history_title, 1)
        title_line.addWidget(self.all_receipts)
        self.history = QTreeWidget()
        self.history.setObjectName("creditHistory")
        self.history.setColumnCount(len(HISTORY_HEADERS))
        self.history.setHeaderLabels(list(HISTORY_HEADERS))
        self.history.setAlternatingRowColors(True)
        self.history.setUniformRowHeights(True)
        head = self.history.headerItem()
        for column in range(len(HISTORY_HEADERS)):
            head.setTextAlignment(column, RIGHT if column in HISTORY_RIGHT else LEFT)
        for column, width in enumerate((190, 96, 96, 96, 120, 110, 54, 108, 90, 100)):
            self.history.setColumnWidth(column, width)
        self.history.header().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.history.header().setStretchLastSection(False)
        self.history_note = QLabel()
        self.history_note.setProperty("state", "muted")
        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(0, 6, 0, 0)
        panel_layout.addLayout(title_line)
        panel_layout.addWidget(self.history, 1)
        panel_layout.addWidget(self.history_note)

        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(panel)
        self.split.setChildrenCollapsible(False)
        self.split.setSizes([400, 260])
        self.body.addWidget(self.split, 1)
        self.count = QLabel()
        self.count.setObjectName("listCount")
        self.count.setWordWrap(True)
        self.body.addWidget(self.count)

    @property
    def service(self) -> CreditStandingQueries:
        return self.session.company.credit_standing(self.session.ctx)

    # ---- loading
    def refresh(self) -> None:
        service, as_of = self.service, self.as_of.value()
        self.count.setText("Reading the customers' credit standing…")
        set_state(self.count, "muted")
        self.loader.load(lambda: (as_of, service.overview(as_of)), self._apply)

    def _apply(self, result: tuple[date, list[CreditStanding]]) -> None:
        self.shown_as_of, self.all_rows = result
        self.apply_filter()
        self._load_history()

    def _filters_changed(self) -> None:
        if self.as_of.value() != self.shown_as_of:
            self.refresh()
        else:
            self.apply_filter()

    def apply_filter(self) -> None:
        keep = self.history_customer
        needle = self.search.text().strip().casefold()
        choice = self.show_choice.currentData()
        rows = [
            r
            for r in self.all_rows
            if shows(r, choice) and (not needle or needle in r.code.casefold() or needle in r.name.casefold())
        ]
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        self.table.selectionModel().blockSignals(False)
        if keep is not None and not self.select(keep):
            self.history_customer = None
            self._show_history(None, [])
        self._show_count(rows)

    def clear_filter(self) -> None:
        self.search.clear()
        self.show_choice.setCurrentIndex(0)
        self.apply_filter()

    def _show_count(self, rows: list[CreditStanding]) -> None:
        total = len(self.all_rows)
        if not total:
            self.count.setText("No active customers yet: add one under Master data > Customers.")
            set_state(self.count, "muted")
            return
        red = sum(1 for r in self.all_rows if r.on_hold or r.over_limit)
        overdue = sum(1 for r in self.all_rows if r.oldest_overdue_days is not None)
        shown = f"{total:,} customers" if len(rows) == total else f"{len(rows):,} of {total:,} customers shown"
        if not rows:
            shown = f"No customer matches the filter (of {total:,})"
        text = f"{shown} · {red} over the limit or on hold (red) · {overdue} with overdue invoices"
        text += f" · as of {self.shown_as_of}; exposure and available as the books stand now"
        self.count.setText(text)
        set_state(self.count, "bad" if red else "muted")

    def select(self, code: str) -> bool:
        for k, row in enumerate(self.model.rows):
            if row.code == code:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(k)
                self.table.selectionModel().blockSignals(False)
                return True
        return False

    def current(self) -> CreditStanding | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    # ---- the payment history
    def _selected(self, *_args: object) -> None:
        row = self.current()
        self.history_customer = row.code if row is not None else None
        self._load_history()

    def _load_history(self) -> None:
        code, as_of = self.history_customer, self.shown_as_of
        if code is None or as_of is None:
            self._show_history(None, [])
            return
        start = None if self.all_receipts.isChecked() else year_before(as_of)
        end = None if self.all_receipts.isChecked() else as_of
        service = self.service
        self.history_loader.load(lambda: (code, service.history(code, start, end)), self._history_loaded)

    def _history_loaded(self, result: tuple[str, list[ReceiptHistory]]) -> None:
        code, receipts = result
        if code == self.history_customer:
            self._show_history(code, receipts)

    def _show_history(self, code: str | None, receipts: list[ReceiptHistory]) -> None:
        self.history.clear()
        if code is None:
            self.history_title.setText("Select a customer to see their receipts and the invoices each paid.")
            self.history_note.setText("")
            return
        row = next((r for r in self.all_rows if r.code == code), None)
        name = f" {row.name}" if row is not None else ""
        span = "all receipts" if self.all_receipts.isChecked() else f"receipts of the 12 months to {self.shown_as_of}"
        self.history_title.setText(f"{code}{name} — {span}")
        self.history.addTopLevelItems(history_items(receipts))
        self.history.expandAll()
        if not receipts:
            self.history_note.setText(
                "No receipts in this period."
                + ("" if self.all_receipts.isChecked() else " Tick All receipts for older ones.")
            )
        else:
            self.history_note.setText(
                "Days to pay run from the invoice date to the day the receipt paid it; days late from the due date "
                "(on time: paid by the due date)."
            )

    # ---- export: the rows shown
    def file_stem(self) -> str:
        return f"credit-control-{self.shown_as_of}" if self.shown_as_of else "credit-control"

    def export_builder(self) -> ReportBuilder:
        from paksa_desktop.core.errors import ValidationError

        if self.loader.busy:
            raise ValidationError("the credit standing is still being read; try again in a moment")
        rows, company = self.model.rows, self.hub.info().name
        choice = self.show_choice.currentText()
        subtitle = f"as of {self.shown_as_of} · {choice.lower()}"
        if self.search.text().strip():
            subtitle += f" · text '{self.search.text().strip()}'"
        currency = rows[0].currency if rows and len({r.currency for r in rows}) == 1 else ""
        columns = (*COLUMNS, Col("why", "Why", lambda r: "; ".join(r.reasons)))

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(
                "Credit control", columns, rows, subtitle=subtitle, company=company, currency=currency, exponent=2
            )

        return build
