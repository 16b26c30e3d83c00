"""The General Ledger tab: a navigation list on the left, one view at a time on the right.

It also owns the drill-down routes: an account to its ledger, a line to its entry editor.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from ui.hub import Hub
from ui.ledger.account_ledger_view import AccountLedgerView
from ui.ledger.accounts_view import AccountsView
from ui.ledger.base_view import LedgerView
from ui.ledger.budgets_view import BudgetsView
from ui.ledger.dimensions_view import DimensionsView
from ui.ledger.entries_view import EntriesView
from ui.ledger.entry_editor import EntryEditor
from ui.ledger.periods_view import PeriodsView
from ui.ledger.recurring_view import RecurringView
from ui.ledger.statements_view import StatementsView
from ui.ledger.trial_balance_view import TrialBalanceView
from ui.style import icon

# appended, not inserted after the trial balance: Ctrl+1…7 and code elsewhere rely on these numbers
ACCOUNTS, ENTRIES, TRIAL_BALANCE, ACCOUNT_LEDGER, PERIODS, RECURRING, DIMENSIONS, STATEMENTS, BUDGETS = range(9)


class LedgerTab(QWidget):
    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ledgerTab")
        self.hub = hub
        self.accounts = AccountsView(hub)
        self.entries = EntriesView(hub)
        self.trial_balance = TrialBalanceView(hub)
        self.account_ledger = AccountLedgerView(hub)
        self.periods = PeriodsView(hub)
        self.recurring = RecurringView(hub)
        self.dimensions = DimensionsView(hub)
        self.statements = StatementsView(hub)
        self.budgets = BudgetsView(hub)
        self.views: list[LedgerView] = [
            self.accounts,
            self.entries,
            self.trial_balance,
            self.account_ledger,
            self.periods,
            self.recurring,
            self.dimensions,
            self.statements,
            self.budgets,
        ]
        icons = (
            "accounts",
            "journal",
            "trial-balance",
            "ledger",
            "periods",
            "recurring",
            "dimensions",
            "statements",
            "budgets",
        )

        self.nav = QListWidget()
        self.nav.setObjectName("moduleNav")
        self.nav.setFixedWidth(210)  # the longest name, 'Dimensions & journals', without a scroll bar
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        for view, icon_name in zip(self.views, icons, strict=True):
            self.nav.addItem(QListWidgetItem(icon(icon_name), view.title))
            self.stack.addWidget(view)
        self.nav.currentRowChanged.connect(self._nav_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)

        self.editors: dict[int, EntryEditor] = {}
        self._new_editors: list[EntryEditor] = []
        hub.entryRequested.connect(self.open_entry)
        hub.newEntryRequested.connect(self.new_entry)
        hub.copyEntryRequested.connect(self.copy_entry)
        hub.accountLedgerRequested.connect(self.show_account_ledger)
        self.show_view(ENTRIES)

    def show_view(self, index: int) -> LedgerView:
        self.nav.setCurrentRow(index)
        return self.views[index]

    def current_view(self) -> LedgerView:
        return self.views[self.stack.currentIndex()]

    def _nav_changed(self, row: int) -> None:
        """Switch views, unless the one being left holds unsaved work the user keeps (it asks)."""
        if row != self.stack.currentIndex() and not self.current_view().confirm_leave():
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self.stack.currentIndex())
            self.nav.blockSignals(False)
            return
        self.stack.setCurrentIndex(row)

    def confirm_leave(self) -> bool:
        """Before the window closes: every view may keep its unsaved work."""
        return all(view.confirm_leave() for view in self.views)

    # ---- drill-down routes
    def show_account_ledger(self, account_id: int, start: date | None = None, end: date | None = None) -> None:
        self.account_ledger.show_account(account_id, start, end)
        self.show_view(ACCOUNT_LEDGER)

    def open_entry(self, entry_id: int) -> EntryEditor:
        """One editor per entry: asking again raises the open one."""
        editor = self.editors.get(entry_id)
        if editor is None:
            editor = EntryEditor(self.hub, entry_id, self.window())
            self._track(editor)
            self.editors[entry_id] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def new_entry(self) -> EntryEditor:
        editor = EntryEditor(self.hub, None, self.window())
        self._track(editor)
        self._new_editors.append(editor)
        editor.show()
        editor.activateWindow()
        return editor

    def copy_entry(self, entry_id: int) -> EntryEditor:
        """A new entry filled from another one (its lines with their foreign amounts), dated today."""
        editor = self.new_entry()
        editor.copy_from(entry_id)
        return editor

    def _track(self, editor: EntryEditor) -> None:
        editor.entryChanged.connect(lambda entry_id, e=editor: self._remember(e, entry_id))
        editor.finished.connect(lambda _result, e=editor: self._forget(e))

    def _remember(self, editor: EntryEditor, entry_id: int) -> None:
        if editor.entry_id is not None:
            self.editors[editor.entry_id] = editor

    def _forget(self, editor: EntryEditor) -> None:
        for key in [k for k, e in self.editors.items() if e is editor]:
            del self.editors[key]
        if editor in self._new_editors:
            self._new_editors.remove(editor)
        editor.deleteLater()

    def open_editors(self) -> list[EntryEditor]:
        return list({id(e): e for e in [*self.editors.values(), *self._new_editors]}.values())
