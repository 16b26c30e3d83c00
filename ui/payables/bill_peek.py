"""A bill read-only, opened from the payment screens: header, lines and approval history.

The payment screens open bills through `open_bill`; when the bills screen brings its own bill dialog, this
is the one place that switches to it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.bill_queries import BillDetail
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col
from ui.models.rows_model import RowsTableModel
from ui.widgets.tables import make_table

LINE_COLUMNS = (
    Col("line", "#", lambda r: r.line_no, ColumnKind.INTEGER, width=36),
    Col("description", "Description", lambda r: r.description or r.item),
    Col("account", "Account", lambda r: r.account, width=80),
    Col("quantity", "Qty", lambda r: r.quantity.normalize(), ColumnKind.INTEGER, width=60),
    Col("price", "Unit price", lambda r: r.unit_price, ColumnKind.MONEY, width=110),
    Col("tax_code", "Tax", lambda r: r.tax_code, width=70),
    Col("net", "Net", lambda r: r.net, ColumnKind.MONEY, width=110),
    Col("tax", "Tax amount", lambda r: r.tax, ColumnKind.MONEY, width=100),
)


class BillPeekDialog(QDialog):
    """One bill as posted: who, what, how much is still open; nothing here changes it."""

    def __init__(self, detail: BillDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = detail.row
        e = currency_exponent(row.currency)
        self.setObjectName("billPeek")
        self.setWindowTitle(f"Bill {row.number or '(draft)'} — {row.vendor_name}")
        self.resize(760, 380)
        state = row.state.value.replace("_", " ")
        head = QLabel(
            f"<b>{row.number or 'Draft'}</b> · {row.vendor_code} {row.vendor_name} · vendor invoice "
            f"{row.vendor_invoice or '—'}<br>dated {row.date} · due {row.due_date}"
            + (f" · discount until {detail.discount_date}" if detail.discount_date else "")
            + f" · terms {detail.terms or '—'} · {state}"
            + (" · <b>on hold</b>" if row.on_hold else "")
        )
        head.setWordWrap(True)
        model = RowsTableModel(LINE_COLUMNS, exponent=e, parent=self)
        model.set_rows(list(detail.lines))
        self.table = make_table("billPeekLines", model, LINE_COLUMNS, stretch="description")
        totals = QLabel(
            f"Net {money_text(detail.net_total, e)} · tax {money_text(detail.tax_total, e)} · total "
            f"<b>{money_text(row.total, e)} {row.currency}</b> · open <b>{money_text(row.open_amount, e)}</b>"
        )
        history = "; ".join(f"{a.action.value.replace('_', ' ')} by {a.user} {a.at:%Y-%m-%d}" for a in detail.approvals)
        notes = QLabel(f"History: {history}" if history else "No approval history.")
        notes.setProperty("state", "muted")
        notes.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(totals)
        layout.addWidget(notes)
        layout.addWidget(buttons)


def open_bill(hub: Hub, number: str, parent: QWidget | None = None) -> BillPeekDialog | None:
    """Show a bill read-only (its lines and history); returns the dialog once closed (None if it failed)."""
    queries = hub.session.company.bill_queries(hub.session.ctx)
    detail = attempt(parent, lambda: queries.bill_by_number(number), title="Open bill")
    if detail is None:
        return None
    dialog = BillPeekDialog(detail, parent)
    dialog.exec()
    dialog.deleteLater()
    return dialog
