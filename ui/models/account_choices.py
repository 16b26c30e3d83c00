"""Accounts as the user types them: '1100', '1100 — Operating bank account' or the exact name."""

from __future__ import annotations

from collections.abc import Sequence

from paksa_desktop.ledger.queries import AccountRow

SEPARATOR = " — "


class AccountChoices:
    """Look-up from what was typed to an account code, and the labels a completer offers."""

    def __init__(self, accounts: Sequence[AccountRow]) -> None:
        self.by_code = {a.code: a for a in accounts}
        self._by_name = {a.name.casefold(): a for a in accounts}
        self._by_id = {a.id: a for a in accounts}

    def label(self, code: str) -> str:
        account = self.by_code.get(code)
        return f"{account.code}{SEPARATOR}{account.name}" if account else code

    def by_id(self, account_id: int) -> AccountRow | None:
        return self._by_id.get(account_id)

    def postable_labels(self) -> list[str]:
        """Active leaf accounts only: the ones an entry line may use."""
        return [self.label(a.code) for a in self.by_code.values() if a.is_active and a.is_leaf]

    def all_labels(self) -> list[str]:
        return [self.label(a.code) for a in self.by_code.values()]

    def resolve(self, text: str) -> str | None:
        """The code meant by `text`, or None if it names no account."""
        text = text.strip()
        if not text:
            return None
        if text in self.by_code:
            return text
        code = text.split(SEPARATOR, 1)[0].strip() if SEPARATOR in text else text.split(" ", 1)[0]
        if code in self.by_code and (SEPARATOR in text or text == code):
            return code
        found = self._by_name.get(text.casefold())
        return found.code if found else None

    def problem(self, code: str) -> str | None:
        """Why a line cannot post to this account, in the words the ledger would use."""
        account = self.by_code.get(code)
        if account is None:
            return f"unknown account '{code}'"
        if not account.is_active:
            return f"account {code} is inactive"
        if not account.is_leaf:
            return f"account {code} is a parent account; post to one of its sub-accounts"
        return None
