"""Table models of the Administration tab: users, sessions (plain rows) and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from paksa_desktop.security.permissions import ALL_PERMISSIONS, MODULE_TITLES, module_of
from paksa_desktop.security.service import RoleRow, SessionRow, UserRow
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def user_columns(now: Callable[[], datetime]) -> list[Col]:
    def state(u: UserRow) -> str:
        if u.is_locked(now()):
            return f"locked until {u.locked_until:%H:%M}"
        return "active" if u.is_active else "disabled"

    return [
        Col("username", "User", lambda u: u.username, width=120),
        Col("full_name", "Name", lambda u: u.full_name, width=180),
        Col("email", "E-mail", lambda u: u.email, width=200),
        Col("state", "State", state, width=150),
        Col("mfa", "MFA", lambda u: "on" if u.mfa_enabled else "off", width=50),
        Col("roles", "Roles", lambda u: ", ".join(u.roles)),
    ]


def session_columns(now: Callable[[], datetime]) -> list[Col]:
    def duration(s: SessionRow) -> str:
        minutes = int(s.duration(now()).total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}" + ("" if s.ended_at else " (open)")

    return [
        Col("username", "User", lambda s: s.username, width=110),
        Col("started", "Logged in (UTC)", lambda s: _when(s.started_at), width=140),
        Col("ended", "Logged out (UTC)", lambda s: _when(s.ended_at), width=140),
        Col("duration", "Duration", duration, width=100),
        Col("locks", "Locks", lambda s: str(s.lock_count), width=60),
        Col("client", "Client", lambda s: s.client, width=60),
        Col("host", "Host", lambda s: s.host),
    ]


class UsersModel(RowsTableModel):
    def __init__(self, now: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(user_columns(now), parent=parent)


class SessionsModel(RowsTableModel):
    def __init__(self, now: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(session_columns(now), parent=parent)


class PermissionMatrixModel(QAbstractTableModel):
    """Permissions down, roles across; a tick where the role grants it. Editable except the
    Administrator column (it always holds everything); edits are collected until saved."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.permissions: list[str] = sorted(
            ALL_PERMISSIONS,
            key=lambda p: (list(MODULE_TITLES).index(module_of(p)) if module_of(p) in MODULE_TITLES else 99, p),
        )
        self.roles: list[RoleRow] = []
        self.grants: list[set[str]] = []
        self.editable = False

    def set_roles(self, roles: Sequence[RoleRow], *, editable: bool) -> None:
        self.beginResetModel()
        self.roles = list(roles)
        self.grants = [set(r.permissions) for r in roles]
        self.editable = editable
        self.endResetModel()

    def changed_roles(self) -> dict[str, set[str]]:
        """Roles whose ticks differ from what the database holds: name -> new permissions."""
        return {r.name: g for r, g in zip(self.roles, self.grants, strict=True) if g != set(r.permissions)}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.permissions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.roles)

    def _locked(self, column: int) -> bool:
        return not self.editable or self.roles[column].name == "Administrator"

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self._locked(index.column()) else base | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.permissions) or index.column() >= len(self.roles):
            return None
        held = self.permissions[index.row()] in self.grants[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if held else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self.roles[index.column()].name}: {self.permissions[index.row()]}"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or self._locked(index.column()):
            return False
        permission = self.permissions[index.row()]
        grants = self.grants[index.column()]
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if checked:
            grants.add(permission)
        else:
            grants.discard(permission)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.roles):
                role_row = self.roles[section]
                return role_row.name if role == Qt.ItemDataRole.DisplayRole else role_row.description
            return None
        if 0 <= section < len(self.permissions):
            permission = self.permissions[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return MODULE_TITLES.get(module_of(permission), "")
            return permission
        return None
