"""Credential stores: a secure keyring or an encrypted file, never a plaintext backend; profiles hold no
secret; after a whole CLI session neither the config folder nor the logs contain one."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from paksa_desktop.cli import main
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.security import credentials
from paksa_desktop.security.credentials import (
    CredentialError,
    EncryptedFileStore,
    KeyringStore,
    secret_name,
    token_name,
)
from paksa_desktop.security.profiles import ConnectionProfile, ProfileStore, SslMode
from tests.conftest import ADMIN_PASSWORD, Books
from tests.keyrings import MemoryKeyring, unregister

MASTER = "master-of-the-keys-42"
DB_SECRET = "s3cr3t-db-password-xyz"
TOKEN = "tok_9f8e7d6c5b4a"


class PlaintextKeyring(KeyringBackend):
    """Stands for keyrings.alt's clear-text file backend."""

    priority = 0.5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must never be written to")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("must never be written to")


class BrokenKeyring(MemoryKeyring):
    """A keyring whose D-Bus went away."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("D-Bus is not running")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("D-Bus is not running")


unregister(PlaintextKeyring)
unregister(BrokenKeyring)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Own config folder, no PAKSA_* variables, an in-memory keyring; restored afterwards."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("PAKSA_DB", "PAKSA_USER", "PAKSA_PASSWORD", "PAKSA_MASTER_PASSWORD", "PAKSA_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.core._keyring_backend
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.core._keyring_backend = previous


# ---------------------------------------------------------------------------------------------- keyring


def test_keyring_store_round_trip(isolated: MemoryKeyring) -> None:
    store = KeyringStore(isolated)
    store.set(secret_name("alice", "postgresql+psycopg://db/books"), DB_SECRET)
    store.set(token_name("bank-api"), TOKEN)
    assert store.get("alice@postgresql+psycopg://db/books") == DB_SECRET
    assert isolated.passwords[("paksa", "token:bank-api")] == TOKEN
    store.delete(token_name("bank-api"))
    store.delete(token_name("never-there"))
    assert store.get(token_name("bank-api")) is None


@pytest.mark.parametrize("backend", [PlaintextKeyring(), fail.Keyring()], ids=["plaintext", "fail"])
def test_plaintext_and_placeholder_keyrings_are_refused(backend: KeyringBackend) -> None:
    with pytest.raises(CredentialError, match="refusing it"):
        KeyringStore(backend)
    keyring.set_keyring(backend)
    assert credentials.detect_keyring() is None


def test_detect_keyring_finds_the_chosen_secure_backend(isolated: MemoryKeyring) -> None:
    assert credentials.detect_keyring() is isolated


def test_an_unavailable_keyring_is_a_clear_logged_error(caplog: pytest.LogCaptureFixture) -> None:
    store = KeyringStore(BrokenKeyring())
    with caplog.at_level(logging.WARNING, logger="paksa_desktop.security.credentials"):
        with pytest.raises(CredentialError, match=r"OS keyring is unavailable \(RuntimeError\); nothing was stored"):
            store.set("alice@x", DB_SECRET)
        with pytest.raises(CredentialError, match="nothing was read"):
            store.get("alice@x")
    assert "keyring stored failed: RuntimeError" in caplog.text
    assert DB_SECRET not in caplog.text


# ---------------------------------------------------------------------------------------------- encrypted file


def test_encrypted_file_round_trip_and_nothing_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "creds" / "credentials.enc"
    store = EncryptedFileStore(path, MASTER)
    store.set("alice@db", DB_SECRET)
    store.set(token_name("bank-api"), TOKEN)
    raw = path.read_bytes()
    for secret in (DB_SECRET, TOKEN, MASTER, "alice@db", "bank-api"):
        assert secret.encode() not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = EncryptedFileStore(path, MASTER)
    assert again.get("alice@db") == DB_SECRET and again.get(token_name("bank-api")) == TOKEN
    again.delete("alice@db")
    assert EncryptedFileStore(path, MASTER).get("alice@db") is None


def test_wrong_master_password_or_tampering_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "credentials.enc"
    EncryptedFileStore(path, MASTER).set("alice@db", DB_SECRET)
    before = path.read_bytes()
    with pytest.raises(CredentialError, match="wrong master password, or the file is damaged"):
        EncryptedFileStore(path, "not-the-master")
    path.write_bytes(before.replace(b'"version": 1', b'"version": 2'))  # authenticated header
    with pytest.raises(CredentialError, match="wrong master password"):
        EncryptedFileStore(path, MASTER)
    path.write_bytes(b"{not json")
    with pytest.raises(CredentialError, match="cannot read the credentials file"):
        EncryptedFileStore(path, MASTER)
    with pytest.raises(CredentialError, match="needs a master password"):
        EncryptedFileStore(path, "")
    assert DB_SECRET not in caplog.text and MASTER not in caplog.text


# ---------------------------------------------------------------------------------------------- profiles


def test_profiles_round_trip_without_secrets(tmp_path: Path) -> None:
    store = ProfileStore()
    assert store.path == tmp_path / "config" / "paksa" / "profiles.json"
    office = ConnectionProfile("Office", host="db.example.com", database="books", user="alice")
    store.save(office)
    store.save(ConnectionProfile("Branch", host="10.0.0.5", port=5433, database="b", ssl_mode=SslMode.REQUIRE))
    assert [p.name for p in store.list()] == ["Branch", "Office"]
    assert store.get("Office") == office
    url = office.url(DB_SECRET)
    assert url.password == DB_SECRET and url.query["sslmode"] == "prefer"
    assert DB_SECRET not in office.location
    assert DB_SECRET not in store.path.read_text()
    store.remove("Branch")
    assert [p.name for p in store.list()] == ["Office"]
    with pytest.raises(ValidationError, match="needs a host and a database"):
        store.save(ConnectionProfile("Empty"))
    store.path.write_text("[]")
    with pytest.raises(ValidationError, match="damaged"):
        store.list()


# ---------------------------------------------------------------------------------------------- a whole session


def test_no_secret_in_the_config_folder_or_the_logs_after_a_session(
    books: Books,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A headless machine: no secure keyring, so the password goes to the encrypted file; the CLI finds it."""
    caplog.set_level(logging.DEBUG)
    keyring.set_keyring(fail.Keyring())
    assert credentials.detect_keyring() is None
    location = books.company.location
    profiles = ProfileStore()
    profiles.save(ConnectionProfile("Books", host="127.0.0.1", database="books", user="admin"))
    store = EncryptedFileStore(credentials.default_credentials_file(), MASTER)
    store.set(secret_name("admin", location), ADMIN_PASSWORD)
    store.set(token_name("bank-api"), TOKEN)

    monkeypatch.setenv("PAKSA_DB", books.url)
    assert main(["company", "info"]) == 1  # no master password given: no password found
    monkeypatch.setenv("PAKSA_MASTER_PASSWORD", "wrong")
    assert main(["company", "info"]) == 1
    monkeypatch.setenv("PAKSA_MASTER_PASSWORD", MASTER)
    assert main(["company", "info"]) == 0
    assert main(["period", "list"]) == 0
    out, err = capsys.readouterr()
    assert "Test Company Ltd" in out and "wrong master password" in err

    config = tmp_path / "config"
    files = [p for p in config.rglob("*") if p.is_file()]
    assert {p.name for p in files} == {"profiles.json", "credentials.enc"}
    for secret in (ADMIN_PASSWORD, TOKEN, MASTER):
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret} found in {path}"
        assert secret not in caplog.text
        assert secret not in out + err
