"""The approval queue: the submitted bills the current user may approve (none of their own when the company's
segregation-of-duties policy is on), oldest first, with who entered each and its flags (a likely duplicate
names the bill it resembles). Approve the selected bills at once, Reject one or several with a reason, or
open one beside its PDF (Enter)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMessageBox, QPushButton, QWidget

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.payables.bill_inputs import DuplicateWarning
from paksa_desktop.payables.bill_queries import BillRow
from paksa_desktop.payables.models import BillKind
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, message_for
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.bill_dialog import BillDialog
from ui.payables.bills_view import places, signed
from ui.receivables.base_view import ReceivablesView
from ui.style import icon
from ui.widgets.export_button import ReportBuilder
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Loader, Progress

RED = QColor("#b3261e")


def what(row: BillRow) -> str:
    kind = "Credit note" if row.kind is BillKind.CREDIT_NOTE else "Bill"
    invoice = f" {row.vendor_invoice}" if row.vendor_invoice else f" #{row.id}"
    return f"{kind}{invoice}"


class ApprovalsView(ReceivablesView):
    title = "Approvals"
    subtitle = (
        "Bills waiting for your approval, oldest first. Select several to approve them at once; Enter opens "
        "one beside its PDF. Rejecting sends a bill back to its clerk with your reason."
    )
    concerns = frozenset({Kind.BILLS, Kind.VENDORS})
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.flags: dict[int, list[DuplicateWarning]] = {}
        self.can_approve = self.session.can(Permission.AP_BILL_APPROVE)
        self.columns = (
            Col("bill", "Bill", what, width=170),
            Col("vendor", "Vendor", lambda r: f"{r.vendor_code} — {r.vendor_name}", width=200),
            Col("date", "Date", lambda r: r.date, ColumnKind.DATE, width=96),
            Col("due_date", "Due", lambda r: r.due_date, ColumnKind.DATE, width=96),
            Col("currency", "Cur.", lambda r: r.currency, width=54),
            Col("total", "Total", lambda r: signed(r, r.total), ColumnKind.MONEY, width=110, places=places),
            Col(
                "base_total",
                f"Total {hub.info().base_currency}",
                lambda r: signed(r, r.base_total),
                ColumnKind.MONEY,
                width=110,
            ),
            Col("entered_by", "Entered by", lambda r: r.entered_by, width=100),
            Col("flags", "Flags", self.flag_text),
        )
        self.model = RowsTableModel(self.columns, exponent=hub.exponent, look=self._look, parent=self)

        self.approve_button = QPushButton("Approve")
        self.approve_button.setProperty("primary", True)
        self.approve_button.setToolTip("Approve the selected bills (the clerk then posts them)")
        self.reject_button = QPushButton("Reject…")
        self.reject_button.setToolTip("Send the selected bills back to their clerk, with your reason")
        self.open_button = QPushButton(icon("edit"), "Open…")
        self.open_button.setToolTip("Open the selected bill beside its PDF (Enter)")
        for button in (self.approve_button, self.reject_button, self.open_button):
            self.header.add(button)
        self.header.add(self.add_export_button())
        self.approve_button.clicked.connect(lambda: self.approve_selected())
        self.reject_button.clicked.connect(lambda: self.reject_selected())
        self.open_button.clicked.connect(self.open_current)

        self.table = make_table("approvalsTable", self.model, self.columns, stretch="flags")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.doubleClicked.connect(self._open_index)
        on_enter(self.table, self.open_current)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.count.setWordWrap(True)
        self.body.addWidget(self.count)
        self._update_buttons()

    def flag_text(self, row: BillRow) -> str:
        found = self.flags.get(row.id)
        if not found:
            return ""
        first = found[0]
        name = first.number or f"draft #{first.bill_id}"
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        return f"Likely duplicate of {name} ({first.reason}){more}"

    def _look(self, row: BillRow) -> tuple[QColor | None, bool]:
        return (RED if row.id in self.flags else None), False

    # ---- rows
    def refresh(self) -> None:
        company, ctx = self.session.company, self.session.ctx

        def fetch() -> tuple[list[BillRow], dict[int, list[DuplicateWarning]]]:
            rows = company.bill_queries(ctx).approval_queue()
            return rows, company.bill_flags(ctx).likely_duplicates(r.id for r in rows)

        self.loader.load(fetch, self._apply)

    def _apply(self, result: tuple[list[BillRow], dict[int, list[DuplicateWarning]]]) -> None:
        rows, self.flags = result
        self.model.set_rows(rows)
        if rows:
            self.select_rows([0])
        flagged = sum(1 for r in rows if r.id in self.flags)
        if not rows:
            self.count.setText(
                "Nothing is waiting for your approval. Bills you entered yourself are approved by someone else "
                "when the company's segregation-of-duties policy is on."
            )
        else:
            note = f"; {flagged} may be duplicates (in red: open one to compare)" if flagged else ""
            self.count.setText(f"{len(rows):,} bill{'s' if len(rows) != 1 else ''} waiting for approval{note}")
        self._update_buttons()

    def select_rows(self, indexes: list[int]) -> None:
        """Select these rows (and only these), whatever modifier keys are held."""
        flags = QItemSelectionModel.SelectionFlag
        model = self.table.selectionModel()
        model.clearSelection()
        for n in indexes:
            model.select(self.model.index(n, 0), flags.Select | flags.Rows)
        if indexes:
            model.setCurrentIndex(self.model.index(indexes[0], 0), flags.NoUpdate)

    def selected_rows(self) -> list[BillRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(r) for r in rows]

    def current(self) -> BillRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.data(index, ROW_ROLE)

    def _update_buttons(self, *_args: object) -> None:
        chosen = self.selected_rows()
        self.approve_button.setEnabled(self.can_approve and bool(chosen))
        self.reject_button.setEnabled(self.can_approve and bool(chosen))
        self.open_button.setEnabled(len(chosen) == 1)
        self.approve_button.setText(f"Approve {len(chosen)}" if len(chosen) > 1 else "Approve")

    # ---- actions
    def approve_selected(self) -> int:
        """Approve every selected bill, each in its own unit of work; the ones refused are named."""
        return self._each("Approve", lambda service, row: service.approve(row.id, row.version)[1], "Approved")

    def reject_selected(self, reason: str | None = None) -> int:
        chosen = self.selected_rows()
        if not chosen:
            return 0
        if reason is None:
            text, ok = QInputDialog.getMultiLineText(
                self,
                "Reject",
                f"Why? The clerk of {'each bill' if len(chosen) > 1 else 'the bill'} reads this, corrects it and "
                "submits it again:",
            )
            if not ok:
                return 0
            reason = text
        why = reason
        return self._each("Reject", lambda service, row: service.reject(row.id, why, row.version)[1], "Rejected")

    def _each(self, title: str, act: Any, past: str) -> int:
        chosen = self.selected_rows()
        if not chosen or not self.can_approve:
            return 0
        service = self.session.company.bills(self.session.ctx)
        changes = Changes()
        done, refused = 0, []
        for row in chosen:
            try:
                changes = changes | act(service, row)
                done += 1
            except Exception as exc:  # named below; the others still go through
                refused.append(f"{what(row)} of {row.vendor_name}: {message_for(exc)}")
        if done:
            self.hub.broadcast(changes)
            notify(self, f"{past} {done} bill{'s' if done != 1 else ''}")
        if refused:
            QMessageBox.warning(self, title, f"Not {past.lower()}:\n\n" + "\n".join(refused))
        return done

    def open_current(self) -> None:
        chosen = self.selected_rows()
        if len(chosen) != 1:
            return
        row = chosen[0]
        detail = attempt(self, lambda: self.session.company.bill_queries(self.session.ctx).bill(row.id))
        if detail is None:
            return
        dialog = BillDialog(self.hub, detail, parent=self)
        self.last_dialog = dialog
        if dialog.exec():
            self.hub.broadcast(dialog.changes)
            notify(self, dialog.done_message)
        dialog.deleteLater()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.select_rows([index.row()])
            self.open_current()

    def export_builder(self) -> ReportBuilder:
        rows, columns, title, company = list(self.model.rows), self.columns, self.title, self.hub.info().name
        currency, exponent = self.hub.info().base_currency, self.hub.exponent

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, company=company, currency=currency, exponent=exponent)

        return build
