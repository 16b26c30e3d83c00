"""Pick an account by typing its code or any part of its name ('code — name' completer)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from ui.models.account_choices import AccountChoices


def string_completer(strings: list[str], parent: QWidget | None = None) -> QCompleter:
    """A completer over `strings` that owns its list: a model without a Qt parent is deleted as soon as
    Python drops it (PySide6 6.11), leaving a completer that silently offers nothing."""
    completer = QCompleter(parent)
    completer.setModel(QStringListModel(strings, completer))
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return completer


def account_completer(labels: list[str], parent: QWidget | None = None) -> QCompleter:
    """Matches anywhere in 'code — name', case-insensitively, so '1100' and 'bank' both find it."""
    completer = string_completer(labels, parent)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setMaxVisibleItems(14)
    return completer


class AccountPicker(QLineEdit):
    """A line edit that knows the chart: `code()` is the account meant, or None."""

    accountChosen = Signal(str)

    def __init__(
        self, choices: AccountChoices | None = None, *, postable_only: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setPlaceholderText("code or name")
        self.postable_only = postable_only
        self.choices = AccountChoices([])
        if choices is not None:
            self.set_choices(choices)
        self.returnPressed.connect(self._commit)

    def set_choices(self, choices: AccountChoices) -> None:
        self.choices = choices
        labels = choices.postable_labels() if self.postable_only else choices.all_labels()
        completer = account_completer(labels, self)
        completer.activated.connect(self._chosen_from_popup)
        self.setCompleter(completer)

    def code(self) -> str | None:
        return self.choices.resolve(self.text())

    def set_code(self, code: str | None) -> None:
        self.setText(self.choices.label(code) if code else "")

    def _chosen_from_popup(self, text: str) -> None:
        self.setText(text)
        self._commit()

    def _commit(self) -> None:
        code = self.code()
        if code is not None:
            self.set_code(code)
            self.accountChosen.emit(code)
