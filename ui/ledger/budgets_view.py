"""Budgets: choose a budget, a fiscal year and optionally a department or project; type the months.

Edits stay in the grid (changed cells tinted) until Save writes them all in one transaction; leaving
the view, changing the selection or closing the window with unsaved changes asks first. Users without
`ledger.budget.manage` see the same grid read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLabel, QMenu, QMessageBox, QPushButton

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.periods import FiscalYearSpan, fiscal_year_containing
from paksa_desktop.ledger.budget_files import COLUMNS
from paksa_desktop.ledger.budgets import BudgetGrid, BudgetImportResult, CopyResult
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.ledger.budget_dialogs import BudgetNameDialog, CopyActualsDialog, year_choices
from ui.models.budget_grid_model import BudgetGridModel, BudgetTotalsModel
from ui.style import icon, set_state
from ui.widgets.budget_grid import BudgetTable, TotalsTable, under_grid
from ui.widgets.choices import fill_codes
from ui.widgets.export_button import default_export_dir
from ui.widgets.filter_bar import FilterBar
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Job, Loader, Progress, run_with_progress

FILE_FILTER = "Spreadsheets (*.csv *.xlsx);;CSV files (*.csv);;Excel workbooks (*.xlsx)"
NO_DIMENSION = "— none —"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the grid shows: a budget, a fiscal year and the dimension cells."""

    budget: str | None
    year_start: date
    department: str | None
    project: str | None


def _dimensions(grid: BudgetGrid) -> list[str]:
    """'department SALES', 'project WEB': the dimension cells a grid shows."""
    return [f"{label} {code}" for label, code in (("department", grid.department), ("project", grid.project)) if code]


class BudgetsView(LedgerView):
    title = "Budgets"
    subtitle = (
        "Monthly amounts per account. Revenue, liabilities and equity are entered as positive credits, expenses and "
        "assets as positive debits. Type in a month, or in Total to spread a year evenly; Ctrl+S saves."
    )
    concerns = frozenset({Kind.BUDGETS, Kind.ACCOUNTS, Kind.DIMENSIONS})

    def __init__(self, hub: Hub, parent: Any = None) -> None:
        super().__init__(hub, parent)
        can = self.session.can
        self.can_manage = can(Permission.BUDGET_MANAGE)
        self.loader = Loader(self)
        self.model = BudgetGridModel(self)
        self.model.read_only = not self.can_manage
        self.totals_model = BudgetTotalsModel(self.model, self)
        self.shown: Selection | None = None

        self.new_button = QPushButton(icon("add"), "New budget…")
        self.copy_button = QPushButton("Copy from actuals…")
        self.import_button = QPushButton(icon("import"), "Import…")
        self.export_button = QPushButton(icon("export"), "Export…")
        self.more_button = QPushButton("More")
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        menu = QMenu(self.more_button)
        self.rename_action = menu.addAction("Rename budget…", self.rename_budget)
        self.describe_action = menu.addAction("Edit description…", self.describe_budget)
        self.delete_action = menu.addAction("Delete budget…", self.delete_budget)
        menu.addSeparator()
        self.discard_action = menu.addAction("Discard unsaved changes", self.discard)
        self.more_button.setMenu(menu)
        for button in (
            self.new_button,
            self.copy_button,
            self.import_button,
            self.export_button,
            self.more_button,
            self.save_button,
        ):
            self.header.add(button)
        self.new_button.clicked.connect(self.new_budget)
        self.copy_button.clicked.connect(self.copy_from_actuals)
        self.import_button.clicked.connect(lambda: self.choose_and_import())
        self.export_button.clicked.connect(lambda: self.choose_and_export())
        self.save_button.clicked.connect(self.save)
        self.can_export = can(Permission.LEDGER_EXPORT)

        info = hub.info()
        today = self.session.today()
        self.filters = FilterBar()
        self.budget = QComboBox()
        self.budget.setMinimumWidth(220)
        self.year = QComboBox()
        self.years: list[FiscalYearSpan] = []
        self._fill_years(fiscal_year_containing(today, info.fiscal_year_start_month).start)
        self.department = QComboBox()
        self.project = QComboBox()
        self.balance_sheet = QCheckBox("Balance sheet accounts")
        self.filters.add("&Budget", self.budget, 1)
        self.filters.add("Fiscal &year", self.year)
        self.filters.add("&Department", self.department, 1)
        self.filters.add("Pro&ject", self.project, 1)
        self.filters.add(" ", self.balance_sheet)
        self.body.addWidget(self.filters)
        self.filters.changed.connect(self.selection_changed)
        self.balance_sheet.toggled.connect(self.model.set_show_balance_sheet)

        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.body.addWidget(self.banner)
        self.table = BudgetTable(self.model)
        self.totals = TotalsTable(self.totals_model, self.table)
        self.body.addWidget(self.table, 1)
        self.body.setSpacing(8)
        self.body.addWidget(under_grid(self.totals, self.table))
        self.status = QLabel()
        self.body.addWidget(self.status, 0, Qt.AlignmentFlag.AlignLeft)

        save = QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.model.dirtyChanged.connect(self._update_state)
        self.model.totalsChanged.connect(self._update_state)
        self.model.modelReset.connect(self._sync_balance_sheet)
        self._update_state()

    # ---- what is shown
    def selection(self) -> Selection:
        return Selection(
            self.budget.currentData(),
            self.year_span().start,
            self.department.currentData(),
            self.project.currentData(),
        )

    def year_span(self) -> FiscalYearSpan:
        return self.years[max(0, self.year.currentIndex())]

    def _fill_years(self, chosen: date) -> None:
        """From the first fiscal year with postings (actuals to copy) to two years ahead (budgets to make)."""
        today = self.session.today()
        first = min((p.start_date for p in self.session.queries.periods()), default=today)
        self.years = year_choices(self.hub.info().fiscal_year_start_month, first, today, 2)
        self.year.blockSignals(True)
        self.year.clear()
        for span in self.years:
            self.year.addItem(span.name, span.start.isoformat())  # ISO text: Qt would turn a date into a QDate
        self.year.setCurrentIndex(max(0, self.year.findData(chosen.isoformat())))
        self.year.blockSignals(False)

    def _fill_choices(self) -> None:
        self._fill_years(self.year_span().start)
        queries = self.session.queries
        rows = self.session.budget_queries.budgets()
        chosen = self.budget.currentData()
        self.budget.blockSignals(True)
        self.budget.clear()
        for row in rows:
            self.budget.addItem(row.name, row.name)
            self.budget.setItemData(self.budget.count() - 1, row.description or None, Qt.ItemDataRole.ToolTipRole)
        found = self.budget.findData(chosen) if chosen is not None else -1
        self.budget.setCurrentIndex(found if found >= 0 else (0 if rows else -1))
        self.budget.blockSignals(False)
        fill_codes(self.department, queries.departments(), first=NO_DIMENSION)
        fill_codes(self.project, queries.projects(), first=NO_DIMENSION)

    def on_changes(self, changes: Changes) -> None:
        """Never reload over unsaved edits: a change elsewhere is picked up after Save or Discard."""
        if self.model.dirty and self.concerns & changes.kinds:
            self.stale = True
            return
        super().on_changes(changes)

    def reload(self) -> None:
        self._fill_choices()
        super().reload()

    def refresh(self) -> None:
        selection = self.selection()
        self.shown = selection
        if selection.budget is None:
            self.model.set_grid(None)
            self._update_state()
            return
        queries = self.session.budget_queries
        self.status.setText("Loading…")
        set_state(self.status, "muted")

        def fetch() -> BudgetGrid:
            assert selection.budget is not None
            return queries.grid(selection.budget, selection.year_start, selection.department, selection.project)

        self.loader.load(fetch, self._apply)

    def _apply(self, grid: BudgetGrid) -> None:
        self.model.set_grid(grid)
        self._update_state()

    def selection_changed(self) -> None:
        """Budget, year or dimension chosen: keep unsaved edits unless the user lets them go."""
        if self.shown is not None and self.selection() != self.shown and not self.confirm_leave():
            self._select(self.shown)
            return
        self.refresh()

    def _select(self, selection: Selection) -> None:
        for combo, value in (
            (self.budget, selection.budget),
            (self.year, selection.year_start.isoformat()),
            (self.department, selection.department),
            (self.project, selection.project),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    def _sync_balance_sheet(self) -> None:
        self.balance_sheet.blockSignals(True)
        self.balance_sheet.setChecked(self.model.show_balance_sheet)
        self.balance_sheet.blockSignals(False)

    def _update_state(self, *_args: object) -> None:
        has_budget = self.budget.currentData() is not None
        dirty = self.model.dirty
        for widget in (self.new_button, self.import_button):
            widget.setEnabled(self.can_manage)
        self.copy_button.setEnabled(self.can_manage and has_budget)
        self.save_button.setEnabled(self.can_manage and dirty)
        self.export_button.setEnabled(self.can_export and has_budget)
        self.more_button.setEnabled(self.can_manage and has_budget)
        self.discard_action.setEnabled(dirty)
        if not self.can_manage:
            self.banner.setText("You can look at budgets; changing them needs the permission ledger.budget.manage.")
        elif not has_budget:
            self.banner.setText("No budget yet: create one with <b>New budget…</b> or import a budget file.")
        self.banner.setVisible(not self.can_manage or not has_budget)
        if dirty:
            count = self.model.dirty_count
            self.status.setText(f"{count} unsaved change{'s' if count != 1 else ''} (tinted): Save or Ctrl+S")
            set_state(self.status, "bad")
        elif self.model.grid is not None:
            grid = self.model.grid
            where = " and ".join(_dimensions(grid)) or "no department or project"
            self.status.setText(f"Budget '{grid.budget}', fiscal year {grid.fiscal_year}, {where} · {grid.currency}")
            set_state(self.status, "muted")
        else:
            self.status.setText("")

    # ---- saving and leaving
    def save(self) -> bool:
        if not self.model.dirty or not self.can_manage:
            return True
        grid = self.model.grid
        assert grid is not None
        self.table.commit_open_editor()
        cells = self.model.changed_cells()
        service = self.session.budgets
        changes = attempt(self, lambda: service.set_amounts(grid.budget, cells), title="Save budget")
        if changes is None:
            return False
        self.model.discard()  # what was typed is now what is stored; the reload shows it
        self.hub.broadcast(changes or Changes.of(Kind.BUDGETS))
        if not self.isVisible():
            self.reload()
        notify(self, f"Saved {len(cells)} amount{'s' if len(cells) != 1 else ''} of budget '{grid.budget}'")
        return True

    def confirm_leave(self) -> bool:
        if not self.model.dirty:
            return True
        count = self.model.dirty_count
        name = self.model.grid.budget if self.model.grid else ""
        answer = QMessageBox.question(
            self,
            "Unsaved budget changes",
            f"{count} changed amount{'s' if count != 1 else ''} of budget '{name}' "
            f"{'are' if count != 1 else 'is'} not saved. Save {'them' if count != 1 else 'it'} now?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.discard()
            return True
        return False

    def discard(self) -> None:
        """Drop the edits and read the budget again (someone else may have changed it meanwhile)."""
        self.model.discard()
        if self.isVisible():
            self.reload()
        else:
            self.stale = True

    # ---- budgets
    def new_budget(self) -> str | None:
        if not self.confirm_leave():
            return None
        dialog = BudgetNameDialog(self)
        if not dialog.exec():
            return None
        name, description = dialog.name.text().strip(), dialog.description.text().strip()
        service = self.session.budgets
        changes = attempt(self, lambda: service.create_budget(name, description), title="New budget")
        if changes is None:
            return None
        self._show_budget(name, changes)
        notify(self, f"Created budget '{name}'")
        return name

    def _show_budget(self, name: str, changes: Changes) -> None:
        self._fill_choices()
        self.budget.blockSignals(True)
        self.budget.setCurrentIndex(self.budget.findData(name))
        self.budget.blockSignals(False)
        self.hub.broadcast(changes)
        self.reload()

    def rename_budget(self) -> None:
        current = self.budget.currentData()
        if current is None or not self.confirm_leave():
            return
        dialog = BudgetNameDialog(self, current=current, description=None)
        if not dialog.exec():
            return
        new_name = dialog.name.text().strip()
        service = self.session.budgets
        changes = attempt(self, lambda: service.rename_budget(current, new_name), title="Rename budget")
        if changes is not None:
            self._show_budget(new_name, changes)

    def describe_budget(self) -> None:
        current = self.budget.currentData()
        if current is None:
            return
        row = attempt(self, lambda: self.session.budget_queries.budget(current))
        dialog = BudgetNameDialog(self, description=row.description if row else "")
        dialog.setWindowTitle(f"Description of '{current}'")
        dialog.name.setText(current)
        dialog.name.setReadOnly(True)
        if not dialog.exec():
            return
        service = self.session.budgets
        text = dialog.description.text()
        changes = attempt(self, lambda: service.describe_budget(current, text), title="Edit description")
        if changes is not None:
            self._show_budget(current, changes)

    def delete_budget(self) -> None:
        current = self.budget.currentData()
        if current is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete budget",
            f"Delete the budget '{current}' and all its amounts, in every year? This cannot be undone "
            "(the audit trail keeps what it held).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        service = self.session.budgets
        changes = attempt(self, lambda: service.delete_budget(current), title="Delete budget")
        if changes is None:
            return
        self.model.discard()
        self.hub.broadcast(changes)
        self.reload()
        notify(self, f"Deleted budget '{current}'")

    # ---- copy, import, export
    def _scope(self) -> str:
        dims = _dimensions(self.model.grid) if self.model.grid is not None else []
        where = f" ({' and '.join(dims)} only)" if dims else ""
        return f"for the income and expense accounts{where}"

    def copy_dialog(self) -> CopyActualsDialog:
        return CopyActualsDialog(self.years, self.year_span(), self._scope(), self)

    def copy_from_actuals(self) -> Job | None:
        selection = self.selection()
        if selection.budget is None or not self.confirm_leave():
            return None
        dialog = self.copy_dialog()
        if not dialog.exec():
            return None
        request = dialog.request()
        target = self.year_span()
        service = self.session.budgets
        budget = selection.budget

        def work(_progress: Progress, _cancelled: IsCancelled) -> tuple[CopyResult, Changes]:
            return service.copy_from_actuals(
                budget,
                request.source.start,
                request.source.end,
                target.start,
                request.percent,
                selection.department,
                selection.project,
                all_accounts=request.all_accounts,
            )

        def done(result: tuple[CopyResult, Changes]) -> None:
            copied, changes = result
            self.hub.broadcast(changes)
            sign = "+" if request.percent > 0 else ""
            text = (
                f"Set {target.name} from the actuals of {request.source.name} ({sign}{request.percent}%): "
                f"{copied.cells} non-zero amounts on {copied.accounts} accounts."
            )
            if copied.skipped:
                text += f"\n\nNot copied (inactive or parent accounts): {', '.join(copied.skipped)}."
            QMessageBox.information(self, "Copy from actuals", text)

        return run_with_progress(self, "Copy from actuals", "Reading the actuals…", work, done, cancellable=False)

    def choose_and_import(self, path: Path | None = None) -> Job | None:
        if not self.confirm_leave():
            return None
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, f"Import budget ({', '.join(COLUMNS)})", str(default_export_dir()), FILE_FILTER
            )
            if not chosen:
                return None
            path = Path(chosen)
        service = self.session.budgets
        source = path

        def work(progress: Progress, cancelled: IsCancelled) -> tuple[BudgetImportResult, Changes]:
            return service.import_file(source, progress=progress, cancelled=cancelled)

        def done(result: tuple[BudgetImportResult, Changes]) -> None:
            imported, changes = result
            if self.budget.currentData() is None and imported.budgets:
                self._show_budget(imported.budgets[0][0], changes)
            else:
                self.hub.broadcast(changes)
            listed = ", ".join(
                f"'{name}' ({rows:,}{', new' if name in imported.created else ''})" for name, rows in imported.budgets
            )
            QMessageBox.information(
                self, "Import budget", f"Imported {imported.amounts:,} amounts from {source.name} into {listed}."
            )

        return run_with_progress(self, "Import budget", f"Checking and importing {source.name}…", work, done)

    def choose_and_export(self, path: Path | None = None) -> Job | None:
        name = self.budget.currentData()
        if name is None:
            return None
        if self.model.dirty and not self.confirm_leave():
            return None
        if path is None:
            stem = re.sub(r"[^\w.-]+", "-", name).strip("-") or "budget"
            suggested = default_export_dir() / f"budget-{stem}.xlsx"
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export budget", str(suggested), "Excel workbook (*.xlsx);;CSV file (*.csv)"
            )
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() not in (".csv", ".xlsx"):
                path = path.with_name(path.name + ".xlsx")
        service = self.session.budgets
        target = path

        def work(_progress: Progress, _cancelled: IsCancelled) -> int:
            return service.export_file(target, name)

        def done(count: int) -> None:
            notify(self, f"Exported {count:,} amounts of budget '{name}' to {target}")

        return run_with_progress(self, "Export budget", f"Writing {target.name}…", work, done, cancellable=False)

    def file_stem(self) -> str:
        return "budgets"
