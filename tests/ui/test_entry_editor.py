"""The entry editor driven from the keyboard, on a real company."""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from paksa_desktop.ledger.models import EntryState
from tests.ledger.helpers import entry
from tests.ui.conftest import handle_dialog, wait_idle
from ui.ledger.entry_editor import EntryEditor, ReverseDialog
from ui.ledger.ledger_tab import TRIAL_BALANCE
from ui.models.entry_lines_model import ACCOUNT, CREDIT, DEBIT, MEMO
from ui.widgets.account_picker import AccountPicker


def type_cell(qtbot, editor: EntryEditor, text: str, key=Qt.Key.Key_Tab) -> None:
    cell = editor.grid.current_editor()
    assert cell is not None, "no cell editor is open"
    qtbot.keyClicks(cell, text)
    QApplication.processEvents()  # as between a person's keystrokes: a completion popup opens and settles
    qtbot.keyClick(cell, key)


def shown(qtbot, editor: EntryEditor) -> EntryEditor:
    """Wait until the editor is the active window, as after a real click (shortcuts need that)."""
    qtbot.waitExposed(editor)
    editor.windowHandle().requestActivate()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


def start_grid(editor: EntryEditor) -> None:
    editor.grid.setFocus()
    editor.grid.go_to(0, ACCOUNT)


def tb_row(view, code):
    for row in range(view.model.rowCount()):
        cells = view.model.report_row(row).cells
        if cells[0] == code:
            return cells
    return None


def test_type_and_post_an_entry_then_the_trial_balance_shows_it(qtbot, window, sqlite_books):
    tab = window.ledger_tab
    tb = tab.show_view(TRIAL_BALANCE)
    wait_idle(qtbot, tb)
    assert tb_row(tb, "1100") is None

    editor = shown(qtbot, tab.new_entry())
    editor.date.set_value(date(2024, 6, 14))
    qtbot.keyClicks(editor.memo, "Cash sale, market stall")
    start_grid(editor)
    type_cell(qtbot, editor, "1100")  # account, Tab
    type_cell(qtbot, editor, "1,234.50", Qt.Key.Key_Tab)  # debit, Tab
    assert editor.grid.currentIndex().column() == CREDIT
    qtbot.keyClick(editor.grid.current_editor(), Qt.Key.Key_Return)  # Enter: next line
    qtbot.waitUntil(lambda: editor.grid.currentIndex().row() == 1 and editor.grid.current_editor() is not None)
    assert editor.grid.currentIndex().column() == ACCOUNT
    type_cell(qtbot, editor, "product sales")  # by name
    type_cell(qtbot, editor, "")  # no debit
    assert not editor.balance.balanced
    assert "Out of balance by 1,234.50" in editor.balance.indicator.text()
    type_cell(qtbot, editor, "1234.50", Qt.Key.Key_Tab)  # credit
    assert editor.balance.balanced and editor.balance.indicator.text() == "Balanced"
    assert [(ln.account, ln.debit, ln.credit) for ln in editor.model.lines()] == [
        ("1100", Decimal("1234.50"), Decimal(0)),
        ("4010", Decimal(0), Decimal("1234.50")),
    ]

    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter posts
    qtbot.waitUntil(lambda: editor.is_posted)
    assert editor.detail.number == "GEN-2024-000001"
    assert editor.model.read_only and not editor.post_button.isVisible()

    wait_idle(qtbot, tb)  # the broadcast refreshed the visible trial balance
    bank = tb_row(tb, "1100")
    assert bank[2] == Decimal("1234.50") and bank[3] == Decimal("0.00")
    assert tb_row(tb, "4010")[3] == Decimal("1234.50")


def test_enter_on_the_last_row_adds_a_line_and_tab_past_the_end_too(qtbot, window):
    editor = window.ledger_tab.new_entry()
    start_grid(editor)
    assert editor.model.rowCount() == 2
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "6100", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.model.rowCount() == 3)
    assert editor.grid.currentIndex().row() == 2
    editor.grid.go_to(2, editor.model.columnCount() - 1)
    qtbot.keyClick(editor.grid.current_editor(), Qt.Key.Key_Tab)
    assert editor.model.rowCount() == 4 and editor.grid.currentIndex().row() == 3
    editor.dirty = False


def test_out_of_balance_entry_is_refused_with_a_clear_message(qtbot, window, messages):
    editor = window.ledger_tab.new_entry()
    editor.date.set_value(date(2024, 6, 14))
    start_grid(editor)
    type_cell(qtbot, editor, "6100")
    type_cell(qtbot, editor, "100")
    editor.grid.go_to(1, ACCOUNT)
    type_cell(qtbot, editor, "1100")
    editor.grid.go_to(1, CREDIT)
    type_cell(qtbot, editor, "90")
    assert editor.balance.indicator.text() == "Out of balance by 10.00 (debits exceed credits)"
    assert editor.balance.indicator.property("state") == "bad"
    assert not editor.post()
    assert "Entry is out of balance by 10.00 USD" in messages.last()
    assert not editor.is_posted
    editor.dirty = False


def test_unknown_account_is_marked_and_refused(qtbot, window, messages):
    editor = window.ledger_tab.new_entry()
    start_grid(editor)
    type_cell(qtbot, editor, "9999")
    index = editor.model.index(0, ACCOUNT)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Unknown account '9999'"
    editor.grid.go_to(0, DEBIT)
    type_cell(qtbot, editor, "5")
    assert not editor.save_draft()
    assert messages.shown[-1][0] == "warning"
    assert messages.last() == "Unknown account '9999'"
    editor.dirty = False


def test_draft_saves_with_ctrl_s_reopens_and_posts(qtbot, window, sqlite_books):
    editor = shown(qtbot, window.ledger_tab.new_entry())
    editor.date.set_value(date(2024, 5, 2))
    editor.memo.setText("Internet May")
    model = editor.model
    model.setData(model.index(0, ACCOUNT), "6120")
    model.setData(model.index(0, DEBIT), "59.90")
    model.setData(model.index(1, ACCOUNT), "1100")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.entry_id is not None)
    assert editor.detail.state is EntryState.DRAFT and not editor.dirty
    entry_id = editor.entry_id
    editor.reject()
    assert not editor.isVisible()

    again = window.ledger_tab.open_entry(entry_id)
    assert again.memo.text() == "Internet May" and again.delete_button.isVisible()
    again.model.setData(again.model.index(1, CREDIT), "59.90")
    assert again.post()
    assert sqlite_books.queries.entry(entry_id).state is EntryState.POSTED


def test_posted_entry_opens_read_only_and_reverses(qtbot, window, sqlite_books):
    ref, _ = sqlite_books.ledger.post(entry("2024-04-30", ("6150", "300.00"), ("1100", "-300.00"), memo="Insurance"))
    editor = window.ledger_tab.open_entry(ref.id)
    assert editor.model.read_only and editor.memo.isReadOnly() and not editor.journal.isEnabled()
    assert not editor.model.setData(editor.model.index(0, MEMO), "changed")
    assert editor.reverse_button.isVisible() and ref.number in editor.banner.text()

    def fill(dialog: ReverseDialog) -> None:
        dialog.date.set_value(date(2024, 5, 31))
        dialog.accept()

    keep = handle_dialog(ReverseDialog, fill)
    editor.reverse_button.click()
    del keep
    detail = sqlite_books.queries.entry(ref.id)
    assert detail.state is EntryState.REVERSED and detail.reversed_by is not None
    assert "Reversed by" in editor.banner.text() and not editor.reverse_button.isVisible()
    reversal = sqlite_books.queries.entry(detail.reversed_by[0])
    assert reversal.date == date(2024, 5, 31)


def test_account_completion_offers_matches(qtbot, hub):
    """The completer keeps its list alive: a list Python alone held was deleted and the popup stayed empty."""
    picker = AccountPicker(hub.account_choices())
    qtbot.addWidget(picker)
    gc.collect()
    completer = picker.completer()
    completer.setCompletionPrefix("bank")
    labels = [completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())]
    assert "1100 — Operating bank account" in labels
