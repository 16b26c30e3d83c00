"""The invoice editor by keyboard: type-ahead pickers in the line cells (an item fills its line), an unknown code
marked and named by line and column, Post saving and posting in one step (a refused posting leaves the stored
draft as it was), and a partial credit note chosen line by line from the list and from the posted invoice."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QWidget

from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.models import InvoiceState
from tests.receivables.helpers import D, ar, customer, docs, inv
from tests.ui.ar_data import SHOTS, focus, master_data, shot
from tests.ui.conftest import handle_dialog, wait_idle
from ui.receivables.credit_note_dialog import TO_CREDIT, CreditNoteDialog
from ui.receivables.invoice_dialog import (
    ACCOUNT,
    BAD_CELL,
    DEPARTMENT,
    DESCRIPTION,
    ITEM,
    PRICE,
    QUANTITY,
    TAX,
    CreditCheckDialog,
    InvoiceDialog,
)

ON = QDate(2024, 6, 3)


def show(qtbot, window, key: str):  # type: ignore[no-untyped-def]
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def new_invoice(qtbot, view, code: str) -> InvoiceDialog:  # type: ignore[no-untyped-def]
    dialog = InvoiceDialog(view.hub, parent=view)
    qtbot.addWidget(dialog)
    dialog.customer.setCurrentIndex(dialog.customer.findData(code))
    dialog.date.setDate(ON)
    dialog.show()
    return dialog


def type_in(qtbot, dialog: InvoiceDialog, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Go to a cell and type: the first key opens the cell's editor, the rest go into it."""
    focus(qtbot, dialog.grid)
    dialog.grid.setCurrentCell(row, column)
    qtbot.keyClicks(dialog.grid, text[0])
    editor = dialog.grid.current_editor()
    assert editor is not None, "typing opens the cell's editor"
    qtbot.keyClicks(editor, text[1:])


def shot_with_popup(dialog: InvoiceDialog, popup: QWidget, name: str) -> None:
    """The dialog with the picker's list drawn where it opened (the list is a window of its own)."""
    picture = dialog.grab()
    painter = QPainter(picture)
    painter.drawPixmap(dialog.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    picture.save(str(SHOTS / f"ar-{name}.png"))


def cells(dialog: InvoiceDialog, row: int, *columns: int) -> list[str]:
    return [dialog.grid.item(row, c).text() if dialog.grid.item(row, c) else "" for c in columns]


def test_an_item_picked_by_keyboard_fills_its_line(qtbot, window, sqlite_books):
    master_data(sqlite_books)  # CHAI 18.00 with VAT20 on 4010; CONSULT 150.00, no tax code, on 4020
    view = show(qtbot, window, "invoices")
    dialog = new_invoice(qtbot, view, "BONAP")  # USD, no tax code of its own
    type_in(qtbot, dialog, 0, ITEM, "cha")
    editor = dialog.grid.current_editor()
    popup = editor.completer().popup()
    assert popup.isVisible() and editor.completer().currentCompletion() == "CHAI — Chai tea, 10 boxes"
    shot_with_popup(dialog, popup, "editor-item-picker")
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # arrow to the choice, Enter takes it
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert cells(dialog, 0, ITEM, DESCRIPTION, QUANTITY, PRICE, TAX, ACCOUNT) == [
        "CHAI", "Chai tea, 10 boxes", "1", "18.00", "VAT20", "4010"
    ]  # fmt: skip
    assert dialog.grid.item(0, ITEM).toolTip() == "Chai tea, 10 boxes"
    assert dialog.grid.item(0, ACCOUNT).toolTip() != ""  # the account's name
    assert (dialog.grid.currentRow(), dialog.grid.currentColumn()) == (0, ITEM)
    qtbot.keyClick(dialog.grid, Qt.Key.Key_Tab)  # Tab goes on to the next cell
    assert (dialog.grid.currentRow(), dialog.grid.currentColumn()) == (0, DESCRIPTION)
    assert dialog.findChild(QLabel, "invoiceTotal").text() == "<b>21.60</b>"

    # another item replaces what the first one filled in, and keeps what the user typed
    type_in(qtbot, dialog, 0, QUANTITY, "3")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    type_in(qtbot, dialog, 0, ITEM, "consult")  # typed in full: taken when Tab leaves the cell
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert cells(dialog, 0, ITEM, DESCRIPTION, QUANTITY, PRICE, TAX, ACCOUNT) == [
        "CONSULT", "Consulting, per hour", "3", "150.00", "", "4020"
    ]  # fmt: skip
    assert dialog.grid.currentColumn() == DESCRIPTION

    # the tax code by part of its name
    type_in(qtbot, dialog, 0, TAX, "reduced")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert cells(dialog, 0, TAX) == ["VAT5I"]
    assert dialog.grid.item(0, TAX).toolTip() == "Reduced, inclusive"
    assert dialog.summary is not None and dialog.problem.text() == ""
    ref, _ = dialog.hub.session.invoicing.save_draft(dialog.input())
    stored = docs(sqlite_books).invoice(ref.id).lines[0]
    assert (stored.item, stored.tax_code, stored.account, stored.quantity) == ("CONSULT", "VAT5I", "4020", D("3"))


def test_posting_with_an_unknown_tax_code_is_refused_naming_the_line(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    view = show(qtbot, window, "invoices")
    dialog = new_invoice(qtbot, view, "BONAP")
    type_in(qtbot, dialog, 0, ITEM, "CHAI")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Return)  # kept, and on to the next line
    assert dialog.grid.currentRow() == 1
    type_in(qtbot, dialog, 1, DESCRIPTION, "Gift wrapping")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    type_in(qtbot, dialog, 1, PRICE, "4.50")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    type_in(qtbot, dialog, 1, TAX, "ZZ9")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    bad = dialog.grid.item(1, TAX)
    assert bad.text() == "ZZ9" and bad.background().color() == BAD_CELL
    assert bad.toolTip() == "Unknown tax code 'ZZ9'"
    assert dialog.problem.text() == "Line 2, Tax code: unknown tax code 'ZZ9'"
    shot(dialog, "editor-unknown-code")

    focus(qtbot, dialog.grid)
    dialog.grid.setCurrentCell(0, DESCRIPTION)
    qtbot.keyClick(dialog.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Post
    assert dialog.isVisible() and dialog.problem.text() == "Line 2, Tax code: unknown tax code 'ZZ9'"
    assert (dialog.grid.currentRow(), dialog.grid.currentColumn()) == (1, TAX)  # the cursor on the bad cell
    assert not dialog.save_draft()
    assert docs(sqlite_books).invoices() == []  # nothing stored, no number taken

    type_in(qtbot, dialog, 1, TAX, "vat20")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert dialog.grid.item(1, TAX).text() == "VAT20" and dialog.problem.text() == ""
    type_in(qtbot, dialog, 1, ACCOUNT, "9999")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert dialog.problem.text() == "Line 2, Account: unknown account '9999'"
    type_in(qtbot, dialog, 1, ACCOUNT, "4000")  # a parent account: named as such
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert dialog.problem.text().startswith("Line 2, Account: account 4000 is a parent account")
    type_in(qtbot, dialog, 1, ACCOUNT, "4010")
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    type_in(qtbot, dialog, 1, DEPARTMENT, "D9")  # Dept.
    qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
    assert dialog.problem.text() == "Line 2, Department: unknown department 'D9'"


def test_a_credit_limit_refusal_leaves_the_stored_draft_unchanged(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    ar(sqlite_books).create_customer(customer("LIMIT", "Limited Liability Co", credit_limit=D("1000")))
    draft, _ = inv(sqlite_books).save_draft(
        InvoiceInput("LIMIT", date(2024, 6, 1), (InvoiceLineInput(item="CONSULT", quantity=D("2")),))
    )
    before = docs(sqlite_books).invoice(draft.id)
    view = show(qtbot, window, "invoices")
    view.apply_filter(select=draft.id)
    answers: list[str] = []
    timers: list[object] = []  # dialog handlers, kept alive until their dialog was handled

    def cancel(box: CreditCheckDialog) -> None:
        answers.append(box.findChild(QLabel, "creditProblems").text())
        shot(box, "editor-credit-limit")
        box.reject()

    def edit_and_post(dialog: InvoiceDialog) -> None:
        type_in(qtbot, dialog, 0, QUANTITY, "10")  # 1,500.00: over the limit of 1,000.00
        qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
        timers.append(handle_dialog(CreditCheckDialog, cancel))
        focus(qtbot, dialog.grid)
        qtbot.keyClick(dialog.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        seen.append(dialog.problem.text())
        dialog.reject()

    seen: list[str] = []
    timers.append(handle_dialog(InvoiceDialog, edit_and_post))
    view.open_current()
    timers.clear()
    assert answers and "over the credit limit 1000.00" in answers[0]
    assert seen and "not posted" in seen[0].lower()
    assert docs(sqlite_books).invoice(draft.id) == before  # the edit was neither saved nor posted

    def post_anyway(dialog: InvoiceDialog) -> None:
        type_in(qtbot, dialog, 0, QUANTITY, "10")
        qtbot.keyClick(dialog.grid.current_editor(), Qt.Key.Key_Tab)
        timers.append(handle_dialog(CreditCheckDialog, lambda box: box.post_anyway.click()))
        assert dialog.post()

    timers.append(handle_dialog(InvoiceDialog, post_anyway))
    view.open_current()
    timers.clear()
    posted = docs(sqlite_books).invoice(draft.id)
    assert (posted.row.state, posted.row.total, posted.lines[0].quantity) == (InvoiceState.POSTED, D("1500.00"), 10)


def two_line_invoice(books):  # type: ignore[no-untyped-def]
    """CHAI x 10 with VAT20 (216.00) and CONSULT x 4 without tax (600.00): 816.00."""
    data = InvoiceInput(
        "BONAP",
        date(2024, 6, 1),
        (InvoiceLineInput(item="CHAI", quantity=D("10")), InvoiceLineInput(item="CONSULT", quantity=D("4"))),
    )
    ref, _ = inv(books).issue(data, confirm_credit=True)
    return ref


def test_a_partial_credit_note_of_one_line_from_the_list(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    ref = two_line_invoice(sqlite_books)
    view = show(qtbot, window, "invoices")
    view.apply_filter(select=ref.id)
    assert view.credit_button.text() == "Credit note…" and view.credit_button.isEnabled()
    totals: list[str] = []

    def credit(dialog: CreditNoteDialog) -> None:
        total = dialog.findChild(QLabel, "creditTotal")
        totals.append(total.text())  # everything, to begin with
        focus(qtbot, dialog.grid)
        dialog.grid.setCurrentCell(1, TO_CREDIT)  # CONSULT: leave it out
        qtbot.keyClicks(dialog.grid.focusWidget(), "0")
        qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)
        dialog.grid.setCurrentCell(0, TO_CREDIT)  # CHAI: 3 of the 10 came back damaged
        qtbot.keyClicks(dialog.grid.focusWidget(), "3")
        qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)
        totals.append(dialog.findChild(QLabel, "creditTotal").text())
        dialog.memo.setText("3 boxes damaged in transit")
        shot(dialog, "editor-credit-note")
        focus(qtbot, dialog.grid)
        qtbot.keyClick(dialog.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Issue

    timers = [handle_dialog(CreditNoteDialog, credit)]
    view.credit_current()
    timers.clear()
    wait_idle(qtbot, view)
    assert totals == ["<b>816.00</b>", "<b>64.80</b>"]  # 3 x 18.00 + VAT 20 %
    invoice = docs(sqlite_books).invoice(ref.id)
    assert (invoice.row.state, invoice.row.open_amount) == (InvoiceState.PARTIALLY_PAID, D("751.20"))
    notes = [r for r in docs(sqlite_books).invoices(customer="BONAP") if r.kind.value == "credit_note"]
    assert [(n.total, n.reference) for n in notes] == [(D("64.80"), ref.number)]
    note = docs(sqlite_books).invoice(notes[0].id)
    assert note.memo == "3 boxes damaged in transit" and [(ln.item, ln.quantity) for ln in note.lines] == [("CHAI", 3)]
    assert docs(sqlite_books).credited_quantities(ref.id) == {1: 3, 2: 0}
    assert docs(sqlite_books).reconcile(date(2024, 6, 30)).difference == 0


def test_the_posted_invoice_credits_no_more_than_is_left(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    ref = two_line_invoice(sqlite_books)
    chai = InvoiceLineInput("Chai tea, 10 boxes", D("8"), D("18.00"), item="CHAI", tax_code="VAT20", account="4010")
    inv(sqlite_books).credit_invoice(ref.number, date(2024, 6, 2), lines=(chai,))  # 8 of the 10 credited before
    view = show(qtbot, window, "invoices")
    view.apply_filter(select=ref.id)
    seen: list[str] = []
    timers: list[object] = []

    def credit(dialog: CreditNoteDialog) -> None:
        assert [dialog.grid.item(0, c).text() for c in (2, 3, TO_CREDIT)] == ["10", "8", "2"]
        assert dialog.grid.item(1, TO_CREDIT).text() == "4"
        focus(qtbot, dialog.grid)
        dialog.grid.setCurrentCell(0, TO_CREDIT)
        qtbot.keyClicks(dialog.grid.focusWidget(), "5")
        qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)
        seen.append(dialog.problem.text())
        seen.append(str(dialog.issue_button.isEnabled()))
        assert not dialog.issue()
        dialog.grid.setCurrentCell(1, TO_CREDIT)
        qtbot.keyClicks(dialog.grid.focusWidget(), "0")
        qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)
        dialog.grid.setCurrentCell(0, TO_CREDIT)
        qtbot.keyClicks(dialog.grid.focusWidget(), "2")
        qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)
        dialog.issue_button.click()

    def read(dialog: InvoiceDialog) -> None:
        assert not dialog.editable and dialog.credit_button.isVisible()
        timers.append(handle_dialog(CreditNoteDialog, credit))
        dialog.credit_button.click()

    timers.append(handle_dialog(InvoiceDialog, read))
    view.open_current()
    timers.clear()
    wait_idle(qtbot, view)
    assert seen == ["Line 1, To credit: 5 is more than the 2 left to credit", "False"]
    assert docs(sqlite_books).credited_quantities(ref.id) == {1: 10, 2: 0}
    invoice = docs(sqlite_books).invoice(ref.id).row
    assert (invoice.state, invoice.open_amount) == (InvoiceState.PARTIALLY_PAID, D("600.00"))


def test_a_user_who_may_not_credit_sees_no_credit_note_action(qtbot, sqlite_books):
    from tests.ui.ar_data import user_session
    from ui.hub import Hub

    master_data(sqlite_books)
    ref = two_line_invoice(sqlite_books)
    viewer = Hub(user_session(sqlite_books, "vera", "Viewer"))
    detail = viewer.session.documents.invoice(ref.id)
    dialog = InvoiceDialog(viewer, detail)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.editable and dialog.credit_button.isHidden() and not dialog.credit()
    credit = CreditNoteDialog(viewer, detail)
    qtbot.addWidget(credit)
    credit.show()
    assert credit.issue_button.isHidden() and not credit.issue()
    assert docs(sqlite_books).credited_quantities(ref.id) == {1: 0, 2: 0}
