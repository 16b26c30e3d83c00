"""What the main window gets from the security work, in one call: the Administration tab, the
Account menu (change password, two-factor authentication, lock now), the idle lock, and the end of
the session when the window closes."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence

from paksa_desktop.security.permissions import Permission
from ui.admin.lock_screen import IdleLock, LockScreen

ADMIN_PERMISSIONS = (
    Permission.USER_MANAGE,
    Permission.POLICY_MANAGE,
    Permission.ACTIVITY_VIEW,
    Permission.IP_ALLOWLIST_MANAGE,
    Permission.KEY_ROTATE,
)


def install_security(window: Any) -> None:
    session = window.session
    window.admin_tab = _add_admin_tab(window)
    window.lock_screen = LockScreen(session, window)
    try:
        minutes = session.company.own_account(session.ctx).idle_lock_minutes()
    except Exception:
        minutes = 15
    window.idle_lock = IdleLock(window.lock_screen, minutes, window)
    _add_account_menu(window)
    window.closed.connect(lambda: _end(window))
    if session.ctx.must_change_password:
        QTimer.singleShot(0, lambda: change_password(window, forced=True))
    elif session.ctx.mfa_enrolment_due:
        QTimer.singleShot(0, lambda: enrol_mfa(window, required=True))


def _add_admin_tab(window: Any) -> Any:
    from ui.admin.admin_tab import AdminTab
    from ui.style import icon

    if not any(window.session.can(p) for p in ADMIN_PERMISSIONS):
        return None
    tab = AdminTab(window.session)
    window.tabs.addTab(tab, icon("accounts"), "Administration")

    def shown(index: int) -> None:
        if window.tabs.widget(index) is tab:
            tab.reload()

    window.tabs.currentChanged.connect(shown)
    return tab


def _add_account_menu(window: Any) -> None:
    menu = window.menuBar().addMenu("A&ccount")
    window.account_menu = menu
    window.change_password_action = menu.addAction("Change &password…", lambda: change_password(window))
    window.mfa_action = menu.addAction("Set up &two-factor authentication…", lambda: enrol_mfa(window))
    menu.addSeparator()
    window.lock_action = menu.addAction("&Lock now", window.lock_screen.lock)
    window.lock_action.setShortcut(QKeySequence("Ctrl+L"))


def change_password(window: Any, *, forced: bool = False) -> Any:
    from ui.admin.account import ChangePasswordDialog

    dialog = ChangePasswordDialog(window.session, window, forced=forced)
    dialog.open()
    return dialog


def enrol_mfa(window: Any, *, required: bool = False) -> Any:
    from ui.admin.account import MfaEnrolDialog
    from ui.errors import show_error

    try:
        dialog = MfaEnrolDialog(window.session, window)
    except Exception as exc:
        show_error(window, exc)
        return None
    if required:
        dialog.setWindowTitle("Your role requires two-factor authentication")
    dialog.open()
    return dialog


def _end(window: Any) -> None:
    window.idle_lock.stop()
    with contextlib.suppress(Exception):  # the company may be closed already: the session stays open-ended
        window.session.company.own_account(window.session.ctx).logout()
