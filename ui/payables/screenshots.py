"""Screenshots of the Payables tab for `python -m ui.screenshots`: vendors, the vendor form, settings.

The vendors shown are added through the vendor service the first time (a company that has vendors,
such as a demo that brings its own, is left as it is).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from paksa_desktop.payables.vendors import ContactInput, VendorInput
from ui.session import AppSession

D = Decimal
VENDORS = (
    VendorInput(
        "ACME",
        "Acme Office Supplies GmbH",
        "EUR",
        "2/10 net 30",
        expense_account="6130",
        tax_number="DE811234567",
        email="invoices@acme-office.example",
        phone="+49 30 5550 1200",
        address_lines="Friedrichstraße 120",
        city="Berlin",
        postal_code="10117",
        country="DE",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        notes="Sends one PDF per delivery; statement on the 1st of each month.",
        contacts=(
            ContactInput("Jana Weber", "Accounts receivable", "jana.weber@acme-office.example", "+49 30 5550 1201"),
            ContactInput("Tom Richter", "Key account", "t.richter@acme-office.example", "+49 30 5550 1230"),
        ),
    ),
    VendorInput(
        "BRIGHT",
        "Bright Cleaning Services LLC",
        "USD",
        "net 15",
        expense_account="6130",
        account_number="000123456789",
        routing_number="021000021",
        withholding=True,
        withholding_rate=D("0"),
    ),
    VendorInput(
        "CLOUDCO", "CloudCo Hosting Ltd", "GBP", "due on receipt", iban="GB29NWBK60161331926819", bic="NWBKGB2L"
    ),
    VendorInput(
        "DESIGN",
        "Maya Lopez Design",
        "USD",
        "net 30",
        tax_number="123-45-6789",
        withholding=True,
        withholding_rate=D("24"),
    ),
    VendorInput("ENERGY", "City Power & Light", "USD", "net 20", expense_account="6130"),
    VendorInput("FREIGHT", "Fast Freight SARL", "EUR", "30 EOM", iban="FR1420041010050500013M02606", bic="PSSTFRPPPAR"),
    VendorInput("LANDLORD", "Harbor View Properties", "USD", "due on receipt", notes="Rent, due on the 1st"),
    VendorInput("OLDPRINT", "Old Print Shop", "USD", "net 30", is_active=False),
    VendorInput("JSMITH", "Jane Smith (employee)", "USD", "due on receipt", is_employee=True),
)


def add_vendors(session: AppSession) -> None:
    """The vendors above, once (a company that has vendors is left as it is)."""
    service = session.vendors
    if service.list():
        return
    for vendor in VENDORS:
        service.add(vendor)


def payables_shots(
    window: Any,
    out: Path,
    docs: Path | None,
    save: Callable[[QWidget, Path], None],
    settle: Callable[..., None],
) -> None:
    tab = getattr(window, "payables_tab", None)
    if tab is None:
        return
    add_vendors(window.session)
    window.tabs.setCurrentWidget(tab)
    vendors = tab.show_view("vendors")
    vendors.reload()
    settle(300)
    save(window, out / "90-vendors.png")
    if docs is not None:
        save(window, docs / "payables-vendors.png")
    vendors.select("ACME")
    dialog = vendors.dialog(vendors.current())
    dialog.show()
    save(dialog, out / "91-vendor-dialog.png")
    if docs is not None:
        save(dialog, docs / "payables-vendor.png")
    dialog.pages.setCurrentIndex(2)  # bank details
    save(dialog, out / "91b-vendor-bank.png")
    dialog.pages.setCurrentIndex(3)  # tax and withholding
    save(dialog, out / "91c-vendor-withholding.png")
    dialog.close()
    if "settings" in tab.views:
        tab.show_view("settings").reload()
        settle(300)
        save(window, out / "92-payables-settings.png")
    for key, name in (("schedule", "93-schedule"), ("payment-runs", "94-payment-runs"), ("payments", "95-payments")):
        if key in tab.views:
            tab.show_view(key).reload()
            settle(300)
            save(window, out / f"{name}.png")
    window.tabs.setCurrentWidget(window.ledger_tab)
