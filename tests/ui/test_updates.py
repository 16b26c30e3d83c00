"""Help > Check for updates, Help > Update settings and the start-up check (off by default)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.feed_server import feed_server
from tests.ui.conftest import Messages
from ui.main_window import MainWindow
from ui.session import AppSession
from ui.settings import RecentCompanies, UpdatePreferences, UpdateSettings
from ui.updates import UpdateSettingsDialog

FEED = {"version": "99.0.0", "url": "https://example.com/download", "notes": "Payables, and a faster ledger."}


@pytest.fixture
def server() -> Iterator[str]:
    routes = {
        "/feed.json": (200, "application/json", json.dumps(FEED).encode(), 0.0),
        "/html": (200, "text/html", b"<html>proxy login</html>", 0.0),
    }
    with feed_server(routes) as url:
        yield url


def open_window(qtbot: Any, session: AppSession, recent: RecentCompanies) -> MainWindow:
    window = MainWindow(session, recent)
    qtbot.addWidget(window)
    window.show()
    return window


def test_no_check_at_start_unless_turned_on(qtbot: Any, session: AppSession, recent: RecentCompanies) -> None:
    assert UpdateSettings().load() == UpdatePreferences(check_on_start=False, feed_url="")
    window = open_window(qtbot, session, recent)
    assert window.updates.job is None


def test_the_start_up_check_says_so_in_the_status_bar(
    qtbot: Any, session: AppSession, recent: RecentCompanies, server: str, messages: Messages
) -> None:
    UpdateSettings().save(UpdatePreferences(check_on_start=True, feed_url=f"{server}/feed.json"))
    window = open_window(qtbot, session, recent)
    job = window.updates.job
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=15_000)
    assert window.statusBar().currentMessage() == (
        "Paksa Desktop 99.0.0 is available (this is " + job.result.current + "). See Help > Check for updates."
    )
    assert window.updates.dialog is None and messages.shown == []  # quiet: no dialog at start-up


def test_the_help_action_shows_the_answer_with_notes_and_link(
    qtbot: Any, session: AppSession, recent: RecentCompanies, server: str
) -> None:
    UpdateSettings().save(UpdatePreferences(check_on_start=False, feed_url=f"{server}/feed.json"))
    window = open_window(qtbot, session, recent)
    window.updates.check_action.trigger()
    qtbot.waitUntil(lambda: window.updates.dialog is not None and window.updates.dialog.isVisible(), timeout=15_000)
    box = window.updates.dialog
    assert box is not None and box.icon() == QMessageBox.Icon.Information
    assert "Paksa Desktop 99.0.0 is available" in box.text()
    assert "Payables, and a faster ledger." in box.text()
    assert "href='https://example.com/download'" in box.text()
    box.grab().save("/tmp/pkg-update-available.png")
    box.close()


def test_a_bad_feed_from_the_help_action_is_a_message_not_a_crash(
    qtbot: Any, session: AppSession, recent: RecentCompanies, server: str
) -> None:
    UpdateSettings().save(UpdatePreferences(check_on_start=False, feed_url=f"{server}/html"))
    window = open_window(qtbot, session, recent)
    window.updates.check_action.trigger()
    qtbot.waitUntil(lambda: window.updates.dialog is not None and window.updates.dialog.isVisible(), timeout=15_000)
    box = window.updates.dialog
    assert box is not None and box.icon() == QMessageBox.Icon.Warning
    assert f"the update feed at {server}/html is not JSON." in box.text()
    assert window.statusBar().currentMessage() == f"Update check failed: the update feed at {server}/html is not JSON"
    box.close()


def test_no_feed_set_says_where_to_set_it(qtbot: Any, session: AppSession, recent: RecentCompanies) -> None:
    window = open_window(qtbot, session, recent)
    assert window.updates.check_now() is None
    assert window.updates.dialog is not None and "Help > Update settings" in window.updates.dialog.text()
    window.updates.dialog.close()


def test_settings_dialog_refuses_a_url_that_is_not_a_feed(qtbot: Any) -> None:
    dialog = UpdateSettingsDialog(UpdatePreferences())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.on_start.setChecked(True)
    dialog.feed.setText("updates.example.com/feed.json")
    dialog.accept()
    assert dialog.isVisible() and not dialog.problem.isHidden()
    assert "must start with https://" in dialog.problem.text()
    dialog.grab().save("/tmp/pkg-update-settings.png")
    dialog.feed.setText("https://updates.example.com/paksa/feed.json")
    dialog.accept()
    assert not dialog.isVisible()
    assert dialog.prefs() == UpdatePreferences(True, "https://updates.example.com/paksa/feed.json")
