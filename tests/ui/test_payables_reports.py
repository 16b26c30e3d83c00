"""The Payables tab's Aging and Reports pages: the aging shows each vendor's buckets and the totals, a
vendor's open bills under it on drill-down, and Export writes exactly what the screen shows; the reports
page lists the payables reports with their options and drills from a vendor's figure to their ledger.
Screenshots: /tmp/apreports-aging.png, /tmp/apreports-aging-detail.png, /tmp/apreports-reports.png."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtCore import QCoreApplication, QThreadPool

from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.reporting.formatting import cell_text
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables
from tests.ui.conftest import wait_idle
from ui.payables.ap_reports_view import REPORTS, APReportsView


def shot(widget: Any, name: str) -> Path:
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = Path(f"/tmp/apreports-{name}.png")
    widget.grab().save(str(path))
    return path


def trading(books: Books) -> None:
    """Bills in three buckets on 30 June 2024 (today in the tests), a credit note, a part payment."""
    ap = Payables(books)
    ap.bank()
    ap.vendor("ACME", "Acme Office Supplies", iban=None)
    ap.vendor("DESIGN", "Maya Lopez Design", iban=None, withholding_percent="24")
    ap.vendor("POWER", "City Power & Light", iban=None)
    ap.bill("ACME", "1250.00", date(2024, 6, 10), due=date(2024, 7, 10))  # current
    ap.bill("ACME", "480.00", date(2024, 5, 1), due=date(2024, 6, 14))  # 16 days overdue
    ap.credit_note("ACME", "80.00", date(2024, 6, 20))
    ap.bill("DESIGN", "3000.00", date(2024, 4, 1), due=date(2024, 4, 30))  # 61 days overdue
    ap.bill("POWER", "215.40", date(2024, 2, 1), due=date(2024, 2, 21))  # over 90
    books.company.vendor_payments(books.ctx).pay(
        PaymentInput("DESIGN", "Operating", date(2024, 6, 5), (BillToPay("BILL-2024-000003", Decimal("1000.00")),))
    )


def show(qtbot: Any, window: Any, key: str) -> Any:
    tab = window.payables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view(key)
    wait_idle(qtbot, view)
    return view


def texts(model: Any) -> list[list[str]]:
    return [[model.index(r, c).data() or "" for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_aging_screen_shows_the_buckets_and_exports_what_it_shows(qtbot, window, sqlite_books, tmp_path) -> None:
    trading(sqlite_books)
    tab = window.payables_tab
    assert {p.key: p.group for p in tab.pages if p.key in ("aging", "ap-reports")} == {
        "aging": "Reports",
        "ap-reports": "Reports",
    }
    view = show(qtbot, window, "aging")
    assert [c.title for c in view.model.report.columns] == [
        "Vendor", "Name", "Current", "1–30", "31–60", "61–90", "Over 90", "Total",
    ]  # fmt: skip
    on_screen = texts(view.model)
    assert on_screen[:3] == [
        ["ACME", "Acme Office Supplies", "1,170.00", "480.00", "", "", "", "1,650.00"],
        ["DESIGN", "Maya Lopez Design", "", "", "", "2,000.00", "", "2,000.00"],
        ["POWER", "City Power & Light", "", "", "", "", "215.40", "215.40"],
    ]
    assert on_screen[3][1] == "Total" and on_screen[3][-1] == "3,865.40"
    assert "3 vendors · total 3,865.40 USD · overdue 2,695.40" in view.status.text()
    shot(view, "aging")

    # before the part payment DESIGN owed the whole bill
    view.as_of.set_value(date(2024, 6, 4))
    view.filters.apply_now()
    wait_idle(qtbot, view)
    assert texts(view.model)[1][-1] == "3,000.00"
    view.as_of.set_value(date(2024, 6, 30))
    view.filters.apply_now()
    wait_idle(qtbot, view)

    # drill-down: the vendor's open bills under the aging
    view.table.selectRow(0)
    view.drill_current()
    qtbot.waitUntil(lambda: not view.detail_loader.busy and view.detail_model.rowCount() > 0)
    documents = [r.cells[0] for r in view.detail_model.report.rows]
    assert documents == ["BILL-2024-000002", "BILL-2024-000001", "VCN-2024-000001"]
    assert "ACME" in view.detail_title.text() and view.detail.isVisible()
    shot(view, "aging-detail")

    # export: the figures of the view, read back from the workbook
    path = tmp_path / "ap-aging.xlsx"
    job = view.export_button.export_to(path)
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=4, values_only=True))
    assert list(rows[0]) == [c.title for c in view.model.report.columns]
    shown = texts(view.model)
    assert len(rows) - 1 == len(shown)
    for got, seen in zip(rows[1:], shown, strict=True):
        figures = [cell_text(Decimal(str(v)).quantize(Decimal("0.01")), 2) for v in got[2:]]
        assert figures == [text or "0.00" for text in seen[2:]]


def test_reports_page_lists_the_reports_and_drills_to_the_ledger(qtbot, window, sqlite_books) -> None:
    trading(sqlite_books)
    view: APReportsView = show(qtbot, window, "ap-reports")
    assert [view.kind.itemText(i) for i in range(view.kind.count())] == [k.title for k in REPORTS]
    assert [k.title for k in REPORTS] == [
        "Open bills", "Vendor ledger", "Payments made", "Cash requirements forecast", "Expenses",
        "Withholding (1099-style)", "Reconciliation with the GL",
    ]  # fmt: skip
    view.choose("open-bills", as_of=date(2024, 6, 30))
    wait_idle(qtbot, view)
    assert view.model.report.title == "Open bills" and view.model.rowCount() == 6  # 5 documents and the total
    view.choose("withholding", year=2024)
    wait_idle(qtbot, view)
    assert view.statements_button.isVisible()
    [row] = view.model.report.rows
    assert row.cells[0] == "DESIGN" and row.cells[5:] == (Decimal("1000.00"), Decimal("240.00"), Decimal("760.00"))
    view.table.selectRow(0)
    view._drill(view.model.index(0, 0))
    wait_idle(qtbot, view)
    assert view.model.report.title == "Vendor ledger" and view.vendor.currentData() == "DESIGN"
    assert view.shown is not None and (view.shown.start, view.shown.end) == (date(2024, 1, 1), date(2024, 12, 31))
    view.choose("reconciliation", as_of=date(2024, 6, 30))
    wait_idle(qtbot, view)
    assert "reconciled" in view.status.text()
    view.choose("cash-requirements", as_of=date(2024, 6, 30))
    wait_idle(qtbot, view)
    assert view.model.report.title == "Cash requirements forecast"
    shot(view, "reports")
