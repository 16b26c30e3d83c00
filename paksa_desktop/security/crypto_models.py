"""Tables of field encryption (data keys, per-user key pairs and wrapped keys) and of the IP allowlist.

Binary values are stored base64-encoded in VARCHAR columns, identical on both engines.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from paksa_desktop.persistence.base import Base
from paksa_desktop.persistence.types import UtcDateTime


class DataKey(Base):
    """One generation of the company data key; only its id is stored here, never the key."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserKeyPair(Base):
    """A user's X25519 key pair; the private half sealed under a key derived from the user's password."""

    __tablename__ = "user_key_pairs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    sealed_private_key: Mapped[str] = mapped_column(String(128))
    kdf_salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WrappedDataKey(Base):
    """The data key sealed to one user's public key: only that user's password opens it."""

    __tablename__ = "wrapped_data_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id", ondelete="CASCADE"), primary_key=True)
    sealed_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IpAllowRule(Base):
    """One CIDR range PostgreSQL clients may log in from; no rows means no restriction."""

    __tablename__ = "ip_allowlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cidr: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
