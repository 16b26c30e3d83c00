"""One account's posted lines with a running balance, fetched a page at a time as you scroll.

Pages follow a (date, line) cursor and carry the balance forward, so the view stays smooth on an
account with a million lines.

An account with foreign-currency lines in the range gets a Foreign amount column ("EUR 1,234.56", in the
currency's own decimals); one whose lines are all in one foreign currency (a foreign bank account) also
gets a running balance in that currency beside the base one. A base-only account shows neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.ledger.queries import LedgerCurrencies, LedgerLine, LedgerQueries
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report, ReportRow, RowStyle
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, PagedRowsModel
from ui.widgets.account_picker import AccountPicker
from ui.widgets.date_edit import OptionalDateEdit
from ui.widgets.export_button import ReportBuilder
from ui.widgets.filter_bar import FilterBar
from ui.widgets.tables import make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

PAGE = 500
EXPORT_PAGE = 5000

COLUMNS = (
    Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=95),
    Col("entry", "Entry", lambda r: r.number, width=150),
    Col("memo", "Memo", lambda r: r.memo),
    Col("department", "Dept.", lambda r: r.department, width=70),
    Col("project", "Project", lambda r: r.project, width=70),
    Col("debit", "Debit", lambda r: r.debit, ColumnKind.MONEY, blank_zero=True, width=120),
    Col("credit", "Credit", lambda r: r.credit, ColumnKind.MONEY, blank_zero=True, width=120),
    Col("balance", "Balance", lambda r: r.balance, ColumnKind.MONEY, width=130),
)


def foreign_text(line: LedgerLine) -> str:
    """'EUR 1,234.56' (credits in parentheses), in the currency's own decimals; '' for a base line."""
    if not line.currency or line.amount_cur is None:
        return ""
    return f"{line.currency} {money_text(line.amount_cur, currency_exponent(line.currency))}"


def ledger_columns(currencies: LedgerCurrencies | None) -> tuple[Col, ...]:
    """The base columns, and the foreign ones when the account has foreign lines."""
    if currencies is None or not (currencies.foreign or currencies.balance_currency):
        return COLUMNS
    extra = [Col("foreign", "Foreign amount", foreign_text, ColumnKind.MONEY, width=130)]
    code = currencies.balance_currency
    if code:
        places = currency_exponent(code)
        extra.append(
            Col(
                "balance_cur",
                f"Balance {code}",
                lambda r: r.balance_cur,
                ColumnKind.MONEY,
                width=120,
                places=lambda _r: places,
            )
        )
    # narrower figures so the memo keeps room for the one or two extra columns
    narrow = {"entry": 140, "debit": 110, "credit": 110, "balance": 120}
    base = [replace(c, width=narrow.get(c.key, c.width)) for c in COLUMNS]
    at = [c.key for c in base].index("balance")
    return (*base[:at], extra[0], base[at], *extra[1:])


class LedgerPager:
    """Cursor pages of LedgerQueries.account_ledger: each page starts where the last one ended."""

    def __init__(
        self,
        queries: LedgerQueries,
        account_id: int,
        start: date | None,
        end: date | None,
        page: int = PAGE,
        balance_currency: str | None = None,
    ) -> None:
        self.queries = queries
        self.account_id = account_id
        self.start = start
        self.end = end
        self.page = page
        self.balance_currency = balance_currency
        self.cursor: tuple[date, int] | None = None
        self.closing: Decimal | None = None
        self.opening: Decimal | None = None
        self.closing_cur: Decimal | None = None
        self.opening_cur: Decimal | None = None

    def next_page(self) -> tuple[Sequence[LedgerLine], bool]:
        page = self.queries.account_ledger(
            self.account_id,
            after=self.cursor,
            opening=self.closing,
            limit=self.page,
            start=self.start,
            end=self.end,
            balance_currency=self.balance_currency,
            opening_cur=self.closing_cur,
        )
        if self.opening is None:
            self.opening = page.opening
            self.opening_cur = page.opening_cur
        self.cursor = page.cursor
        self.closing = page.closing
        self.closing_cur = page.closing_cur
        return page.lines, page.cursor is not None


class AccountLedgerView(LedgerView):
    title = "Account ledger"
    subtitle = "Every posted line of one account with its running balance. Double-click a line to open its entry."
    concerns = frozenset({Kind.ENTRIES, Kind.ACCOUNTS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = PagedRowsModel(COLUMNS, exponent=hub.exponent, parent=self)
        self.account_id: int | None = None
        self.pager: LedgerPager | None = None
        self.currencies: LedgerCurrencies | None = None
        self.header.add(self.add_export_button())

        self.filters = FilterBar()
        self.account = AccountPicker()
        self.account.setMinimumWidth(320)
        self.start = OptionalDateEdit("beginning")
        self.end = OptionalDateEdit("today")
        self.filters.add("&Account", self.account, 3)
        self.filters.add("&From", self.start)
        self.filters.add("&To", self.end)
        self.filters.grid.setColumnStretch(3, 2)
        self.body.addWidget(self.filters)
        self.account.accountChosen.connect(lambda _code: self.load())
        self.filters.changed.connect(self.load)

        totals = QHBoxLayout()
        self.opening = QLabel()
        self.closing = QLabel()
        self.loaded = QLabel()
        self.loaded.setProperty("state", "muted")
        totals.addWidget(self.opening)
        totals.addSpacing(24)
        totals.addWidget(self.closing)
        totals.addStretch(1)
        totals.addWidget(self.loaded)
        self.body.addLayout(totals)

        self.table = make_table("accountLedgerTable", self.model, COLUMNS, stretch="memo")
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.body.addWidget(self.table, 1)
        self.model.rowsInserted.connect(self._show_loaded)
        self.model.modelReset.connect(self._show_loaded)
        self._show_loaded()

    # ---- loading
    def refresh(self) -> None:
        self.account.set_choices(self.hub.account_choices())
        if self.account_id is not None:
            choice = self.hub.account_choices().by_id(self.account_id)
            self.account.set_code(choice.code if choice else None)
        self.load()

    def show_account(self, account_id: int, start: date | None = None, end: date | None = None) -> None:
        """Drill-down entry point: this account, these dates."""
        self.account.set_choices(self.hub.account_choices())
        choice = self.hub.account_choices().by_id(account_id)
        self.account.set_code(choice.code if choice else None)
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.set_value(value)
            edit.blockSignals(False)
        self.stale = False
        self.load()

    def load(self) -> None:
        code = self.account.code()
        choice = self.hub.account_choices().by_code.get(code) if code else None
        if choice is None:
            self.account_id = None
            self.pager = None
            self.currencies = None
            self._set_columns(COLUMNS)
            self.model.set_pager(None)
            self.opening.setText("Choose an account: type its code or part of its name.")
            self.closing.setText("")
            return
        self.account_id = choice.id
        start, end = self.start.value(), self.end.value()
        queries = self.session.queries
        currencies = queries.ledger_currencies(choice.id, start, end)
        self.currencies = currencies
        code = currencies.balance_currency
        self._set_columns(ledger_columns(currencies))
        self.pager = LedgerPager(queries, choice.id, start, end, balance_currency=code)
        self.model.set_pager(self.pager)
        exp = self.hub.exponent
        opening = self.pager.opening or Decimal(0)
        in_cur = ""
        if code is not None:
            in_cur = f" ({code} {money_text(self.pager.opening_cur or Decimal(0), currency_exponent(code))})"
        self.opening.setText(
            f"Opening balance{f' on {start}' if start else ''}: <b>{money_text(opening, exp)}</b>{in_cur}"
        )
        self.closing.setText("Closing balance: …")
        account_id = choice.id

        def closing() -> tuple[Decimal, Decimal | None]:
            base = queries.account_balance(account_id, end)
            return base, None if code is None else queries.account_balance_cur(account_id, code, end)

        def show_closing(values: tuple[Decimal, Decimal | None]) -> None:
            base, foreign = values
            tail = (
                "" if code is None or foreign is None else f" ({code} {money_text(foreign, currency_exponent(code))})"
            )
            self.closing.setText(f"Closing balance{f' on {end}' if end else ''}: <b>{money_text(base, exp)}</b>{tail}")

        self.loader.load(closing, show_closing)

    def _set_columns(self, columns: Sequence[Col]) -> None:
        """Foreign columns come and go with the account; widths follow (the model resets on set_pager)."""
        if [c.key for c in self.model.columns] == [c.key for c in columns]:
            self.model.columns = list(columns)  # the same keys; the balance currency's title may differ
            self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(columns) - 1)
            return
        self.model.beginResetModel()
        self.model.columns = list(columns)
        self.model.endResetModel()
        header = self.table.horizontalHeader()
        for i, column in enumerate(columns):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            if column.width:
                self.table.setColumnWidth(i, column.width)
        header.setSectionResizeMode([c.key for c in columns].index("memo"), QHeaderView.ResizeMode.Stretch)

    def _show_loaded(self, *_args: object) -> None:
        count = self.model.rowCount()
        more = " — scroll for more" if self.model.has_more else ""
        self.loaded.setText(f"{count:,} line{'s' if count != 1 else ''} loaded{more}" if self.account_id else "")

    # ---- drill-down
    def open_current(self) -> None:
        self._open_index(self.table.currentIndex())

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.data(index, ROW_ROLE) if index.isValid() else None
        if row is not None:
            self.hub.open_entry(row.entry_id)

    # ---- export: the whole range, not just the pages on screen
    def export_builder(self) -> ReportBuilder:
        if self.account_id is None:
            raise ValidationError("choose an account first; the export is that account's ledger")
        queries = self.session.queries
        account_id = self.account_id or 0
        start, end = self.start.value(), self.end.value()
        info = self.hub.info()
        choice = self.hub.account_choices().by_id(account_id)
        label = self.hub.account_choices().label(choice.code) if choice else ""
        currencies = self.currencies
        columns = ledger_columns(currencies)
        code = currencies.balance_currency if currencies else None
        if code is not None and currency_exponent(code) > info.exponent:
            # a report has one scale (the base currency's): a balance with more decimals goes as exact text
            places = currency_exponent(code)
            columns = tuple(
                Col(c.key, c.title, lambda r: money_text(r.balance_cur, places), ColumnKind.MONEY, width=c.width)
                if c.key == "balance_cur"
                else c
                for c in columns
            )

        def build(progress: Progress, cancelled: IsCancelled) -> Report:
            pager = LedgerPager(queries, account_id, start, end, EXPORT_PAGE, balance_currency=code)
            rows: list[LedgerLine] = []
            more = True
            while more and not cancelled():
                page, more = pager.next_page()
                rows.extend(page)
                progress(len(rows), len(rows) + (EXPORT_PAGE if more else 0))
            opening = pager.opening or Decimal(0)
            closing = pager.closing if pager.closing is not None else opening
            subtitle = f"{start or 'beginning'} to {end or 'today'}; opening balance {opening}"
            closing_cur: Decimal | str | None = None
            if code is not None:
                subtitle += f" ({code} {pager.opening_cur or Decimal(0)})"
                closing_cur = pager.closing_cur if pager.closing_cur is not None else pager.opening_cur
                if closing_cur is not None and currency_exponent(code) > info.exponent:
                    closing_cur = money_text(closing_cur, currency_exponent(code))
            total = {
                "date": None,
                "memo": "Closing balance",
                "debit": sum((r.debit for r in rows), Decimal(0)),
                "credit": sum((r.credit for r in rows), Decimal(0)),
                "balance": closing,
                "balance_cur": closing_cur,
            }
            return rows_report(
                f"Account ledger {label}",
                columns,
                rows,
                subtitle=subtitle,
                company=info.name,
                currency=info.base_currency,
                exponent=info.exponent,
                totals=(ReportRow(tuple(total.get(c.key, "") for c in columns), style=RowStyle.TOTAL),),
            )

        return build

    def file_stem(self) -> str:
        choice = self.hub.account_choices().by_id(self.account_id or 0)
        return f"ledger-{choice.code}" if choice else "account-ledger"
