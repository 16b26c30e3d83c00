"""Field encryption of sensitive data (IBANs, account numbers, national IDs, salaries).

Why this shape:
- One company data key (AES-256-GCM) encrypts every sensitive value; a raw dump of the database holds
  only envelopes `pk1.<key id>.<base64(nonce|ciphertext)>`, bound to their column by associated data.
- Each user who may read sensitive fields has an X25519 key pair; the private half is sealed under
  scrypt(password, per-user salt), and the data key is sealed to the public half. So an administrator
  holding the data key can grant it to anyone with a key pair without knowing their password, and a key
  rotation re-wraps the new key for every holder in the same transaction.
- `SealedText` is the column type: it refuses to store anything that is not an envelope, so a module
  (payroll, cash) cannot write plaintext into an encrypted column by mistake, and `rotate_data_key`
  finds every encrypted column through it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import Column, Engine, MetaData, Text, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from paksa_desktop.core.errors import PaksaError, ValidationError
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.crypto_models import DataKey, UserKeyPair, WrappedDataKey
from paksa_desktop.security.models import RolePermission, UserRole

PREFIX = "pk1"
SENSITIVE_READ = "security.sensitive.read"  # = Permission.SENSITIVE_READ (kept here so rules read locally)
SCRYPT_N = 2**14
_RAW = serialization.Encoding.Raw


class DecryptionError(PaksaError):
    """A stored ciphertext cannot be opened: damaged, from another column, or under an unknown key."""


class KeyUnavailable(PaksaError):
    """The user holds no data key (role without access, or not yet granted by a key holder)."""


class FieldKey:
    """An unwrapped data key in memory: its generation id and the 32 key bytes.

    A plain class, not a dataclass: pretty-printers (test reports among them) walk a dataclass's fields
    and would print the key bytes; this one only ever shows its id.
    """

    __slots__ = ("key", "key_id")

    def __init__(self, key_id: int, key: bytes) -> None:
        self.key_id = key_id
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldKey) and (self.key_id, self.key) == (other.key_id, other.key)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __repr__(self) -> str:  # never print key bytes in a traceback or a log
        return f"FieldKey(key_id={self.key_id})"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# ---------------------------------------------------------------------------------------------- values


def encrypt(key: FieldKey, plaintext: str, column: str) -> str:
    """Seal one value for `column` ('table.column'): the envelope cannot be moved to another column."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key.key).encrypt(nonce, plaintext.encode("utf-8"), column.encode("utf-8"))
    return f"{PREFIX}.{key.key_id}.{_b64(nonce + sealed)}"


def envelope_key_id(envelope: str) -> int:
    try:
        prefix, key_id, _ = envelope.split(".", 2)
        if prefix != PREFIX:
            raise ValueError
        return int(key_id)
    except ValueError:
        raise DecryptionError("the stored value is not an encrypted field (damaged data)") from None


def decrypt(key: FieldKey, envelope: str, column: str) -> str:
    """Open an envelope, or raise DecryptionError: never return garbage."""
    key_id = envelope_key_id(envelope)
    if key_id != key.key_id:
        raise DecryptionError(f"{column}: the value is encrypted under key {key_id}, not the current key")
    try:
        raw = _unb64(envelope.split(".", 2)[2])
        plain = AESGCM(key.key).decrypt(raw[:12], raw[12:], column.encode("utf-8"))
        return plain.decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise DecryptionError(f"{column}: the encrypted value is damaged and cannot be read") from None


class SealedText(TypeDecorator[str]):
    """Column type of an encrypted field: stores envelopes only, refuses plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is not None and not value.startswith(f"{PREFIX}."):
            raise ValueError("refusing to store plaintext in an encrypted column; encrypt it first")
        return value


def sealed_columns(metadata: MetaData) -> list[Column[Any]]:
    """Every encrypted column of the schema, so rotation never misses one a module added."""
    return [c for t in metadata.sorted_tables for c in t.columns if isinstance(c.type, SealedText)]


# ---------------------------------------------------------------------------------------------- key pairs


def _kek(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(password.encode("utf-8"))


def _seal_private(private: X25519PrivateKey, password: str, user_id: int) -> tuple[str, str]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    sealed = AESGCM(_kek(password, salt)).encrypt(nonce, raw, f"paksa-user-key:{user_id}".encode())
    return _b64(nonce + sealed), _b64(salt)


def _open_private(row: Any, password: str) -> X25519PrivateKey:
    raw = _unb64(row.sealed_private_key)
    try:
        plain = AESGCM(_kek(password, _unb64(row.kdf_salt))).decrypt(
            raw[:12], raw[12:], f"paksa-user-key:{row.user_id}".encode()
        )
    except InvalidTag:
        raise KeyUnavailable("the stored key of this user does not open with this password") from None
    return X25519PrivateKey.from_private_bytes(plain)


def _wrap_info(user_id: int, key_id: int) -> bytes:
    return f"paksa-data-key:{user_id}:{key_id}".encode()


def _seal_to(public_b64: str, key: FieldKey, user_id: int) -> str:
    recipient = X25519PublicKey.from_public_bytes(_unb64(public_b64))
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    kek = HKDF(hashes.SHA256(), 32, salt=eph_pub, info=_wrap_info(user_id, key.key_id)).derive(
        ephemeral.exchange(recipient)
    )
    nonce = secrets.token_bytes(12)
    return _b64(eph_pub + nonce + AESGCM(kek).encrypt(nonce, key.key, _wrap_info(user_id, key.key_id)))


def _open_sealed(private: X25519PrivateKey, sealed_b64: str, user_id: int, key_id: int) -> FieldKey:
    raw = _unb64(sealed_b64)
    eph_pub, nonce, body = raw[:32], raw[32:44], raw[44:]
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    kek = HKDF(hashes.SHA256(), 32, salt=eph_pub, info=_wrap_info(user_id, key_id)).derive(shared)
    try:
        return FieldKey(key_id, AESGCM(kek).decrypt(nonce, body, _wrap_info(user_id, key_id)))
    except InvalidTag:
        raise KeyUnavailable("the wrapped data key of this user is damaged") from None


def set_user_key_pair(s: Session, user_id: int, password: str) -> None:
    """Give a user a fresh key pair sealed with `password` (new user, password reset); old wraps go."""
    private = X25519PrivateKey.generate()
    public = _b64(private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw))
    sealed, salt = _seal_private(private, password, user_id)
    s.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    row = s.get(UserKeyPair, user_id)
    now = _now(s)
    if row is None:
        s.add(UserKeyPair(user_id=user_id, public_key=public, sealed_private_key=sealed, kdf_salt=salt, created_at=now))
    else:
        row.public_key, row.sealed_private_key, row.kdf_salt, row.created_at = public, sealed, salt, now
    s.flush()


def reseal_user_key_pair(s: Session, user_id: int, old_password: str, new_password: str) -> None:
    """A password change: the same key pair sealed under the new password (wraps stay valid)."""
    row = s.get(UserKeyPair, user_id)
    if row is None:
        return
    try:
        private = _open_private(row, old_password)
    except KeyUnavailable:
        set_user_key_pair(s, user_id, new_password)  # cannot keep it: a key holder must grant again
        return
    row.sealed_private_key, row.kdf_salt = _seal_private(private, new_password, user_id)
    s.flush()


def _now(s: Session) -> datetime:
    return datetime.now(UTC)


def _may_read(s: Session, user_id: int) -> bool:
    found = s.execute(
        select(RolePermission.permission)
        .join(UserRole, UserRole.role_id == RolePermission.role_id)
        .where(UserRole.user_id == user_id, RolePermission.permission == SENSITIVE_READ)
    ).first()
    return found is not None


def _active_key_id(s: Session) -> int | None:
    return s.execute(select(DataKey.id).where(DataKey.is_active.is_(True))).scalar_one_or_none()


def grant_data_key(s: Session, holder: UserContext, user_id: int) -> bool:
    """Wrap the holder's data key for `user_id` if the user's roles allow reading; drop it otherwise.

    Returns whether the user now holds the key. Needs the user's key pair (set at creation/reset).
    """
    if not _may_read(s, user_id):
        s.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
        return False
    key = require_key(holder)
    pair = s.get(UserKeyPair, user_id)
    if pair is None:
        return False
    s.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    s.add(
        WrappedDataKey(
            user_id=user_id,
            data_key_id=key.key_id,
            sealed_key=_seal_to(pair.public_key, key, user_id),
            created_at=_now(s),
        )
    )
    s.flush()
    return True


def sync_holder(s: Session, actor: UserContext, user_id: int) -> None:
    """After a role change: drop the user's wrapped key if the roles no longer allow reading; wrap it if
    they now do and the actor holds the key (otherwise a key holder grants it later)."""
    if not _may_read(s, user_id):
        s.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    elif actor.data_key is not None and _active_key_id(s) is not None:
        grant_data_key(s, actor, user_id)


def provision_user(s: Session, holder: UserContext, user_id: int, password: str) -> bool:
    """What user creation and password reset call: a new key pair, and the data key if the role allows."""
    set_user_key_pair(s, user_id, password)
    if holder.data_key is None or _active_key_id(s) is None:
        return False
    return grant_data_key(s, holder, user_id)


def unlock_at_login(s: Session, ctx: UserContext, password: str) -> UserContext:
    """After a successful login: the user's context with the data key, if the user may and does hold it.

    Bootstraps on the first login of a reader: a key pair, and the first data key if none exists yet.
    """
    if SENSITIVE_READ not in ctx.permissions:
        return ctx
    pair = s.get(UserKeyPair, ctx.user_id)
    if pair is None:
        set_user_key_pair(s, ctx.user_id, password)
        pair = s.get(UserKeyPair, ctx.user_id)
    assert pair is not None
    try:
        private = _open_private(pair, password)
    except KeyUnavailable:  # the password changed outside our hooks: start over, a holder re-grants
        set_user_key_pair(s, ctx.user_id, password)
        return ctx
    key_id = _active_key_id(s)
    if key_id is None and s.execute(select(DataKey.id)).first() is None:
        row = DataKey(created_at=_now(s), is_active=True)
        s.add(row)
        s.flush()
        key = FieldKey(row.id, AESGCM.generate_key(bit_length=256))
        s.add(
            WrappedDataKey(
                user_id=ctx.user_id,
                data_key_id=row.id,
                sealed_key=_seal_to(pair.public_key, key, ctx.user_id),
                created_at=_now(s),
            )
        )
        s.flush()
        return replace(ctx, data_key=key)
    wrapped = s.get(WrappedDataKey, (ctx.user_id, key_id)) if key_id is not None else None
    if wrapped is None:
        return ctx
    return replace(ctx, data_key=_open_sealed(private, wrapped.sealed_key, ctx.user_id, wrapped.data_key_id))


def require_key(ctx: UserContext) -> FieldKey:
    key = ctx.data_key
    if not isinstance(key, FieldKey):
        raise KeyUnavailable(
            f"user '{ctx.username}' holds no data key for sensitive fields "
            "(the role does not allow it, or a key holder has not granted it yet)"
        )
    return key


def rotate_data_key(s: Session, ctx: UserContext, metadata: MetaData) -> tuple[FieldKey, int, int]:
    """New data key; every encrypted value re-encrypted; the key wrapped again for every reader.

    Runs in the caller's transaction, so it happens completely or not at all. Returns the new key, the
    number of values re-encrypted and the number of key holders.
    """
    old = require_key(ctx)
    if _active_key_id(s) != old.key_id:
        raise ValidationError("the data key changed since you logged in; log in again and retry")
    s.execute(update(DataKey).values(is_active=False))
    row = DataKey(created_at=_now(s), is_active=True)
    s.add(row)
    s.flush()
    new = FieldKey(row.id, AESGCM.generate_key(bit_length=256))
    values = 0
    for column in sealed_columns(metadata):
        table = column.table
        pk = next(iter(table.primary_key.columns))
        name = f"{table.name}.{column.name}"
        for ident, envelope in s.execute(select(pk, column).where(column.is_not(None))).all():
            plain = decrypt(old, envelope, name)
            s.execute(update(table).where(pk == ident).values({column.name: encrypt(new, plain, name)}))
            values += 1
    s.execute(delete(WrappedDataKey))
    holders = 0
    for pair in s.execute(select(UserKeyPair)).scalars():
        if _may_read(s, pair.user_id):
            s.add(
                WrappedDataKey(
                    user_id=pair.user_id,
                    data_key_id=new.key_id,
                    sealed_key=_seal_to(pair.public_key, new, pair.user_id),
                    created_at=_now(s),
                )
            )
            holders += 1
    s.execute(delete(DataKey).where(DataKey.id != new.key_id))
    s.flush()
    return new, values, holders


def unwrap_in_transaction(engine: Engine, ctx: UserContext, password: str) -> UserContext:
    """Unlock in a unit of work of its own (for callers outside a login transaction)."""
    if SENSITIVE_READ not in ctx.permissions:
        return ctx
    with UnitOfWork(engine) as uow:
        result = unlock_at_login(uow.session, ctx, password)
        uow.commit()
    return result


KEY_ROTATE = "security.key.rotate"  # = Permission.KEY_ROTATE


@retry_writes
class DataKeyService:
    """Key holders' operations: grant the data key to a user, rotate it. Permission-checked, audited."""

    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    def grant(self, username: str) -> bool:
        """Wrap the data key for a user whose role may read sensitive fields (after their first login)."""
        from paksa_desktop.audit import trail
        from paksa_desktop.security.models import User

        self.ctx.require(KEY_ROTATE)
        require_key(self.ctx)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            user_id = s.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
            if user_id is None:
                raise ValidationError(f"unknown user '{username}'")
            granted = grant_data_key(s, self.ctx, user_id)
            trail.record(s, self.ctx, "grant" if granted else "revoke", "data_key", username)
            uow.commit()
        return granted

    def rotate(self) -> tuple[UserContext, int, int]:
        """`paksa admin rotate-key`: returns the caller's context with the new key, values and holders."""
        from paksa_desktop.audit import trail
        from paksa_desktop.persistence.base import all_metadata

        self.ctx.require(KEY_ROTATE)
        require_key(self.ctx)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            new, values, holders = rotate_data_key(s, self.ctx, all_metadata())
            trail.record(s, self.ctx, "rotate", "data_key", new.key_id, after={"values": values, "holders": holders})
            uow.commit()
        return replace(self.ctx, data_key=new), values, holders
