"""The company's payables settings: control and default accounts, journals, series, approval policy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import from_minor, to_minor
from paksa_desktop.ledger.models import Account, Journal
from paksa_desktop.ledger.posting import Poster, PostingFacts
from paksa_desktop.payables.models import PayablesSettings
from paksa_desktop.receivables.settings import coded_values, stored_codes
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

# The standard chart's accounts and journals for each setting (the same as migration 0019 seeds).
STANDARD_ACCOUNTS = {
    "payable_account": "2010",
    "employee_payable_account": "2100",
    "expense_account": "6130",
    "input_tax_account": "1450",
    "discount_account": "5010",
    "withholding_account": "2210",
    "fx_gain_account": "4120",
    "fx_loss_account": "7020",
}
STANDARD_JOURNALS = {"purchases_journal": "PUR", "payments_journal": "CSH"}
ACCOUNT_FIELDS = tuple(STANDARD_ACCOUNTS)
JOURNAL_FIELDS = tuple(STANDARD_JOURNALS)
SERIES_FIELDS = ("bill_series", "credit_note_series", "payment_series", "claim_series")


@dataclass(frozen=True, slots=True)
class SettingsInput:
    """Account and journal codes, series prefixes and the approval policy, as a settings form holds them."""

    payable_account: str
    employee_payable_account: str
    expense_account: str
    input_tax_account: str
    discount_account: str
    withholding_account: str
    fx_gain_account: str
    fx_loss_account: str
    purchases_journal: str = "PUR"
    payments_journal: str = "CSH"
    bill_series: str = "BILL"
    credit_note_series: str = "VCN"
    payment_series: str = "PMT"
    claim_series: str = "EXP"
    approval_threshold: Decimal | None = None  # base currency; None: every bill needs an approver
    duplicate_days: int = 7


@dataclass(frozen=True, slots=True)
class Settings:
    """The stored settings with ids resolved (what the services post with)."""

    payable_account_id: int
    employee_payable_account_id: int
    expense_account_id: int
    input_tax_account_id: int
    discount_account_id: int
    withholding_account_id: int
    fx_gain_account_id: int
    fx_loss_account_id: int
    purchases_journal_id: int
    payments_journal_id: int
    bill_series: str
    credit_note_series: str
    payment_series: str
    claim_series: str
    approval_threshold: int | None  # base minor units
    duplicate_days: int
    version: int


NOT_SET_UP = (
    "payables are not set up for this company: choose the payable control account and the other "
    "payables accounts first (Payables > Settings)"
)


def load_settings(s: Session) -> Settings:
    row = s.execute(select(PayablesSettings)).scalar_one_or_none()
    if row is None:
        raise ValidationError(NOT_SET_UP)
    return Settings(**{f.name: getattr(row, f.name) for f in fields(Settings)})


def settings_input(s: Session) -> SettingsInput | None:
    """The stored settings as codes (what a settings form shows), None when not set up."""
    row = s.execute(select(PayablesSettings)).scalar_one_or_none()
    if row is None:
        return None
    codes, exponent = stored_codes(s, row, ACCOUNT_FIELDS, JOURNAL_FIELDS)
    return SettingsInput(
        **codes,
        **{name: getattr(row, name) for name in SERIES_FIELDS},
        approval_threshold=None if row.approval_threshold is None else from_minor(row.approval_threshold, exponent),
        duplicate_days=row.duplicate_days,
    )


def standard_settings(s: Session) -> SettingsInput | None:
    """Settings naming the standard chart's accounts, when the company has them all."""
    accounts = set(s.execute(select(Account.code)).scalars())
    journals = set(s.execute(select(Journal.code)).scalars())
    if not set(STANDARD_ACCOUNTS.values()) <= accounts or not set(STANDARD_JOURNALS.values()) <= journals:
        return None
    return SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS)


class PayablesSetup(GuardedService):
    """Reading and changing the payables settings (changing them needs `company.manage`)."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    def settings(self) -> SettingsInput | None:
        with self._read(Permission.AP_VIEW) as s:
            return settings_input(s)

    def use_standard_settings(self) -> bool:
        """Take the standard chart's accounts and journals, when the company has them all."""
        with self._read(Permission.COMPANY_MANAGE) as s:
            standard = standard_settings(s)
        if standard is None:
            return False
        self.update_settings(standard)
        return True

    def update_settings(self, data: SettingsInput) -> Changes:
        with self._unit(Permission.COMPANY_MANAGE) as s:
            poster = Poster(s, self.ctx, self.facts)
            values, problems = coded_values(s, poster, data, ACCOUNT_FIELDS, JOURNAL_FIELDS, SERIES_FIELDS)
            if len({values.get(n) for n in SERIES_FIELDS}) < len(SERIES_FIELDS):
                problems.append("the bill, credit note, payment and claim series must differ")
            if data.duplicate_days < 0:
                problems.append("duplicate window: must not be negative days")
            values["duplicate_days"] = data.duplicate_days
            values["approval_threshold"] = None
            if data.approval_threshold is not None:
                try:
                    values["approval_threshold"] = to_minor(data.approval_threshold, poster.exponent)
                    if values["approval_threshold"] < 0:
                        problems.append("approval threshold: must not be negative")
                except ValidationError as exc:
                    problems.append(f"approval threshold: {exc}")
            if problems:
                raise ValidationError("payables settings: " + "; ".join(problems))
            row = s.execute(select(PayablesSettings)).scalar_one_or_none()
            before = None
            if row is None:
                row = PayablesSettings(id=1)
                s.add(row)
            else:
                before = {k: getattr(row, k) for k in values}
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            after = {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(data).items()}
            trail.record(s, self.ctx, "update", "payables_settings", 1, before=before, after=after)
        return Changes.of(Kind.COMPANY)
