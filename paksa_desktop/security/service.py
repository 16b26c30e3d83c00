"""Users, roles, policy and authentication: the only code that changes security data.

Each public method of the *Service classes is one unit of work: it checks a named permission, makes its
change, writes an audit row and commits, or leaves no trace. Logging in is the one operation that
writes although it fails: a failed attempt commits its audit row and the failure count (that is the
point of counting), and nothing else.

`OwnAccount` holds what a logged-in user does to their own account (change the password, enrol in
MFA, lock and unlock the screen, log out): it needs no permission, only the user's own identity,
proven again by their password where it matters.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.clock import Clock
from paksa_desktop.core.errors import (
    AccountLocked,
    AuthenticationError,
    ConflictError,
    MfaRequired,
    NotFoundError,
    ValidationError,
)
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security import database_roles, field_crypto, ip_allowlist, totp
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import (
    RecoveryCode,
    Role,
    RolePermission,
    SecurityPolicy,
    SodRule,
    User,
    UserRole,
    UserSession,
)
from paksa_desktop.security.passwords import (
    hash_password,
    hash_recovery_code,
    needs_rehash,
    same_digest,
    verify_password,
)
from paksa_desktop.security.permissions import ALL_PERMISSIONS, EXEMPT_FROM_SOD, Permission
from paksa_desktop.security.policy import PolicyValues, check_password, sod_conflicts

WRONG_CREDENTIALS = "wrong user name or password, or the user is disabled"
ISSUER = "Paksa Desktop"


# ---------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    full_name: str = ""
    email: str = ""
    roles: tuple[str, ...] = ("Accountant",)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    full_name: str
    email: str
    is_active: bool
    roles: tuple[str, ...]
    mfa_enabled: bool
    locked_until: datetime | None
    failed_logins: int
    created_at: datetime
    version: int

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True, slots=True)
class RoleRow:
    id: int
    name: str
    description: str
    is_builtin: bool
    mfa_required: bool
    permissions: frozenset[str]
    users: int


@dataclass(frozen=True, slots=True)
class SodRuleRow:
    id: int
    permission_a: str
    permission_b: str
    description: str


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    username: str
    host: str
    client: str
    started_at: datetime
    ended_at: datetime | None
    end_reason: str
    lock_count: int
    last_seen_at: datetime

    def duration(self, now: datetime) -> timedelta:
        return (self.ended_at or now) - self.started_at


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    """What the enrolment screen shows: the secret, its otpauth URI (the QR code) and the recovery codes."""

    secret: str
    uri: str
    recovery_codes: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------- helpers


def anonymous_context(username: str, clock: Clock) -> UserContext:
    """The author of a failed login by a user name that does not exist (audit rows need someone)."""
    return UserContext(cast(int, None), username[:64], "", frozenset(), clock)


def user_context(s: Session, user: User, clock: Clock, **extra: Any) -> UserContext:
    permissions = frozenset(
        s.execute(
            select(RolePermission.permission)
            .join(UserRole, UserRole.role_id == RolePermission.role_id)
            .where(UserRole.user_id == user.id)
        ).scalars()
    )
    return UserContext(user.id, user.username, user.full_name, permissions, clock, **extra)


def load_policy(s: Session) -> PolicyValues:
    row = s.get(SecurityPolicy, 1)
    if row is None:
        return PolicyValues()
    return PolicyValues(
        row.min_password_length,
        row.max_failed_logins,
        row.lockout_minutes,
        row.idle_lock_minutes,
        row.creator_cannot_approve,
        row.version,
    )


def check_creator_may_approve(
    s: Session, ctx: UserContext, created_by: int | None, what: str, *, forbidden: bool | None = None
) -> None:
    """Segregation of duties: with the company policy on, nobody approves (posts) what they created.

    `forbidden`: the policy's `creator_cannot_approve` as the caller already read it in this transaction
    (a posting reads it with the company's settings); read here otherwise."""
    if created_by is None or created_by != ctx.user_id:
        return
    if forbidden is None:  # one column, not the ORM row
        forbidden = s.execute(select(SecurityPolicy.creator_cannot_approve).where(SecurityPolicy.id == 1)).scalar()
    if forbidden:
        raise ValidationError(
            f"you created this {what}; the company's segregation-of-duties policy requires another user to "
            "approve it (save it as a draft for them)"
        )


def _user(s: Session, username: str) -> User:
    user = s.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
    if user is None:
        raise NotFoundError(f"unknown user '{username}'")
    return user


def _role(s: Session, name: str) -> Role:
    role = s.execute(select(Role).where(Role.name == name.strip())).scalar_one_or_none()
    if role is None:
        raise NotFoundError(f"unknown role '{name}'")
    return role


def _role_names(s: Session, user_id: int) -> list[str]:
    return list(
        s.execute(
            select(Role.name).join(UserRole, UserRole.role_id == Role.id).where(UserRole.user_id == user_id)
        ).scalars()
    )


def _check_sod(s: Session, username: str, role_ids: Iterable[int]) -> None:
    """Refuse a set of roles whose permissions together break a segregation-of-duties rule."""
    role_ids = set(role_ids)
    if not role_ids:
        return
    names = set(s.execute(select(Role.name).where(Role.id.in_(role_ids))).scalars())
    if EXEMPT_FROM_SOD in names:
        return
    permissions = s.execute(select(RolePermission.permission).where(RolePermission.role_id.in_(role_ids))).scalars()
    rules = [(r.permission_a, r.permission_b) for r in s.execute(select(SodRule)).scalars()]
    conflicts = sod_conflicts(permissions, rules)
    if conflicts:
        pairs = ", ".join(f"{a} with {b}" for a, b in conflicts)
        raise ValidationError(f"user '{username}' would hold incompatible permissions ({pairs}); choose other roles")


def _set_password(user: User, password: str, policy: PolicyValues, now: datetime) -> None:
    check_password(password, user.username, policy.min_password_length)
    user.password_hash = hash_password(password)
    user.password_changed_at = now


# ---------------------------------------------------------------------------------------------- login


@retry_writes
class Authenticator:
    """Logs users in: password, lockout, one-time code; used by `Company.login` (no permission: nobody yet)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def login(self, username: str, password: str, otp: str | None = None, *, client: str = "") -> UserContext:
        now = self.clock.now()
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            policy = load_policy(s)
            user = s.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
            refused = ip_allowlist.refusal(s, username)  # PostgreSQL: the client address must be listed
            if refused:
                who = (
                    anonymous_context(username.strip(), self.clock)
                    if user is None
                    else user_context(s, user, self.clock)
                )
                self._fail(uow, who, refused, action="login_refused")
                raise AuthenticationError(refused)
            if user is None:
                self._fail(uow, anonymous_context(username.strip(), self.clock), "unknown user")
                raise AuthenticationError(WRONG_CREDENTIALS)
            ctx = user_context(s, user, self.clock)
            if user.locked_until is not None and user.locked_until > now:
                self._fail(uow, ctx, "account locked")
                raise AccountLocked(self._locked_message(user))
            if not verify_password(user.password_hash, password):
                self._count_failure(uow, user, ctx, policy, now, "wrong password")
                if user.locked_until is not None and user.locked_until > now:
                    raise AccountLocked(self._locked_message(user))
                raise AuthenticationError(WRONG_CREDENTIALS)
            if not user.is_active:
                self._fail(uow, ctx, "user disabled")
                raise AuthenticationError(f"user '{user.username}' is disabled; ask an administrator")
            if user.mfa_enabled and user.mfa_secret:
                if not otp or not otp.strip():
                    raise MfaRequired("enter the 6-digit code from your authenticator app (or a recovery code)")
                problem = self._check_second_factor(s, user, otp, now)
                if problem:
                    self._count_failure(uow, user, ctx, policy, now, problem)
                    if user.locked_until is not None and user.locked_until > now:
                        raise AccountLocked(self._locked_message(user))
                    raise AuthenticationError(problem)
            user.failed_logins = 0
            user.locked_until = None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            mfa_due = not user.mfa_enabled and bool(
                s.execute(
                    select(func.count())
                    .select_from(UserRole)
                    .join(Role, Role.id == UserRole.role_id)
                    .where(UserRole.user_id == user.id, Role.mfa_required.is_(True))
                ).scalar_one()
            )
            session = UserSession(
                user_id=user.id,
                host=socket.gethostname()[:255],
                client=client[:32],
                started_at=now,
                last_seen_at=now,
                end_reason="",
                lock_count=0,
            )
            s.add(session)
            s.flush()
            ctx = user_context(
                s,
                user,
                self.clock,
                session_id=session.id,
                mfa_enrolment_due=mfa_due,
                must_change_password=user.must_change_password,
            )
            trail.record(s, ctx, "login", "user", user.username, after={"session": session.id, "client": client})
            uow.commit()
            return ctx

    def idle_lock_minutes(self) -> int:
        with UnitOfWork(self.engine, write=False) as uow:
            return load_policy(uow.session).idle_lock_minutes

    @staticmethod
    def _locked_message(user: User) -> str:
        until = user.locked_until
        assert until is not None
        return (
            f"user '{user.username}' is locked after too many failed logins until {until:%Y-%m-%d %H:%M} UTC; "
            "wait, or ask an administrator to unlock it"
        )

    @staticmethod
    def _fail(uow: UnitOfWork, ctx: UserContext, reason: str, *, action: str = "login_failed") -> None:
        trail.record(uow.session, ctx, action, "user", ctx.username, after={"reason": reason})
        uow.commit()

    @staticmethod
    def _count_failure(
        uow: UnitOfWork, user: User, ctx: UserContext, policy: PolicyValues, now: datetime, reason: str
    ) -> None:
        _record_failure(uow.session, user, ctx, policy, now, reason)
        uow.commit()

    @staticmethod
    def _check_second_factor(s: Session, user: User, code: str, now: datetime) -> str:
        """Empty when the code is accepted (and then spent); else why it was refused."""
        assert user.mfa_secret is not None
        if totp.looks_like_recovery_code(code):
            digest = hash_recovery_code(code)
            for row in s.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).scalars():
                if same_digest(row.code_hash, digest):
                    if row.used_at is not None:
                        return "this recovery code was already used; each code works once"
                    row.used_at = now
                    return ""
            return "wrong recovery code"
        step = totp.matching_step(user.mfa_secret, code, now)
        if step is None:
            return "wrong or expired one-time code; enter the code your app shows now"
        if user.mfa_last_step is not None and step <= user.mfa_last_step:
            return "this one-time code was already used; wait for the next one"
        user.mfa_last_step = step
        return ""


# ---------------------------------------------------------------------------------------------- own account


@retry_writes
class OwnAccount(GuardedService):
    """What a logged-in user does to their own account; no permission needed, only being that user."""

    @contextmanager
    def _own(self) -> Iterator[tuple[Session, User]]:
        with UnitOfWork(self.engine) as uow:
            user = uow.session.get(User, self.ctx.user_id)
            if user is None or not user.is_active:
                raise AuthenticationError(f"user '{self.ctx.username}' is disabled or no longer exists")
            try:
                yield uow.session, user
                uow.commit()
            except StaleDataError:
                raise ConflictError("your account was changed meanwhile; try again") from None

    def _confirm(self, s: Session, user: User, password: str, action: str) -> None:
        if not verify_password(user.password_hash, password):
            trail.record(s, self.ctx, f"{action}_refused", "user", user.username, after={"reason": "wrong password"})
            s.commit()
            raise AuthenticationError("wrong password; nothing was changed")

    def change_password(self, current: str, new: str) -> Changes:
        with self._own() as (s, user):
            self._confirm(s, user, current, "password_change")
            field_crypto.reseal_user_key_pair(s, user.id, current, new)  # the data key stays readable
            if verify_password(user.password_hash, new):
                raise ValidationError("the new password must differ from the current one")
            _set_password(user, new, load_policy(s), self.ctx.clock.now())
            user.must_change_password = False
            if user.db_login and _on_secured_server(s):  # one password: the database login's changes with it
                database_roles.set_password(s.connection(), user.db_login, new)
            trail.record(s, self.ctx, "change_password", "user", user.username)
        return Changes.of(Kind.USERS)

    def begin_mfa_enrolment(self) -> MfaEnrolment:
        """A fresh secret to show as a QR code; nothing is stored until a code from it is confirmed."""
        secret = totp.new_secret()
        return MfaEnrolment(secret, totp.provisioning_uri(secret, self.ctx.username, ISSUER))

    def confirm_mfa_enrolment(self, password: str, secret: str, code: str) -> MfaEnrolment:
        """Turn MFA on once the app shows a right code; returns the 10 recovery codes (shown once)."""
        now = self.ctx.clock.now()
        with self._own() as (s, user):
            self._confirm(s, user, password, "mfa_enrol")
            step = totp.matching_step(secret, code, now)
            if step is None:
                raise ValidationError("the code does not match; check the app's clock and enter the current code")
            user.mfa_secret = secret
            user.mfa_enabled = True
            user.mfa_last_step = step
            codes = self._replace_recovery_codes(s, user)
            trail.record(s, self.ctx, "mfa_enrol", "user", user.username)
        return MfaEnrolment(secret, totp.provisioning_uri(secret, self.ctx.username, ISSUER), tuple(codes))

    def new_recovery_codes(self, password: str) -> tuple[str, ...]:
        with self._own() as (s, user):
            self._confirm(s, user, password, "recovery_codes")
            if not user.mfa_enabled:
                raise ValidationError("MFA is not on for your account")
            codes = self._replace_recovery_codes(s, user)
            trail.record(s, self.ctx, "recovery_codes", "user", user.username)
        return tuple(codes)

    def disable_mfa(self, password: str) -> Changes:
        with self._own() as (s, user):
            self._confirm(s, user, password, "mfa_disable")
            if _mfa_required_for(s, user.id):
                raise ValidationError("one of your roles requires MFA; it cannot be turned off")
            _clear_mfa(s, user)
            trail.record(s, self.ctx, "mfa_disable", "user", user.username)
        return Changes.of(Kind.USERS)

    def _replace_recovery_codes(self, s: Session, user: User) -> list[str]:
        s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        codes = totp.new_recovery_codes()
        s.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes)
        return codes

    def lock(self) -> None:
        """The idle lock covered the window: note it in the session and the audit trail."""
        with self._own() as (s, user):
            session = self._session(s)
            if session is not None:
                session.lock_count += 1
                session.last_seen_at = self.ctx.clock.now()
            trail.record(s, self.ctx, "session_lock", "user", user.username, after={"session": self.ctx.session_id})

    def unlock(self, password: str, otp: str | None = None) -> None:
        """Unlock the screen with the password (and a one-time code if the user has MFA)."""
        with self._own() as (s, user):
            policy = load_policy(s)
            now = self.ctx.clock.now()
            if not verify_password(user.password_hash, password):
                _record_failure(s, user, self.ctx, policy, now, "wrong password at the lock screen")
                s.commit()
                raise AuthenticationError("wrong password")
            if user.mfa_enabled and user.mfa_secret:
                if not otp:
                    raise MfaRequired("enter the 6-digit code from your authenticator app (or a recovery code)")
                problem = Authenticator._check_second_factor(s, user, otp, now)
                if problem:
                    _record_failure(s, user, self.ctx, policy, now, problem)
                    s.commit()
                    raise AuthenticationError(problem)
            user.failed_logins = 0
            session = self._session(s)
            if session is not None:
                session.last_seen_at = now
            trail.record(s, self.ctx, "session_unlock", "user", user.username, after={"session": self.ctx.session_id})

    def logout(self, reason: str = "logout") -> None:
        with UnitOfWork(self.engine) as uow:
            session = self._session(uow.session)
            if session is not None and session.ended_at is None:
                session.ended_at = self.ctx.clock.now()
                session.end_reason = reason[:32]
            trail.record(uow.session, self.ctx, "logout", "user", self.ctx.username, after={"reason": reason})
            uow.commit()

    def _session(self, s: Session) -> UserSession | None:
        return s.get(UserSession, self.ctx.session_id) if self.ctx.session_id is not None else None

    def idle_lock_minutes(self) -> int:
        with UnitOfWork(self.engine, write=False) as uow:
            return load_policy(uow.session).idle_lock_minutes


def _record_failure(s: Session, user: User, ctx: UserContext, policy: PolicyValues, now: datetime, reason: str) -> None:
    """Count a failed attempt (wrong password or code) and lock the account at the policy's limit; logged."""
    user.failed_logins += 1
    trail.record(
        s, ctx, "login_failed", "user", user.username, after={"reason": reason, "failures": user.failed_logins}
    )
    if user.failed_logins >= policy.max_failed_logins:
        user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        user.failed_logins = 0
        trail.record(s, ctx, "lock", "user", user.username, after={"locked_until": user.locked_until, "reason": reason})


def _mfa_required_for(s: Session, user_id: int) -> bool:
    return bool(
        s.execute(
            select(func.count())
            .select_from(UserRole)
            .join(Role, Role.id == UserRole.role_id)
            .where(UserRole.user_id == user_id, Role.mfa_required.is_(True))
        ).scalar_one()
    )


def _clear_mfa(s: Session, user: User) -> None:
    user.mfa_enabled = False
    user.mfa_secret = None
    user.mfa_last_step = None
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# ---------------------------------------------------------------------------------------------- users


@retry_writes
class UserService(GuardedService):
    """Administer the company's users (permission security.user.manage)."""

    def add_user(self, data: NewUser) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            username = data.username.strip()
            if not username or not data.password:
                raise ValidationError("a user needs a user name and a password")
            if len(username) > 64 or any(ch.isspace() for ch in username):
                raise ValidationError("a user name has at most 64 characters and no spaces")
            if s.execute(select(User.id).where(User.username == username)).first():
                raise ValidationError(f"user '{username}' already exists")
            now = self.ctx.clock.now()
            user = User(
                username=username,
                full_name=data.full_name.strip(),
                email=data.email.strip(),
                password_hash="",
                is_active=True,
                created_at=now,
                failed_logins=0,
                must_change_password=False,
                mfa_enabled=False,
            )
            _set_password(user, data.password, load_policy(s), now)
            s.add(user)
            s.flush()
            roles = [_role(s, name) for name in data.roles]
            _check_sod(s, username, (r.id for r in roles))
            s.add_all(UserRole(user_id=user.id, role_id=r.id) for r in roles)
            s.flush()
            field_crypto.provision_user(s, self.ctx, user.id, data.password)  # data key if the role reads
            if _on_secured_server(s):
                database_roles.create_login(s.connection(), username, data.password)
                database_roles.sync_logins(s.connection(), username)
            trail.record(
                s,
                self.ctx,
                "create",
                "user",
                username,
                after={"full_name": user.full_name, "email": user.email, "roles": [r.name for r in roles]},
            )
        return Changes.of(Kind.USERS)

    def update_user(self, username: str, *, full_name: str | None = None, email: str | None = None) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            before = {"full_name": user.full_name, "email": user.email}
            if full_name is not None:
                user.full_name = full_name.strip()
            if email is not None:
                if email.strip() and "@" not in email:
                    raise ValidationError(f"'{email}' is not an e-mail address")
                user.email = email.strip()
            old, new = trail.field_diff(before, {"full_name": user.full_name, "email": user.email})
            if new:
                trail.record(s, self.ctx, "update", "user", user.username, before=old, after=new)
        return Changes.of(Kind.USERS)

    def set_active(self, username: str, active: bool) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            if not active and user.id == self.ctx.user_id:
                raise ValidationError("you cannot disable yourself")
            if not active and self._is_last_admin(s, user.id):
                raise ValidationError(f"'{user.username}' is the last active administrator; keep at least one")
            if user.is_active != active:
                user.is_active = active
                trail.record(s, self.ctx, "enable" if active else "disable", "user", user.username)
                _sync_login(s, user)
        return Changes.of(Kind.USERS)

    def reset_password(self, username: str, new_password: str, *, must_change: bool = True) -> Changes:
        """An administrator sets a new password (checked against the policy); the user changes it at login."""
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            _set_password(user, new_password, load_policy(s), self.ctx.clock.now())
            user.must_change_password = must_change
            field_crypto.provision_user(s, self.ctx, user.id, new_password)  # new key pair, key re-granted
            if _on_secured_server(s):  # also how a user from before init-server gets a database login
                database_roles.create_login(s.connection(), user.username, new_password)
                s.expire(user, ["db_login"])
                _sync_login(s, user)
            user.failed_logins = 0
            user.locked_until = None
            trail.record(s, self.ctx, "reset_password", "user", user.username, after={"must_change": must_change})
        return Changes.of(Kind.USERS)

    def unlock(self, username: str) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            was = user.locked_until
            user.locked_until = None
            user.failed_logins = 0
            trail.record(s, self.ctx, "unlock", "user", user.username, before={"locked_until": was})
        return Changes.of(Kind.USERS)

    def reset_mfa(self, username: str) -> Changes:
        """A user lost their phone and codes: turn MFA off so they can enrol again."""
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            _clear_mfa(s, user)
            trail.record(s, self.ctx, "mfa_reset", "user", user.username)
        return Changes.of(Kind.USERS)

    def grant_role(self, username: str, role_name: str) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            role = _role(s, role_name)
            held = set(s.execute(select(UserRole.role_id).where(UserRole.user_id == user.id)).scalars())
            if role.id in held:
                raise ValidationError(f"user '{user.username}' already has the role '{role.name}'")
            _check_sod(s, user.username, held | {role.id})
            s.add(UserRole(user_id=user.id, role_id=role.id))
            s.flush()
            field_crypto.sync_holder(s, self.ctx, user.id)  # a reading role: wrap the data key
            trail.record(s, self.ctx, "grant_role", "user", user.username, after={"role": role.name})
            _sync_login(s, user)
        return Changes.of(Kind.USERS)

    def revoke_role(self, username: str, role_name: str) -> Changes:
        with self._unit(Permission.USER_MANAGE) as s:
            user = _user(s, username)
            role = _role(s, role_name)
            link = s.get(UserRole, (user.id, role.id))
            if link is None:
                raise ValidationError(f"user '{user.username}' does not have the role '{role.name}'")
            if role.name == EXEMPT_FROM_SOD and self._is_last_admin(s, user.id):
                raise ValidationError(f"'{user.username}' is the last active administrator; keep at least one")
            s.delete(link)
            s.flush()
            field_crypto.sync_holder(s, self.ctx, user.id)  # no reading role left: drop the data key
            trail.record(s, self.ctx, "revoke_role", "user", user.username, before={"role": role.name})
            _sync_login(s, user)
        return Changes.of(Kind.USERS)

    @staticmethod
    def _is_last_admin(s: Session, user_id: int) -> bool:
        admins = set(
            s.execute(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .join(Role, Role.id == UserRole.role_id)
                .where(Role.name == EXEMPT_FROM_SOD, User.is_active.is_(True))
            ).scalars()
        )
        return admins == {user_id}


# ---------------------------------------------------------------------------------------------- roles


@retry_writes
class RoleService(GuardedService):
    """Custom roles and what every role grants (permission security.role.manage)."""

    def create_role(
        self, name: str, description: str = "", permissions: Sequence[str] = (), *, mfa_required: bool = False
    ) -> Changes:
        with self._unit(Permission.ROLE_MANAGE) as s:
            name = name.strip()
            if not name or len(name) > 64:
                raise ValidationError("a role needs a name of at most 64 characters")
            if s.execute(select(Role.id).where(Role.name == name)).first():
                raise ValidationError(f"role '{name}' already exists")
            granted = _known(permissions)
            role = Role(name=name, description=description.strip(), is_builtin=False, mfa_required=mfa_required)
            s.add(role)
            s.flush()
            s.add_all(RolePermission(role_id=role.id, permission=p) for p in sorted(granted))
            if _on_secured_server(s):
                database_roles.sync_role(s.connection(), name, granted)
            trail.record(
                s,
                self.ctx,
                "create",
                "role",
                name,
                after={"permissions": sorted(granted), "mfa_required": mfa_required},
            )
        return Changes.of(Kind.USERS)

    def set_permissions(self, name: str, permissions: Sequence[str]) -> Changes:
        """Replace what a role grants; every user holding it is checked against the SoD rules again."""
        with self._unit(Permission.ROLE_MANAGE) as s:
            role = _role(s, name)
            if role.name == EXEMPT_FROM_SOD:
                raise ValidationError("the Administrator role always grants everything")
            granted = _known(permissions)
            before = set(
                s.execute(select(RolePermission.permission).where(RolePermission.role_id == role.id)).scalars()
            )
            s.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
            s.add_all(RolePermission(role_id=role.id, permission=p) for p in sorted(granted))
            s.flush()
            holders = s.execute(
                select(User.username, User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role_id == role.id)
            ).all()
            for username, user_id in holders:
                _check_sod(
                    s, username, s.execute(select(UserRole.role_id).where(UserRole.user_id == user_id)).scalars()
                )
                if (
                    Permission.SENSITIVE_READ in before ^ granted
                ):  # the role now reads sensitive fields, or no longer does
                    field_crypto.sync_holder(s, self.ctx, user_id)
            if _on_secured_server(s):
                database_roles.sync_role(s.connection(), role.name, granted)
                if (before ^ granted) & {Permission.USER_MANAGE, Permission.ROLE_MANAGE}:
                    database_roles.sync_logins(s.connection())  # CREATEROLE follows user/role management
            trail.record(
                s,
                self.ctx,
                "update",
                "role",
                role.name,
                before={"removed": sorted(before - granted)},
                after={"added": sorted(granted - before)},
            )
        return Changes.of(Kind.USERS)

    def update_role(self, name: str, *, description: str | None = None, mfa_required: bool | None = None) -> Changes:
        with self._unit(Permission.ROLE_MANAGE) as s:
            role = _role(s, name)
            before = {"description": role.description, "mfa_required": role.mfa_required}
            if description is not None:
                role.description = description.strip()[:255]
            if mfa_required is not None:
                role.mfa_required = mfa_required
            old, new = trail.field_diff(before, {"description": role.description, "mfa_required": role.mfa_required})
            if new:
                trail.record(s, self.ctx, "update", "role", role.name, before=old, after=new)
        return Changes.of(Kind.USERS)

    def delete_role(self, name: str) -> Changes:
        with self._unit(Permission.ROLE_MANAGE) as s:
            role = _role(s, name)
            if role.is_builtin:
                raise ValidationError(f"'{role.name}' is a built-in role; it cannot be deleted")
            users = s.execute(
                select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id)
            ).scalar_one()
            if users:
                raise ValidationError(f"role '{role.name}' is held by {users} user(s); revoke it from them first")
            trail.record(s, self.ctx, "delete", "role", role.name)
            s.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
            s.delete(role)
            if _on_secured_server(s):
                database_roles.drop_role(s.connection(), role.name)
        return Changes.of(Kind.USERS)


def _on_secured_server(s: Session) -> bool:
    """A PostgreSQL company prepared with `paksa admin init-server`: users and roles exist there too."""
    return database_roles.is_secured(s.connection())


def _sync_login(s: Session, user: User) -> None:
    s.flush()
    if user.db_login and _on_secured_server(s):
        database_roles.sync_logins(s.connection(), user.username)


def _known(permissions: Iterable[str]) -> set[str]:
    granted = set(permissions)
    unknown = sorted(granted - ALL_PERMISSIONS)
    if unknown:
        raise ValidationError(f"unknown permission(s): {', '.join(unknown)}")
    return granted


# ---------------------------------------------------------------------------------------------- policy


@retry_writes
class PolicyService(GuardedService):
    """Password, lockout, session and segregation-of-duties settings (permission security.policy.manage)."""

    def update_policy(self, values: PolicyValues) -> Changes:
        with self._unit(Permission.POLICY_MANAGE) as s:
            values.validate()
            row = s.get(SecurityPolicy, 1)
            if row is None:
                row = SecurityPolicy(id=1)
                s.add(row)
            elif row.version != values.version:
                raise trail.stale(s, "the security policy", "security_policy", 1)
            before = load_policy(s)
            row.min_password_length = values.min_password_length
            row.max_failed_logins = values.max_failed_logins
            row.lockout_minutes = values.lockout_minutes
            row.idle_lock_minutes = values.idle_lock_minutes
            row.creator_cannot_approve = values.creator_cannot_approve
            s.flush()
            keys = ("min_password_length", "max_failed_logins", "lockout_minutes", "idle_lock_minutes")
            fields = (*keys, "creator_cannot_approve")
            old, new = trail.field_diff(
                {k: getattr(before, k) for k in fields}, {k: getattr(values, k) for k in fields}
            )
            trail.record(s, self.ctx, "update", "security_policy", 1, before=old, after=new)
        return Changes.of(Kind.USERS)

    def add_sod_rule(self, permission_a: str, permission_b: str, description: str = "") -> Changes:
        with self._unit(Permission.POLICY_MANAGE) as s:
            a, b = sorted(_known((permission_a, permission_b)) if permission_a != permission_b else ())
            existing = s.execute(
                select(SodRule.id).where(
                    ((SodRule.permission_a == a) & (SodRule.permission_b == b))
                    | ((SodRule.permission_a == b) & (SodRule.permission_b == a))
                )
            ).first()
            if existing:
                raise ValidationError(f"{a} and {b} are already incompatible")
            s.add(SodRule(permission_a=a, permission_b=b, description=description.strip()[:255]))
            trail.record(s, self.ctx, "create", "sod_rule", f"{a}|{b}"[:64], after={"description": description})
        return Changes.of(Kind.USERS)

    def delete_sod_rule(self, rule_id: int) -> Changes:
        with self._unit(Permission.POLICY_MANAGE) as s:
            rule = s.get(SodRule, rule_id)
            if rule is None:
                raise NotFoundError(f"no segregation-of-duties rule {rule_id}")
            trail.record(s, self.ctx, "delete", "sod_rule", f"{rule.permission_a}|{rule.permission_b}"[:64])
            s.delete(rule)
        return Changes.of(Kind.USERS)


# ---------------------------------------------------------------------------------------------- queries


class SecurityQueries(GuardedService):
    """Read models for the Administration tab and the CLI."""

    def users(self) -> list[UserRow]:
        with self._read(Permission.USER_MANAGE) as s:
            roles: dict[int, list[str]] = {}
            for user_id, name in s.execute(
                select(UserRole.user_id, Role.name).join(Role, Role.id == UserRole.role_id).order_by(Role.name)
            ):
                roles.setdefault(user_id, []).append(name)
            return [
                UserRow(
                    u.id,
                    u.username,
                    u.full_name,
                    u.email,
                    u.is_active,
                    tuple(roles.get(u.id, ())),
                    u.mfa_enabled,
                    u.locked_until,
                    u.failed_logins,
                    u.created_at,
                    u.version,
                )
                for u in s.execute(select(User).order_by(User.username)).scalars()
            ]

    def roles(self) -> list[RoleRow]:
        with self._read(Permission.USER_MANAGE) as s:
            grants: dict[int, set[str]] = {}
            for role_id, permission in s.execute(select(RolePermission.role_id, RolePermission.permission)):
                grants.setdefault(role_id, set()).add(permission)
            counts = dict(s.execute(select(UserRole.role_id, func.count()).group_by(UserRole.role_id)).all())
            return [
                RoleRow(
                    r.id,
                    r.name,
                    r.description,
                    r.is_builtin,
                    r.mfa_required,
                    frozenset(grants.get(r.id, ())),
                    int(counts.get(r.id, 0)),
                )
                for r in s.execute(select(Role).order_by(Role.is_builtin.desc(), Role.id)).scalars()
            ]

    def policy(self) -> PolicyValues:
        with self._read(Permission.POLICY_MANAGE) as s:
            return load_policy(s)

    def sod_rules(self) -> list[SodRuleRow]:
        with self._read(Permission.POLICY_MANAGE) as s:
            return [
                SodRuleRow(r.id, r.permission_a, r.permission_b, r.description)
                for r in s.execute(select(SodRule).order_by(SodRule.permission_a, SodRule.permission_b)).scalars()
            ]

    def sessions(self, username: str | None = None, *, limit: int = 500) -> list[SessionRow]:
        with self._read(Permission.ACTIVITY_VIEW) as s:
            query = (
                select(UserSession, User.username)
                .join(User, User.id == UserSession.user_id)
                .order_by(UserSession.started_at.desc(), UserSession.id.desc())
                .limit(limit)
            )
            if username:
                query = query.where(User.username == username.strip())
            return [
                SessionRow(
                    row.id,
                    name,
                    row.host,
                    row.client,
                    row.started_at,
                    row.ended_at,
                    row.end_reason,
                    row.lock_count,
                    row.last_seen_at,
                )
                for row, name in s.execute(query)
            ]
