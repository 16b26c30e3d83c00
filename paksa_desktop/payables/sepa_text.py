"""Text as a SEPA payment file may carry it: the basic Latin character set of the EPC guidelines.

Banks in the SEPA scheme only have to accept a-z A-Z 0-9 / - ? : ( ) . , ' + and space; a name with
an accent or an ampersand may be rejected, or garbled, on the way. So names, addresses and remittance
text are transliterated before they are written:

- letters with accents lose them (é -> e, Ç -> C), ligatures and special letters are spelt out
  (ß -> ss, æ -> ae, ø -> o, ł -> l, þ -> th), digits of other scripts become 0-9;
- & becomes +, dashes become -, quotation marks become ', line breaks and tabs become spaces;
- any other punctuation or symbol becomes a space (# % * _ ...), and a letter with no Latin spelling
  (Cyrillic, Greek, CJK, ...) becomes '?', so the bank sees that something was there;
- runs of spaces become one, and the text is cut to the field's length at the end.
"""

from __future__ import annotations

import unicodedata
from functools import cache

SEPA_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")

_SPELT = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "TH",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
    "ŋ": "n",
    "Ŋ": "N",
    "ĸ": "k",
    "&": "+",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "`": "'",
    "´": "'",
    '"': "'",
    "\u201c": "'",
    "\u201d": "'",
    "\u201e": "'",
    "«": "'",
    "»": "'",
}


@cache
def _char(ch: str) -> str:
    """One character in the SEPA set (possibly several characters, or a space)."""
    if ch in SEPA_CHARACTERS:
        return ch
    if ch in _SPELT:
        return _SPELT[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed != ch:
        # é -> e + combining accent; ﬁ -> fi; ½ -> 1⁄2: keep what maps, drop the marks
        return "".join(_char(c) for c in decomposed if not unicodedata.combining(c))
    category = unicodedata.category(ch)
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if category == "Pd":
        return "-"
    if category[0] in "LN":
        return "?"
    return " "  # spaces, line breaks, controls, other punctuation and symbols


def sepa_text(text: str, max_length: int | None = None) -> str:
    """`text` in the SEPA character set, single-spaced, stripped, and cut to `max_length` characters."""
    converted = " ".join("".join(_char(c) for c in text).split())
    if max_length is not None and len(converted) > max_length:
        converted = converted[:max_length].rstrip()
    return converted


def is_sepa_text(text: str) -> bool:
    return all(c in SEPA_CHARACTERS for c in text)
