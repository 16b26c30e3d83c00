"""The Administration tab: users, roles and the permission matrix, SoD rules, policy, IP allowlist,
data key, activity.

Each page shows only to administrators holding its permission; every change goes through the
security services, which check the permission again and audit it.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.security.permissions import ALL_PERMISSIONS, Permission
from paksa_desktop.security.policy import PolicyValues
from paksa_desktop.security.service import NewUser, UserRow
from ui.admin.models import PermissionMatrixModel, SessionsModel, UsersModel
from ui.admin.protection_pages import DataKeyPage, IpAllowlistPage
from ui.audit.history import HistoryDialog, can_see_history, show_history
from ui.errors import attempt
from ui.session import AppSession
from ui.widgets.dialogs import button_box, form, inline_error, note, show_inline, stack


def _table(model: object) -> QTableView:
    view = QTableView()
    view.setModel(model)  # type: ignore[arg-type]
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _button(text: str, slot: object, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)  # type: ignore[arg-type]
    return button


class NewUserDialog(QDialog):
    """User name, name, e-mail, password twice and roles; the service checks the policy and SoD."""

    def __init__(self, session: AppSession, role_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newUserDialog")
        self.setWindowTitle("New user")
        self.setMinimumWidth(460)
        self.session = session
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.email = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.roles = QListWidget()
        self.roles.setMaximumHeight(170)
        for name in role_names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.roles.addItem(item)
        self.message = inline_error()
        stack(
            self,
            form(
                ("&User name", self.username),
                ("&Name", self.full_name),
                ("&E-mail", self.email),
                ("&Password", self.password),
                ("&Repeat", self.repeat),
                ("R&oles", self.roles),
            ),
            self.message,
            button_box(self, "Add user", accept=self.submit),
        )

    def checked_roles(self) -> tuple[str, ...]:
        return tuple(
            self.roles.item(i).text()
            for i in range(self.roles.count())
            if self.roles.item(i).checkState() == Qt.CheckState.Checked
        )

    def submit(self) -> None:
        if self.password.text() != self.repeat.text():
            show_inline(self.message, "The two passwords differ.")
            return
        data = NewUser(
            self.username.text(), self.password.text(), self.full_name.text(), self.email.text(), self.checked_roles()
        )
        try:
            self.session.company.users(self.session.ctx).add_user(data)
        except Exception as exc:
            from ui.errors import message_for

            show_inline(self.message, message_for(exc))
            return
        self.accept()


class UsersPage(QWidget):
    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.model = UsersModel(session.company.clock.now, self)
        self.view = _table(self.model)
        self.view.setObjectName("usersTable")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.add_button = _button("Add user…", self.add_user, "addUser")
        self.active_button = _button("Disable", self.toggle_active, "toggleActive")
        self.reset_button = _button("Reset password…", self.reset_password, "resetPassword")
        self.unlock_button = _button("Unlock", self.unlock, "unlockUser")
        self.mfa_button = _button("Reset MFA", self.reset_mfa, "resetMfa")
        self.grant_button = _button("Grant role…", self.grant, "grantRole")
        self.revoke_button = _button("Revoke role…", self.revoke, "revokeRole")
        self.history_button = _button("History", self.history, "userHistory")
        self.history_button.setToolTip("Every change to the selected user, and their logins, from the audit trail")
        self.history_button.setVisible(can_see_history(session))
        buttons = QHBoxLayout()
        for b in (self.add_button, self.active_button, self.reset_button, self.unlock_button, self.mfa_button,
                  self.grant_button, self.revoke_button):  # fmt: skip
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.history_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        self._update_buttons()

    def reload(self) -> None:
        rows = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).users())
        if rows is not None:
            self.model.set_rows(rows)
            self.view.resizeColumnsToContents()
        self._update_buttons()

    def current(self) -> UserRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        user = self.current()
        for b in (self.active_button, self.reset_button, self.unlock_button, self.mfa_button, self.grant_button,
                  self.revoke_button, self.history_button):  # fmt: skip
            b.setEnabled(user is not None)
        if user is not None:
            self.active_button.setText("Disable" if user.is_active else "Enable")
            self.unlock_button.setEnabled(user.is_locked(self.session.company.clock.now()))
            self.mfa_button.setEnabled(user.mfa_enabled)

    def _users(self):  # type: ignore[no-untyped-def]
        return self.session.company.users(self.session.ctx)

    def _role_names(self) -> list[str]:
        roles = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).roles()) or []
        return [r.name for r in roles]

    def add_user(self) -> None:
        dialog = NewUserDialog(self.session, self._role_names(), self)
        if dialog.exec():
            self.reload()

    def toggle_active(self) -> None:
        user = self.current()
        if user is not None and attempt(self, lambda: self._users().set_active(user.username, not user.is_active)):
            self.reload()

    def reset_password(self) -> None:
        user = self.current()
        if user is None:
            return
        password, ok = QInputDialog.getText(
            self, "Reset password", f"New password for {user.username} (they change it at the next login):",
            QLineEdit.EchoMode.Password,
        )  # fmt: skip
        if ok and attempt(self, lambda: self._users().reset_password(user.username, password)):
            self.reload()

    def unlock(self) -> None:
        user = self.current()
        if user is not None and attempt(self, lambda: self._users().unlock(user.username)):
            self.reload()

    def reset_mfa(self) -> None:
        user = self.current()
        if user is not None and attempt(self, lambda: self._users().reset_mfa(user.username)):
            self.reload()

    def grant(self) -> None:
        user = self.current()
        if user is None:
            return
        choices = [r for r in self._role_names() if r not in user.roles]
        role, ok = QInputDialog.getItem(self, "Grant role", f"Role for {user.username}:", choices, 0, False)
        if ok and role and attempt(self, lambda: self._users().grant_role(user.username, role)):
            self.reload()

    def history(self) -> HistoryDialog | None:
        user = self.current()
        if user is None:
            return None
        return show_history(self.session, "user", user.username, f"User {user.username} ({user.full_name})", self)

    def revoke(self) -> None:
        user = self.current()
        if user is None or not user.roles:
            return
        role, ok = QInputDialog.getItem(
            self, "Revoke role", f"Role to take from {user.username}:", list(user.roles), 0, False
        )
        if ok and role and attempt(self, lambda: self._users().revoke_role(user.username, role)):
            self.reload()


class RolesPage(QWidget):
    """The permission matrix: tick what each role grants, then Save; new roles; MFA per role."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.editable = session.can(Permission.ROLE_MANAGE)
        self.model = PermissionMatrixModel(self)
        self.view = QTableView()
        self.view.setObjectName("permissionMatrix")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.new_button = _button("New role…", self.new_role, "newRole")
        self.save_button = _button("Save changes", self.save, "saveRoles")
        self.mfa_role = QComboBox()
        self.mfa_role.setObjectName("mfaRole")
        self.mfa_role.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mfa_required = QCheckBox("requires two-factor authentication")
        self.mfa_required.setObjectName("mfaRequired")
        self.mfa_role.currentIndexChanged.connect(self._show_mfa)
        self.mfa_required.toggled.connect(self._set_mfa)
        for widget in (self.new_button, self.save_button, self.mfa_role, self.mfa_required):
            widget.setEnabled(self.editable)
        bar = QHBoxLayout()
        for widget in (self.new_button, self.save_button):
            bar.addWidget(widget)
        bar.addSpacing(24)
        bar.addWidget(self.mfa_role)
        bar.addWidget(self.mfa_required)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

    def reload(self) -> None:
        roles = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).roles())
        if roles is None:
            return
        self.model.set_roles(roles, editable=self.editable)
        self.mfa_role.blockSignals(True)
        current = self.mfa_role.currentText()
        self.mfa_role.clear()
        self.mfa_role.addItems([r.name for r in roles])
        if current:
            self.mfa_role.setCurrentText(current)
        self.mfa_role.blockSignals(False)
        self._show_mfa()

    def _show_mfa(self) -> None:
        role = next((r for r in self.model.roles if r.name == self.mfa_role.currentText()), None)
        self.mfa_required.blockSignals(True)
        self.mfa_required.setChecked(bool(role and role.mfa_required))
        self.mfa_required.blockSignals(False)

    def _set_mfa(self, on: bool) -> None:
        name = self.mfa_role.currentText()
        if name and attempt(
            self, lambda: self.session.company.roles(self.session.ctx).update_role(name, mfa_required=on)
        ):
            self.reload()

    def save(self) -> None:
        roles = self.session.company.roles(self.session.ctx)
        for name, permissions in self.model.changed_roles().items():
            if attempt(self, lambda n=name, p=permissions: roles.set_permissions(n, sorted(p))) is None:
                break
        self.reload()

    def new_role(self) -> None:
        name, ok = QInputDialog.getText(self, "New role", "Name of the new role (tick its permissions, then Save):")
        if (
            ok
            and name.strip()
            and attempt(self, lambda: self.session.company.roles(self.session.ctx).create_role(name))
        ):
            self.reload()


class SodPage(QWidget):
    """Incompatible permissions, and whether a creator may approve their own work."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.rules = QListWidget()
        self.rules.setObjectName("sodRules")
        self.first = QComboBox()
        self.second = QComboBox()
        for combo in (self.first, self.second):
            combo.addItems(sorted(ALL_PERMISSIONS))
        self.description = QLineEdit()
        self.description.setPlaceholderText("why they must not go together")
        self.add_button = _button("Add rule", self.add_rule, "addSodRule")
        self.remove_button = _button("Remove rule", self.remove_rule, "removeSodRule")
        row = QHBoxLayout()
        for widget in (self.first, self.second, self.description, self.add_button, self.remove_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(note("No user may hold both permissions of a rule (the Administrator role is exempt)."))
        layout.addWidget(self.rules)
        layout.addLayout(row)

    def reload(self) -> None:
        rules = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).sod_rules()) or []
        self.rules.clear()
        for rule in rules:
            item = QListWidgetItem(f"{rule.permission_a}  ⟂  {rule.permission_b}    {rule.description}")
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            self.rules.addItem(item)

    def add_rule(self) -> None:
        policy = self.session.company.security_policy(self.session.ctx)
        a, b, why = self.first.currentText(), self.second.currentText(), self.description.text()
        if attempt(self, lambda: policy.add_sod_rule(a, b, why)):
            self.description.clear()
            self.reload()

    def remove_rule(self) -> None:
        item = self.rules.currentItem()
        if item is None:
            return
        rule_id = int(item.data(Qt.ItemDataRole.UserRole))
        if attempt(self, lambda: self.session.company.security_policy(self.session.ctx).delete_sod_rule(rule_id)):
            self.reload()


class PolicyPage(QWidget):
    """Password length, lockout, idle lock, and 'a creator cannot approve'."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.values = PolicyValues()

        def spin(low: int, high: int, suffix: str) -> QSpinBox:
            box = QSpinBox()
            box.setRange(low, high)
            box.setSuffix(suffix)
            box.setMaximumWidth(220)
            return box

        self.min_length = spin(12, 128, " characters")
        self.max_failed = spin(1, 100, " failed logins")
        self.lockout = spin(1, 1440, " minutes")
        self.idle = spin(1, 1440, " minutes")
        self.creator = QCheckBox("a user cannot approve (post) what they created")
        self.creator.setObjectName("creatorCannotApprove")
        self.message = inline_error()
        self.saved = note("Saved. The idle lock applies from the next login.")
        self.saved.setObjectName("policySaved")
        self.saved.hide()
        self.save_button = _button("Save policy", self.save, "savePolicy")
        layout = QVBoxLayout(self)
        layout.addLayout(
            form(
                ("Minimum password length", self.min_length),
                ("Lock the account after", self.max_failed),
                ("Lock it for", self.lockout),
                ("Lock the screen when idle for", self.idle),
                ("Segregation of duties", self.creator),
            )
        )
        layout.addWidget(
            note("Passwords are also refused when they equal the user name or are commonly used.", muted=True)
        )
        layout.addWidget(self.message)
        layout.addWidget(self.saved)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def reload(self) -> None:
        values = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).policy())
        if values is None:
            return
        self.values = values
        self.min_length.setValue(values.min_password_length)
        self.max_failed.setValue(values.max_failed_logins)
        self.lockout.setValue(values.lockout_minutes)
        self.idle.setValue(values.idle_lock_minutes)
        self.creator.setChecked(values.creator_cannot_approve)
        show_inline(self.message, "")
        self.saved.hide()

    def save(self) -> None:
        values = replace(
            self.values,
            min_password_length=self.min_length.value(),
            max_failed_logins=self.max_failed.value(),
            lockout_minutes=self.lockout.value(),
            idle_lock_minutes=self.idle.value(),
            creator_cannot_approve=self.creator.isChecked(),
        )
        if attempt(self, lambda: self.session.company.security_policy(self.session.ctx).update_policy(values)):
            self.reload()
            self.saved.show()


class ActivityPage(QWidget):
    """Sessions per user: login, logout, locks, duration."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.session = session
        self.model = SessionsModel(session.company.clock.now, self)
        self.view = _table(self.model)
        self.view.setObjectName("sessionsTable")
        self.user = QLineEdit()
        self.user.setPlaceholderText("all users")
        self.user.returnPressed.connect(self.reload)
        bar = QHBoxLayout()
        bar.addLayout(form(("User", self.user)))
        bar.addWidget(_button("Show", self.reload, "showSessions"))
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

    def reload(self) -> None:
        name = self.user.text().strip() or None
        rows = attempt(self, lambda: self.session.company.security_queries(self.session.ctx).sessions(name))
        if rows is not None:
            self.model.set_rows(rows)
            self.view.resizeColumnsToContents()


class AdminTab(QWidget):
    """One page per administrative area the user may see."""

    def __init__(self, session: AppSession) -> None:
        super().__init__()
        self.setObjectName("adminTab")
        self.session = session
        self.pages = QTabWidget()
        self.users = self.roles = self.sod = self.policy = self.activity = self.allowlist = self.data_key = None
        can = session.can
        if can(Permission.USER_MANAGE):
            self.users = UsersPage(session)
            self.pages.addTab(self.users, "Users")
            self.roles = RolesPage(session)
            self.pages.addTab(self.roles, "Roles and permissions")
        if can(Permission.POLICY_MANAGE):
            self.sod = SodPage(session)
            self.pages.addTab(self.sod, "Segregation of duties")
            self.policy = PolicyPage(session)
            self.pages.addTab(self.policy, "Password and session policy")
        if can(Permission.IP_ALLOWLIST_MANAGE):
            self.allowlist = IpAllowlistPage(session)
            self.pages.addTab(self.allowlist, "IP allowlist")
        if can(Permission.KEY_ROTATE):
            self.data_key = DataKeyPage(session)
            self.pages.addTab(self.data_key, "Data key")
        if can(Permission.ACTIVITY_VIEW):
            self.activity = ActivityPage(session)
            self.pages.addTab(self.activity, "Activity")
        self.pages.currentChanged.connect(lambda _i: self.reload())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def reload(self) -> None:
        page = self.pages.currentWidget()
        if page is not None:
            page.reload()  # type: ignore[attr-defined]
