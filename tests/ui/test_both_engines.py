"""The GUI over a shared PostgreSQL database as well as a SQLite file: the same widgets, the same services.

Most GUI tests use a SQLite company (the GUI only talks to services, which are tested on both engines);
these drive the central flows — type and post an entry, see the trial balance, drill down — on each.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from tests.conftest import Books
from tests.ui.conftest import wait_idle
from tests.ui.data import post_sample, refresh_all
from tests.ui.test_drilldown import double_click, row_of
from tests.ui.test_entry_editor import shown, start_grid, tb_row, type_cell
from ui.ledger.ledger_tab import ACCOUNT_LEDGER, TRIAL_BALANCE
from ui.session import AppSession


@pytest.fixture
def session(books: Books) -> AppSession:
    """Overrides the SQLite-only session of tests/ui/conftest.py: one company per engine."""
    return AppSession(books.company, books.ctx)


def test_post_through_the_editor_and_see_the_trial_balance(qtbot, window, books):
    tab = window.ledger_tab
    tb = tab.show_view(TRIAL_BALANCE)
    wait_idle(qtbot, tb)
    editor = shown(qtbot, tab.new_entry())
    editor.date.set_value(date(2024, 6, 14))
    qtbot.keyClicks(editor.memo, "Cash sale")
    start_grid(editor)
    type_cell(qtbot, editor, "1100")
    type_cell(qtbot, editor, "99.95", Qt.Key.Key_Tab)
    qtbot.keyClick(editor.grid.current_editor(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.grid.currentIndex().row() == 1 and editor.grid.current_editor() is not None)
    type_cell(qtbot, editor, "4010")
    type_cell(qtbot, editor, "")
    type_cell(qtbot, editor, "99.95", Qt.Key.Key_Tab)
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.is_posted)
    assert editor.detail.number == "GEN-2024-000001"
    wait_idle(qtbot, tb)
    assert tb_row(tb, "1100")[2] == Decimal("99.95")
    assert books.queries.trial_balance().total_debit == Decimal("99.95")


def test_drill_from_trial_balance_to_ledger_to_entry(qtbot, window, books):
    post_sample(books)
    refresh_all(window)
    tab = window.ledger_tab
    tb = tab.show_view(TRIAL_BALANCE)
    tb.filters.apply_now()
    wait_idle(qtbot, tb)
    double_click(qtbot, tb.table, tb.model.index(row_of(tb.model, "1100"), 1))
    ledger = tab.current_view()
    assert ledger is tab.views[ACCOUNT_LEDGER]
    wait_idle(qtbot, ledger)
    assert [ledger.model.row_at(r).memo for r in range(ledger.model.rowCount())] == ["Owner's capital", "March rent"]
    double_click(qtbot, ledger.table, ledger.model.index(1, 2))
    editor = tab.editors[ledger.model.row_at(1).entry_id]
    assert editor.memo.text() == "March rent" and editor.model.read_only


def test_ip_allowlist_page(qtbot, window, books, messages, monkeypatch):
    """Editable on PostgreSQL, with the pg_hba.conf lines; shown but not applicable on a SQLite file."""
    tab = window.admin_tab
    page = tab.allowlist
    window.tabs.setCurrentWidget(tab)
    tab.pages.setCurrentWidget(page)
    page.reload()
    if books.company.is_sqlite:
        assert not page.editor.isEnabled() and not page.save_button.isEnabled()
        return
    page.editor.setPlainText("10.0.0.300")
    assert "'10.0.0.300' is not an IP address" in page.message.text()
    page.save()
    assert messages.shown and "10.0.0.300" in messages.shown[-1][2]
    page.editor.setPlainText("# office and loopback\n192.168.10.0/24\n127.0.0.1")
    assert not page.message.isVisible()
    assert "hostssl" in page.hba.toPlainText() and "192.168.10.0/24" in page.hba.toPlainText()
    page.save()
    from paksa_desktop.security.ip_allowlist import IpAllowlistService

    assert IpAllowlistService(books.company.engine, books.ctx).ranges() == ["192.168.10.0/24", "127.0.0.1/32"]
    assert page.editor.toPlainText() == "192.168.10.0/24\n127.0.0.1/32"
    window.resize(1280, 800)
    from tests.ui.test_admin import shot

    shot(window, "security-12-ip-allowlist.png")
