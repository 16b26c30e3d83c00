"""Users, roles, the permissions each role grants, and what authentication needs to remember.

Lockout, the last accepted one-time-password step (replay protection) and recovery codes live with
the user, so every client of a shared PostgreSQL database sees the same state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)  # base32; None until enrolled
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # last accepted TOTP step
    # The user's own PostgreSQL login role on a company prepared with `paksa admin init-server`.
    db_login: Mapped[str | None] = mapped_column(String(63), unique=True, nullable=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_required: Mapped[bool] = mapped_column(Boolean, default=False)


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)


class RecoveryCode(Base):
    """A single-use MFA recovery code, stored as a SHA-256 digest (the codes are random, 50 bits)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SecurityPolicy(Base):
    """The company's one row of password, lockout, session and segregation-of-duties settings."""

    __tablename__ = "security_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_password_length: Mapped[int] = mapped_column(Integer, default=12)
    max_failed_logins: Mapped[int] = mapped_column(Integer, default=5)
    lockout_minutes: Mapped[int] = mapped_column(Integer, default=15)
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=15)
    creator_cannot_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SodRule(Base):
    """Two permissions no single user may hold together (segregation of duties)."""

    __tablename__ = "sod_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permission_a: Mapped[str] = mapped_column(String(64))
    permission_b: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (UniqueConstraint("permission_a", "permission_b"),)


class UserSession(Base):
    """One login of a user: when it started and ended, how often it was locked, and from where."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(255), default="")
    client: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    lock_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_user_sessions_user_started", "user_id", "started_at"),)
