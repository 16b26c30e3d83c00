"""The Credit control screen: each customer's figures as the service computes them, a customer over the
limit or on hold marked red with the reason, the filter, the payment history of the selected customer
(receipts and the invoices each paid, with days to pay), the export, and the Credit tab of the customer form.

Sales are 100.00 + 20 % VAT = 120.00, net 30; today in the tests is 2024-06-30.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool

from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from tests.receivables.helpers import D, ar, customer, inv, rec, sale, vat
from tests.ui.conftest import wait_idle
from ui.receivables.credit_view import COLUMNS, CreditControlView
from ui.style import NEGATIVE


def shot(widget: Any, name: str) -> Path:
    """What the test sees, for a look: /tmp/ar-credit-view-<name>.png."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = Path(f"/tmp/ar-credit-view-{name}.png")
    widget.grab().save(str(path))
    return path


def credit_data(books: Any) -> dict[str, str]:
    """ACME (limit 200.00): INV1 paid after 20 days, INV2 and INV3 paid by one receipt 45 days after INV2
    (15 late) and 36 after INV3 (6 late), INV4 open and overdue: over its limit. BOLT (no limit) on hold.
    CALM (limit 1,000.00) with nothing owed."""
    vat(books)
    service = ar(books)
    service.create_customer(customer("ACME", "Acme Trading Ltd", credit_limit=D("200.00")))
    service.create_customer(customer("BOLT", "Bolt & Nut Supplies", credit_hold=True))
    service.create_customer(customer("CALM", "Calm Waters Inc", credit_limit=D("1000.00")))
    numbers = {}
    for key, on in (("INV1", "2024-02-01"), ("INV2", "2024-03-01"), ("INV3", "2024-03-10"), ("INV4", "2024-04-01")):
        numbers[key] = inv(books).issue(sale("ACME", on), confirm_credit=True)[0].number
    numbers["INV5"] = inv(books).issue(sale("ACME", "2024-06-20"), confirm_credit=True)[0].number

    def pay(on: str, *invoices: str) -> str:
        allocations = tuple(AllocationInput(numbers[k], D("120.00")) for k in invoices)
        data = ReceiptInput("ACME", date.fromisoformat(on), D("120.00") * len(invoices), "1100", allocations)
        return rec(books).record(data)[0].number or ""

    numbers["R1"] = pay("2024-02-21", "INV1")  # 20 days, 0 late (due 03-02)
    numbers["R2"] = pay("2024-04-15", "INV2", "INV3")  # INV2: 45 days, 15 late; INV3: 36 days, 6 late
    return numbers


def open_view(qtbot: Any, window: Any) -> CreditControlView:
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("credit")
    assert isinstance(view, CreditControlView)
    wait_idle(qtbot, view)
    return view


def cells(view: CreditControlView) -> dict[str, dict[str, str]]:
    """Each customer's row as the screen shows it, by column key."""
    model = view.model
    keys = [c.key for c in COLUMNS]
    return {
        model.index(r, 0).data(): {k: model.index(r, c).data() for c, k in enumerate(keys)}
        for r in range(model.rowCount())
    }


def test_credit_control_lists_marks_filters_and_shows_the_payment_history(qtbot, window, sqlite_books, tmp_path):  # type: ignore[no-untyped-def]
    numbers = credit_data(sqlite_books)
    window.resize(1500, 900)
    view = open_view(qtbot, window)
    rows = cells(view)
    assert list(rows) == ["ACME", "BOLT", "CALM"]
    acme = rows["ACME"]
    # exposure: INV4 120 + INV5 120 = 240 over the limit 200; overdue INV4 (due 05-01): 60 days
    # days to pay (120 x 20 + 120 x 45 + 120 x 36) / 360 = 33.7; late (0 + 15 + 6) / 3 = 7.0
    assert [acme[k] for k in ("limit", "exposure", "available", "overdue", "oldest")] == [
        "200.00", "240.00", "(40.00)", "120.00", "60",
    ]  # fmt: skip
    assert [acme[k] for k in ("days_to_pay", "days_late", "last_payment", "attention")] == [
        "33.7", "7.0", "2024-04-15", "over limit, overdue",
    ]  # fmt: skip
    assert [rows["BOLT"][k] for k in ("limit", "available", "exposure", "attention")] == [
        "no limit", "", "0.00", "on hold",
    ]  # fmt: skip
    assert rows["CALM"]["available"] == "1,000.00" and rows["CALM"]["attention"] == ""
    model = view.model
    assert model.index(0, 4).data(Qt.ItemDataRole.ForegroundRole) == NEGATIVE
    assert model.index(2, 4).data(Qt.ItemDataRole.ForegroundRole) is None
    tip = model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "over the credit limit 200.00 by 40.00 USD" in tip and "60 days" in tip
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == "BOLT — on credit hold"
    # numbers right-aligned
    assert model.index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert "2 over the limit or on hold" in view.count.text()

    # the filter: only those needing attention, then only the over-limit ones
    view.show_choice.setCurrentIndex(view.show_choice.findData("attention"))
    wait_idle(qtbot, view)
    assert list(cells(view)) == ["ACME", "BOLT"]
    view.show_choice.setCurrentIndex(view.show_choice.findData("over"))
    assert list(cells(view)) == ["ACME"]

    # select ACME: its receipts, newest first, each with the invoices it paid
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.history.topLevelItemCount() == 2)
    first = view.history.topLevelItem(0)
    assert [first.text(c) for c in (0, 1, 5, 6)] == [numbers["R2"], "2024-04-15", "240.00", "USD"]
    assert first.childCount() == 2
    paid = [[first.child(k).text(c) for c in (0, 1, 2, 3, 5, 7, 8)] for k in range(2)]
    assert paid == [
        [numbers["INV2"], "2024-03-01", "2024-03-31", "2024-04-15", "120.00", "45", "15"],
        [numbers["INV3"], "2024-03-10", "2024-04-09", "2024-04-15", "120.00", "36", "6"],
    ]
    older = view.history.topLevelItem(1)
    assert (older.text(0), older.child(0).text(7), older.child(0).text(8)) == (numbers["R1"], "20", "on time")
    assert "ACME Acme Trading Ltd" in view.history_title.text()
    view.show_choice.setCurrentIndex(0)
    shot(window, "screen")

    # the export: the rows shown, with the reasons
    view.show_choice.setCurrentIndex(view.show_choice.findData("attention"))
    report = view.export_builder()(lambda *_: None, lambda: False)
    assert [r.cells[0] for r in report.rows] == ["ACME", "BOLT"]
    assert (
        report.rows[0].cells[-1] == "over the credit limit 200.00 by 40.00 USD; 120.00 USD overdue, the oldest 60 days"
    )
    from paksa_desktop.reporting.renderers import to_xlsx  # the Excel renderer the Export button uses

    path = tmp_path / "credit.xlsx"
    to_xlsx(report, path)
    sheet = openpyxl.load_workbook(path).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "Acme Trading Ltd" in values and "Bolt & Nut Supplies" in values


def test_the_customer_form_shows_the_credit_standing(qtbot, window, sqlite_books):  # type: ignore[no-untyped-def]
    from ui.receivables.customer_dialog import customer_dialog

    credit_data(sqlite_books)
    dialog = customer_dialog(window.hub, "ACME", editable=True, parent=window)
    qtbot.addWidget(dialog)
    dialog.pages.setCurrentWidget(dialog.credit_box)
    qtbot.waitUntil(lambda: dialog.credit_fields["exposure"].text() != "…")
    shown = {k: f.text() for k, f in dialog.credit_fields.items()}
    assert shown == {
        "limit": "200.00 USD", "exposure": "240.00 USD", "available": "(40.00) USD — over the limit",
        "overdue": "120.00 USD, the oldest 60 days", "days_to_pay": "33.7 days (3 invoices, 12 months)",
        "days_late": "7.0 days", "last_payment": "2024-04-15",
    }  # fmt: skip
    dialog.show()
    shot(dialog, "customer-form")
    dialog.reject()


def test_the_screenshot_script_shows_a_customer_needing_attention(qtbot, window, sqlite_books, tmp_path):  # type: ignore[no-untyped-def]
    from ui.receivables.screenshots import credit_shots

    credit_data(sqlite_books)
    window.resize(1500, 900)
    saved: list[Path] = []

    def save(widget: Any, path: Path) -> None:
        widget.grab().save(str(path))
        saved.append(path)

    credit_shots(window, tmp_path, None, save, lambda ms=150: qtbot.wait(ms))
    view = window.receivables_tab.current_view()
    assert saved == [tmp_path / "65-credit-control.png"] and saved[0].stat().st_size > 0
    assert view.current().code == "ACME" and view.history.topLevelItemCount() == 2


def test_an_empty_company_says_why_the_list_is_empty(qtbot, window):  # type: ignore[no-untyped-def]
    view = open_view(qtbot, window)
    assert view.model.rowCount() == 0
    assert view.count.text() == "No active customers yet: add one under Master data > Customers."
    shot(view, "empty")
