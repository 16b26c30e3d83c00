"""Periods: close and reopen, the lock date, a new fiscal year, the year-end closing entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.ledger.models import PeriodState
from tests.ui.conftest import handle_dialog
from tests.ui.data import post_sample, refresh_all
from ui.ledger.ledger_tab import PERIODS
from ui.ledger.periods_view import LockDateDialog


def state_of(sqlite_books, month: str) -> PeriodState:
    return next(p.state for p in sqlite_books.queries.periods() if f"{p.start_date:%Y-%m}" == month)


def test_close_and_reopen_periods(qtbot, window, sqlite_books, messages):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(PERIODS)
    assert view.model.rowCount() == 1 and view.model.index(0, 0).data() == "Fiscal year 2024"
    jan = next(p for p in sqlite_books.queries.periods() if p.start_date == date(2024, 1, 1))
    view.select_periods([jan.id, jan.id + 1])
    assert view.close_button.isEnabled() and not view.reopen_button.isEnabled()
    view.close_button.click()
    assert state_of(sqlite_books, "2024-01") is PeriodState.CLOSED
    assert state_of(sqlite_books, "2024-02") is PeriodState.CLOSED
    assert view.model.index(0, 3).data() == "2 of 12 closed"
    assert window.statusBar().currentMessage() == "Closed 2 periods"

    # posting into a closed period is refused with the ledger's reason
    editor = window.ledger_tab.new_entry()
    editor.date.set_value(date(2024, 1, 15))
    editor.model.setData(editor.model.index(0, 0), "6100")
    editor.model.setData(editor.model.index(0, 1), "5")
    editor.model.setData(editor.model.index(1, 0), "1100")
    editor.model.setData(editor.model.index(1, 2), "5")
    assert not editor.post()
    assert messages.last() == "The period containing 2024-01-15 is closed"
    editor.dirty = False
    editor.reject()

    view.select_periods([jan.id])
    assert view.reopen_button.isEnabled()
    view.reopen_button.click()
    assert state_of(sqlite_books, "2024-01") is PeriodState.OPEN


def test_lock_date_new_year_and_year_end_closing(qtbot, window, sqlite_books, messages):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(PERIODS)

    def lock(dialog: LockDateDialog) -> None:
        dialog.date.set_value(date(2024, 3, 31))
        dialog.accept()

    keep = handle_dialog(LockDateDialog, lock)
    view.lock_button.click()
    del keep
    assert sqlite_books.queries.company().lock_date == date(2024, 3, 31)
    assert "Lock date 2024-03-31" in view.lock_label.text()
    assert window.lock_label.text() == "Lock date 2024-03-31"  # the status bar follows
    view.clear_lock_button.click()
    assert sqlite_books.queries.company().lock_date is None
    assert window.lock_label.text() == "No lock date"

    view.new_year_button.click()
    assert [y.name for y in view.model.years] == ["2024", "2025"]

    view.tree.setCurrentIndex(view.model.index_of_year(view.model.years[0].id))
    view.close_year_button.click()
    kind, _title, text = messages.shown[-1]
    assert kind == "information" and "Posted the closing entry GEN-2024-" in text
    tb = sqlite_books.queries.trial_balance(as_of=date(2024, 12, 31))
    closing = {r.code: r.closing for r in tb.rows}
    assert "4010" not in closing and "6100" not in closing  # income and expense are now zero
    retained = next(a for a in sqlite_books.queries.accounts() if a.subtype.value == "retained_earnings")
    assert closing[retained.code] == Decimal("-450.00")  # 1,250 income - 800 expense
