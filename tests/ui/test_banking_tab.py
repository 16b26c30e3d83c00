"""The Cash & Banking tab: add a bank account in its dialog, import CSV (mapped in the editor, the mapping
saved and reused) and OFX statements through the wizard, duplicates skipped and listed, a bad file refused
with nothing imported, and the statement lines filtered by account, dates and status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool
from sqlalchemy import text

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.security.permissions import Permission
from tests.banking.helpers import line, statement
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.banking.accounts_view import BankAccountDialog, BankAccountsView
from ui.banking.import_wizard import ImportWizard
from ui.banking.lines_view import StatementLinesView
from ui.hub import Hub
from ui.main_window import MainWindow
from ui.widgets.import_errors_dialog import ImportErrorsDialog

FILES = Path(__file__).resolve().parents[1] / "banking" / "files"
JAN = """Date,Description,Debit,Credit,Balance,Transaction ID
01/05/2024,Opening deposit,,"5,000.00","5,000.00",T-1
01/09/2024,Cheque 1042,310.45,,"4,689.55",T-2
01/31/2024,Interest,,0.37,"4,689.92",T-3
Total,,310.45,"5,000.37",,
"""
FEB = """Date,Description,Debit,Credit,Balance,Transaction ID
01/31/2024,Interest,,0.37,"4,689.92",T-3
02/03/2024,Card 7781,"1,020.00",,"3,669.92",T-4
Total,,"1,020.00",0.37,,
"""


def shot(widget: Any, name: str) -> None:
    """What the test sees, for a look: /tmp/bank-gui-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/bank-gui-{name}.png")


def add_account(hub: Hub, name: str, gl: str, number: str | None = None) -> None:
    session = hub.session
    session.company.bank_accounts(session.ctx).add(
        BankAccountInput(name=name, gl_account=gl, currency="USD", bank_name="First Bank", number=number)
    )


def account_row(hub: Hub, name: str) -> Any:
    return hub.session.company.bank_queries(hub.session.ctx).account(name)


def lines_of(hub: Hub, name: str) -> list[Any]:
    return hub.session.company.bank_queries(hub.session.ctx).lines(name)


def open_wizard(qtbot: Any, hub: Hub, account: str, path: Path) -> ImportWizard:
    wizard = ImportWizard(hub, account_row(hub, account))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file.setText(str(path))
    wizard.next_button.click()
    return wizard


def wait_preview(qtbot: Any, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.preview_result is not None, timeout=10_000)


def choose(combo: Any, text_: str) -> None:
    index = combo.findText(text_)
    assert index >= 0, f"{text_!r} not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def test_the_tab_shows_for_cash_view_with_its_pages(window: MainWindow) -> None:
    tab = window.banking_tab
    assert tab is not None and window.tabs.indexOf(tab) >= 0
    assert list(tab.views) == ["lines", "reconcile", "rules", "position", "forecast", "accounts", "rates"]
    assert window.session.can(Permission.CASH_VIEW)
    window.tabs.setCurrentWidget(tab)
    assert window.new_entry_action.shortcut().isEmpty()  # Ctrl+N is New bank account here
    window.tabs.setCurrentWidget(window.ledger_tab)
    assert not window.new_entry_action.shortcut().isEmpty()
    window.show_banking_view("accounts")
    assert window.tabs.currentWidget() is tab and tab.current_key() == "accounts"


def test_the_tab_is_hidden_without_cash_view(qtbot: Any, session: Any, recent: Any, messages: Messages) -> None:
    from dataclasses import replace

    ctx = session.ctx
    limited = replace(ctx, permissions=frozenset(p for p in ctx.permissions if p != Permission.CASH_VIEW))
    win = MainWindow(type(session)(session.company, limited), recent)
    qtbot.addWidget(win)
    assert win.banking_tab is None
    win.close()


def test_add_a_bank_account_in_the_dialog_with_a_bad_iban_named_first(qtbot: Any, hub: Hub, messages: Messages) -> None:
    view = BankAccountsView(hub)
    qtbot.addWidget(view)
    view.show()
    wait_idle(qtbot, view)
    assert view.count.text().startswith("No bank accounts yet")
    seen: list[str] = []

    def fill(dialog: BankAccountDialog) -> None:
        dialog.name.setText("Operating")
        dialog.bank.setText("First Bank")
        dialog.gl.setText("1100")
        dialog.number.setText("DE89 3704 0044 0532 0130 01")  # one digit wrong
        dialog.save()
        seen.append(messages.last())
        assert dialog.isVisible()  # still open to fix it
        dialog.number.setText("DE89 3704 0044 0532 0130 00")
        shot(dialog, "account-dialog")
        dialog.save()

    timer = handle_dialog(BankAccountDialog, fill)
    view.new_button.click()
    del timer
    assert seen and seen[0].startswith("IBAN / account number:") and "check digits" in seen[0]
    wait_idle(qtbot, view)
    (row,) = hub.session.company.bank_queries(hub.session.ctx).accounts()
    assert (row.name, row.gl_account, row.currency, row.number_last4) == ("Operating", "1100", "USD", "3000")
    assert view.model.rowCount() == 1 and view.model.row_at(0).account.number_masked == "•••• 3000"
    shot(view, "accounts")


def test_csv_import_through_the_mapping_editor_saves_the_profile_and_reuses_it(
    qtbot: Any, hub: Hub, tmp_path: Path, messages: Messages
) -> None:
    add_account(hub, "Operating", "1100")
    jan = tmp_path / "jan.csv"
    jan.write_text(JAN, encoding="utf-8")
    wizard = open_wizard(qtbot, hub, "Operating", jan)
    assert wizard.pages.currentIndex() == 1  # a CSV: the mapping editor
    assert wizard.step.text() == "Step 2 of 3: Map the CSV columns"
    mapping = wizard.mapping
    assert mapping.date_column.currentText() == "Date"  # guessed from the header
    choose(mapping.date_format, "%m/%d/%Y")
    choose(mapping.thousands, "Comma ,")
    mapping.two_amounts.setChecked(True)
    choose(mapping.debit_column, "Debit")
    choose(mapping.credit_column, "Credit")
    choose(mapping.text_columns["bank_id_column"], "Transaction ID")
    assert "not readable" in mapping.status.text().lower()  # the Total row is not a date yet
    mapping.footer.setValue(1)
    assert mapping.status.text().startswith("3 lines read, net 4,689.92")
    shot(wizard, "wizard-mapping")
    wizard.next_button.click()
    wait_preview(qtbot, wizard)
    assert wizard.preview_result is not None and wizard.preview_result.imported == 3
    assert wizard.import_button.isEnabled()
    shot(wizard, "wizard-preview")
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=10_000)
    assert [(str(r.booked), str(r.amount), r.bank_id) for r in lines_of(hub, "Operating")] == [
        ("2024-01-05", "5000.00", "T-1"),
        ("2024-01-09", "-310.45", "T-2"),
        ("2024-01-31", "0.37", "T-3"),
    ]
    saved = account_row(hub, "Operating").import_profile
    assert saved["debit_column"] == "Debit" and saved["skip_footer_rows"] == 1
    assert saved["date_formats"] == ["%m/%d/%Y"] and saved["bank_id_column"] == "Transaction ID"

    # the next file from the bank opens with the saved mapping; the line imported before is skipped
    feb = tmp_path / "feb.csv"
    feb.write_text(FEB, encoding="utf-8")
    again = open_wizard(qtbot, hub, "Operating", feb)
    assert again.mapping.two_amounts.isChecked() and again.mapping.debit_column.currentText() == "Debit"
    assert again.mapping.status.text().startswith("2 lines read")
    again.next_button.click()
    wait_preview(qtbot, again)
    result = again.preview_result
    assert result is not None and (result.imported, len(result.skipped)) == (1, 1)
    assert any("Skipped (already imported)" in again.problems.item(i).text() for i in range(again.problems.count()))
    assert [(r.bank_id, r.action) for r in again.lines_model.rows] == [
        ("T-3", "skip: already imported"),
        ("T-4", "new"),
    ]
    shot(again, "wizard-duplicates")
    again.import_button.click()
    qtbot.waitUntil(lambda: again.result is not None, timeout=10_000)
    assert [r.bank_id for r in lines_of(hub, "Operating")] == ["T-1", "T-2", "T-3", "T-4"]
    assert not messages.shown


def test_ofx_import_then_the_same_file_again_is_all_duplicates(qtbot: Any, hub: Hub, messages: Messages) -> None:
    add_account(hub, "Checking", "1110", number="4433221100")
    wizard = open_wizard(qtbot, hub, "Checking", FILES / "ofx1_sgml_cp1252.ofx")
    assert wizard.pages.currentIndex() == 2  # not a CSV: straight to the preview
    assert wizard.step.text() == "Step 2 of 2: Check and import"
    wait_preview(qtbot, wizard)
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=10_000)
    assert len(lines_of(hub, "Checking")) == 3

    again = open_wizard(qtbot, hub, "Checking", FILES / "ofx1_sgml_cp1252.ofx")
    wait_preview(qtbot, again)
    assert again.summary.text().startswith("Nothing new: all 3 lines")
    assert not again.import_button.isEnabled() and again.problems.count() == 3
    assert len(lines_of(hub, "Checking")) == 3 and not messages.shown


@pytest.mark.parametrize("name", ["ofx1_bad_values.ofx", "mt940_truncated.sta", "statement.pdf"])
def test_a_bad_file_shows_a_dialog_naming_file_and_place_and_imports_nothing(
    qtbot: Any, hub: Hub, messages: Messages, name: str
) -> None:
    add_account(hub, "Checking", "1110")
    seen: list[str] = []
    timer = handle_dialog(ImportErrorsDialog, lambda d: seen.append(d.list.item(0).text()))
    wizard = open_wizard(qtbot, hub, "Checking", FILES / name)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    del timer
    assert seen[0].startswith(name)
    assert wizard.pages.currentIndex() == 0 and lines_of(hub, "Checking") == []
    shot(wizard, "wizard-file")


def test_a_file_for_another_account_is_refused_in_the_preview(qtbot: Any, hub: Hub, messages: Messages) -> None:
    add_account(hub, "Checking", "1110", number="9988776655")
    wizard = open_wizard(qtbot, hub, "Checking", FILES / "ofx1_sgml_cp1252.ofx")
    wait_preview(qtbot, wizard)
    qtbot.waitUntil(lambda: bool(messages.shown))
    assert "not bank account Checking" in messages.last()
    assert not wizard.import_button.isEnabled()
    assert wizard.summary.text().startswith("Nothing can be imported")
    shot(wizard, "wizard-refused")
    assert lines_of(hub, "Checking") == []


def test_the_lines_view_filters_by_account_dates_and_status(qtbot: Any, hub: Hub) -> None:
    add_account(hub, "Operating", "1100")
    add_account(hub, "Savings", "1110")
    importer = hub.session.company.statement_import(hub.session.ctx)
    importer.import_statements(
        "Operating",
        [
            statement(
                line("2024-01-03", "1200.00", "INV-1", "A1", description="Payment INV-1"),
                line("2024-01-05", "-45.10", "", "A2", description="Electricity"),
                line("2024-02-01", "-1000.00", "RENT", "A3", description="Rent February"),
            )
        ],
    )
    importer.import_statements("Savings", [statement(line("2024-01-31", "3.21", "", "S1", description="Interest"))])
    with hub.session.company.engine.begin() as conn:
        conn.execute(text("UPDATE bank_lines SET status = 'matched' WHERE bank_id = 'A1'"))
    view = StatementLinesView(hub)
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    wait_idle(qtbot, view)
    assert view.account.currentData() == "Operating" and view.model.rowCount() == 3
    assert view.totals.text() == "3 lines · in 1,200.00 USD · out 1,045.10 USD · net 154.90 USD"
    shot(view, "lines")
    view.status.setCurrentIndex(view.status.findData("matched"))
    wait_idle(qtbot, view)
    assert [r.bank_id for r in view.model.rows] == ["A1"]
    view.status.setCurrentIndex(view.status.findData("unmatched"))
    wait_idle(qtbot, view)
    assert [r.bank_id for r in view.model.rows] == ["A2", "A3"]
    assert view.totals.text() == "2 lines · in 0.00 USD · out 1,045.10 USD · net (1,045.10) USD"
    from datetime import date

    view.start.set_value(date(2024, 1, 10))
    view.filters.apply_now()
    wait_idle(qtbot, view)
    assert [r.bank_id for r in view.model.rows] == ["A3"]
    view.clear_filter()
    view.account.setCurrentIndex(view.account.findData("Savings"))
    wait_idle(qtbot, view)
    assert [r.bank_id for r in view.model.rows] == ["S1"]
    report = view.export_builder()(lambda *_: None, lambda: False)
    assert [row.cells[1] for row in report.rows] == [view.model.rows[0].amount]
    assert report.totals[0].cells[1] == view.model.rows[0].amount


def test_a_viewer_sees_accounts_and_lines_but_cannot_change_or_import(
    qtbot: Any, sqlite_books: Any, messages: Messages
) -> None:
    company, ctx = sqlite_books.company, sqlite_books.ctx
    company.bank_accounts(ctx).add(BankAccountInput("Operating", "1100", "USD", "First Bank"))
    company.add_user(ctx, "vera", "vera-password-12", roles=("Viewer",))
    viewer = Hub(type_session(company, company.login("vera", "vera-password-12")))
    assert viewer.session.can(Permission.CASH_VIEW)
    assert not viewer.session.can(Permission.CASH_ACCOUNT_MANAGE)
    view = BankAccountsView(viewer)
    qtbot.addWidget(view)
    view.show()
    wait_idle(qtbot, view)
    view.select("Operating")
    assert not view.new_button.isEnabled() and not view.toggle_button.isEnabled()
    assert not view.import_button.isEnabled() and view.open_button.text() == "Open…"
    lines = StatementLinesView(viewer)
    qtbot.addWidget(lines)
    assert not hasattr(lines, "import_button")


def type_session(company: Any, ctx: Any) -> Any:
    from ui.session import AppSession

    return AppSession(company, ctx)
