"""The errors a user can see. Each carries a message fit to show as it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


class PaksaError(Exception):
    """Base of every expected failure; the GUI shows it in a dialog, the CLI prints it and exits 1."""


class ValidationError(PaksaError):
    """The request breaks a business rule (unbalanced entry, closed period, ...)."""


class NotFoundError(PaksaError):
    """A record named by the user does not exist."""


class PermissionDenied(PaksaError):
    """The user lacks the named permission."""

    def __init__(self, username: str, permission: str) -> None:
        super().__init__(f"user '{username}' lacks permission '{permission}'")
        self.username = username
        self.permission = permission


class AuthenticationError(PaksaError):
    """Wrong user name or password, or a disabled user."""


class ConflictError(PaksaError):
    """Someone else changed the record since it was read (optimistic locking).

    `what` names the record ("account 1100"), `who` and `when` the last change to it as the audit trail
    tells it (None when unknown), so a screen can word its own dialog; the message stays readable.
    """

    def __init__(
        self,
        message: str,
        *,
        what: str = "",
        who: str | None = None,
        when: datetime | None = None,
        verb: str = "changed",
    ) -> None:
        super().__init__(message)
        self.what = what
        self.who = who
        self.when = when
        self.verb = verb  # changed, posted, deleted, ...

    @classmethod
    def changed(cls, what: str, who: str | None, when: datetime | None, *, verb: str = "changed") -> ConflictError:
        """'WHAT was VERB by WHO at WHEN UTC since you opened it; ...' with the fields filled in."""
        by = f" by {who}" if who else " by another user"
        at = f" at {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if when is not None else ""
        return cls(
            f"{what} was {verb}{by}{at} since you opened it; reload it to see the changes",
            what=what,
            who=who,
            when=when,
            verb=verb,
        )


class BusyError(PaksaError):
    """PostgreSQL kept aborting the action for concurrency reasons (deadlock, serialization) past the retries."""

    def __init__(self, message: str, *, attempts: int, sqlstate: str | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.sqlstate = sqlstate


class CompanyError(PaksaError):
    """The company database cannot be opened, created or migrated."""


class ConnectionLost(PaksaError):
    """The database server could not be reached, or the connection dropped mid-action.

    The server rolls back a transaction whose connection dies, so nothing half-done stays behind;
    only a drop during COMMIT itself leaves the outcome unknown, and the message says so.
    """

    def __init__(
        self, reason: str, *, during_commit: bool = False, at_connect: bool = False, orig: BaseException | None = None
    ) -> None:
        if at_connect:
            text = f"cannot reach the database server ({reason}); nothing was changed"
        elif during_commit:
            text = (
                f"the connection to the database server was lost while saving ({reason}); "
                "the change may or may not have been saved: check before trying again"
            )
        else:
            text = f"the connection to the database server was lost ({reason}); nothing was changed"
        super().__init__(text + "; try again once the connection is back")
        self.reason = reason
        self.orig = orig  # the driver's own error, for callers that word it themselves
        self.during_commit = during_commit
        self.at_connect = at_connect


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file, located as precisely as the file allows."""

    source: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.row}" if self.row else self.source
        return f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class ImportFileError(PaksaError):
    """An input file was rejected as a whole; every problem found is listed, nothing was written."""

    def __init__(self, errors: Sequence[RowError], *, truncated: bool = False) -> None:
        self.errors = list(errors)
        self.truncated = truncated
        lines = [str(e) for e in self.errors]
        if truncated:
            lines.append("... (more errors not shown)")
        super().__init__("\n".join(lines))


class PaymentFileError(ValidationError):
    """A bank payment file (pain.001, CSV) was refused: every problem is listed, one per line; no file written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Cancelled(PaksaError):
    """The user cancelled a long operation; nothing was written."""

    def __init__(self) -> None:
        super().__init__("cancelled; nothing was changed")


class AccountLocked(AuthenticationError):
    """Too many failed logins: the account refuses every login until it unlocks or an admin unlocks it."""


class MfaRequired(AuthenticationError):
    """The password was right and the user has MFA: ask for the one-time code and log in again with it."""


class ReadOnlyError(CompanyError):
    """The company is open read-only here (another program has the file): changes are refused."""
