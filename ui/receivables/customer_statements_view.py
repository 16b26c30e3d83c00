"""Customer statements: choose the day (and, for an activity statement, where it starts), see the list of
statements that will be produced, preview one, and save them all as PDFs, one file per customer.

The statements are `CustomerStatements.statement(s)`, the same as `paksa ar statements`: without an
"activity from" day each lists the customer's open items; with one, the opening balance, everything that
moved the balance since, and the closing balance. All customers means every customer with something
open on the day (owing, or holding credit). Reading them and writing the PDFs run on worker threads.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMessageBox, QPushButton, QWidget

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.receivables.statements import CustomerStatement, CustomerStatements
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.receivables.base_view import ReceivablesView
from ui.receivables.fields import fill_customers
from ui.receivables.report_screen import AR_CONCERNS
from ui.style import icon, set_state
from ui.widgets.date_edit import DateEdit, OptionalDateEdit
from ui.widgets.export_button import ReportBuilder, default_export_dir
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.widgets.tables import make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress, run_with_progress

ALL = None  # the customer choice "all customers with a balance"


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One currency section of one statement: what the list shows (a customer in two currencies has two)."""

    index: int  # the statement's position in the list read
    customer: str
    name: str
    currency: str
    opening: Decimal | None  # activity statements only
    lines: int
    closing: Decimal


def statement_rows(statements: list[CustomerStatement]) -> list[StatementRow]:
    rows = []
    for index, st in enumerate(statements):
        for section in st.sections:
            opening = from_minor(section.opening, section.exponent) if st.start else None
            closing = from_minor(section.closing, section.exponent)
            rows.append(
                StatementRow(index, st.customer, st.name, section.currency, opening, len(section.lines), closing)
            )
    return rows


def _places(row: StatementRow) -> int:
    return currency_exponent(row.currency)


COLUMNS = (
    Col("customer", "Customer", lambda r: r.customer, width=110),
    Col("name", "Name", lambda r: r.name),
    Col("currency", "Currency", lambda r: r.currency, width=80),
    Col("opening", "Opening balance", lambda r: r.opening, ColumnKind.MONEY, width=130, places=_places),
    Col("lines", "Lines", lambda r: r.lines, ColumnKind.INTEGER, width=70),
    Col("closing", "Closing balance", lambda r: r.closing, ColumnKind.MONEY, width=130, places=_places),
)


@dataclass(frozen=True, slots=True)
class StatementsRequest:
    as_of: date
    start: date | None
    customer: str | None

    def fetch(self, service: CustomerStatements) -> list[CustomerStatement]:
        if self.start is not None and self.start > self.as_of:
            raise ValidationError(f"the activity starts on {self.start}, after the statement's day {self.as_of}")
        if self.customer is ALL:
            return service.statements(self.as_of, self.start)
        return [service.statement(self.customer, self.as_of, self.start)]


class CustomerStatementsView(ReceivablesView):
    title = "Statements"
    subtitle = "Statements of account for your customers. Open previews one; Save PDFs… writes one file per customer."
    concerns = AR_CONCERNS

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.statements: list[CustomerStatement] = []
        self.shown: StatementsRequest | None = None
        self.opened: list[Path] = []  # previews written, for the tests (the temp folder is the system's)
        self.written: list[Path] = []  # the last Save PDFs…
        self.model = RowsTableModel(COLUMNS, exponent=hub.exponent, parent=self)

        self.open_button = QPushButton(icon("statements"), "Open")
        self.open_button.setToolTip("Preview the selected customer's statement as a PDF (Enter)")
        self.open_button.clicked.connect(self.open_current)
        self.save_button = QPushButton(icon("export"), "Save PDFs…")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Write every statement listed as a PDF, one file per customer, into a folder")
        self.save_button.clicked.connect(self.choose_folder_and_save)
        refresh = QPushButton(icon("refresh"), "Refresh")
        refresh.clicked.connect(self.refresh)
        for button in (self.open_button, self.save_button, refresh, self.add_export_button()):
            self.header.add(button)
        self.export_button.setToolTip("Export the list of statements to Excel, CSV or PDF")

        self.filters = FilterBar()
        self.as_of = DateEdit(self.session.today())
        self.start = OptionalDateEdit("open items")
        self.start.setToolTip(
            "Empty: each statement lists what is open on the day. A day: the activity since then, "
            "from the opening balance to the closing balance"
        )
        self.start.setMinimumWidth(120)
        self.customer = QComboBox()
        self.customer.setMinimumContentsLength(24)
        self.filters.add("&As of", self.as_of)
        self.filters.add("Activity &from", self.start)
        self.filters.add("C&ustomer", self.customer)
        self.filters.grid.setColumnStretch(3, 1)
        self.filters.changed.connect(self.refresh)
        self.body.addWidget(self.filters)

        self.table = make_table("statementsTable", self.model, COLUMNS, stretch="name")
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("listCount")
        self.status.setWordWrap(True)
        self.body.addWidget(self.status)
        self._update_buttons()

    @property
    def service(self) -> CustomerStatements:
        return self.session.company.customer_statements(self.session.ctx)

    def request(self) -> StatementsRequest:
        return StatementsRequest(self.as_of.value(), self.start.value(), self.customer.currentData())

    # ---- loading
    def reload(self) -> None:
        self._fill_customers()
        super().reload()

    def _fill_customers(self) -> None:
        customers = self.session.receivables_queries.customers()
        chosen = self.customer.currentData()
        fill_customers(self.customer, customers, chosen, first=("All customers with a balance", ALL))

    def refresh(self) -> None:
        request = self.request()
        service = self.service
        self.status.setText("Reading the statements…")
        set_state(self.status, "muted")
        job = self.loader.load(lambda: request.fetch(service), lambda found: self._apply(request, found))
        job.failed.connect(lambda _error: self._failed())

    def _failed(self) -> None:
        if not self.loader.busy:
            self.statements, self.shown = [], None
            self.model.set_rows([])
            self.status.setText("No statements: change the options above")
            set_state(self.status, "bad")
            self._update_buttons()

    def _apply(self, request: StatementsRequest, statements: list[CustomerStatement]) -> None:
        self.shown = request
        self.statements = statements
        self.model.set_rows(statement_rows(statements))
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.setColumnHidden(3, request.start is None)  # an open-items statement has no opening balance
        self._show_status()
        self._update_buttons()

    def _show_status(self) -> None:
        request, count = self.shown, len(self.statements)
        if request is None:
            return
        kind = "activity statements" if request.start else "open-items statements"
        if not count:
            self.status.setText(
                f"No customer has anything open on {request.as_of}: there is no statement to produce. "
                "Choose one customer to produce theirs anyway."
            )
            set_state(self.status, "muted")
            return
        period = f"from {request.start} to {request.as_of}" if request.start else f"as of {request.as_of}"
        totals: dict[str, Decimal] = {}
        for row in self.model.rows:
            totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.closing
        owed = ", ".join(f"{c} {money_text(v, currency_exponent(c))}" for c, v in sorted(totals.items()))
        plural = kind if count != 1 else kind[:-1]
        self.status.setText(f"{count} {plural} {period} · closing balances {owed}")
        set_state(self.status, "muted")

    def _update_buttons(self, *_args: object) -> None:
        self.open_button.setEnabled(self.current() is not None)
        self.save_button.setEnabled(bool(self.statements))

    def current(self) -> CustomerStatement | None:
        index = self.table.currentIndex()
        row: StatementRow | None = self.model.data(index, ROW_ROLE) if index.isValid() else None
        return self.statements[row.index] if row is not None and row.index < len(self.statements) else None

    # ---- preview one
    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_current()

    def open_current(self) -> None:
        """Write the selected statement to a temporary PDF and hand it to the desktop's PDF viewer."""
        statement = self.current()
        if statement is None:
            return
        service = self.service
        folder = Path(tempfile.mkdtemp(prefix="paksa-statement-"))

        def work(_progress: Progress, _cancelled: IsCancelled) -> Path:
            return service.write_pdfs([statement], folder)[0]

        run_with_progress(self, "Statement", f"Preparing the statement of {statement.customer}…", work, self._show_pdf)

    def _show_pdf(self, path: Path) -> None:
        self.opened.append(path)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # ---- save them all
    def choose_folder_and_save(self) -> None:
        if not self.statements:
            return
        chosen = QFileDialog.getExistingDirectory(self, "Save statements to folder", str(default_export_dir()))
        if chosen:
            self.save_pdfs(Path(chosen))

    def save_pdfs(self, folder: Path) -> Any:
        """Write one PDF per statement listed into `folder`, with progress and Cancel; then say what was written."""
        statements, service = list(self.statements), self.service
        if not statements:
            return None

        def work(progress: Progress, cancelled: IsCancelled) -> list[Path]:
            return service.write_pdfs(statements, folder, progress=progress, cancelled=cancelled)

        def done(paths: list[Path]) -> None:
            self.written = paths
            count = len(paths)
            text = f"Wrote {count} statement PDF{'s' if count != 1 else ''} to {folder}."
            if count < len(statements):
                text = f"Cancelled after {count} of {len(statements)} statements. " + text
            notify(self, text)
            QMessageBox.information(self, "Statements", text)

        return run_with_progress(
            self,
            "Statements",
            f"Writing {len(statements)} statement{'s' if len(statements) != 1 else ''} to {folder}…",
            work,
            done,
            on_cancelled_result=done,
        )

    # ---- export: the list shown
    def export_builder(self) -> ReportBuilder:
        request = self.shown
        if self.loader.busy or request is None:
            raise ValidationError("the statements are still being read; try again in a moment")
        rows, info = self.model.rows, self.hub.info()
        columns = [c for c in COLUMNS if request.start is not None or c.key != "opening"]
        subtitle = f"from {request.start} to {request.as_of}" if request.start else f"open items as of {request.as_of}"

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(
                "Customer statements", columns, rows, subtitle=subtitle, company=info.name, exponent=info.exponent
            )

        return build

    def file_stem(self) -> str:
        return f"statements-{self.shown.as_of}" if self.shown else "statements"
