"""Help > About names the program, its version and licence, and the Qt, PySide6, Python and database versions."""

from __future__ import annotations

import platform
import sqlite3
from typing import Any

import PySide6
import pytest
from PySide6.QtCore import qVersion

from paksa_desktop import __version__
from tests.conftest import Books
from ui.about import AboutDialog
from ui.main_window import MainWindow
from ui.session import AppSession


def test_about_box_says_version_licence_and_every_component(qtbot: Any, window: MainWindow) -> None:
    window.about_action.trigger()
    dialog = window.about_dialog
    assert isinstance(dialog, AboutDialog)
    qtbot.waitExposed(dialog)
    text = dialog.text()
    lines = dict(line.split(": ", 1) for line in text.splitlines())
    assert lines["Version"] == __version__
    assert lines["Licence"].startswith("MIT License — ")
    assert lines["Qt"] == qVersion()
    assert lines["PySide6"] == PySide6.__version__
    assert lines["Python"].startswith(platform.python_version())
    # the company's engine and the version of the SQLite library it runs on
    assert lines["Database"] == f"SQLite {sqlite3.sqlite_version}"
    assert lines["Company"] == window.session.company.location
    assert "LICENSE" in dialog.licence_link.text() and "opensource.org/license/mit" in dialog.licence_link.text()
    dialog.grab().save("/tmp/pkg-about.png")
    dialog.close()


@pytest.mark.postgres
def test_about_box_names_the_postgresql_server_version(qtbot: Any, pg_books: Books) -> None:
    session = AppSession(pg_books.company, pg_books.ctx)
    window = MainWindow(session)
    qtbot.addWidget(window)
    dialog = window.about()
    with pg_books.company.engine.connect() as conn:
        server = conn.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
    assert f"Database: PostgreSQL {server}" in dialog.text().splitlines()
    dialog.close()
    window.close()
