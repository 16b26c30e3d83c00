"""Statement lines: one account's imported lines, filtered by dates and status, with totals and Export;
Create rule from line (R) opens the bank rule form filled from the selected line."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from paksa_desktop.banking.accounts import BankAccountRow, BankLineRow
from paksa_desktop.banking.models import LineStatus
from paksa_desktop.core.changes import Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.reporting.model import Cell, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.permissions import Permission
from ui.banking.base_view import BankingView, bank_queries
from ui.banking.rules_view import open_rule_from_line
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import icon
from ui.widgets.date_edit import OptionalDateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table
from ui.workers import IsCancelled, Loader, Progress

COLUMNS = (
    Col("booked", "Date", lambda r: r.booked, ColumnKind.DATE, width=96),
    Col("amount", "Amount", lambda r: r.amount, ColumnKind.MONEY, width=120),
    Col("description", "Description", lambda r: r.description or r.counterparty),
    Col("reference", "Reference", lambda r: r.reference, width=190),
    Col("bank_id", "Bank id", lambda r: r.bank_id, width=150),
    Col("status", "Status", lambda r: r.status.value, width=110),
)


class StatementLinesView(BankingView):
    title = "Statement lines"
    subtitle = "The lines imported from the bank's statements, by booking date. Choose the account and filter."
    concerns = frozenset({Kind.BANK_LINES, Kind.BANK_ACCOUNTS})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.accounts: list[BankAccountRow] = []
        self.exponent = 2
        self.model = RowsTableModel(COLUMNS, parent=self)
        if self.session.can(Permission.CASH_STATEMENT_IMPORT) and self.session.can(Permission.CASH_VIEW):
            self.import_button = QPushButton(icon("import"), "Import statement…")
            self.import_button.clicked.connect(self.import_statement)
            self.header.add(self.import_button)
        self.rule_button = QPushButton(icon("add"), "Create rule from line…")
        self.rule_button.clicked.connect(self.rule_from_line)
        self.can_rule = self.session.can(Permission.CASH_ACCOUNT_MANAGE)
        self.rule_button.setToolTip(
            "Open the bank rule form filled from the selected line (R)"
            if self.can_rule
            else "Your role cannot create bank rules (cash.account.manage)."
        )
        self.header.add(self.rule_button)
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.account = QComboBox()
        self.account.setMinimumContentsLength(18)
        self.start = OptionalDateEdit()
        self.end = OptionalDateEdit()
        self.status = QComboBox()
        self.status.addItem("All", None)
        for status in LineStatus:
            self.status.addItem(status.value.capitalize(), status.value)
        self.filters.add("&Account", self.account, 2)
        self.filters.add("&From", self.start)
        self.filters.add("&To", self.end)
        self.filters.add("Stat&us", self.status)
        self.filters.finish()
        self.filters.changed.connect(self.load_lines)
        self.filters.clear_button.clicked.connect(self.clear_filter)
        self.body.addWidget(self.filters)
        self.table = make_table("bankLinesTable", self.model, COLUMNS, stretch="description")
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.rule_key = QShortcut(QKeySequence("R"), self.table, self.rule_from_line)
        self.rule_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.body.addWidget(self.table, 1)
        self.totals = QLabel()
        self.totals.setObjectName("linesTotals")
        self.body.addWidget(self.totals)
        self._update_buttons()

    def current(self) -> BankLineRow | None:
        index = self.table.currentIndex()
        return self.model.data(index, ROW_ROLE) if index.isValid() else None

    def _update_buttons(self, *_args: object) -> None:
        self.rule_button.setEnabled(self.can_rule and self.current() is not None)

    def rule_from_line(self) -> None:
        row = self.current()
        if row is not None and self.can_rule:
            open_rule_from_line(self, self.hub, row.id)

    # ---- loading: the accounts, then the chosen account's lines
    def refresh(self) -> None:
        queries = bank_queries(self.session)
        self.loader.load(queries.accounts, self._accounts_loaded)

    def _accounts_loaded(self, accounts: list[BankAccountRow]) -> None:
        self.accounts = accounts
        chosen = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        for a in accounts:
            self.account.addItem(f"{a.name} ({a.currency})" + ("" if a.is_active else " – inactive"), a.name)
        self.account.setCurrentIndex(max(0, self.account.findData(chosen)))
        self.account.blockSignals(False)
        self.load_lines()

    def chosen(self) -> BankAccountRow | None:
        name = self.account.currentData()
        return next((a for a in self.accounts if a.name == name), None)

    def load_lines(self) -> None:
        account = self.chosen()
        if account is None:
            self.model.set_rows([])
            self.totals.setText("No bank accounts yet: add one under Bank accounts, then import its statements.")
            self.totals.setProperty("state", "muted")
            return
        queries, start, end, status = bank_queries(self.session), self.start.value(), self.end.value(), None
        status = self.status.currentData()
        name = account.name
        self.loader.load(lambda: queries.lines(name, start=start, end=end, status=status), self._lines_loaded)

    def _lines_loaded(self, rows: list[BankLineRow]) -> None:
        account = self.chosen()
        self.exponent = currency_exponent(account.currency) if account else 2
        self.model.exponent = self.exponent
        self.model.set_rows(rows)
        self._update_buttons()
        if not rows:
            self.totals.setText(
                "No lines match the filter." if self.filtered() else "No statements imported into this account yet."
            )
            return
        money_in = sum((r.amount for r in rows if r.amount > 0), Decimal(0))
        money_out = sum((r.amount for r in rows if r.amount < 0), Decimal(0))
        currency = account.currency if account else ""

        def shown(amount: Decimal) -> str:
            text_ = f"{abs(amount).quantize(Decimal(1).scaleb(-self.exponent)):,}"
            return f"({text_})" if amount < 0 else text_

        count = f"{len(rows):,} line" + ("" if len(rows) == 1 else "s")
        self.totals.setText(  # separated by " · " like the Payables status lines
            f"{count} · in {shown(money_in)} {currency} · out {shown(-money_out)} {currency}"
            f" · net {shown(money_in + money_out)} {currency}"
        )

    def filtered(self) -> bool:
        return self.start.value() is not None or self.end.value() is not None or self.status.currentData() is not None

    def clear_filter(self) -> None:
        for field in (self.start, self.end):
            field.blockSignals(True)
            field.clear_value()
            field.blockSignals(False)
        self.status.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.status.blockSignals(False)
        self.load_lines()

    def import_statement(self) -> None:
        from ui.banking.import_wizard import ImportWizard

        account = self.chosen()
        if account is None or not account.is_active:
            from paksa_desktop.core.errors import ValidationError
            from ui.errors import show_error

            show_error(self, ValidationError("Choose an active bank account to import into."), title="Import statement")
            return
        wizard = ImportWizard(self.hub, account, self)
        self.last_wizard = wizard
        wizard.exec()
        wizard.deleteLater()

    # ---- export: the lines shown, with their totals
    def describe_filter(self) -> str:
        account = self.chosen()
        words = [f"account {account.name}" if account else "no account"]
        if self.start.value():
            words.append(f"from {self.start.value()}")
        if self.end.value():
            words.append(f"to {self.end.value()}")
        if self.status.currentData():
            words.append(f"status {self.status.currentData()}")
        return ", ".join(words)

    def export_builder(self) -> ReportBuilder:
        rows, subtitle, company = self.model.rows, self.describe_filter(), self.hub.info().name
        account, exponent = self.chosen(), self.exponent
        currency = account.currency if account else ""

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            net: Cell = sum((r.amount for r in rows), Decimal(0))
            total = ReportRow((None, net, f"Total of {len(rows)} line(s)", "", "", ""), style=RowStyle.TOTAL)
            return rows_report(
                "Statement lines",
                COLUMNS,
                rows,
                subtitle=subtitle,
                company=company,
                currency=currency,
                exponent=exponent,
                totals=(total,),
            )

        return build
