"""The invoice (and credit note) editor: header fields, a keyboard-first lines grid and live totals.

The totals are worked out as you type by the very functions the service prices a document with
(`receivables.amounts.line_amount` and `core.tax.compute`), so what the form shows is what posting
stores. Save draft (Ctrl+S) keeps a draft; Post (Ctrl+Enter) numbers it and posts its entry. A credit
check that objects lists its problems with "Post anyway" when the user may override it. A posted
document opens read-only, with its tax summary and what settled it.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
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
from paksa_desktop.core.tax import TaxLine, TaxRounding, TaxSummary, compute
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE, line_amount, scaled
from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.document_queries import InvoiceDetail
from paksa_desktop.receivables.invoicing import CreditCheckFailed
from paksa_desktop.receivables.models import InvoiceState
from paksa_desktop.receivables.queries import CustomerView, ItemView, TaxCodeView
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.hub import Hub
from ui.models.code_choices import Choice, CodeChoices
from ui.receivables.fields import fill_customers
from ui.receivables.lines_form import BAD_CELL as BAD_CELL  # the tests look for it here
from ui.receivables.lines_form import (
    RIGHT,
    LinesForm,
    due_date,
    money_text,
    plain,
    set_up_grid,
    show_totals,
    tax_domain,
)
from ui.widgets.account_picker import account_completer
from ui.widgets.date_edit import to_qdate
from ui.widgets.dialogs import buddy, typed_decimal

LINE_COLUMNS = ("Item", "Description", "Quantity", "Unit price", "Disc. %", "Tax code", "Account", "Dept.", "Project")
ITEM, DESCRIPTION, QUANTITY, PRICE, DISCOUNT, TAX, ACCOUNT, DEPARTMENT, PROJECT = range(len(LINE_COLUMNS))
NUMERIC = (QUANTITY, PRICE, DISCOUNT)
COLUMN_TITLES = dict(enumerate(("Item", "Description", "Quantity", "Unit price", "Discount %", "Tax code", "Account",
                                "Department", "Project")))  # fmt: skip
WIDTHS = (90, 230, 80, 100, 64, 80, 80, 64, 70)
PICKED = (ITEM, TAX, ACCOUNT, DEPARTMENT, PROJECT)  # coded columns: a type-ahead picker, unknown codes marked
FILLED_BY_ITEM = (DESCRIPTION, PRICE, TAX, ACCOUNT)
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # on an Item cell: the item whose values the line was filled with
POPUP_WIDTH = 340
Index = QModelIndex | QPersistentModelIndex


class LineDelegate(QStyledItemDelegate):
    """The cell editors: a type-ahead picker in the Item, Tax code, Account, Dept. and Project columns (the
    entry grid's account completer: matches anywhere in 'code — name'), right-aligned numbers elsewhere.

    Enter in a cell being typed in keeps what was typed and goes on to the next line (see LinesGrid);
    Enter in a picker's list takes the highlighted choice and stays in the cell, so Tab goes on.
    """

    def __init__(self, grid: LinesGrid) -> None:
        super().__init__(grid)
        self.grid = grid
        self.open_editor: QLineEdit | None = None

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        choices = self.grid.pickers.get(index.column())
        if choices is not None:
            completer = account_completer(choices.labels(), editor)
            completer.activated.connect(lambda text, e=editor: self._picked(e, text))
            completer.popup().setMinimumWidth(POPUP_WIDTH)  # 'code — name' in full, wider than the cell
            editor.setCompleter(completer)
            editor.setToolTip("Type a code or part of a name; arrows and Enter choose")
        elif index.column() in NUMERIC:
            editor.setAlignment(RIGHT)
        self.open_editor = editor
        editor.destroyed.connect(lambda *_args: self._forget(editor))
        return editor

    def _forget(self, editor: QLineEdit) -> None:
        if self.open_editor is editor:
            self.open_editor = None

    def _picked(self, editor: QLineEdit, text: str) -> None:
        """A choice taken from the list (arrows and Enter, or a click): into the cell, editor closed."""
        editor.setText(text)
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setText("" if value is None else str(value))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        choices = self.grid.pickers.get(index.column())
        if choices is not None and text:
            text = choices.complete(text)
        model.setData(index, text, Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(option.rect)

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers()
        ):
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.grid.next_line()
            return True
        return super().eventFilter(editor, event)


class LinesGrid(QTableWidget):
    """Tab moves cell to cell; Enter goes to the next line, adding one after the last, at the Item column.
    `pickers` holds the choices of the coded columns (filled by the dialog)."""

    def __init__(self, rows: int, columns: int) -> None:
        super().__init__(rows, columns)
        self.pickers: dict[int, CodeChoices] = {}
        self.delegate = LineDelegate(self)
        self.setItemDelegate(self.delegate)

    def current_editor(self) -> QLineEdit | None:
        """The cell editor open now (tests type into it)."""
        return self.delegate.open_editor

    def next_line(self) -> None:
        row = self.currentRow()
        if row == self.rowCount() - 1 or row < 0:
            self.insertRow(self.rowCount())
        self.setCurrentCell(row + 1, ITEM)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.next_line()
            return
        super().keyPressEvent(event)


class InvoiceDialog(LinesForm, QDialog):
    NUMERIC = NUMERIC
    PICKED = PICKED
    COLUMN_TITLES = COLUMN_TITLES

    def __init__(
        self,
        hub: Hub,
        detail: InvoiceDetail | None = None,
        *,
        credit_note: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.detail = detail
        self.credit_note = credit_note if detail is None else detail.row.kind.value == "credit_note"
        self.saved_code = ""
        self.changes: Changes | None = None
        self.invoice_id = detail.row.id if detail else None
        self.version = detail.row.version if detail else None
        session = hub.session
        permission = Permission.AR_CREDIT_NOTE_CREATE if self.credit_note else Permission.AR_INVOICE_CREATE
        self.editable = (detail is None or detail.row.state is InvoiceState.DRAFT) and session.can(permission)
        queries = session.receivables_queries
        self.base_currency = hub.info().base_currency
        self.customers: dict[str, CustomerView] = {c.code: c for c in queries.customers(include_inactive=False)}
        self.items: dict[str, ItemView] = {i.code: i for i in queries.items(include_inactive=False)}
        self.taxes: dict[str, TaxCodeView] = {t.code: t for t in queries.tax_codes(include_inactive=False)}
        self.rounding: TaxRounding = queries.tax_rounding()
        self.all_items = {i.code: i for i in queries.items(include_inactive=True)}
        ledger = session.queries
        self.pickers: dict[int, CodeChoices] = {
            ITEM: CodeChoices((Choice(i.code, i.description, i.is_active) for i in self.all_items.values()), "item"),
            TAX: CodeChoices(
                (Choice(t.code, t.name, t.is_active) for t in queries.tax_codes(include_inactive=True)), "tax code"
            ),
            ACCOUNT: CodeChoices.for_accounts(hub.account_choices()),
            DEPARTMENT: CodeChoices((Choice(d.code, d.name, d.is_active) for d in ledger.departments()), "department"),
            PROJECT: CodeChoices((Choice(p.code, p.name, p.is_active) for p in ledger.projects()), "project"),
        }
        self.bad_cell: tuple[int, int] | None = None  # the cell the last problem found names
        if detail is not None and detail.row.customer not in self.customers:
            self.customers[detail.row.customer] = queries.customer(detail.row.customer)
        self.summary: TaxSummary | None = None

        noun = "credit note" if self.credit_note else "invoice"
        if detail is None:
            self.setWindowTitle(f"New {noun}")
        else:
            self.setWindowTitle(f"{noun.capitalize()} {detail.row.number or '(draft)'} — {detail.row.customer_name}")
        self.resize(1040, 640)

        # ---- header
        self.customer = QComboBox()
        self.customer.setObjectName("invoiceCustomer")
        self.customer.setMinimumContentsLength(28)
        fill_customers(self.customer, sorted(self.customers.values(), key=lambda c: c.code))
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(to_qdate(hub.session.today()))
        self.due_date = QLineEdit()
        self.due_date.setPlaceholderText("from terms")
        self.due_date.setToolTip("yyyy-mm-dd; empty: from the customer's payment terms")
        self.currency = QLabel()
        self.rate = QLineEdit()
        self.rate.setPlaceholderText("from the rate table")
        self.rate_label = QLabel("&Rate")
        self.rate_label.setBuddy(self.rate)
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("customer's order number")
        self.memo = QLineEdit()

        form = QGridLayout()
        form.setHorizontalSpacing(12)
        form.addWidget(buddy("C&ustomer", self.customer), 0, 0)
        form.addWidget(self.customer, 0, 1, 1, 3)
        form.addWidget(buddy("&Date", self.date), 0, 4)
        form.addWidget(self.date, 0, 5)
        form.addWidget(buddy("D&ue date", self.due_date), 0, 6)
        form.addWidget(self.due_date, 0, 7)
        form.addWidget(buddy("Re&ference", self.reference), 1, 0)
        form.addWidget(self.reference, 1, 1)
        form.addWidget(QLabel("Currency"), 1, 2)
        form.addWidget(self.currency, 1, 3)
        form.addWidget(self.rate_label, 1, 4)
        form.addWidget(self.rate, 1, 5)
        form.addWidget(buddy("&Memo", self.memo), 2, 0)
        form.addWidget(self.memo, 2, 1, 1, 7)
        form.setColumnStretch(1, 1)

        # ---- lines
        self.grid = LinesGrid(0, len(LINE_COLUMNS))
        self.grid.pickers = self.pickers
        set_up_grid(self.grid, "invoiceLines", LINE_COLUMNS, WIDTHS, NUMERIC)
        self.grid.itemChanged.connect(self._cell_changed)

        # ---- totals
        self.totals = QFormLayout()
        self.totals.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals_box = QWidget()
        self.totals_box.setObjectName("invoiceTotals")
        self.totals_box.setLayout(self.totals)
        self.totals_box.setMinimumWidth(260)
        self.problem = QLabel()
        self.problem.setObjectName("formMessage")
        self.problem.setProperty("state", "error")
        self.problem.setWordWrap(True)
        below = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.problem)
        self.history = QLabel()
        self.history.setObjectName("invoiceHistory")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        left.addWidget(self.history)
        left.addStretch(1)
        below.addLayout(left, 1)
        below.addWidget(self.totals_box)

        # ---- buttons
        buttons = QDialogButtonBox()
        self.save_button = QPushButton("&Save draft")
        self.save_button.setToolTip("Save as a draft (Ctrl+S)")
        self.post_button = QPushButton("&Post")
        self.post_button.setProperty("primary", True)
        self.post_button.setToolTip("Number it and post its entry (Ctrl+Enter)")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.post_button, QDialogButtonBox.ButtonRole.ActionRole)
        standard = QDialogButtonBox.StandardButton
        self.credit_button = QPushButton("Credit &note…")
        self.credit_button.setObjectName("creditNoteButton")
        self.credit_button.setToolTip("Credit this invoice in part or in full")
        self.credit_button.clicked.connect(self.credit)
        buttons.addButton(self.credit_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.credit_button.setVisible(self._may_credit())  # after addButton, which shows what it adds
        close = buttons.addButton(standard.Cancel if self.editable else standard.Close)
        close.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save_draft)
        self.post_button.clicked.connect(self.post)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save_draft)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.post)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.post)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(self.grid, 1)
        layout.addLayout(below)
        layout.addWidget(buttons)

        self.customer.currentIndexChanged.connect(self._customer_changed)
        if detail is not None:
            self._load(detail)
        else:
            self._customer_changed()
            self.grid.insertRow(0)
        if not self.editable:
            for widget in (self.customer, self.date, self.due_date, self.rate, self.reference, self.memo):
                widget.setEnabled(False)
            self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.save_button.hide()
            self.post_button.hide()
            self.grid.setCurrentCell(-1, -1)  # nothing to type into
        self.recompute()
        self.grid.setFocus() if detail is not None else self.customer.setFocus()

    # ---- loading
    def _load(self, detail: InvoiceDetail) -> None:
        row = detail.row
        self.customer.setCurrentIndex(max(0, self.customer.findData(row.customer)))
        self._customer_changed()
        self.date.setDate(to_qdate(row.date))
        self.due_date.setText(row.due_date.isoformat())
        self.reference.setText(row.reference)
        self.memo.setText(detail.memo)
        if row.currency != self.base_currency:
            self.rate.setText(str(detail.rate))
        self.grid.blockSignals(True)
        for line in detail.lines:
            n = self.grid.rowCount()
            self.grid.insertRow(n)
            values = (
                line.item or "",
                line.description,
                plain(line.quantity),
                format_amount(line.unit_price, self.exponent, grouping=True),
                plain(line.discount_percent) if line.discount_percent else "",
                line.tax_code or "",
                line.account,
                line.department or "",
                line.project or "",
            )
            for col, value in enumerate(values):
                self._set(n, col, value)
            if line.item:
                self.grid.item(n, ITEM).setData(ITEM_ROLE, line.item)
        self.grid.blockSignals(False)
        if detail.settlements or row.number:
            self.history.setText(self._history_html(detail))

    def _history_html(self, detail: InvoiceDetail) -> str:
        e = self.exponent
        parts = [f"<b>{detail.row.state.value.replace('_', ' ').capitalize()}</b>"]
        if detail.entry_number:
            parts.append(f"entry {detail.entry_number}")
        parts.append(f"open {money_text(to_minor(detail.row.open_amount, e), e)}")
        text = " · ".join(parts)
        if detail.settlements:
            rows = "".join(
                f"<tr><td>{s.date.isoformat()}</td><td>{s.kind.replace('_', ' ')}</td><td>{s.source}</td>"
                f"<td align='right'>{money_text(to_minor(s.amount, e), e)}</td>"
                f"<td>{'reversed ' + s.reversed_on.isoformat() if s.reversed_on else ''}</td></tr>"
                for s in detail.settlements
            )
            text += (
                "<br><table cellspacing='0' cellpadding='3'><tr><th align='left'>Date</th>"
                "<th align='left'>Settled by</th>"
                f"<th align='left'>Source</th><th align='right'>Amount</th><th></th></tr>{rows}</table>"
            )
        return text

    # ---- the customer decides the currency and the default tax code
    @property
    def customer_view(self) -> CustomerView | None:
        return self.customers.get(self.customer.currentData())

    @property
    def document_currency(self) -> str:
        c = self.customer_view
        return c.currency if c is not None else self.base_currency

    @property
    def exponent(self) -> int:
        return currency_exponent(self.document_currency)

    def _customer_changed(self, *_args: object) -> None:
        foreign = self.document_currency != self.base_currency
        self.currency.setText(self.document_currency)
        self.rate.setVisible(foreign)
        self.rate_label.setVisible(foreign)
        self.recompute()

    # ---- the grid
    def _cell_changed(self, item: QTableWidgetItem) -> None:
        row, col = item.row(), item.column()
        self.grid.blockSignals(True)
        try:
            if col in NUMERIC and item.textAlignment() != int(RIGHT):
                item.setTextAlignment(RIGHT)
            if col in PICKED:
                self._resolve_cell(item)
            if col == ITEM and item.text().strip():
                self._fill_from_item(row, item)
            if col == DESCRIPTION and item.text().strip():
                if not self._text(row, QUANTITY):
                    self._set(row, QUANTITY, "1")
                if not self._text(row, TAX) and not self._text(row, ITEM):
                    self._set(row, TAX, self._customer_tax())
        finally:
            self.grid.blockSignals(False)
        self.recompute()

    def _item_values(self, item: ItemView | None) -> dict[int, str]:
        """What an item puts in its line, as the service's defaults would: its description, its price (item
        prices are in the base currency), its tax code (else the customer's) and its income account."""
        if item is None:
            return {}
        values = {
            DESCRIPTION: item.description,
            TAX: item.tax_code or self._customer_tax(),
            ACCOUNT: item.income_account,
        }
        if self.document_currency == self.base_currency:
            values[PRICE] = format_amount(item.unit_price, self.exponent, grouping=True)
        return values

    def _fill_from_item(self, row: int, cell: QTableWidgetItem) -> None:
        """An item chosen: fill the line from it. A cell the user left empty, or that still holds what the
        previous item put there, takes the new item's value; what the user typed is kept."""
        found = self.items.get(cell.text().strip())
        if found is None:
            return
        before = self._item_values(self.all_items.get(cell.data(ITEM_ROLE) or ""))
        for col, value in self._item_values(found).items():
            current = self._text(row, col)
            if not current or current == before.get(col):
                self._set(row, col, value)
        if not self._text(row, QUANTITY):
            self._set(row, QUANTITY, "1")
        cell.setData(ITEM_ROLE, found.code)

    def _customer_tax(self) -> str:
        c = self.customer_view
        return (c.tax_code or "") if c is not None else ""

    def lines(self) -> tuple[InvoiceLineInput, ...]:
        """The lines as typed (blank rows left out); raises ValidationError naming the line and column."""
        result = []
        n = 0
        self.bad_cell = None
        for row in range(self.grid.rowCount()):
            if self._blank(row):
                continue
            n += 1
            where = f"line {n}"
            self._check_codes(row, where)
            quantity = typed_decimal(self._text(row, QUANTITY), f"{where}: quantity")
            price = typed_decimal(self._text(row, PRICE), f"{where}: unit price")
            discount = typed_decimal(self._text(row, DISCOUNT), f"{where}: discount %")
            result.append(
                InvoiceLineInput(
                    description=self._text(row, DESCRIPTION),
                    quantity=quantity if quantity is not None else Decimal(1),
                    unit_price=price,
                    item=self._text(row, ITEM) or None,
                    discount_percent=discount or Decimal(0),
                    tax_code=self._text(row, TAX),  # "" : no tax (the grid shows the default it filled in)
                    account=self._text(row, ACCOUNT) or None,
                    department=self._text(row, DEPARTMENT) or None,
                    project=self._text(row, PROJECT) or None,
                )
            )
        return tuple(result)

    # ---- live totals: the service's own functions
    def compute_summary(self) -> TaxSummary:
        exponent = self.exponent
        tax_lines = []
        for n, line in enumerate(self.lines(), start=1):
            where = f"line {n}"
            price = line.unit_price
            if price is None and line.item in self.items and self.document_currency == self.base_currency:
                price = self.items[line.item].unit_price
            units = to_minor(price, exponent) if price is not None else 0
            amount = line_amount(
                scaled(line.quantity, QUANTITY_SCALE, f"{where}: quantity"),
                units,
                scaled(line.discount_percent, PERCENT_SCALE, f"{where}: discount %"),
            )
            tax_lines.append(TaxLine(amount, tax_domain(self.taxes, line.tax_code, where)))
        return compute(tax_lines, self.rounding)

    def show_summary(self, summary: TaxSummary) -> None:
        show_totals(self.totals, summary, self.exponent, self.taxes, f"Total {self.document_currency}", "invoiceTotal")

    # ---- saving and posting
    def input(self) -> InvoiceInput:
        code = self.customer.currentData()
        if not code:
            raise ValidationError("Customer: choose who the document is for")
        due = due_date(self.due_date.text())
        rate = None
        if self.rate.isVisible() or (self.rate.text().strip() and self.document_currency != self.base_currency):
            rate = typed_decimal(self.rate.text(), "Rate")
        lines = self.lines()
        if not lines:
            raise ValidationError("Lines: add at least one line (an item or a description and a price)")
        self.compute_summary()  # names a bad cell before the service is asked
        return InvoiceInput(
            customer=code,
            date=self.date.date().toPython(),
            lines=lines,
            due_date=due,
            reference=self.reference.text().strip(),
            memo=self.memo.text().strip(),
            rate=rate,
            credit_note=self.credit_note,
            credits=self.detail.credits if self.detail is not None else None,
        )

    def save_draft(self) -> bool:
        if not self.editable:
            return False
        try:
            ref, changes = self.hub.session.invoicing.save_draft(self.input(), self.invoice_id, self.version)
        except Exception as exc:  # shown in the form; nothing was stored
            self._fail(exc)
            return False
        self.invoice_id, self.version = ref.id, ref.version
        self.changes = changes
        self.saved_code = "draft"
        self.accept()
        return True

    def post(self, *, confirm_credit: bool = False) -> bool:
        if not self.editable:
            return False
        service = self.hub.session.invoicing
        try:
            data = self.input()
            if self.invoice_id is None:
                ref, changes = service.issue(data, confirm_credit=confirm_credit)
            else:  # saved and posted together: a refusal leaves the stored draft as it was
                ref, changes = service.post(self.invoice_id, self.version, confirm_credit=confirm_credit, data=data)
        except CreditCheckFailed as exc:
            if not confirm_credit and self.ask_credit_override(exc):
                return self.post(confirm_credit=True)
            self.problem.setText(f"Not posted (nothing was saved): {message_for(exc)}")
            return False
        except Exception as exc:  # shown in the form; the unit of work left nothing behind
            self._fail(exc)
            return False
        self.changes = changes
        self.saved_code = ref.number or ""
        self.accept()
        return True

    def _may_credit(self) -> bool:
        """A posted invoice, not written off, and a user who may issue credit notes."""
        row = self.detail.row if self.detail is not None else None
        return (
            row is not None
            and not self.credit_note
            and row.state not in (InvoiceState.DRAFT, InvoiceState.WRITTEN_OFF)
            and self.hub.session.can(Permission.AR_CREDIT_NOTE_CREATE)
        )

    def credit(self) -> bool:
        """Credit note…: choose what to credit of this posted invoice; closes this dialog once issued."""
        if self.detail is None or not self._may_credit():
            return False
        from ui.receivables.credit_note_dialog import CreditNoteDialog  # it builds on this module

        dialog = CreditNoteDialog(self.hub, self.detail, self)
        self.last_credit_note_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.changes = dialog.changes
        self.saved_code = dialog.saved_code
        self.done_message = f"Credit note {dialog.saved_code} credits {self.detail.row.number}"
        self.accept()
        return True

    def ask_credit_override(self, error: CreditCheckFailed) -> bool:
        dialog = CreditCheckDialog(error, self.hub.session.can(Permission.AR_INVOICE_APPROVE), self)
        self.last_credit_dialog = dialog
        return dialog.exec() == QDialog.DialogCode.Accepted


class CreditCheckDialog(QDialog):
    """The credit policy objects: its problems, and Post anyway when the user may override it."""

    def __init__(self, error: CreditCheckFailed, may_approve: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Credit check — customer {error.customer}")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Posting this document breaks the credit policy:"))
        problems = QLabel("<br>".join(f"• {_problem_text(error.customer, p)}" for p in error.problems))
        problems.setObjectName("creditProblems")
        problems.setWordWrap(True)
        layout.addWidget(problems)
        allowed = not error.needs_permission or may_approve
        note = (
            "Posting anyway is recorded in the audit trail."
            if allowed
            else "Posting anyway needs receivables.invoice.approve; ask someone who holds it."
        )
        layout.addWidget(QLabel(note))
        buttons = QDialogButtonBox()
        self.post_anyway = buttons.addButton("Post &anyway", QDialogButtonBox.ButtonRole.AcceptRole)
        self.post_anyway.setEnabled(allowed)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)


def _problem_text(customer: str, problem: str) -> str:
    """The service's problems have the customer as their subject: 'is on credit hold'."""
    return f"{customer}'s {problem}" if problem.startswith("exposure") else f"{customer} {problem}"
