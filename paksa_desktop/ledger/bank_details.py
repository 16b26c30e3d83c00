"""A bank account's number or IBAN: a sensitive field, stored encrypted with the company data key.

Only a user holding the data key (a role with `security.sensitive.read`, key granted) can set or read
it; the audit trail records that it changed, never the number.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.ledger.models import Account, AccountSubtype
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security import field_crypto
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission

COLUMN = "accounts.bank_account_number"


def normalise_account_number(text: str) -> str:
    """Spaces out, upper case; an IBAN (two letters, two digits first) must pass its mod-97 check."""
    value = "".join(text.split()).upper()
    if not value or len(value) > 34 or not value.isalnum():
        raise ValidationError("a bank account number has 1 to 34 letters and digits")
    if value[:2].isalpha() and value[2:4].isdigit():
        digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
        if len(value) < 15 or int(digits) % 97 != 1:
            raise ValidationError("the IBAN's check digits are wrong; check for a typing mistake")
    return value


@retry_writes
class BankDetailsService:
    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    def set_bank_account_number(self, code: str, number: str | None) -> Changes:
        """Set (or clear, with None) the number of a bank account; one audited transaction."""
        self.ctx.require(Permission.ACCOUNT_MANAGE)
        self.ctx.require(Permission.SENSITIVE_READ)
        key = field_crypto.require_key(self.ctx)
        value = None if number is None else normalise_account_number(number)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            account = s.execute(select(Account).where(Account.code == code)).scalar_one_or_none()
            if account is None:
                raise NotFoundError(f"unknown account '{code}'")
            if account.subtype != AccountSubtype.BANK:
                raise ValidationError(f"account {code} is not a bank account (subtype bank)")
            had = account.bank_account_number is not None
            account.bank_account_number = None if value is None else field_crypto.encrypt(key, value, COLUMN)
            change = "cleared" if value is None else ("changed" if had else "set")
            trail.record(s, self.ctx, "update", "account", code, after={"bank_account_number": change})
            uow.commit()
        return Changes.of(Kind.ACCOUNTS)

    def bank_account_number(self, code: str) -> str | None:
        """The decrypted number, for a key holder only; a damaged value raises DecryptionError."""
        self.ctx.require(Permission.LEDGER_VIEW)
        self.ctx.require(Permission.SENSITIVE_READ)
        key = field_crypto.require_key(self.ctx)
        with UnitOfWork(self.engine, write=False) as uow:
            row = uow.session.execute(select(Account.bank_account_number).where(Account.code == code)).one_or_none()
        if row is None:
            raise NotFoundError(f"unknown account '{code}'")
        return None if row[0] is None else field_crypto.decrypt(key, row[0], COLUMN)
