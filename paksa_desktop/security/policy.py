"""Rules that decide whether a password, a role grant or an approval is allowed.

Pure checks over plain values (the services read the policy row and the rules and call these), so
they can be tested and reused without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from paksa_desktop.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True, slots=True)
class PolicyValues:
    """The company's security settings, as plain values (screens and the CLI show these)."""

    min_password_length: int = MIN_PASSWORD_LENGTH
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    idle_lock_minutes: int = 15
    creator_cannot_approve: bool = False
    version: int = 1

    def validate(self) -> None:
        if self.min_password_length < MIN_PASSWORD_LENGTH:
            raise ValidationError(f"the minimum password length cannot be below {MIN_PASSWORD_LENGTH}")
        if not 1 <= self.max_failed_logins <= 100:
            raise ValidationError("failed logins before a lock must be between 1 and 100")
        if not 1 <= self.lockout_minutes <= 24 * 60:
            raise ValidationError("the lockout must last between 1 minute and 24 hours")
        if not 1 <= self.idle_lock_minutes <= 24 * 60:
            raise ValidationError("the idle lock must come after between 1 minute and 24 hours")


@cache
def common_passwords() -> frozenset[str]:
    text = files("resources.security").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str, min_length: int = MIN_PASSWORD_LENGTH) -> list[str]:
    """Every reason the password is refused (empty when it is fine)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"it must have at least {min_length} characters")
    if username and password.strip().casefold() == username.strip().casefold():
        problems.append("it must not be the user name")
    if password.strip().lower() in common_passwords():
        problems.append("it is one of the commonly used passwords attackers try first")
    return problems


def check_password(password: str, username: str, min_length: int = MIN_PASSWORD_LENGTH) -> None:
    problems = password_problems(password, username, min_length)
    if problems:
        raise ValidationError("the password is refused: " + "; ".join(problems))


def sod_conflicts(permissions: Iterable[str], rules: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rules (pairs of incompatible permissions) that a set of permissions breaks."""
    held = set(permissions)
    return [(a, b) for a, b in rules if a in held and b in held]
