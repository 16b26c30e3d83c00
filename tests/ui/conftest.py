"""GUI fixtures: real widgets over a real SQLite company; settings and data folders in tmp."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from tests.conftest import Books
from tests.keyrings import MemoryKeyring
from ui.hub import Hub
from ui.main_window import MainWindow
from ui.session import AppSession
from ui.settings import RecentCompanies, app_settings
from ui.style import apply_style


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: QApplication) -> Iterator[None]:
    """Recent companies and default folders live in tmp, never in the real user's home."""
    config = tmp_path / "config"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PAKSA_USER", raising=False)
    monkeypatch.delenv("PAKSA_PASSWORD", raising=False)
    apply_style(qapp)
    yield
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The login dialog's saved passwords go to an empty in-memory keyring, never the machine's."""
    previous = keyring.core._keyring_backend
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.core._keyring_backend = previous


@dataclass
class Messages:
    """Every QMessageBox the code opened, answered without blocking."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]

    def last(self) -> str:
        assert self.shown, "no message box was shown"
        return self.shown[-1][2]


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> Messages:
    box = Messages()

    def record(kind: str) -> Any:
        def show(_parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
            box.shown.append((kind, title, text))
            if kind == "question":
                buttons = args[0] if args else kwargs.get("buttons")
                discard = buttons is not None and bool(buttons & QMessageBox.StandardButton.Discard)
                if box.answer == QMessageBox.StandardButton.Yes and discard:
                    return QMessageBox.StandardButton.Discard
                return box.answer
            return QMessageBox.StandardButton.Ok

        return staticmethod(show)

    for kind in ("warning", "critical", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return box


@pytest.fixture
def recent() -> RecentCompanies:
    return RecentCompanies(app_settings())


@pytest.fixture
def session(sqlite_books: Books) -> AppSession:
    return AppSession(sqlite_books.company, sqlite_books.ctx)


@pytest.fixture
def hub(session: AppSession) -> Hub:
    return Hub(session)


@pytest.fixture
def window(qtbot: Any, session: AppSession, recent: RecentCompanies, messages: Messages) -> Iterator[MainWindow]:
    win = MainWindow(session, recent)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    for editor in win.ledger_tab.open_editors():
        editor.dirty = False
    win.close()
    QThreadPool.globalInstance().waitForDone()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform notes what it cannot do (raise a window, size hints); not our warnings."""
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))


def handle_dialog(cls: type[QWidget], handler: Callable[[Any], None], timeout_ms: int = 10_000) -> QTimer:
    """When a dialog of `cls` opens (typically modal, in exec()), call `handler(dialog)` on it.

    Keep the returned timer referenced until the dialog has been handled.
    """
    timer = QTimer()
    timer.setInterval(20)
    waited = [0]

    def poll() -> None:
        waited[0] += 20
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, cls) and widget.isVisible():
                timer.stop()
                try:
                    handler(widget)
                finally:
                    if widget.isVisible() and isinstance(widget, QDialog):
                        widget.reject()  # a handler that failed must not leave the test blocked in exec()
                return
        if waited[0] > timeout_ms:
            timer.stop()

    timer.timeout.connect(poll)
    timer.start()
    return timer


def wait_idle(qtbot: Any, *views: Any, timeout: int = 10_000) -> None:
    """Wait until every view's background loader has applied its result."""
    qtbot.waitUntil(lambda: not any(getattr(v, "loader", None) and v.loader.busy for v in views), timeout=timeout)
