"""The bill (and vendor credit note) editor, with the vendor's PDF beside the form.

Left: the vendor (its currency, payment terms -> due date, default expense account and tax code fill in),
the vendor's invoice number, dates, memo, the invoice editor's keyboard-first lines grid (its type-ahead
pickers for item, tax code, account, department and project) and live net / tax / total worked out by
the functions the service prices a bill with. Right: the attached document (ui/payables/document_viewer).

What the buttons do depends on the bill's state and the user's permissions:
draft (payables.bill.create) -> Save draft (Ctrl+S), Submit; with payables.bill.approve also Approve and
post; submitted (payables.bill.approve) -> Approve, Reject (with the reason); approved -> Post (the clerk),
Reject (the approver). Before a save the service's duplicate check runs; matching bills are named and the
user decides. Posting a likely duplicate asks for the reason of the override. A posted bill is read-only,
with its number and entry.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, format_amount, to_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.core.tax import TaxLine, TaxRounding, TaxSummary, compute
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput, DuplicateWarning
from paksa_desktop.payables.bill_queries import BillDetail
from paksa_desktop.payables.bills import DuplicateBill
from paksa_desktop.payables.models import ApprovalAction, BillKind, BillState
from paksa_desktop.payables.vendors import VendorRow
from paksa_desktop.receivables.amounts import QUANTITY_SCALE, line_amount, scaled
from paksa_desktop.receivables.queries import ItemView, TaxCodeView
from paksa_desktop.security.permissions import Permission
from ui.hub import Hub
from ui.models.code_choices import Choice, CodeChoices
from ui.payables.document_viewer import DocumentViewer
from ui.receivables.fields import fill_customers
from ui.receivables.invoice_dialog import LinesGrid
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
from ui.widgets.date_edit import to_qdate
from ui.widgets.dialogs import buddy, typed_decimal

LINE_COLUMNS = ("Item", "Description", "Quantity", "Unit price", "Tax code", "Account", "Dept.", "Project")
ITEM, DESCRIPTION, QUANTITY, PRICE, TAX, ACCOUNT, DEPARTMENT, PROJECT = range(len(LINE_COLUMNS))
NUMERIC = (QUANTITY, PRICE)
PICKED = (ITEM, TAX, ACCOUNT, DEPARTMENT, PROJECT)
COLUMN_TITLES = dict(enumerate(("Item", "Description", "Quantity", "Unit price", "Tax code", "Account",
                                "Department", "Project")))  # fmt: skip
WIDTHS = (80, 220, 82, 100, 80, 74, 58, 66)
STATE_TEXT = {
    BillState.DRAFT: "Draft",
    BillState.SUBMITTED: "Submitted: waiting for approval",
    BillState.APPROVED: "Approved: ready to post",
    BillState.POSTED: "Posted",
    BillState.PARTIALLY_PAID: "Posted, partly paid",
    BillState.PAID: "Posted and paid",
}
STEP_TEXT = {
    ApprovalAction.SUBMITTED: "submitted",
    ApprovalAction.APPROVED: "approved",
    ApprovalAction.REJECTED: "rejected",
    ApprovalAction.DUPLICATE_OVERRIDE: "posted as not a duplicate",
}
WARNING_STYLE = (
    "QLabel { background: #fff4d6; border: 1px solid #e8c66a; border-radius: 4px; padding: 6px 10px; color: #5b4300; }"
)


class BillLinesGrid(LinesGrid):
    """The invoice grid; Enter on the last line starts the next one at `first_column` (Description when the
    Item column is hidden from a user who may not read items)."""

    first_column = ITEM

    def next_line(self) -> None:
        row = self.currentRow()
        if row == self.rowCount() - 1 or row < 0:
            self.insertRow(self.rowCount())
        self.setCurrentCell(row + 1, self.first_column)


class BillDialog(LinesForm, QDialog):
    NUMERIC = NUMERIC
    PICKED = PICKED
    COLUMN_TITLES = COLUMN_TITLES

    def __init__(
        self, hub: Hub, detail: BillDetail | None = None, *, credit_note: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("billDialog")
        self.hub = hub
        self.session = session = hub.session
        self.detail = detail
        self.credit_note = credit_note if detail is None else detail.row.kind is BillKind.CREDIT_NOTE
        self.bill_id = detail.row.id if detail else None
        self.version = detail.row.version if detail else None
        self.state = detail.row.state if detail else BillState.DRAFT
        self.changes: Changes | None = None
        self.saved_code = ""
        self.done_message = ""
        self.can_create = session.can(Permission.AP_BILL_CREATE)
        self.can_approve = session.can(Permission.AP_BILL_APPROVE)
        self.editable = self.state is BillState.DRAFT and self.can_create
        self.base_currency = hub.info().base_currency
        self.noun = "vendor credit note" if self.credit_note else "bill"
        self._confirmed: set[int] = set()  # duplicates the user already chose to save past

        # what the form offers
        company, ctx = session.company, session.ctx
        self.vendors: dict[str, VendorRow] = {v.code: v for v in session.vendors.list(include_inactive=False)}
        if detail is not None and detail.row.vendor_code not in self.vendors:
            inactive = [v for v in session.vendors.list() if v.code == detail.row.vendor_code]
            self.vendors.update({v.code: v for v in inactive})
        self._defaults: dict[str, tuple[str, str]] = {}  # vendor code -> (expense account, tax code)
        setup = company.payables_setup(ctx).settings()
        self.company_expense = setup.expense_account if setup is not None else ""
        tax_codes: list[TaxCodeView] = hub.tax_codes()
        self.taxes = {t.code: t for t in tax_codes if t.is_active}
        self.all_taxes = {t.code: t for t in tax_codes}
        queries = session.receivables_queries
        self.rounding: TaxRounding = queries.tax_rounding()
        self.may_read_items = session.can(Permission.AR_VIEW)
        self.items: dict[str, ItemView] = (
            {i.code: i for i in queries.items(include_inactive=True)} if self.may_read_items else {}
        )
        ledger = session.queries
        self.pickers: dict[int, CodeChoices] = {
            ITEM: CodeChoices((Choice(i.code, i.description, i.is_active) for i in self.items.values()), "item"),
            TAX: CodeChoices((Choice(t.code, t.name, t.is_active) for t in tax_codes), "tax code"),
            ACCOUNT: CodeChoices.for_accounts(hub.account_choices()),
            DEPARTMENT: CodeChoices((Choice(d.code, d.name, d.is_active) for d in ledger.departments()), "department"),
            PROJECT: CodeChoices((Choice(p.code, p.name, p.is_active) for p in ledger.projects()), "project"),
        }
        self.bad_cell: tuple[int, int] | None = None
        self.summary: TaxSummary | None = None
        self._previous_vendor: str | None = None

        self._build()
        if detail is not None:
            self._load(detail)
        else:
            self._vendor_changed()
            self.grid.insertRow(0)
        self._apply_state()
        self.recompute()
        self.viewer.load(self.bill_id)
        if self.bill_id is not None and self.state is not BillState.DRAFT:
            self.show_stored_duplicates()
        (self.grid if detail is not None else self.vendor).setFocus()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        what = self.noun
        if self.detail is None:
            self.setWindowTitle(f"New {what}")
        else:
            row = self.detail.row
            self.setWindowTitle(f"{what.capitalize()} {row.number or '(not posted)'} — {row.vendor_name}")
        self.resize(1380, 780)

        self.vendor = QComboBox()
        self.vendor.setObjectName("billVendor")
        self.vendor.setMinimumContentsLength(26)
        fill_customers(self.vendor, sorted(self.vendors.values(), key=lambda v: v.code), first=("", None))
        self.vendor.setItemText(0, "Choose the vendor…")
        self.vendor_invoice = QLineEdit()
        self.vendor_invoice.setObjectName("billVendorInvoice")
        self.vendor_invoice.setPlaceholderText("the number on the vendor's invoice")
        self.vendor_invoice.setMaxLength(64)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(to_qdate(self.session.today()))
        self.due_date = QLineEdit()
        self.due_date.setObjectName("billDueDate")
        self.due_date.setToolTip("yyyy-mm-dd; empty: from the vendor's payment terms")
        self.currency = QLabel()
        self.currency.setObjectName("billCurrency")
        self.terms = QLabel()
        self.terms.setObjectName("billTerms")
        self.terms.setProperty("state", "muted")
        self.rate = QLineEdit()
        self.rate.setPlaceholderText("from the rate table")
        self.rate_label = QLabel("&Rate")
        self.rate_label.setBuddy(self.rate)
        self.memo = QLineEdit()
        self.credits = QLineEdit()
        self.credits.setPlaceholderText("number of the bill it corrects (optional)")
        self.credits_label = QLabel("Cre&dits bill")
        self.credits_label.setBuddy(self.credits)
        self.status = QLabel()
        self.status.setObjectName("billStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)

        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.addWidget(buddy("&Vendor", self.vendor), 0, 0)
        form.addWidget(self.vendor, 0, 1, 1, 3)
        form.addWidget(buddy("&Date", self.date), 0, 4)
        form.addWidget(self.date, 0, 5)
        form.addWidget(buddy("Vendor &invoice", self.vendor_invoice), 1, 0)
        form.addWidget(self.vendor_invoice, 1, 1)
        form.addWidget(QLabel("Currency"), 1, 2)
        form.addWidget(self.currency, 1, 3)
        form.addWidget(buddy("D&ue date", self.due_date), 1, 4)
        form.addWidget(self.due_date, 1, 5)
        form.addWidget(buddy("&Memo", self.memo), 2, 0)
        form.addWidget(self.memo, 2, 1, 1, 3)
        form.addWidget(self.rate_label, 2, 4)
        form.addWidget(self.rate, 2, 5)
        form.addWidget(self.credits_label, 3, 0)
        form.addWidget(self.credits, 3, 1)
        form.addWidget(self.terms, 3, 2, 1, 4)
        form.setColumnStretch(1, 1)
        self.credits.setVisible(self.credit_note)
        self.credits_label.setVisible(self.credit_note)

        self.duplicates_label = QLabel()
        self.duplicates_label.setObjectName("billDuplicates")
        self.duplicates_label.setWordWrap(True)
        self.duplicates_label.setStyleSheet(WARNING_STYLE)
        self.duplicates_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicates_label.hide()

        self.grid = BillLinesGrid(0, len(LINE_COLUMNS))
        self.grid.pickers = self.pickers
        set_up_grid(self.grid, "billLines", LINE_COLUMNS, WIDTHS, NUMERIC)
        if not self.may_read_items:
            self.grid.setColumnHidden(ITEM, True)
            self.grid.first_column = DESCRIPTION
        self.grid.itemChanged.connect(self._cell_changed)

        self.totals = QFormLayout()
        self.totals.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals_box = QWidget()
        self.totals_box.setObjectName("billTotals")
        self.totals_box.setLayout(self.totals)
        self.totals_box.setMinimumWidth(250)
        self.problem = QLabel()
        self.problem.setObjectName("formMessage")
        self.problem.setProperty("state", "bad")
        self.problem.setWordWrap(True)
        self.history = QLabel()
        self.history.setObjectName("billHistory")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        left_below = QVBoxLayout()
        left_below.addWidget(self.problem)
        left_below.addWidget(self.history)
        left_below.addStretch(1)
        below = QHBoxLayout()
        below.addLayout(left_below, 1)
        below.addWidget(self.totals_box, 0, Qt.AlignmentFlag.AlignTop)

        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        form_side = QWidget()
        form_layout = QVBoxLayout(form_side)
        form_layout.setContentsMargins(0, 0, 6, 0)
        form_layout.setSpacing(8)
        form_layout.addLayout(head)
        form_layout.addLayout(form)
        form_layout.addWidget(self.duplicates_label)
        form_layout.addWidget(self.grid, 1)
        form_layout.addLayout(below)

        self.viewer = DocumentViewer(self.session)
        self.viewer.attached.connect(lambda name: self._say_attached(name))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("billSplitter")
        self.splitter.addWidget(form_side)
        self.splitter.addWidget(self.viewer)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([800, 540])
        self.splitter.setChildrenCollapsible(False)

        buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.save_button = QPushButton("&Save draft")
        self.save_button.setToolTip("Keep it as a draft (Ctrl+S)")
        self.submit_button = QPushButton("Su&bmit")
        self.submit_button.setToolTip("Save and send it for approval")
        self.approve_post_button = QPushButton("Approve and p&ost")
        self.approve_post_button.setToolTip("Submit, approve and post in one step (you hold both permissions)")
        self.approve_button = QPushButton("&Approve")
        self.reject_button = QPushButton("&Reject…")
        self.reject_button.setToolTip("Send it back to its clerk as a draft, with the reason")
        self.post_button = QPushButton("&Post")
        self.post_button.setToolTip("Number it and post its entry in the purchases journal")
        for button in (
            self.save_button,
            self.submit_button,
            self.approve_post_button,
            self.reject_button,
            self.approve_button,
            self.post_button,
        ):
            button.setAutoDefault(False)
            buttons.addButton(button, role)
        self.close_button = buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel if self.editable else QDialogButtonBox.StandardButton.Close
        )
        self.close_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save_draft)
        self.submit_button.clicked.connect(self.submit)
        self.approve_post_button.clicked.connect(lambda: self.approve_and_post())
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(lambda: self.reject_bill())
        self.post_button.clicked.connect(lambda: self.post())
        QShortcut(QKeySequence("Ctrl+S"), self, self.save_draft)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(buttons)

        self.vendor.currentIndexChanged.connect(self._vendor_changed)
        self.date.dateChanged.connect(self._show_terms)

    def _apply_state(self) -> None:
        """Buttons by state and permission; everything locked unless the bill is an editable draft."""
        draft, state = self.state is BillState.DRAFT, self.state
        self.save_button.setVisible(self.editable)
        self.submit_button.setVisible(self.editable)
        self.approve_post_button.setVisible(self.editable and self.can_approve)
        self.approve_button.setVisible(state is BillState.SUBMITTED and self.can_approve)
        self.reject_button.setVisible(state in (BillState.SUBMITTED, BillState.APPROVED) and self.can_approve)
        self.post_button.setVisible(state is BillState.APPROVED and self.can_create)
        primary = next(
            (b for b in (self.post_button, self.approve_button, self.submit_button) if not b.isHidden()), None
        )
        if primary is not None:
            primary.setProperty("primary", True)
            primary.style().unpolish(primary)
            primary.style().polish(primary)
        if not self.editable:
            for widget in (self.vendor, self.date, self.due_date, self.rate, self.vendor_invoice, self.memo):
                widget.setEnabled(False)
            self.credits.setEnabled(False)
            self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.grid.setCurrentCell(-1, -1)
        text = f"<b>{STATE_TEXT[state]}</b>"
        if self.detail is not None:
            row = self.detail.row
            if row.number:
                text = f"<b>{row.number}</b> · {text}"
            if self.detail.entry_number:
                text += f" · entry {self.detail.entry_number}"
            if row.state in (BillState.POSTED, BillState.PARTIALLY_PAID, BillState.PAID):
                e = currency_exponent(row.currency)
                text += f" · open {money_text(to_minor(row.open_amount, e), e)} {row.currency}"
            text += f" · entered by {row.entered_by}"
        if draft and not self.can_create:
            text += " · <i>read-only: your role cannot enter bills (payables.bill.create)</i>"
        self.status.setText(text)

    # ------------------------------------------------------------------ loading
    def _load(self, detail: BillDetail) -> None:
        row = detail.row
        self.vendor.setCurrentIndex(max(0, self.vendor.findData(row.vendor_code)))
        self._vendor_changed()
        self.date.setDate(to_qdate(row.date))
        self.due_date.setText(row.due_date.isoformat())
        self.vendor_invoice.setText(row.vendor_invoice)
        self.memo.setText(detail.memo)
        self.credits.setText(detail.credits or "")
        if row.currency != self.base_currency:
            self.rate.setText(str(detail.rate))
        self.grid.blockSignals(True)
        for line in detail.lines:
            n = self.grid.rowCount()
            self.grid.insertRow(n)
            values = (
                line.item,
                line.description,
                plain(line.quantity),
                format_amount(line.unit_price, self.exponent, grouping=True),
                line.tax_code,
                line.account,
                line.department,
                line.project,
            )
            for col, value in enumerate(values):
                self._set(n, col, value)
        self.grid.blockSignals(False)
        self.history.setText(self._history_html(detail))

    def _history_html(self, detail: BillDetail) -> str:
        if not detail.approvals:
            return ""
        rows = "".join(
            f"<tr><td>{a.at.strftime('%Y-%m-%d %H:%M')}</td><td>{STEP_TEXT[a.action]}</td><td>{a.user}</td>"
            f"<td>{_escape(a.note)}</td></tr>"
            for a in detail.approvals
        )
        return (
            "<b>Approval history</b><table cellspacing='0' cellpadding='2'>"
            "<tr><th align='left'>When</th><th align='left'>Step</th><th align='left'>Who</th>"
            f"<th align='left'>Note</th></tr>{rows}</table>"
        )

    # ------------------------------------------------------------------ the vendor decides the defaults
    @property
    def vendor_row(self) -> VendorRow | None:
        return self.vendors.get(self.vendor.currentData())

    @property
    def document_currency(self) -> str:
        v = self.vendor_row
        return v.currency if v is not None else self.base_currency

    @property
    def exponent(self) -> int:
        return currency_exponent(self.document_currency)

    def vendor_defaults(self, code: str | None) -> tuple[str, str]:
        """(expense account, tax code) a line of this vendor gets: the vendor's, else the company's account."""
        if not code:
            return self.company_expense, ""
        if code not in self._defaults:
            try:
                data = self.session.vendors.get(code).data
                account, tax = data.expense_account or "", data.tax_code or ""
            except Exception:  # the defaults are a convenience: the service fills them in anyway
                account, tax = "", ""
            self._defaults[code] = (account or self.company_expense, tax)
        return self._defaults[code]

    def _vendor_changed(self, *_args: object) -> None:
        code = self.vendor.currentData()
        foreign = self.document_currency != self.base_currency
        self.currency.setText(self.document_currency if code else "")
        self.rate.setVisible(foreign)
        self.rate_label.setVisible(foreign)
        if self.editable and self._previous_vendor != code and self.grid.rowCount():
            before = self.vendor_defaults(self._previous_vendor)
            after = self.vendor_defaults(code)
            self.grid.blockSignals(True)
            for row in range(self.grid.rowCount()):
                if self._blank(row):
                    continue
                for col, old, new in ((ACCOUNT, before[0], after[0]), (TAX, before[1], after[1])):
                    if self._text(row, col) == old:
                        self._set(row, col, new)
            self.grid.blockSignals(False)
        self._previous_vendor = code
        self._show_terms()
        self.recompute()

    def _show_terms(self, *_args: object) -> None:
        v = self.vendor_row
        if v is None:
            self.terms.setText("")
            self.due_date.setPlaceholderText("from the vendor's terms")
            return
        try:
            terms = PaymentTerms.parse(v.payment_terms)
        except ValidationError:
            self.terms.setText(f"Terms: {v.payment_terms}")
            return
        day = self.date.date().toPython()
        due = terms.due_date(day)
        text = f"Terms {terms.text()}: due {due.isoformat()}"
        discount = None if self.credit_note else terms.discount_date(day)
        if discount is not None:
            text += f"; {terms.discount_percent.normalize():f} % off if paid by {discount.isoformat()}"
        self.terms.setText(text)
        self.due_date.setPlaceholderText(f"{due.isoformat()} (from terms)")

    # ------------------------------------------------------------------ the grid
    def _cell_changed(self, item: QTableWidgetItem) -> None:
        row, col = item.row(), item.column()
        self.grid.blockSignals(True)
        try:
            if col in NUMERIC and item.textAlignment() != int(RIGHT):
                item.setTextAlignment(RIGHT)
            if col in PICKED:
                self._resolve_cell(item)
            if col == ITEM and item.text().strip():
                self._fill_from_item(row, item.text().strip())
            if col in (DESCRIPTION, ITEM) and item.text().strip():
                account, tax = self.vendor_defaults(self.vendor.currentData())
                if not self._text(row, QUANTITY):
                    self._set(row, QUANTITY, "1")
                if not self._text(row, ACCOUNT) and account:
                    self._set(row, ACCOUNT, account)
                if not self._text(row, TAX) and tax and not self._text(row, ITEM):
                    self._set(row, TAX, tax)
        finally:
            self.grid.blockSignals(False)
        self.recompute()

    def _fill_from_item(self, row: int, code: str) -> None:
        """An item names the line: its description and tax code where the line has none yet."""
        found = self.items.get(code)
        if found is None:
            return
        if not self._text(row, DESCRIPTION):
            self._set(row, DESCRIPTION, found.description)
        if not self._text(row, TAX):
            self._set(row, TAX, found.tax_code or self.vendor_defaults(self.vendor.currentData())[1])

    def lines(self) -> tuple[BillLineInput, ...]:
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
            self.bad_cell = (row, QUANTITY)
            quantity = typed_decimal(self._text(row, QUANTITY), f"{where}: quantity")
            self.bad_cell = (row, PRICE)
            price = typed_decimal(self._text(row, PRICE), f"{where}: unit price")
            self.bad_cell = None
            result.append(
                BillLineInput(
                    description=self._text(row, DESCRIPTION),
                    quantity=quantity if quantity is not None else Decimal(1),
                    unit_price=price,
                    account=self._text(row, ACCOUNT) or None,
                    tax_code=self._text(row, TAX),  # "": no tax (the grid shows the default it filled in)
                    item=self._text(row, ITEM) or None,
                    department=self._text(row, DEPARTMENT) or None,
                    project=self._text(row, PROJECT) or None,
                )
            )
        return tuple(result)

    # ------------------------------------------------------------------ live totals: the service's functions
    def compute_summary(self) -> TaxSummary:
        exponent = self.exponent
        tax_lines = []
        for n, line in enumerate(self.lines(), start=1):
            where = f"line {n}"
            units = to_minor(line.unit_price, exponent) if line.unit_price is not None else 0
            amount = line_amount(scaled(line.quantity, QUANTITY_SCALE, f"{where}: quantity"), units)
            tax_lines.append(TaxLine(amount, tax_domain(self.all_taxes, line.tax_code, where)))
        return compute(tax_lines, self.rounding)

    def show_summary(self, summary: TaxSummary) -> None:
        show_totals(self.totals, summary, self.exponent, self.all_taxes, f"Total {self.document_currency}", "billTotal")

    # ------------------------------------------------------------------ the input
    def input(self) -> BillInput:
        code = self.vendor.currentData()
        if not code:
            raise ValidationError("Vendor: choose who sent the bill")
        due = due_date(self.due_date.text())
        rate = None
        if self.document_currency != self.base_currency and self.rate.text().strip():
            rate = typed_decimal(self.rate.text(), "Rate")
        lines = self.lines()
        if not lines:
            raise ValidationError("Lines: add at least one line (a description and a price)")
        self.compute_summary()  # names a bad cell before the service is asked
        return BillInput(
            vendor=code,
            date=self.date.date().toPython(),
            lines=lines,
            vendor_invoice=self.vendor_invoice.text().strip(),
            due_date=due,
            rate=rate,
            memo=self.memo.text().strip(),
            credit_note=self.credit_note,
            credits=(self.credits.text().strip() or None) if self.credit_note else None,
        )

    # ------------------------------------------------------------------ duplicates
    def _show_duplicates(self, warnings: list[DuplicateWarning], lead: str) -> None:
        if not warnings:
            self.duplicates_label.hide()
            return
        items = "".join(f"<li>{_escape(str(w))}</li>" for w in warnings)
        self.duplicates_label.setText(f"<b>{lead}</b><ul style='margin:2px 0 0 -20px'>{items}</ul>")
        self.duplicates_label.show()

    def show_stored_duplicates(self) -> None:
        """A stored bill opened (by an approver, say): the bills it may duplicate, in the banner."""
        if self.bill_id is None:
            return
        try:
            found = self.session.company.bill_flags(self.session.ctx).likely_duplicates([self.bill_id])
        except Exception:  # a flag is a help, not a condition of opening the bill
            return
        self._show_duplicates(found.get(self.bill_id, []), f"This {self.noun} may be a duplicate of:")

    def confirm_duplicates(self, data: BillInput) -> bool:
        """The service's duplicate check before saving: matching bills named in the form; the user says
        whether to save anyway (asked once for the same matches)."""
        warnings = self.session.company.bills(self.session.ctx).duplicates(data, self.bill_id)
        self._show_duplicates(warnings, f"This {self.noun} may be a duplicate of:")
        fresh = [w for w in warnings if w.bill_id not in self._confirmed]
        if not fresh:
            return True
        listed = "\n".join(f"• {w}" for w in warnings)
        answer = QMessageBox.question(
            self,
            "Possible duplicate",
            f"This {self.noun} looks like one already entered:\n\n{listed}\n\nSave it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self.problem.setText("Not saved: it may be a duplicate (see above).")
            return False
        self._confirmed.update(w.bill_id for w in warnings)
        return True

    # ------------------------------------------------------------------ actions
    def _store_draft(self) -> bool:
        """Save the form as a draft (after the duplicate check); False with the reason shown if not saved."""
        try:
            data = self.input()
            if not self.confirm_duplicates(data):
                return False
            ref, changes = self.session.company.bills(self.session.ctx).save_draft(data, self.bill_id, self.version)
        except Exception as exc:  # shown in the form; nothing was stored
            self._fail(exc, "Not saved: ")
            return False
        first_save = self.bill_id is None
        self.bill_id, self.version, self.changes = ref.id, ref.version, changes
        if first_save:
            problem = self.viewer.store_pending(ref.id)
            if problem:
                QMessageBox.warning(self, "Attachment", problem + " Attach it again from the bill.")
        return True

    def save_draft(self) -> bool:
        if not self.editable or not self._store_draft():
            return False
        self.saved_code = "draft"
        self.done_message = f"Saved the {self.noun} as a draft"
        self.accept()
        return True

    def submit(self) -> bool:
        if not self.editable or not self._store_draft():
            return False
        assert self.bill_id is not None
        try:
            ref, changes = self.session.company.bills(self.session.ctx).submit(self.bill_id, self.version)
        except Exception as exc:
            self._fail(exc, "Saved as a draft, not submitted: ")
            return False
        self.version, self.changes = ref.version, changes
        self.saved_code = "submitted"
        auto = ref.state is BillState.APPROVED
        self.done_message = (
            f"Submitted the {self.noun}: below the approval threshold, approved at once"
            if auto
            else f"Submitted the {self.noun} for approval"
        )
        self.accept()
        return True

    def approve_and_post(self, override_reason: str | None = None) -> bool:
        if not (self.editable and self.can_approve):
            return False
        if override_reason is None and not self._store_draft():
            return False
        assert self.bill_id is not None
        service = self.session.company.bills(self.session.ctx)
        try:
            ref, changes = service.approve_and_post(self.bill_id, self.version, override_reason=override_reason)
        except DuplicateBill as exc:
            reason = self.ask_override(exc)
            return self.approve_and_post(reason) if reason else self._not_posted(exc)
        except Exception as exc:
            self._fail(exc, "Saved as a draft, not posted: ")
            return False
        return self._posted(ref.number, changes)

    def approve(self) -> bool:
        if self.state is not BillState.SUBMITTED or not self.can_approve or self.bill_id is None:
            return False
        try:
            _ref, changes = self.session.company.bills(self.session.ctx).approve(self.bill_id, self.version)
        except Exception as exc:
            self._fail(exc, "Not approved: ")
            return False
        self.changes, self.saved_code = changes, "approved"
        self.done_message = f"Approved the {self.noun} of {self.detail.row.vendor_name if self.detail else ''}"
        self.accept()
        return True

    def reject_bill(self, reason: str | None = None) -> bool:
        if self.state not in (BillState.SUBMITTED, BillState.APPROVED) or not self.can_approve:
            return False
        if reason is None:
            text, ok = QInputDialog.getMultiLineText(
                self, f"Reject the {self.noun}", "Why? The clerk reads this, corrects the bill and submits it again:"
            )
            if not ok:
                return False
            reason = text
        assert self.bill_id is not None
        try:
            _ref, changes = self.session.company.bills(self.session.ctx).reject(self.bill_id, reason, self.version)
        except Exception as exc:
            self._fail(exc, "Not rejected: ")
            return False
        self.changes, self.saved_code = changes, "rejected"
        self.done_message = f"Sent the {self.noun} back to its clerk"
        self.accept()
        return True

    def post(self, override_reason: str | None = None) -> bool:
        if self.state is not BillState.APPROVED or not self.can_create or self.bill_id is None:
            return False
        try:
            ref, changes = self.session.company.bills(self.session.ctx).post(
                self.bill_id, self.version, override_reason=override_reason
            )
        except DuplicateBill as exc:
            reason = self.ask_override(exc)
            return self.post(reason) if reason else self._not_posted(exc)
        except Exception as exc:
            self._fail(exc, "Not posted: ")
            return False
        return self._posted(ref.number, changes)

    def _posted(self, number: str | None, changes: Changes) -> bool:
        self.changes, self.saved_code = changes, number or ""
        self.done_message = f"Posted {number}"
        self.accept()
        return True

    def _not_posted(self, exc: DuplicateBill) -> bool:
        self._show_duplicates(exc.warnings, "Not posted: it looks like a duplicate of")
        self.problem.setText("Not posted: give a reason to post a likely duplicate.")
        return False

    def ask_override(self, exc: DuplicateBill) -> str:
        """The reason to post a likely duplicate anyway ('' to leave it unposted)."""
        listed = "\n".join(f"• {w}" for w in exc.warnings)
        text, ok = QInputDialog.getMultiLineText(
            self,
            "Post a likely duplicate",
            f"This {self.noun} looks like a duplicate of:\n{listed}\n\n"
            "Why is it not one? The reason is kept in the approval history:",
        )
        return text.strip() if ok else ""

    def _say_attached(self, name: str) -> None:
        if self.bill_id is None:
            self.problem.setText("")
            self.history.setText(f"{_escape(name)} is stored with the {self.noun} when you save it.")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_bill(hub: Hub, bill_id: int, parent: QWidget | None = None) -> BillDialog:
    """The editor of a stored bill (read from the queries first)."""
    detail = hub.session.company.bill_queries(hub.session.ctx).bill(bill_id)
    return BillDialog(hub, detail, parent=parent)
