"""Credit a posted invoice in part or in full: a quantity to credit per line (all that is left by default, 0
leaves the line out), a date and a memo, and the credit total worked out live by the functions the service
prices the credit note with. Issuing calls `InvoicingService.credit_invoice` with the chosen lines, and the
credit note is applied to the invoice at once.

What earlier credit notes credited of each line (DocumentQueries.credited_quantities) is shown and is the
most a line may still be credited for."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, format_amount, to_minor
from paksa_desktop.core.tax import TaxLine, TaxSummary, compute
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE, line_amount, scaled
from paksa_desktop.receivables.commands import InvoiceLineInput
from paksa_desktop.receivables.document_queries import InvoiceDetail, InvoiceLineView
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub
from ui.receivables.invoice_dialog import Index
from ui.receivables.lines_form import RIGHT, money_text, plain, show_totals
from ui.widgets.date_edit import DateEdit
from ui.widgets.dialogs import typed_decimal

COLUMNS = ("#", "Description", "Invoiced", "Credited", "To credit", "Unit price", "Disc. %", "Tax code", "Net credit")
LINE, DESCRIPTION, INVOICED, CREDITED, TO_CREDIT, PRICE, DISCOUNT, TAX, NET = range(len(COLUMNS))
WIDTHS = (32, 220, 74, 74, 80, 96, 72, 84, 104)
NUMBERS = (LINE, INVOICED, CREDITED, TO_CREDIT, PRICE, DISCOUNT, NET)


class QuantityDelegate(QStyledItemDelegate):
    """The To credit editor: right-aligned; Enter keeps what was typed at once and goes to the next line."""

    def __init__(self, grid: QTableWidget) -> None:
        super().__init__(grid)
        self.grid = grid
        self.open_editor: QLineEdit | None = None

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        editor.setAlignment(RIGHT)
        self.open_editor = editor
        editor.destroyed.connect(lambda *_args: self._forget(editor))
        return editor

    def _forget(self, editor: QLineEdit) -> None:
        if self.open_editor is editor:
            self.open_editor = None

    def commit_open_editor(self) -> None:
        """Take what is being typed (Ctrl+Enter or a click on Issue while a quantity is open)."""
        editor = self.open_editor
        self.open_editor = None
        if editor is not None and editor.isVisible():  # a closed editor is hidden until it is deleted
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers()
        ):
            self.commit_open_editor()
            row = self.grid.currentRow()
            if row + 1 < self.grid.rowCount():
                self.grid.setCurrentCell(row + 1, TO_CREDIT)
            return True
        return super().eventFilter(editor, event)


class CreditNoteDialog(QDialog):
    """Choose what of a posted invoice to credit; Issue (Ctrl+Enter) posts the credit note."""

    def __init__(self, hub: Hub, detail: InvoiceDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.detail = detail
        self.number = detail.row.number or ""
        self.exponent = currency_exponent(detail.row.currency)
        self.changes: Changes | None = None
        self.saved_code = ""
        session = hub.session
        self.may_issue = session.can(Permission.AR_CREDIT_NOTE_CREATE)
        queries = session.receivables_queries
        self.taxes = {t.code: t for t in queries.tax_codes(include_inactive=True)}
        self.rounding = queries.tax_rounding()
        credited = session.documents.credited_quantities(detail.row.id)
        self.credited = {ln.line_no: credited.get(ln.line_no, Decimal(0)) for ln in detail.lines}
        self.summary: TaxSummary | None = None
        self.setWindowTitle(f"Credit note for {self.number} — {detail.row.customer_name}")
        self.resize(900, 520)

        intro = QLabel(
            f"Credit what was returned or overcharged on {self.number}. <b>To credit</b> starts at what is "
            "left of each line; type a smaller quantity for part of a line, or 0 to leave the line out."
        )
        intro.setWordWrap(True)
        self.date = DateEdit(session.today())
        self.date.setObjectName("creditDate")
        self.memo = QLineEdit()
        self.memo.setObjectName("creditMemo")
        self.memo.setPlaceholderText(f"Credit for {self.number}")
        header = QGridLayout()
        header.setHorizontalSpacing(12)
        date_label, memo_label = QLabel("&Date"), QLabel("&Memo")
        date_label.setBuddy(self.date)
        memo_label.setBuddy(self.memo)
        header.addWidget(date_label, 0, 0)
        header.addWidget(self.date, 0, 1)
        header.addWidget(memo_label, 0, 2)
        header.addWidget(self.memo, 0, 3)
        header.setColumnStretch(3, 1)

        self.grid = QTableWidget(len(detail.lines), len(COLUMNS))
        self.grid.setObjectName("creditLines")
        self.delegate = QuantityDelegate(self.grid)
        self.grid.setItemDelegateForColumn(TO_CREDIT, self.delegate)
        self.grid.setHorizontalHeaderLabels(COLUMNS)
        self.grid.verticalHeader().hide()
        self.grid.verticalHeader().setDefaultSectionSize(26)
        self.grid.setAlternatingRowColors(True)
        self.grid.setTabKeyNavigation(False)  # Tab leaves the grid; arrows move between lines
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.CurrentChanged
        )
        for col, width in enumerate(WIDTHS):
            self.grid.setColumnWidth(col, width)
            if col in NUMBERS:
                self.grid.horizontalHeaderItem(col).setTextAlignment(RIGHT)
        self.grid.horizontalHeader().setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for row, line in enumerate(detail.lines):
            left = line.quantity - self.credited[line.line_no]
            values = (
                str(line.line_no),
                line.description,
                plain(line.quantity),
                plain(self.credited[line.line_no]) if self.credited[line.line_no] else "",
                plain(left),
                format_amount(line.unit_price, self.exponent, grouping=True),
                plain(line.discount_percent) if line.discount_percent else "",
                line.tax_code or "",
                "",
            )
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if col in NUMBERS:
                    cell.setTextAlignment(RIGHT)
                if col != TO_CREDIT:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                else:
                    cell.setToolTip(f"At most {plain(left)}")
                self.grid.setItem(row, col, cell)
        self.grid.itemChanged.connect(self._changed)

        self.totals = QFormLayout()
        self.totals.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        totals_box = QWidget()
        totals_box.setObjectName("creditTotals")
        totals_box.setLayout(self.totals)
        totals_box.setMinimumWidth(280)
        self.problem = QLabel()
        self.problem.setObjectName("formMessage")
        self.problem.setProperty("state", "error")
        self.problem.setWordWrap(True)
        open_amount = to_minor(detail.row.open_amount, self.exponent)
        self.note = QLabel(
            f"Open on {self.number}: {detail.row.currency} {money_text(open_amount, self.exponent)}. "
            "The credit note settles the invoice up to what is open; any more becomes credit the customer "
            "can use on other invoices or have refunded."
        )
        self.note.setWordWrap(True)
        self.note.setProperty("state", "muted")
        left_box = QVBoxLayout()
        left_box.addWidget(self.problem)
        left_box.addWidget(self.note)
        left_box.addStretch(1)
        below = QHBoxLayout()
        below.addLayout(left_box, 1)
        below.addWidget(totals_box)

        buttons = QDialogButtonBox()
        self.issue_button = QPushButton("&Issue credit note")
        self.issue_button.setProperty("primary", True)
        self.issue_button.setToolTip("Post the credit note and apply it to the invoice (Ctrl+Enter)")
        self.issue_button.setAutoDefault(False)
        buttons.addButton(self.issue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.issue_button.setVisible(self.may_issue)  # after addButton, which shows what it adds
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.issue_button.clicked.connect(self.issue)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.issue)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.issue)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(header)
        layout.addWidget(self.grid, 1)
        layout.addLayout(below)
        layout.addWidget(buttons)
        self.recompute()
        if detail.lines:
            self.grid.setCurrentCell(0, TO_CREDIT)
        self.grid.setFocus()

    # ---- what is chosen
    def line_at(self, row: int) -> InvoiceLineView:
        return self.detail.lines[row]

    def quantity(self, row: int) -> Decimal:
        """The quantity to credit on a row; raises ValidationError naming the line."""
        line = self.line_at(row)
        cell = self.grid.item(row, TO_CREDIT)
        where = f"line {line.line_no}, To credit"
        value = typed_decimal(cell.text() if cell is not None else "", where)
        if value is None:
            return Decimal(0)
        if value < 0:
            raise ValidationError(f"{where}: the quantity must not be negative (0 leaves the line out)")
        left = line.quantity - self.credited[line.line_no]
        if value > left:
            raise ValidationError(f"{where}: {plain(value)} is more than the {plain(left)} left to credit")
        scaled(value, QUANTITY_SCALE, where)  # at most 4 decimals, as an invoice line
        return value

    def lines(self) -> tuple[InvoiceLineInput, ...]:
        """The credit note's lines: each invoice line with a quantity to credit, as it was invoiced."""
        chosen = []
        for row, line in enumerate(self.detail.lines):
            quantity = self.quantity(row)
            if quantity:
                chosen.append(
                    InvoiceLineInput(
                        description=line.description,
                        quantity=quantity,
                        unit_price=line.unit_price,
                        item=line.item,
                        discount_percent=line.discount_percent,
                        tax_code=line.tax_code or "",
                        account=line.account,
                        department=line.department,
                        project=line.project,
                    )
                )
        return tuple(chosen)

    # ---- live totals
    def compute_summary(self) -> TaxSummary:
        tax_lines = []
        for row, line in enumerate(self.detail.lines):
            amount = line_amount(
                scaled(self.quantity(row), QUANTITY_SCALE, "quantity"),
                to_minor(line.unit_price, self.exponent),
                scaled(line.discount_percent, PERCENT_SCALE, "discount %"),
            )
            code = self.taxes[line.tax_code].domain() if line.tax_code in self.taxes else None
            tax_lines.append(TaxLine(amount, code))
            net = self.grid.item(row, NET)
            if net is not None:
                self.grid.blockSignals(True)
                net.setText(money_text(amount, self.exponent) if amount else "")
                self.grid.blockSignals(False)
        return compute(tax_lines, self.rounding)

    def _changed(self, cell: QTableWidgetItem) -> None:
        if cell.column() == TO_CREDIT:
            self.recompute()

    def recompute(self) -> None:
        while self.totals.rowCount():
            self.totals.removeRow(0)
        try:
            summary = self.compute_summary()
            if summary.gross <= 0:
                left = sum(ln.quantity - self.credited[ln.line_no] for ln in self.detail.lines)
                raise ValidationError(
                    f"every line of {self.number} is credited already"
                    if left <= 0
                    else "type a quantity to credit on at least one line"
                )
        except ValidationError as exc:
            self.summary = None
            self.problem.setText(message_for(exc))
            self.issue_button.setEnabled(False)
            return
        self.problem.clear()
        self.summary = summary
        self.issue_button.setEnabled(self.may_issue)
        show_totals(
            self.totals, summary, self.exponent, self.taxes, f"Credit total {self.detail.row.currency}", "creditTotal"
        )

    # ---- issuing
    def issue(self) -> bool:
        if not self.may_issue:
            return False
        self.delegate.commit_open_editor()
        try:
            lines = self.lines()
            if not lines:
                raise ValidationError("type a quantity to credit on at least one line")
            on = self.date.value()
            memo = self.memo.text().strip()
            ref, changes = self.hub.session.invoicing.credit_invoice(self.number, on, memo=memo, lines=lines)
        except Exception as exc:  # shown in the form; the unit of work left nothing behind
            self.problem.setText(message_for(exc))
            return False
        self.changes = changes
        self.saved_code = ref.number or ""
        self.accept()
        return True
