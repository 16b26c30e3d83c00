"""The chart of accounts as a tree: parents roll up their children's balances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont

from paksa_desktop.ledger.queries import AccountRow
from paksa_desktop.reporting.formatting import money_text
from ui.models.rows_model import LEFT, RIGHT, ROW_ROLE, Index
from ui.style import MUTED

COLUMNS = ("Code", "Name", "Type", "Subtype", "Balance")
BALANCE = 4
ROOT = 0  # internal id of the invisible root; account ids start at 1


def subtype_label(value: str) -> str:
    return value.replace("_", " ").capitalize()


class AccountsTreeModel(QAbstractItemModel):
    """Each index carries its account id (internalId); rows are frozen AccountRow values."""

    def __init__(self, exponent: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.exponent = exponent
        self._accounts: dict[int, AccountRow] = {}
        self._children: dict[int, list[int]] = {ROOT: []}
        self._position: dict[int, int] = {}

    def set_accounts(self, rows: Sequence[AccountRow]) -> None:
        self.beginResetModel()
        self._accounts = {r.id: r for r in rows}
        self._children = {ROOT: []}
        for r in rows:  # rows come in code order, so siblings do too
            parent = r.parent_id if r.parent_id in self._accounts else ROOT
            self._children.setdefault(parent or ROOT, []).append(r.id)
        self._position = {aid: i for ids in self._children.values() for i, aid in enumerate(ids)}
        self.endResetModel()

    def accounts(self) -> list[AccountRow]:
        return list(self._accounts.values())

    def account(self, index: Index) -> AccountRow | None:
        return self._accounts.get(index.internalId()) if index.isValid() else None

    def index_of(self, account_id: int, column: int = 0) -> QModelIndex:
        if account_id not in self._accounts:
            return QModelIndex()
        return self.createIndex(self._position[account_id], column, account_id)

    # ---- structure
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        parent_id = parent.internalId() if parent.isValid() else ROOT
        return self.createIndex(row, column, self._children[parent_id][row])

    def parent(self, child: Index | None = None) -> Any:  # type: ignore[override]
        if child is None:
            return super().parent()
        if not child.isValid():
            return QModelIndex()
        account = self._accounts.get(child.internalId())
        if account is None or account.parent_id is None or account.parent_id not in self._accounts:
            return QModelIndex()
        return self.createIndex(self._position[account.parent_id], 0, account.parent_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        parent_id = parent.internalId() if parent.isValid() else ROOT
        return len(self._children.get(parent_id, ()))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    # ---- content
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        account = self.account(index)
        if account is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                account.code,
                account.name,
                account.type.value.capitalize(),
                subtype_label(account.subtype.value),
                money_text(account.balance, self.exponent),
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column == BALANCE else LEFT)
        if role == Qt.ItemDataRole.ForegroundRole and not account.is_active:
            return MUTED
        if role == Qt.ItemDataRole.FontRole and (not account.is_active or not account.is_leaf):
            font = QFont()
            font.setItalic(not account.is_active)
            font.setBold(not account.is_leaf)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "inactive" if not account.is_active else ("parent account" if not account.is_leaf else "")
            return f"{account.code} — {account.name}" + (f" ({state})" if state else "")
        if role == ROW_ROLE:
            return account
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if section == BALANCE else LEFT)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
