"""Chart of accounts: create, edit, deactivate (greyed), refuse to delete an account in use, export."""

from __future__ import annotations

import csv
from pathlib import Path

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


def test_bank_account_number_is_entered_checked_and_stored_encrypted(qtbot, window, sqlite_books, messages):
    view = window.ledger_tab.show_view(ACCOUNTS)
    wait_idle(qtbot, view)
    iban = "DE89370400440532013000"
    accounts = sqlite_books.queries.accounts()

    rent = AccountDialog(window.session, accounts, sqlite_books.queries.account("6100"), parent=view)
    qtbot.addWidget(rent)
    assert not rent.fields.isRowVisible(rent.bank_number)  # not a bank account

    dialog = AccountDialog(window.session, accounts, sqlite_books.queries.account("1100"), parent=view)
    qtbot.addWidget(dialog)
    assert dialog.fields.isRowVisible(dialog.bank_number) and dialog.bank_number.text() == ""
    dialog.bank_number.setText("DE89 3704 0044 0532 0130 01")  # a typing mistake
    dialog.accept()
    assert dialog.result() == 0 and "check digits are wrong" in messages.shown[-1][2]
    dialog.bank_number.setText("de89 3704 0044 0532 0130 00")
    dialog.accept()
    assert dialog.result() == 1
    again = AccountDialog(window.session, accounts, sqlite_books.queries.account("1100"), parent=view)
    qtbot.addWidget(again)
    assert again.bank_number.text() == iban
    sqlite_books.company.close()  # checkpoints the WAL into the file
    raw = Path(sqlite_books.company.url.database).read_bytes()
    assert iban.encode() not in raw and b"0532013000" not in raw


def test_the_bank_number_is_hidden_from_users_without_the_data_key(qtbot, sqlite_books):
    from ui.session import AppSession

    sqlite_books.company.add_user(sqlite_books.ctx, "clerk", "clerk-password-1", roles=("Accountant",))
    clerk = AppSession(sqlite_books.company, sqlite_books.company.login("clerk", "clerk-password-1"))
    dialog = AccountDialog(clerk, sqlite_books.queries.accounts(), sqlite_books.queries.account("1100"))
    qtbot.addWidget(dialog)
    assert not dialog.fields.isRowVisible(dialog.bank_number)
