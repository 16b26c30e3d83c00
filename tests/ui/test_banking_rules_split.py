"""The bank rules screen (a rule suggested from three lines posted alike, the rule form with its regex check,
Apply rules… with a preview) and the reconciliation screen's keys beyond matching: S splits a payment over
an invoice and a bank fee, T books a transfer to the savings account, P a receipt on account, R opens the
rule form filled from the line. Screenshots in /tmp/bankui-*.png."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtWidgets import QDialogButtonBox

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.receivables.models import InvoiceState
from tests.banking.helpers import line, operating, statement
from tests.conftest import Books
from tests.receivables.helpers import balance, docs, inv, sale, with_customer
from tests.ui.conftest import Messages, handle_dialog
from ui.banking.line_dialogs import ReceiptOnAccountDialog, SplitDialog, TransferDialog
from ui.banking.lines_view import StatementLinesView
from ui.banking.reconciliation_view import BankReconciliationView
from ui.banking.rules_view import ApplyRulesDialog, BankRulesView, RuleDialog
from ui.hub import Hub

END = date(2024, 3, 31)
D = Decimal


def shot(widget: Any, name: str) -> None:
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/bankui-{name}.png")


def settle(qtbot: Any, *views: Any) -> None:
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=10_000)
    QCoreApplication.processEvents()
    for view in views:
        qtbot.waitUntil(lambda v=view: not v.loader.busy, timeout=10_000)
    QCoreApplication.processEvents()


def _import(books: Books, *lines: object, account: str = "Operating", source: str = "a.ofx") -> None:
    books.company.statement_import(books.ctx).import_statements(account, [statement(*lines, source=source)])  # type: ignore[arg-type]


def statuses(books: Books, account: str = "Operating") -> list[str]:
    return [r.status.value for r in books.company.bank_queries(books.ctx).lines(account)]


@pytest.fixture
def coded(sqlite_books: Books) -> Books:
    """Three office supply card payments posted by hand to 6100: a rule is suggested."""
    books = sqlite_books
    books.company.bank_accounts(books.ctx).add(operating())
    _import(
        books,
        *(
            line(f"2024-03-0{n}", f"-{n}5.00", "", f"C{n}", description=f"CARD 441{n} OFFICE DEPOT 030{n}")
            for n in (1, 2, 3)
        ),
    )
    service = books.company.bank_reconciliation(books.ctx)
    for row in books.company.bank_queries(books.ctx).lines("Operating"):
        service.create_entry(row.id, "6100")
    return books


def test_rules_screen_suggestion_form_and_apply(qtbot: Any, coded: Books, hub: Hub, messages: Messages) -> None:
    view = BankRulesView(hub)
    qtbot.addWidget(view)
    view.resize(1280, 640)
    view.show()
    qtbot.waitExposed(view)
    view.refresh()
    settle(qtbot, view)
    qtbot.waitUntil(lambda: not view.suggestion_loader.busy, timeout=10_000)
    assert view.model.rows == [] and "No bank rules yet" in view.count.text()
    (suggestion,) = view.suggestion_model.rows
    assert view.suggestion_model.data(view.suggestion_model.index(0, 3)) == "money out"
    assert (suggestion.count, suggestion.rule.pattern, suggestion.rule.account) == (3, "office depot", "6100")
    view.suggestion_table.selectRow(0)
    assert view.create_button.isEnabled()
    shot(view, "rules-suggested")

    def fill(dialog: RuleDialog) -> None:
        assert dialog.pattern.text() == "office depot" and dialog.account.code() == "6100"
        assert dialog.amount_max.text() == "0.00"
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.regex.setChecked(True)
        dialog.pattern.setText("office (depot")  # a regular expression that does not compile
        assert not save.isEnabled() and "is not valid" in dialog.pattern_error.text()
        assert dialog.pattern_error.isVisible()
        dialog.pattern.setText("(\\w+)+ depot")  # one that could take forever
        assert not save.isEnabled() and "repeats a repeated group" in dialog.pattern_error.text()
        shot(dialog, "rule-dialog-error")
        dialog.pattern.setText(r"office\s+depot")
        assert save.isEnabled() and not dialog.pattern_error.isVisible()
        dialog.name.setText("Office supplies")
        dialog.priority.setValue(10)
        shot(dialog, "rule-dialog")
        dialog.save()

    keep = handle_dialog(RuleDialog, fill)
    view.create_button.click()
    del keep
    settle(qtbot, view)
    qtbot.waitUntil(lambda: len(view.model.rows) == 1, timeout=10_000)
    rule = view.model.rows[0].row.data
    assert (rule.name, rule.pattern, rule.is_regex, rule.account, rule.bank_account) == (
        "Office supplies",
        r"office\s+depot",
        True,
        "6100",
        "Operating",
    )
    qtbot.waitUntil(lambda: not view.suggestion_loader.busy and view.suggestion_model.rowCount() == 0)
    assert "None yet" in view.suggestion_note.text()
    view.table.selectRow(0)
    shot(view, "rules")

    # a new statement: Apply rules… previews the line the rule fits, then posts it
    _import(coded, line("2024-03-20", "-19.99", "", "C9", description="CARD 4419 OFFICE  DEPOT 0320"), source="b.ofx")

    def apply(dialog: ApplyRulesDialog) -> None:
        qtbot.waitUntil(lambda: not dialog.loader.busy and dialog.model.rowCount() == 1, timeout=10_000)
        (planned,) = dialog.model.rows
        assert planned[0].amount == D("-19.99") and planned[1] == "Office supplies"
        shot(dialog, "apply-rules")
        dialog.apply()
        qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
        assert "1 line(s) posted" in dialog.summary.text()
        dialog.reject()

    keep = handle_dialog(ApplyRulesDialog, apply)
    view.apply_button.click()
    del keep
    assert statuses(coded) == ["matched"] * 4
    assert balance(coded, "6100") == D("94.99")
    assert messages.shown == []


@pytest.fixture
def numbers(sqlite_books: Books) -> list[str]:
    """Acme with two invoices of 120.00; Operating and Savings accounts; a statement with a payment less a fee,
    a payment with no invoice, a transfer to savings and a charge."""
    books = sqlite_books
    with_customer(books, name="Acme Ltd")
    for _ in range(2):
        inv(books).issue(sale("C001", "2024-03-01"), confirm_credit=True)
    books.company.bank_accounts(books.ctx).add(operating())
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Savings", "1110", "USD", "First Bank"))
    first, second = sorted(r.number for r in docs(books).invoices())
    _import(
        books,
        line("2024-03-10", "115.00", f"Payment {first}", "T1", counterparty="Acme Ltd", description="Acme Ltd"),
        line("2024-03-12", "200.00", "ADVANCE", "T2", counterparty="Acme Ltd", description="Acme Ltd advance"),
        line("2024-03-14", "-500.00", "TRF-1", "T3", description="Own transfer to savings"),
        line("2024-03-15", "-12.50", "", "T4", description="Account charges"),
    )
    return [first, second]


def open_view(qtbot: Any, hub: Hub) -> BankReconciliationView:
    view = BankReconciliationView(hub)
    qtbot.addWidget(view)
    view.resize(1280, 640)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=10_000)
    view.statement_date.set_value(END)
    view.balance.setText("-197.50")
    view.balance.editingFinished.emit()
    settle(qtbot, view)
    view.activateWindow()
    view.table.setFocus()
    return view


def select(qtbot: Any, view: BankReconciliationView, amount: str) -> None:
    """Choose the line of that amount, the table focused in the active window (the keys act on it)."""
    row = next(n for n, r in enumerate(view.model.rows) if r.amount == D(amount))
    view.table.selectRow(row)
    view.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(lambda: view.isActiveWindow() and view.table.hasFocus(), timeout=5_000)


def test_split_transfer_receipt_and_rule_from_the_keyboard(
    qtbot: Any, sqlite_books: Books, numbers: list[str], hub: Hub, messages: Messages
) -> None:
    books = sqlite_books
    first, second = numbers
    view = open_view(qtbot, hub)
    shot(view, "reconciliation")

    # S: the payment of the first invoice less a 5.00 fee
    select(qtbot, view, "115.00")

    def split(dialog: SplitDialog) -> None:
        qtbot.waitUntil(lambda: bool(dialog.items), timeout=10_000)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled() and "Remaining 115.00" in dialog.remaining.text()
        dialog.filter.setText(first)
        assert [i.number for i in dialog.model.rows] == [first]
        dialog.filter.returnPressed.emit()  # Enter in the search adds the item found (a key click can miss
        # the field while the dialog's nested event loop is still showing it offscreen)
        assert dialog.table.item(0, 6).text() == "115.00"  # what is left of the line: a part payment
        dialog.table.item(0, 6).setText("120.00")
        assert "Remaining (5.00)" in dialog.remaining.text() and not ok.isEnabled()
        dialog.add_account()  # the rest: the bank's fee
        assert dialog.table.item(1, 6).text() == "-5.00"
        dialog.table.cellWidget(1, 1).set_code("6100")
        dialog.table.item(1, 5).setText("Bank fee")
        assert "Remaining 0.00" in dialog.remaining.text() and ok.isEnabled()
        shot(dialog, "split")
        dialog.accept()

    keep = handle_dialog(SplitDialog, split)
    qtbot.keyClick(view.table, Qt.Key.Key_S)
    settle(qtbot, view)
    del keep
    invoices = {r.number: r.state for r in docs(books).invoices()}
    assert invoices == {first: InvoiceState.PAID, second: InvoiceState.POSTED}
    assert balance(books, "6100") == D("5.00")

    # T: the transfer to savings
    select(qtbot, view, "-500.00")

    def transfer(dialog: TransferDialog) -> None:
        assert dialog.chosen() == "Savings"
        assert "500.00 goes from Operating to Savings" in dialog.explain.text()
        shot(dialog, "transfer")
        dialog.accept()

    keep = handle_dialog(TransferDialog, transfer)
    qtbot.keyClick(view.table, Qt.Key.Key_T)
    settle(qtbot, view)
    del keep
    assert balance(books, "1110") == D("500.00")

    # P: Acme's advance, no invoice: customer credit
    select(qtbot, view, "200.00")

    def receive(dialog: ReceiptOnAccountDialog) -> None:
        assert dialog.chosen() == "C001"
        shot(dialog, "receipt-on-account")
        dialog.accept()

    keep = handle_dialog(ReceiptOnAccountDialog, receive)
    qtbot.keyClick(view.table, Qt.Key.Key_P)
    settle(qtbot, view)
    del keep
    advance = next(r for r in docs(books).receipts() if r.amount == D("200.00"))
    assert advance.unapplied == D("200.00")

    # R: a rule for the charges, from the line
    select(qtbot, view, "-12.50")

    def rule(dialog: RuleDialog) -> None:
        assert dialog.pattern.text() == "Account charges" and dialog.amount_max.text() == "0.00"
        dialog.account.set_code("6100")
        dialog.save()

    keep = handle_dialog(RuleDialog, rule)
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    del keep
    (saved,) = books.company.bank_rules(books.ctx).rules()
    assert (saved.data.pattern, saved.data.account, saved.data.bank_account) == ("Account charges", "6100", "Operating")
    settle(qtbot, view)
    assert statuses(books) == ["matched", "matched", "matched", "unmatched"]
    assert [r.amount for r in view.model.rows] == [D("-12.50")]
    assert messages.shown == []


def test_lines_view_creates_a_rule_from_the_selected_line(
    qtbot: Any, sqlite_books: Books, numbers: list[str], hub: Hub, messages: Messages
) -> None:
    view = StatementLinesView(hub)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 4, timeout=10_000)
    assert not view.rule_button.isEnabled()
    view.table.selectRow(3)
    assert view.rule_button.isEnabled()

    def rule(dialog: RuleDialog) -> None:
        assert dialog.pattern.text() == "Account charges"
        dialog.account.set_code("6100")
        dialog.save()

    keep = handle_dialog(RuleDialog, rule)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_R)
    del keep
    assert [r.data.name for r in sqlite_books.company.bank_rules(sqlite_books.ctx).rules()] == ["Account Charges"]
    assert messages.shown == []
