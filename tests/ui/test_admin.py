"""Security in the GUI: the login's OTP step, change password, MFA enrolment with its QR code, the idle
lock screen, and the Administration tab (users, permission matrix, SoD rules, policy, activity)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from paksa_desktop.core.errors import AuthenticationError
from paksa_desktop.security import totp
from paksa_desktop.security.permissions import Permission
from paksa_desktop.security.service import NewUser
from tests.conftest import ADMIN_PASSWORD, Books
from ui.admin.account import ChangePasswordDialog, MfaEnrolDialog
from ui.admin.admin_tab import NewUserDialog
from ui.admin.models import PermissionMatrixModel
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.session import AppSession

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CLERK = "clerk-password-42"


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def enrolled_clerk(books: Books) -> str:
    books.company.users(books.ctx).add_user(NewUser("clerk", CLERK, "Clara Clerk", roles=("Accountant",)))
    own = books.company.own_account(books.company.login("clerk", CLERK))
    enrolment = own.begin_mfa_enrolment()
    own.confirm_mfa_enrolment(CLERK, enrolment.secret, totp.code_for(enrolment.secret, books.clock.now()))
    books.clock.set(books.clock.now() + timedelta(seconds=30))
    return enrolment.secret


def test_login_dialog_asks_for_the_code_of_a_user_with_mfa(qtbot: Any, sqlite_books: Books) -> None:
    secret = enrolled_clerk(sqlite_books)
    dialog = LoginDialog(sqlite_books.company, "Test Company Ltd", "clerk")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.otp_step
    qtbot.keyClicks(dialog.password, CLERK)
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert dialog.otp_step and dialog.otp.hasFocus()
    assert "enter the 6-digit code" in dialog.message.text().lower()
    shot(dialog, "security-01-login-otp-step.png")
    dialog.otp.setText("000000")
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert dialog.message.text() == "Wrong or expired one-time code; enter the code your app shows now"
    dialog.otp.setText(totp.code_for(secret, sqlite_books.clock.now()))
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.try_login()
    assert dialog.ctx is not None and dialog.ctx.username == "clerk"


def test_login_dialog_remembers_a_password_that_worked(qtbot: Any, sqlite_books: Books, memory_keyring: Any) -> None:
    location = sqlite_books.company.location
    dialog = LoginDialog(sqlite_books.company, "Test Company Ltd", "admin")
    qtbot.addWidget(dialog)
    assert dialog.remember.isEnabled() and not dialog.remember.isChecked() and not dialog.password.text()
    dialog.password.setText("a-wrong-password")
    dialog.remember.setChecked(True)
    dialog.try_login()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert memory_keyring.get_password("paksa", f"admin@{location}") is None  # a wrong one is never kept
    dialog.password.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.try_login()
    assert memory_keyring.get_password("paksa", f"admin@{location}") == ADMIN_PASSWORD

    again = LoginDialog(sqlite_books.company, "Test Company Ltd", "admin")
    qtbot.addWidget(again)
    assert again.password.text() == ADMIN_PASSWORD and again.remember.isChecked()
    again.remember.setChecked(False)  # unticked: forgotten at the next successful login
    with qtbot.waitSignal(again.accepted, timeout=20_000):
        again.try_login()
    assert memory_keyring.get_password("paksa", f"admin@{location}") is None


def test_change_password_dialog(qtbot: Any, sqlite_books: Books) -> None:
    session = AppSession(sqlite_books.company, sqlite_books.ctx)
    dialog = ChangePasswordDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.current.setText(ADMIN_PASSWORD)
    dialog.new.setText("password1234")
    dialog.repeat.setText("password1234")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=20_000)
    assert "commonly used" in dialog.message.text()
    shot(dialog, "security-02-change-password.png")
    dialog.new.setText("a-brand-new-passphrase")
    dialog.repeat.setText("a-brand-new-passphrase")
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.submit()
    assert sqlite_books.company.login("admin", "a-brand-new-passphrase").username == "admin"


def test_mfa_enrolment_shows_a_qr_code_and_the_recovery_codes(qtbot: Any, sqlite_books: Books) -> None:
    session = AppSession(sqlite_books.company, sqlite_books.ctx)
    dialog = MfaEnrolDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    pixmap = dialog.qr.pixmap()
    assert not pixmap.isNull() and pixmap.width() >= 150
    assert dialog.enrolment.secret[:4] in dialog.secret.text()
    shot(dialog, "security-03-mfa-enrolment.png")
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.code.setText(
        "123456" if totp.code_for(dialog.enrolment.secret, sqlite_books.clock.now()) != "123456" else "654321"
    )
    dialog.submit()
    assert "does not match" in dialog.message.text()
    dialog.code.setText(totp.code_for(dialog.enrolment.secret, sqlite_books.clock.now()))
    dialog.submit()
    codes = dialog.codes.toPlainText().splitlines()
    assert len(codes) == 10 and dialog.codes.isVisible()
    shot(dialog, "security-04-recovery-codes.png")
    with qtbot.waitSignal(dialog.accepted):
        dialog.submit()
    with pytest.raises(AuthenticationError, match="enter the 6-digit code"):
        sqlite_books.company.login("admin", ADMIN_PASSWORD)


def test_idle_lock_covers_the_window_and_keeps_the_work(qtbot: Any, window: MainWindow, sqlite_books: Books) -> None:
    assert window.lock_screen.isHidden()
    window.ledger_tab.new_entry()
    editors = window.ledger_tab.open_editors()
    assert editors
    editor = editors[0]
    editor.memo.setText("Half-typed memo") if hasattr(editor, "memo") else None
    window.idle_lock.timer.setInterval(50)
    window.idle_lock.timer.start()
    qtbot.waitUntil(window.lock_screen.isVisible, timeout=5_000)
    assert window.lock_screen.geometry() == window.rect()
    assert not editor.isVisible()  # hidden under the lock, not closed
    shot(window, "security-05-lock-screen.png")
    window.lock_screen.password.setText("not-the-password")
    window.lock_screen.try_unlock()
    qtbot.waitUntil(lambda: window.lock_screen.job is None, timeout=20_000)
    assert window.lock_screen.isVisible() and "Wrong password" in window.lock_screen.message.text()
    window.lock_screen.password.setText(ADMIN_PASSWORD)
    window.lock_screen.try_unlock()
    qtbot.waitUntil(window.lock_screen.isHidden, timeout=20_000)
    assert editor.isVisible() and editor in window.ledger_tab.open_editors()
    if hasattr(editor, "memo"):
        assert editor.memo.text() == "Half-typed memo"
    sessions = sqlite_books.company.security_queries(sqlite_books.ctx).sessions("admin")
    assert sessions[0].lock_count == 1 or any(s.lock_count == 1 for s in sessions)


def test_account_menu_and_administration_tab_follow_permissions(
    qtbot: Any, sqlite_books: Books, recent: Any, messages: Any
) -> None:
    sqlite_books.company.add_user(sqlite_books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    viewer = AppSession(sqlite_books.company, sqlite_books.company.login("viewer", "viewer-password-1"))
    win = MainWindow(viewer, recent)
    qtbot.addWidget(win)
    assert win.admin_tab is None
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == [
        "General Ledger",
        "Receivables",
        "Payables",
        "Cash && Banking",
    ]
    assert win.change_password_action.isEnabled() and win.lock_action.shortcut().toString() == "Ctrl+L"
    win.close()


def test_administration_tab(qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Any) -> None:
    tab = window.admin_tab
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    users = tab.users
    assert users is not None
    users.reload()
    assert [r.username for r in users.model.rows] == ["admin"]

    def fill(dialog: NewUserDialog) -> None:
        dialog.username.setText("ana")
        dialog.full_name.setText("Ana Lopez")
        dialog.email.setText("ana@example.com")
        dialog.password.setText("short")
        dialog.repeat.setText("short")
        for i in range(dialog.roles.count()):
            if dialog.roles.item(i).text() == "AR clerk":
                dialog.roles.item(i).setCheckState(Qt.CheckState.Checked)
        dialog.submit()
        assert "at least 12 characters" in dialog.message.text()
        shot(dialog, "security-06-new-user.png")
        dialog.password.setText(CLERK)
        dialog.repeat.setText(CLERK)
        dialog.submit()

    from tests.ui.conftest import handle_dialog

    keep = handle_dialog(NewUserDialog, fill)
    users.add_user()
    del keep
    rows = {r.username: r for r in users.model.rows}
    assert rows["ana"].roles == ("AR clerk",) and rows["ana"].full_name == "Ana Lopez"
    users.view.selectRow(list(rows).index("ana"))
    assert users.active_button.text() == "Disable"
    users.toggle_active()
    assert not {r.username: r for r in users.model.rows}["ana"].is_active
    window.resize(1280, 800)
    shot(window, "security-07-admin-users.png")

    # roles and the permission matrix
    tab.pages.setCurrentWidget(tab.roles)
    matrix = tab.roles.model
    names = [r.name for r in matrix.roles]
    viewer = names.index("Viewer")
    row = matrix.permissions.index(Permission.ENTRY_CREATE.value)
    index = matrix.index(row, viewer)
    assert matrix.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert matrix.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    admin_index = matrix.index(row, names.index("Administrator"))
    assert not matrix.setData(admin_index, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    tab.roles.save()
    roles = {r.name: r for r in sqlite_books.company.security_queries(sqlite_books.ctx).roles()}
    assert Permission.ENTRY_CREATE in roles["Viewer"].permissions
    tab.roles.mfa_role.setCurrentText("Controller")
    tab.roles.mfa_required.setChecked(True)
    assert {r.name: r for r in sqlite_books.company.security_queries(sqlite_books.ctx).roles()}[
        "Controller"
    ].mfa_required
    shot(window, "security-08-permission-matrix.png")

    # segregation of duties
    tab.pages.setCurrentWidget(tab.sod)
    before = tab.sod.rules.count()
    tab.sod.first.setCurrentText("ledger.entry.create")
    tab.sod.second.setCurrentText("ledger.period.close")
    tab.sod.description.setText("no closing your own books")
    tab.sod.add_rule()
    assert tab.sod.rules.count() == before + 1
    shot(window, "security-09-sod-rules.png")

    # policy
    tab.pages.setCurrentWidget(tab.policy)
    tab.policy.idle.setValue(5)
    tab.policy.creator.setChecked(True)
    tab.policy.save()
    values = sqlite_books.company.security_queries(sqlite_books.ctx).policy()
    assert (values.idle_lock_minutes, values.creator_cannot_approve) == (5, True)
    shot(window, "security-10-policy.png")

    # activity
    tab.pages.setCurrentWidget(tab.activity)
    assert tab.activity.model.rowCount() >= 1
    assert tab.activity.model.row_at(0).username == "admin"
    shot(window, "security-11-activity.png")
    assert not messages.shown


def test_user_history_and_data_key_rotation(qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Any) -> None:
    tab = window.admin_tab
    assert tab is not None and tab.users is not None and tab.data_key is not None
    window.tabs.setCurrentWidget(tab)
    users = sqlite_books.company.users(sqlite_books.ctx)
    users.add_user(NewUser("ana", CLERK, "Ana Lopez", roles=("AR clerk",)))
    users.update_user("ana", email="ana@example.com")
    tab.users.reload()
    assert not tab.users.history_button.isEnabled()
    tab.users.view.selectRow([r.username for r in tab.users.model.rows].index("ana"))
    dialog = tab.users.history()
    assert dialog is not None
    qtbot.addWidget(dialog)
    rows = [dialog.model.row_at(i) for i in range(dialog.model.rowCount())]
    assert [(r.action, r.entity_id) for r in rows] == [("create", "ana"), ("update", "ana")]
    assert [c.field for c in rows[1].changes()] == ["email"]
    shot(dialog, "security-13-user-history.png")
    dialog.close()

    page = tab.data_key
    tab.pages.setCurrentWidget(page)
    first = window.session.ctx.data_key
    assert first is not None and page.status.text() == f"Current data key: number {first.key_id}."
    messages.answer = QMessageBox.StandardButton.No
    page.rotate()
    assert window.session.ctx.data_key == first  # asked, declined: nothing changed
    messages.answer = QMessageBox.StandardButton.Yes
    page.rotate()
    key = window.session.ctx.data_key
    assert key is not None and key.key_id == first.key_id + 1
    assert page.status.text() == f"Current data key: number {key.key_id}."
    assert [m[0] for m in messages.shown] == ["question", "question"]
    shot(window, "security-14-data-key.png")


def test_models_pass_the_model_tester(qtmodeltester: Any, sqlite_books: Books) -> None:
    queries = sqlite_books.company.security_queries(sqlite_books.ctx)
    matrix = PermissionMatrixModel()
    matrix.set_roles(queries.roles(), editable=True)
    qtmodeltester.check(matrix)
    from ui.admin.models import SessionsModel, UsersModel

    users = UsersModel(sqlite_books.clock.now)
    users.set_rows(queries.users())
    qtmodeltester.check(users)
    sessions = SessionsModel(sqlite_books.clock.now)
    sessions.set_rows(queries.sessions())
    qtmodeltester.check(sessions)
    assert QApplication.instance() is not None
