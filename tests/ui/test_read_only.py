"""A company file another desktop program has open: the login says who has it, the window says
read-only, the actions that change the books are off, and a change that gets through is a dialog."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paksa_desktop.persistence import file_lock
from tests.conftest import ADMIN_PASSWORD
from ui.controller import AppController
from ui.errors import attempt
from ui.settings import RecentCompanies, app_settings

SHOTS = Path(os.environ.get("PAKSA_SCREENSHOTS", "")) if os.environ.get("PAKSA_SCREENSHOTS") else None


def _controller(env: dict[str, str]) -> AppController:
    return AppController(RecentCompanies(app_settings()), env=env)


@pytest.fixture
def holder(qtbot, messages, sqlite_books):
    """The first desktop program: logged in on the company file, holding its lock."""
    sqlite_books.company.close()
    ctl = _controller({"PAKSA_USER": "admin", "PAKSA_PASSWORD": ADMIN_PASSWORD})
    ctl.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: ctl.window is not None, timeout=20_000)
    yield ctl
    if ctl.window is not None:
        ctl.window.close()
    ctl.shutdown()


@pytest.fixture
def second(qtbot, messages):
    ctl = _controller({})
    yield ctl
    if ctl.window is not None:
        ctl.window.close()
    ctl.shutdown()


def test_second_program_is_told_who_and_opens_read_only(qtbot, holder, second, messages, sqlite_books):
    path = Path(sqlite_books.url)
    first = holder.window
    assert first.windowTitle() == "Test Company Ltd — Paksa Desktop"
    assert not first.read_only_label.isVisible()
    assert first.new_entry_action.isEnabled()

    second.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: second.login_dialog is not None, timeout=20_000)
    dialog = second.login_dialog
    notice = dialog.message.text()
    assert notice.startswith(f"{path.name} is opened by admin (OS user ")
    assert notice.endswith("— opening read-only.")
    assert " since " in notice and dialog.message.isVisible()
    if SHOTS:
        dialog.grab().save(str(SHOTS / "read-only-login.png"))
    qtbot.keyClicks(dialog.user, "admin")
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.try_login()
    qtbot.waitUntil(lambda: second.window is not None, timeout=20_000)

    window = second.window
    assert window.windowTitle() == "Test Company Ltd (read-only) — Paksa Desktop"
    assert window.read_only_label.text() == "<b>Read-only</b>"
    assert "close it there to make changes here" in window.read_only_label.toolTip()
    for action in (window.new_entry_action, window.import_journal_action, window.import_accounts_action):
        assert not action.isEnabled()
    assert window.export_journal_action.isEnabled()  # reading and exporting stay
    assert not window.ledger_tab.entries.new_button.isEnabled()
    if SHOTS:
        window.grab().save(str(SHOTS / "read-only-window.png"))

    # a change that reaches a service anyway is refused with the same words, in a dialog
    assert attempt(window, lambda: window.session.ledger.create_department("OPS", "Operations")) is None
    assert "so it is read-only here: close it there to make changes" in messages.last()

    window.close()
    qtbot.waitUntil(lambda: second.window is None)
    assert file_lock.lock_path(path).exists()  # still the first program's
    first.close()
    qtbot.waitUntil(lambda: holder.window is None)
    assert not file_lock.lock_path(path).exists()  # released when the first program closed it


def test_stale_lock_is_taken_over_and_said_so(qtbot, second, sqlite_books):
    """A lock file left by a program that died (its process gone, its OS lock released) is no obstacle."""
    sqlite_books.company.close()
    path = Path(sqlite_books.url)
    gone = file_lock.LockHolder.me("anna")
    stale = file_lock.LockHolder(gone.host, gone.os_user, 2**22 + 7, gone.since, "anna")  # beyond pid_max
    file_lock.lock_path(path).write_bytes(stale.to_json())
    second.env = {"PAKSA_USER": "admin", "PAKSA_PASSWORD": ADMIN_PASSWORD}
    second.open_target(sqlite_books.url)
    qtbot.waitUntil(lambda: second.window is not None, timeout=20_000)
    window = second.window
    assert "(read-only)" not in window.windowTitle() and window.new_entry_action.isEnabled()
    assert window.statusBar().currentMessage().startswith("Took over a lock left by a program that stopped (opened by")
