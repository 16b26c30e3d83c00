"""Coded records as the user types them in a grid cell: 'VAT20', 'vat20', 'VAT20 — Standard rate', the exact
name, or any unambiguous part of 'code — name'. The account picker's rules (AccountChoices), for items, tax
codes, departments and projects, and for accounts through `for_accounts`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ui.models.account_choices import SEPARATOR, AccountChoices


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    name: str
    is_active: bool = True


class CodeChoices:
    """Look-up from what was typed to a code, the labels a completer offers, and why a code cannot be used."""

    def __init__(
        self,
        choices: Iterable[Choice],
        noun: str,
        *,
        problem: Callable[[str], str | None] | None = None,
    ) -> None:
        self.noun = noun
        self.by_code = {c.code: c for c in choices}
        self._by_folded = {code.casefold(): code for code in self.by_code}
        self._by_name = {c.name.casefold(): c.code for c in self.by_code.values() if c.name}
        self._problem = problem

    @classmethod
    def for_accounts(cls, accounts: AccountChoices) -> CodeChoices:
        """The chart as the entry grid's account picker sees it: offered are active leaf accounts, and a
        parent or inactive account is named as such (AccountChoices.problem)."""
        rows = [Choice(a.code, a.name, a.is_active and a.is_leaf) for a in accounts.by_code.values()]
        return cls(rows, "account", problem=accounts.problem)

    def label(self, code: str) -> str:
        found = self.by_code.get(code)
        return f"{found.code}{SEPARATOR}{found.name}" if found and found.name else code

    def name(self, code: str) -> str:
        found = self.by_code.get(code)
        return found.name if found else ""

    def labels(self) -> list[str]:
        """What the completer offers: active records only."""
        return [self.label(c.code) for c in self.by_code.values() if c.is_active]

    def resolve(self, text: str) -> str | None:
        """The code meant by `text` (exactly, whatever the case, as a label or by its exact name), or None."""
        text = text.strip()
        if not text:
            return None
        if text in self.by_code:
            return text
        head = text.split(SEPARATOR, 1)[0].strip() if SEPARATOR in text else text
        found = self._by_folded.get(head.casefold())
        if found is not None:
            return found
        return self._by_name.get(text.casefold())

    def complete(self, text: str) -> str:
        """Left the cell after typing: the code meant, else the one active record whose label contains what
        was typed, else the text as typed (marked unknown by `problem`)."""
        code = self.resolve(text)
        if code is not None:
            return code
        needle = text.strip().casefold()
        matches = [c.code for c in self.by_code.values() if c.is_active and needle in self.label(c.code).casefold()]
        return matches[0] if len(matches) == 1 else text.strip()

    def problem(self, text: str) -> str | None:
        """Why a line cannot use this code, in the words the service would use; None when it can."""
        code = self.resolve(text) or text.strip()
        if self._problem is not None:
            return self._problem(code)
        found = self.by_code.get(code)
        if found is None:
            return f"unknown {self.noun} '{text.strip()}'"
        if not found.is_active:
            return f"{self.noun} {code} is inactive"
        return None
