"""Where secrets live: the OS keyring, or an encrypted file when the machine has no trustworthy keyring.

Secrets (database passwords, API tokens) never go into a config file or a log. The caller (the
composition root: CLI, GUI) chooses the store explicitly; nothing here picks a keyring on import.

- `KeyringStore` wraps one keyring backend and refuses plaintext or placeholder backends.
- `EncryptedFileStore` keeps the secrets in one file sealed with AES-GCM under a key derived with
  scrypt from a master password, for headless machines with no Secret Service.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from paksa_desktop.core.errors import PaksaError

log = logging.getLogger(__name__)

SERVICE = "paksa"
FILE_FORMAT = "paksa-credentials"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class CredentialError(PaksaError):
    """The credential store cannot be used (no keyring, a refused backend, a wrong master password)."""


class CredentialStore(Protocol):
    """What the application needs from any secret store."""

    description: str

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, secret: str) -> None: ...

    def delete(self, name: str) -> None: ...


def secret_name(user: str, location: str) -> str:
    """The key of a database password: the user and the company location (a path or a URL without password)."""
    return f"{user}@{location}"


def token_name(label: str) -> str:
    """The key of an API token, kept apart from database passwords."""
    return f"token:{label}"


# ---------------------------------------------------------------------------------------------- keyring


def is_insecure_backend(backend: Any) -> bool:
    """True for backends that keep secrets in clear text, prompt on stdin, or store nothing at all."""
    kind = type(backend)
    module = kind.__module__
    name = kind.__name__.lower()
    return (
        "plaintext" in name
        or module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt"))
        or not _viable(backend)
    )


def _viable(backend: Any) -> bool:
    """keyring computes some priorities on access and raises when the backend cannot work here."""
    try:
        return bool(getattr(backend, "priority", 1) > 0)
    except Exception:
        return False


def usable_backends(backend: Any) -> list[Any]:
    """The secure backends inside `backend` (a chainer holds several)."""
    candidates = list(getattr(backend, "backends", None) or [backend])
    return [b for b in candidates if not is_insecure_backend(b)]


def detect_keyring() -> Any | None:
    """The system keyring if it is a secure one, else None (the caller then offers the encrypted file).

    Called by the composition root only; any keyring trouble (no D-Bus, NoKeyringError) counts as none.
    """
    try:
        import keyring

        found = usable_backends(keyring.get_keyring())
    except Exception as exc:  # keyring's detection can fail in many ways on a bare machine
        log.info("no OS keyring: %s", type(exc).__name__)
        return None
    return found[0] if found else None


class KeyringStore:
    """Secrets in one explicitly chosen OS keyring backend."""

    def __init__(self, backend: Any, service: str = SERVICE) -> None:
        chosen = usable_backends(backend)
        if not chosen:
            raise CredentialError(
                f"the keyring backend {type(backend).__name__} keeps secrets unprotected or not at all; "
                "refusing it (use the encrypted credentials file instead)"
            )
        self.backend = chosen[0]
        self.service = service
        self.description = f"OS keyring ({type(self.backend).__name__})"

    def _fail(self, action: str, exc: Exception) -> CredentialError:
        log.warning("keyring %s failed: %s", action, type(exc).__name__)
        return CredentialError(f"the OS keyring is unavailable ({type(exc).__name__}); nothing was {action}")

    def get(self, name: str) -> str | None:
        try:
            found = self.backend.get_password(self.service, name)
        except Exception as exc:
            raise self._fail("read", exc) from None
        return str(found) if found else None

    def set(self, name: str, secret: str) -> None:
        try:
            self.backend.set_password(self.service, name, secret)
        except Exception as exc:
            raise self._fail("stored", exc) from None

    def delete(self, name: str) -> None:
        try:
            if self.backend.get_password(self.service, name) is not None:
                self.backend.delete_password(self.service, name)
        except Exception as exc:
            raise self._fail("deleted", exc) from None


# ---------------------------------------------------------------------------------------------- encrypted file


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(master_password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(master_password.encode("utf-8"))


def write_private(path: Path, data: bytes) -> None:
    """Write atomically, readable by the owner only (0600), so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EncryptedFileStore:
    """All secrets in one JSON file whose payload is AES-GCM encrypted under scrypt(master password).

    The header (format, KDF parameters, salt) is authenticated as associated data, so tampering with
    it fails like a wrong password does. Each save uses a fresh salt and nonce.
    """

    def __init__(self, path: Path, master_password: str) -> None:
        if not master_password:
            raise CredentialError("the encrypted credentials file needs a master password")
        self.path = Path(path)
        self.description = f"encrypted file {self.path}"
        self._master = master_password
        self._secrets = self._load()

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            header = doc["header"]
            if header.get("format") != FILE_FORMAT or header.get("kdf") != "scrypt":
                raise ValueError("not a Paksa credentials file")
            key = _derive(self._master, _unb64(header["salt"]), int(header["n"]), int(header["r"]), int(header["p"]))
            aad = json.dumps(header, sort_keys=True).encode("utf-8")
            plain = AESGCM(key).decrypt(_unb64(doc["nonce"]), _unb64(doc["ciphertext"]), aad)
        except InvalidTag:
            log.warning("credentials file %s: wrong master password or damaged file", self.path)
            raise CredentialError(f"cannot unlock {self.path}: wrong master password, or the file is damaged") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("credentials file %s unreadable: %s", self.path, type(exc).__name__)
            raise CredentialError(f"cannot read the credentials file {self.path}: {type(exc).__name__}") from None
        loaded = json.loads(plain.decode("utf-8"))
        return {str(k): str(v) for k, v in loaded.items()}

    def _save(self, values: dict[str, str]) -> None:
        salt = secrets.token_bytes(16)
        header = {"format": FILE_FORMAT, "version": 1, "kdf": "scrypt", "salt": _b64(salt)}
        header |= {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "cipher": "AES-256-GCM"}
        key = _derive(self._master, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        nonce = secrets.token_bytes(12)
        aad = json.dumps(header, sort_keys=True).encode("utf-8")
        ciphertext = AESGCM(key).encrypt(nonce, json.dumps(values, sort_keys=True).encode("utf-8"), aad)
        doc = {"header": header, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        write_private(self.path, json.dumps(doc, indent=1).encode("utf-8"))

    def get(self, name: str) -> str | None:
        return self._secrets.get(name)

    def set(self, name: str, secret: str) -> None:
        values = {**self._secrets, name: secret}
        self._save(values)  # the in-memory copy changes only once the file is written
        self._secrets = values

    def delete(self, name: str) -> None:
        if name in self._secrets:
            values = {k: v for k, v in self._secrets.items() if k != name}
            self._save(values)
            self._secrets = values


def default_credentials_file() -> Path:
    """The encrypted fallback store, in the per-user config folder beside the profiles."""
    from paksa_desktop.security.profiles import config_dir

    return config_dir() / "credentials.enc"
