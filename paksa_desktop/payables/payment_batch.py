"""What a payment run hands to the bank-file and remittance writers: plain frozen values, no database.

A `PaymentBatch` is one instruction to the bank: pay these vendors from this account on this date. The
writers (`pain001`, `payment_csv`, `remittance_pdf`) read nothing else, so they can be tested, and run
for a proposal, without any payables table. `check_batch` is the one place a batch is judged fit to
send; both file writers call it first and write nothing when it finds a problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from paksa_desktop.core.bank_details import bic_problem, looks_like_iban, normalise_number
from paksa_desktop.core.errors import PaymentFileError, ValidationError
from paksa_desktop.core.money import currency_exponent

REMITTANCE_MAX = 140  # unstructured remittance information (RmtInf/Ustrd) holds at most 140 characters
ID_MAX = 35  # message, payment and end-to-end ids (Max35Text)
AMOUNT_DIGITS = 18  # totalDigits of an amount in the pain.001 schema
# Identifiers keep to the SEPA basic character set, must not start or end with '/' nor contain '//'
# (EPC implementation guidelines): an id is never transliterated or cut, since the bank echoes it back.
_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def cut_remittance(text: str, limit: int = REMITTANCE_MAX) -> str:
    """`text` (whitespace runs made single spaces) cut to `limit` characters at a word boundary.

    The cut never splits a bill number: it falls at the last space, comma or semicolon that fits, and
    trailing separators are dropped ("B-1, B-2, B-3" cut to 9 characters is "B-1, B-2"). A single word
    longer than the limit is cut hard, since nothing else would fit.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if text[limit] in " ,;":
        head = text[:limit]
    else:
        head = text[:limit]
        cut = max(head.rfind(" "), head.rfind(","), head.rfind(";"))
        if cut > 0:
            head = head[:cut]
    return head.rstrip(" ,;") or text[:limit]


def remittance_text(references: Sequence[str], limit: int = REMITTANCE_MAX) -> str:
    """The bills a transfer pays as remittance text: "INV-1, INV-2 and 3 more" when they do not all fit.

    The vendor matches the payment to its invoices by this text, so whole numbers are listed and the
    count of those left out is said, rather than a number cut in half.
    """
    refs = [" ".join(r.split()) for r in references if r.strip()]
    full = ", ".join(refs)
    if len(full) <= limit:
        return full
    for keep in range(len(refs) - 1, 0, -1):
        text = f"{', '.join(refs[:keep])} and {len(refs) - keep} more"
        if len(text) <= limit:
            return text
    return cut_remittance(f"{refs[0]} and {len(refs) - 1} more", limit)


@dataclass(frozen=True, slots=True)
class Party:
    """A payer or payee as a bank file names it: name, account (IBAN), bank (BIC) and postal address."""

    name: str
    iban: str
    bic: str = ""
    address_lines: tuple[str, ...] = ()  # street, then postcode and town, ...
    country: str = ""  # ISO 3166 alpha-2 code, "DE"


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One payment to one vendor.

    `remittance` is the unstructured text the vendor reads on its statement (the bills paid). It holds at
    most 140 characters: a longer text is cut cleanly at construction, at the last word boundary that
    fits (see `cut_remittance`), so what is stored is exactly what every file carries. Build it with
    `remittance_text` to have the bill numbers listed whole with "and N more" for the rest.
    """

    end_to_end_id: str
    creditor: Party
    amount: Decimal
    currency: str
    remittance: str
    vendor_code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "remittance", cut_remittance(self.remittance))

    @property
    def label(self) -> str:
        """How messages name the transfer: the vendor's code and name."""
        name = self.creditor.name.strip() or "(no name)"
        return f"vendor {self.vendor_code} ({name})" if self.vendor_code else f"vendor {name}"


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """A payment run as sent to the bank: one debtor account, one execution date, many transfers."""

    message_id: str
    created_at: datetime
    execution_date: date
    debtor: Party
    initiating_party: str
    transfers: tuple[CreditTransfer, ...]

    @property
    def total(self) -> Decimal:
        """Sum of the amounts (the file's control sum; across currencies it is a checksum, not money)."""
        return sum((t.amount for t in self.transfers), Decimal(0))

    @property
    def count(self) -> int:
        return len(self.transfers)

    def currencies(self) -> list[str]:
        """The currencies paid, in order of first appearance (one payment group each)."""
        return list(dict.fromkeys(t.currency.upper() for t in self.transfers))


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One bill (or credit note, negative) settled by a payment, as the vendor's advice lists it."""

    document: str  # our document number
    vendor_invoice: str  # the vendor's own invoice number
    date: date
    amount: Decimal  # the bill's amount
    discount: Decimal  # early-payment discount taken
    withheld: Decimal  # tax withheld and paid to the authority instead
    paid: Decimal  # what reached the vendor for this bill


@dataclass(frozen=True, slots=True)
class RemittanceAdvice:
    """The letter telling a vendor which of its bills a payment settles."""

    company: Party
    vendor: Party
    vendor_code: str
    payment_date: date
    payment_reference: str
    currency: str
    lines: tuple[RemittanceLine, ...]

    @property
    def total_paid(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), Decimal(0))


# ---------------------------------------------------------------------------------------------- checks


def iban_problem(text: str) -> str | None:
    """Why `text` is not a valid IBAN (country, length, layout, check digits), or None when it is."""
    value = "".join(text.split()).upper()
    if not value:
        return "has no IBAN"
    if not looks_like_iban(value):
        return f"'{text.strip()}' is not an IBAN (a credit transfer file needs the account's IBAN)"
    try:
        normalise_number(value)
    except ValidationError as exc:
        return str(exc)
    return None


def compact_iban(text: str) -> str:
    return "".join(text.split()).upper()


def _id_problem(what: str, value: str) -> str | None:
    if not value:
        return f"{what} is empty"
    if len(value) > ID_MAX:
        return f"{what} '{value}' is longer than {ID_MAX} characters"
    if not _ID.match(value) or value.startswith("/") or value.endswith("/") or "//" in value:
        return (
            f"{what} '{value}' may only hold letters, digits, spaces and / - ? : ( ) . , ' + "
            "(not starting or ending with '/', no '//')"
        )
    return None


def _party_problems(label: str, party: Party) -> list[str]:
    problems = []
    if not party.name.strip():
        problems.append(f"{label}: the name is empty")
    iban = iban_problem(party.iban)
    if iban:
        problems.append(f"{label}: {iban}")
    if party.bic.strip():
        bic = bic_problem(party.bic)
        if bic:
            problems.append(f"{label}: {bic}")
    if party.country and not _COUNTRY.match(party.country):
        problems.append(f"{label}: country '{party.country}' is not a two-letter ISO code such as DE")
    return problems


def amount_problem(amount: Decimal, currency: str) -> str | None:
    """Why `amount` cannot be paid in `currency` (not positive, too many decimals, too long), or None."""
    try:
        exponent = currency_exponent(currency)
    except ValidationError as exc:
        return str(exc)
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return f"amount {amount!r} is not a decimal number"
    if amount <= 0:
        return f"amount {amount} {currency} is not positive (a credit transfer pays out more than zero)"
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        return f"amount {amount} has more than the {exponent} decimals {currency.upper()} allows"
    if len(amount.quantize(Decimal(1).scaleb(-exponent)).as_tuple().digits) > AMOUNT_DIGITS:
        return f"amount {amount} has more than the {AMOUNT_DIGITS} digits a payment file holds"
    return None


def batch_problems(batch: PaymentBatch) -> list[str]:
    """Everything that stops the batch from being sent, one message each naming the vendor concerned."""
    problems: list[str] = []
    msg = _id_problem("message id", batch.message_id)
    if msg:
        problems.append(f"payment batch: {msg}")
    if not batch.initiating_party.strip():
        problems.append("payment batch: the initiating party (the company) has no name")
    problems += _party_problems(f"debtor account ({batch.debtor.name.strip() or 'no name'})", batch.debtor)
    if not batch.transfers:
        problems.append(f"payment batch {batch.message_id}: there are no transfers; nothing to pay")
    repeated = {k for k, n in Counter(t.end_to_end_id for t in batch.transfers).items() if n > 1}
    for number, t in enumerate(batch.transfers, start=1):
        where = f"transfer {number}, {t.label}"
        e2e = _id_problem("end-to-end id", t.end_to_end_id)
        if e2e:
            problems.append(f"{where}: {e2e}")
        elif t.end_to_end_id in repeated:
            problems.append(f"{where}: end-to-end id '{t.end_to_end_id}' is used by another transfer of the batch")
        problems += _party_problems(where, t.creditor)
        amount = amount_problem(t.amount, t.currency)
        if amount:
            problems.append(f"{where}: {amount}")
    return problems


def check_batch(batch: PaymentBatch) -> None:
    """Refuse a batch that a bank would reject (or should never receive), listing every problem."""
    problems = batch_problems(batch)
    if problems:
        raise PaymentFileError(problems)
