"""Receivables master data for GUI tests, written through the real service; screenshots of what the tests see."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QThreadPool
from PySide6.QtWidgets import QApplication

from paksa_desktop.receivables.commands import AddressInput, ContactInput
from paksa_desktop.security.context import UserContext
from tests.conftest import Books
from tests.receivables.helpers import D, ar, customer, item, vat
from ui.session import AppSession

PASSWORD = "receivables-password-42"
SHOTS = Path(os.environ.get("PAKSA_SCREENSHOTS") or tempfile.gettempdir())


def master_data(books: Books) -> Books:
    """Tax codes VAT20 and VAT5I; customers ALFKI (EUR, with a contact and a billing address), BONAP (on hold),
    OLDCO (inactive) and TOKYO (JPY); items CHAI (VAT20) and CONSULT (no tax code)."""
    vat(books)
    service = ar(books)
    service.create_customer(
        customer(
            "ALFKI",
            "Alfreds Futterkiste",
            currency="EUR",
            payment_terms="2/10 net 30",
            credit_limit=D("25000"),
            income_account="4010",
            tax_code="VAT20",
            email="ap@alfreds.example",
            contacts=(ContactInput("Maria Anders", "Accounts payable", "maria@alfreds.example"),),
            addresses=(AddressInput("billing", "Obere Str. 57", "Berlin", "12209", "", "DE"),),
        )
    )
    service.create_customer(customer("BONAP", "Bon app'", payment_terms="net 45", credit_limit=D("12500.50")))
    service.set_credit_hold("BONAP", True)
    service.create_customer(customer("OLDCO", "Old Company Inc", is_active=False))
    service.create_customer(customer("TOKYO", "Tokyo Traders KK", currency="JPY", credit_limit=D("1500000")))
    service.create_item(item("CHAI", "18.00", description="Chai tea, 10 boxes", tax_code="VAT20"))
    service.create_item(item("CONSULT", "150.00", "4020", description="Consulting, per hour"))
    return books


def user_session(books: Books, username: str, role: str, full_name: str = "") -> AppSession:
    """Another user of the same company, logged in on their own."""
    books.company.add_user(books.ctx, username, PASSWORD, roles=(role,), full_name=full_name)
    return AppSession(books.company, books.company.login(username, PASSWORD))


def other_user(books: Books, username: str = "maria", role: str = "AR clerk") -> UserContext:
    """A second user who saves first (as on another computer)."""
    books.company.add_user(books.ctx, username, PASSWORD, roles=(role,), full_name="Maria Santos")
    return books.company.login(username, PASSWORD)


def shot(widget: Any, name: str) -> Path:
    """Save what `widget` shows as SHOTS/ar-<name>.png (PAKSA_SCREENSHOTS, else the temp folder)."""
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()
    path = SHOTS / f"ar-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path))
    return path


def focus(qtbot: Any, widget: Any) -> None:
    """Give `widget` the keyboard in its window, made active as after a real click (shortcuts need that;
    offscreen, a modal dialog may open, or a closed one leave the main window, without an active window)."""
    while (popup := QApplication.activePopupWidget()) is not None:  # a completer's list, say: as a click would
        popup.hide()
    window = widget.window()
    qtbot.waitUntil(lambda: window.windowHandle() is not None and window.windowHandle().isExposed())
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow)
    widget.setFocus()
