"""The Dunning and Follow-ups views of the Receivables tab.

Dunning: a run proposed on a worker, one customer unticked, the rest issued into a folder; the PDF names
the customer and the invoices, the fee is a posted invoice, the invoice's history shows the level, and a
user without `receivables.dunning.run` cannot issue. Procedures are edited in their dialog and a customer
is given one in the customer form. Follow-ups: a note with a follow-up day is on the queue from that day
(red once the day has passed) and leaves it when marked done.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QDate, Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog, QTreeWidgetItem

from paksa_desktop.receivables.dunning import LevelInput, ProcedureInput
from paksa_desktop.receivables.models import InvoiceState
from tests.conftest import Books
from tests.receivables.helpers import D, ar, customer, docs, inv, sale, with_customer
from tests.ui.ar_data import user_session
from tests.ui.conftest import Messages, handle_dialog, wait_idle
from ui.main_window import MainWindow
from ui.receivables.customer_dialog import CustomerDialog, customer_dialog
from ui.receivables.dunning_procedures import FEE, ProcedureDialog, ProceduresDialog
from ui.receivables.dunning_view import LETTER_ROLE, LINE_ROLE, DunningView
from ui.receivables.follow_ups_view import FollowUpsView, NoteDialog
from ui.session import AppSession
from ui.settings import RecentCompanies
from ui.style import NEGATIVE

TODAY = date(2024, 6, 30)  # the test clock's day


def shot(widget: Any, name: str) -> None:
    """What the test sees, for a look: /tmp/ar-dunning-gui-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/ar-dunning-gui-{name}.png")


def overdue(books: Books) -> dict[str, str]:
    """C001 Acme Ltd: two overdue invoices (due 2024-03-31 and 2024-05-01) and one not yet due;
    C003 Corner Deli: one overdue (due 2024-05-01). A procedure with fees 2.50 / 5.00 / 15.00."""
    with_customer(books)
    ar(books).create_customer(customer("C003", "Corner Deli Ltd"))
    numbers = {
        "old": inv(books).issue(sale(on="2024-03-01"))[0].number,
        "newer": inv(books).issue(sale(on="2024-04-01"))[0].number,
        "future": inv(books).issue(sale(on="2024-06-20"), confirm_credit=True)[0].number,
        "deli": inv(books).issue(sale("C003", "2024-04-01"))[0].number,
    }
    levels = tuple(
        LevelInput(k, days, f"Reminder {k}: please pay the invoices below.", D(fee), D(0))
        for k, (days, fee) in enumerate(((7, "2.50"), (21, "5.00"), (35, "15.00")), start=1)
    )
    books.company.dunning(books.ctx).save_procedure(ProcedureInput("STD", "Standard", levels))
    return {k: v or "" for k, v in numbers.items()}


def show(qtbot: Any, window: MainWindow, key: str) -> Any:
    tab = window.receivables_tab
    assert tab is not None
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def propose(qtbot: Any, view: DunningView, on: date = TODAY) -> None:
    view.as_of.setDate(QDate(on))
    view.propose_button.click()
    wait_idle(qtbot, view)


def letter_items(view: DunningView) -> dict[str, QTreeWidgetItem]:
    items = (view.tree.topLevelItem(k) for k in range(view.tree.topLevelItemCount()))
    return {item.data(0, LETTER_ROLE).customer: item for item in items}


def invoice_item(view: DunningView, number: str) -> QTreeWidgetItem:
    for parent in letter_items(view).values():
        for k in range(parent.childCount()):
            if parent.child(k).data(0, LINE_ROLE).number == number:
                return parent.child(k)
    raise AssertionError(f"{number} is not in the proposal")


@pytest.fixture
def open_window(qtbot: Any, recent: RecentCompanies, messages: Messages) -> Iterator[Any]:
    windows: list[MainWindow] = []

    def make(session: AppSession) -> MainWindow:
        win = MainWindow(session, recent)
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        qtbot.waitUntil(lambda: win.windowHandle() is not None and win.windowHandle().isExposed())
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
    QThreadPool.globalInstance().waitForDone()


def test_propose_untick_a_customer_issue_and_read_the_letters_back(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages, tmp_path: Path, monkeypatch: Any
) -> None:
    n = overdue(sqlite_books)
    window.resize(1280, 800)
    view: DunningView = show(qtbot, window, "dunning")
    assert view.tree.topLevelItemCount() == 0 and "press Propose" in view.count.text()
    propose(qtbot, view)
    letters = letter_items(view)
    assert list(letters) == ["C001", "C003"]
    acme = letters["C001"]
    assert acme.text(0) == "C001 — Acme Ltd" and acme.text(4) == "1" and acme.text(5) == "2"
    assert acme.text(6) == "2.50" and acme.text(8) == "2.50"  # fee, no interest: charges 2.50
    assert acme.text(3) == "240.00 USD"
    assert [acme.child(k).text(0) for k in range(acme.childCount())] == [n["old"], n["newer"]]
    old = invoice_item(view, n["old"])
    assert (old.text(1), old.text(2), old.text(3), old.text(4)) == ("2024-03-31", "91", "120.00 USD", "0 → 1")
    assert n["future"] not in {acme.child(k).text(0) for k in range(acme.childCount())}
    assert "2 of 2 letters ticked, listing 3 invoices; charges USD 5.00" in view.count.text()
    view.tree.setCurrentItem(acme)
    assert view.detail_title.text() == "Letter to Acme Ltd" and "Reminder 1: please pay" in view.detail.text()
    shot(window, "dunning")

    letters["C003"].setCheckState(0, Qt.CheckState.Unchecked)  # the clerk drops Corner Deli
    assert invoice_item(view, n["deli"]).checkState(0) == Qt.CheckState.Unchecked
    assert "1 of 2 letters ticked, listing 2 invoices; charges USD 2.50" in view.count.text()
    assert [lt.customer for lt in view.reviewed().letters] == ["C001"]  # type: ignore[union-attr]

    folder = tmp_path / "letters"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *_a, **_k: str(folder)))
    view.issue_button.click()
    qtbot.waitUntil(lambda: bool(messages.texts("information")), timeout=20_000)
    wait_idle(qtbot, view)
    question = messages.texts("question")[-1]
    assert "Issue 1 reminder letter dated 2024-06-30?" in question and "USD 2.50 are invoiced" in question
    report = messages.texts("information")[-1]
    assert report.startswith("Issued 1 reminder letter dated 2024-06-30:") and str(folder) in report

    pdfs = sorted(p.name for p in folder.iterdir())
    assert pdfs == ["reminder-C001-2024-06-30.pdf"]  # none for the customer left out
    text = "\n".join(page.extract_text() for page in PdfReader(folder / pdfs[0]).pages)
    assert "Acme Ltd" in text and n["old"] in text and n["newer"] in text and n["deli"] not in text
    assert "Corner Deli" not in text
    shutil.copyfile(folder / pdfs[0], "/tmp/ar-dunning-gui-letter.pdf")  # for a look, as the screenshots
    (issued,) = view.last_issued
    charge = docs(sqlite_books).invoice(issued.charge_invoice)  # the fee is a posted invoice of the customer's
    assert charge.row.customer == "C001" and charge.row.total == D("2.50")
    assert charge.row.state == InvoiceState.POSTED and f"invoiced on {issued.charge_invoice}" in report
    history = sqlite_books.company.dunning_queries(sqlite_books.ctx).history
    assert [(h.level, h.dunned) for h in history(n["old"])] == [(1, True)] and history(n["deli"]) == []

    # issued: the view works the run out again, and only Corner Deli is still due today
    assert list(letter_items(view)) == ["C003"]
    # two weeks later Acme's invoices reach level 2; the history of one shows the letter issued at level 1
    propose(qtbot, view, date(2024, 7, 14))
    view.tree.setCurrentItem(invoice_item(view, n["old"]))
    qtbot.waitUntil(lambda: view.history_model.rowCount() == 1)
    (row,) = view.history_model.rows
    assert (row.issued_on, row.level, row.days_overdue, row.open_amount, row.dunned) == (TODAY, 1, 91, D(120), True)
    assert [view.history_model.index(0, c).data() for c in range(3)] == ["2024-06-30", "1", "120.00"]
    assert "the last on 2024-06-30 at level 1" in view.history_note.text()
    assert invoice_item(view, n["old"]).text(4) == "1 → 2"
    shot(window, "dunning-history")


def test_a_user_without_the_dunning_permission_cannot_issue(
    qtbot: Any, open_window: Any, sqlite_books: Books, messages: Messages, monkeypatch: Any
) -> None:
    overdue(sqlite_books)
    viewer = open_window(user_session(sqlite_books, "vera", "Viewer"))
    view: DunningView = show(qtbot, viewer, "dunning")
    assert not view.can_run
    assert not view.issue_button.isEnabled() and not view.propose_button.isEnabled()
    assert "receivables.dunning.run" in view.issue_button.toolTip()
    assert "Your role cannot run dunning" in view.count.text()
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *_a, **_k: asked.append("x")))
    view.propose()
    view.issue()  # even called directly, nothing happens: no folder asked, nothing issued
    wait_idle(qtbot, view)
    assert asked == [] and view.proposal is None and messages.shown == []
    procedures = ProceduresDialog(view.hub, view)
    qtbot.addWidget(procedures)
    assert not procedures.new_button.isEnabled() and procedures.edit_button.text() == "Open…"


def test_procedures_are_edited_and_a_customer_gets_one(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    overdue(sqlite_books)
    view: DunningView = show(qtbot, window, "dunning")

    def edit(dialog: ProcedureDialog) -> None:
        assert dialog.grid.rowCount() == 3
        dialog.grid.item(1, FEE).setText("7.50")
        dialog.grid.setCurrentCell(2, FEE)
        dialog.letter_text.setPlainText("Final reminder before we hand the debt over.")
        dialog.add_level()
        assert dialog.grid.item(3, 1).text() == "49"  # 14 days after the last level
        shot(dialog, "dunning-procedure")
        dialog.accept()

    def procedures(dialog: ProceduresDialog) -> None:
        shot(dialog, "dunning-procedures")
        timer = handle_dialog(ProcedureDialog, edit)
        dialog.edit_current()
        del timer
        dialog.accept()

    timer = handle_dialog(ProceduresDialog, procedures)
    view.procedures_button.click()
    del timer
    (saved,) = sqlite_books.company.dunning_queries(sqlite_books.ctx).procedures()
    assert [(lv.level, lv.days_overdue, lv.fee) for lv in saved.levels] == [
        (1, 7, D("2.50")),
        (2, 21, D("7.50")),
        (3, 35, D("15.00")),
        (4, 49, D("0")),
    ]
    assert saved.levels[2].letter_text == "Final reminder before we hand the debt over."

    dialog = ProcedureDialog(view.hub, saved, editable=True, parent=view)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grid.item(0, 1).setText("soon")
    dialog.accept()
    assert dialog.isVisible()  # stays open to fix it
    assert "Level 1, days overdue: 'soon' is not a whole number of days" in messages.last()

    slow = ProcedureInput("SLOW", "Patient customers", (LevelInput(1, 100, "Hello"),))
    sqlite_books.company.dunning(sqlite_books.ctx).save_procedure(slow)
    form = customer_dialog(view.hub, "C001", editable=True, parent=view)
    qtbot.addWidget(form)
    assert form.dunning.currentText() == "company default (STD)"
    form.dunning.setCurrentIndex(form.dunning.findData("SLOW"))
    form.accept()
    assert form.result() == CustomerDialog.DialogCode.Accepted
    assert sqlite_books.company.receivables_queries(sqlite_books.ctx).customer("C001").dunning_procedure == "SLOW"
    propose(qtbot, view)
    assert list(letter_items(view)) == ["C003"]  # Acme's oldest is 91 days late: SLOW waits 100 days
    shot(form, "customer-dunning")


def test_a_follow_up_is_queued_on_its_day_and_leaves_when_done(
    qtbot: Any, window: MainWindow, sqlite_books: Books, messages: Messages
) -> None:
    n = overdue(sqlite_books)
    view: FollowUpsView = show(qtbot, window, "follow-ups")
    assert view.model.rowCount() == 0 and "Nothing to follow up by 2024-06-30" in view.count.text()

    def write(dialog: NoteDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("C001"))
        dialog.invoice.setCurrentIndex(dialog.invoice.findData(n["old"]))
        dialog.text.setPlainText("Called Ann: pays the March invoice next week")
        dialog.follow_up.setDate(QDate(2024, 7, 5))
        dialog.promised_on.setDate(QDate(2024, 7, 4))
        dialog.promised_amount.setText("120.00")
        shot(dialog, "follow-up-note")
        dialog.save()

    timer = handle_dialog(NoteDialog, write)
    view.new_button.click()
    del timer
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 0  # due on 2024-07-05, not today

    view.on.setDate(QDate(2024, 7, 5))
    wait_idle(qtbot, view)
    (row,) = view.model.rows
    assert (row.customer, row.invoice, row.promised_amount, row.created_by) == ("C001", n["old"], D("120.00"), "admin")
    assert view.model.index(0, 0).data() == "broken promise"  # promised for the 4th, still open on the 5th

    view.on.setDate(QDate(2024, 7, 8))
    wait_idle(qtbot, view)
    assert view.model.index(0, 0).data() == "broken promise"
    assert view.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) == NEGATIVE
    assert "1 overdue (red)" in view.count.text()
    shot(window, "follow-ups")
    view.table.selectRow(0)

    view.done_button.click()
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 0  # done: off the queue
    view.show_all.setChecked(True)
    wait_idle(qtbot, view)
    (done,) = view.model.rows
    assert done.done and view.model.index(0, 0).data() == "done"

    # a follow-up without a promise: due on its day, red the day after
    view.show_all.setChecked(False)
    collections = sqlite_books.company.collections(sqlite_books.ctx)
    from paksa_desktop.receivables.collections import NoteInput

    collections.add_note(NoteInput("C003", "Call the owner back", follow_up_on=date(2024, 7, 7)))
    view.reload()
    wait_idle(qtbot, view)
    assert [view.model.index(k, 0).data() for k in range(view.model.rowCount())] == ["overdue 1 d"]


def test_a_note_without_text_is_refused_naming_the_field(qtbot: Any, window: MainWindow, sqlite_books: Books,
                                                          messages: Messages) -> None:  # fmt: skip
    overdue(sqlite_books)
    view: FollowUpsView = show(qtbot, window, "follow-ups")
    dialog = NoteDialog(view.hub, "C003", parent=view)
    qtbot.addWidget(dialog)
    dialog.save()
    assert messages.last() == "Note: write what was said or agreed" and dialog.result() == 0
    dialog.text.setPlainText("Will pay")
    dialog.promised_amount.setText("50")
    dialog.save()
    assert messages.last() == "Promised by: a promised amount needs the day it is promised for"
    assert sqlite_books.company.collections(sqlite_books.ctx).notes() == []
