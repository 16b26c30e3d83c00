"""Payment runs: the list of runs, the New proposal dialog (proposed on a worker) and the run editor.

The editor is a tree, vendor -> bills, credit notes and the money on account the run uses (sub-rows, like
credit notes: a payment made earlier whose unapplied remainder settles bills before any cash), with a check box
on every row to include or exclude a bill or a whole vendor and an editable amount per bill; every edit goes
through `PaymentRunService` (which refuses an amount above what is open, with its message shown) and the tree
is redrawn from the proposal it returns, so the totals on screen are always the service's. Buttons follow the
user's permissions and the run's state: the AP clerk proposes and edits; the treasurer approves (not their own
proposal when segregation of duties is on), posts, writes the bank file and the remittance advices.

Keys: Space toggles the selected row, Enter opens it (a vendor folds or unfolds, a bill opens read-only),
Ctrl+Shift+A approves.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.models import PaymentRunState
from paksa_desktop.payables.payment_queries import PayingBank, RunRow
from paksa_desktop.payables.payment_runs import (
    NETTING_KINDS,
    ON_ACCOUNT,
    Proposal,
    ProposalLine,
    ProposalVendor,
)
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, message_for
from ui.hub import Hub
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.payables.bill_peek import open_bill
from ui.receivables.base_view import ReceivablesView
from ui.style import icon, set_state
from ui.widgets.date_edit import DateEdit, OptionalDateEdit
from ui.widgets.dialogs import field_grid, inline_error, note, show_inline
from ui.widgets.export_button import ReportBuilder, default_export_dir
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter
from ui.workers import IsCancelled, Job, Loader, Progress, run_with_progress

RED = QColor("#b3261e")
MUTED = QColor("#6b7785")
STATE_TEXT = {
    PaymentRunState.PROPOSED: "Proposed",
    PaymentRunState.APPROVED: "Approved",
    PaymentRunState.POSTED: "Posted",
    PaymentRunState.CANCELLED: "Cancelled",
}
FILE_FILTER = "ISO 20022 pain.001 credit transfers (*.xml);;CSV payment file (*.csv)"


def _places(row: RunRow) -> int:
    return currency_exponent(row.currency)


RUN_COLUMNS = (
    Col("run", "Run", lambda r: r.id, ColumnKind.INTEGER, width=56),
    Col("pay_date", "Pay date", lambda r: r.pay_date, ColumnKind.DATE, width=100),
    Col("bank", "Bank account", lambda r: r.bank_account),
    Col("state", "State", lambda r: STATE_TEXT[r.state], width=96),
    Col("vendors", "Vendors", lambda r: r.vendors, ColumnKind.INTEGER, width=82),
    Col("bills", "Bills", lambda r: r.bills, ColumnKind.INTEGER, width=60),
    Col("total", "Total", lambda r: r.total, ColumnKind.MONEY, width=130, places=_places),
    Col("currency", "Cur.", lambda r: r.currency, width=52),
    Col("proposer", "Proposed by", lambda r: r.proposer, width=110),
    Col("approver", "Approved by", lambda r: r.approver, width=110),
)


def _run_look(row: RunRow) -> tuple[QColor | None, bool]:
    return (MUTED, True) if row.state is PaymentRunState.CANCELLED else (None, False)


def bank_choices(combo: QComboBox, banks: list[PayingBank], chosen: str | None = None) -> None:
    """Fill a combo with the bank accounts payments leave from ("Operating (USD)"; data: the name)."""
    combo.clear()
    for bank in banks:
        combo.addItem(bank.label, bank.name)
    if chosen:
        combo.setCurrentIndex(max(0, combo.findData(chosen)))


# ------------------------------------------------------------------------------------------ the list


class PaymentRunsView(ReceivablesView):
    title = "Payment runs"
    subtitle = (
        "Pay many vendors from one bank account on one day: propose, edit, approve, post, then send the bank "
        "file. Enter opens the selected run; Ctrl+N proposes a new one."
    )
    concerns = frozenset({Kind.PAYMENTS, Kind.BILLS, Kind.VENDORS})
    export_permission = Permission.AP_VIEW

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.can_propose = self.session.can(Permission.AP_PAYMENT_RUN_CREATE)
        self.can_pay = self.session.can(Permission.AP_PAYMENT_RUN_APPROVE)
        self.model = RowsTableModel(RUN_COLUMNS, exponent=hub.exponent, look=_run_look, parent=self)
        self.new_button = QPushButton(icon("add"), "New proposal…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Propose the bills to pay from a bank account on a day (Ctrl+N)")
        self.new_button.setVisible(self.can_propose)
        self.open_button = QPushButton(icon("edit"), "Open…")
        self.open_button.setToolTip("Open the selected run: edit, approve, post, files (Enter)")
        self.pay_button = QPushButton("Pay bills…")
        self.pay_button.setToolTip("Pay open bills of one vendor now, outside a run")
        self.pay_button.setVisible(self.can_pay)
        self.new_button.clicked.connect(self.new_record)
        self.open_button.clicked.connect(self.open_current)
        self.pay_button.clicked.connect(self.pay_bills)
        for button in (self.new_button, self.open_button, self.pay_button):
            self.header.add(button)
        self.header.add(self.add_export_button())

        self.table = make_table("paymentRunsTable", self.model, RUN_COLUMNS, stretch="bank")
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        on_enter(self.table, self.open_current)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.body.addWidget(self.table, 1)
        self.count = count_label()
        self.body.addWidget(self.count)
        self._update_buttons()

    def refresh(self) -> None:
        queries = self.session.company.payment_queries(self.session.ctx)
        self.loader.load(queries.runs, self._apply)

    def _apply(self, rows: list[RunRow]) -> None:
        current = self.current()
        self.model.set_rows(rows)
        if current is not None:
            self.select(current.id)
        if not rows:
            hint = " New proposal… proposes the bills due." if self.can_propose else ""
            self.count.setText("No payment runs yet." + hint)
        else:
            waiting = sum(1 for r in rows if r.state in (PaymentRunState.PROPOSED, PaymentRunState.APPROVED))
            self.count.setText(f"{len(rows):,} run{'s' if len(rows) != 1 else ''}, {waiting} open")
        self._update_buttons()

    def current(self) -> RunRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        return self.model.data(index, ROW_ROLE)

    def select(self, run_id: int) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == run_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.current() is not None)

    # ---- actions
    def new_record(self) -> None:
        if not self.can_propose:
            return
        dialog = NewProposalDialog(self.hub, self)
        self.last_dialog = dialog
        if dialog.exec() and dialog.proposal is not None:
            self.hub.broadcast(Changes.of(Kind.PAYMENTS))
            self.open_run(dialog.proposal.run_id)
        dialog.deleteLater()

    def open_current(self) -> None:
        row = self.current()
        if row is not None:
            self.open_run(row.id)

    def open_run(self, run_id: int) -> RunEditor | None:
        editor = attempt(self, lambda: RunEditor(self.hub, run_id, self), title="Payment run")
        if editor is None:
            return None
        self.last_editor = editor
        editor.exec()
        if editor.changes is not None:
            self.hub.broadcast(editor.changes)
        editor.deleteLater()
        return editor

    def pay_bills(self) -> None:
        from ui.payables.pay_bills_dialog import pay_bills

        self.last_pay = pay_bills(self.hub, self)

    def export_builder(self) -> ReportBuilder:
        rows, company = self.model.rows, self.hub.info().name

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report("Payment runs", RUN_COLUMNS, rows, company=company, currency="")

        return build


# ------------------------------------------------------------------------------------------ new proposal


class NewProposalDialog(QDialog):
    """Pay date, bank account, cut-off and the next run's date; Propose runs on a worker."""

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.proposal: Proposal | None = None
        self.job: Job | None = None
        self.setWindowTitle("New payment proposal")
        self.setMinimumWidth(520)
        session = hub.session
        today = session.today()
        self.banks = session.company.payment_queries(session.ctx).banks()
        self.pay_date = DateEdit(today)
        self.bank = QComboBox()
        self.bank.setMinimumContentsLength(24)
        bank_choices(self.bank, self.banks)
        self.cutoff = DateEdit(today + timedelta(days=7))
        self.cutoff.setToolTip("Bills due on or before this day are proposed")
        self.next_run = OptionalDateEdit("no next run")
        self.next_run.setToolTip(
            "Bills whose early-payment discount ends before this day are paid now, with the discount"
        )
        self.balance = QLabel()
        self.balance.setProperty("state", "muted")
        grid = field_grid(
            (0, 0, "&Pay date", self.pay_date, 1),
            (0, 2, "&Cut-off (due by)", self.cutoff, 1),
            (1, 0, "&Bank account", self.bank, 3),
            (2, 0, "&Next run", self.next_run, 1),
        )
        grid.addWidget(self.balance, 3, 1, 1, 3)
        self.error = inline_error()
        buttons = QDialogButtonBox()
        self.propose_button = buttons.addButton("&Propose", QDialogButtonBox.ButtonRole.AcceptRole)
        self.propose_button.setProperty("primary", True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.propose)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(
            note(
                "The proposal takes every posted bill due by the cut-off in the bank account's currency, nets "
                "each vendor's credit notes and shows the totals against the balance. Nothing is paid until a "
                "treasurer approves and posts it.",
                muted=True,
            )
        )
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.bank.currentIndexChanged.connect(self._bank_changed)
        self.pay_date.dateChanged.connect(self._pay_date_changed)
        self._bank_changed()
        if not self.banks:
            show_inline(self.error, "No active bank account: add one in Cash & Banking first.")
            self.propose_button.setEnabled(False)

    def _pay_date_changed(self, *_args: object) -> None:
        if self.cutoff.value() < self.pay_date.value():
            self.cutoff.set_value(self.pay_date.value())

    def _bank_changed(self, *_args: object) -> None:
        bank = next((b for b in self.banks if b.name == self.bank.currentData()), None)
        if bank is None:
            self.balance.clear()
        elif bank.balance is None:
            self.balance.setText(f"Balance: no {bank.currency} rate today to value it")
        else:
            e = currency_exponent(bank.currency)
            self.balance.setText(f"Balance today: {money_text(bank.balance, e)} {bank.currency}")

    def propose(self) -> Job | None:
        bank = self.bank.currentData()
        if not bank:
            show_inline(self.error, "Bank account: choose where the money leaves from")
            return None
        pay, cutoff, next_run = self.pay_date.value(), self.cutoff.value(), self.next_run.value()
        runs = self.hub.session.company.payment_runs(self.hub.session.ctx)
        show_inline(self.error, "")
        self.propose_button.setEnabled(False)

        def work(_progress: Progress, _cancelled: IsCancelled) -> Proposal:
            proposal, _changes = runs.propose(pay, bank, cutoff, next_run)
            return proposal

        def done(proposal: Proposal) -> None:
            self.proposal = proposal
            self.accept()

        def failed(error: BaseException) -> bool:
            self.propose_button.setEnabled(True)
            show_inline(self.error, message_for(error))
            return True

        self.job = run_with_progress(
            self, "New payment proposal", f"Selecting the bills to pay from {bank}…", work, done,
            cancellable=False, on_failure=failed,
        )  # fmt: skip
        return self.job


# ------------------------------------------------------------------------------------------ the run editor

TREE_COLUMNS = ("Vendor / bill", "Vendor invoice", "Due", "Open", "Discount", "Withheld", "Amount", "To vendor")
NAME, INVOICE, DUE, OPEN, DISCOUNT, WITHHELD, AMOUNT, TO_PAY = range(len(TREE_COLUMNS))
LINE_ROLE = Qt.ItemDataRole.UserRole + 1  # a ProposalLine on a bill row, a ProposalVendor on a vendor row
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RunTree(QTreeWidget):
    """Space toggles the current row's check box; Enter (or Return) asks to open it."""

    open_requested = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if item is not None and event.key() == Qt.Key.Key_Space and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            checked = item.checkState(NAME) == Qt.CheckState.Checked
            item.setCheckState(NAME, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            event.accept()
            return
        editing = self.state() == self.State.EditingState
        if item is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not editing:
            self.open_requested.emit(item)
            event.accept()
            return
        super().keyPressEvent(event)


def _on_account_text(line: ProposalLine) -> str:
    """What a line of money on account says in the invoice column (its own reference when it has one)."""
    reference = f": {line.vendor_invoice}" if line.vendor_invoice and line.vendor_invoice != line.bill else ""
    return f"Paid on account{reference}"


class RunEditor(QDialog):
    """One payment run: its vendors and bills, its totals against the bank balance, and what may be done."""

    def __init__(self, hub: Hub, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.run_id = run_id
        self.changes: Changes | None = None
        self.job: Job | None = None
        session = hub.session
        self.runs = session.company.payment_runs(session.ctx)
        self.queries = session.company.payment_queries(session.ctx)
        self.can_edit = session.can(Permission.AP_PAYMENT_RUN_CREATE)
        self.can_pay = session.can(Permission.AP_PAYMENT_RUN_APPROVE)
        self.proposal: Proposal = self.runs.proposal(run_id)
        self.row: RunRow | None = None
        self.redraw_pending = False
        self.setObjectName("paymentRunEditor")
        self.resize(1040, 640)

        self.heading = QLabel()
        self.heading.setObjectName("runHeading")
        self.heading.setWordWrap(True)
        self.tree = RunTree()
        self.tree.setObjectName("paymentRunTree")
        self.tree.setColumnCount(len(TREE_COLUMNS))
        self.tree.setHeaderLabels(TREE_COLUMNS)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((INVOICE, 142), (DUE, 96), (OPEN, 104), (DISCOUNT, 86), (WITHHELD, 86),
                              (AMOUNT, 104), (TO_PAY, 108)):  # fmt: skip
            self.tree.setColumnWidth(column, width)
        for column in (OPEN, DISCOUNT, WITHHELD, AMOUNT, TO_PAY):
            self.tree.headerItem().setTextAlignment(column, RIGHT)
        self.tree.headerItem().setToolTip(
            AMOUNT, "What the run takes off the bill's open amount, withholding included (double-click to change)"
        )
        self.tree.headerItem().setToolTip(
            TO_PAY, "What the vendor receives for it (credit notes and money paid on account take away)"
        )
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.open_requested.connect(self._open_item)
        self.tree.itemDoubleClicked.connect(self._double_clicked)

        self.totals = QLabel()
        self.totals.setObjectName("runTotals")
        self.totals.setWordWrap(True)
        self.dropped = QLabel()
        self.dropped.setObjectName("runDropped")
        self.dropped.setWordWrap(True)
        self.dropped.setProperty("state", "muted")
        self.error = inline_error()

        self.approve_button = QPushButton("&Approve")
        self.approve_button.setProperty("primary", True)
        self.post_button = QPushButton("P&ost")
        self.cancel_run_button = QPushButton("Cancel &run…")
        self.file_button = QPushButton(icon("export"), "Write payment &file…")
        self.remit_button = QPushButton("&Remittances…")
        self.close_button = QPushButton("Close")
        self.approve_button.setToolTip("Release the run for payment (Ctrl+Shift+A)")
        self.post_button.setToolTip("Post one payment per vendor and mark the bills paid")
        self.file_button.setToolTip("The bank file of the posted run: ISO 20022 pain.001 XML or CSV")
        self.remit_button.setToolTip("One remittance advice PDF per vendor paid, into a folder")
        self.approve_button.setVisible(self.can_pay)
        self.post_button.setVisible(self.can_pay)
        self.file_button.setVisible(self.can_pay)
        self.cancel_run_button.setVisible(self.can_edit or self.can_pay)
        self.approve_button.clicked.connect(self.approve)
        self.post_button.clicked.connect(self.post)
        self.cancel_run_button.clicked.connect(self.cancel_run)
        self.file_button.clicked.connect(self.choose_file)
        self.remit_button.clicked.connect(self.choose_folder)
        self.close_button.clicked.connect(self.accept)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self, self.approve)

        actions = QHBoxLayout()
        for button in (self.approve_button, self.post_button, self.cancel_run_button):
            actions.addWidget(button)
        actions.addStretch(1)
        for button in (self.file_button, self.remit_button, self.close_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.dropped)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        self.show_proposal(self.proposal)
        self.tree.setFocus()

    # ---- drawing
    @property
    def editable(self) -> bool:
        return self.can_edit and self.proposal.state is PaymentRunState.PROPOSED

    def _load_row(self) -> None:
        self.row = next((r for r in self.queries.runs() if r.id == self.run_id), None)

    def show_proposal(self, proposal: Proposal) -> None:
        self.redraw_pending = False
        self.proposal = proposal
        self._load_row()
        p, e = proposal, currency_exponent(proposal.currency)
        self.setWindowTitle(f"Payment run {p.run_id} — {STATE_TEXT[p.state]}")
        who = ""
        if self.row is not None:
            who = f" · proposed by {self.row.proposer}"
            if self.row.approver:
                who += f", approved by {self.row.approver}"
        nxt = f" · next run {p.next_run_date}" if p.next_run_date else ""
        self.heading.setText(
            f"<b>Run {p.run_id}</b> · <b>{STATE_TEXT[p.state]}</b> · pay {p.pay_date} from <b>{p.bank_account}</b> "
            f"({p.currency}) · bills due by {p.cutoff_date}{nxt}{who}"
        )
        tops = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        expanded = {top.data(NAME, LINE_ROLE).code for top in tops if top.isExpanded()}
        current = self.tree.currentItem()
        current_key = self._key(current) if current is not None else None
        self.tree.blockSignals(True)
        self.tree.clear()
        first = not expanded and current_key is None
        for vendor in p.vendors:
            top = self._vendor_item(vendor, e)
            self.tree.addTopLevelItem(top)
            for line in vendor.lines:
                top.addChild(self._line_item(line, e))
            top.setExpanded(first or vendor.code in expanded)
            if current_key is not None:
                for item in (top, *(top.child(i) for i in range(top.childCount()))):
                    if self._key(item) == current_key:
                        self.tree.setCurrentItem(item)
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tree.blockSignals(False)
        self._show_totals()
        self._update_buttons()

    @staticmethod
    def _key(item: QTreeWidgetItem) -> str:
        data = item.data(NAME, LINE_ROLE)
        return f"v:{data.code}" if isinstance(data, ProposalVendor) else f"b:{data.bill}"

    def _cells(self, item: QTreeWidgetItem, values: dict[int, str]) -> None:
        for column, text in values.items():
            item.setText(column, text)
            if column >= OPEN:
                item.setTextAlignment(column, RIGHT)

    def _vendor_item(self, vendor: ProposalVendor, e: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(NAME, LINE_ROLE, vendor)
        bank = "" if vendor.has_bank_details else "  (no bank details)"
        bills = [ln for ln in vendor.lines if ln.kind not in NETTING_KINDS]
        covered = vendor.total == 0 and any(ln.included and ln.kind == ON_ACCOUNT and ln.amount for ln in vendor.lines)
        count = f"{len(bills)} bill{'s' if len(bills) != 1 else ''}"
        self._cells(item, {
            NAME: f"{vendor.code} — {vendor.name}{bank}",
            INVOICE: vendor.payment or (f"{count}, covered" if covered else count),
            OPEN: money_text(sum((ln.open_amount if ln.kind not in NETTING_KINDS else -ln.open_amount
                                  for ln in vendor.lines), Decimal(0)), e),
            DISCOUNT: money_text(vendor.discount, e, blank_zero=True),
            WITHHELD: money_text(vendor.withheld, e, blank_zero=True),
            TO_PAY: money_text(vendor.total, e),
        })  # fmt: skip
        font = item.font(NAME)
        font.setBold(True)
        for column in range(len(TREE_COLUMNS)):
            item.setFont(column, font)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        item.setFlags(flags)
        included = sum(1 for ln in vendor.lines if ln.included)
        state = (
            Qt.CheckState.Checked if included == len(vendor.lines)
            else Qt.CheckState.Unchecked if included == 0 else Qt.CheckState.PartiallyChecked
        )  # fmt: skip
        item.setCheckState(NAME, state)
        if covered:
            item.setToolTip(INVOICE, "Money paid on account covers these bills: the run applies it and sends nothing")
        if not vendor.has_bank_details and not covered:
            item.setForeground(NAME, RED)
            item.setToolTip(NAME, "This vendor has no bank details: the run cannot be approved while it is included")
        return item

    def _line_item(self, line: ProposalLine, e: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(NAME, LINE_ROLE, line)
        credit = line.kind in NETTING_KINDS
        prepaid = line.kind == ON_ACCOUNT
        label = f"{line.bill} (credit)" if line.kind == "credit_note" else line.bill
        if line.kind == "expense_claim":
            label += " (claim)"
        amount = line.amount + line.withheld
        self._cells(item, {
            NAME: label,
            INVOICE: _on_account_text(line) if prepaid else line.vendor_invoice,
            DUE: line.date.isoformat() if prepaid else "" if credit else line.due_date.isoformat(),
            OPEN: money_text(-line.open_amount if credit else line.open_amount, e),
            DISCOUNT: money_text(line.discount, e, blank_zero=True),
            WITHHELD: money_text(line.withheld, e, blank_zero=True),
            AMOUNT: money_text(-amount if credit else amount, e) if line.included else "",
            TO_PAY: money_text(line.net, e) if line.included else "",
        })  # fmt: skip
        if line.discount and line.discount_date:
            item.setToolTip(DISCOUNT, f"Early-payment discount taken: paid by {line.discount_date}")
        if prepaid:
            tip = (
                f"Paid to the vendor on account on {line.date}; {money_text(line.open_amount, e)} of it is still "
                "unapplied. The run applies it to the bills (after the credit notes) before paying the rest."
            )
            item.setToolTip(NAME, tip)
            item.setToolTip(OPEN, "What the payment still holds on account")
            item.setToolTip(DUE, f"The day it was paid on account: {line.date}")
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if prepaid:  # follows the vendor's bills: its box shows it is used, it is not ticked on its own
            item.setFlags(flags)
            item.setCheckState(NAME, Qt.CheckState.Checked if line.included else Qt.CheckState.Unchecked)
            return item
        if self.editable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
            if not credit and line.included:
                flags |= Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        item.setCheckState(NAME, Qt.CheckState.Checked if line.included else Qt.CheckState.Unchecked)
        if not line.included:
            for column in range(len(TREE_COLUMNS)):
                item.setForeground(column, MUTED)
        return item

    def _show_totals(self) -> None:
        p, e = self.proposal, currency_exponent(self.proposal.currency)
        text = (
            f"<b>Leaves the bank: {money_text(p.total, e)} {p.currency}</b> · {p.vendor_count} vendor"
            f"{'s' if p.vendor_count != 1 else ''}, {p.bill_count} bill{'s' if p.bill_count != 1 else ''}"
            f" · discounts {money_text(p.discount, e)} · withheld {money_text(p.withheld, e)}"
        )
        if p.on_account_used:
            text += f" · money on account used {money_text(p.on_account_used, e)}"
        text += f" · {p.bank_account} balance {money_text(p.bank_balance, e)}"
        if p.state in (PaymentRunState.PROPOSED, PaymentRunState.APPROVED):
            text += f" · after the run {money_text(p.balance_after, e)}"
        elif p.state is PaymentRunState.POSTED:
            text += " (the run's payments included)"
        if p.state in (PaymentRunState.PROPOSED, PaymentRunState.APPROVED) and p.balance_after < 0:
            text += f" — <b>the run exceeds the balance by {money_text(-p.balance_after, e)}</b>"
            set_state(self.totals, "bad")
        else:
            set_state(self.totals, "ok" if p.state is not PaymentRunState.CANCELLED else "muted")
        self.totals.setText(text)
        if p.dropped:
            self.dropped.setText("Left out: " + "; ".join(p.dropped))
        else:
            self.dropped.setText("No vendor was left out." if p.state is PaymentRunState.PROPOSED else "")

    def _update_buttons(self) -> None:
        state = self.proposal.state
        blocked = self.row.approve_blocked if self.row is not None else ""
        self.approve_button.setEnabled(self.can_pay and state is PaymentRunState.PROPOSED and not blocked)
        if blocked and state is PaymentRunState.PROPOSED:
            self.approve_button.setToolTip(blocked[:1].upper() + blocked[1:])
        self.post_button.setEnabled(self.can_pay and state is PaymentRunState.APPROVED)
        may_cancel = (state is PaymentRunState.PROPOSED and self.can_edit) or (
            state in (PaymentRunState.PROPOSED, PaymentRunState.APPROVED) and self.can_pay
        )
        self.cancel_run_button.setEnabled(may_cancel)
        self.file_button.setEnabled(self.can_pay and state is PaymentRunState.POSTED)
        self.remit_button.setEnabled(state is PaymentRunState.POSTED)

    # ---- editing
    def _done(self, result: tuple[Proposal, Changes] | None) -> None:
        """Take the proposal an edit returned. Called from the tree's itemChanged, whose item must outlive
        the signal: the figures change now, the tree is redrawn once the signal has returned."""
        if result is not None:
            proposal, changes = result
            self._merge(changes)
            show_inline(self.error, "")
        else:
            proposal = self.runs.proposal(self.run_id)
        self.proposal = proposal
        self._show_totals()
        self._update_buttons()
        self.redraw_pending = True
        QTimer.singleShot(0, self, self._redraw)

    def _redraw(self) -> None:
        if self.redraw_pending:
            self.redraw_pending = False
            self.show_proposal(self.proposal)

    def _merge(self, changes: Changes) -> None:
        self.changes = changes if self.changes is None else Changes(self.changes.kinds | changes.kinds)

    def _call(self, action: Any) -> tuple[Proposal, Changes] | None:
        """A short edit; a refusal is shown under the tree (the service's own words) and nothing changes."""
        try:
            return action()  # type: ignore[no-any-return]
        except Exception as exc:  # named under the tree; the unit of work stored nothing
            show_inline(self.error, message_for(exc))
            return None

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if not self.editable:
            return
        data = item.data(NAME, LINE_ROLE)
        run_id = self.run_id
        if column == NAME:
            state = item.checkState(NAME)
            if isinstance(data, ProposalVendor):
                include = state != Qt.CheckState.Unchecked
                result = self._call(lambda: self.runs.include_vendor(run_id, data.code, include))
            else:
                include = state == Qt.CheckState.Checked
                if include == data.included:
                    return
                result = self._call(lambda: self.runs.include_bill(run_id, data.bill, include))
            error = self.error.text()
            self._done(result)
            if result is None:
                show_inline(self.error, error)
        elif column == AMOUNT and isinstance(data, ProposalLine):
            text = item.text(AMOUNT).replace(",", "").strip()
            try:
                amount = Decimal(text)
            except InvalidOperation:
                show_inline(self.error, f"Bill {data.bill}: amount '{item.text(AMOUNT)}' is not a number")
                self._done(None)
                return
            if amount == data.amount + data.withheld:
                return
            result = self._call(lambda: self.runs.set_amount(run_id, data.bill, amount))
            error = self.error.text()
            self._done(result)
            if result is None:
                show_inline(self.error, error)

    def set_amount(self, bill: str, text: str) -> None:
        """Type `text` into a bill's amount cell (what a double-click and typing do)."""
        item = self.find(bill)
        assert item is not None, bill
        item.setText(AMOUNT, text)

    def find(self, key: str) -> QTreeWidgetItem | None:
        """The row of a bill number or a vendor code."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.data(NAME, LINE_ROLE).code == key:
                return top
            for j in range(top.childCount()):
                if top.child(j).data(NAME, LINE_ROLE).bill == key:
                    return top.child(j)
        return None

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if column == AMOUNT and item.flags() & Qt.ItemFlag.ItemIsEditable:
            self.tree.editItem(item, AMOUNT)
        elif isinstance(item.data(NAME, LINE_ROLE), ProposalLine):
            self._open_item(item)

    def _open_item(self, item: QTreeWidgetItem) -> None:
        data = item.data(NAME, LINE_ROLE)
        if isinstance(data, ProposalVendor):
            item.setExpanded(not item.isExpanded())
        elif data.kind != ON_ACCOUNT:  # a payment on account is looked up under Payments
            self.last_bill = open_bill(self.hub, data.bill, self)

    # ---- release
    def _after(self, changes: Changes, text: str) -> None:
        self._merge(changes)
        show_inline(self.error, "")
        self.show_proposal(self.runs.proposal(self.run_id))
        notify(self, text)

    def approve(self) -> None:
        if not self.approve_button.isEnabled():
            return
        changes = self._call(lambda: (None, self.runs.approve(self.run_id)))
        if changes is not None:
            self._after(changes[1], f"Approved payment run {self.run_id}")

    def post(self) -> Job | None:
        if not self.post_button.isEnabled():
            return None
        p = self.proposal
        e = currency_exponent(p.currency)
        paid = sum(1 for v in p.vendors if v.included and v.total > 0)
        used = (
            f" Money on account applied: {money_text(p.on_account_used, e)} {p.currency}." if p.on_account_used else ""
        )
        answer = QMessageBox.question(
            self,
            "Post payment run",
            f"Post run {p.run_id}: {paid} payment(s) totalling {money_text(p.total, e)} {p.currency} from "
            f"{p.bank_account} on {p.pay_date}? The bills are marked paid.{used}",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        runs, run_id = self.runs, self.run_id

        def work(_progress: Progress, _cancelled: IsCancelled) -> tuple[list[str], Changes]:
            return runs.post(run_id)

        def done(result: tuple[list[str], Changes]) -> None:
            numbers, changes = result
            self._after(changes, f"Posted {len(numbers)} payment(s): {', '.join(numbers)}")

        self.job = run_with_progress(self, "Post payment run", f"Posting run {run_id}…", work, done, cancellable=False)
        return self.job

    def cancel_run(self) -> None:
        if not self.cancel_run_button.isEnabled():
            return
        answer = QMessageBox.question(
            self, "Cancel payment run", f"Cancel run {self.run_id}? Its bills become free for another run."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        changes = self._call(lambda: (None, self.runs.cancel(self.run_id)))
        if changes is not None:
            self._after(changes[1], f"Cancelled payment run {self.run_id}")

    # ---- files
    def choose_file(self) -> Job | None:
        p = self.proposal
        suggested = default_export_dir() / f"payment-run-{p.run_id}-{p.pay_date}.xml"
        chosen, chosen_filter = QFileDialog.getSaveFileName(self, "Write payment file", str(suggested), FILE_FILTER)
        if not chosen:
            return None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".csv" if "csv" in chosen_filter.lower() else ".xml")
        return self.write_file(path)

    def write_file(self, path: Path) -> Job:
        runs, run_id = self.runs, self.run_id

        def work(_progress: Progress, _cancelled: IsCancelled) -> Any:
            return runs.write_file(run_id, path)

        def done(result: Any) -> None:
            batch, changes = result
            self._merge(changes)
            kind = "CSV payment file" if path.suffix.lower() == ".csv" else "pain.001 file"
            self.written = path
            notify(self, f"Wrote the {kind} {path.name}: {batch.count} transfer(s)")

        self.job = run_with_progress(
            self, "Write payment file", f"Writing {path.name}…", work, done, cancellable=False
        )  # fmt: skip
        return self.job

    def choose_folder(self) -> Job | None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the remittance advices", str(default_export_dir()))
        if not chosen:
            return None
        return self.write_remittances(Path(chosen))

    def write_remittances(self, folder: Path) -> Job:
        runs, run_id = self.runs, self.run_id

        def work(_progress: Progress, _cancelled: IsCancelled) -> list[Path]:
            return runs.write_remittances(run_id, folder)

        def done(paths: list[Path]) -> None:
            self.remittances = paths
            notify(self, f"Wrote {len(paths)} remittance advice(s) to {folder}")

        self.job = run_with_progress(
            self, "Remittance advices", "Writing one PDF per vendor…", work, done, cancellable=False
        )  # fmt: skip
        return self.job
