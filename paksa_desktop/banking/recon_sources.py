"""Database-backed `Candidates` sources: what a bank account's statement lines may settle.

Receivables give open invoices (money expected in) and open customer credit (credit notes and receipt
remainders, money that may be refunded out); payables give open bills, vendor credit notes and posted
payment runs not yet cleared (payables/bank_matching.py); the general ledger gives the lines on the bank's
GL account that no bank line has cleared yet. Each factory of `SOURCE_FACTORIES` takes the session, the
bank account and the user, and returns a `Candidates`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from paksa_desktop.banking.candidates import Candidates, ItemSource, OpenItem
from paksa_desktop.banking.models import BankAccount
from paksa_desktop.banking.recon_models import BankLineLink
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import CompanySettings, JournalEntry, JournalLine
from paksa_desktop.payables.bank_matching import PayableCandidates
from paksa_desktop.receivables.document_queries import open_items_query
from paksa_desktop.receivables.models import Customer, DocumentKind
from paksa_desktop.security.context import UserContext


def item_key(kind: str, doc_id: int) -> str:
    """The `OpenItem.id` of a receivables document: its kind and id ("invoice:12")."""
    return f"{kind}:{doc_id}"


def parse_key(key: int | str) -> tuple[str, int]:
    kind, _, doc_id = str(key).partition(":")
    return kind, int(doc_id)


class ReceivableCandidates:
    """Open invoices (+) and open customer credit (-), with the customer's name as counterparty."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def items(self, account_currency: str, as_of: date) -> Iterable[OpenItem]:
        names = {row[0]: row[1] for row in self.s.execute(select(Customer.id, Customer.name))}
        found: list[OpenItem] = []
        for stmt in open_items_query(as_of):
            for r in self.s.execute(stmt):
                kind = r[0].value if isinstance(r[0], DocumentKind) else str(r[0])
                units = int(r[7])
                if units == 0:
                    continue
                label = {"invoice": "", "credit_note": "credit note", "receipt": "receipt"}.get(kind, "")
                found.append(
                    OpenItem(
                        ItemSource.RECEIVABLE,
                        item_key(kind, r[1]),
                        r[2],
                        from_minor(units, currency_exponent(r[6])),
                        r[6],
                        r[4],
                        due=r[5],
                        counterparty=names.get(r[3], ""),
                        label=label,
                    )
                )
        return found


class LedgerCandidates:
    """Posted lines on the bank's GL account that no bank line has cleared yet.

    For a bank account kept in a foreign currency each line is offered for its amount in that currency
    (`amount_cur`, which posting requires on such an account), so it compares with the statement's lines as
    they are; for a base-currency account, for its base amount.
    """

    def __init__(self, s: Session, gl_account_id: int) -> None:
        self.s = s
        self.gl_account_id = gl_account_id

    def items(self, account_currency: str, as_of: date) -> Iterable[OpenItem]:
        base = self.s.execute(select(CompanySettings.base_currency)).scalar_one()
        foreign = account_currency != base
        currency = account_currency if foreign else base
        exponent = currency_exponent(currency)
        cleared = exists().where(BankLineLink.journal_line_id == JournalLine.id)
        amount = JournalLine.amount_cur if foreign else JournalLine.amount
        in_currency = [JournalLine.currency == account_currency] if foreign else []
        rows = self.s.execute(
            select(JournalLine.id, amount, JournalLine.date, JournalLine.memo, JournalEntry.number)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalLine.account_id == self.gl_account_id, JournalLine.date <= as_of, ~cleared, *in_currency)
            .order_by(JournalLine.date, JournalLine.id)
        )
        return [
            OpenItem(
                ItemSource.GL,
                line_id,
                number or f"line {line_id}",
                from_minor(int(units), exponent),
                currency,
                on,
                reference=memo or "",
            )
            for line_id, units, on, memo, number in rows
            if units  # a revaluation's line moves the base value only: nothing the bank will show
        ]


# A factory gets the session, the bank account and the user (whose data key may open vendors' IBANs).
SourceFactory = Callable[[Session, BankAccount, UserContext], Candidates]

# The sources every proposal run asks, in order.
SOURCE_FACTORIES: tuple[SourceFactory, ...] = (
    lambda s, bank, ctx: ReceivableCandidates(s),
    lambda s, bank, ctx: PayableCandidates(s, bank, ctx),
    lambda s, bank, ctx: LedgerCandidates(s, bank.gl_account_id),
)
