"""Recurring entries: create one by typing its lines, then run the due entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt

from paksa_desktop.ledger.models import EntryState, Frequency
from paksa_desktop.ledger.queries import EntryFilter
from tests.ui.conftest import handle_dialog
from ui.ledger.ledger_tab import RECURRING
from ui.ledger.recurring_dialog import RecurringDialog
from ui.ledger.recurring_view import RunDueDialog
from ui.models.entry_lines_model import ACCOUNT


def test_create_and_run_due_entries(qtbot, window, sqlite_books, messages):
    view = window.ledger_tab.show_view(RECURRING)
    assert view.model.rowCount() == 0 and view.empty.isVisible()

    def fill(dialog: RecurringDialog) -> None:
        qtbot.keyClicks(dialog.name, "Office rent")
        dialog.frequency.setCurrentIndex(dialog.frequency.findData("monthly"))
        dialog.next_date.set_value(date(2024, 1, 31))
        dialog.post.setChecked(True)
        grid = dialog.grid
        grid.setFocus()
        grid.go_to(0, ACCOUNT)
        for text in ("6100", "800"):
            editor = grid.current_editor()
            qtbot.keyClicks(editor, text)
            qtbot.keyClick(editor, Qt.Key.Key_Tab)
        grid.go_to(1, ACCOUNT)
        editor = grid.current_editor()
        qtbot.keyClicks(editor, "1100")
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
        qtbot.keyClick(grid.current_editor(), Qt.Key.Key_Tab)
        qtbot.keyClicks(grid.current_editor(), "800")
        qtbot.keyClick(grid.current_editor(), Qt.Key.Key_Tab)
        assert dialog.balance.balanced
        dialog.accept()

    keep = handle_dialog(RecurringDialog, fill)
    view.new_button.click()
    del keep
    assert view.model.rowCount() == 1
    row = view.model.row_at(0)
    assert (row.name, row.frequency, row.post) == ("Office rent", Frequency.MONTHLY, True)
    assert view.model.index(0, 7).data() == "800.00"

    def run(dialog: RunDueDialog) -> None:
        dialog.date.set_value(date(2024, 3, 31))
        dialog.accept()

    keep = handle_dialog(RunDueDialog, run)
    view.run_button.click()
    del keep
    assert messages.last() == "Created 3 entries due up to 2024-03-31: 3 posted, 0 drafts to review."
    posted = sqlite_books.queries.entries(EntryFilter(state=EntryState.POSTED))
    assert sorted(e.date for e in posted) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    assert all(e.total == Decimal("800.00") for e in posted)
    assert view.model.row_at(0).next_date == date(2024, 4, 30)


def test_recurring_that_posts_must_balance(qtbot, window, messages):
    view = window.ledger_tab.show_view(RECURRING)
    dialog = view.dialog()
    dialog.name.setText("Broken")
    dialog.post.setChecked(True)
    dialog.model.setData(dialog.model.index(0, 0), "6100")
    dialog.model.setData(dialog.model.index(0, 1), "10")
    dialog.accept()
    assert dialog.result() == 0 and messages.last() == "A recurring entry that posts must balance"
    dialog.reject()
