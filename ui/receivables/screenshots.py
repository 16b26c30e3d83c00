"""Screenshots of the Receivables tab for `python -m ui.screenshots`: its lists, forms, dunning and follow-ups.

The demo company's invoices are still journal entries, so the customers, items and tax codes shown
here are added through the receivables service the first time (the demo's 8.25 % sales tax included).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QTableWidgetItem, QWidget

from paksa_desktop.receivables.commands import AddressInput, ContactInput, CustomerInput, ItemInput, TaxCodeInput
from ui.session import AppSession

D = Decimal
TAX_CODES = (
    TaxCodeInput("ST825", "State sales tax", D("8.25"), "2200"),
    TaxCodeInput("EXEMPT", "Exempt (resale certificate on file)", D("0"), "2200"),
    TaxCodeInput("GST10I", "GST, prices include it", D("10"), "2200", inclusive=True),
)
CUSTOMERS = (
    CustomerInput(
        "ALFKI",
        "Alfreds Futterkiste",
        "EUR",
        "2/10 net 30",
        D("25000"),
        income_account="4010",
        tax_code="EXEMPT",
        email="ap@alfreds.example",
        phone="+49 30 0074321",
        tax_number="DE123456789",
        notes="Pays by SEPA transfer on the 10th; statements to Maria.",
        contacts=(
            ContactInput("Maria Anders", "Accounts payable", "maria.anders@alfreds.example", "+49 30 0074321"),
            ContactInput("Hans Becker", "Purchasing", "h.becker@alfreds.example", "+49 30 0074322"),
        ),
        addresses=(
            AddressInput("billing", "Obere Str. 57", "Berlin", "12209", "", "DE"),
            AddressInput("shipping", "Lagerhaus 4\nHafenstraße 12", "Hamburg", "20457", "", "DE"),
        ),
    ),
    CustomerInput("ANATR", "Ana Trujillo Emparedados y helados", "USD", "net 30", D("5000")),
    CustomerInput("ANTON", "Antonio Moreno Taquería", "USD", "net 30", D("7500")),
    CustomerInput("AROUT", "Around the Horn", "GBP", "30 EOM", D("20000"), tax_code="EXEMPT"),
    CustomerInput("BERGS", "Berglunds snabbköp", "EUR", "net 45", D("15000")),
    CustomerInput("BONAP", "Bon app'", "EUR", "net 30", D("12500"), credit_hold=True),
    CustomerInput("BOTTM", "Bottom-Dollar Markets", "USD", "2/10 net 30", D("40000"), tax_code="ST825"),
    CustomerInput("CONSH", "Consolidated Holdings", "GBP", "due on receipt", None),
    CustomerInput("GREAL", "Great Lakes Food Market", "USD", "net 30", D("60000"), tax_code="ST825"),
    CustomerInput("HUNGC", "Hungry Coyote Import Store", "USD", "net 30", D("2500"), is_active=False),
    CustomerInput("ISLAT", "Island Trading", "GBP", "net 60", D("18000")),
    CustomerInput("LAZYK", "Lazy K Kountry Store", "USD", "due on receipt", D("1500"), tax_code="ST825"),
    CustomerInput("RATTC", "Rattlesnake Canyon Grocery", "USD", "net 30", D("35000"), tax_code="ST825"),
    CustomerInput("TOKYO", "Tokyo Traders KK", "JPY", "net 60", D("4000000")),
)
ITEMS = (
    ItemInput("CHAI-24", "Chai tea, 24 boxes x 20 bags", D("432.00"), "4010", "ST825"),
    ItemInput("CHANG-24", "Chang beer, 24 x 12 oz bottles", D("456.00"), "4010", "ST825"),
    ItemInput("ANISE-12", "Aniseed syrup, 12 x 550 ml", D("120.00"), "4010", "ST825"),
    ItemInput("CAJUN-48", "Chef Anton's Cajun seasoning, 48 x 6 oz", D("1056.00"), "4010", "ST825"),
    ItemInput("GUMBO-36", "Gumbo mix, 36 boxes", D("768.60"), "4010", "ST825"),
    ItemInput("DELIVERY", "Delivery, per drop", D("45.00"), "4020"),
    ItemInput("MERCH-HR", "In-store merchandising, per hour", D("62.50"), "4020"),
    ItemInput("PALLET", "Returnable pallet deposit", D("25.00"), "4030"),
)


def add_master_data(session: AppSession) -> None:
    """Tax codes, customers and items, once (a company that has customers is left as it is)."""
    if session.receivables_queries.customers():
        return
    service = session.receivables
    for tax in TAX_CODES:
        service.create_tax_code(tax)
    for customer in CUSTOMERS:
        service.create_customer(customer)
    for item in ITEMS:
        service.create_item(item)


def receivables_shots(
    window: Any,
    out: Path,
    docs: Path | None,
    save: Callable[[QWidget, Path], None],
    settle: Callable[..., None],
) -> None:
    tab = window.receivables_tab
    if tab is None:
        return
    add_master_data(window.session)
    window.hub.forget()
    window.tabs.setCurrentWidget(tab)
    names = {"customers": "50-customers.png", "items": "52-items.png", "tax-codes": "54-tax-codes.png"}
    for key, name in names.items():
        view = tab.show_view(key)
        view.reload()
        settle(300)
        save(window, out / name)
        if docs is not None and key in ("customers", "tax-codes"):
            save(window, docs / f"receivables-{key}.png")

    customers = tab.show_view("customers")
    settle(300)
    customers.select("ALFKI")
    dialog = customers.dialog(customers.current())
    dialog.show()
    save(dialog, out / "51-customer-dialog.png")
    if docs is not None:
        save(dialog, docs / "receivables-customer.png")
    dialog.pages.setCurrentIndex(1)
    save(dialog, out / "51b-customer-addresses.png")
    dialog.close()

    items = tab.show_view("items")
    settle(300)
    items.select("CAJUN-48")
    dialog = items.dialog(items.current())
    dialog.show()
    save(dialog, out / "53-item-dialog.png")
    dialog.close()

    taxes = tab.show_view("tax-codes")
    settle(300)
    taxes.select("GST10I")
    dialog = taxes.dialog(taxes.current())
    dialog.show()
    save(dialog, out / "55-tax-code-dialog.png")
    dialog.close()
    document_shots(window, out, save, settle)
    collections_shots(window, out, docs, save, settle)
    dunning_shots(window, out, docs, save, settle)
    window.tabs.setCurrentWidget(window.ledger_tab)


def document_shots(window: Any, out: Path, save: Callable[[QWidget, Path], None], settle: Callable[..., None]) -> None:
    """The invoice editor with its line pickers filled in, and the credit note dialog of a posted invoice of
    several lines (the demo's receivables year has them)."""
    from paksa_desktop.receivables.models import DocumentKind, InvoiceState
    from ui.receivables.credit_note_dialog import CreditNoteDialog
    from ui.receivables.invoice_dialog import ITEM, QUANTITY, InvoiceDialog

    session = window.session
    editor = InvoiceDialog(window.hub, parent=window)
    editor.customer.setCurrentIndex(max(0, editor.customer.findData("BOTTM")))
    for row, (code, quantity) in enumerate((("CHAI-24", "12"), ("DELIVERY", "2"))):
        while editor.grid.rowCount() <= row:
            editor.grid.insertRow(editor.grid.rowCount())
        for col, text in ((ITEM, code), (QUANTITY, quantity)):
            editor.grid.setItem(row, col, QTableWidgetItem(text))
    editor.show()
    settle(200)
    save(editor, out / "56-invoice-editor.png")
    editor.close()
    invoices = [
        r
        for r in session.documents.invoices()
        if r.kind is DocumentKind.INVOICE and r.state in (InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)
    ]
    for row in invoices[:50]:
        detail = session.documents.invoice(row.id)
        if len(detail.lines) >= 2:
            dialog = CreditNoteDialog(window.hub, detail, window)
            dialog.show()
            settle(200)
            save(dialog, out / "57-credit-note.png")
            dialog.close()
            break


def collections_shots(
    window: Any, out: Path, docs: Path | None, save: Callable[[QWidget, Path], None], settle: Callable[..., None]
) -> None:
    """Aging (with the largest customer's documents open under it), statements, and sales by customer."""
    tab = window.receivables_tab
    aging = tab.show_view("aging")
    aging.reload()
    settle(600)
    save(window, out / "58-aging.png")
    report = aging.model.report
    if report is not None and report.rows:
        largest = max(range(len(report.rows)), key=lambda r: report.rows[r].cells[-1])
        aging.table.selectRow(largest)
        aging.drill_current()
        settle(600)
        save(window, out / "59-aging-detail.png")
        if docs is not None:
            save(window, docs / "receivables-aging.png")
        aging.close_detail()

    statements = tab.show_view("statements")
    statements.reload()
    settle(600)
    save(window, out / "60-statements.png")

    reports = tab.show_view("ar-reports")
    reports.reload()
    settle(300)
    today = window.session.today()
    reports.choose("sales-by-customer", start=today.replace(year=today.year - 1, month=1, day=1),
                   end=today.replace(year=today.year - 1, month=12, day=31))  # fmt: skip
    settle(600)
    save(window, out / "61-ar-reports.png")
    if docs is not None:
        save(window, docs / "receivables-reports.png")


def add_collection_notes(session: AppSession) -> None:
    """Two calls about overdue invoices, once: one promise already broken, one follow-up due today."""
    from datetime import timedelta

    from paksa_desktop.receivables.collections import NoteInput

    collections = session.company.collections(session.ctx)
    if collections.notes():
        return
    today = session.today()
    overdue = [r for r in session.documents.invoices(overdue_on=today) if r.number and r.open_amount > 0]
    for k, r in enumerate(overdue[:3]):
        if k == 0:
            note = NoteInput(r.customer, "Spoke to accounts: payment run on Friday", r.number,
                             today - timedelta(days=4), r.open_amount, today - timedelta(days=3))  # fmt: skip
        elif k == 1:
            note = NoteInput(r.customer, "Left a voicemail; call again", follow_up_on=today)
        else:
            note = NoteInput(r.customer, "Disputes the delivery charge; waiting for the POD",
                             r.number, follow_up_on=today + timedelta(days=5))  # fmt: skip
        collections.add_note(note)


def dunning_shots(
    window: Any, out: Path, docs: Path | None, save: Callable[[QWidget, Path], None], settle: Callable[..., None]
) -> None:
    """Dunning (the standard procedure, created once), its procedure dialog, Follow-ups and Exchange rates."""
    tab = window.receivables_tab
    session = window.session
    session.company.dunning(session.ctx).create_standard_procedure()
    add_collection_notes(session)
    dunning = tab.show_view("dunning")
    dunning.propose()
    while dunning.loader.busy:
        settle(100)
    if dunning.tree.topLevelItemCount():
        first = dunning.tree.topLevelItem(0)
        dunning.tree.setCurrentItem(first.child(0) if first.childCount() else first)
    settle(300)
    save(window, out / "62-dunning.png")
    if docs is not None:
        save(window, docs / "receivables-dunning.png")
    from ui.receivables.dunning_procedures import ProcedureDialog, ProceduresDialog

    procedures = ProceduresDialog(window.hub, window)
    procedures.show()
    save(procedures, out / "62b-dunning-procedures.png")
    dialog = ProcedureDialog(window.hub, procedures.current(), editable=True, parent=window)
    dialog.show()
    save(dialog, out / "62c-dunning-procedure.png")
    dialog.close()
    procedures.close()

    for key, name in (("follow-ups", "63-follow-ups"), ("rates", "64-exchange-rates")):
        view = tab.show_view(key)
        view.reload()
        settle(300)
        save(window, out / f"{name}.png")
        if docs is not None:
            save(window, docs / f"receivables-{key}.png")
    credit_shots(window, out, docs, save, settle)


def credit_shots(
    window: Any, out: Path, docs: Path | None, save: Callable[[QWidget, Path], None], settle: Callable[..., None]
) -> None:
    """Credit control with the first customer needing attention selected (their payment history below)."""
    view = window.receivables_tab.show_view("credit")
    view.reload()
    while view.loader.busy:
        settle(100)
    rows = view.model.rows
    red = [k for k, r in enumerate(rows) if (r.on_hold or r.over_limit) and r.last_payment]
    pick = next(iter(red), next((k for k, r in enumerate(rows) if r.reasons and r.last_payment), 0 if rows else None))
    if pick is not None:
        view.table.selectRow(pick)
        while view.history_loader.busy:
            settle(100)
    settle(300)
    save(window, out / "65-credit-control.png")
    if docs is not None:
        save(window, docs / "receivables-credit.png")
