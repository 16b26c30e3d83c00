"""Create or edit a vendor: general details, address, bank details, tax and withholding, contacts, notes.

Built on the receivables record form (ui/receivables/record_dialog.py: Save with the version read, the
conflict dialog, read-only for users who may not change vendors) and its fields (payment terms in
words, the contacts grid, the address fields). Bank details are encrypted: a user without the data key
sees them masked and cannot change them (the page says why); a mistyped IBAN is named in a dialog.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core import bank_details
from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.payables.vendors import ContactInput, VendorInput, VendorRecord, VendorService
from paksa_desktop.receivables.models import AddressKind
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.security.permissions import Permission
from ui.audit.attachments import show_attachments
from ui.hub import Hub
from ui.models.account_choices import AccountChoices
from ui.receivables.customer_dialog import AddressFields, ContactsPage, PartyDialog
from ui.receivables.fields import chosen_tax_code, fill_tax_codes, picked_account
from ui.receivables.record_dialog import FormProblem
from ui.style import set_state
from ui.widgets.account_picker import AccountPicker
from ui.widgets.dialogs import field_grid

GENERAL, ADDRESS, BANK, TAX, CONTACTS, NOTES = range(6)  # the form's pages, in order


def expense_picker(hub: Hub) -> AccountPicker:
    """Active postable expense accounts, and asset accounts (a vendor of equipment)."""
    wanted = (AccountType.EXPENSE, AccountType.ASSET)
    accounts = [a for a in hub.account_choices().by_code.values() if a.type in wanted]
    picker = AccountPicker(AccountChoices(accounts), postable_only=True)
    picker.setPlaceholderText("code or name of an expense (or asset) account")
    return picker


class VendorDialog(PartyDialog):
    noun = "vendor"
    entity = "vendor"

    def __init__(self, hub: Hub, record: VendorRecord | None, *, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(hub, record, editable=editable, parent=parent)
        self.resize(860, 600)
        self.setMinimumSize(760, 560)
        base = hub.info().base_currency
        self.bank_readable = record.bank_readable if record is not None else self._holds_key()

        # ---- general (created in Tab order: across, then down)
        self._party_fields(base)
        self.expense_account = expense_picker(hub)
        self.tax_code = QComboBox()
        self.tax_code.setMinimumContentsLength(24)
        self.email = QLineEdit()
        self.email.setPlaceholderText("accounts payable contact address")
        self.phone = QLineEdit()
        self.active = QCheckBox("&Active")
        self.active.setChecked(True)
        self.active.setToolTip("An inactive vendor keeps its bills and payments but is offered for nothing new")
        self.employee = QCheckBox("An &employee (reimbursed for expense claims)")
        self.balance = QLabel("")
        self.balance.setObjectName("vendorBalance")
        self.balance.setProperty("state", "muted")
        general = QWidget()
        grid = field_grid(
            (0, 0, "&Code", self.code, 1),
            (0, 2, "&Name", self.name, 1),
            (1, 0, "C&urrency", self.currency, 1),
            (1, 2, "Payment &terms", self.terms, 1),
            (2, 2, "", self.terms_hint, 1),
            (3, 0, "E&xpense account", self.expense_account, 1),
            (3, 2, "Tax c&ode", self.tax_code, 1),
            (4, 0, "&E-mail", self.email, 1),
            (4, 2, "&Phone", self.phone, 1),
            (5, 0, "", self.active, 1),
            (5, 2, "", self.employee, 1),
            (6, 0, "", self.balance, 3),
        )
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setVerticalSpacing(8)
        general_layout = QVBoxLayout(general)
        general_layout.addLayout(grid)
        general_layout.addStretch(1)

        # ---- address (the customer form's address fields, one address)
        self.address = AddressFields("Address", AddressKind.BILLING)
        address_page = QWidget()
        address_layout = QVBoxLayout(address_page)
        address_layout.addWidget(self.address)
        address_layout.addStretch(1)

        # ---- bank details
        self.iban = QLineEdit()
        self.iban.setObjectName("vendorIban")
        self.iban.setPlaceholderText("e.g. DE89 3704 0044 0532 0130 00")
        self.iban.setMaxLength(42)
        self.iban_hint = QLabel()
        self.iban_hint.setObjectName("ibanHint")
        self.bic = QLineEdit()
        self.bic.setMaxLength(11)
        self.bic.setMaximumWidth(160)
        self.bic.setValidator(QRegularExpressionValidator(QRegularExpression("[A-Za-z0-9]{0,11}"), self.bic))
        self.bic.textEdited.connect(lambda text: self.bic.setText(text.upper()) if text != text.upper() else None)
        self.account_number = QLineEdit()
        self.account_number.setPlaceholderText("a domestic account number, when there is no IBAN")
        self.routing_number = QLineEdit()
        self.routing_number.setMaximumWidth(280)
        self.routing_number.setPlaceholderText("ABA routing number, sort code, BSB")
        bank_page = QWidget()
        bank_form = QFormLayout(bank_page)
        bank_form.setVerticalSpacing(8)
        bank_form.addRow("&IBAN", self.iban)
        bank_form.addRow("", self.iban_hint)
        bank_form.addRow("&BIC", self.bic)
        bank_form.addRow("Account &number", self.account_number)
        bank_form.addRow("&Routing number", self.routing_number)
        self.bank_note = QLabel()
        self.bank_note.setObjectName("bankNote")
        self.bank_note.setWordWrap(True)
        self.bank_note.setProperty("state", "muted")
        bank_form.addRow(self.bank_note)

        # ---- tax and withholding
        self.tax_number = QLineEdit()
        self.tax_number.setMaxLength(50)
        self.tax_number.setPlaceholderText("VAT / EIN / TIN")
        self.withholding = QCheckBox("&Withholding vendor (1099): tax is withheld on payment and reported yearly")
        self.withholding_rate = QLineEdit("0")
        self.withholding_rate.setObjectName("withholdingRate")
        self.withholding_rate.setMaximumWidth(90)
        self.withholding_rate.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,3}([.]\d{0,4})?"), self.withholding_rate)
        )
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.withholding_rate)
        rate_row.addWidget(QLabel("% withheld from each payment (0: reported as a 1099 vendor, nothing withheld)"))
        rate_row.addStretch(1)
        tax_page = QWidget()
        tax_form = QFormLayout(tax_page)
        tax_form.setVerticalSpacing(8)
        tax_form.addRow("Tax nu&mber", self.tax_number)
        tax_form.addRow(self.withholding)
        rate_label = QLabel("Withholding &rate")
        rate_label.setBuddy(self.withholding_rate)
        tax_form.addRow(rate_label, rate_row)
        self.withholding.toggled.connect(self.withholding_rate.setEnabled)
        self.withholding_rate.setEnabled(False)

        # ---- contacts (the customer form's grid) and notes
        self.contacts_page = contacts_page = ContactsPage((190, 150, 220))
        self.contacts, self.contacts_grid = contacts_page.contacts, contacts_page.grid
        self.add_contact_button, self.remove_contact_button = contacts_page.add_button, contacts_page.remove_button
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("anything the team should know: how they invoice, whom to call")

        self.pages = QTabWidget()
        self.pages.setObjectName("vendorPages")
        self.pages.addTab(general, "&General")
        self.pages.addTab(address_page, "A&ddress")
        self.pages.addTab(bank_page, "&Bank details")
        self.pages.addTab(tax_page, "Tax && with&holding")
        self.pages.addTab(contacts_page, "Contact&s")
        self.pages.addTab(self.notes, "N&otes")

        self.attachments_button = QPushButton("Attachments…")
        self.attachments_button.setAutoDefault(False)
        self.attachments_button.setToolTip("Files attached to this vendor (W-9, contract, bank letter)")
        self.attachments_button.clicked.connect(self.show_attachments)
        self.attachments_button.setVisible(record is not None and self.session.can(Permission.DOCUMENT_VIEW))
        self.left_buttons.addWidget(self.attachments_button)

        self.terms.textChanged.connect(self._show_terms)
        self.iban.textChanged.connect(self._show_iban)
        self._tax_code_rows = self._tax_codes()
        fill_tax_codes(self.tax_code, self._tax_code_rows, None)
        if record is not None:
            self.show_record(record)
        else:
            self._show_bank(None)
        self._show_terms()
        self.finish(self.pages)
        (self.name if record is not None else self.code).setFocus()

    # ---- helpers
    def _holds_key(self) -> bool:
        from paksa_desktop.payables.vendors import may_read_bank

        return may_read_bank(self.session.ctx)

    def bank_fields(self) -> tuple[QLineEdit, ...]:
        return (self.iban, self.bic, self.account_number, self.routing_number)

    def read_only_buttons(self) -> list[Any]:
        return [self.attachments_button]

    # ---- showing
    def show_record(self, record: VendorRecord) -> None:
        self.record = record
        data = record.data
        self.bank_readable = record.bank_readable
        self.code.setText(data.code)
        self.name.setText(data.name)
        self.currency.setText(data.currency or "")
        self.terms.setText(data.payment_terms)
        self.expense_account.set_code(data.expense_account)
        fill_tax_codes(self.tax_code, self._tax_code_rows, data.tax_code)
        self.email.setText(data.email)
        self.phone.setText(data.phone)
        self.active.setChecked(record.is_active)
        self.employee.setChecked(data.is_employee)
        places = currency_exponent(data.currency or self.hub.info().base_currency)
        self.balance.setText(
            f"Open balance: {money_text(record.balance, places)} {data.currency} (posted bills less credit notes)"
        )
        self.address.lines.setPlainText(data.address_lines)
        self.address.city.setText(data.city)
        self.address.postal_code.setText(data.postal_code)
        self.address.region.setText(data.region)
        self.address.country.setText(data.country)
        self.tax_number.setText(data.tax_number)
        self.withholding.setChecked(data.withholding)
        self.withholding_rate.setText(f"{data.withholding_rate.normalize():f}")
        self.withholding_rate.setEnabled(data.withholding and self.editable)
        self.notes.setPlainText(data.notes)
        self.contacts.set_rows([(c.name, c.role, c.email, c.phone) for c in data.contacts])
        self._show_bank(record)
        self.setWindowTitle(self.title_for(record) + ("" if self.editable else " (read-only)"))

    def _show_bank(self, record: VendorRecord | None) -> None:
        """Full numbers for a key holder; masked and locked for anyone else (the note says why)."""
        data = record.data if record is not None else None
        self.bic.setText(data.bic if data else "")
        self.routing_number.setText(data.routing_number if data else "")
        if self.bank_readable:
            self.iban.setText(_grouped(data.iban or "") if data else "")
            self.account_number.setText(data.account_number or "" if data else "")
            self.bank_note.setText(
                "IBAN and account number are stored encrypted with the company data key; lists show their "
                "last four characters. Payment files use the IBAN and BIC."
            )
        else:
            masked = record.bank if record is not None else ""
            self.iban.setText("")
            self.iban.setPlaceholderText(f"{masked} (encrypted)" if masked else "none on file")
            self.account_number.setPlaceholderText("")
            self.bank_note.setText(
                f"Bank details are encrypted. Your role does not hold the company data key "
                f"({Permission.SENSITIVE_READ.value}), so you see only the last four characters and cannot change "
                "the IBAN, account number, BIC or routing number; ask a key holder (such as the treasurer)."
            )
            for edit in self.bank_fields():
                edit.setReadOnly(True)
                edit.setEnabled(False)
        set_state(self.bank_note, "muted")
        self._show_iban()

    def title_for(self, record: Any | None) -> str:
        return f"Vendor {record.code} — {record.name}" if record is not None else "New vendor"

    def _show_iban(self) -> None:
        """As the IBAN is typed: whether its check digits hold (nothing said while it is empty)."""
        text = self.iban.text().strip()
        if not text or not self.bank_readable:
            self.iban_hint.setText("")
            return
        try:
            value = bank_details.normalise_iban(text)
        except ValidationError as exc:
            self.iban_hint.setText(str(exc)[:1].upper() + str(exc)[1:])
            set_state(self.iban_hint, "bad")
        else:
            self.iban_hint.setText(f"Valid {value[:2]} IBAN")
            set_state(self.iban_hint, "ok")

    # ---- contacts and attachments
    def show_attachments(self) -> None:
        if self.record is not None:
            show_attachments(self.session, "vendor", self.record.code, self.windowTitle(), self)

    # ---- saving
    def read_input(self) -> VendorInput:
        account = None
        try:
            account = picked_account(self.expense_account, "Expense account")
        except FormProblem:
            self.pages.setCurrentIndex(GENERAL)
            raise
        rate_text = self.withholding_rate.text().strip() or "0"
        try:
            rate = Decimal(rate_text)
        except InvalidOperation:
            self.pages.setCurrentIndex(TAX)
            raise FormProblem(f"Withholding rate: '{rate_text}' is not a percentage") from None
        iban = account_number = None
        if self.bank_readable:
            iban = self.iban.text().strip()
            account_number = self.account_number.text().strip()
            if iban:
                try:
                    bank_details.normalise_iban(iban)
                except ValidationError as exc:
                    self.pages.setCurrentIndex(BANK)
                    self.iban.setFocus()
                    QMessageBox.warning(self, self.windowTitle(), f"IBAN: {exc}")
                    raise FormProblem(f"IBAN: {exc}") from None
        self.contacts_page.finish_typing()
        return VendorInput(
            code=self.code.text().strip(),
            name=self.name.text().strip(),
            currency=self.currency.text().strip().upper() or None,
            payment_terms=self.terms.text().strip(),
            expense_account=account,
            tax_code=chosen_tax_code(self.tax_code),
            tax_number=self.tax_number.text().strip(),
            email=self.email.text().strip(),
            phone=self.phone.text().strip(),
            address_lines=self.address.lines.toPlainText().strip(),
            city=self.address.city.text().strip(),
            postal_code=self.address.postal_code.text().strip(),
            region=self.address.region.text().strip(),
            country=self.address.country.text().strip().upper(),
            iban=iban,
            bic=self.bic.text().strip().upper(),
            account_number=account_number,
            routing_number=self.routing_number.text().strip(),
            withholding=self.withholding.isChecked(),
            withholding_rate=rate if self.withholding.isChecked() else Decimal(0),
            is_employee=self.employee.isChecked(),
            notes=self.notes.toPlainText().strip(),
            contacts=tuple(ContactInput(*row) for row in self.contacts.rows()),
            is_active=self.active.isChecked(),
        )

    def record_service(self) -> VendorService:
        return self.session.vendors

    def create(self, service: VendorService, data: VendorInput) -> Changes:
        return service.add(data)

    def update(self, service: VendorService, code: str, data: VendorInput, version: int) -> Changes:
        return service.update(code, data, version=version)

    def fetch(self, code: str) -> VendorRecord:
        return self.session.vendors.get(code)


def _grouped(iban: str) -> str:
    """An IBAN in groups of four, as it is printed and read aloud."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def vendor_dialog(hub: Hub, code: str | None, *, editable: bool, parent: QWidget | None = None) -> VendorDialog:
    """The form for vendor `code` as it is now (with its contacts), or a new one."""
    record = hub.session.vendors.get(code) if code is not None else None
    return VendorDialog(hub, record, editable=editable, parent=parent)
