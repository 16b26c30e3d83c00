"""Who is acting: every service call runs with one of these."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from paksa_desktop.core.clock import Clock
from paksa_desktop.core.errors import PermissionDenied


@dataclass(frozen=True)
class UserContext:
    user_id: int
    username: str
    full_name: str
    permissions: frozenset[str]
    clock: Clock
    host: str = field(default_factory=socket.gethostname)
    data_key: object | None = field(default=None, repr=False, compare=False)  # field_crypto.FieldKey of a holder
    session_id: int | None = None  # the user_sessions row of this login (activity log), if any
    mfa_enrolment_due: bool = False  # a role requires MFA and the user has not enrolled yet
    must_change_password: bool = False  # an administrator reset the password

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(self.username, permission)
