"""Re-run a whole unit of work that PostgreSQL aborted only because of other clients.

PostgreSQL may abort a perfectly good transaction with SQLSTATE 40001 (serialization failure) or
40P01 (deadlock detected: it picked this transaction as the victim). Nothing of it was written, and
running the same action again normally succeeds. A `with UnitOfWork(...)` block cannot re-run
itself, so the retry wraps the service method: `@retry_writes` on a service class makes every
public method re-run from the start (new session, fresh reads) a bounded number of times, with
jittered exponential backoff so that the clients that collided do not collide again in lockstep.

Only those two SQLSTATEs are retried. Anything else (a rule broken, a stale version, a lost
connection) propagates at once. After the last attempt the user gets `BusyError`, which says
nothing was saved.
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from paksa_desktop.core.errors import BusyError

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C", bound=type)

SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
RETRYABLE_SQLSTATES = frozenset({SERIALIZATION_FAILURE, DEADLOCK_DETECTED})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently: `attempts` runs in all, waits of up to base * 2**n, capped."""

    attempts: int = 5
    base_delay: float = 0.02  # seconds before the second attempt (at most)
    max_delay: float = 0.5

    def delay(self, failed_attempts: int, rng: Callable[[], float] = random.random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(n-1))) — spreads colliding clients apart."""
        return rng() * min(self.max_delay, self.base_delay * 2 ** (failed_attempts - 1))


DEFAULT_POLICY = RetryPolicy()


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE behind an error: psycopg's own, or the one SQLAlchemy wraps in `.orig`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
            continue
        current = current.__cause__ or current.__context__
    return None


def is_retryable(error: BaseException) -> bool:
    return sqlstate(error) in RETRYABLE_SQLSTATES


def run_retrying(
    action: Callable[[], T],
    *,
    what: str = "the action",
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Call `action()` until it succeeds, re-running it on 40001/40P01 at most `policy.attempts` times in all."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return action()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            state = sqlstate(exc)
            if attempt == policy.attempts:
                reason = "deadlock" if state == DEADLOCK_DETECTED else "serialization failure"
                raise BusyError(
                    f"could not {what}: other users' changes got in the way {attempt} times in a row "
                    f"({reason}); nothing was saved — please try again",
                    attempts=attempt,
                    sqlstate=state,
                ) from exc
            wait = policy.delay(attempt, rng)
            log.info("%s: SQLSTATE %s on attempt %d, retrying in %.3f s", what, state, attempt, wait)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover  (attempts >= 1)


def retrying(method: Callable[P, T]) -> Callable[P, T]:
    """Decorate one function so that each call is retried as a whole (see `run_retrying`)."""
    what = method.__name__.replace("_", " ").strip()

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_retrying(lambda: method(*args, **kwargs), what=what)

    wrapper.__paksa_retrying__ = True  # type: ignore[attr-defined]
    return wrapper


def retry_writes(cls: C) -> C:
    """Class decorator: every public method defined on `cls` retries its unit of work (`retrying`).

    One line per service instead of one per method, so a new write method cannot be forgotten.
    Generators, properties, static and class methods are left alone (they are not units of work).
    """
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(value) or inspect.isgeneratorfunction(value):
            continue
        if getattr(value, "__paksa_retrying__", False):
            continue
        setattr(cls, name, retrying(value))
    return cls


def is_retrying(method: Any) -> bool:
    """True if `method` (a function or bound method) retries: for tests that check every service is covered."""
    return bool(getattr(getattr(method, "__func__", method), "__paksa_retrying__", False))
