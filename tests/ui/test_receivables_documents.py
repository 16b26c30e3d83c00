"""Invoices and receipts in the Receivables tab: the editor's live totals are the service's, a credit check
asks before posting anyway, and an invoice paid by a receipt shows paid with the GL in balance."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, QThreadPool
from PySide6.QtWidgets import QTableWidgetItem

from paksa_desktop.ledger.models import Frequency
from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.invoicing import RecurringInvoiceInput
from paksa_desktop.receivables.models import InvoiceState
from tests.receivables.helpers import D, balance, docs, inv
from tests.ui.ar_data import focus, master_data
from tests.ui.conftest import handle_dialog, wait_idle
from ui.main_window import MainWindow
from ui.receivables.invoice_dialog import (
    DESCRIPTION,
    DISCOUNT,
    ITEM,
    PRICE,
    QUANTITY,
    TAX,
    CreditCheckDialog,
    InvoiceDialog,
)

ON = QDate(2024, 6, 3)


def shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    """What the test sees, for a look: /tmp/argui2-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    widget.grab().save(f"/tmp/argui2-{name}.png")


def show(qtbot, window, key: str):  # type: ignore[no-untyped-def]
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def type_line(dialog: InvoiceDialog, row: int, **cells: str) -> None:
    columns = {"item": ITEM, "description": DESCRIPTION, "quantity": QUANTITY, "price": PRICE}
    columns |= {"discount": DISCOUNT, "tax": TAX}
    while dialog.grid.rowCount() <= row:
        dialog.grid.insertRow(dialog.grid.rowCount())
    for key, text in cells.items():
        dialog.grid.setItem(row, columns[key], QTableWidgetItem(text))


def test_live_totals_equal_the_services(qtbot, window, sqlite_books):
    master_data(sqlite_books)
    view = show(qtbot, window, "invoices")
    dialog = InvoiceDialog(view.hub, parent=view)
    qtbot.addWidget(dialog)
    dialog.customer.setCurrentIndex(dialog.customer.findData("BONAP"))
    dialog.date.setDate(ON)
    type_line(dialog, 0, item="chai", quantity="3")  # the item fills description, price and its tax code
    type_line(dialog, 1, item="CONSULT", quantity="2.5", discount="10", tax="VAT20")
    type_line(dialog, 2, description="Shipping, reduced rate", quantity="1", price="33.33", tax="VAT5I")
    type_line(dialog, 3, description="Sample, no tax", price="7.77", tax="")
    assert dialog.grid.item(0, ITEM).text() == "CHAI"
    assert dialog.grid.item(0, PRICE).text() == "18.00" and dialog.grid.item(0, TAX).text() == "VAT20"
    summary = dialog.summary
    assert summary is not None
    total_label = dialog.findChild(type(dialog.problem), "invoiceTotal")
    assert total_label.text() == f"<b>{summary.gross / 100:,.2f}</b>"
    shot(dialog, "invoice-editor")

    ref, _ = dialog.hub.session.invoicing.save_draft(dialog.input())
    detail = docs(sqlite_books).invoice(ref.id)
    assert (detail.net_total, detail.tax_total, detail.row.total) == (
        D(summary.net) / 100,
        D(summary.tax) / 100,
        D(summary.gross) / 100,
    )
    assert [(c, b, t) for c, b, t in detail.tax_summary] == [(c, D(b) / 100, D(t) / 100) for c, b, t in summary.by_code]


def test_enter_adds_a_line_and_a_bad_cell_is_named(qtbot, window, sqlite_books):
    master_data(sqlite_books)
    view = show(qtbot, window, "invoices")
    dialog = InvoiceDialog(view.hub, parent=view)
    qtbot.addWidget(dialog)
    dialog.show()
    focus(qtbot, dialog.grid)
    dialog.grid.setCurrentCell(0, QUANTITY)
    qtbot.keyClick(dialog.grid, Qt.Key.Key_Return)
    assert dialog.grid.rowCount() == 2 and dialog.grid.currentRow() == 1
    assert dialog.grid.currentColumn() == ITEM
    focus(qtbot, dialog.grid)
    qtbot.keyClick(dialog.grid, Qt.Key.Key_C)  # typing starts editing the Item cell
    qtbot.keyClicks(dialog.grid.focusWidget(), "hai")  # the cell's editor has the keyboard now
    qtbot.keyClick(dialog.grid.focusWidget(), Qt.Key.Key_Return)  # kept, and on to the next line
    assert dialog.grid.item(1, ITEM).text() == "CHAI"  # ALFKI pays in EUR: no base-currency price filled in
    assert dialog.grid.item(1, DESCRIPTION).text() == "Chai tea, 10 boxes" and dialog.grid.item(1, PRICE) is None
    assert dialog.grid.rowCount() == 3 and dialog.grid.currentRow() == 2
    dialog.grid.removeRow(1)
    type_line(dialog, 0, description="Thing", quantity="two", price="1")
    assert dialog.summary is None and "Line 1: quantity" in dialog.problem.text()
    assert not dialog.save_draft()  # nothing stored
    assert docs(sqlite_books).invoices() == []


def test_credit_check_then_post_anyway(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)  # BONAP is on credit hold
    view = show(qtbot, window, "invoices")
    seen: list[str] = []

    def anyway(box: CreditCheckDialog) -> None:
        seen.append(box.windowTitle())
        shot(box, "credit-check")
        box.post_anyway.click()

    def fill(dialog: InvoiceDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("BONAP"))
        dialog.date.setDate(ON)
        type_line(dialog, 0, item="CONSULT", quantity="4")
        keep.append(handle_dialog(CreditCheckDialog, anyway))
        dialog.post()

    keep = [handle_dialog(InvoiceDialog, fill)]
    view.new_record()
    wait_idle(qtbot, view)
    assert "Credit check — customer BONAP" in seen
    rows = docs(sqlite_books).invoices()
    assert [(r.customer, r.state, r.total) for r in rows] == [("BONAP", InvoiceState.POSTED, D("600.00"))]


def test_invoice_post_receipt_paid_and_gl_balances(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    view = show(qtbot, window, "invoices")

    def fill(dialog: InvoiceDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("ALFKI"))
        dialog.date.setDate(ON)
        dialog.rate.setText("1.1")
        type_line(dialog, 0, description="Tea tasting", quantity="2", price="250.00")  # ALFKI: VAT20 by default
        assert dialog.grid.item(0, TAX).text() == "VAT20"
        dialog.save_draft()

    keep = handle_dialog(InvoiceDialog, fill)
    view.new_record()
    del keep
    wait_idle(qtbot, view)
    assert view.model.rowCount() == 1 and view.model.row_at(0).state is InvoiceState.DRAFT
    view.table.selectRow(0)
    assert view.post_button.isEnabled()
    view.post_current()
    wait_idle(qtbot, view)
    row = view.model.row_at(0)
    assert row.state is InvoiceState.POSTED and row.total == D("600.00") and row.number
    shot(view, "invoices")
    assert balance(sqlite_books, "1200") == D("660.00")  # 600 EUR at 1.1

    from ui.receivables.receipt_dialog import ReceiptDialog

    receipts = show(qtbot, window, "receipts")

    def pay(dialog: ReceiptDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("ALFKI"))
        dialog.date.setDate(QDate(2024, 6, 10))
        dialog.rate.setText("1.1")
        dialog.amount.setText("600.00")
        dialog.allocate_oldest()
        assert dialog.unallocated.text().endswith("0.00")
        shot(dialog, "receipt")
        dialog.save()

    keep = handle_dialog(ReceiptDialog, pay)
    receipts.new_record()
    del keep
    wait_idle(qtbot, receipts, view)
    detail = docs(sqlite_books).invoice(row.number)
    assert detail.row.state is InvoiceState.PAID and detail.row.open_amount == 0
    assert balance(sqlite_books, "1200") == 0
    assert docs(sqlite_books).reconcile(date(2024, 6, 30)).difference == 0
    shot(receipts, "receipts")


def test_recurring_invoices_are_raised_when_the_company_opens(qtbot, session, recent, messages, sqlite_books):
    master_data(sqlite_books)
    line = InvoiceLineInput("Support plan", D("1"), D("100.00"), tax_code="VAT20", account="4010")
    inv(sqlite_books).save_recurring(
        RecurringInvoiceInput("Support", "BONAP", Frequency.MONTHLY, date(2024, 5, 1), (line,))
    )
    window = MainWindow(session, recent)
    qtbot.addWidget(window)
    job = window.receivables_tab.recurring_job
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    assert window.statusBar().currentMessage() == "Raised 2 recurring invoices"  # May and June
    assert len(docs(sqlite_books).invoices(customer="BONAP")) == 2

    again = MainWindow(session, recent)  # nothing more is due: nothing is said
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.receivables_tab.recurring_job.done, timeout=10_000)
    assert again.statusBar().currentMessage() == ""
    window.close()
    again.close()


def test_credit_note_customer_credit_and_the_read_only_editor(qtbot, window, sqlite_books, messages):
    from paksa_desktop.receivables.commands import ReceiptInput
    from ui.receivables.credit_note_dialog import CreditNoteDialog
    from ui.receivables.receipts_view import CustomerCreditDialog

    master_data(sqlite_books)
    service = inv(sqlite_books)
    first, _ = service.issue(
        InvoiceInput("BONAP", date(2024, 6, 1), (line("Audit work", "300.00"),)), confirm_credit=True
    )
    second, _ = service.issue(InvoiceInput("BONAP", date(2024, 6, 5), (line("Advice", "100.00"),)), confirm_credit=True)
    sqlite_books.company.receipts(sqlite_books.ctx).record(
        ReceiptInput("BONAP", date(2024, 6, 20), D("500.00"), "1100")  # not allocated: customer credit
    )
    view = show(qtbot, window, "invoices")
    view.apply_filter(select=second.id)
    assert view.current().number == second.number and view.credit_button.isEnabled()
    keep = handle_dialog(CreditNoteDialog, lambda dialog: dialog.issue_button.click())  # all lines, as they are
    view.credit_current()  # credits the second invoice in full
    del keep
    wait_idle(qtbot, view)
    kinds = [r.kind.value for r in docs(sqlite_books).invoices(customer="BONAP")]
    assert sorted(kinds) == ["credit_note", "invoice", "invoice"]
    assert docs(sqlite_books).invoice(second.id).row.state is InvoiceState.CREDITED

    receipts = show(qtbot, window, "receipts")
    receipts.table.selectRow(0)
    seen: list[str] = []

    def apply(dialog: CustomerCreditDialog) -> None:
        assert [s.number for s in dialog.model.rows] and dialog.model.row_at(0).kind == "receipt"
        shot(dialog, "customer-credit")
        dialog.apply_button.click()
        seen.append(dialog.message.text())
        dialog.refund_button.click()  # what is left (500 - 360) goes back to the customer
        seen.append(dialog.message.text())
        dialog.reject()

    keep = handle_dialog(CustomerCreditDialog, apply)
    receipts.open_credit()
    del keep
    assert seen[0].startswith("Applied RCT-") and first.number in seen[0]
    assert seen[1] == f"Refunded USD 140.00 of {seen[0].split()[1]}."
    assert docs(sqlite_books).invoice(first.id).row.state is InvoiceState.PAID
    assert docs(sqlite_books).customer_credit("BONAP") == []
    assert docs(sqlite_books).reconcile(date(2024, 6, 30)).difference == 0

    opened: list[str] = []

    def read(dialog: InvoiceDialog) -> None:
        opened.append(dialog.windowTitle())
        assert not dialog.editable and dialog.grid.rowCount() == 1 and dialog.save_button.isHidden()
        assert "receipt" in dialog.history.text() or "payment" in dialog.history.text()
        shot(dialog, "invoice-posted")
        dialog.reject()

    view = show(qtbot, window, "invoices")
    view.apply_filter(select=first.id)
    keep = handle_dialog(InvoiceDialog, read)
    view.open_current()
    del keep
    assert opened == [f"Invoice {first.number} — Bon app'"]
    shot(view, "invoices-list")


def line(description: str, price: str) -> InvoiceLineInput:
    return InvoiceLineInput(description, D("1"), D(price), tax_code="VAT20", account="4010")


def test_keyboard_ctrl_s_saves_and_ctrl_enter_posts(qtbot, window, sqlite_books, messages):
    master_data(sqlite_books)
    view = show(qtbot, window, "invoices")

    def draft(dialog: InvoiceDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("BONAP"))
        type_line(dialog, 0, item="CONSULT", quantity="1")
        focus(qtbot, dialog.grid)
        qtbot.keyClick(dialog.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    keep = handle_dialog(InvoiceDialog, draft)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # the tab's Ctrl+N
    del keep
    wait_idle(qtbot, view)
    assert [r.state for r in docs(sqlite_books).invoices()] == [InvoiceState.DRAFT]

    def post(dialog: InvoiceDialog) -> None:
        keep.append(handle_dialog(CreditCheckDialog, lambda box: box.post_anyway.click()))
        focus(qtbot, dialog.grid)
        qtbot.keyClick(dialog.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    keep = [handle_dialog(InvoiceDialog, post)]
    view.table.selectRow(0)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter opens the draft
    wait_idle(qtbot, view)
    assert [r.state for r in docs(sqlite_books).invoices()] == [InvoiceState.POSTED]


def test_receivables_settings_dialog(qtbot, window, sqlite_books, messages):
    from paksa_desktop.receivables.models import CreditPolicy
    from ui.receivables.settings_dialog import ReceivablesSettingsDialog

    def change(dialog: ReceivablesSettingsDialog) -> None:
        assert dialog.fields["receivable_account"].text() == "1200"
        dialog.fields["fee_account"].setText("9999")  # no such account: named, nothing stored
        assert not dialog.save() and "9999" in dialog.message.text()
        dialog.fields["fee_account"].setText(inv(sqlite_books).settings().fee_account)
        dialog.policy.setCurrentIndex(dialog.policy.findData(CreditPolicy.BLOCK))
        dialog.tolerance.setText("0.50")
        shot(dialog, "settings")
        assert dialog.save()

    keep = handle_dialog(ReceivablesSettingsDialog, change)
    window.receivables_tab.settings_action.trigger()
    del keep
    got = inv(sqlite_books).settings()
    assert (got.credit_policy, got.write_off_tolerance) == (CreditPolicy.BLOCK, D("0.50"))
