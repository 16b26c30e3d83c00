"""The line between a main window's tabs: what changed, and where a drill-down wants to go."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject, Signal

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.ledger.queries import CodeName, CompanyInfo
from paksa_desktop.receivables.queries import TaxCodeView
from ui.models.account_choices import AccountChoices
from ui.session import AppSession


class Hub(QObject):
    """Views emit requests and changes here; the main window and the tabs listen."""

    changed = Signal(object)  # Changes returned by a service
    entryRequested = Signal(int)  # open this journal entry
    newEntryRequested = Signal()
    copyEntryRequested = Signal(int)  # a new entry with this entry's header and lines
    accountLedgerRequested = Signal(int, object, object)  # account id, start date or None, end date or None

    def __init__(self, session: AppSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._info: CompanyInfo | None = None
        self._choices: AccountChoices | None = None
        self._journals: list[CodeName] | None = None
        self._tax_codes: list[TaxCodeView] | None = None

    def info(self) -> CompanyInfo:
        """Name, currency and lock date of the company; re-read after a company or period change."""
        if self._info is None:
            self._info = self.session.queries.company()
        return self._info

    @property
    def exponent(self) -> int:
        return self.info().exponent

    def account_choices(self) -> AccountChoices:
        """The chart for pickers and completers, without balances (instant on any ledger size)."""
        if self._choices is None:
            self._choices = AccountChoices(self.session.queries.accounts(with_balances=False))
        return self._choices

    def journals(self) -> list[CodeName]:
        if self._journals is None:
            self._journals = self.session.queries.journals()
        return list(self._journals)

    def tax_codes(self) -> list[TaxCodeView]:
        """Sales tax codes for the pickers of customers and items (inactive ones too: a record may keep one)."""
        if self._tax_codes is None:
            self._tax_codes = self.session.receivables_queries.tax_codes()
        return list(self._tax_codes)

    def forget(self) -> None:
        """Drop every cached look-up (F5: re-read everything)."""
        self._info = None
        self._choices = None
        self._journals = None
        self._tax_codes = None

    def broadcast(self, changes: Changes | None) -> None:
        if changes:
            if Kind.COMPANY in changes or Kind.PERIODS in changes:
                self._info = None
            if Kind.ACCOUNTS in changes:
                self._choices = None
            if Kind.JOURNALS in changes:
                self._journals = None
            if Kind.TAX_CODES in changes or Kind.ACCOUNTS in changes:
                self._tax_codes = None
            self.changed.emit(changes)

    def open_entry(self, entry_id: int) -> None:
        self.entryRequested.emit(entry_id)

    def copy_entry(self, entry_id: int) -> None:
        self.copyEntryRequested.emit(entry_id)

    def open_account_ledger(self, account_id: int, start: date | None = None, end: date | None = None) -> None:
        self.accountLedgerRequested.emit(account_id, start, end)
