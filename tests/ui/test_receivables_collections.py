"""The Receivables tab's Collections and Reports screens: an invoice typed in the editor and part-paid in
the receipt dialog shows its remaining balance in the right aging bucket (and the next one a day later),
the drill-down lists it and opens it, the export is the view's figures, the statements are real PDFs
naming the customer and the closing balance, and every report shows the service's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QDate, QThreadPool
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTableWidgetItem

from paksa_desktop.receivables.aging import AgeBasis
from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput, ReceiptInput
from paksa_desktop.receivables.models import InvoiceState
from paksa_desktop.receivables.sales_reports import SalesBy
from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Report
from tests.receivables.helpers import D, ar, customer, docs, inv, rec
from tests.ui.ar_data import master_data
from tests.ui.conftest import handle_dialog, wait_idle
from ui.receivables.ar_reports_view import REPORTS, ARReportsView
from ui.receivables.invoice_dialog import DESCRIPTION, ITEM, PRICE, QUANTITY, InvoiceDialog
from ui.receivables.report_screen import grouped

MAY_1 = QDate(2024, 5, 1)  # net 30: due 31 May, so 30 days overdue on 30 June (today in the tests)


def shot(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
    """What the test sees, for a look: /tmp/ar-aging-gui-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = Path(f"/tmp/ar-aging-gui-{name}.png")
    widget.grab().save(str(path))
    return path


def show(qtbot, window, key: str):  # type: ignore[no-untyped-def]
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def texts(model) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Every cell as the screen shows it."""
    return [[model.index(r, c).data() or "" for c in range(model.columnCount())] for r in range(model.rowCount())]


def report_texts(report: Report) -> list[list[str]]:
    """Every cell of a report as the screen formats it (rows, then totals)."""

    def text(value, column) -> str:  # type: ignore[no-untyped-def]
        shown = cell_text(value, report.exponent, kind=column.kind)
        return grouped(shown) if column.key == "open_amount" else shown  # '3999.07' in its currency: 3,999.07

    rows = (*report.rows, *report.totals)
    return [[text(v, c) for v, c in zip(row.cells, report.columns, strict=True)] for row in rows]


def with_cactus(books):  # type: ignore[no-untyped-def]
    """The shared master data and a plain US customer on net 30 without credit hold."""
    master_data(books)
    ar(books).create_customer(customer("CACTU", "Cactus Comidas para llevar", payment_terms="net 30"))
    return books


def invoice_and_part_payment_in_the_gui(qtbot, window, books) -> str:  # type: ignore[no-untyped-def]
    """600.00 invoiced on 1 May through the invoice editor, 250.00 of it received on 10 June through the
    receipt dialog; returns the invoice number."""
    from ui.receivables.receipt_dialog import ReceiptDialog

    invoices = show(qtbot, window, "invoices")

    def fill(dialog: InvoiceDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("CACTU"))
        dialog.date.setDate(MAY_1)
        for column, text in ((ITEM, "CONSULT"), (DESCRIPTION, "Menu consulting"), (QUANTITY, "4"), (PRICE, "150")):
            dialog.grid.setItem(0, column, QTableWidgetItem(text))
        assert dialog.post()

    keep = handle_dialog(InvoiceDialog, fill)
    invoices.new_record()
    del keep
    wait_idle(qtbot, invoices)
    [row] = docs(books).invoices(customer="CACTU")
    assert (row.state, row.total, row.due_date) == (InvoiceState.POSTED, D("600.00"), date(2024, 5, 31))

    receipts = show(qtbot, window, "receipts")

    def pay(dialog: ReceiptDialog) -> None:
        dialog.customer.setCurrentIndex(dialog.customer.findData("CACTU"))
        dialog.date.setDate(QDate(2024, 6, 10))
        dialog.amount.setText("250.00")
        dialog.allocate_oldest()
        assert dialog.save()

    keep = handle_dialog(ReceiptDialog, pay)
    receipts.new_record()
    del keep
    wait_idle(qtbot, receipts)
    assert docs(books).invoice(row.number).row.open_amount == D("350.00")
    return row.number


def aging_row(view, code: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    report = view.model.report
    for r, row in enumerate(report.rows):
        if row.cells[0] == code:
            return {c.key: view.model.index(r, i).data() for i, c in enumerate(report.columns)}
    raise AssertionError(f"{code} is not in the aging")


def test_aging_after_an_invoice_and_a_part_payment(qtbot, window, sqlite_books, messages, tmp_path):
    books = with_cactus(sqlite_books)
    number = invoice_and_part_payment_in_the_gui(qtbot, window, books)

    view = show(qtbot, window, "aging")
    assert view.as_of.value() == date(2024, 6, 30) and view.request().basis is AgeBasis.DUE_DATE
    assert [c.title for c in view.model.report.columns] == [
        "Customer", "Name", "Current", "1–30", "31–60", "61–90", "Over 90", "Total"
    ]  # fmt: skip
    row = aging_row(view, "CACTU")
    assert (row["current"], row["days_1_30"], row["days_31_60"], row["total"]) == ("", "350.00", "", "350.00")
    total = view.model.rowCount() - 1
    assert view.model.index(total, 1).data() == "Total" and view.model.index(total, 7).data() == "350.00"
    assert "overdue 350.00 (100.0%)" in view.status.text()
    shot(view, "aging")

    # a day later the same balance is 31 days overdue: the next bucket
    view.as_of.set_value(date(2024, 7, 1))
    view.filters.apply_now()
    wait_idle(qtbot, view)
    row = aging_row(view, "CACTU")
    assert (row["days_1_30"], row["days_31_60"], row["total"]) == ("", "350.00", "350.00")

    # drill-down: the customer's open documents, then the invoice itself
    view.table.selectRow(0)
    view.drill_current()
    wait_idle(qtbot, view)
    qtbot.waitUntil(lambda: not view.detail_loader.busy and view.detail_model.rowCount() > 0)
    detail = view.detail_model.report
    [document] = detail.rows
    cells = dict(zip((c.key for c in detail.columns), document.cells, strict=True))
    assert (cells["document"], cells["days_overdue"], cells["bucket"], cells["total"]) == (
        number,
        31,
        "31–60",
        D("350.00"),
    )
    assert view.detail_model.index(0, 5).data() == "31–60" and view.detail_model.index(1, 8).data() == "350.00"
    assert view.detail.isVisible() and "CACTU" in view.detail_title.text()
    shot(view, "aging-detail")
    opened: list[str] = []

    def read(dialog: InvoiceDialog) -> None:
        opened.append(dialog.windowTitle())
        assert not dialog.editable
        dialog.reject()

    keep = handle_dialog(InvoiceDialog, read)
    view.detail_table.selectRow(0)
    view.open_current_document()
    del keep
    assert opened == [f"Invoice {number} — Cactus Comidas para llevar"]

    # export: the figures of the view, read back from the workbook
    path = tmp_path / "aging.xlsx"
    job = view.export_button.export_to(path)
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert list(rows[0]) == [c.title for c in view.model.report.columns]
    on_screen = texts(view.model)
    assert len(rows) - 1 == len(on_screen)
    for got, shown in zip(rows[1:], on_screen, strict=True):
        figures = [Decimal(str(v)).quantize(Decimal("0.01")) for v in got[2:]]
        assert [cell_text(f, 2) for f in figures] == [text or "0.00" for text in shown[2:]]  # zero buckets: blank
        assert got[0] in (shown[0], None) and got[1] == shown[1]


def test_buckets_and_basis_are_options(qtbot, window, sqlite_books, messages):
    books = with_cactus(sqlite_books)
    view = show(qtbot, window, "aging")
    assert view.model.report.rows == () and "Nothing is open on 2024-06-30" in view.status.text()
    line = InvoiceLineInput("Catering", D("1"), D("100.00"), account="4010")
    _, changes = inv(books).issue(InvoiceInput("CACTU", date(2024, 6, 20), (line,)))  # due 20 July: current
    window.hub.broadcast(changes)  # what every invoice and receipt form does after saving
    wait_idle(qtbot, view)
    assert aging_row(view, "CACTU")["current"] == "100.00"
    view.basis.setCurrentIndex(view.basis.findData(AgeBasis.DOCUMENT_DATE))  # 10 days since issued
    wait_idle(qtbot, view)
    assert aging_row(view, "CACTU")["days_1_30"] == "100.00"
    view.buckets.setText("5, 15")
    view.filters.apply_now()
    wait_idle(qtbot, view)
    assert [c.title for c in view.model.report.columns][2:] == ["Current", "1–5", "6–15", "Over 15", "Total"]
    assert aging_row(view, "CACTU")["days_6_15"] == "100.00"
    view.buckets.setText("30, 20")  # named under the table; the figures shown stay those of the last good options
    view.filters.apply_now()
    assert "must increase" in view.status.text() and view.model.report.meta["buckets"] == (5, 15)
    assert messages.shown == []


def test_statements_write_pdfs_and_preview_one(qtbot, window, sqlite_books, messages, tmp_path, monkeypatch):
    books = with_cactus(sqlite_books)
    line = InvoiceLineInput("Catering", D("1"), D("1200.00"), account="4010")
    inv(books).issue(InvoiceInput("CACTU", date(2024, 4, 2), (line,)))
    june, _ = inv(books).issue(InvoiceInput("CACTU", date(2024, 6, 3), (line,)))
    rec(books).record(ReceiptInput("CACTU", date(2024, 5, 2), D("500.00"), "1100"))  # unapplied: a credit

    view = show(qtbot, window, "statements")
    assert [(r.customer, r.currency, r.closing) for r in view.model.rows] == [("CACTU", "USD", D("1900.00"))]
    assert view.table.isColumnHidden(3)  # no opening balance on an open-items statement
    assert view.status.text().startswith("1 open-items statement as of 2024-06-30 · closing balances USD 1,900.00")
    shot(view, "statements")

    folder = tmp_path / "statements"
    job = view.save_pdfs(folder)
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    [path] = view.written
    assert path.parent == folder and messages.texts("information") == [f"Wrote 1 statement PDF to {folder}."]
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Cactus Comidas para llevar" in text and "1,900.00" in text

    # an activity statement from 1 May: opening balance 1,200.00 (April's invoice), closing 1,900.00
    view.start.set_value(date(2024, 5, 1))
    view.filters.apply_now()
    wait_idle(qtbot, view)
    [row] = view.model.rows
    assert (row.opening, row.closing) == (D("1200.00"), D("1900.00")) and not view.table.isColumnHidden(3)

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    view.table.selectRow(0)
    view.open_current()
    qtbot.waitUntil(lambda: bool(view.opened), timeout=20_000)
    assert opened == [str(view.opened[0])]
    preview = " ".join(page.extract_text() for page in PdfReader(view.opened[0]).pages)
    assert "Statement of account" in preview and june.number in preview and "1,900.00" in preview


def test_statements_for_one_customer_and_none_open(qtbot, window, sqlite_books, messages):
    with_cactus(sqlite_books)
    view = show(qtbot, window, "statements")
    assert view.model.rowCount() == 0 and not view.save_button.isEnabled()
    assert "No customer has anything open on 2024-06-30" in view.status.text()
    view.customer.setCurrentIndex(view.customer.findData("ALFKI"))  # one customer: theirs, even when nothing is open
    wait_idle(qtbot, view)
    assert [(r.customer, r.closing) for r in view.model.rows] == [("ALFKI", D("0.00"))]
    assert view.save_button.isEnabled()


def sales_data(books):  # type: ignore[no-untyped-def]
    with_cactus(books)
    line = InvoiceLineInput("Catering", D("2"), D("150.00"), tax_code="VAT20", account="4010", item="CONSULT")
    a, _ = inv(books).issue(InvoiceInput("CACTU", date(2024, 3, 5), (line,)))
    inv(books).issue(InvoiceInput("BONAP", date(2024, 5, 20), (line,)), confirm_credit=True)
    rec(books).record(ReceiptInput("CACTU", date(2024, 4, 1), D("100.00"), "1100"))
    inv(books).credit_invoice(a.number, date(2024, 6, 1))
    return books


@pytest.mark.parametrize("spec", REPORTS, ids=[s.key for s in REPORTS])
def test_each_report_shows_the_services_figures(qtbot, window, sqlite_books, messages, spec):
    books = sales_data(sqlite_books)
    view: ARReportsView = show(qtbot, window, "ar-reports")
    start, end = date(2024, 1, 1), date(2024, 6, 30)
    view.choose(spec.key, start=start, end=end, as_of=end)
    wait_idle(qtbot, view)
    service = books.company.ar_reports(books.ctx)
    expected = {
        "open-items": lambda: service.open_items(end),
        "customer-ledger": lambda: service.customer_ledger(start, end),
        "sales-by-customer": lambda: service.sales(start, end, by=SalesBy.CUSTOMER),
        "sales-by-item": lambda: service.sales(start, end, by=SalesBy.ITEM),
        "sales-by-month": lambda: service.sales(start, end, by=SalesBy.MONTH),
        "sales-tax": lambda: service.tax(start, end),
        "dso": lambda: service.dso(start, end),
    }[spec.key]()
    assert view.model.report.rows and view.model.report == expected
    assert texts(view.model) == report_texts(expected)
    assert view.file_stem().startswith(spec.key)
    shot(view, f"report-{spec.key}")


def test_a_customers_sales_drill_to_their_ledger(qtbot, window, sqlite_books, messages):
    sales_data(sqlite_books)
    view: ARReportsView = show(qtbot, window, "ar-reports")
    view.choose("sales-by-customer", start=date(2024, 1, 1), end=date(2024, 6, 30))
    wait_idle(qtbot, view)
    model = view.model
    index = next(model.index(r, 2) for r in range(model.rowCount()) if model.index(r, 0).data() == "CACTU")
    view.table.doubleClicked.emit(index)
    wait_idle(qtbot, view)
    assert view.shown.kind == "customer-ledger" and view.shown.customer == "CACTU"
    assert view.customer.currentData() == "CACTU" and (view.start.value(), view.end.value()) == (
        date(2024, 1, 1),
        date(2024, 6, 30),
    )
    assert view.model.report.subtitle.endswith("customer CACTU")


def test_the_collections_pages_are_listed(qtbot, window):
    tab = window.receivables_tab
    keys = [p.key for p in tab.pages]
    assert {"aging", "statements", "ar-reports"} <= set(keys)
    assert {p.group for p in tab.pages if p.key in ("aging", "statements")} == {"Collections"}
    assert tab.view_actions["aging"].text() == "Aging"
