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
    bills_shots(window, tab, out, docs, save, settle)
    if "settings" in tab.views:
        tab.show_view("settings").reload()
        settle(300)
        save(window, out / "92-payables-settings.png")
    for key, name in (("schedule", "93-schedule"), ("payment-runs", "94-payment-runs"), ("payments", "95-payments")):
        if key in tab.views:
            tab.show_view(key).reload()
            settle(300)
            save(window, out / f"{name}.png")
    if "payments" in tab.views:  # Vendor credit… of the first vendor (its empty state when it has none)
        from ui.payables.vendor_credit_dialog import VendorCreditDialog

        credit = VendorCreditDialog(window.hub, "ACME", window)
        credit.show()
        settle(300)
        save(credit, out / "95b-vendor-credit.png")
        credit.close()
        credit.deleteLater()
    window.tabs.setCurrentWidget(window.ledger_tab)


def add_bills(session: AppSession) -> int | None:
    """A posted bill of ACME with its PDF, one waiting for approval and a draft, once (a company that has bills
    is left as it is); the id of the bill with the PDF."""
    from datetime import timedelta

    from paksa_desktop.documents.models import OwnerKind
    from paksa_desktop.documents.service import DocumentService
    from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput

    company, ctx = session.company, session.ctx
    if company.bill_queries(ctx).bills(limit=1):
        return None
    service = company.bills(ctx)
    day = session.today()

    base = session.queries.company().base_currency
    currencies = {v.code: v.currency for v in session.vendors.list()}

    def bill(vendor: str, invoice: str, back: int, *lines: tuple[str, str, str]) -> BillInput:
        return BillInput(
            vendor,
            day - timedelta(days=back),
            tuple(BillLineInput(text, D(quantity), D(price), tax_code="") for text, quantity, price in lines),
            vendor_invoice=invoice,
            rate=None if currencies[vendor] == base else D("1.08"),  # a fixed rate: no rate table needed
        )

    posted, _ = service.save_draft(bill("ENERGY", "CPL-2291", 20, ("Electricity, last month", "1", "842.17")))
    service.approve_and_post(posted.id)
    acme, _ = service.save_draft(
        bill("ACME", "A-1001", 3, ("Copy paper A4, boxes of 5 reams", "10", "25.00"), ("Toner HP 59A", "2", "89.90"))
    )
    service.submit(acme.id)
    service.save_draft(bill("DESIGN", "ML-014", 1, ("Brochure layout, 12 pages", "1", "1200.00")))
    DocumentService(company.engine, ctx).attach(
        OwnerKind.BILL, acme.id, content=_invoice_pdf(), filename="acme-A-1001.pdf"
    )
    return acme.id


def _invoice_pdf() -> bytes:
    """The vendor's invoice as a PDF, made with reportlab."""
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    sheet.setFont("Helvetica-Bold", 22)
    sheet.drawString(60, 780, "Acme Office Supplies GmbH")
    sheet.setFont("Helvetica", 10)
    sheet.drawString(60, 762, "Friedrichstraße 120 · 10117 Berlin · VAT DE811234567")
    sheet.setFont("Helvetica-Bold", 14)
    sheet.drawString(60, 720, "INVOICE A-1001")
    sheet.setFont("Helvetica", 11)
    rows = (("Copy paper A4, boxes of 5 reams", "10", "25.00", "250.00"), ("Toner HP 59A", "2", "89.90", "179.80"))
    y = 680
    for text, quantity, price, amount in rows:
        sheet.drawString(60, y, text)
        sheet.drawRightString(380, y, quantity)
        sheet.drawRightString(460, y, price)
        sheet.drawRightString(540, y, amount)
        y -= 20
    sheet.setFont("Helvetica-Bold", 12)
    sheet.drawString(60, y - 10, "Total EUR")
    sheet.drawRightString(540, y - 10, "429.80")
    sheet.setFont("Helvetica", 9)
    sheet.drawString(60, 80, "Terms 2/10 net 30 · IBAN DE89 3704 0044 0532 0130 00")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def bills_shots(
    window: Any, tab: Any, out: Path, docs: Path | None, save: Callable[[QWidget, Path], None],
    settle: Callable[..., None],
) -> None:  # fmt: skip
    """The bills list, the editor with the vendor's PDF beside it, the approval queue."""
    if "bills" not in tab.views:
        return
    from ui.payables.bill_dialog import open_bill

    with_pdf = add_bills(window.session)
    bills = tab.show_view("bills")
    bills.reload()
    settle(300)
    save(window, out / "93-bills.png")
    if docs is not None:
        save(window, docs / "payables-bills.png")
    if with_pdf is not None:
        dialog = open_bill(window.hub, with_pdf, window)
        dialog.show()
        settle(600)
        save(dialog, out / "94-bill-editor.png")
        if docs is not None:
            save(dialog, docs / "payables-bill.png")
        dialog.close()
        dialog.deleteLater()
    if "approvals" in tab.views:
        tab.show_view("approvals").reload()
        settle(300)
        save(window, out / "95-approvals.png")
        if docs is not None:
            save(window, docs / "payables-approvals.png")
