"""Password hashing with argon2id at explicit parameters (RFC 9106 low-memory: 64 MiB, t=3, p=4).

The parameters are spelled out, not left to argon2-cffi's defaults, so a library upgrade cannot
weaken them silently; a stored hash made with other parameters is rehashed at the next login.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4

PRODUCTION_HASHER = PasswordHasher(
    time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM, hash_len=32, salt_len=16, type=Type.ID
)
_HASHER = PRODUCTION_HASHER  # the one every function below uses (the test suite swaps in a cheap one)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def hash_recovery_code(code: str) -> str:
    """Recovery codes are random (50 bits), so a plain digest suffices; normalised so dashes/case don't matter."""
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
