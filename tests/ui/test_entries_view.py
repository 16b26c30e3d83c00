"""The journal entry list: filter bar, lazy pages, export to Excel and CSV read back."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from paksa_desktop.ledger.models import EntryState
from tests.ui.conftest import wait_idle
from tests.ui.data import post_bank_lines, post_sample, refresh_all
from ui.ledger.entries_view import PAGE
from ui.ledger.ledger_tab import ENTRIES


def numbers(view) -> list[str]:
    return [view.model.row_at(r).number or "(draft)" for r in range(view.model.rowCount())]


def test_filter_bar(qtbot, window, sqlite_books):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(ENTRIES)
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 4 and view.count.text() == "4 entries"
    assert view.model.row_at(0).state is EntryState.DRAFT  # newest first
    assert view.model.index(0, 0).data() == "(draft)"

    qtbot.keyClicks(view.text, "rent")
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    wait_idle(qtbot, view)
    assert [view.model.row_at(r).memo for r in range(view.model.rowCount())] == ["March rent"]
    assert view.count.text() == "1 entry"

    view.clear_filter()
    qtbot.keyClicks(view.amount, "1250")
    qtbot.keyClick(view.amount, Qt.Key.Key_Return)
    assert [view.model.row_at(r).memo for r in range(view.model.rowCount())] == ["Invoice 1001 Alfreds"]

    view.clear_filter()
    view.account.setText("6130")
    qtbot.keyClick(view.account, Qt.Key.Key_Return)
    assert numbers(view) == ["(draft)"]  # drafts match by their lines too
    assert view.account.text() == "6130 — Office supplies"

    view.clear_filter()
    view.state.setCurrentIndex(view.state.findData("posted"))
    assert view.model.rowCount() == 3
    view.date_from.set_value(date(2024, 2, 1))
    view.date_to.set_value(date(2024, 2, 29))
    view.filters.apply_now()
    assert [view.model.row_at(r).memo for r in range(view.model.rowCount())] == ["Invoice 1001 Alfreds"]

    view.clear_filter()
    view.user.setText("nobody")
    view.filters.apply_now()
    assert view.model.rowCount() == 0

    view.clear_filter()
    view.journal.setCurrentIndex(view.journal.findData("SAL"))
    assert view.model.rowCount() == 0


def test_bad_filters_are_explained_inline(qtbot, window, sqlite_books):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(ENTRIES)
    view.amount.setText("12.345")
    view.filters.apply_now()
    assert view.message.isVisible() and "has more than 2 decimal places" in view.message.text()
    view.amount.clear()
    view.account.setText("nonsense")
    view.filters.apply_now()
    assert "no account matches 'nonsense'" in view.message.text()
    view.clear_filter()
    assert not view.message.isVisible() and view.model.rowCount() == 4


def test_pages_load_as_needed_and_export_writes_every_matching_entry(qtbot, window, sqlite_books, tmp_path):
    post_bank_lines(sqlite_books, tmp_path, 450)
    refresh_all(window)
    view = window.ledger_tab.show_view(ENTRIES)
    wait_idle(qtbot, view)
    assert view.model.rowCount() == PAGE and view.model.canFetchMore()
    assert view.count.text() == "450 entries"

    xlsx = tmp_path / "entries.xlsx"
    job = view.export_button.export_to(xlsx)
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    sheet = openpyxl.load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Journal entries"
    header = rows[3]
    assert header == ("Number", "Date", "Journal", "State", "Reference", "Memo", "Total", "Source", "Created by")
    body = rows[4:]
    assert len(body) == 450  # all of them, not only the page on screen
    assert body[0][0].startswith("GEN-2024-") and body[0][6] in (450, 450.0)

    # the button's own flow: choose a file name, then write
    target = tmp_path / "filtered"
    qtbot.keyClicks(view.text, "Bank line 12")
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    assert view.model.rowCount() == 11  # 12, 120-129
    original = QFileDialog.getSaveFileName
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(target), ""))  # type: ignore[method-assign]
    try:
        job = view.export_button.choose_and_export("csv")
    finally:
        QFileDialog.getSaveFileName = original  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    with (tmp_path / "filtered.csv").open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == 11
    assert {Decimal(r["total"]) for r in read} == {Decimal(n) for n in [12, *range(120, 130)]}
    assert "Exported 11 rows" in window.statusBar().currentMessage()
