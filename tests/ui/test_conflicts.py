"""Two users edit one record: the second save says who changed it and when, and offers Reload or Keep editing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from paksa_desktop.security.context import UserContext
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.ui.conftest import handle_dialog
from ui.ledger.account_dialog import AccountDialog
from ui.widgets.conflict_dialog import ConflictDialog

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
MARIA = "maria-password-42"


@pytest.fixture
def maria(sqlite_books: Books) -> UserContext:
    """A second user, logged in on her own (as on another computer)."""
    sqlite_books.company.add_user(sqlite_books.ctx, "maria", MARIA, roles=("Controller",), full_name="Maria Santos")
    return sqlite_books.company.login("maria", MARIA)


class Answer:
    """Handles the ConflictDialog when it opens: remembers its text, screenshots it, clicks a button."""

    def __init__(self, button: str, shot: str | None = None) -> None:
        self.button = button
        self.shot = shot
        self.text = ""
        self.timer = handle_dialog(ConflictDialog, self)

    def __call__(self, dialog: ConflictDialog) -> None:
        self.text = f"{dialog.windowTitle()}\n{dialog.text()}\n{dialog.informativeText()}"
        if self.shot:
            SHOTS.mkdir(exist_ok=True)
            dialog.grab().save(str(SHOTS / self.shot))
            window = dialog.parentWidget().window()
            window.grab().save(str(SHOTS / self.shot.replace(".png", "-editor.png")))
        getattr(dialog, f"{self.button}_button").click()


def edited_after_maria_saved(window: Any, books: Books, maria: UserContext) -> tuple[Any, Any]:
    """A draft open in our editor with an unsaved change, which Maria (on her computer) saved first."""
    ref, _ = books.ledger.save_draft(entry("2024-05-03", ("6130", "10.00"), ("1100", "-10.00"), memo="Paper"))
    editor = window.ledger_tab.open_entry(ref.id)
    books.company.ledger(maria).save_draft(
        entry("2024-05-03", ("6130", "12.00"), ("1100", "-12.00"), memo="Paper (fixed)"), ref.id, ref.version
    )
    editor.memo.setText("My change")
    editor.dirty = True
    return ref, editor


def test_second_save_of_a_draft_names_the_first_user_and_reload_shows_their_version(
    qtbot: Any, window: Any, sqlite_books: Books, maria: UserContext
) -> None:
    ref, editor = edited_after_maria_saved(window, sqlite_books, maria)
    answer = Answer("reload", shot="conflict-dialog.png")
    assert not editor.save_draft()
    assert answer.text.startswith(
        "Changed by someone else\nDraft entry of 2024-05-03 was changed by Maria Santos (maria) at 2024-06-30"
    )
    assert "Your changes were not saved." in answer.text
    # Reload: Maria's version, nothing of ours
    assert editor.memo.text() == "Paper (fixed)" and not editor.dirty
    assert editor.model.total_debit == Decimal("12.00")
    # and saving again now works, on top of her version
    editor.memo.setText("Paper (fixed twice)")
    assert editor.save_draft()
    assert sqlite_books.queries.entry(ref.id).memo == "Paper (fixed twice)"


def test_keep_editing_leaves_the_edits_and_saves_nothing(
    qtbot: Any, window: Any, sqlite_books: Books, maria: UserContext
) -> None:
    ref, editor = edited_after_maria_saved(window, sqlite_books, maria)
    answer = Answer("keep")
    assert not editor.save_draft()
    assert "Maria Santos (maria)" in answer.text
    assert editor.memo.text() == "My change" and editor.dirty
    assert sqlite_books.queries.entry(ref.id).memo == "Paper (fixed)"


def test_posting_a_draft_someone_else_posted_says_who_posted_it(
    qtbot: Any, window: Any, sqlite_books: Books, maria: UserContext
) -> None:
    ref, _ = sqlite_books.ledger.save_draft(entry("2024-05-03", ("6130", "10.00"), ("1100", "-10.00"), memo="Paper"))
    editor = window.ledger_tab.open_entry(ref.id)
    sqlite_books.company.ledger(maria).post_draft(ref.id, ref.version)
    answer = Answer("reload")
    assert not editor.post()
    assert "Draft entry of 2024-05-03 (now GEN-2024-000001) was posted by Maria Santos (maria)" in answer.text
    assert editor.is_posted and editor.model.read_only  # reloaded: the posted entry, read-only


def test_account_dialog_conflict_reloads_the_account(
    qtbot: Any, window: Any, sqlite_books: Books, maria: UserContext
) -> None:
    queries = sqlite_books.queries
    dialog = AccountDialog(window.session, queries.accounts(), queries.account("6130"), parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    sqlite_books.company.ledger(maria).update_account("6130", name="Office stationery")
    dialog.name.setText("Office paper")
    answer = Answer("reload", shot="conflict-dialog-account.png")
    dialog.accept()
    assert "Account 6130 was changed by Maria Santos (maria) at 2024-06-30" in answer.text
    assert dialog.isVisible() and dialog.name.text() == "Office stationery"
    dialog.name.setText("Office paper")
    dialog.accept()  # on top of her version now: saved
    assert queries.account("6130").name == "Office paper"
    QApplication.processEvents()
