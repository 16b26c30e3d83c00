"""Create or edit a customer: details, credit, defaults for invoices, contacts, addresses and notes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.money import currency_exponent, is_currency
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.receivables.commands import AddressInput, ContactInput, CustomerInput
from paksa_desktop.receivables.models import AddressKind
from paksa_desktop.receivables.queries import AddressView, CustomerView
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.security.permissions import Permission
from ui.audit.attachments import show_attachments
from ui.hub import Hub
from ui.models.text_grid_model import TextGridModel
from ui.receivables.fields import (
    AmountEdit,
    account_picker,
    chosen_tax_code,
    fill_tax_codes,
    picked_account,
    terms_in_words,
)
from ui.receivables.record_dialog import FormProblem, RecordDialog
from ui.style import set_state
from ui.widgets.account_picker import string_completer
from ui.widgets.dialogs import field_grid

CONTACT_COLUMNS = ("Name", "Role", "E-mail", "Phone")


def upper_letters(edit: QLineEdit, length: int) -> None:
    """Codes typed in capitals (currencies, countries): letters only, at most `length`."""
    edit.setMaxLength(length)
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(f"[A-Za-z]{{0,{length}}}"), edit))
    edit.textEdited.connect(lambda text: edit.setText(text.upper()) if text != text.upper() else None)


class ContactsGrid(QTableView):
    """Type over a cell to replace it, F2 or Enter to edit it, Tab across; Enter never closes the dialog."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState:
            index = self.currentIndex()
            if index.isValid() and self.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers:
                self.edit(index)
            event.accept()
            return
        super().keyPressEvent(event)


class ContactsPage(QWidget):
    """The Contacts page of the customer and vendor forms: the contacts grid with Add and Remove contact.
    `widths` are the name, role and email columns' (the phone column takes the rest)."""

    def __init__(self, widths: tuple[int, int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contacts = TextGridModel(CONTACT_COLUMNS, self)
        self.grid = ContactsGrid()
        self.grid.setObjectName("contactsGrid")
        self.grid.setModel(self.contacts)
        self.grid.setAlternatingRowColors(True)
        self.grid.verticalHeader().hide()
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        for column, width in enumerate(widths):
            self.grid.setColumnWidth(column, width)
        self.grid.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add contact")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_contact)
        self.remove_button = QPushButton("Remove contact")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_contact)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.grid, 1)
        layout.addLayout(buttons)

    def add_contact(self) -> None:
        row = self.contacts.add_row()
        index = self.contacts.index(row, 0)
        self.grid.setCurrentIndex(index)
        self.grid.setFocus()
        self.grid.edit(index)

    def remove_contact(self) -> None:
        index = self.grid.currentIndex()
        if index.isValid():
            self.contacts.remove_row(index.row())

    def finish_typing(self) -> None:
        """A contact cell still being typed in counts, as the user sees it."""
        if self.grid.state() == QAbstractItemView.State.EditingState:
            for editor in self.grid.viewport().findChildren(QLineEdit):
                if editor.isVisible():
                    self.grid.itemDelegate().commitData.emit(editor)


class AddressFields(QGroupBox):
    """One address: street lines, city, postal code, region, country (ISO 3166 two letters)."""

    def __init__(self, title: str, kind: AddressKind, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.kind = kind
        self.lines = QPlainTextEdit()
        self.lines.setTabChangesFocus(True)
        self.lines.setPlaceholderText("street and number, building, suite")
        self.lines.setFixedHeight(58)
        self.city = QLineEdit()
        self.postal_code = QLineEdit()
        self.postal_code.setMaximumWidth(130)
        self.region = QLineEdit()
        self.country = QLineEdit()
        self.country.setPlaceholderText("e.g. GB")
        self.country.setMaximumWidth(70)
        upper_letters(self.country, 2)
        form = QFormLayout(self)
        form.setVerticalSpacing(8)
        form.addRow("Street", self.lines)
        form.addRow("City", self.city)
        form.addRow("Postal code", self.postal_code)
        form.addRow("Region", self.region)
        form.addRow("Country", self.country)

    def edits(self) -> tuple[QLineEdit, ...]:
        return (self.city, self.postal_code, self.region, self.country)

    def set_address(self, address: AddressView | AddressInput | None) -> None:
        self.lines.setPlainText(address.lines if address else "")
        self.city.setText(address.city if address else "")
        self.postal_code.setText(address.postal_code if address else "")
        self.region.setText(address.region if address else "")
        self.country.setText(address.country if address else "")

    def address(self) -> AddressInput | None:
        """The address typed, or None when every field is empty."""
        value = AddressInput(
            self.kind,
            self.lines.toPlainText().strip(),
            self.city.text().strip(),
            self.postal_code.text().strip(),
            self.region.text().strip(),
            self.country.text().strip().upper(),
        )
        return value if any((value.lines, value.city, value.postal_code, value.region, value.country)) else None


class PartyDialog(RecordDialog):
    """What the customer and vendor forms share: code, name, currency and payment terms (with the terms in
    words as they are typed), and the tax codes offered."""

    def _party_fields(self, base: str) -> None:
        """Code, name, currency and terms (with their hint), created in Tab order."""
        self.code = QLineEdit()
        self.code.setMaxLength(32)
        self.code.setPlaceholderText("e.g. ACME (no spaces)")
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.currency = QLineEdit(base)
        self.currency.setMaximumWidth(80)
        upper_letters(self.currency, 3)
        from iso4217 import Currency

        self.currency.setCompleter(string_completer(sorted(c.code for c in Currency), self.currency))
        self.terms = QLineEdit("net 30")
        self.terms.setPlaceholderText("net 30, 30 EOM, due on receipt, 2/10 net 30")
        self.terms_hint = QLabel()
        self.terms_hint.setObjectName("termsHint")
        self.terms_hint.setWordWrap(True)

    def _show_terms(self) -> None:
        text, ok = terms_in_words(self.terms.text())
        self.terms_hint.setText(text)
        set_state(self.terms_hint, "muted" if ok else "bad")

    def _tax_codes(self) -> list[Any]:
        try:
            return self.hub.tax_codes()
        except Exception:  # a user who may not read tax codes still edits the rest
            return []


class CustomerDialog(PartyDialog):
    noun = "customer"
    entity = "customer"

    def __init__(self, hub: Hub, record: CustomerView | None, *, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(hub, record, editable=editable, parent=parent)
        self.resize(900, 700)
        self.setMinimumSize(760, 680)  # the addresses side by side, never squeezed
        base = hub.info().base_currency
        self.extra_addresses: tuple[AddressInput, ...] = ()

        # ---- details (created in Tab order: across, then down)
        self._party_fields(base)
        self.credit_limit = AmountEdit(currency_exponent(base))
        self.credit_limit.setPlaceholderText("no limit")
        self.credit_limit.setMaximumWidth(170)
        self.credit_hold = QCheckBox("Credit &hold (no new invoices)")
        self.income_account = account_picker(hub, AccountType.INCOME)
        self.tax_code = QComboBox()
        self.tax_code.setMinimumContentsLength(24)
        self.email = QLineEdit()
        self.email.setPlaceholderText("accounts e-mail address")
        self.phone = QLineEdit()
        self.tax_number = QLineEdit()
        self.tax_number.setMaxLength(50)
        self.tax_number.setPlaceholderText("VAT / GST registration")
        self.dunning = QComboBox()
        self.dunning.setObjectName("customerDunningProcedure")
        self.dunning.setToolTip("The reminders this customer gets when invoices are overdue (Receivables > Dunning)")
        self._fill_procedures()
        self.active = QCheckBox("&Active")
        self.active.setChecked(True)
        self.active.setToolTip("An inactive customer keeps its history but is offered for nothing new")

        details = field_grid(
            (0, 0, "&Code", self.code, 1),
            (0, 2, "&Name", self.name, 1),
            (1, 0, "C&urrency", self.currency, 1),
            (1, 2, "Payment &terms", self.terms, 1),
            (2, 2, "", self.terms_hint, 1),
            (3, 0, "Credit &limit", self.credit_limit, 1),
            (3, 2, "", self.credit_hold, 1),
            (4, 0, "&Income account", self.income_account, 1),
            (4, 2, "Ta&x code", self.tax_code, 1),
            (5, 0, "&E-mail", self.email, 1),
            (5, 2, "&Phone", self.phone, 1),
            (6, 0, "Tax nu&mber", self.tax_number, 1),
            (6, 2, "", self.active, 1),
            (7, 0, "Dunnin&g", self.dunning, 1),
        )
        details.setColumnStretch(1, 1)
        details.setColumnStretch(3, 1)
        details.setVerticalSpacing(8)

        # ---- contacts, addresses, notes
        self.contacts_page = contacts_page = ContactsPage((190, 160, 230))
        self.contacts, self.contacts_grid = contacts_page.contacts, contacts_page.grid
        self.add_contact_button, self.remove_contact_button = contacts_page.add_button, contacts_page.remove_button

        self.billing = AddressFields("Billing address", AddressKind.BILLING)
        self.shipping = AddressFields("Shipping address", AddressKind.SHIPPING)
        self.copy_address_button = QPushButton("Same as billing")
        self.copy_address_button.setAutoDefault(False)
        self.copy_address_button.setToolTip("Copy the billing address into the shipping address")
        self.copy_address_button.clicked.connect(self.copy_billing_to_shipping)
        self.extra_note = QLabel()
        self.extra_note.setProperty("state", "muted")
        self.extra_note.hide()
        addresses_page = QWidget()
        addresses_layout = QVBoxLayout(addresses_page)
        both = QHBoxLayout()
        both.addWidget(self.billing, 1)
        both.addWidget(self.shipping, 1)
        addresses_layout.addLayout(both)
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.extra_note)
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_address_button)
        addresses_layout.addLayout(copy_row)
        addresses_layout.addStretch(1)

        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("anything the team should know: how they pay, whom to call")

        self.pages = QTabWidget()
        self.pages.addTab(contacts_page, "Contact&s")
        self.pages.addTab(addresses_page, "A&ddresses")
        self.pages.addTab(self.notes, "N&otes")
        self.credit_fields: dict[str, QLabel] = {}
        if record is not None and self.session.can(Permission.AR_VIEW):
            self.credit_box = self._credit_page(record.code)
            self.pages.addTab(self.credit_box, "C&redit")

        self.attachments_button = QPushButton("Attachments…")
        self.attachments_button.setAutoDefault(False)
        self.attachments_button.setToolTip("Files attached to this customer (contracts, forms)")
        self.attachments_button.clicked.connect(self.show_attachments)
        self.attachments_button.setVisible(record is not None and self.session.can(Permission.DOCUMENT_VIEW))
        self.left_buttons.addWidget(self.attachments_button)

        self.terms.textChanged.connect(self._show_terms)
        self.currency.textChanged.connect(self._currency_changed)
        tax_codes = self._tax_codes()
        fill_tax_codes(self.tax_code, tax_codes, None)
        self._tax_code_rows = tax_codes
        if record is not None:
            self.show_record(record)
        self._show_terms()
        self.finish(details, self.pages)
        (self.name if record is not None else self.code).setFocus()

    # ---- the customer's credit standing (read-only, read on a worker)
    def _credit_page(self, code: str) -> QWidget:
        """Limit, exposure, available, overdue and how the customer pays, as Credit control shows them."""
        page = QWidget()
        page.setObjectName("customerCredit")
        form = QFormLayout(page)
        form.setVerticalSpacing(8)
        titles = (
            ("limit", "Credit limit"), ("exposure", "Exposure"), ("available", "Available"), ("overdue", "Overdue"),
            ("days_to_pay", "Average days to pay"), ("days_late", "Average days late"),
            ("last_payment", "Last payment"),
        )  # fmt: skip
        for key, title in titles:
            label = QLabel("…")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.credit_fields[key] = label
            form.addRow(title, label)
        explain = QLabel(
            "Exposure is what the credit check at posting compares with the limit: open and draft invoices, less "
            "open credit notes and unapplied receipts. The averages weigh each invoice paid in the last 12 months "
            "by its amount (receipts only; credit notes do not count as paying). Receivables > Credit control "
            "lists every customer."
        )
        explain.setWordWrap(True)
        explain.setProperty("state", "muted")
        form.addRow(explain)
        from ui.workers import Loader

        self.credit_loader = Loader(self)
        service = self.session.company.credit_standing(self.session.ctx)
        self.credit_loader.load(lambda: service.standing(code), self._show_credit)
        return page

    def _show_credit(self, row: Any) -> None:
        places = currency_exponent(row.currency)

        def money(value: Any) -> str:
            return f"{money_text(value, places)} {row.currency}"

        fields = self.credit_fields
        fields["limit"].setText("no limit" if row.credit_limit is None else money(row.credit_limit))
        fields["exposure"].setText(money(row.exposure))
        available = "" if row.available is None else money(row.available)
        fields["available"].setText(available + (" — over the limit" if row.over_limit else ""))
        set_state(fields["available"], "bad" if row.over_limit else "")
        overdue = "nothing overdue"
        if row.oldest_overdue_days is not None:
            overdue = f"{money(row.overdue)}, the oldest {row.oldest_overdue_days} days"
        fields["overdue"].setText(overdue)
        set_state(fields["overdue"], "bad" if row.oldest_overdue_days is not None else "")
        if row.average_days_to_pay is None:
            fields["days_to_pay"].setText("no invoice paid in the last 12 months")
            fields["days_late"].setText("")
        else:
            count = f"{row.invoices_paid} invoice{'s' if row.invoices_paid != 1 else ''}"
            fields["days_to_pay"].setText(f"{row.average_days_to_pay} days ({count}, 12 months)")
            fields["days_late"].setText(f"{row.average_days_late} days")
        fields["last_payment"].setText(str(row.last_payment) if row.last_payment else "none yet")

    def read_only_buttons(self) -> list[Any]:
        return [self.attachments_button]

    def _fill_procedures(self) -> None:
        """The company's dunning procedures; the first entry is the default (the company's first procedure)."""
        try:
            procedures = self.hub.session.company.dunning_queries(self.session.ctx).procedures()
        except Exception:  # the form still edits everything else
            procedures = []
        default = f"company default ({procedures[0].code})" if procedures else "company default (none set up yet)"
        self.dunning.addItem(default, None)
        for p in procedures:
            self.dunning.addItem(f"{p.code} — {p.name}", p.code)

    # ---- showing
    def show_record(self, record: CustomerView) -> None:
        self.record = record
        self.code.setText(record.code)
        self.name.setText(record.name)
        self.currency.setText(record.currency)
        self.terms.setText(record.payment_terms)
        self.credit_limit.set_exponent(currency_exponent(record.currency))
        self.credit_limit.set_amount(record.credit_limit)
        self.credit_hold.setChecked(record.credit_hold)
        self.income_account.set_code(record.income_account)
        fill_tax_codes(self.tax_code, self._tax_code_rows, record.tax_code)
        self.email.setText(record.email)
        self.phone.setText(record.phone)
        self.tax_number.setText(record.tax_number)
        self.active.setChecked(record.is_active)
        self.dunning.setCurrentIndex(max(0, self.dunning.findData(record.dunning_procedure)))
        self.notes.setPlainText(record.notes)
        self.contacts.set_rows([(c.name, c.role, c.email, c.phone) for c in record.contacts])
        billing = [a for a in record.addresses if a.kind == AddressKind.BILLING.value]
        shipping = [a for a in record.addresses if a.kind == AddressKind.SHIPPING.value]
        self.billing.set_address(billing[0] if billing else None)
        self.shipping.set_address(shipping[0] if shipping else None)
        extras = billing[1:] + shipping[1:]
        self.extra_addresses = tuple(
            AddressInput(a.kind, a.lines, a.city, a.postal_code, a.region, a.country) for a in extras
        )
        self.extra_note.setText(
            f"{len(extras)} more address{'es' if len(extras) != 1 else ''} on file, kept as they are." if extras else ""
        )
        self.extra_note.setVisible(bool(extras))
        self.setWindowTitle(self.title_for(record) + ("" if self.editable else " (read-only)"))

    def title_for(self, record: Any | None) -> str:
        return f"Customer {record.code} — {record.name}" if record is not None else "New customer"

    def _currency_changed(self, text: str) -> None:
        if len(text) == 3 and is_currency(text):
            self.credit_limit.set_exponent(currency_exponent(text))

    # ---- contacts and addresses
    def copy_billing_to_shipping(self) -> None:
        self.shipping.set_address(self.billing.address())

    def show_attachments(self) -> None:
        if self.record is not None:
            show_attachments(self.session, "customer", self.record.code, self.windowTitle(), self)

    # ---- saving
    def read_input(self) -> CustomerInput:
        problems = []
        limit = None
        try:
            limit = self.credit_limit.amount("Credit limit")
        except FormProblem as exc:
            problems.append(str(exc))
        account = None
        try:
            account = picked_account(self.income_account, "Income account")
        except FormProblem as exc:
            problems.append(str(exc))
        if problems:
            raise FormProblem("; ".join(problems))
        self.contacts_page.finish_typing()
        addresses = tuple(a for a in (self.billing.address(), self.shipping.address()) if a is not None)
        return CustomerInput(
            code=self.code.text().strip(),
            name=self.name.text().strip(),
            currency=self.currency.text().strip().upper() or None,
            payment_terms=self.terms.text().strip(),
            credit_limit=limit,
            credit_hold=self.credit_hold.isChecked(),
            income_account=account,
            tax_code=chosen_tax_code(self.tax_code),
            email=self.email.text().strip(),
            phone=self.phone.text().strip(),
            tax_number=self.tax_number.text().strip(),
            notes=self.notes.toPlainText().strip(),
            contacts=tuple(ContactInput(*row) for row in self.contacts.rows()),
            addresses=addresses + self.extra_addresses,
            is_active=self.active.isChecked(),
        )

    def create(self, service: ReceivablesService, data: CustomerInput) -> Changes:
        return service.create_customer(data) | self._assign_procedure(data.code)

    def update(self, service: ReceivablesService, code: str, data: CustomerInput, version: int) -> Changes:
        return service.update_customer(code, data, version=version) | self._assign_procedure(code)

    def _assign_procedure(self, code: str) -> Changes:
        """The dunning procedure chosen, when it changed (DunningService.assign keeps it)."""
        chosen = self.dunning.currentData()
        if chosen == (self.record.dunning_procedure if self.record is not None else None):
            return Changes()
        return self.hub.session.company.dunning(self.session.ctx).assign(code, chosen)

    def fetch(self, code: str) -> CustomerView:
        return self.session.receivables_queries.customer(code)


def customer_dialog(hub: Hub, code: str | None, *, editable: bool, parent: QWidget | None = None) -> CustomerDialog:
    """The form for customer `code` as it is now (read with its contacts and addresses), or a new one."""
    record = hub.session.receivables_queries.customer(code) if code is not None else None
    return CustomerDialog(hub, record, editable=editable, parent=parent)
