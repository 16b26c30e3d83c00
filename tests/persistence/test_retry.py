"""Deadlocks and serialization failures are retried as whole units of work; nothing else is.

The PostgreSQL tests provoke the real thing: a posting and another transaction taking the same two
row locks in opposite order (40P01), and two SERIALIZABLE read-modify-writes of one row (40001).
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from paksa_desktop.audit.service import AuditService
from paksa_desktop.core.errors import BusyError, ValidationError
from paksa_desktop.documents.service import DocumentService
from paksa_desktop.ledger.bank_details import BankDetailsService
from paksa_desktop.ledger.budgets import BudgetService
from paksa_desktop.ledger.layout_service import LayoutService
from paksa_desktop.ledger.queries import EntryFilter
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.persistence.retry import (
    RetryPolicy,
    is_retryable,
    is_retrying,
    retrying,
    run_retrying,
    sqlstate,
)
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.security.field_crypto import DataKeyService
from paksa_desktop.security.ip_allowlist import IpAllowlistService
from paksa_desktop.security.service import Authenticator, OwnAccount, PolicyService, RoleService, UserService
from tests.ledger.helpers import entry

WRITE_SERVICES = (
    LedgerService,
    BudgetService,
    LayoutService,
    ReceivablesService,
    Authenticator,
    OwnAccount,
    UserService,
    RoleService,
    PolicyService,
    AuditService,
    DocumentService,
    BankDetailsService,
    IpAllowlistService,
    DataKeyService,
)


def wrapped(error: psycopg.Error) -> OperationalError:
    """The error as SQLAlchemy raises it from a psycopg cursor."""
    return OperationalError("UPDATE t SET x = 1", {}, error)


class Flaky:
    """Fails with `error` the first `failures` calls, then returns 'done'."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


# --------------------------------------------------------------------------- the policy, no database


@pytest.mark.parametrize(
    ("error", "state", "retryable"),
    [
        (wrapped(psycopg.errors.SerializationFailure("could not serialize")), "40001", True),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), "40P01", True),
        (psycopg.errors.DeadlockDetected("bare psycopg error"), "40P01", True),
        (IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")), "23505", False),
        (wrapped(psycopg.errors.LockNotAvailable("lock timeout")), "55P03", False),
        (ValidationError("entry is out of balance"), None, False),
    ],
)
def test_only_40001_and_40p01_are_retryable(error: Exception, state: str | None, retryable: bool) -> None:
    assert sqlstate(error) == state
    assert is_retryable(error) is retryable


def test_retries_then_succeeds_with_growing_jittered_waits() -> None:
    waits: list[float] = []
    action = Flaky(3, wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    policy = RetryPolicy(attempts=5, base_delay=0.02, max_delay=0.05)
    assert run_retrying(action, policy=policy, sleep=waits.append, rng=lambda: 0.5) == "done"
    assert action.calls == 4
    assert waits == [0.01, 0.02, 0.025]  # half of 0.02, 0.04, then the 0.05 cap


def test_gives_up_after_the_last_attempt_with_a_clear_error() -> None:
    action = Flaky(99, wrapped(psycopg.errors.SerializationFailure("could not serialize")))
    with pytest.raises(BusyError) as caught:
        run_retrying(action, what="post entry", sleep=lambda _s: None)
    assert action.calls == 5
    assert caught.value.attempts == 5 and caught.value.sqlstate == "40001"
    assert str(caught.value) == (
        "could not post entry: other users' changes got in the way 5 times in a row (serialization failure); "
        "nothing was saved — please try again"
    )


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("entry is out of balance"),
        IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")),
        wrapped(psycopg.errors.LockNotAvailable("lock timeout")),
    ],
)
def test_other_errors_are_not_retried(error: Exception) -> None:
    action = Flaky(1, error)
    with pytest.raises(type(error)):
        run_retrying(action, sleep=lambda _s: pytest.fail("slept before a retry that must not happen"))
    assert action.calls == 1


def test_decorator_keeps_name_and_signature() -> None:
    @retrying
    def post_entry(a: int, *, b: int = 2) -> int:
        """Doc."""
        return a + b

    assert post_entry(1, b=3) == 4
    assert post_entry.__name__ == "post_entry" and post_entry.__doc__ == "Doc."
    assert list(inspect.signature(post_entry).parameters) == ["a", "b"]


@pytest.mark.parametrize("service", WRITE_SERVICES, ids=lambda c: c.__name__)
def test_every_public_method_of_the_write_services_retries(service: type) -> None:
    public = [
        name
        for name, value in vars(service).items()
        if not name.startswith("_") and inspect.isfunction(value) and not inspect.isgeneratorfunction(value)
    ]
    assert public, f"{service.__name__} has no public methods"
    assert [name for name in public if not is_retrying(getattr(service, name))] == []


# --------------------------------------------------------------------------- a real PostgreSQL server


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"


def _waiting_on_locks(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(WAITING)).scalar_one())


@pytest.mark.postgres
@pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)
def test_a_posting_that_loses_a_real_deadlock_is_retried_and_succeeds(books, caplog) -> None:
    """The posting holds the period (shared) and wants the audit chain head; the other transaction
    holds the head and wants the period for update. PostgreSQL aborts one: the posting, which waited
    first. The posting runs again once the other commits and gets its number; nothing is lost."""
    ledger = books.ledger
    ledger.post(entry("2024-03-01", ("1100", "1.00"), ("4010", "-1.00")))  # the year and its periods exist
    engine = books.company.engine
    period_id = books.queries.periods()[2].id
    other = create_engine(engine.url)
    holding_head = threading.Event()
    result: dict[str, object] = {}

    def other_transaction() -> None:
        with other.begin() as conn:
            conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # let the posting be the one to detect it
            conn.execute(text("SELECT last_seq FROM audit_head WHERE id = 1 FOR UPDATE"))
            holding_head.set()
            _wait_until(lambda: _waiting_on_locks(engine) >= 1)  # the posting now waits for the head
            conn.execute(
                text("UPDATE periods SET state = state WHERE id = :id"), {"id": period_id}
            )  # waits for the posting's share lock: a cycle
            result["other"] = "committed"

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert holding_head.wait(10)
    caplog.set_level(logging.INFO, logger="paksa_desktop.persistence.retry")
    ref, _ = ledger.post(entry("2024-03-15", ("1100", "2.00"), ("4010", "-2.00")))
    thread.join(20)
    other.dispose()
    assert result == {"other": "committed"}
    assert [r.getMessage() for r in caplog.records if "40P01" in r.getMessage()]
    assert ref.number == "GEN-2024-000002"
    assert sorted(e.number for e in books.queries.entries(EntryFilter(), limit=10)) == [
        "GEN-2024-000001",
        "GEN-2024-000002",
    ]
    assert books.queries.trial_balance().is_balanced


@pytest.mark.postgres
@pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)
def test_a_serializable_read_modify_write_is_retried_after_a_real_serialization_failure(books) -> None:
    """Two SERIALIZABLE transactions increment one counter; the one that commits second fails with
    40001 and, run again from the top, reads the new value: the counter ends at 2, not 1."""
    engine = create_engine(books.company.engine.url, isolation_level="SERIALIZABLE")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    both_read = threading.Barrier(2, timeout=10)
    attempts: list[str] = []

    def increment(name: str) -> None:
        def unit() -> None:
            attempts.append(name)
            with engine.begin() as conn:
                n = conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                if len(attempts) <= 2:
                    both_read.wait()  # both have read 0 before either writes
                conn.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})

        run_retrying(unit, what="increment")

    threads = [threading.Thread(target=increment, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one() == 2
    engine.dispose()
    assert sorted(attempts) in (["a", "a", "b"], ["a", "b", "b"])  # exactly one retry


@pytest.mark.postgres
@pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)
def test_a_service_error_is_not_retried(books, caplog) -> None:
    caplog.set_level(logging.INFO, logger="paksa_desktop.persistence.retry")
    started = time.monotonic()
    with pytest.raises(ValidationError, match="out of balance"):
        books.ledger.post(entry("2024-03-15", ("1100", "2.00"), ("4010", "-1.00")))
    assert time.monotonic() - started < 2 and not caplog.records
