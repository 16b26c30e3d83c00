"""The Payables tab's Vendors screen: a vendor created through the form shows in the list; a mistyped
IBAN is named in a dialog and nothing is saved; without the data key the bank details are masked and
locked; an AP clerk sees the tab, a user without payables.view does not; other changes refresh the list;
import (with its errors dialog) and the settings page."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog

from paksa_desktop.payables.vendors import VendorInput
from tests.conftest import Books
from tests.ui.ar_data import focus, user_session
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.main_window import MainWindow
from ui.models.rows_model import RIGHT
from ui.payables.vendor_dialog import BANK, VendorDialog
from ui.session import AppSession
from ui.settings import RecentCompanies
from ui.widgets.import_errors_dialog import ImportErrorsDialog

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def open_window(qtbot: Any, recent: RecentCompanies, messages: Messages) -> Iterator[Any]:
    windows: list[MainWindow] = []

    def make(session: AppSession) -> MainWindow:
        win = MainWindow(session, recent)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.windowHandle() is not None and win.windowHandle().isExposed())
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
    QThreadPool.globalInstance().waitForDone()


def vendors_view(qtbot: Any, window: MainWindow) -> Any:
    tab = window.payables_tab
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("vendors")
    wait_idle(qtbot, view)
    return view


def codes(view: Any) -> list[str]:
    return [view.model.row_at(r).code for r in range(view.model.rowCount())]


def test_create_a_vendor_in_the_form_and_it_shows_in_the_list(qtbot, window, sqlite_books: Books) -> None:
    view = vendors_view(qtbot, window)
    assert view.count.text() == "No vendors yet. New vendor… adds one."
    seen: dict[str, object] = {}

    def fill(dialog: VendorDialog) -> None:
        seen["title"] = dialog.windowTitle()
        qtbot.keyClicks(dialog.code, "ACME")
        qtbot.keyClicks(dialog.name, "Acme Supplies GmbH")
        dialog.currency.clear()
        qtbot.keyClicks(dialog.currency, "eur")
        dialog.terms.clear()
        qtbot.keyClicks(dialog.terms, "2/10 net 30")
        qtbot.keyClicks(dialog.expense_account, "6130")
        dialog.pages.setCurrentIndex(BANK)
        qtbot.keyClicks(dialog.iban, "DE89 3704 0044 0532 0130 00")
        seen["iban hint"] = dialog.iban_hint.text()
        qtbot.keyClicks(dialog.bic, "cobadeffxxx")
        dialog.pages.setCurrentIndex(3)
        dialog.withholding.setChecked(True)
        dialog.withholding_rate.clear()
        qtbot.keyClicks(dialog.withholding_rate, "7.5")
        dialog.pages.setCurrentIndex(0)
        focus(qtbot, dialog.name)
        qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)  # Ctrl+S saves
        seen["closed"] = not dialog.isVisible()

    keep = handle_dialog(VendorDialog, fill)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_N, CTRL)  # Ctrl+N on the view: a new vendor
    del keep
    assert seen == {"title": "New vendor", "iban hint": "Valid DE IBAN", "closed": True}
    wait_idle(qtbot, view)
    assert codes(view) == ["ACME"] and view.current().code == "ACME"
    row = view.current()
    assert (row.currency, row.payment_terms, row.bank, row.bic) == ("EUR", "2/10 net 30", "•••• 3000", "COBADEFFXXX")
    assert row.withholding and row.withholding_rate == Decimal("7.5")
    balance = view.model.index(0, 4)
    assert balance.data() == "0.00" and balance.data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert view.model.index(0, 6).data() == "7.5 %"
    record = sqlite_books.company.vendors(sqlite_books.ctx).get("ACME")
    assert (record.data.iban, record.data.expense_account) == ("DE89370400440532013000", "6130")
    assert view.count.text() == "1 vendor"


def test_a_mistyped_iban_is_named_in_a_dialog_and_nothing_is_saved(
    qtbot, window, sqlite_books: Books, messages: Messages
) -> None:
    view = vendors_view(qtbot, window)
    seen: dict[str, object] = {}

    def fill(dialog: VendorDialog) -> None:
        qtbot.keyClicks(dialog.code, "ACME")
        qtbot.keyClicks(dialog.name, "Acme")
        dialog.pages.setCurrentIndex(0)
        qtbot.keyClicks(dialog.iban, "DE89 3704 0044 0532 0130 01")
        seen["hint"] = dialog.iban_hint.text()
        dialog.save_button.click()
        seen["open"] = dialog.isVisible()
        seen["page"] = dialog.pages.currentIndex()
        seen["inline"] = dialog.message.text()
        dialog.reject()

    keep = handle_dialog(VendorDialog, fill)
    view.new_button.click()
    del keep
    assert seen["open"] is True and seen["page"] == BANK
    assert "the check digits do not match" in str(seen["hint"])
    assert messages.shown[-1][0] == "warning"
    assert messages.last() == (
        "IBAN: IBAN DE89370400440532013001 is not valid: the check digits do not match (probably a typing mistake)"
    )
    assert "IBAN" in str(seen["inline"])
    assert sqlite_books.company.vendors(sqlite_books.ctx).list() == []


def test_an_ap_clerk_sees_the_tab_and_the_bank_details_masked_and_locked(
    qtbot, open_window, sqlite_books: Books
) -> None:
    sqlite_books.company.vendors(sqlite_books.ctx).add(
        VendorInput("ACME", "Acme", iban="DE89370400440532013000", bic="COBADEFFXXX")
    )
    window = open_window(user_session(sqlite_books, "apclerk", "AP clerk"))
    assert window.payables_tab is not None
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs[:2] == ["General Ledger", "Payables"] and "Receivables" not in tabs  # no receivables.view
    assert list(window.payables_tab.views) == [
        "vendors", "bills", "schedule", "payment-runs", "payments", "claims", "aging", "ap-reports"
    ]  # fmt: skip
    view = vendors_view(qtbot, window)
    assert codes(view) == ["ACME"] and view.new_button.isEnabled()
    view.select("ACME")
    dialog = view.dialog(view.current())
    try:
        assert dialog.editable and not dialog.bank_readable
        assert dialog.iban.text() == "" and "•••• 3000" in dialog.iban.placeholderText()
        assert not any(edit.isEnabled() for edit in dialog.bank_fields())
        assert "does not hold the company data key" in dialog.bank_note.text()
        dialog.name.setText("Acme Renamed")
        dialog.accept()  # saves the rest; the IBAN stays as it was
        assert dialog.result() == 1
    finally:
        dialog.deleteLater()
    record = sqlite_books.company.vendors(sqlite_books.ctx).get("ACME")
    assert (record.name, record.data.iban) == ("Acme Renamed", "DE89370400440532013000")


def test_a_user_without_payables_view_sees_only_their_expense_claims(qtbot, open_window, sqlite_books: Books) -> None:
    window = open_window(user_session(sqlite_books, "arclerk", "AR clerk"))
    assert window.payables_tab is not None and list(window.payables_tab.views) == ["claims"]
    assert "&Payables" in [a.text() for a in window.menuBar().actions()]


def test_the_list_refreshes_on_vendor_changes_and_ctrl_n_belongs_to_the_tab(qtbot, window, sqlite_books) -> None:
    view = vendors_view(qtbot, window)
    assert window.new_entry_action.shortcut().isEmpty()  # Ctrl+N is the tab's while it is current
    changes = sqlite_books.company.vendors(sqlite_books.ctx).add(VendorInput("ZETA", "Zeta Ltd"))
    window.hub.broadcast(changes)
    qtbot.waitUntil(lambda: codes(view) == ["ZETA"], timeout=10_000)
    window.tabs.setCurrentWidget(window.ledger_tab)
    assert not window.new_entry_action.shortcut().isEmpty()
    window.tabs.setCurrentWidget(window.banking_tab)
    assert window.new_entry_action.shortcut().isEmpty()


def test_import_names_every_bad_cell_then_imports_a_good_file(
    qtbot, window, sqlite_books, messages: Messages, tmp_path: Path, monkeypatch
) -> None:
    view = vendors_view(qtbot, window)
    bad = tmp_path / "vendors.csv"
    bad.write_text(
        "code,name,currency,payment_terms_days,iban,bic\nV1,One,EUR,30,DE89370400440532013001,\nV2,,EUR,30,,\n",
        encoding="utf-8",
    )
    chosen = [bad]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen[0]), "")))
    messages.answer = messages.answer.No  # existing vendors are not updated
    seen: list[list[str]] = []

    def read(dialog: ImportErrorsDialog) -> None:
        seen.append(dialog.lines())
        dialog.accept()

    keep = handle_dialog(ImportErrorsDialog, read)
    view.import_button.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    del keep
    assert seen[0] == [
        "vendors.csv:2: iban: IBAN DE89370400440532013001 is not valid: the check digits do not match "
        "(probably a typing mistake)",
        "vendors.csv:3: name: required",
    ]
    good = tmp_path / "good.csv"
    good.write_text("code,name,currency,payment_terms_days,iban,bic\nV1,One,EUR,30,,\n", encoding="utf-8")
    chosen[0] = good
    view.import_button.click()
    qtbot.waitUntil(lambda: codes(view) == ["V1"], timeout=30_000)
    assert messages.last() == "Imported 1 vendor from good.csv: 1 new, 0 updated, 0 unchanged."


def test_the_settings_page_saves_the_approval_threshold(qtbot, window, sqlite_books) -> None:
    tab = window.payables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("settings")
    wait_idle(qtbot, view)
    assert view.accounts["payable_account"].code() == "2010"
    assert view.texts["bill_series"].text() == "BILL"
    view.threshold.setText("5,000.00")
    view.duplicate_days.setValue(10)
    assert view.save()
    stored = sqlite_books.company.payables_setup(sqlite_books.ctx).settings()
    assert (stored.approval_threshold, stored.duplicate_days) == (Decimal("5000.00"), 10)
    view.accounts["payable_account"].setText("no such account")
    assert not view.save()
    assert "Payable (control): no account matches 'no such account'" in view.message.text()
