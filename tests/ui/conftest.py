"""GUI fixtures: real widgets over a real SQLite company; settings and data folders in tmp."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import Books
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
                if box.answer == QMessageBox.StandardButton.Yes and buttons is not None:
                    if buttons & QMessageBox.StandardButton.Discard:
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


def wait_idle(qtbot: Any, *views: Any, timeout: int = 10_000) -> None:
    """Wait until every view's background loader has applied its result."""
    qtbot.waitUntil(lambda: not any(getattr(v, "loader", None) and v.loader.busy for v in views), timeout=timeout)
