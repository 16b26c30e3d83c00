"""Live refresh and connection loss in a real main window over a real PostgreSQL server.

Client B's open trial balance follows client A's postings with no user action; and when the server
is stopped in the middle of a save, the save is rolled back entirely, the window says so, the editor
keeps the user's lines, and once the server is back the window reconnects and the save goes through.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import QThreadPool
from sqlalchemy import func, select

from paksa_desktop.audit.service import AuditService
from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.changes import Kind
from paksa_desktop.ledger.models import JournalEntry, JournalLine
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import ADMIN_PASSWORD
from tests.ledger.helpers import entry
from tests.pg_server import TempPostgres
from tests.ui.conftest import Messages, wait_idle
from tests.ui.test_entry_editor import tb_row
from ui.ledger.entry_editor import EntryEditor
from ui.ledger.ledger_tab import TRIAL_BALANCE
from ui.main_window import MainWindow
from ui.models.entry_lines_model import ACCOUNT, CREDIT, DEBIT
from ui.session import AppSession
from ui.settings import RecentCompanies

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


def open_window(qtbot: Any, company: Company, recent: RecentCompanies) -> MainWindow:
    win = MainWindow(AppSession(company, company.login("admin", ADMIN_PASSWORD)), recent)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.live_refresh is not None
    qtbot.waitUntil(lambda: win.live_refresh.connected, timeout=10_000)
    return win


def close_window(win: MainWindow) -> None:
    for editor in win.ledger_tab.open_editors():
        editor.dirty = False
    win.close()
    QThreadPool.globalInstance().waitForDone()


def test_another_users_posting_shows_in_the_open_trial_balance(qtbot, pg_books, recent, messages):
    viewer = Company.open(pg_books.url, clock=pg_books.clock)  # client B: its own engine, its own listener
    win = open_window(qtbot, viewer, recent)
    try:
        tb = win.ledger_tab.show_view(TRIAL_BALANCE)
        wait_idle(qtbot, tb)
        assert tb_row(tb, "1100") is None
        pg_books.ledger.post(entry("2024-06-14", ("1100", "1234.50"), ("4010", "-1234.50")))  # client A
        qtbot.waitUntil(lambda: tb_row(tb, "1100") is not None, timeout=5_000)
        assert Decimal("1234.50") in tb_row(tb, "1100")
        assert messages.shown == []
    finally:
        close_window(win)
        viewer.close()


def test_sqlite_windows_have_no_listener(window):
    assert window.live_refresh is None
    assert window.findChild(type(window.statusBar()), "statusConnection") is None


# ----------------------------------------------------------------------------- stopping the server mid-save


@pytest.fixture
def private_server() -> Iterator[TempPostgres]:
    """A server of this test's own, to stop and start at will."""
    server = TempPostgres()
    server.start()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()


def _counts(company: Company) -> tuple[int, int]:
    with UnitOfWork(company.engine, write=False) as uow:
        entries = uow.session.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
        lines = uow.session.execute(select(func.count()).select_from(JournalLine)).scalar_one()
    return int(entries), int(lines)


def _type_lines(editor: EntryEditor) -> None:
    model = editor.model
    editor.date.set_value(date.today())
    editor.memo.setText("Rent for the month")
    editor.memo.textEdited.emit(editor.memo.text())
    for row, (account, column, amount) in enumerate((("6100", DEBIT, "950.00"), ("1100", CREDIT, "950.00"))):
        model.setData(model.index(row, ACCOUNT), account)
        model.setData(model.index(row, column), amount)


def _stop_when_waiting(server: TempPostgres, url: str, done: threading.Event) -> None:
    """Stop the server (immediate: as a crash) once the save is inside its transaction, waiting for a lock."""
    with psycopg.connect(url, autocommit=True) as watcher:
        for _ in range(200):
            if watcher.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchall():
                break
            time.sleep(0.05)
    server.kill()
    done.set()


def test_stopping_the_server_during_a_save_rolls_it_back_and_keeps_the_users_lines(
    qtbot, private_server: TempPostgres, recent: RecentCompanies, messages: Messages, tmp_path: Path
):
    url = f"postgresql://{private_server.user}@127.0.0.1:{private_server.port}/postgres"
    company = Company.create(url, NewCompany("Crash Test Ltd", "USD", admin_password=ADMIN_PASSWORD))
    win = open_window(qtbot, company, recent)
    live = win.live_refresh
    assert live is not None
    try:
        before = _counts(company)
        editor = win.ledger_tab.new_entry()
        qtbot.waitExposed(editor)
        _type_lines(editor)
        typed = editor.model.lines()
        assert editor.balance.balanced and editor.dirty

        # Another session holds the audit chain's lock: the post writes its entry and lines, then waits
        # there, inside its transaction, when the server goes down.
        locker = psycopg.connect(url)
        locker.execute("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE")
        stopped = threading.Event()
        threading.Thread(target=_stop_when_waiting, args=(private_server, url, stopped), daemon=True).start()
        assert editor.post() is False
        assert stopped.wait(10)
        with contextlib.suppress(psycopg.Error):
            locker.close()

        # the user is told, in words, and keeps everything typed
        kind, _title, text = messages.shown[-1]
        assert kind == "warning"
        assert "connection to the database server was lost" in text and "nothing was changed" in text
        assert editor.isVisible() and editor.dirty and not editor.is_posted
        assert editor.model.lines() == typed and editor.memo.text() == "Rent for the month"
        qtbot.waitUntil(lambda: live.label.isVisible(), timeout=10_000)
        assert "Connection to the database lost" in live.label.text() and "retrying" in live.label.text()
        win.grab().save(str(tmp_path / "connection-lost.png"))
        win.statusBar().grab().save(str(tmp_path / "connection-lost-status.png"))

        # saving while the server is down fails the same clear way, still keeping the lines
        assert editor.post() is False
        assert messages.last().startswith("Cannot reach the database server")
        assert editor.model.lines() == typed

        private_server.restart()
        qtbot.waitUntil(lambda: live.connected and not live.label.isVisible(), timeout=20_000)

        # nothing of the interrupted post survived the crash; the audit chain is intact
        assert _counts(company) == before
        assert AuditService(company.engine, win.session.ctx).verify().ok

        # the same lines save now, once
        assert editor.post() is True
        assert editor.is_posted
        assert _counts(company) == (before[0] + 1, before[1] + 2)
        assert AuditService(company.engine, win.session.ctx).verify().ok
    finally:
        close_window(win)
        company.close()


def test_reconnecting_refreshes_every_view(qtbot, pg_books, recent, messages):
    """What changed while the link was down was not heard: on reconnect every kind counts as changed."""
    viewer = Company.open(pg_books.url, clock=pg_books.clock)
    win = open_window(qtbot, viewer, recent)
    heard: list[Any] = []
    win.hub.changed.connect(heard.append)
    try:
        listener = win.live_refresh.listener
        assert listener is not None
        with psycopg.connect(pg_books.url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        qtbot.waitUntil(lambda: any(set(Kind) <= set(c.kinds) for c in heard), timeout=15_000)
        assert win.live_refresh.connected and not win.live_refresh.label.isVisible()
    finally:
        close_window(win)
        viewer.close()
