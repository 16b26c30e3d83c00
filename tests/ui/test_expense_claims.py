"""The Expense claims screen: a claimant fills a claim (a foreign line, a receipt), submits it over a policy
limit; the approver sees it in red, with the flags, and approves or rejects it; who sees which buttons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox

from paksa_desktop.payables.expenses import CategoryInput, ClaimInput, ClaimLineInput
from paksa_desktop.payables.models import ClaimState
from paksa_desktop.receivables.commands import TaxCodeInput
from paksa_desktop.security.context import UserContext
from tests.conftest import Books
from tests.ui.conftest import Messages, wait_idle
from ui.hub import Hub
from ui.payables.expenses_view import AMOUNT, CATEGORY, CURRENCY, DESCRIPTION, RED, ClaimDialog, ExpenseClaimsView
from ui.session import AppSession

PASSWORD = "Claim-Passw0rd-42"


@pytest.fixture
def people(sqlite_books: Books) -> dict[str, UserContext]:
    b = sqlite_books
    b.company.receivables(b.ctx).create_tax_code(TaxCodeInput("VAT20", "Standard rate", D("20"), "2200"))
    expenses = b.company.expenses(b.ctx)
    expenses.use_standard_categories()
    meals = next(c for c in b.company.expense_queries(b.ctx).categories() if c.code == "MEALS")
    expenses.update_category(
        meals.id, CategoryInput("MEALS", "Meals and entertainment", "6180", "VAT20", D("50"), None), meals.version
    )
    b.company.invoicing(b.ctx).set_rate("EUR", date(2024, 6, 1), D("1.10"))
    b.company.add_user(b.ctx, "alice", PASSWORD, roles=("AR clerk",), full_name="Alice Walker")
    b.company.add_user(b.ctx, "carol", PASSWORD, roles=("Controller",), full_name="Carol Checker")
    b.company.add_user(b.ctx, "vera", PASSWORD, roles=("Viewer",))
    return {name: b.company.login(name, PASSWORD) for name in ("alice", "carol", "vera")}


def _view(qtbot: Any, books: Books, ctx: UserContext) -> ExpenseClaimsView:
    view = ExpenseClaimsView(Hub(AppSession(books.company, ctx)))
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    qtbot.waitExposed(view)
    wait_idle(qtbot, view)
    return view


def _fill(dialog: ClaimDialog, row: int, category: str, amount: str, description: str, currency: str = "") -> None:
    combo = dialog.grid.cellWidget(row, CATEGORY)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(category))
    if currency:
        cur = dialog.grid.cellWidget(row, CURRENCY)
        assert isinstance(cur, QComboBox)
        cur.setCurrentText(currency)
    dialog.grid.item(row, DESCRIPTION).setText(description)
    dialog.grid.item(row, AMOUNT).setText(amount)


def test_a_claim_is_filled_submitted_and_approved(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext], messages: Messages, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    books = sqlite_books
    mine = _view(qtbot, books, people["alice"])
    assert mine.lists.count() == 1  # no Approvals for a claimant who does not approve
    assert "No claims yet" in mine.mine_count.text()

    dialog = ClaimDialog(mine.hub, None, parent=mine)
    qtbot.addWidget(dialog)
    assert dialog.ready and dialog.editable and not dialog.approve_button.isVisibleTo(dialog)
    dialog.title_edit.setText("Client dinner")
    _fill(dialog, 0, "MEALS", "60.00", "Dinner with Lindqvist")
    dialog.add_line()
    _fill(dialog, 1, "TRAVEL", "20.00", "Taxi", currency="EUR")
    dialog.grid.cellWidget(1, 0).set_value(date(2024, 6, 10))  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "Total 82.00 USD" in dialog.total_label.text())  # 60.00 + EUR 20 at 1.10
    assert "recoverable tax 10.00" in dialog.total_label.text()
    receipt = tmp_path / "dinner.pdf"
    receipt.write_bytes(b"%PDF-1.4\n%%EOF\n")
    dialog.grid.setCurrentCell(0, DESCRIPTION)
    dialog.attach_receipt(path=receipt)
    assert dialog.grid.item(0, 7).text() == "dinner.pdf (not saved yet)"
    assert dialog.submit()
    assert "over a policy limit" in dialog.outcome
    mine.hub.broadcast(dialog.changes)
    wait_idle(qtbot, mine)
    row = mine.mine.rows[0]
    assert row.state is ClaimState.SUBMITTED and row.flagged and row.total == D("82.00")

    approvals = _view(qtbot, books, people["carol"])
    assert approvals.lists.count() == 2 and approvals.lists.tabText(1) == "Approvals (1)"
    approvals.lists.setCurrentIndex(1)
    queued = approvals.queue.rows[0]
    index = approvals.queue.index(0, 0)
    assert approvals.queue.data(index, 9) == RED  # 9: Qt.ForegroundRole — flagged claims in red
    decide = ClaimDialog(approvals.hub, queued.id, parent=approvals)
    qtbot.addWidget(decide)
    decide.show()
    assert decide.deciding and not decide.editable and decide.flags_label.isVisible()
    assert "above the Meals and entertainment limit of 50.00 USD" in decide.flags_label.text()
    assert decide.approve_button.isVisible() and decide.reject_button.isVisible()
    assert decide.grid.item(0, 7).text() == "dinner.pdf"
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    decide.grid.setCurrentCell(0, DESCRIPTION)
    decide.open_receipt()
    assert opened and Path(opened[0].toLocalFile()).read_bytes() == b"%PDF-1.4\n%%EOF\n"
    assert decide.approve()
    assert decide.outcome.startswith("Approved and posted EXP-2024-000001")

    # the claimant's posted claim opens read-only
    posted = ClaimDialog(mine.hub, queued.id, parent=mine)
    qtbot.addWidget(posted)
    assert not posted.editable and not posted.deciding and not posted.save_button.isVisibleTo(posted)
    assert "Total 82.00 USD" in posted.total_label.text()
    assert messages.shown == []


def test_a_rejected_claim_comes_back_with_the_reason(
    qtbot: Any, sqlite_books: Books, people: dict[str, UserContext], messages: Messages
) -> None:
    books = sqlite_books
    line = ClaimLineInput(date(2024, 6, 3), "OFFICE", D("19.99"), "Toner")
    ref, _ = books.company.expenses(people["alice"]).submit(None, data=ClaimInput("Toner", (line,)))
    approvals = _view(qtbot, books, people["carol"])
    decide = ClaimDialog(approvals.hub, ref.id, parent=approvals)
    qtbot.addWidget(decide)
    assert not decide.reject_claim(reason="  ")
    assert "Say why" in decide.error.text()
    assert decide.reject_claim(reason="Attach the receipt, please")
    mine = _view(qtbot, books, people["alice"])
    assert "1 rejected: open to change and resubmit" in mine.mine_count.text()
    again = ClaimDialog(mine.hub, ref.id, parent=mine)
    qtbot.addWidget(again)
    again.show()
    assert again.editable and again.findChild(type(again.state_label), "rejectionNote").isVisible()
    again.grid.item(0, AMOUNT).setText("abc")
    assert not again.submit()
    assert "'abc' is not an amount" in again.error.text()
    again.grid.item(0, AMOUNT).setText("18.50")
    assert again.save_draft()
    assert books.company.expense_queries(people["alice"]).claim(ref.id).claim.total == D("18.50")
    assert messages.shown == []


def test_who_sees_what(qtbot: Any, sqlite_books: Books, people: dict[str, UserContext]) -> None:
    viewer = _view(qtbot, sqlite_books, people["vera"])
    assert not viewer.new_button.isEnabled() and viewer.lists.count() == 1
    assert viewer.mine_count.text() == "Your role does not claim expenses."
    viewer.new_record()  # Ctrl+N does nothing for a user who may not claim
    assert not hasattr(viewer, "last_dialog")
