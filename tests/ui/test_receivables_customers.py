"""The Customers view of the Receivables tab, on a SQLite file and on a shared PostgreSQL database: create a
customer through the form from the keyboard, open and edit it, credit hold and deactivation, someone else's
save first (the conflict dialog), import with a rejected file (the import errors dialog), filter and export."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from paksa_desktop.core.errors import ConflictError
from tests.conftest import Books
from tests.receivables.helpers import D, ar, arq, customer, vat
from tests.ui.ar_data import focus, master_data, other_user, shot
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.data import refresh_all
from ui.models.rows_model import RIGHT
from ui.receivables.customer_dialog import CustomerDialog
from ui.session import AppSession
from ui.style import MUTED
from ui.widgets.conflict_dialog import ConflictDialog
from ui.widgets.import_errors_dialog import ImportErrorsDialog

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def session(books: Books) -> AppSession:
    """Overrides the SQLite-only session of tests/ui/conftest.py: one company per engine."""
    return AppSession(books.company, books.ctx)


def customers_view(qtbot, window):  # type: ignore[no-untyped-def]
    tab = window.receivables_tab
    window.tabs.setCurrentWidget(tab)
    view = tab.show_view("customers")
    wait_idle(qtbot, view)
    return view


def codes(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [view.model.row_at(r).code for r in range(view.model.rowCount())]


def type_in_grid(qtbot, grid, *cells: str) -> None:  # type: ignore[no-untyped-def]
    """Type each cell into the open editor and Tab to the next; Enter after the last."""
    for n, text in enumerate(cells):
        editor = grid.focusWidget()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return if n == len(cells) - 1 else Qt.Key.Key_Tab)


def test_create_a_customer_from_the_keyboard(qtbot, window, books, engine_name):
    vat(books)
    view = customers_view(qtbot, window)
    assert view.model.rowCount() == 0
    assert view.count.text() == "No customers yet. New customer… adds one."
    seen: dict[str, object] = {}

    def fill(dialog: CustomerDialog) -> None:
        seen["title"] = dialog.windowTitle()
        qtbot.keyClicks(dialog.code, "ACME")
        qtbot.keyClicks(dialog.name, "Acme Ltd")
        dialog.currency.clear()
        qtbot.keyClicks(dialog.currency, "eur")
        seen["currency"] = dialog.currency.text()
        dialog.terms.clear()
        qtbot.keyClicks(dialog.terms, "2/10 net 30")
        seen["hint"] = dialog.terms_hint.text()
        qtbot.keyClicks(dialog.credit_limit, "5,000.5")
        qtbot.keyClicks(dialog.income_account, "4020")
        dialog.tax_code.setCurrentIndex(dialog.tax_code.findData("VAT20"))
        qtbot.keyClicks(dialog.email, "ap@acme.example")
        qtbot.keyClicks(dialog.phone, "+44 20 7946 0000")
        qtbot.keyClicks(dialog.tax_number, "GB123456789")
        dialog.add_contact_button.click()
        type_in_grid(qtbot, dialog.contacts_grid, "Jane Roe", "Accounts payable", "jane@acme.example", "+44 1")
        dialog.pages.setCurrentIndex(1)
        qtbot.keyClicks(dialog.billing.lines, "1 High Street")
        qtbot.keyClicks(dialog.billing.city, "London")
        qtbot.keyClicks(dialog.billing.postal_code, "EC1A 1AA")
        qtbot.keyClicks(dialog.billing.country, "gb")
        dialog.copy_address_button.click()
        dialog.pages.setCurrentIndex(0)
        if engine_name == "sqlite":
            shot(dialog, "customer-dialog-new")
        focus(qtbot, dialog.name)
        qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)  # Ctrl+S saves
        seen["closed"] = not dialog.isVisible()

    keep = handle_dialog(CustomerDialog, fill)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_N, CTRL)  # Ctrl+N on the view: a new customer
    del keep
    assert seen == {
        "title": "New customer",
        "currency": "EUR",
        "hint": "Due 30 days after the invoice date; 2 % off if paid within 10 days.",
        "closed": True,
    }
    wait_idle(qtbot, view)
    got = arq(books).customer("ACME")
    assert (got.name, got.currency, got.payment_terms, got.credit_limit) == (
        "Acme Ltd",
        "EUR",
        "2/10 net 30",
        D("5000.50"),
    )
    assert (got.income_account, got.tax_code, got.email, got.phone, got.tax_number) == (
        "4020",
        "VAT20",
        "ap@acme.example",
        "+44 20 7946 0000",
        "GB123456789",
    )
    assert [(c.name, c.role, c.email, c.phone) for c in got.contacts] == [
        ("Jane Roe", "Accounts payable", "jane@acme.example", "+44 1")
    ]
    assert [(a.kind, a.lines, a.city, a.postal_code, a.country) for a in got.addresses] == [
        ("billing", "1 High Street", "London", "EC1A 1AA", "GB"),
        ("shipping", "1 High Street", "London", "EC1A 1AA", "GB"),
    ]
    assert got.is_active and not got.credit_hold
    # the list shows it, selected, the credit limit right-aligned in the customer's currency
    assert codes(view) == ["ACME"] and view.current().code == "ACME"
    limit = view.model.index(0, 4)
    assert limit.data() == "5,000.50" and limit.data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert view.count.text() == "1 customer"


def test_form_refusals_keep_the_dialog_open_and_say_why(qtbot, window, books):
    view = customers_view(qtbot, window)
    dialog = view.dialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.code.setText("BAD CODE")
    dialog.income_account.setText("Rent")  # an expense account: not offered for income
    dialog.accept()
    assert dialog.isVisible() and dialog.message.text() == "Income account: no account matches 'Rent'"
    dialog.income_account.clear()
    dialog.terms.setText("whenever")
    assert dialog.terms_hint.text().startswith("'whenever' is not payment terms")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.message.text() == (
        "Customer BAD CODE: code: 'BAD CODE' must not contain spaces; name: required; payment terms: 'whenever' is "
        "not payment terms; write e.g. 'net 30', '30 EOM', 'due on receipt' or '2/10 net 30'"
    )
    assert arq(books).customers() == []
    dialog.reject()


def test_enter_opens_a_customer_to_edit_then_hold_and_deactivate(qtbot, window, books, engine_name):
    master_data(books)
    refresh_all(window)
    view = customers_view(qtbot, window)
    assert codes(view) == ["ALFKI", "BONAP", "OLDCO", "TOKYO"]
    if engine_name == "sqlite":
        shot(window, "customers")
    assert view.select("ALFKI")
    seen: dict[str, object] = {}

    def edit(dialog: CustomerDialog) -> None:
        seen["loaded"] = (
            dialog.windowTitle(),
            dialog.credit_limit.text(),
            dialog.income_account.text(),
            dialog.tax_code.currentData(),
            dialog.contacts.rows(),
            dialog.billing.city.text(),
        )
        if engine_name == "sqlite":
            shot(dialog, "customer-dialog")
            dialog.pages.setCurrentIndex(1)
            shot(dialog, "customer-dialog-addresses")
        dialog.name.setText("Alfreds Futterkiste GmbH")
        dialog.contacts_grid.setCurrentIndex(dialog.contacts.index(0, 0))
        dialog.remove_contact_button.click()
        dialog.credit_limit.setText("30000")
        dialog.save_button.click()

    keep = handle_dialog(CustomerDialog, edit)
    focus(qtbot, view.table)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter opens the selected customer
    del keep
    assert seen["loaded"] == (
        "Customer ALFKI — Alfreds Futterkiste",
        "25,000.00",
        "4010 — Product sales",
        "VAT20",
        [("Maria Anders", "Accounts payable", "maria@alfreds.example", "")],
        "Berlin",
    )
    wait_idle(qtbot, view)
    got = arq(books).customer("ALFKI")
    assert (got.name, got.contacts, got.credit_limit) == ("Alfreds Futterkiste GmbH", (), D("30000.00"))
    assert [a.city for a in got.addresses] == ["Berlin"]  # the billing address is kept as it was
    assert view.current().code == "ALFKI" and view.current().name == "Alfreds Futterkiste GmbH"

    # credit hold, from the list
    assert view.hold_button.text() == "Put on hold"
    view.hold_button.click()
    wait_idle(qtbot, view)
    assert arq(books).customer("ALFKI").credit_hold
    assert view.current().code == "ALFKI" and view.hold_button.text() == "Release hold"
    assert view.model.index(0, 5).data() == "On hold"

    # deactivate: greyed in the list, offered for nothing new
    view.toggle_button.click()
    wait_idle(qtbot, view)
    assert not arq(books).customer("ALFKI").is_active
    assert view.toggle_button.text() == "Activate"
    assert view.model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == MUTED


def test_a_save_after_someone_elses_opens_the_conflict_dialog(qtbot, window, books, engine_name):
    master_data(books)
    maria = other_user(books)
    view = customers_view(qtbot, window)
    view.select("BONAP")
    dialog = view.dialog(view.current())
    qtbot.addWidget(dialog)
    dialog.show()
    theirs = arq(books).customer("BONAP")
    books.company.receivables(maria).update_customer(
        "BONAP",
        customer("BONAP", "Bon app' SARL", payment_terms="net 45", credit_limit=D("12500.50"), credit_hold=True),
        version=theirs.version,
    )
    dialog.name.setText("Bon appétit")
    answers: list[str] = []

    def keep_editing(box: ConflictDialog) -> None:
        answers.append(box.text())
        if engine_name == "sqlite":
            shot(box, "conflict-dialog")
        box.keep_button.click()

    keep = handle_dialog(ConflictDialog, keep_editing)
    dialog.accept()
    del keep
    assert answers[0].startswith("Customer BONAP was changed by Maria Santos (maria) at ")
    assert dialog.isVisible() and dialog.name.text() == "Bon appétit"  # our edits stay, unsaved
    assert arq(books).customer("BONAP").name == "Bon app' SARL"

    keep = handle_dialog(ConflictDialog, lambda box: box.reload_button.click())
    dialog.accept()
    del keep
    assert dialog.isVisible() and dialog.name.text() == "Bon app' SARL"  # their version, shown
    dialog.name.setText("Bon appétit")
    dialog.accept()  # on top of hers now: saved
    assert not dialog.isVisible()
    assert arq(books).customer("BONAP").name == "Bon appétit"
    with pytest.raises(ConflictError):  # and Maria's stale copy is refused in turn
        ar(books).update_customer("BONAP", customer("BONAP", "Late"), version=theirs.version)
    QApplication.processEvents()


BAD_CUSTOMERS = (
    "code,name,currency,payment_terms_days,credit_limit\n"
    "C1,Acme,USD,30,1000\n"
    ",No code,USD,30,\n"
    "C3,Euro Co,EURO,30,\n"
    "C4,Later,USD,sometimes,\n"
    "C1,Again,USD,30,1.234\n"
)


def test_import_customers_lists_every_problem_then_imports_a_good_file(
    qtbot, window, books, messages, tmp_path, monkeypatch, engine_name
):
    view = customers_view(qtbot, window)
    bad = tmp_path / "customers.csv"
    bad.write_text(BAD_CUSTOMERS, encoding="utf-8")
    chosen = [bad]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen[0]), "")))
    seen: list[list[str]] = []

    def read(dialog: ImportErrorsDialog) -> None:
        seen.append(dialog.lines())
        if engine_name == "sqlite":
            shot(dialog, "import-errors")
        dialog.accept()

    keep = handle_dialog(ImportErrorsDialog, read)
    view.import_button.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    del keep
    assert seen[0] == [
        "customers.csv:3: code: required",
        "customers.csv:4: currency: 'EURO' is not an ISO 4217 currency code",
        "customers.csv:5: payment_terms_days: 'sometimes' is not payment terms; write e.g. 'net 30', '30 EOM', "
        "'due on receipt' or '2/10 net 30'",
        "customers.csv:6: code: duplicate of row 2",
        "customers.csv:6: credit_limit: '1.234' has more than 2 decimal places",
    ]
    qtbot.waitUntil(lambda: view.last_import.done, timeout=30_000)
    assert arq(books).customers() == []  # all or nothing

    good = tmp_path / "good.xlsx"  # an Excel workbook this time
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Customers"
    sheet.append(["code", "name", "currency", "payment_terms_days", "credit_limit", "email"])
    sheet.append(["C1", "Acme", "USD", 30, 1000, "ap@acme.example"])
    sheet.append(["C2", "Yen Co", "JPY", "2/10 net 30", 250000, None])
    workbook.save(good)
    chosen[0] = good
    view.import_button.click()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=30_000)
    assert messages.last() == "Imported 2 customers from good.xlsx: 2 new, 0 updated, 0 unchanged."
    wait_idle(qtbot, view)
    assert codes(view) == ["C1", "C2"]
    assert view.model.index(1, 4).data() == "250,000"  # yen have no decimals


def test_filter_and_export_the_rows_shown(qtbot, window, books, tmp_path):
    master_data(books)
    refresh_all(window)
    view = customers_view(qtbot, window)
    qtbot.keyClicks(view.search, "tok")
    view.filters.apply_now()
    assert codes(view) == ["TOKYO"] and view.count.text() == "1 of 4 customers match the filter"
    view.filters.clear_button.click()
    assert codes(view) == ["ALFKI", "BONAP", "OLDCO", "TOKYO"]
    view.hold.setCurrentIndex(view.hold.findData(True))
    assert codes(view) == ["BONAP"]
    view.hold.setCurrentIndex(0)
    view.status.setCurrentIndex(view.status.findData(False))
    assert codes(view) == ["OLDCO"]
    view.status.setCurrentIndex(view.status.findData(True))
    view.currency.setCurrentIndex(view.currency.findData("USD"))
    assert codes(view) == ["BONAP"]
    view.currency.setCurrentIndex(0)
    assert view.describe_filter() == "filtered by active"

    job = view.export_button.export_to(tmp_path / "customers.csv")
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    with (tmp_path / "customers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["code"], r["currency"], r["terms"], r["credit_limit"], r["hold"], r["active"]) for r in rows] == [
        ("ALFKI", "EUR", "2/10 net 30", "25000.00", "", "yes"),
        ("BONAP", "USD", "net 45", "12500.50", "On hold", "yes"),
        ("TOKYO", "JPY", "net 30", "1500000.00", "", "yes"),
    ]
    job = view.export_button.export_to(tmp_path / "customers.xlsx")
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    sheet = openpyxl.load_workbook(tmp_path / "customers.xlsx").active
    table = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert table[0] == ["Code", "Name", "Currency", "Terms", "Credit limit", "Hold", "Active"]
    assert [(r[0], r[4]) for r in table[1:]] == [("ALFKI", 25000), ("BONAP", 12500.5), ("TOKYO", 1500000)]
    pdf = Path(tmp_path / "customers.pdf")
    job = view.export_button.export_to(pdf)
    qtbot.waitUntil(lambda: job.done, timeout=20_000)
    from pypdf import PdfReader

    text = PdfReader(str(pdf)).pages[0].extract_text()
    assert "Customers" in text and "Tokyo Traders KK" in text and "1,500,000.00" in text
