"""Import and export from the GUI: background work with progress, cancel, and the rejected-file list."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from paksa_desktop.ledger.queries import EntryFilter
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.data import bank_lines_csv, post_sample, refresh_all
from ui.ledger import import_export
from ui.ledger.ledger_tab import ENTRIES
from ui.widgets.import_errors_dialog import ImportErrorsDialog


def test_import_journal_posts_and_refreshes_the_list(qtbot, window, sqlite_books, messages, tmp_path):
    view = window.ledger_tab.show_view(ENTRIES)
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 0
    job = import_export.import_journal(window, window.hub, bank_lines_csv(tmp_path / "in.csv", 3), "CSH")
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    assert messages.last() == "Posted 3 entries (6 lines) from in.csv into journal CSH."
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 3 and view.model.row_at(0).journal == "CSH"


def test_rejected_file_lists_every_problem(qtbot, window, sqlite_books, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "entry,date,account,debit,credit\n"
        "A,2024-02-30,1100,10.00,\n"
        "A,2024-02-30,4010,,10.00\n"
        "B,2024-03-01,9999,5.00,\n"
        "B,2024-03-01,1100,,4.00\n",
        encoding="utf-8",
    )
    seen: list[list[str]] = []

    def read(dialog: ImportErrorsDialog) -> None:
        seen.append(dialog.lines())
        dialog.accept()

    keep = handle_dialog(ImportErrorsDialog, read)
    job = import_export.import_journal(window, window.hub, bad)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    del keep
    assert seen[0] == [
        "bad.csv:2: date: '2024-02-30' is not a date in the form YYYY-MM-DD",
        "bad.csv:3: date: '2024-02-30' is not a date in the form YYYY-MM-DD",
        "bad.csv:4: account: unknown account '9999'",
    ]
    qtbot.waitUntil(lambda: job.done)
    assert sqlite_books.queries.count_entries() == 0  # all or nothing


def test_cancel_an_import_leaves_nothing(qtbot, window, sqlite_books, messages, tmp_path):
    path = bank_lines_csv(tmp_path / "big.csv", 5000)
    job = import_export.import_journal(window, window.hub, path)
    job.dialog.cancel_button.click()
    assert job.dialog.label.text().startswith("Cancelling")
    qtbot.waitUntil(lambda: job.done, timeout=30_000)
    assert sqlite_books.queries.count_entries() == 0
    assert not messages.shown  # a cancel is not an error


def test_import_accounts_from_the_file_menu(qtbot, window, sqlite_books, messages, tmp_path, monkeypatch):
    path = tmp_path / "accounts.csv"
    path.write_text("code,name,type,parent\n6400,Training,expense,6000\n6410,Conferences,expense,6000\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.import_accounts_action.trigger()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=20_000)
    assert messages.last() == "Imported 2 accounts from accounts.csv."
    assert sqlite_books.queries.account("6410").parent_code == "6000"
    assert window.hub.account_choices().resolve("Conferences") == "6410"  # pickers know the new accounts


def test_export_journal_reimports_exactly(qtbot, window, sqlite_books, tmp_path, monkeypatch):
    post_sample(sqlite_books)
    refresh_all(window)
    target = tmp_path / "journal"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    job = import_export.choose_and_export_journal(window, window.hub)
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    path = Path(f"{target}.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6  # three posted entries, two lines each; the draft is not exported
    assert rows[0] == {
        "entry": "GEN-2024-000001",
        "date": "2024-01-02",
        "account": "1100",
        "debit": "10000.00",
        "credit": "",
        "memo": "",
        "department": "",
        "project": "",
        "currency": "",
        "amount_cur": "",
    }
    assert "Exported 6 journal lines" in window.statusBar().currentMessage()
    assert sqlite_books.queries.count_entries(EntryFilter()) == 4
