"""Chart of accounts: create, edit, deactivate (greyed), refuse to delete an account in use, export."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt

from paksa_desktop.ledger.models import AccountType
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.data import post_sample, refresh_all
from ui.ledger.account_dialog import AccountDialog
from ui.ledger.ledger_tab import ACCOUNTS
from ui.style import MUTED


def select(view, sqlite_books, code: str) -> None:
    view.select_account(sqlite_books.queries.account(code).id)


def test_new_edit_deactivate_delete(qtbot, window, sqlite_books, messages):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(ACCOUNTS)
    wait_idle(qtbot, view)

    def create(dialog: AccountDialog) -> None:
        qtbot.keyClicks(dialog.code, "6135")
        qtbot.keyClicks(dialog.name, "Postage and courier")
        dialog.type.setCurrentIndex(dialog.type.findData(AccountType.EXPENSE))
        dialog.parent_combo.setCurrentIndex(dialog.parent_combo.findData("6000"))
        dialog.accept()

    keep = handle_dialog(AccountDialog, create)
    view.new_button.click()
    del keep
    wait_idle(qtbot, view)
    created = sqlite_books.queries.account("6135")
    assert created.parent_code == "6000" and created.name == "Postage and courier"
    assert view.proxy.mapFromSource(view.model.index_of(created.id)).isValid()

    select(view, sqlite_books, "6135")

    def rename(dialog: AccountDialog) -> None:
        assert not dialog.code.isEnabled()
        dialog.name.setText("Postage")
        dialog.description.setPlainText("Stamps and couriers")
        dialog.accept()

    keep = handle_dialog(AccountDialog, rename)
    view.edit_button.click()
    del keep
    wait_idle(qtbot, view)
    assert sqlite_books.queries.account("6135").description == "Stamps and couriers"

    select(view, sqlite_books, "6135")
    view.toggle_button.click()
    wait_idle(qtbot, view)
    account = sqlite_books.queries.account("6135")
    assert not account.is_active
    assert view.model.index_of(account.id).data(Qt.ItemDataRole.ForegroundRole) == MUTED
    select(view, sqlite_books, "6135")
    assert view.toggle_button.text() == "Activate"
    view.show_inactive.setChecked(False)
    assert not view.proxy.mapFromSource(view.model.index_of(account.id)).isValid()
    view.show_inactive.setChecked(True)

    select(view, sqlite_books, "6100")  # has postings
    view.delete_button.click()
    assert messages.shown[-1][0] == "warning"
    assert messages.last() == "Account 6100 has postings or drafts; deactivate it instead"

    select(view, sqlite_books, "6135")
    view.delete_button.click()
    wait_idle(qtbot, view)
    assert all(a.code != "6135" for a in sqlite_books.queries.accounts())


def test_bad_account_keeps_the_dialog_open(qtbot, window, messages, sqlite_books):
    view = window.ledger_tab.show_view(ACCOUNTS)
    wait_idle(qtbot, view)
    dialog = view.account_dialog()
    dialog.code.setText("1100")
    dialog.name.setText("Duplicate")
    dialog.accept()
    assert dialog.result() == 0 and messages.last() == "Account code 1100 already exists"
    dialog.reject()


def test_filter_and_export_the_rows_shown(qtbot, window, sqlite_books, tmp_path):
    post_sample(sqlite_books)
    refresh_all(window)
    view = window.ledger_tab.show_view(ACCOUNTS)
    wait_idle(qtbot, view)
    qtbot.keyClicks(view.search, "rent")
    job = view.export_button.export_to(tmp_path / "chart.csv")
    qtbot.waitUntil(lambda: job.done)
    with (tmp_path / "chart.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # matches on code or name; parents stay so each match keeps its place in the tree
    assert [(r["code"], r["balance"]) for r in rows] == [
        ("1000", "10450.00"),
        ("2000", "0.00"),
        ("6000", "800.00"),
        ("6100", "800.00"),
    ]
