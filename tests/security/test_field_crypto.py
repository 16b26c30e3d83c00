"""Field encryption on both engines: bank account numbers encrypted under the company data key, the key
wrapped per reader, rotation re-encrypting everything in one transaction, and no plaintext anywhere in
a raw dump of the database or in the audit trail."""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError

from paksa_desktop.cli import main
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.ledger.bank_details import BankDetailsService
from paksa_desktop.ledger.models import Account
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.crypto_models import DataKey, WrappedDataKey
from paksa_desktop.security.field_crypto import (
    DataKeyService,
    DecryptionError,
    FieldKey,
    KeyUnavailable,
    decrypt,
    encrypt,
)
from paksa_desktop.security.permissions import Permission
from tests.conftest import ADMIN_PASSWORD, Books

IBAN = "DE89370400440532013000"
OTHER = "GB82WEST12345698765432"
COLUMN = "accounts.bank_account_number"


def key(key_id: int = 1) -> FieldKey:
    return FieldKey(key_id, os.urandom(32))


# ---------------------------------------------------------------------------------------------- pure


def test_envelopes_round_trip_and_bind_to_their_column() -> None:
    k = key()
    sealed = encrypt(k, IBAN, COLUMN)
    assert sealed.startswith("pk1.1.") and IBAN not in sealed
    assert encrypt(k, IBAN, COLUMN) != sealed  # fresh nonce each time
    assert decrypt(k, sealed, COLUMN) == IBAN
    assert "key_id=1" in repr(k) and k.key.hex() not in repr(k)
    with pytest.raises(DecryptionError, match="damaged"):
        decrypt(k, sealed, "employees.salary")  # moved to another column
    with pytest.raises(DecryptionError, match="damaged"):
        decrypt(key(), sealed, COLUMN)  # another key with the same id
    with pytest.raises(DecryptionError, match="not the current key"):
        decrypt(key(2), sealed, COLUMN)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "plaintext"])
def test_a_corrupted_ciphertext_is_a_clear_error_never_garbage(damage: str) -> None:
    k = key()
    sealed = encrypt(k, IBAN, COLUMN)
    body = sealed.split(".", 2)[2]
    broken = {
        "flip": sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:],
        "truncate": sealed[: len(sealed) - len(body) // 2],
        "garbage": "pk1.1.!!!not-base64!!!",
        "plaintext": IBAN,
    }[damage]
    with pytest.raises(DecryptionError, match="damaged"):
        decrypt(k, broken, COLUMN)


# ---------------------------------------------------------------------------------------------- both engines


def _raw_contains(books: Books, needle: str, tmp_path: Path) -> bool:
    """Grep a raw dump: the SQLite file and its WAL, or pg_dump's output."""
    if books.company.is_sqlite:
        path = Path(make_url(books.company.url).database or "")
        blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
        return any(needle.encode() in b for b in blobs)
    pg_dump = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)[0]
    url = make_url(books.url)
    dump = subprocess.run(
        [pg_dump, "-h", url.host or "", "-p", str(url.port), "-U", url.username or "", "-d", url.database or ""],
        check=True,
        capture_output=True,
    ).stdout
    assert b"COPY public.accounts" in dump  # the dump really holds the table
    return needle.encode() in dump


def test_bank_account_number_is_encrypted_at_rest_and_in_the_audit_trail(books: Books, tmp_path: Path) -> None:
    assert isinstance(books.ctx.data_key, FieldKey)  # the administrator holds the key after login
    bank = BankDetailsService(books.company.engine, books.ctx)
    bank.set_bank_account_number("1100", "de89 3704 0044 0532 0130 00")
    bank.set_bank_account_number("1110", OTHER)
    assert bank.bank_account_number("1100") == IBAN
    assert bank.bank_account_number("1110") == OTHER
    assert bank.bank_account_number("1200") is None
    with pytest.raises(ValidationError, match="not a bank account"):
        bank.set_bank_account_number("4010", IBAN)
    with pytest.raises(ValidationError, match="check digits"):
        bank.set_bank_account_number("1100", "DE89370400440532013001")

    with UnitOfWork(books.company.engine, write=False) as uow:
        stored = uow.session.execute(select(Account.bank_account_number).where(Account.code == "1100")).scalar()
        audit = uow.session.execute(text("SELECT before, after FROM audit_log")).all()
    assert stored is not None and stored.startswith("pk1.")
    assert any("bank_account_number" in (a or "") for _, a in audit)
    assert not any(IBAN in (b or "") + (a or "") for b, a in audit)
    books.company.engine.dispose()  # SQLite: let the WAL be checkpointed into the file too
    for plain in (IBAN, OTHER, "0532013000"):
        assert not _raw_contains(books, plain, tmp_path), f"{plain} found in a raw dump"


def test_the_column_refuses_plaintext(books: Books) -> None:
    with UnitOfWork(books.company.engine) as uow, pytest.raises(StatementError, match="refusing to store plaintext"):
        uow.session.execute(update(Account).where(Account.code == "1100").values(bank_account_number=IBAN))


def test_only_readers_get_the_key(books: Books) -> None:
    company = books.company
    company.add_user(books.ctx, "treasurer", "treasurer-pass-1", roles=("Administrator",))
    company.add_user(books.ctx, "clerk", "clerk-pass-12345", roles=("Accountant",))
    BankDetailsService(company.engine, books.ctx).set_bank_account_number("1100", IBAN)

    treasurer = company.login("treasurer", "treasurer-pass-1")
    assert BankDetailsService(company.engine, treasurer).bank_account_number("1100") == IBAN
    clerk = company.login("clerk", "clerk-pass-12345")
    assert clerk.data_key is None
    with pytest.raises(PermissionDenied):
        BankDetailsService(company.engine, clerk).bank_account_number("1100")
    with UnitOfWork(company.engine, write=False) as uow:
        holders = set(
            uow.session.execute(
                text("SELECT u.username FROM wrapped_data_keys w JOIN users u ON u.id = w.user_id")
            ).scalars()
        )
    assert holders == {"admin", "treasurer"}


def test_a_reader_without_a_granted_key_gets_a_clear_error(books: Books) -> None:
    """A reader whose key pair exists but who was never granted the key (e.g. role changed later)."""
    company = books.company
    company.add_user(books.ctx, "later", "later-pass-1234", roles=("Administrator",))
    with UnitOfWork(company.engine) as uow:
        uow.session.execute(text("DELETE FROM wrapped_data_keys WHERE user_id <> :me").bindparams(me=books.ctx.user_id))
        uow.commit()
    later = company.login("later", "later-pass-1234")
    with pytest.raises(KeyUnavailable, match="holds no data key"):
        BankDetailsService(company.engine, later).bank_account_number("1100")
    assert DataKeyService(company.engine, books.ctx).grant("later") is True
    later = company.login("later", "later-pass-1234")
    assert isinstance(later.data_key, FieldKey)


def test_a_password_change_reseals_the_key_pair(books: Books) -> None:
    company = books.company
    company.add_user(books.ctx, "treasurer", "treasurer-pass-1", roles=("Administrator",))
    BankDetailsService(company.engine, books.ctx).set_bank_account_number("1100", IBAN)
    treasurer = company.login("treasurer", "treasurer-pass-1")
    company.own_account(treasurer).change_password("treasurer-pass-1", "new-pass-4567")
    ctx = company.login("treasurer", "new-pass-4567")
    assert BankDetailsService(company.engine, ctx).bank_account_number("1100") == IBAN


def test_rotate_key_re_encrypts_everything_for_every_holder(books: Books, tmp_path: Path) -> None:
    company = books.company
    company.add_user(books.ctx, "treasurer", "treasurer-pass-1", roles=("Administrator",))
    company.add_user(books.ctx, "clerk", "clerk-pass-12345", roles=("Accountant",))
    bank = BankDetailsService(company.engine, books.ctx)
    bank.set_bank_account_number("1100", IBAN)
    bank.set_bank_account_number("1110", OTHER)
    with UnitOfWork(company.engine, write=False) as uow:
        before = dict(uow.session.execute(text("SELECT code, bank_account_number FROM accounts")).all())

    with pytest.raises(PermissionDenied):
        DataKeyService(company.engine, company.login("clerk", "clerk-pass-12345")).rotate()
    ctx, values, holders = DataKeyService(company.engine, books.ctx).rotate()
    assert (values, holders) == (2, 2)
    old_key = books.ctx.data_key
    assert isinstance(old_key, FieldKey) and isinstance(ctx.data_key, FieldKey)
    assert ctx.data_key.key_id != old_key.key_id
    with UnitOfWork(company.engine, write=False) as uow:
        s = uow.session
        after = dict(s.execute(text("SELECT code, bank_account_number FROM accounts")).all())
        assert s.execute(select(DataKey.id)).scalars().all() == [ctx.data_key.key_id]
        assert {w.data_key_id for w in s.execute(select(WrappedDataKey)).scalars()} == {ctx.data_key.key_id}
        assert len(s.execute(select(WrappedDataKey)).scalars().all()) == 2  # the clerk has none
    assert after["1100"] != before["1100"] and after["1100"].startswith(f"pk1.{ctx.data_key.key_id}.")
    assert BankDetailsService(company.engine, ctx).bank_account_number("1100") == IBAN
    treasurer = company.login("treasurer", "treasurer-pass-1")
    assert BankDetailsService(company.engine, treasurer).bank_account_number("1110") == OTHER
    with pytest.raises(DecryptionError):  # the old key opens nothing any more
        decrypt(old_key, after["1100"], COLUMN)
    with pytest.raises(ValidationError, match="log in again"):
        DataKeyService(company.engine, books.ctx).rotate()  # a stale context holding the old key
    company.engine.dispose()
    assert not _raw_contains(books, IBAN, tmp_path)


def test_a_corrupted_value_stops_rotation_and_changes_nothing(books: Books) -> None:
    company = books.company
    bank = BankDetailsService(company.engine, books.ctx)
    bank.set_bank_account_number("1100", IBAN)
    bank.set_bank_account_number("1110", OTHER)
    with UnitOfWork(company.engine) as uow:
        stored = uow.session.execute(text("SELECT bank_account_number FROM accounts WHERE code = '1110'")).scalar()
        damaged = stored[:-6] + ("AAAA" if stored[-6:-2] != "AAAA" else "BBBB") + stored[-2:]
        uow.session.execute(
            text("UPDATE accounts SET bank_account_number = :v WHERE code = '1110'").bindparams(v=damaged)
        )
        uow.commit()
    with pytest.raises(DecryptionError, match="damaged and cannot be read"):
        bank.bank_account_number("1110")
    with pytest.raises(DecryptionError):
        DataKeyService(company.engine, books.ctx).rotate()
    assert bank.bank_account_number("1100") == IBAN  # the old key still works: nothing changed
    with UnitOfWork(company.engine, write=False) as uow:
        assert uow.session.execute(select(DataKey.id)).scalars().all() == [books.ctx.data_key.key_id]  # type: ignore[union-attr]


def test_cli_rotate_key(books: Books, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    BankDetailsService(books.company.engine, books.ctx).set_bank_account_number("1100", IBAN)
    monkeypatch.setenv("PAKSA_DB", books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    assert main(["admin", "rotate-key"]) == 0
    out = capsys.readouterr().out
    assert "1 value re-encrypted, 1 key holder" in out and IBAN not in out
    ctx = books.company.login("admin", ADMIN_PASSWORD)
    assert BankDetailsService(books.company.engine, ctx).bank_account_number("1100") == IBAN


def test_role_changes_grant_and_drop_the_wrapped_key(books: Books) -> None:
    company = books.company
    company.add_user(books.ctx, "temp", "temp-pass-12345", roles=("Accountant",))

    def holders() -> set[str]:
        with UnitOfWork(company.engine, write=False) as uow:
            sql = "SELECT u.username FROM wrapped_data_keys w JOIN users u ON u.id = w.user_id"
            return set(uow.session.execute(text(sql)).scalars())

    assert holders() == {"admin"}
    company.users(books.ctx).grant_role("temp", "Administrator")
    assert holders() == {"admin", "temp"}
    assert isinstance(company.login("temp", "temp-pass-12345").data_key, FieldKey)
    company.users(books.ctx).revoke_role("temp", "Administrator")
    assert holders() == {"admin"}
    assert company.login("temp", "temp-pass-12345").data_key is None


def test_permission_matrix_changes_grant_and_drop_the_wrapped_key(books: Books) -> None:
    """Ticking 'read sensitive fields' for a role wraps the key for its holders; unticking drops it."""
    company = books.company
    company.add_user(books.ctx, "ana", "ana-password-123", roles=("Accountant",))
    roles = company.roles(books.ctx)
    granted = {r.name: r for r in company.security_queries(books.ctx).roles()}["Accountant"].permissions

    def holders() -> set[str]:
        with UnitOfWork(company.engine, write=False) as uow:
            sql = "SELECT u.username FROM wrapped_data_keys w JOIN users u ON u.id = w.user_id"
            return set(uow.session.execute(text(sql)).scalars())

    roles.set_permissions("Accountant", [*granted, Permission.SENSITIVE_READ])
    assert holders() == {"admin", "ana"}
    assert isinstance(company.login("ana", "ana-password-123").data_key, FieldKey)
    roles.set_permissions("Accountant", list(granted))
    assert holders() == {"admin"}
    assert company.login("ana", "ana-password-123").data_key is None
