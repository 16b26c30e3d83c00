"""Bank details as people type them: IBANs, domestic account numbers and BICs, checked and masked.

One home for the rules, shared by bank accounts (banking), vendors (payables) and the payment files:
an IBAN is checked with `schwifty` (country, length, layout and check digits), so a mistyped digit is
caught at entry rather than by the bank; a BIC must be one an ISO 20022 file accepts. A stored number
is shown masked (`•••• 3000`): the full number is encrypted and needs the company data key.
"""

from __future__ import annotations

import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from paksa_desktop.core.errors import ValidationError

_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")  # BICIdentifier of the pain.001 schema


def compact(text: str) -> str:
    """Letters and digits only, upper case: the form numbers are compared in."""
    return "".join(c for c in text if c.isalnum()).upper()


def looks_like_iban(text: str) -> bool:
    value = compact(text)
    return len(value) >= 4 and value[:2].isalpha() and value[2:4].isdigit()


def normalise_number(text: str) -> str:
    """An IBAN (validated: country, length, format, check digits) or a domestic account number.

    A domestic number keeps its letters, digits and the separators banks print ('-', '/', '.'),
    without spaces.
    """
    value = "".join(text.split()).upper()
    if not value:
        raise ValidationError("the IBAN or account number is empty")
    if looks_like_iban(value) and value.isalnum():
        return normalise_iban(value)
    if len(value) > 34 or not all(c.isalnum() or c in "-/." for c in value) or not compact(value):
        raise ValidationError(
            f"account number '{text.strip()}' is not valid: use up to 34 letters and digits "
            "(or a full IBAN such as DE89 3704 0044 0532 0130 00)"
        )
    return value


def normalise_iban(text: str) -> str:
    """The IBAN in its compact form, or a ValidationError saying what is wrong with it."""
    value = "".join(text.split()).upper()
    if not value:
        raise ValidationError("the IBAN is empty")
    if not (looks_like_iban(value) and value.isalnum()):
        raise ValidationError(
            f"'{text.strip()}' is not an IBAN (two letters, two check digits, then the account; "
            "e.g. DE89 3704 0044 0532 0130 00)"
        )
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError(f"IBAN {value} is not valid: {_iban_reason(exc)}") from None


def _iban_reason(exc: SchwiftyException) -> str:
    reason = str(exc).rstrip(".")
    if "checksum" in reason.lower():
        return "the check digits do not match (probably a typing mistake)"
    return reason[:1].lower() + reason[1:]


def compact_bic(text: str) -> str:
    return "".join(text.split()).upper()


def bic_problem(text: str) -> str | None:
    """Why `text` is not a valid BIC (8 or 11 characters, known country, the ISO 20022 pattern), or None."""
    value = compact_bic(text)
    try:
        BIC(value)
    except SchwiftyException as exc:
        reason = str(exc).rstrip(".")
        return f"BIC {text.strip()} is not valid: {reason[:1].lower() + reason[1:]}"
    if not _BIC.match(value):
        return f"BIC {text.strip()} is not valid: its location code is not one banks accept (test or inactive BIC)"
    return None


def normalise_bic(text: str) -> str:
    """The BIC in capitals without spaces ('' stays ''), or a ValidationError naming the problem."""
    value = compact_bic(text)
    if value and (problem := bic_problem(value)):
        raise ValidationError(problem)
    return value


def last4(number: str) -> str:
    return compact(number)[-4:]


def masked(last: str) -> str:
    """How a stored number is shown to everyone: its last four characters only."""
    return f"•••• {last}" if last else ""


def same_account(stored: str, given: str) -> bool:
    """Do a stored number and the one a file gives name the same account?

    Files give an IBAN (CAMT), or a domestic number (OFX, MT940) that is the tail of the IBAN's BBAN,
    often with leading zeros dropped; both forms are accepted.
    """
    a, b = compact(stored), compact(given)
    if not a or not b:
        return False
    if a == b:
        return True
    a_core = a[4:] if looks_like_iban(a) else a
    b_core = b[4:] if looks_like_iban(b) else b
    a_core, b_core = a_core.lstrip("0"), b_core.lstrip("0")
    shorter, longer = sorted((a_core, b_core), key=len)
    return len(shorter) >= 6 and longer.endswith(shorter)
