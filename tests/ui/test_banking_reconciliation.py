"""The reconciliation screen, driven by the keyboard: J/K between lines, Enter books the proposal (the invoice
is paid), Ctrl+Shift+A books all above the threshold, F searches open items by hand, E posts an entry for the
bank charges; the difference reaches zero, Finish reconciles, Undo last (with a reason) reverts; the report
PDF is written and read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog

from paksa_desktop.receivables.models import InvoiceState
from tests.banking.helpers import line, operating, statement
from tests.conftest import Books
from tests.receivables.helpers import docs, inv, sale, with_customer
from tests.ui.conftest import Messages, handle_dialog
from ui.banking.reconciliation_view import BankReconciliationView, CandidateSearchDialog, EntryDialog
from ui.hub import Hub

END = date(2024, 3, 31)


def shot(widget: Any, name: str) -> None:
    """What the test sees, for a look: /tmp/bank-recon-gui-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/bank-recon-gui-{name}.png")


@pytest.fixture
def numbers(sqlite_books: Books) -> list[str]:
    """Acme with two invoices of 120.00; a statement paying both (one quoting its number) and a 12.50 fee."""
    books = sqlite_books
    with_customer(books, name="Acme Ltd")
    for _ in range(2):
        inv(books).issue(sale("C001", "2024-03-01"), confirm_credit=True)
    books.company.bank_accounts(books.ctx).add(operating())
    first, second = sorted(r.number for r in docs(books).invoices())
    books.company.statement_import(books.ctx).import_statements(
        "Operating",
        [
            statement(
                line("2024-03-10", "120.00", f"Payment {first}", "T1", counterparty="Acme Ltd"),
                line("2024-03-12", "120.00", second, "T2", counterparty="ACME LTD"),
                line("2024-03-15", "-12.50", "", "T3", description="Account charges"),
            )
        ],
    )
    return [first, second]


def states(books: Books) -> dict[str, InvoiceState]:
    return {r.number: r.state for r in docs(books).invoices()}


def statuses(books: Books) -> list[str]:
    return [r.status.value for r in books.company.bank_queries(books.ctx).lines("Operating")]


def open_view(qtbot: Any, hub: Hub, balance: str = "227.50") -> BankReconciliationView:
    view = BankReconciliationView(hub)
    qtbot.addWidget(view)
    view.resize(1280, 640)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=10_000)
    view.statement_date.set_value(END)
    view.balance.setText(balance)
    view.balance.editingFinished.emit()
    settle(qtbot, view)
    view.activateWindow()
    view.table.setFocus()
    return view


def settle(qtbot: Any, view: BankReconciliationView) -> None:
    """Wait for every write and the reload after it."""
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=10_000)
    QCoreApplication.processEvents()
    qtbot.waitUntil(lambda: not view.loader.busy, timeout=10_000)
    QCoreApplication.processEvents()


def test_keys_move_between_lines_and_enter_books_the_proposal(
    qtbot: Any, sqlite_books: Books, numbers: list[str], hub: Hub, messages: Messages
) -> None:
    view = open_view(qtbot, hub)
    rows = view.model.rows
    assert [r.amount for r in rows] == [Decimal("120.00"), Decimal("120.00"), Decimal("-12.50")]
    assert rows[0].score is not None and rows[0].score >= 80 and numbers[0] in rows[0].items
    assert "amount equal" in rows[0].reasons and f"invoice {numbers[0]} in reference" in rows[0].reasons
    assert rows[2].proposal is None and rows[2].items.startswith("none")
    assert view.figures["difference"].text() == "227.50"  # nothing booked yet
    assert "color: #b3261e" in view.figures["difference"].styleSheet()
    assert not view.finish_button.isEnabled()
    shot(view, "screen")

    qtbot.keyClick(view.table, Qt.Key.Key_J)
    assert view.current().id == rows[1].id
    qtbot.keyClick(view.table, Qt.Key.Key_J)
    qtbot.keyClick(view.table, Qt.Key.Key_K)
    assert view.current().id == rows[1].id
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # accept the second line's proposal
    settle(qtbot, view)
    assert states(sqlite_books)[numbers[1]] is InvoiceState.PAID
    assert states(sqlite_books)[numbers[0]] is not InvoiceState.PAID
    assert statuses(sqlite_books) == ["unmatched", "matched", "unmatched"]
    assert [r.amount for r in view.model.rows] == [Decimal("120.00"), Decimal("-12.50")]
    assert messages.shown == []


def test_accept_all_entry_finish_report_and_undo(
    qtbot: Any,
    sqlite_books: Books,
    numbers: list[str],
    hub: Hub,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    view = open_view(qtbot, hub)
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, view)
    assert all(s is InvoiceState.PAID for s in states(sqlite_books).values())
    assert [r.amount for r in view.model.rows] == [Decimal("-12.50")]
    assert view.figures["difference"].text() == "(12.50)" and not view.finish_button.isEnabled()

    def post(dialog: EntryDialog) -> None:
        shot(dialog, "entry")
        dialog.account.setText("6100")
        dialog.memo.setText("Bank charges March")
        dialog.accept()

    keep = handle_dialog(EntryDialog, post)
    qtbot.keyClick(view.table, Qt.Key.Key_E)
    settle(qtbot, view)
    del keep
    assert statuses(sqlite_books) == ["matched", "matched", "matched"]
    assert view.model.rows == []
    assert view.figures["difference"].text() == "0.00"
    assert "color: #1b7f3b" in view.figures["difference"].styleSheet()
    assert view.finish_button.isEnabled()
    shot(view, "balanced")

    target = tmp_path / "recon.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "PDF (*.pdf)")))
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: True))
    view.report_button.click()
    settle(qtbot, view)
    assert view.opened == [target]
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Bank reconciliation" in text and "227.50" in text and "Difference" in text

    view.finish_button.click()
    settle(qtbot, view)
    assert statuses(sqlite_books) == ["reconciled"] * 3
    assert view.undo_button.isEnabled()

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("wrong statement", True)))
    view.undo_button.click()
    settle(qtbot, view)
    assert statuses(sqlite_books) == ["matched"] * 3
    assert not view.undo_button.isEnabled()
    history = sqlite_books.company.bank_reconciliation(sqlite_books.ctx).history("Operating")
    assert [h.undone for h in history] == [True]
    assert messages.shown == []


def test_search_matches_a_line_by_hand(
    qtbot: Any, sqlite_books: Books, numbers: list[str], hub: Hub, messages: Messages
) -> None:
    # a payment with neither reference nor payer: the matcher has only the amount to go by
    sqlite_books.company.statement_import(sqlite_books.ctx).import_statements(
        "Operating", [statement(line("2024-03-20", "120.00", "", "T9", description="Transfer"), source="b.ofx")]
    )
    view = open_view(qtbot, hub)
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, view)
    (left,) = [r for r in view.model.rows if r.amount > 0]
    view.table.selectRow(view.model.rows.index(left))
    # both invoices are paid now; a third, new invoice is what the transfer pays
    inv(sqlite_books).issue(sale("C001", "2024-03-18"), confirm_credit=True)
    third = max(r.number for r in docs(sqlite_books).invoices())

    def choose(dialog: CandidateSearchDialog) -> None:
        qtbot.waitUntil(lambda: bool(dialog.items), timeout=10_000)
        dialog.filter.setText(third)
        assert [i.number for i in dialog.model.rows] == [third]
        dialog.table.selectRow(0)
        assert "1 chosen, 120.00" in dialog.total.text()
        shot(dialog, "search")
        dialog.accept()

    keep = handle_dialog(CandidateSearchDialog, choose)
    qtbot.keyClick(view.table, Qt.Key.Key_F)
    settle(qtbot, view)
    del keep
    assert states(sqlite_books)[third] is InvoiceState.PAID
    assert messages.shown == []
