"""Users and authentication on both engines: password policy, argon2id, lockout, MFA, sessions.

Every failure must be logged (an audit row that survives the failed call) and change nothing else.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.core.errors import (
    AccountLocked,
    AuthenticationError,
    MfaRequired,
    PermissionDenied,
    ValidationError,
)
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security import totp
from paksa_desktop.security.models import RecoveryCode, User
from paksa_desktop.security.passwords import MEMORY_COST_KIB, PARALLELISM, TIME_COST, hash_password
from paksa_desktop.security.policy import PolicyValues, check_password, common_passwords, password_problems
from paksa_desktop.security.service import NewUser
from tests.conftest import ADMIN_PASSWORD, Books

PASSWORD = "clerk-password-42"

# ----------------------------------------------------------------------------- pure parts

# RFC 6238 appendix B: (unix time, SHA1, SHA256, SHA512), 8 digits, 30 s steps
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}


@pytest.mark.parametrize(("when", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_test_vectors(when: int, sha1: str, sha256: str, sha512: str) -> None:
    step = totp.step_of(when)
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        assert totp.code_at_step(SEEDS[algorithm], step, digits=8, algorithm=algorithm) == expected


def test_totp_accepts_one_step_either_side_only() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000.0
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(now, UTC)
    here = totp.step_of(now)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = totp.code_for(secret, now + offset * 30)
        assert (totp.matching_step(secret, code, moment) == here + offset) is accepted or (
            not accepted and totp.matching_step(secret, code, moment) is None
        )
    assert totp.matching_step(secret, "12345", moment) is None
    assert totp.matching_step(secret, "abcdef", moment) is None


def test_provisioning_uri_and_recovery_codes() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ana", "Paksa Desktop")
    assert uri.startswith("otpauth://totp/Paksa%20Desktop%3Aana?secret=JBSWY3DPEHPK3PXP")
    assert "digits=6" in uri and "period=30" in uri
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 11 and c[5] == "-" and totp.looks_like_recovery_code(c) for c in codes)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pw", "at least 12 characters"),
        ("Ana.Lopez.2024", "the user name"),
        ("password1234", "commonly used"),
        ("QwertyUiop123", "commonly used"),
    ],
)
def test_password_policy_refuses(password: str, problem: str) -> None:
    problems = password_problems(password, "ana.lopez.2024")
    assert any(problem in p for p in problems), problems
    with pytest.raises(ValidationError, match="the password is refused"):
        check_password(password, "ana.lopez.2024")


def test_password_policy_accepts_good_passwords() -> None:
    assert len(common_passwords()) > 1000
    for good in (ADMIN_PASSWORD, "viewer-password-1", "Tr0ub4dor&3-horse"):
        check_password(good, "viewer")
    assert password_problems("a much longer one", "x", min_length=20) == ["it must have at least 20 characters"]


# ----------------------------------------------------------------------------- helpers


def audit_rows(books: Books, action: str | None = None) -> list[AuditRecord]:
    with UnitOfWork(books.company.engine, write=False) as uow:
        query = select(AuditRecord).order_by(AuditRecord.id)
        if action:
            query = query.where(AuditRecord.action == action)
        rows = list(uow.session.execute(query).scalars())
        uow.session.expunge_all()
        return rows


def user_row(books: Books, username: str) -> User:
    with UnitOfWork(books.company.engine, write=False) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        uow.session.expunge(user)  # detached with its values loaded: readable after the session closes
        return user


def add_clerk(books: Books, username: str = "clerk", roles: tuple[str, ...] = ("Accountant",)) -> None:
    books.company.users(books.ctx).add_user(NewUser(username, PASSWORD, "Clerk Person", "clerk@example.com", roles))


# ----------------------------------------------------------------------------- users and passwords


def test_add_user_applies_the_policy_and_hashes_with_argon2id(books: Books, production_hashing: None) -> None:
    users = books.company.users(books.ctx)
    for bad in ("short", "clerk", "password1234"):
        with pytest.raises(ValidationError, match="the password is refused"):
            users.add_user(NewUser("clerk", bad if bad != "clerk" else "CLERK"))
    assert [u.username for u in books.company.security_queries(books.ctx).users()] == ["admin"]
    add_clerk(books)
    stored = user_row(books, "clerk").password_hash
    assert stored.startswith(f"$argon2id$v=19$m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}$")
    assert MEMORY_COST_KIB >= 64 * 1024 and TIME_COST >= 3 and PARALLELISM >= 4
    row = next(u for u in books.company.security_queries(books.ctx).users() if u.username == "clerk")
    assert (row.full_name, row.email, row.roles, row.is_active) == (
        "Clerk Person",
        "clerk@example.com",
        ("Accountant",),
        True,
    )
    assert audit_rows(books, "create")[-1].entity_id == "clerk"


def test_login_rehashes_a_password_stored_with_other_parameters(books: Books, production_hashing: None) -> None:
    add_clerk(books)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with UnitOfWork(books.company.engine) as uow:
        uow.session.execute(select(User).where(User.username == "clerk")).scalar_one().password_hash = weak
        uow.commit()
    books.company.login("clerk", PASSWORD)
    assert f"m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}" in user_row(books, "clerk").password_hash
    books.company.login("clerk", PASSWORD)  # and the new hash still verifies


def test_reset_password_and_change_own_password(books: Books) -> None:
    add_clerk(books)
    users = books.company.users(books.ctx)
    with pytest.raises(ValidationError, match="at least 12"):
        users.reset_password("clerk", "tiny")
    users.reset_password("clerk", "temporary-pass-99")
    ctx = books.company.login("clerk", "temporary-pass-99")
    assert ctx.must_change_password
    own = books.company.own_account(ctx)
    with pytest.raises(AuthenticationError, match="wrong password; nothing was changed"):
        own.change_password("not-my-password", "brand-new-secret-1")
    with pytest.raises(ValidationError, match="commonly used"):
        own.change_password("temporary-pass-99", "password12345")
    own.change_password("temporary-pass-99", "brand-new-secret-1")
    assert not books.company.login("clerk", "brand-new-secret-1").must_change_password
    with pytest.raises(AuthenticationError):
        books.company.login("clerk", "temporary-pass-99")
    assert [r.action for r in audit_rows(books) if r.entity_id == "clerk"][-5:] == [
        "login",
        "password_change_refused",
        "change_password",
        "login",
        "login_failed",
    ]


def test_disabled_user_gets_a_clear_message_and_it_is_logged(books: Books) -> None:
    add_clerk(books)
    users = books.company.users(books.ctx)
    with pytest.raises(ValidationError, match="cannot disable yourself"):
        users.set_active("admin", False)
    users.set_active("clerk", False)
    with pytest.raises(AuthenticationError, match="user 'clerk' is disabled; ask an administrator"):
        books.company.login("clerk", PASSWORD)
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        books.company.login("clerk", "wrong-password-x")  # a wrong password does not reveal the state
    failed = audit_rows(books, "login_failed")
    assert json.loads(failed[-2].after or "{}")["reason"] == "user disabled"
    users.set_active("clerk", True)
    books.company.login("clerk", PASSWORD)


def test_unknown_user_is_logged_without_a_user_id(books: Books) -> None:
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        books.company.login("nobody", "whatever-it-is")
    row = audit_rows(books, "login_failed")[-1]
    assert (row.user_id, row.username, json.loads(row.after or "{}")["reason"]) == (None, "nobody", "unknown user")


# ----------------------------------------------------------------------------- lockout


def test_five_failures_lock_the_account_for_fifteen_minutes(books: Books) -> None:
    add_clerk(books)
    start = books.clock.now()
    for attempt in range(1, 5):
        with pytest.raises(AuthenticationError, match="wrong user name or password") as info:
            books.company.login("clerk", f"wrong-password-{attempt}")
        assert not isinstance(info.value, AccountLocked)
        assert user_row(books, "clerk").failed_logins == attempt  # committed although the login failed
    with pytest.raises(AccountLocked, match="locked after too many failed logins until"):
        books.company.login("clerk", "wrong-password-5")
    assert user_row(books, "clerk").locked_until == start + timedelta(minutes=15)
    with pytest.raises(AccountLocked):  # even the right password, while locked
        books.company.login("clerk", PASSWORD)
    assert len([r for r in audit_rows(books, "login_failed") if r.username == "clerk"]) == 6
    assert [r.entity_id for r in audit_rows(books, "lock")] == ["clerk"]

    books.clock.set(start + timedelta(minutes=14, seconds=59))
    with pytest.raises(AccountLocked):
        books.company.login("clerk", PASSWORD)
    books.clock.set(start + timedelta(minutes=15))
    ctx = books.company.login("clerk", PASSWORD)
    assert ctx.username == "clerk"
    assert user_row(books, "clerk").failed_logins == 0


def test_an_administrator_unlocks_an_account(books: Books) -> None:
    add_clerk(books)
    for attempt in range(5):
        with pytest.raises(AuthenticationError):
            books.company.login("clerk", f"wrong-password-{attempt}")
    with pytest.raises(AccountLocked):
        books.company.login("clerk", PASSWORD)
    row = next(u for u in books.company.security_queries(books.ctx).users() if u.username == "clerk")
    assert row.is_locked(books.clock.now())
    books.company.users(books.ctx).unlock("clerk")
    assert books.company.login("clerk", PASSWORD).username == "clerk"
    assert audit_rows(books, "unlock")[-1].entity_id == "clerk"


def test_the_lockout_follows_the_company_policy(books: Books) -> None:
    add_clerk(books)
    policy = books.company.security_queries(books.ctx).policy()
    assert policy == PolicyValues()
    books.company.security_policy(books.ctx).update_policy(PolicyValues(14, 2, 60, 5, False, version=policy.version))
    with pytest.raises(AuthenticationError):
        books.company.login("clerk", "wrong-password-a")
    with pytest.raises(AccountLocked):
        books.company.login("clerk", "wrong-password-b")
    assert user_row(books, "clerk").locked_until == books.clock.now() + timedelta(minutes=60)
    with pytest.raises(ValidationError, match="at least 14"):
        books.company.users(books.ctx).reset_password("clerk", "thirteen-char")
    with pytest.raises(ValidationError, match="cannot be below 12"):
        books.company.security_policy(books.ctx).update_policy(PolicyValues(8))


# ----------------------------------------------------------------------------- MFA


def enrol(books: Books, ctx, password: str) -> tuple[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    own = books.company.own_account(ctx)
    enrolment = own.begin_mfa_enrolment()
    assert enrolment.uri.startswith("otpauth://totp/") and enrolment.secret in enrolment.uri
    with pytest.raises(ValidationError, match="the code does not match"):
        own.confirm_mfa_enrolment(password, enrolment.secret, "000000")
    done = own.confirm_mfa_enrolment(password, enrolment.secret, totp.code_for(enrolment.secret, books.clock.now()))
    return enrolment.secret, done.recovery_codes


def test_mfa_login_with_codes_replay_and_window(books: Books) -> None:
    add_clerk(books)
    ctx = books.company.login("clerk", PASSWORD)
    start = books.clock.now()
    secret, codes = enrol(books, ctx, PASSWORD)
    assert len(codes) == 10
    with pytest.raises(MfaRequired):
        books.company.login("clerk", PASSWORD)
    # the enrolment code itself is spent: replaying it is refused and logged
    with pytest.raises(AuthenticationError, match="already used"):
        books.company.login("clerk", PASSWORD, totp.code_for(secret, start))
    books.clock.set(start + timedelta(seconds=30))
    code = totp.code_for(secret, books.clock.now())
    assert books.company.login("clerk", PASSWORD, code).username == "clerk"
    with pytest.raises(AuthenticationError, match="this one-time code was already used; wait for the next one"):
        books.company.login("clerk", PASSWORD, code)
    # a code one step ahead (the phone's clock runs fast) is accepted; two steps behind is expired
    ahead = totp.code_for(secret, books.clock.now() + timedelta(seconds=30))
    assert books.company.login("clerk", PASSWORD, ahead).username == "clerk"
    books.clock.set(start + timedelta(minutes=5))
    stale = totp.code_for(secret, books.clock.now() - timedelta(seconds=60))
    with pytest.raises(AuthenticationError, match="wrong or expired one-time code"):
        books.company.login("clerk", PASSWORD, stale)
    reasons = [
        json.loads(r.after or "{}")["reason"] for r in audit_rows(books, "login_failed") if r.username == "clerk"
    ]
    assert reasons == [
        "this one-time code was already used; wait for the next one",
        "this one-time code was already used; wait for the next one",
        "wrong or expired one-time code; enter the code your app shows now",
    ]
    # a wrong password never gets as far as the code
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        books.company.login("clerk", "wrong-password-z", totp.code_for(secret, books.clock.now()))


def test_recovery_codes_work_once(books: Books) -> None:
    add_clerk(books)
    _secret, codes = enrol(books, books.company.login("clerk", PASSWORD), PASSWORD)
    assert books.company.login("clerk", PASSWORD, codes[0].lower()).username == "clerk"
    with pytest.raises(AuthenticationError, match="this recovery code was already used"):
        books.company.login("clerk", PASSWORD, codes[0])
    with pytest.raises(AuthenticationError, match="wrong recovery code"):
        books.company.login("clerk", PASSWORD, "AAAAA-BBBBB")
    assert books.company.login("clerk", PASSWORD, codes[1]).username == "clerk"
    with UnitOfWork(books.company.engine, write=False) as uow:
        stored = list(uow.session.execute(select(RecoveryCode.code_hash)).scalars())
    assert len(stored) == 10 and not set(codes) & set(stored)  # only digests are stored


def test_mfa_failures_count_towards_the_lockout(books: Books) -> None:
    add_clerk(books)
    enrol(books, books.company.login("clerk", PASSWORD), PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            books.company.login("clerk", PASSWORD, "000000")
    with pytest.raises(AccountLocked):
        books.company.login("clerk", PASSWORD, "000001")


def test_mfa_required_by_a_role(books: Books) -> None:
    add_clerk(books)
    books.company.roles(books.ctx).update_role("Accountant", mfa_required=True)
    ctx = books.company.login("clerk", PASSWORD)
    assert ctx.mfa_enrolment_due
    enrol(books, ctx, PASSWORD)
    own = books.company.own_account(ctx)
    with pytest.raises(ValidationError, match="requires MFA"):
        own.disable_mfa(PASSWORD)
    books.clock.set(books.clock.now() + timedelta(seconds=30))
    ctx = books.company.login(
        "clerk", PASSWORD, totp.code_for(user_row(books, "clerk").mfa_secret or "", books.clock.now())
    )
    assert not ctx.mfa_enrolment_due
    books.company.users(books.ctx).reset_mfa("clerk")
    assert books.company.login("clerk", PASSWORD).mfa_enrolment_due


# ----------------------------------------------------------------------------- sessions


def test_sessions_record_login_lock_and_logout(books: Books) -> None:
    add_clerk(books)
    start = books.clock.now()
    ctx = books.company.login("clerk", PASSWORD, client="gui")
    own = books.company.own_account(ctx)
    books.clock.set(start + timedelta(minutes=20))
    own.lock()
    with pytest.raises(AuthenticationError, match="wrong password"):
        own.unlock("not-it-at-all")
    own.unlock(PASSWORD)
    books.clock.set(start + timedelta(minutes=50))
    own.logout()
    sessions = books.company.security_queries(books.ctx).sessions("clerk")
    assert len(sessions) == 1
    session = sessions[0]
    assert (session.client, session.lock_count, session.end_reason) == ("gui", 1, "logout")
    assert session.duration(books.clock.now()) == timedelta(minutes=50)
    actions = [r.action for r in audit_rows(books) if r.username == "clerk"]
    assert actions[-5:] == ["login", "session_lock", "login_failed", "session_unlock", "logout"]
    with pytest.raises(PermissionDenied):
        books.company.security_queries(ctx).sessions()  # an accountant does not see the activity log


def test_policy_checks_also_guard_company_creation(books: Books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from paksa_desktop.company import Company, NewCompany

    with pytest.raises(ValidationError, match="at least 12"):
        Company.create(tmp_path / "weak.paksa", NewCompany("Weak Ltd", "USD", admin_password="short"))
    assert not (tmp_path / "weak.paksa").exists()


def test_count_of_audit_rows_grows_only_by_failures(books: Books) -> None:
    """A failed login writes its audit row and nothing else: no session, no user change."""
    add_clerk(books)
    from paksa_desktop.security.models import UserSession

    with UnitOfWork(books.company.engine, write=False) as uow:
        sessions_before = uow.session.execute(select(func.count()).select_from(UserSession)).scalar_one()
    version = user_row(books, "clerk").version
    with pytest.raises(AuthenticationError):
        books.company.login("nobody-here", PASSWORD)
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert uow.session.execute(select(func.count()).select_from(UserSession)).scalar_one() == sessions_before
    assert user_row(books, "clerk").version == version
    assert hash_password("x") != hash_password("x")  # salted
