"""Time-based one-time passwords (RFC 6238) over cryptography's HOTP/TOTP, plus recovery codes.

A code is checked against the current 30-second step and one step either side (clock drift); the
matching step is returned so the caller can refuse a step it already accepted (replay).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1, SHA256, SHA512, HashAlgorithm
from cryptography.hazmat.primitives.twofactor.hotp import HOTP

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
RECOVERY_CODES = 10
_ALGORITHMS: dict[str, type[HashAlgorithm]] = {"SHA1": SHA1, "SHA256": SHA256, "SHA512": SHA512}
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper without doubt


def new_secret() -> str:
    """A 160-bit secret in base32 (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_of(moment: datetime | float) -> int:
    seconds = moment.timestamp() if isinstance(moment, datetime) else moment
    return int(seconds // STEP_SECONDS)


def code_at_step(key: bytes, step: int, *, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    return HOTP(key, digits, _ALGORITHMS[algorithm](), enforce_key_length=False).generate(step).decode("ascii")


def code_for(secret: str, moment: datetime | float) -> str:
    return code_at_step(_key(secret), step_of(moment))


def matching_step(secret: str, code: str, moment: datetime, window: int = WINDOW) -> int | None:
    """The step (within ±window of `moment`) whose code equals `code`, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now = step_of(moment)
    found = None
    for step in range(now - window, now + window + 1):  # compare them all: constant time whichever matches
        if hmac.compare_digest(code_at_step(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    return (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like 7KQ2M-XW9PD: 10 characters from a 31-letter alphabet (about 50 bits each)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    compact = code.strip().replace("-", "").replace(" ", "")
    return len(compact) == 10 and not compact.isdigit()
