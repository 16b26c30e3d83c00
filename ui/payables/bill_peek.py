"""A bill opened from the payment screens by its number: the bill form (read-only once posted)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.errors import attempt
from ui.hub import Hub
from ui.payables.bill_dialog import BillDialog


def open_bill(hub: Hub, number: str, parent: QWidget | None = None) -> BillDialog | None:
    """Show a bill in its form; returns the dialog once closed (None if it could not be read)."""
    queries = hub.session.company.bill_queries(hub.session.ctx)
    detail = attempt(parent, lambda: queries.bill_by_number(number), title="Open bill")
    if detail is None:
        return None
    dialog = BillDialog(hub, detail, parent=parent)
    dialog.exec()
    dialog.deleteLater()
    return dialog
