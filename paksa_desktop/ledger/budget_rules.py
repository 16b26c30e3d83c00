"""The rules a budget amount obeys, shared by typed cells, copied actuals and imported files.

Budgets are entered in *natural sign* (what a finance team types: revenue 1000 means a credit of
1000) and stored in *ledger sign* (debit > 0, credit < 0) like the posted lines they are compared
with. Which sign flips depends only on the account's type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from paksa_desktop.ledger.models import AccountType

# Account types whose balance is normally a credit: a positive budget there is a credit.
CREDIT_NATURE = frozenset({AccountType.INCOME, AccountType.LIABILITY, AccountType.EQUITY})
# Income and expense: what "copy from actuals" copies unless asked for every account.
RESULT_TYPES = frozenset({AccountType.INCOME, AccountType.EXPENSE})
# Budget amounts stay well inside a BIGINT, so a year's or a department's total never overflows a sum.
MAX_MINOR = 10**15 - 1
MAX_NAME = 100


def ledger_sign(account_type: AccountType) -> int:
    """+1 where a positive budget is a debit (assets, expenses); -1 where it is a credit."""
    return -1 if account_type in CREDIT_NATURE else 1


def parse_month(text: str) -> date | str:
    """'2025-03' (or a full date such as Excel's 2025-03-01) -> the first of that month; else the reason."""
    text = text.strip()
    try:
        if len(text) == 7:
            return date.fromisoformat(f"{text}-01")
        if len(text) == 10:
            return date.fromisoformat(text).replace(day=1)
    except ValueError:
        pass
    return f"'{text}' is not a month in the form YYYY-MM" if text else "required"


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "a budget needs a name"
    if len(name.strip()) > MAX_NAME:
        return f"a budget name has at most {MAX_NAME} characters"
    return None


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    name: str
    type: AccountType
    is_active: bool
    is_leaf: bool

    @property
    def sign(self) -> int:
        return ledger_sign(self.type)


@dataclass(frozen=True, slots=True)
class DimensionRef:
    id: int
    code: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What checking a cell needs, read once per unit of work: accounts, departments, projects, currency."""

    accounts: dict[str, AccountRef]
    departments: dict[str, DimensionRef]
    projects: dict[str, DimensionRef]
    currency: str
    exponent: int

    def account(self, code: str, *, clearing: bool = False) -> AccountRef | str:
        """The account, or why it takes no budget. Clearing (amount zero) is allowed on any known account,
        so amounts left on an account that was since deactivated or given sub-accounts can be removed."""
        found = self.accounts.get(code)
        if found is None:
            return f"unknown account '{code}'" if code else "required"
        if clearing:
            return found
        if not found.is_active:
            return f"account {code} is inactive"
        if not found.is_leaf:
            return f"account {code} is a parent account; budget its sub-accounts"
        return found

    def department(self, code: str) -> DimensionRef | str:
        return _dimension(self.departments, "department", code)

    def project(self, code: str) -> DimensionRef | str:
        return _dimension(self.projects, "project", code)

    def amount_problem(self, minor: int) -> str | None:
        if abs(minor) > MAX_MINOR:
            return f"is too large (at most {MAX_MINOR // 10**self.exponent:,} {self.currency})"
        return None


def _dimension(known: dict[str, DimensionRef], label: str, code: str) -> DimensionRef | str:
    found = known.get(code)
    if found is None:
        return f"unknown {label} '{code}'"
    if not found.is_active:
        return f"{label} {code} is inactive"
    return found
