"""Expense claims: "My claims", the approver's "Approvals", and the claim dialog (a grid of expenses with
their receipts, the live total in the base currency, Submit; for approvers Approve / Reject with the policy
flags in red).

The dialog's live figures come from the functions the service posts with (`receivables.amounts.to_base`,
`core.tax.split_line` as an inclusive code), so the form never has a formula of its own; rates are read
on a worker as dates and currencies change.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, format_amount, from_minor, is_currency, to_minor
from paksa_desktop.core.tax import TaxCode, split_line
from paksa_desktop.payables.expense_queries import ClaimChoices, ClaimDetail, ClaimRow
from paksa_desktop.payables.expenses import ClaimInput, ClaimLineInput, ReceiptFile
from paksa_desktop.payables.models import ClaimState
from paksa_desktop.receivables.amounts import to_base
from paksa_desktop.reporting.model import ColumnKind, Report
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, message_for
from ui.hub import Hub
from ui.ledger.base_view import LedgerView
from ui.models.columns import Col, rows_report
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.style import icon, set_state
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import inline_error, show_inline
from ui.widgets.export_button import ReportBuilder
from ui.widgets.notify import notify
from ui.widgets.tables import count_label, make_table, on_enter, stretch_column
from ui.workers import IsCancelled, Loader, Progress

RED = QColor("#b3261e")
STATE_TEXT = {
    ClaimState.DRAFT: "Draft",
    ClaimState.SUBMITTED: "Waiting for approval",
    ClaimState.APPROVED: "Approved",
    ClaimState.REJECTED: "Rejected",
    ClaimState.POSTED: "Posted: to reimburse",
    ClaimState.REIMBURSED: "Reimbursed",
}
RECEIPT_FILTER = "Receipts (*.pdf *.png *.jpg *.jpeg *.heic *.webp *.tif *.tiff);;All files (*)"


def _policy(row: ClaimRow) -> str:
    return "Over a limit" if row.flagged else ""


MY_COLUMNS = (
    Col("claim", "Claim", lambda r: r.label, width=150),
    Col("title", "Title", lambda r: r.title),
    Col("state", "State", lambda r: STATE_TEXT[r.state], width=160),
    Col("created", "Created", lambda r: r.created_at.date(), ColumnKind.DATE, width=100),
    Col("lines", "Expenses", lambda r: r.lines, ColumnKind.INTEGER, width=80),
    Col("total", "Total", lambda r: r.total, ColumnKind.MONEY, width=110),
    Col("policy", "Policy", _policy, width=100),
    Col("note", "Approver's note", lambda r: r.decision_note, width=220),
)
QUEUE_COLUMNS = (
    Col("claim", "Claim", lambda r: r.label, width=110),
    Col("claimant", "Claimant", lambda r: r.claimant, width=170),
    Col("title", "Title", lambda r: r.title),
    Col("submitted", "Submitted", lambda r: r.submitted_at and r.submitted_at.date(), ColumnKind.DATE, width=100),
    Col("lines", "Expenses", lambda r: r.lines, ColumnKind.INTEGER, width=80),
    Col("total", "Total", lambda r: r.total, ColumnKind.MONEY, width=110),
    Col("policy", "Policy", _policy, width=100),
)


def _look(row: ClaimRow) -> tuple[QColor | None, bool]:
    """Claims over a policy limit in red; rejected ones italic (they are back with the claimant)."""
    return (RED if row.flagged and row.state is ClaimState.SUBMITTED else None, row.state is ClaimState.REJECTED)


class ExpenseClaimsView(LedgerView):
    """The Expense claims screen: a self-contained page with `refresh()` (the Payables tab lists it)."""

    title = "Expense claims"
    subtitle = (
        "Claim what you paid for the company: one line per receipt, in any currency. An approver other than "
        "you approves it; it is then reimbursed with the next payment run. Ctrl+N starts a claim."
    )
    concerns = frozenset({Kind.EXPENSES})

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.loader = Loader(self)
        self.can_submit = self.session.can(Permission.AP_EXPENSE_SUBMIT)
        self.can_approve = self.session.can(Permission.AP_EXPENSE_APPROVE)
        exponent = hub.exponent
        self.mine = RowsTableModel(MY_COLUMNS, exponent=exponent, look=_look, parent=self)
        self.queue = RowsTableModel(QUEUE_COLUMNS, exponent=exponent, look=_look, parent=self)

        self.new_button = QPushButton(icon("add"), "New claim…")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Start an expense claim (Ctrl+N)")
        self.new_button.setEnabled(self.can_submit)
        if not self.can_submit:
            self.new_button.setToolTip("Your role cannot claim expenses (payables.expense.submit).")
        self.open_button = QPushButton(icon("edit"), "Open…")
        self.open_button.setToolTip("Open the selected claim (Enter)")
        self.new_button.clicked.connect(self.new_record)
        self.open_button.clicked.connect(self.open_current)
        self.header.add(self.new_button)
        self.header.add(self.open_button)
        self.header.add(self.add_export_button())
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self, self.new_record)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.lists = QTabWidget()
        self.lists.setObjectName("expenseLists")
        self.mine_table = make_table("myClaimsTable", self.mine, MY_COLUMNS, stretch="title")
        self.queue_table = make_table("approvalsTable", self.queue, QUEUE_COLUMNS, stretch="title")
        for table in (self.mine_table, self.queue_table):
            table.doubleClicked.connect(lambda _i: self.open_current())
            on_enter(table, self.open_current)
        self.mine_count = self._count_label()
        self.queue_count = self._count_label()
        self.lists.addTab(self._page(self.mine_table, self.mine_count), "My claims")
        if self.can_approve:
            self.lists.addTab(self._page(self.queue_table, self.queue_count), "Approvals")
        self.body.addWidget(self.lists, 1)

    @staticmethod
    def _count_label() -> QLabel:
        label = count_label()
        label.setWordWrap(True)
        return label

    @staticmethod
    def _page(table: QWidget, count: QLabel) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(table, 1)
        layout.addWidget(count)
        return page

    # ---- loading
    def refresh(self) -> None:
        company, ctx = self.session.company, self.session.ctx
        can_submit, can_approve = self.can_submit, self.can_approve

        def fetch() -> tuple[list[ClaimRow], list[ClaimRow]]:
            queries = company.expense_queries(ctx)
            mine = queries.my_claims() if can_submit else []
            queue = queries.approval_queue() if can_approve else []
            return mine, queue

        self.loader.load(fetch, self._apply)

    def _apply(self, result: tuple[list[ClaimRow], list[ClaimRow]]) -> None:
        mine, queue = result
        self.mine.set_rows(mine)
        self.queue.set_rows(queue)
        if not self.can_submit:
            self.mine_count.setText("Your role does not claim expenses.")
        elif not mine:
            self.mine_count.setText("No claims yet. New claim… starts one: add a line per receipt and submit it.")
        else:
            waiting = sum(1 for r in mine if r.state is ClaimState.SUBMITTED)
            back = sum(1 for r in mine if r.state is ClaimState.REJECTED)
            parts = [f"{len(mine):,} claim{'s' if len(mine) != 1 else ''}"]
            if waiting:
                parts.append(f"{waiting} waiting for approval")
            if back:
                parts.append(f"{back} rejected: open to change and resubmit")
            self.mine_count.setText(", ".join(parts))
        flagged = sum(1 for r in queue if r.flagged)
        if not queue:
            self.queue_count.setText("No claims are waiting for your approval.")
        else:
            text = f"{len(queue):,} claim{'s' if len(queue) != 1 else ''} waiting for your decision"
            self.queue_count.setText(text + (f", {flagged} over a policy limit (in red)" if flagged else ""))
        if self.can_approve:
            self.lists.setTabText(1, f"Approvals ({len(queue)})" if queue else "Approvals")

    # ---- actions
    def current(self) -> ClaimRow | None:
        table = self.mine_table if self.lists.currentIndex() == 0 else self.queue_table
        index = table.currentIndex()
        if not index.isValid() or not table.selectionModel().hasSelection():
            return None
        return table.model().data(index, ROW_ROLE)

    def new_record(self) -> None:
        if not self.can_submit:
            return
        self._open(None)

    def open_current(self) -> None:
        row = self.current()
        if row is not None:
            self._open(row.id)

    def _open(self, claim_id: int | None) -> None:
        dialog = ClaimDialog(self.hub, claim_id, parent=self)
        if not dialog.ready:
            dialog.deleteLater()
            return
        self.last_dialog = dialog
        if dialog.exec() or dialog.changes:
            self.hub.broadcast(dialog.changes)
            if dialog.outcome:
                notify(self, dialog.outcome)
        dialog.deleteLater()

    def export_builder(self) -> ReportBuilder:
        approvals = self.lists.currentIndex() == 1
        columns = QUEUE_COLUMNS if approvals else MY_COLUMNS
        rows = (self.queue if approvals else self.mine).rows
        title = "Expense claims to approve" if approvals else "My expense claims"
        info = self.hub.info()

        def build(_progress: Progress, _cancelled: IsCancelled) -> Report:
            return rows_report(title, columns, rows, company=info.name, currency=info.currency, exponent=info.exponent)

        return build

    def file_stem(self) -> str:
        return "expense-approvals" if self.lists.currentIndex() == 1 else "expense-claims"

    def audit_export(self, path: Path, count: int) -> None:
        from paksa_desktop.audit.service import AuditService

        permission = Permission.AP_EXPENSE_SUBMIT if self.can_submit else Permission.AP_EXPENSE_APPROVE
        AuditService(self.session.company.engine, self.session.ctx).record_export(
            self.file_stem(), path, count, permission=permission
        )


# --------------------------------------------------------------------------------------------- the dialog

DATE, CATEGORY, DESCRIPTION, CURRENCY, AMOUNT, TAX, PROJECT, RECEIPT, BASE, POLICY = range(10)
HEADERS = ("Date", "Category", "Description", "Currency", "Amount", "Tax code", "Project", "Receipt", "", "Policy")
WIDTHS = (136, 210, 0, 84, 96, 120, 120, 110, 96, 96)  # the date and combo editors fit their cells
CATEGORY_TAX = "__category__"


@dataclass
class Receipt:
    """What a line's receipt cell holds: a stored document, or a file chosen and not saved yet."""

    filename: str
    document_id: int | None = None
    pending: Path | None = None


class ClaimDialog(QDialog):
    """One claim: editable by its claimant while a draft (or rejected), decided by an approver once submitted."""

    def __init__(self, hub: Hub, claim_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimDialog")
        self.hub = hub
        self.session = hub.session
        self.claim_id = claim_id
        self.version: int | None = None
        self.changes = Changes()
        self.outcome = ""
        self.rates: dict[tuple[str, date], Decimal | None] = {}
        self.rate_loader = Loader(self)
        self.ready = False
        company, ctx = self.session.company, self.session.ctx
        queries = company.expense_queries(ctx)
        can_submit = self.session.can(Permission.AP_EXPENSE_SUBMIT)
        choices: ClaimChoices | None = None
        if can_submit:
            choices = attempt(parent, queries.choices, title="Expense claim")
            if choices is None:
                return
        detail: ClaimDetail | None = None
        if claim_id is not None:
            detail = attempt(parent, lambda: queries.claim(claim_id), title="Expense claim")
            if detail is None:
                return
        self.detail = detail
        if choices is not None:
            self.base = choices.base_currency
        else:
            self.base = detail.claim.currency if detail else self.hub.info().currency
        self.exponent = currency_exponent(self.base)
        self.choices = choices or ClaimChoices(self.base, (), (), (), ())
        state = detail.claim.state if detail else ClaimState.DRAFT
        mine = detail.is_mine if detail else True
        self.editable = can_submit and mine and state in (ClaimState.DRAFT, ClaimState.REJECTED)
        self.deciding = (
            detail is not None
            and not mine
            and state is ClaimState.SUBMITTED
            and self.session.can(Permission.AP_EXPENSE_APPROVE)
        )
        self._build(detail)
        self.ready = True

    # ---- layout
    def _build(self, detail: ClaimDetail | None) -> None:
        claim = detail.claim if detail else None
        self.setWindowTitle(f"Expense claim {claim.label}" if claim else "New expense claim")
        self.resize(1240, 560)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title_edit = QLineEdit(claim.title if claim else "")
        self.title_edit.setPlaceholderText("what the claim is for, e.g. Berlin trip, 10-12 June")
        self.title_edit.setReadOnly(not self.editable)
        self.title_edit.setMaxLength(200)
        title_label = QLabel("&Title")
        title_label.setBuddy(self.title_edit)
        top.addWidget(title_label)
        top.addWidget(self.title_edit, 1)
        self.state_label = QLabel(STATE_TEXT[claim.state] if claim else "New")
        self.state_label.setObjectName("claimState")
        top.addWidget(self.state_label)
        layout.addLayout(top)
        if claim is not None:
            who = QLabel(self._who(claim))
            who.setProperty("state", "muted")
            who.setWordWrap(True)
            layout.addWidget(who)
        if claim is not None and claim.state is ClaimState.REJECTED and claim.decision_note:
            back = QLabel(f"Rejected by {claim.decided_by}: {claim.decision_note}")
            back.setObjectName("rejectionNote")
            back.setWordWrap(True)
            set_state(back, "bad")
            layout.addWidget(back)
        self.flags_label = QLabel()
        self.flags_label.setObjectName("policyFlags")
        self.flags_label.setWordWrap(True)
        self.flags_label.setStyleSheet("color: #b3261e; font-weight: 600;")
        flags = detail.policy_flags if detail else ()
        self.flags_label.setText(
            "Over the expense policy:\n" + "\n".join(f"• {f[:1].upper()}{f[1:]}" for f in flags) if flags else ""
        )
        self.flags_label.setVisible(bool(flags) and claim is not None and claim.state is not ClaimState.DRAFT)
        layout.addWidget(self.flags_label)

        self.grid = QTableWidget(0, len(HEADERS))
        self.grid.setObjectName("claimLines")
        self.grid.setHorizontalHeaderLabels([*HEADERS[:BASE], f"In {self.base}", HEADERS[POLICY]])
        self.grid.verticalHeader().hide()
        self.grid.verticalHeader().setDefaultSectionSize(34)  # as tall as the date and combo editors in the cells
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for column, width in enumerate(WIDTHS):
            if width:
                self.grid.setColumnWidth(column, width)
        stretch_column(self.grid, DESCRIPTION)
        for column in (AMOUNT, BASE):
            item = self.grid.horizontalHeaderItem(column)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.grid.setColumnHidden(POLICY, not flags)
        if not self.editable:
            self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.itemChanged.connect(lambda _item: self.recompute())
        self.grid.currentCellChanged.connect(lambda *_a: self._update_buttons())
        layout.addWidget(self.grid, 1)

        lines_bar = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add line")
        self.add_button.setToolTip("Add an expense (Ctrl+Enter)")
        self.remove_button = QPushButton(icon("delete"), "Remove line")
        self.attach_button = QPushButton("Attach receipt…")
        self.attach_button.setToolTip("Attach the receipt (image or PDF) of the selected line")
        self.open_receipt_button = QPushButton("Open receipt")
        self.add_button.clicked.connect(lambda: self.add_line())
        self.remove_button.clicked.connect(self.remove_line)
        self.attach_button.clicked.connect(self.attach_receipt)
        self.open_receipt_button.clicked.connect(self.open_receipt)
        for button in (self.add_button, self.remove_button):
            button.setVisible(self.editable)
            lines_bar.addWidget(button)
        lines_bar.addWidget(self.attach_button)
        self.attach_button.setVisible(self.editable)
        lines_bar.addWidget(self.open_receipt_button)
        lines_bar.addStretch(1)
        self.total_label = QLabel()
        self.total_label.setObjectName("claimTotal")
        self.total_label.setStyleSheet("font-weight: 600;")
        lines_bar.addWidget(self.total_label)
        layout.addLayout(lines_bar)
        add_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self, lambda: self.add_line())
        add_shortcut.setEnabled(self.editable)

        self.error = inline_error()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("Save draft")
        self.save_button.setToolTip("Keep the claim to finish later (Ctrl+S)")
        self.submit_button = QPushButton("Submit for approval")
        self.submit_button.setProperty("primary", True)
        self.delete_button = QPushButton("Delete draft")
        self.approve_button = QPushButton("Approve and post")
        self.approve_button.setProperty("primary", True)
        self.reject_button = QPushButton("Reject…")
        self.close_button = QPushButton("Close" if not self.editable else "Cancel")
        self.save_button.clicked.connect(self.save_draft)
        self.submit_button.clicked.connect(self.submit)
        self.delete_button.clicked.connect(self.delete_draft)
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject_claim)
        self.close_button.clicked.connect(self.reject)
        if self.editable and self.claim_id is not None:
            buttons.insertWidget(0, self.delete_button)
        for button, shown in (
            (self.save_button, self.editable),
            (self.submit_button, self.editable),
            (self.reject_button, self.deciding),
            (self.approve_button, self.deciding),
            (self.close_button, True),
        ):
            button.setVisible(shown)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save_draft)
        save_shortcut.setEnabled(self.editable)

        if detail is not None:
            self.version = detail.claim.version
            for line in detail.lines:
                self.add_line(line)
        elif self.editable:
            self.add_line()
        self.recompute()
        self._update_buttons()

    def _who(self, claim: ClaimRow) -> str:
        parts = [f"Claimed by {claim.claimant}", f"created {claim.created_at:%Y-%m-%d}"]
        if claim.submitted_at:
            parts.append(f"submitted {claim.submitted_at:%Y-%m-%d}")
        if claim.decided_by and claim.state is not ClaimState.REJECTED:
            parts.append(f"approved by {claim.decided_by}")
        if self.detail is not None and self.detail.bill_id:
            parts.append("owed to the claimant until a payment run reimburses it")
        return ", ".join(parts) + "."

    # ---- lines
    def add_line(self, line: Any = None) -> int:
        """A new row (from a stored line, or blank with the date of the line above)."""
        row = self.grid.rowCount()
        self.grid.blockSignals(True)
        self.grid.insertRow(row)
        if not self.editable and line is not None:
            self._show_line(row, line)
            self.grid.blockSignals(False)
            return row
        editable = self.editable
        previous = self._date(row - 1) if row and editable else None
        day = DateEdit(line.date if line else previous or self.session.today())
        day.setEnabled(editable)
        day.dateChanged.connect(lambda _d: self.recompute())
        self.grid.setCellWidget(row, DATE, day)
        category = QComboBox()
        for c in self.choices.categories:
            category.addItem(f"{c.code} — {c.name}", c.code)
        if line is not None and category.findData(line.category) < 0:
            category.addItem(f"{line.category} — {line.category_name}", line.category)
        if line is not None:
            category.setCurrentIndex(category.findData(line.category))
        category.setEnabled(editable)
        category.currentIndexChanged.connect(lambda _i: self.recompute())
        self.grid.setCellWidget(row, CATEGORY, category)
        self.grid.setItem(row, DESCRIPTION, QTableWidgetItem(line.description if line else ""))
        currency = QComboBox()
        currency.setEditable(editable)
        currency.addItem(self.base)
        if line is not None and line.currency != self.base:
            currency.addItem(line.currency)
            currency.setCurrentText(line.currency)
        currency.setEnabled(editable)
        currency.currentTextChanged.connect(lambda _t: self.recompute())
        self.grid.setCellWidget(row, CURRENCY, currency)
        amount = QTableWidgetItem(self._amount_text(line) if line else "")
        amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.grid.setItem(row, AMOUNT, amount)
        tax = QComboBox()
        tax.addItem("Category's", CATEGORY_TAX)
        tax.addItem("None", "")
        for t in self.choices.tax_codes:
            tax.addItem(f"{t.code} ({t.rate.normalize():f} %)", t.code)
        if line is not None:
            index = tax.findData(line.tax_code) if line.tax_code else tax.findData("")
            if index < 0:
                tax.addItem(line.tax_code, line.tax_code)
                index = tax.count() - 1
            tax.setCurrentIndex(index)
        tax.setEnabled(editable)
        tax.currentIndexChanged.connect(lambda _i: self.recompute())
        self.grid.setCellWidget(row, TAX, tax)
        project = QComboBox()
        project.addItem("", "")
        for p in self.choices.projects:
            project.addItem(f"{p.code} — {p.name}", p.code)
        if line is not None and line.project:
            if project.findData(line.project) < 0:
                project.addItem(line.project, line.project)
            project.setCurrentIndex(project.findData(line.project))
        project.setEnabled(editable)
        self.grid.setCellWidget(row, PROJECT, project)
        receipt_item = QTableWidgetItem()
        receipt_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if line is not None and line.receipt_document_id is not None:
            self._set_receipt(receipt_item, Receipt(line.receipt_filename, line.receipt_document_id))
        else:
            self._set_receipt(receipt_item, None)
        self.grid.setItem(row, RECEIPT, receipt_item)
        base = QTableWidgetItem()
        base.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        base.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.grid.setItem(row, BASE, base)
        flag = QTableWidgetItem(line.policy_flag if line else "")
        flag.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        flag.setForeground(RED)
        flag.setToolTip(line.policy_flag if line else "")
        self.grid.setItem(row, POLICY, flag)
        self.grid.blockSignals(False)
        if line is None:
            self.grid.setCurrentCell(row, DESCRIPTION)
            self.recompute()
        return row

    def _show_line(self, row: int, line: Any) -> None:
        """A stored line as text (a claim that can no longer change): the figures as they were saved."""
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        tax = line.tax_code or "None"
        base = format_amount(line.base_amount, self.exponent, grouping=True)
        texts = {
            DATE: (f"{line.date:%Y-%m-%d}", None),
            CATEGORY: (f"{line.category} — {line.category_name}", None),
            DESCRIPTION: (line.description, None),
            CURRENCY: (line.currency, None),
            AMOUNT: (format_amount(line.amount, currency_exponent(line.currency), grouping=True), right),
            TAX: (tax if not line.tax else f"{tax}: {format_amount(line.tax, self.exponent, grouping=True)}", None),
            PROJECT: (line.project, None),
            BASE: (base, right),
            POLICY: ("Over a limit" if line.policy_flag else "", None),
        }
        for column, (text, align) in texts.items():
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(text if len(text) > 16 else "")
            if align is not None:
                item.setTextAlignment(align)
            self.grid.setItem(row, column, item)
        if line.currency != self.base:
            self.grid.item(row, BASE).setToolTip(f"at {line.rate.normalize():f}")
        if line.policy_flag:
            for column in texts:
                self.grid.item(row, column).setForeground(RED)
            self.grid.item(row, POLICY).setToolTip(line.policy_flag)
        receipt = QTableWidgetItem()
        receipt.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        found = Receipt(line.receipt_filename, line.receipt_document_id) if line.receipt_document_id else None
        self._set_receipt(receipt, found)
        self.grid.setItem(row, RECEIPT, receipt)

    def remove_line(self) -> None:
        row = self.grid.currentRow()
        if row >= 0 and self.editable:
            self.grid.removeRow(row)
            self.recompute()
            self._update_buttons()

    def _amount_text(self, line: Any) -> str:
        return format_amount(line.amount, currency_exponent(line.currency))

    def _set_receipt(self, item: QTableWidgetItem, receipt: Receipt | None) -> None:
        item.setData(Qt.ItemDataRole.UserRole, receipt)
        if receipt is None:
            item.setText("none")
            item.setForeground(QColor("#8a8f98"))
            item.setToolTip("No receipt yet: Attach receipt… adds one" if self.editable else "No receipt")
        else:
            item.setText(receipt.filename + (" (not saved yet)" if receipt.pending else ""))
            item.setForeground(QColor("#1f2430"))
            item.setToolTip(str(receipt.pending or receipt.filename))

    def receipt_of(self, row: int) -> Receipt | None:
        item = self.grid.item(row, RECEIPT)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def attach_receipt(self, *_args: object, path: Path | None = None) -> None:
        row = self.grid.currentRow()
        if row < 0 or not self.editable:
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Attach the receipt", "", RECEIPT_FILTER)
            if not chosen:
                return
            path = Path(chosen)
        self._set_receipt(self.grid.item(row, RECEIPT), Receipt(path.name, None, path))
        self._update_buttons()

    def open_receipt(self) -> None:
        row = self.grid.currentRow()
        receipt = self.receipt_of(row) if row >= 0 else None
        if receipt is None:
            return
        if receipt.pending is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(receipt.pending)))
            return
        if self.claim_id is None:
            return
        service = self.session.company.expenses(self.session.ctx)
        got = attempt(self, lambda: service.open_receipt(self.claim_id or 0, row + 1), title="Receipt")
        if got is None:
            return
        filename, content = got
        folder = Path(tempfile.mkdtemp(prefix="paksa-receipt-"))
        target = folder / filename
        target.write_bytes(content)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def _update_buttons(self) -> None:
        row = self.grid.currentRow()
        has_row = row >= 0
        self.remove_button.setEnabled(has_row)
        self.attach_button.setEnabled(has_row)
        self.open_receipt_button.setEnabled(has_row and self.receipt_of(row) is not None)

    # ---- reading the grid
    def _date(self, row: int) -> date | None:
        widget = self.grid.cellWidget(row, DATE)
        return widget.value() if isinstance(widget, DateEdit) else None

    def _combo(self, row: int, column: int) -> QComboBox:
        widget = self.grid.cellWidget(row, column)
        assert isinstance(widget, QComboBox)
        return widget

    def _text(self, row: int, column: int) -> str:
        item = self.grid.item(row, column)
        return item.text().strip() if item is not None else ""

    def _currency(self, row: int) -> str:
        return self._combo(row, CURRENCY).currentText().strip().upper()

    def _amount(self, row: int) -> Decimal | None:
        text = self._text(row, AMOUNT).replace(",", "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"line {row + 1}: '{self._text(row, AMOUNT)}' is not an amount") from None
        if not value.is_finite():
            raise ValidationError(f"line {row + 1}: '{text}' is not an amount")
        return value

    def _blank(self, row: int) -> bool:
        return not self._text(row, AMOUNT) and not self._text(row, DESCRIPTION)

    def lines(self, *, with_files: bool = True) -> tuple[ClaimLineInput, ...]:
        """The grid as service input (blank rows skipped); new receipts are read from disk here."""
        result = []
        for row in range(self.grid.rowCount()):
            if self._blank(row):
                continue
            amount = self._amount(row)
            if amount is None:
                raise ValidationError(f"line {row + 1}: enter the amount (tax included)")
            tax = self._combo(row, TAX).currentData()
            receipt = self.receipt_of(row)
            upload = None
            if receipt is not None and receipt.pending is not None and with_files:
                try:
                    upload = ReceiptFile(receipt.pending.name, receipt.pending.read_bytes())
                except OSError as exc:
                    raise ValidationError(f"line {row + 1}: cannot read {receipt.pending}: {exc.strerror}") from None
            day = self._date(row)
            assert day is not None
            result.append(
                ClaimLineInput(
                    day,
                    str(self._combo(row, CATEGORY).currentData() or ""),
                    amount,
                    self._text(row, DESCRIPTION),
                    self._currency(row),
                    None if tax == CATEGORY_TAX else str(tax),
                    str(self._combo(row, PROJECT).currentData() or ""),
                    receipt_document_id=receipt.document_id if receipt is not None and not receipt.pending else None,
                    receipt=upload,
                )
            )
        return tuple(result)

    def input(self) -> ClaimInput:
        return ClaimInput(self.title_edit.text().strip(), self.lines())

    # ---- the live total
    def _tax_rate(self, row: int) -> Decimal:
        data = self._combo(row, TAX).currentData()
        code = data
        if data == CATEGORY_TAX:
            category = self._combo(row, CATEGORY).currentData()
            code = next((c.tax_code for c in self.choices.categories if c.code == category), "")
        return next((t.rate for t in self.choices.tax_codes if t.code == code), Decimal(0))

    def recompute(self) -> None:
        """Each line in the base currency and the claim's total, as the service will compute them."""
        if not hasattr(self, "total_label"):
            return
        if not self.editable:
            claim = self.detail.claim if self.detail else None
            if claim is not None:
                money = format_amount(claim.total, self.exponent, grouping=True)
                tax = format_amount(claim.tax, self.exponent, grouping=True)
                self.total_label.setText(f"Total {money} {self.base}  (recoverable tax {tax})")
            return
        total = tax_total = 0
        missing: set[tuple[str, date]] = set()
        unknown = False
        self.grid.blockSignals(True)
        for row in range(self.grid.rowCount()):
            cell = self.grid.item(row, BASE)
            try:
                amount = self._amount(row)
            except ValidationError:
                amount = None
            currency, day = self._currency(row), self._date(row)
            if amount is None or day is None or not is_currency(currency):
                cell.setText("")
                continue
            try:
                units = to_minor(amount, currency_exponent(currency))
            except ValidationError:
                cell.setText("")
                continue
            rate: Decimal | None = Decimal(1)
            if currency != self.base:
                key = (currency, day)
                if key not in self.rates:
                    missing.add(key)
                rate = self.rates.get(key)
            if rate is None:
                fetched = (currency, day) in self.rates
                cell.setText("no rate" if fetched else "…")
                cell.setToolTip(f"No {currency} rate on {day} in the rate table" if fetched else "")
                unknown = True
                continue
            base = to_base(units, rate, currency, self.base)
            split = split_line(base, TaxCode("claim", self._tax_rate(row), inclusive=True))
            total += base
            tax_total += split.tax
            cell.setText(format_amount(from_minor(base, self.exponent), self.exponent, grouping=True))
            cell.setToolTip(f"at {rate.normalize():f}" if currency != self.base else "")
        self.grid.blockSignals(False)
        money = format_amount(from_minor(total, self.exponent), self.exponent, grouping=True)
        tax = format_amount(from_minor(tax_total, self.exponent), self.exponent, grouping=True)
        text = f"Total {money} {self.base}  (recoverable tax {tax})"
        self.total_label.setText(text + ("  — a line has no rate yet" if unknown else ""))
        if missing:
            self._fetch_rates(missing)

    def _fetch_rates(self, keys: set[tuple[str, date]]) -> None:
        company, ctx = self.session.company, self.session.ctx

        def fetch() -> dict[tuple[str, date], Decimal | None]:
            queries = company.expense_queries(ctx)
            return {k: queries.rate(*k) for k in keys}

        def apply(found: dict[tuple[str, date], Decimal | None]) -> None:
            self.rates.update(found)
            self.recompute()

        self.rate_loader.load(fetch, apply)

    # ---- actions
    def _fail(self, exc: Exception) -> None:
        show_inline(self.error, message_for(exc))

    def _service(self) -> Any:
        return self.session.company.expenses(self.session.ctx)

    def save_draft(self) -> bool:
        if not self.editable:
            return False
        try:
            data = self.input()
            ref, changes = self._service().save_draft(data, self.claim_id, self.version)
        except Exception as exc:  # shown in the form; nothing was saved
            self._fail(exc)
            return False
        self.changes = self.changes | changes
        self.outcome = "Saved the expense claim as a draft"
        self.claim_id, self.version = ref.id, ref.version
        self.accept()
        return True

    def submit(self) -> bool:
        if not self.editable:
            return False
        try:
            data = self.input()
            ref, changes = self._service().submit(self.claim_id, self.version, data=data)
        except Exception as exc:
            self._fail(exc)
            return False
        self.changes = self.changes | changes
        self.claim_id, self.version = ref.id, ref.version
        detail = attempt(self, lambda: self.session.company.expense_queries(self.session.ctx).claim(ref.id))
        flagged = detail is not None and detail.policy_flags
        self.outcome = "Submitted the claim for approval" + (
            " (a line is over a policy limit: the approver sees why)" if flagged else ""
        )
        self.accept()
        return True

    def delete_draft(self) -> None:
        if not self.editable or self.claim_id is None:
            return
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, "Delete draft", "Delete this draft claim? Its receipts are kept.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            changes = self._service().delete_draft(self.claim_id, self.version)
        except Exception as exc:
            self._fail(exc)
            return
        self.changes = self.changes | changes
        self.outcome = "Deleted the draft claim"
        self.accept()

    def approve(self) -> bool:
        if not self.deciding or self.claim_id is None:
            return False
        try:
            ref, changes = self._service().approve(self.claim_id, self.version)
        except Exception as exc:
            self._fail(exc)
            return False
        self.changes = self.changes | changes
        self.outcome = f"Approved and posted {ref.number}: it is owed to the claimant until it is reimbursed"
        self.accept()
        return True

    def reject_claim(self, *_args: object, reason: str | None = None) -> bool:
        if not self.deciding or self.claim_id is None:
            return False
        if reason is None:
            text, ok = QInputDialog.getMultiLineText(
                self, "Reject the claim", "Why? The claimant reads this, changes the claim and submits it again:"
            )
            if not ok:
                return False
            reason = text
        try:
            _ref, changes = self._service().reject(self.claim_id, reason, self.version)
        except Exception as exc:
            self._fail(exc)
            return False
        self.changes = self.changes | changes
        self.outcome = "Rejected the claim: it is back with the claimant"
        self.accept()
        return True
