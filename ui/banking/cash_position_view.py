"""The cash position: what is in the bank on a day, account by account, by currency and in base.

The figures are `CashPositionQueries.report` (the same report `paksa cash position` prints), computed on
a worker thread and shown through the shared report model, so screen, Print, PDF, Excel and CSV agree.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from paksa_desktop.audit.service import AuditService
from paksa_desktop.core.changes import Kind
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.receivables.report_screen import ReportScreen
from ui.style import set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.filter_bar import FilterBar

# Bank lines (uncleared), accounts, and anything posted to a bank GL account move the position
CASH_CONCERNS = frozenset({Kind.BANK_LINES, Kind.BANK_ACCOUNTS, Kind.ENTRIES, Kind.RECEIPTS, Kind.COMPANY})


class CashReportScreen(ReportScreen):
    """A report screen of the Cash & Banking tab: exports and prints are audited under `cash.view`."""

    concerns = CASH_CONCERNS

    def audit_export(self, path: Path, count: int) -> None:
        AuditService(self.session.company.engine, self.session.ctx).record_export(
            self.file_stem(), path, count, permission=Permission.CASH_VIEW
        )

    def audit_print(self, pages: int, printer: str) -> None:
        service = AuditService(self.session.company.engine, self.session.ctx)
        stem = self.file_stem()
        attempt(self, lambda: service.record_print(stem, pages, permission=Permission.CASH_VIEW, printer=printer))


class CashPositionView(CashReportScreen):
    title = "Cash position"
    subtitle = "What is in the bank on a day: each account's GL balance, its last statement and what is uncleared."
    stretch = "account"

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.shown_day = None
        self.add_report_buttons()
        self.filters = FilterBar()
        self.as_of = DateEdit(self.session.today())
        self.as_of.setToolTip("The position at the end of this day (any past day too)")
        self.filters.add("&As of", self.as_of)
        self.filters.grid.setColumnStretch(1, 1)
        self.filters.changed.connect(self.refresh)
        self.body.addWidget(self.filters)
        self.table = self.report_table("cashPositionTable")
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.status)

    def refresh(self) -> None:
        day = self.as_of.value()
        queries = self.session.company.cash_position(self.session.ctx)
        self.status.setText("Calculating…")
        set_state(self.status, "muted")
        job = self.loader.load(lambda: queries.report(day), self._apply)
        job.failed.connect(lambda _error: self._failed())  # the Loader shows the message itself

    def _failed(self) -> None:
        if not self.loader.busy:
            self.status.setText("Not calculated: a rate may be missing for the day (see the message)")
            set_state(self.status, "bad")

    def _apply(self, report: Report) -> None:
        self.shown_day = report.meta["day"]
        self.model.set_report(report)
        self.table.fitter.fit(report, self.stretch)  # type: ignore[attr-defined]
        if not report.rows:
            self.status.setText("No active bank accounts: add one under Bank accounts.")
            set_state(self.status, "muted")
            return
        uncleared = sum(int(r.cells[report.column_index("uncleared_count")] or 0) for r in report.rows)
        total = report.totals[-1].cells[report.column_index("base_balance")]
        count = len(report.rows)
        text = f"{count} account{'s' if count != 1 else ''} · total {money_text(total, report.exponent)} "
        text += f"{report.currency} · {uncleared} uncleared line{'s' if uncleared != 1 else ''}"
        self.status.setText(text)
        set_state(self.status, "muted" if uncleared else "ok")  # uncleared lines are routine, not an error

    def file_stem(self) -> str:
        return f"cash-position-{self.shown_day}" if self.shown_day else "cash-position"
