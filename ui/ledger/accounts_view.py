"""Chart of accounts: the tree with rolled-up balances, and the actions that maintain it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeView,
    QWidget,
)

from paksa_desktop.core.changes import Kind
from paksa_desktop.ledger.queries import AccountRow
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow
from paksa_desktop.security.permissions import Permission
from ui.audit.hooks import add_account_buttons, add_account_menu_actions, update_account_buttons
from ui.errors import attempt
from ui.hub import Hub
from ui.ledger.account_dialog import AccountDialog
from ui.ledger.base_view import LedgerView
from ui.models.accounts_tree_model import AccountsTreeModel, subtype_label
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.workers import IsCancelled, Loader, Progress


class AccountsFilter(QSortFilterProxyModel):
    """Text matches code or name anywhere in the tree (parents stay to show the path); inactive optional."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.show_inactive = True
        self.setRecursiveFilteringEnabled(True)

    def set_filter(self, text: str, show_inactive: bool) -> None:
        self.beginFilterChange()
        self.text, self.show_inactive = text.strip().casefold(), show_inactive
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AccountsTreeModel)
        account = model.account(model.index(source_row, 0, source_parent))
        if account is None:
            return False
        if not self.show_inactive and not account.is_active:
            return False
        return not self.text or self.text in account.code.casefold() or self.text in account.name.casefold()


class AccountsView(LedgerView):
    title = "Chart of accounts"
    subtitle = "Posted balances to date; parent accounts include their sub-accounts. Double-click for the ledger."
    concerns = frozenset({Kind.ACCOUNTS, Kind.ENTRIES})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.model = AccountsTreeModel(hub.exponent, self)
        self.proxy = AccountsFilter(self)
        self.proxy.setSourceModel(self.model)

        can_manage = self.session.can(Permission.ACCOUNT_MANAGE)
        self.new_button = QPushButton(icon("add"), "New account…")
        self.edit_button = QPushButton(icon("edit"), "Edit…")
        self.toggle_button = QPushButton("Deactivate")
        self.delete_button = QPushButton(icon("delete"), "Delete")
        for button in (self.new_button, self.edit_button, self.toggle_button, self.delete_button):
            button.setEnabled(can_manage)
            self.header.add(button)
        add_account_buttons(self)  # History, Attachments (ui/audit)
        self.header.add(self.add_export_button())
        self.new_button.clicked.connect(lambda: self.new_account())
        self.edit_button.clicked.connect(self.edit_account)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.delete_button.clicked.connect(self.delete_account)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by code or name…")
        self.search.setClearButtonEnabled(True)
        self.show_inactive = QCheckBox("Show inactive accounts")
        self.show_inactive.setChecked(True)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.show_inactive)
        self.body.addLayout(filters)
        self.search.textChanged.connect(self._apply_filter)
        self.show_inactive.toggled.connect(self._apply_filter)

        self.tree = QTreeView()
        self.tree.setObjectName("accountsTree")
        self.tree.setModel(self.proxy)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 140), (2, 90), (3, 210), (4, 150)):
            self.tree.setColumnWidth(column, width)
        self.body.addWidget(self.tree, 1)
        self.tree.doubleClicked.connect(self._double_clicked)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.selectionModel().currentChanged.connect(self._update_buttons)
        self._update_buttons()

    # ---- loading
    def refresh(self) -> None:
        queries = self.session.queries
        self.loader.load(queries.accounts, self._apply)

    def _apply(self, rows: list[AccountRow]) -> None:
        current = self.current_account()
        self.model.set_accounts(rows)
        self.tree.expandAll()
        if current is not None:
            self.select_account(current.id)
        self._update_buttons()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.show_inactive.isChecked())
        self.tree.expandAll()

    # ---- selection
    def current_account(self) -> AccountRow | None:
        return self.model.account(self.proxy.mapToSource(self.tree.currentIndex()))

    def select_account(self, account_id: int) -> None:
        index = self.proxy.mapFromSource(self.model.index_of(account_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    def _update_buttons(self, *_args: object) -> None:
        account = self.current_account()
        can_manage = self.session.can(Permission.ACCOUNT_MANAGE)
        for button in (self.edit_button, self.toggle_button, self.delete_button):
            button.setEnabled(can_manage and account is not None)
        self.toggle_button.setText("Activate" if account is not None and not account.is_active else "Deactivate")
        update_account_buttons(self)

    def _double_clicked(self, index: QModelIndex) -> None:
        account = self.model.account(self.proxy.mapToSource(index))
        if account is not None:
            self.hub.open_account_ledger(account.id)

    def _context_menu(self, pos: Any) -> None:
        account = self.current_account()
        menu = QMenu(self)
        if account is not None:
            menu.addAction("Open account ledger", lambda: self.hub.open_account_ledger(account.id))
            menu.addSeparator()
            menu.addAction("New sub-account…", lambda: self.new_account(parent_code=account.code))
            menu.addAction("Edit…", self.edit_account)
            menu.addAction(self.toggle_button.text(), self.toggle_active)
            menu.addAction("Delete", self.delete_account)
            add_account_menu_actions(self, menu)
        else:
            menu.addAction("New account…", self.new_account)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    # ---- actions
    def account_dialog(self, account: AccountRow | None = None, parent_code: str | None = None) -> AccountDialog:
        return AccountDialog(self.session, self.model.accounts(), account, parent_code=parent_code, parent=self)

    def new_account(self, *, parent_code: str | None = None) -> None:
        dialog = self.account_dialog(parent_code=parent_code)
        if dialog.exec():
            self.hub.broadcast(dialog.changes)

    def edit_account(self) -> None:
        account = self.current_account()
        if account is None:
            return
        dialog = self.account_dialog(account)
        if dialog.exec():
            self.hub.broadcast(dialog.changes)

    def toggle_active(self) -> None:
        account = self.current_account()
        if account is None:
            return
        ledger = self.session.ledger
        changes = attempt(
            self,
            lambda: ledger.update_account(
                account.code, is_active=not account.is_active, expected_version=account.version
            ),
        )
        self.hub.broadcast(changes)

    def delete_account(self) -> None:
        account = self.current_account()
        if account is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete account",
            f"Delete account {account.code} — {account.name}?\n\n"
            "Only an account with no postings, drafts, recurring lines or sub-accounts can be deleted; "
            "otherwise deactivate it.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ledger = self.session.ledger
        self.hub.broadcast(attempt(self, lambda: ledger.delete_account(account.code)))

    # ---- export
    def visible_rows(self) -> list[tuple[int, AccountRow]]:
        """(depth, account) in the order the tree shows them, filter applied."""
        result: list[tuple[int, AccountRow]] = []

        def walk(parent: QModelIndex, depth: int) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                account = self.model.account(self.proxy.mapToSource(index))
                if account is not None:
                    result.append((depth, account))
                walk(index, depth + 1)

        walk(QModelIndex(), 0)
        return result

    def export_builder(self) -> ReportBuilder:
        rows = self.visible_rows()
        info = self.hub.info()
        today = self.session.today()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            columns = (
                Column("code", "Code"),
                Column("name", "Name"),
                Column("type", "Type"),
                Column("subtype", "Subtype"),
                Column("active", "Active"),
                Column("balance", "Balance", ColumnKind.MONEY),
            )
            return Report(
                "Chart of accounts",
                columns,
                tuple(
                    ReportRow(
                        (
                            a.code,
                            a.name,
                            a.type.value,
                            subtype_label(a.subtype.value),
                            "yes" if a.is_active else "no",
                            a.balance,
                        ),
                        level=depth,
                    )
                    for depth, a in rows
                ),
                subtitle=f"balances as of {today}",
                company=info.name,
                currency=info.base_currency,
                exponent=info.exponent,
            )

        return build
