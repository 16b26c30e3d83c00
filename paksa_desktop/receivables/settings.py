"""The company's receivables settings: control and default accounts, journals, series, credit policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import Account, CompanySettings, Journal
from paksa_desktop.receivables.models import CreditPolicy, ReceivablesSettings

if TYPE_CHECKING:
    from paksa_desktop.ledger.posting import Poster

# The standard chart's accounts and journals for each setting (the same as migration 0010 seeds).
STANDARD_ACCOUNTS = {
    "receivable_account": "1200",
    "income_account": "4010",
    "discount_account": "4030",
    "write_off_account": "6210",
    "bad_debt_account": "6220",
    "fx_gain_account": "4120",
    "fx_loss_account": "7020",
    "fee_account": "4110",
}
STANDARD_JOURNALS = {"sales_journal": "SAL", "receipts_journal": "CSH"}


@dataclass(frozen=True, slots=True)
class SettingsInput:
    """Account and journal codes, series prefixes and the credit policy."""

    receivable_account: str
    income_account: str
    discount_account: str
    write_off_account: str
    bad_debt_account: str
    fx_gain_account: str
    fx_loss_account: str
    fee_account: str
    sales_journal: str = "SAL"
    receipts_journal: str = "CSH"
    invoice_series: str = "INV"
    credit_note_series: str = "CN"
    receipt_series: str = "RCT"
    write_off_tolerance: Decimal = Decimal(0)  # base currency: differences up to this are written off
    credit_policy: CreditPolicy = CreditPolicy.WARN
    overdue_days: int = 60
    payment_instructions: str = ""  # printed on invoices and statements: bank, account, reference to quote


ACCOUNT_FIELDS = tuple(STANDARD_ACCOUNTS)
JOURNAL_FIELDS = tuple(STANDARD_JOURNALS)
SERIES_FIELDS = ("invoice_series", "credit_note_series", "receipt_series")


def stored_codes(
    s: Session, row: object, accounts: Sequence[str], journals: Sequence[str]
) -> tuple[dict[str, str], int]:
    """A stored settings row's account and journal ids as the form's codes (the reverse of `coded_values`),
    and the exponent of the base currency its amounts are in."""
    account_codes = dict(s.execute(select(Account.id, Account.code)).all())
    journal_codes = dict(s.execute(select(Journal.id, Journal.code)).all())
    codes = {name: account_codes[getattr(row, f"{name}_id")] for name in accounts}
    codes.update({name: journal_codes[getattr(row, f"{name}_id")] for name in journals})
    exponent = currency_exponent(s.execute(select(CompanySettings.base_currency)).scalar_one())
    return codes, exponent


def coded_values(
    s: Session, poster: Poster, data: object, accounts: Sequence[str], journals: Sequence[str], series: Sequence[str]
) -> tuple[dict[str, Any], list[str]]:
    """A settings form's account and journal codes as ids (`<field>_id`) and its series prefixes checked,
    with every problem named by its field: what the receivables and the payables settings store first."""
    values: dict[str, Any] = {}
    problems = []
    for name in accounts:
        code = getattr(data, name).strip()
        problem = poster.account_problem(code)
        if problem:
            problems.append(f"{name.replace('_', ' ')}: {problem}")
        else:
            values[f"{name}_id"] = poster.accounts[code].id
    active = dict(s.execute(select(Journal.code, Journal.id).where(Journal.is_active)).all())
    for name in journals:
        code = getattr(data, name).strip()
        if code not in active:
            problems.append(f"{name.replace('_', ' ')}: unknown or inactive journal '{code}'")
        else:
            values[f"{name}_id"] = active[code]
    for name in series:
        prefix = getattr(data, name).strip()
        if not prefix or len(prefix) > 16 or not prefix.replace("-", "").isalnum():
            problems.append(f"{name.replace('_', ' ')}: '{prefix}' must be 1-16 letters or digits")
        values[name] = prefix
    return values, problems


@dataclass(frozen=True, slots=True)
class Settings:
    """The stored settings with ids resolved (what the services post with)."""

    receivable_account_id: int
    income_account_id: int
    discount_account_id: int
    write_off_account_id: int
    bad_debt_account_id: int
    fx_gain_account_id: int
    fx_loss_account_id: int
    fee_account_id: int
    sales_journal_id: int
    receipts_journal_id: int
    invoice_series: str
    credit_note_series: str
    receipt_series: str
    write_off_tolerance: int
    credit_policy: CreditPolicy
    overdue_days: int
    payment_instructions: str
    version: int


NOT_SET_UP = (
    "receivables are not set up for this company: choose the receivable control account and the other "
    "receivables accounts first (Receivables > Settings, or `paksa ar settings`)"
)


def load_settings(s: Session) -> Settings:
    row = s.execute(select(ReceivablesSettings)).scalar_one_or_none()
    if row is None:
        raise ValidationError(NOT_SET_UP)
    return Settings(**{f.name: getattr(row, f.name) for f in fields(Settings)})


def settings_input(s: Session) -> SettingsInput | None:
    """The stored settings as codes (what a settings form shows), None when not set up."""
    row = s.execute(select(ReceivablesSettings)).scalar_one_or_none()
    if row is None:
        return None
    codes, exponent = stored_codes(s, row, ACCOUNT_FIELDS, JOURNAL_FIELDS)
    return SettingsInput(
        **codes,
        invoice_series=row.invoice_series,
        credit_note_series=row.credit_note_series,
        receipt_series=row.receipt_series,
        write_off_tolerance=from_minor(row.write_off_tolerance, exponent),
        credit_policy=row.credit_policy,
        overdue_days=row.overdue_days,
        payment_instructions=row.payment_instructions,
    )


def standard_settings(s: Session) -> SettingsInput | None:
    """Settings naming the standard chart's accounts, when the company has them all."""
    accounts = set(s.execute(select(Account.code)).scalars())
    journals = set(s.execute(select(Journal.code)).scalars())
    if not set(STANDARD_ACCOUNTS.values()) <= accounts or not set(STANDARD_JOURNALS.values()) <= journals:
        return None
    return SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS)
