"""`paksa bank connect` and `paksa bank sync`: per-account counts, the secret only in the keyring,
a failing account reported with a non-zero exit while the others still sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.banking.fake_bank import CLIENT_ID, SECRET, FakeBank, running
from tests.banking.helpers import operating
from tests.cli.conftest import Paksa
from tests.conftest import Books
from tests.keyrings import MemoryKeyring

FILES = Path(__file__).parents[1] / "banking" / "files"


def test_connect_and_sync_folder_and_api_accounts(
    paksa: Paksa, company: Books, tmp_path: Path, clean_env: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    books_company, ctx = company.company, company.ctx
    books_company.bank_accounts(ctx).add(operating(number="4433221100"))
    books_company.bank_accounts(ctx).add(operating(name="Online", gl_account="1110", number=None))
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(FILES / "ofx1_sgml_cp1252.ofx", drop / "jan.ofx")
    run = paksa("bank", "connect", "Operating", "--folder", drop)
    assert (run.code, run.err, run.out) == (0, "", f"Connected bank account Operating to {drop.resolve()}\n")

    with running(FakeBank()) as bank:
        bank.add(3)
        bank.account = ""
        monkeypatch.setenv("PAKSA_BANK_SECRET", SECRET)
        run = paksa(
            "bank", "connect", "Online", "--url", bank.url + "/v1",
            "--token-url", bank.url + "/token", "--client-id", CLIENT_ID, "--secret",
        )  # fmt: skip
        assert run.code == 0, run.err
        assert run.out.splitlines()[-1].startswith("Saved the secret in OS keyring")
        assert SECRET in clean_env.passwords.values()
        with books_company.engine.connect() as conn:  # never in the database
            stored = conn.execute(text("SELECT * FROM bank_connections")).all()
        assert stored and SECRET not in repr(stored)

        run = paksa("bank", "sync")
        assert (run.code, run.err) == (0, "")
        assert run.out.splitlines() == [
            "Online: 3 lines imported, 0 already there and skipped",
            "Operating: 3 lines imported, 0 already there and skipped",
        ]
        run = paksa("bank", "sync", "--account", "Online")
        assert run.out.splitlines() == ["Online: 0 lines imported, 0 already there and skipped"]

        shutil.copy(FILES / "statement.pdf", drop / "scan.pdf")
        bank.add(1)
        run = paksa("bank", "sync")
    assert run.code == 1
    assert run.out.splitlines() == ["Online: 1 line imported, 0 already there and skipped"]
    assert run.err.startswith("Operating: FAILED, nothing imported: 1 file(s) in")
    assert (drop / "failed" / "scan.pdf.error.txt").exists()


def test_sync_errors_are_clear(paksa: Paksa, company: Books) -> None:
    run = paksa("bank", "sync")
    assert (run.code, run.out) == (0, "No bank account has a connection (set one with 'paksa bank connect "
                                   "ACCOUNT --folder DIR|--url URL').\n")  # fmt: skip
    company.company.bank_accounts(company.ctx).add(operating())
    run = paksa("bank", "sync", "--account", "Operating")
    assert run.code == 1 and "bank account Operating has no connection" in run.err
    run = paksa("bank", "connect", "Operating", "--url", "http://bank.example/v1")
    assert run.code == 1 and "must use https" in run.err
