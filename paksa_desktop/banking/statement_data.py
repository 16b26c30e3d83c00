"""A bank statement as read from any file format, before it touches the database.

Every reader (OFX, CAMT, MT940, CSV) produces these plain, immutable values, and everything after
reading (duplicate detection, balance checks, storage, matching) works on them alone, so a new format
is one reader and nothing else. Amounts are exact `Decimal` in the statement's currency: positive money
in (a credit on the bank's side), negative money out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One transaction of a statement."""

    booked: date  # booking date (the date the bank posted it)
    amount: Decimal  # signed: + received, - paid out
    description: str = ""
    reference: str = ""  # end-to-end id, payment reference, cheque number: what matching reads first
    bank_id: str = ""  # the bank's own transaction id (FITID, AcctSvcrRef, ...); "" when the format has none
    value_date: date | None = None
    counterparty: str = ""  # name of the payer or payee
    counterparty_account: str = ""  # their IBAN or account number, as given
    kind: str = ""  # the format's transaction code (OFX TRNTYPE, BTC/domain code, MT940 type), as given
    row: int = 0  # where it came from in the file (line or entry number), for messages


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """What one file holds for one account (a file with several accounts yields several of these)."""

    format: str  # "ofx", "camt.053", "camt.052", "camt.054", "mt940", "csv"
    source: str  # the file name, for messages
    account: str = ""  # IBAN or account number as the file gives it ("" if the format has none: CSV)
    currency: str = ""  # ISO 4217 ("" when the file does not say: the bank account's currency applies)
    statement_id: str = ""  # the bank's statement id or sequence, if any
    start: date | None = None
    end: date | None = None
    opening: Decimal | None = None  # the balance before the first line, if the file states it
    closing: Decimal | None = None  # the balance after the last line, if the file states it
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)
    # what the reader noticed but could work around (a CAMT batch whose details do not add up), shown with
    # the import's own warnings
    warnings: tuple[str, ...] = ()

    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def balance_problem(self) -> str | None:
        """Why the stated balances disagree with the lines (None when they agree or are not stated)."""
        if self.opening is None or self.closing is None:
            return None
        expected = self.opening + self.lines_total()
        if expected != self.closing:
            return (
                f"{self.source}: opening balance {self.opening} plus the lines ({self.lines_total()}) is "
                f"{expected}, but the statement's closing balance is {self.closing}"
            )
        return None
