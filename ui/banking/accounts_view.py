"""Bank accounts: the list, the account form (new / edit), deactivate, and the Import statement button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QMessageBox, QPushButton, QWidget

from paksa_desktop.banking.accounts import BankAccountInput, BankAccountRow, normalise_number
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.security.permissions import Permission
from ui.banking.base_view import BankingView, bank_queries, bank_service
from ui.errors import attempt
from ui.hub import Hub
from ui.models.columns import Col
from ui.receivables.base_view import RecordListView
from ui.style import icon
from ui.widgets.account_picker import AccountPicker
from ui.widgets.date_edit import OptionalDateEdit
from ui.widgets.dialogs import button_box, form, note, stack

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "CHF", "JPY", "AUD", "SEK", "NOK", "DKK", "PLN")


@dataclass(frozen=True, slots=True)
class AccountItem:
    """A bank account as the record list addresses it (by `code`, its name)."""

    account: BankAccountRow

    @property
    def code(self) -> str:
        return self.account.name

    @property
    def is_active(self) -> bool:
        return self.account.is_active


COLUMNS = (
    Col("name", "Name", lambda r: r.account.name, width=150),
    Col("bank", "Bank", lambda r: r.account.bank_name, width=190),
    Col("number", "Number", lambda r: r.account.number_masked, width=110),
    Col("currency", "Currency", lambda r: r.account.currency, width=84),
    Col("gl", "GL account", lambda r: f"{r.account.gl_account} {r.account.gl_account_name}"),
    Col("profile", "CSV profile", lambda r: "saved" if r.account.import_profile else "", width=100),
    Col("active", "Active", lambda r: "yes" if r.account.is_active else "no", width=64),
)


class BankAccountsView(RecordListView):
    title = "Bank accounts"
    subtitle = (
        "The company's bank accounts and the GL account each one's money sits in. "
        "Enter opens the selected account, Ctrl+N creates one."
    )
    concerns = frozenset({Kind.BANK_ACCOUNTS, Kind.ACCOUNTS})
    noun = "bank account"
    plural = "bank accounts"
    columns = COLUMNS
    stretch = "gl"
    manage = Permission.CASH_ACCOUNT_MANAGE
    search_hint = "name, bank or GL account"
    audit_export = BankingView.audit_export

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.last_wizard: QDialog | None = None

    def add_actions(self) -> None:
        self.import_button = QPushButton(icon("import"), "Import statement…")
        self.import_button.setToolTip("Read a statement file (OFX, CAMT, MT940 or CSV) into the selected account")
        self.import_button.clicked.connect(self.import_statement)
        self.header.add(self.import_button)
        if not self.session.can(Permission.CASH_STATEMENT_IMPORT):
            self.import_button.setToolTip("Your role cannot import statements (cash.statement.import).")

    def update_actions(self, row: AccountItem | None) -> None:
        self.import_button.setEnabled(
            self.session.can(Permission.CASH_STATEMENT_IMPORT) and row is not None and row.is_active
        )

    def refresh(self) -> None:
        queries = bank_queries(self.session)
        self.loader.load(queries.accounts, self._apply)

    def show_rows(self, result: Any) -> list[AccountItem]:
        return [AccountItem(r) for r in result]

    def haystack(self, row: AccountItem) -> tuple[str, ...]:
        a = row.account
        return (a.name, a.bank_name, a.gl_account, a.gl_account_name, a.currency)

    def report_currency(self) -> str:
        return ""

    def dialog(self, row: AccountItem | None) -> QDialog | None:
        return BankAccountDialog(self.hub, row.account if row else None, editable=self.can_manage, parent=self)

    def set_active(self, _service: Any, code: str, active: bool) -> Changes:
        return bank_service(self.session).set_active(code, active)

    def import_statement(self) -> None:
        from ui.banking.import_wizard import ImportWizard

        row = self.current()
        if row is None or not self.session.can(Permission.CASH_STATEMENT_IMPORT):
            return
        wizard = ImportWizard(self.hub, row.account, self)
        self.last_wizard = wizard
        wizard.exec()
        wizard.deleteLater()


class BankAccountDialog(QDialog):
    """New or edit a bank account. The number is checked here first so its field is named; the service
    checks everything again (GL account, currency, names) and a refusal is shown in a dialog."""

    def __init__(
        self, hub: Hub, account: BankAccountRow | None, *, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bankAccountDialog")
        self.hub = hub
        self.session = hub.session
        self.account = account
        self.changes = Changes()
        self.saved_code = ""
        self.setWindowTitle(f"Bank account {account.name}" if account else "New bank account")
        self.name = QLineEdit(account.name if account else "")
        self.bank = QLineEdit(account.bank_name if account else "")
        self.number = QLineEdit()
        self.number.setPlaceholderText(
            f"{account.number_masked}: leave empty to keep it"
            if account and account.number_masked
            else "IBAN or account number"
        )
        self.currency = QComboBox()
        self.currency.setEditable(True)
        base = hub.info().base_currency
        for code in dict.fromkeys((base, *CURRENCIES)):
            self.currency.addItem(code)
        self.currency.setCurrentText(account.currency if account else base)
        self.gl = AccountPicker(hub.account_choices(), postable_only=True)
        if account:
            self.gl.set_code(account.gl_account)
        # where the reconciliation starts, for a ledger older than the first statement (both or neither)
        self.reconciled_from = OptionalDateEdit("none: from the first GL line")
        self.reconciled_from.set_value(account.reconciled_from if account else None)
        self.opening = QLineEdit(
            "" if account is None or account.opening_reconciled is None else str(account.opening_reconciled)
        )
        self.opening.setPlaceholderText("the bank's balance at the end of that day")
        self.opening.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for field in (self.name, self.bank, self.number, self.gl):
            field.setMinimumWidth(320)
            field.setReadOnly(not editable)
        self.opening.setReadOnly(not editable)
        self.currency.setEnabled(editable)
        self.reconciled_from.setEnabled(editable)
        self.buttons = button_box(self, "Save" if editable else "", accept=self.save)
        stack(
            self,
            form(
                ("&Name", self.name),
                ("&Bank", self.bank),
                ("&IBAN / account number", self.number),
                ("&Currency", self.currency),
                ("&GL account", self.gl),
                ("&Reconciled from", self.reconciled_from),
                ("&Opening reconciled balance", self.opening),
            ),
            note(
                "The number is stored encrypted; lists show its last four characters. The GL account is a "
                "postable asset account in the account's currency or the base currency. When the ledger is "
                "older than the first statement, give the last day the bank and the books agreed and the "
                "bank's balance that evening: reconciling then counts only GL lines after it.",
                muted=True,
            ),
            self.buttons,
        )
        if editable:
            QShortcut(QKeySequence.StandardKey.Save, self, self.save)

    def data(self) -> BankAccountInput | None:
        """The form's values, or None after a dialog naming the field that is wrong."""
        typed = self.number.text().strip()
        if typed:
            try:
                normalise_number(typed)
            except ValidationError as exc:
                QMessageBox.warning(self, "Bank account", f"IBAN / account number: {exc}")
                self.number.setFocus()
                return None
        gl = self.gl.code()
        if gl is None:
            QMessageBox.warning(self, "Bank account", f"GL account: '{self.gl.text()}' is not an account of the chart")
            self.gl.setFocus()
            return None
        return BankAccountInput(
            name=self.name.text(),
            gl_account=gl,
            currency=self.currency.currentText(),
            bank_name=self.bank.text(),
            number=typed or (None if self.account else ""),
            import_profile=self.account.import_profile if self.account else None,
        )

    def opening_values(self) -> tuple[date | None, Decimal | None] | None:
        """The opening reconciled date and balance (both or neither), or None after a dialog naming the field."""
        day = self.reconciled_from.value()
        typed = self.opening.text().strip().replace(",", "")
        try:
            balance = Decimal(typed) if typed else None
            if balance is not None and not balance.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            QMessageBox.warning(self, "Bank account", f"Opening reconciled balance: '{typed}' is not an amount")
            self.opening.setFocus()
            return None
        if (day is None) != (balance is None):
            QMessageBox.warning(
                self,
                "Bank account",
                "Reconciled from / Opening reconciled balance: give both (the day and the bank's balance that "
                "evening), or leave both empty",
            )
            (self.opening if balance is None else self.reconciled_from).setFocus()
            return None
        return day, balance

    def save(self) -> None:
        data = self.data()
        opening = self.opening_values() if data is not None else None
        if data is None or opening is None:
            return
        service = bank_service(self.session)
        if self.account is None:
            changes = attempt(self, lambda: service.add(data), title="Bank account")
        else:
            account = self.account
            changes = attempt(
                self, lambda: service.update(account.name, data, version=account.version), title="Bank account"
            )
        if changes is None:
            return
        self.changes = changes
        was = (None, None) if self.account is None else (self.account.reconciled_from, self.account.opening_reconciled)
        if opening != was:  # its own operation: refused while a reconciliation stands (said in a dialog)
            name = data.name.strip()
            if attempt(self, lambda: service.set_opening(name, *opening), title="Bank account") is None:
                self.account = bank_queries(self.session).account(name)  # the rest is saved: edit from there
                return
        self.changes = changes
        self.saved_code = data.name.strip()
        self.accept()
