"""Fiscal years and periods: close and reopen periods, the lock date, new years, year-end closing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.ledger.models import PeriodState
from paksa_desktop.ledger.queries import PeriodRow
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.periods_model import PeriodsTreeModel, YearRow, build_years
from ui.style import icon
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import button_box, form, note, stack
from ui.widgets.export_button import ReportBuilder
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Progress


class LockDateDialog(QDialog):
    def __init__(self, current: date | None, suggested: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set lock date")
        self.date = DateEdit(current or suggested)
        stack(
            self,
            form(("&Lock date", self.date)),
            note(
                "Nothing can be posted on or before the lock date, whatever the state of its period. "
                "Use it once a period's figures have been reported."
            ),
            button_box(self),
        )
        self.setMinimumWidth(420)


class PeriodsView(LedgerView):
    title = "Periods"
    subtitle = "Close a period to stop postings into it; the lock date freezes everything up to a date."
    concerns = frozenset({Kind.PERIODS, Kind.COMPANY, Kind.ENTRIES})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        self.model = PeriodsTreeModel(self)
        can = self.session.can
        self.close_button = QPushButton("Close period")
        self.reopen_button = QPushButton("Reopen period")
        self.new_year_button = QPushButton(icon("add"), "New fiscal year")
        self.close_year_button = QPushButton("Year-end closing…")
        self.lock_button = QPushButton("Set lock date…")
        self.clear_lock_button = QPushButton("Clear lock date")
        for button in (
            self.close_button,
            self.reopen_button,
            self.new_year_button,
            self.close_year_button,
            self.lock_button,
            self.clear_lock_button,
        ):
            self.header.add(button)
        self.header.add(self.add_export_button())
        self.close_button.clicked.connect(self.close_selected)
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.new_year_button.clicked.connect(self.create_next_year)
        self.close_year_button.clicked.connect(self.close_year)
        self.lock_button.clicked.connect(lambda: self.set_lock_date())
        self.clear_lock_button.clicked.connect(self.clear_lock_date)
        self.permissions = {
            "close": can(Permission.PERIOD_CLOSE),
            "reopen": can(Permission.PERIOD_REOPEN),
            "lock": can(Permission.LOCK_DATE_SET),
        }

        self.lock_label = QLabel()
        self.lock_label.setObjectName("banner")
        self.lock_label.setWordWrap(True)
        self.body.addWidget(self.lock_label)

        self.tree = QTreeView()
        self.tree.setObjectName("periodsTree")
        self.tree.setModel(self.model)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.tree.setColumnWidth(column, 140)
        self.body.addWidget(self.tree, 1)
        self.tree.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # ---- loading
    def refresh(self) -> None:
        queries = self.session.queries
        years = build_years(queries.fiscal_years(), queries.periods())
        selected = [p.id for p in self.selected_periods()]
        self.model.set_years(years)
        today = self.session.today()
        for row, year in enumerate(years):
            if year.start_date <= today <= year.end_date or row == len(years) - 1:
                self.tree.expand(self.model.index(row, 0))
        self.select_periods(selected)
        lock = self.hub.info().lock_date
        if lock is None:
            self.lock_label.setText("No lock date: any date in an open period can be posted.")
        else:
            self.lock_label.setText(f"<b>Lock date {lock}</b>: nothing can be posted on or before it.")
        if not years:
            self.lock_label.setText(
                self.lock_label.text() + "  No fiscal year yet: it is created with the first posting, "
                "or with New fiscal year."
            )
        self._update_buttons()

    # ---- selection
    def selected_items(self) -> list[YearRow | PeriodRow]:
        items = []
        for index in self.tree.selectionModel().selectedIndexes():
            if index.column() != 0:
                continue
            item = self.model.item(index)
            if item is not None:
                items.append(item)
        return items

    def selected_periods(self) -> list[PeriodRow]:
        return [i for i in self.selected_items() if isinstance(i, PeriodRow)]

    def selected_year(self) -> YearRow | None:
        items = self.selected_items()
        if not items:
            return None
        first = items[0]
        if isinstance(first, YearRow):
            return first
        return next((y for y in self.model.years if first in y.periods), None)

    def select_period(self, period_id: int) -> None:
        index = self.model.index_of_period(period_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def select_periods(self, period_ids: list[int]) -> None:
        """Select several periods at once (as with Ctrl+click), e.g. to close a quarter."""
        selection = self.tree.selectionModel()
        selection.clearSelection()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for period_id in period_ids:
            index = self.model.index_of_period(period_id)
            if index.isValid():
                selection.select(index, flags)

    def _update_buttons(self, *_args: object) -> None:
        periods = self.selected_periods()
        self.close_button.setEnabled(self.permissions["close"] and any(p.state is PeriodState.OPEN for p in periods))
        self.reopen_button.setEnabled(
            self.permissions["reopen"] and any(p.state is PeriodState.CLOSED for p in periods)
        )
        self.new_year_button.setEnabled(self.permissions["close"])
        self.close_year_button.setEnabled(self.permissions["close"] and self.selected_year() is not None)
        self.lock_button.setEnabled(self.permissions["lock"])
        self.clear_lock_button.setEnabled(self.permissions["lock"] and self.hub.info().lock_date is not None)

    # ---- actions
    def _each(self, periods: list[PeriodRow], state: PeriodState, verb: str) -> None:
        ledger = self.session.ledger
        changes = Changes()
        done = 0
        for period in periods:
            if period.state is state:
                continue
            action = ledger.close_period if state is PeriodState.CLOSED else ledger.reopen_period
            result = attempt(self, lambda p=period, a=action: a(p.id))
            if result is None:
                break
            changes |= result
            done += 1
        self.hub.broadcast(changes)
        if done:
            notify(self, f"{verb} {done} period{'s' if done != 1 else ''}")

    def close_selected(self) -> None:
        self._each(self.selected_periods(), PeriodState.CLOSED, "Closed")

    def reopen_selected(self) -> None:
        self._each(self.selected_periods(), PeriodState.OPEN, "Reopened")

    def create_next_year(self) -> None:
        years = self.model.years
        day = years[-1].end_date + timedelta(days=1) if years else self.session.today()
        ledger = self.session.ledger
        changes = attempt(self, lambda: ledger.ensure_fiscal_year(day))
        self.hub.broadcast(changes)
        if changes:
            notify(self, f"Created the fiscal year starting {day}")

    def close_year(self) -> None:
        year = self.selected_year()
        if year is None:
            return
        answer = QMessageBox.question(
            self,
            "Year-end closing",
            f"Post the year-end closing entry for fiscal year {year.name}, dated {year.end_date}?\n\n"
            "It moves every income and expense balance of the year into retained earnings.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ledger = self.session.ledger
        result = attempt(self, lambda: ledger.close_year(year.id))
        if result is None:
            return
        ref, changes = result
        self.hub.broadcast(changes)
        if ref is None:
            QMessageBox.information(
                self,
                "Year-end closing",
                f"Nothing to close: fiscal year {year.name} has no income or expense balances.",
            )
        else:
            QMessageBox.information(
                self, "Year-end closing", f"Posted the closing entry {ref.number} for fiscal year {year.name}."
            )

    def set_lock_date(self, day: date | None = None) -> None:
        if day is None:
            today = self.session.today()
            dialog = LockDateDialog(self.hub.info().lock_date, today.replace(day=1) - timedelta(days=1), self)
            if not dialog.exec():
                return
            day = dialog.date.value()
        ledger = self.session.ledger
        chosen = day
        changes = attempt(self, lambda: ledger.set_lock_date(chosen))
        self.hub.broadcast(changes)

    def clear_lock_date(self) -> None:
        ledger = self.session.ledger
        self.hub.broadcast(attempt(self, lambda: ledger.set_lock_date(None)))

    # ---- export
    def export_builder(self) -> ReportBuilder:
        years = self.model.years
        info = self.hub.info()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return Report(
                "Periods",
                (
                    Column("fiscal_year", "Fiscal year"),
                    Column("period", "Period", ColumnKind.INTEGER),
                    Column("start", "Start", ColumnKind.DATE),
                    Column("end", "End", ColumnKind.DATE),
                    Column("state", "State"),
                ),
                tuple(
                    ReportRow((y.name, p.number, p.start_date, p.end_date, p.state.value))
                    for y in years
                    for p in y.periods
                ),
                subtitle=f"lock date {info.lock_date}" if info.lock_date else "no lock date",
                company=info.name,
            )

        return build
