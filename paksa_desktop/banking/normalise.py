"""Text normalisation for matching: document numbers, counterparty names and account numbers.

Banks mangle what the payer typed: "INV-2024-0113" arrives as "INV 2024 0113", "inv20240113" or buried
in "PAYMENT INV/2024/0113 THANK YOU"; names come upper-cased, without accents, with or without "Ltd";
IBANs with or without spaces. Everything here turns both sides into the same plain keys so matching is
a dictionary look-up, not a fuzzy comparison.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# A key shorter than this (or without a digit) names too many things to count as a reference.
MIN_KEY_LENGTH = 4
# The digits of a number like "INV-2024-0113" alone ("20240113") count only when this long.
MIN_DIGIT_KEY_LENGTH = 5

_PIECE = re.compile(r"[A-Z]+|[0-9]+")
_WORD = re.compile(r"[a-z0-9]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")

# Legal-form words dropped from the end of a name ("Müller GmbH & Co. KG" -> "muller").
LEGAL_SUFFIXES = frozenset(
    {
        "ab", "ag", "and", "aps", "as", "asa", "bhd", "bv", "cie", "co", "company", "corp",
        "corporation", "ev", "gmbh", "inc", "incorporated", "kft", "kg", "kk", "limited", "llc", "llp",
        "lp", "ltd", "nv", "ohg", "oy", "plc", "pte", "pty", "pvt", "sa", "sarl", "sas", "sdn", "sl",
        "spa", "sro", "srl", "ug",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Accents removed ("Müller" -> "Muller"), so either spelling compares equal."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def pieces(text: str) -> list[str]:
    """Upper-case runs of letters and of digits: "inv/2024-0113x" -> INV, 2024, 0113, X."""
    return _PIECE.findall(fold(text).upper())


def number_key(number: str) -> str:
    """The key of a document number or reference: "INV-2024-0113" -> "INV20240113" ("" if too weak)."""
    return key_of(pieces(number))


def digit_key(number: str) -> str:
    """The digits alone of a number that also has letters ("INV-2024-0113" -> "20240113"), or ""."""
    return "".join(digit_pieces(pieces(number)))


def key_of(parts: list[str]) -> str:
    """`number_key` from pieces already cut (indexing cuts each number once)."""
    key = "".join(parts)
    if len(key) < MIN_KEY_LENGTH or not any(p.isdigit() for p in parts):
        return ""
    return key


def digit_pieces(parts: list[str]) -> list[str]:
    """The digit pieces of a number with letters too, when long enough to be a key; else []."""
    digits = [p for p in parts if p.isdigit()]
    if len(digits) == len(parts) or sum(len(p) for p in digits) < MIN_DIGIT_KEY_LENGTH:
        return []
    return digits


def text_keys(text: str, starts: frozenset[str] | set[str], max_pieces: int) -> Iterable[str]:
    """Every run of up to `max_pieces` consecutive pieces of `text`, joined, that begins with a piece
    some key begins with.

    Joining consecutive pieces is what makes "INV 2024 0113", "INV/2024/0113" and "inv20240113" all
    yield "INV20240113", wherever they sit in a longer text; starting only at known first pieces keeps
    it to a handful of look-ups per line.
    """
    parts = pieces(text)
    n = len(parts)
    for i, first in enumerate(parts):
        if first not in starts:
            if first.isdigit():
                if len(first) >= MIN_DIGIT_KEY_LENGTH:
                    yield first  # digits run together: "20240113" for "INV-2024-0113"
                continue
            # Letters run into the number's prefix: "PAYMENTINV20240113".
            first = next((first[k:] for k in range(1, len(first)) if first[k:] in starts), "")
            if not first:
                continue
        acc = first
        yield acc
        for j in range(i + 1, min(i + max_pieces, n)):
            acc += parts[j]
            yield acc


@functools.lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """A counterparty name reduced to what identifies it: case, accents, punctuation and trailing legal
    forms gone ("ACME Trading Ltd." and "Acme trading" -> "acme trading"; "Société Générale S.A." ->
    "societe generale")."""
    text = fold(name).casefold().replace(".", "").replace("&", " and ")
    words = _WORD.findall(text)
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def same_name(a: str, b: str) -> bool:
    """Whether two name keys name the same party: equal, or one is the other cut short by the bank
    (statement fields are often truncated), as long as the shorter still says something (6+ chars)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 6 and long_.startswith(short)


def account_key(account: str) -> str:
    """An IBAN or account number without spaces or punctuation, upper-cased."""
    return _NOT_ALNUM.sub("", account.upper())
