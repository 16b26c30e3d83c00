"""Create or edit an account. Code, type and parent are fixed once the account exists.

A bank account also takes its account number or IBAN, an encrypted field: shown only to users who
hold the company data key.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPlainTextEdit, QWidget

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import ConflictError, PaksaError
from paksa_desktop.ledger.bank_details import BankDetailsService, normalise_account_number
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType
from paksa_desktop.ledger.queries import AccountRow
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.security.permissions import Permission
from ui.errors import attempt, show_error
from ui.models.accounts_tree_model import subtype_label
from ui.session import AppSession
from ui.widgets.conflict_dialog import ConflictDialog
from ui.widgets.dialogs import button_box, form, inline_error, note, show_inline, stack


class AccountDialog(QDialog):
    """Calls the ledger service on OK; on a refusal the message shows and the dialog stays open."""

    def __init__(
        self,
        session: AppSession,
        accounts: Sequence[AccountRow],
        account: AccountRow | None = None,
        *,
        parent_code: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.account = account
        self.accounts = list(accounts)
        self.changes = Changes()
        self.setWindowTitle("Edit account" if account else "New account")
        self.setMinimumWidth(460)

        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. 6150")
        self.name = QLineEdit()
        self.type = QComboBox()
        for t in AccountType:  # combo data holds plain values: Qt turns enums into str anyway
            self.type.addItem(t.value.capitalize(), t.value)
        self.parent_combo = QComboBox()
        self.subtype = QComboBox()
        for st in AccountSubtype:
            self.subtype.addItem(subtype_label(st.value) or "(none)", st.value)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(60)
        self.bank_number = QLineEdit()
        self.bank_number.setObjectName("bankAccountNumber")
        self.bank_number.setPlaceholderText("account number or IBAN (stored encrypted)")
        self.saved_bank_number: str | None = None
        self.message = inline_error()
        self.may_see_bank_number = session.can(Permission.SENSITIVE_READ) and session.ctx.data_key is not None

        self.fields = form(
            ("&Code", self.code),
            ("&Name", self.name),
            ("&Type", self.type),
            ("&Parent", self.parent_combo),
            ("&Subtype", self.subtype),
            ("&Description", self.description),
            ("&Bank account no.", self.bank_number),
        )
        stack(
            self,
            self.fields,
            self.message,
            note(
                "A parent account groups sub-accounts and cannot take postings itself."
                if account is None
                else "The code, type and parent of an existing account cannot change; create a new account instead.",
                muted=True,
            ),
            button_box(self),
        )

        self.type.currentIndexChanged.connect(self._fill_parents)
        self.subtype.currentIndexChanged.connect(self._show_bank_number)
        if account is not None:
            self._show_account(account)
            for widget in (self.code, self.type, self.parent_combo):
                widget.setEnabled(False)
            self._load_bank_number(account.code)
            self.name.setFocus()
        else:
            if parent_code:
                parent_row = next((a for a in self.accounts if a.code == parent_code), None)
                if parent_row is not None:
                    self.type.setCurrentIndex(self.type.findData(parent_row.type.value))
            self._fill_parents()
            if parent_code:
                self.parent_combo.setCurrentIndex(max(0, self.parent_combo.findData(parent_code)))

        self._show_bank_number()

    def _show_account(self, account: AccountRow) -> None:
        self.account = account
        self.code.setText(account.code)
        self.name.setText(account.name)
        self.type.setCurrentIndex(self.type.findData(account.type.value))
        self._fill_parents()
        self.parent_combo.setCurrentIndex(max(0, self.parent_combo.findData(account.parent_code)))
        self.subtype.setCurrentIndex(self.subtype.findData(account.subtype.value))
        self.description.setPlainText(account.description)

    def _update(self, ledger: LedgerService, code: str, version: int) -> Changes | None:
        """Save the edits; a conflict offers Reload (the account as it is now) or Keep editing."""
        try:
            return ledger.update_account(
                code,
                name=self.name.text(),
                subtype=self.chosen_subtype(),
                description=self.description.toPlainText(),
                expected_version=version,
            )
        except ConflictError as exc:
            if ConflictDialog(exc, self, fallback=f"Account {code}").wants_reload():
                fresh = attempt(self, lambda: self.session.queries.account(code), title=self.windowTitle())
                if fresh is not None:
                    self._show_account(fresh)
            return None
        except Exception as exc:  # shown, never raised into Qt
            show_error(self, exc, title=self.windowTitle())
            return None

    def _show_bank_number(self) -> None:
        is_bank = self.chosen_subtype() == AccountSubtype.BANK
        self.fields.setRowVisible(self.bank_number, is_bank and self.may_see_bank_number)

    def _load_bank_number(self, code: str) -> None:
        if not self.may_see_bank_number or self.account is None or self.account.subtype != AccountSubtype.BANK:
            return
        try:
            self.saved_bank_number = BankDetailsService(
                self.session.company.engine, self.session.ctx
            ).bank_account_number(code)
        except PaksaError as exc:  # a damaged value: say so, never show garbage, and do not overwrite it
            self.bank_number.setEnabled(False)
            show_inline(self.message, f"The bank account number cannot be shown: {exc}")
            return
        self.bank_number.setText(self.saved_bank_number or "")

    def _bank_number_change(self) -> tuple[bool, str | None]:
        """(changed, new value); the number is checked before anything is written."""
        if not self.bank_number.isEnabled() or not self.fields.isRowVisible(self.bank_number):
            return False, None
        text = self.bank_number.text().strip() or None
        new = None if text is None else normalise_account_number(text)
        return new != self.saved_bank_number, new

    def chosen_type(self) -> AccountType:
        return AccountType(self.type.currentData())

    def chosen_subtype(self) -> AccountSubtype:
        return AccountSubtype(self.subtype.currentData() or "")

    def _fill_parents(self) -> None:
        chosen = self.chosen_type()
        current = self.parent_combo.currentData()
        self.parent_combo.clear()
        self.parent_combo.addItem("(none: a top-level account)", None)
        for a in self.accounts:
            if a.type == chosen and (self.account is None or a.code != self.account.code):
                self.parent_combo.addItem(f"{a.code} — {a.name}", a.code)
        index = self.parent_combo.findData(current)
        self.parent_combo.setCurrentIndex(max(0, index))

    def accept(self) -> None:
        ledger = self.session.ledger
        bank = attempt(self, self._bank_number_change, title=self.windowTitle())
        if bank is None:
            return
        if self.account is None:
            data = AccountInput(
                code=self.code.text().strip(),
                name=self.name.text().strip(),
                type=self.chosen_type(),
                parent=self.parent_combo.currentData(),
                subtype=self.chosen_subtype(),
                description=self.description.toPlainText(),
            )
            changes = attempt(self, lambda: ledger.create_account(data), title=self.windowTitle())
        else:
            changes = self._update(ledger, self.account.code, self.account.version)
        if changes is None:
            return
        self.changes = changes
        changed, number = bank
        if changed:
            code = self.code.text().strip()
            service = BankDetailsService(self.session.company.engine, self.session.ctx)
            more = attempt(self, lambda: service.set_bank_account_number(code, number), title=self.windowTitle())
            if more is not None:  # else the account stands and the message said why the number did not
                self.changes = self.changes | more
        super().accept()
