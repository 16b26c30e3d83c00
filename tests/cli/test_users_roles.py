"""`paksa user ...`, `paksa role ...` and `--otp` / PAKSA_OTP, in-process on a real company."""

from __future__ import annotations

from datetime import timedelta

import pytest

from paksa_desktop.security import totp
from paksa_desktop.security.service import NewUser
from tests.cli.conftest import Paksa
from tests.conftest import ADMIN_PASSWORD, Books

CLERK_PASSWORD = "clerk-password-42"


@pytest.fixture(autouse=True)
def no_otp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAKSA_OTP", raising=False)
    monkeypatch.delenv("PAKSA_NEW_PASSWORD", raising=False)


def test_user_add_list_disable_enable(paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    run = paksa("user", "add", "ana")
    assert run.code == 1 and "set PAKSA_NEW_PASSWORD" in run.err
    monkeypatch.setenv("PAKSA_NEW_PASSWORD", "short")
    run = paksa("user", "add", "ana")
    assert run.code == 1 and "the password is refused: it must have at least 12 characters" in run.err
    monkeypatch.setenv("PAKSA_NEW_PASSWORD", CLERK_PASSWORD)
    run = paksa("user", "add", "ana", "--full-name", "Ana Lopez", "--email", "ana@example.com", "--role", "AR clerk")
    assert (run.code, run.out) == (0, "Added user 'ana' (AR clerk)\n"), run.err
    run = paksa("user", "list")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["USER", "NAME", "E-MAIL", "STATE", "MFA", "ROLES"]
    ana = next(line for line in lines if line.startswith("ana "))
    assert "Ana Lopez" in ana and "ana@example.com" in ana and "active" in ana and ana.endswith("AR clerk")
    assert paksa("user", "disable", "ana").out == "Disabled user 'ana'\n"
    monkeypatch.setenv("PAKSA_PASSWORD", CLERK_PASSWORD)
    run = paksa("company", "info", "--user", "ana")
    assert (run.code, run.err) == (1, "paksa: error: user 'ana' is disabled; ask an administrator\n")
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    assert paksa("user", "enable", "ana").code == 0
    monkeypatch.setenv("PAKSA_PASSWORD", CLERK_PASSWORD)
    assert paksa("company", "info", "--user", "ana").code == 0


def test_reset_password_and_unlock(paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    company.company.add_user(company.ctx, "bo", CLERK_PASSWORD, roles=("Viewer",))
    monkeypatch.setenv("PAKSA_PASSWORD", "wrong-password-x")
    for _ in range(4):
        assert paksa("company", "info", "--user", "bo").code == 1
    run = paksa("company", "info", "--user", "bo")
    assert run.code == 1 and "user 'bo' is locked after too many failed logins until " in run.err
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    assert "locked" in next(line for line in paksa("user", "list").out.splitlines() if line.startswith("bo "))
    assert paksa("user", "unlock", "bo").out == "Unlocked user 'bo'\n"
    monkeypatch.setenv("PAKSA_NEW_PASSWORD", "fresh-password-77")
    run = paksa("user", "reset-password", "bo")
    assert run.out == "New password set for 'bo'; they choose their own at the next login\n"
    monkeypatch.setenv("PAKSA_PASSWORD", "fresh-password-77")
    assert paksa("company", "info", "--user", "bo").code == 0
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    assert paksa("user", "unlock", "nobody").err == "paksa: error: unknown user 'nobody'\n"


def test_role_list_grant_revoke_and_sod(paksa: Paksa, company: Books) -> None:
    run = paksa("role", "list")
    assert run.code == 0
    names = [line.split("  ")[0].strip() for line in run.out.splitlines()]
    assert names[:3] == ["Administrator", "Controller", "Accountant"] and "Auditor" in names
    assert "[built-in]" in run.out
    assert "    ledger.entry.post" in paksa("role", "list", "--permissions").out
    company.company.add_user(company.ctx, "cy", CLERK_PASSWORD, roles=("AP clerk",))
    assert paksa("role", "grant", "Viewer", "cy").out == "Granted role 'Viewer' to 'cy'\n"
    run = paksa("role", "grant", "Treasurer", "cy")
    assert run.code == 1 and "incompatible permissions" in run.err
    assert paksa("role", "revoke", "Viewer", "cy").out == "Revoked role 'Viewer' from 'cy'\n"
    run = paksa("role", "grant", "Nope", "cy")
    assert run.err == "paksa: error: unknown role 'Nope'\n"


def test_a_user_without_the_permission_is_refused(
    paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    company.company.add_user(company.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    monkeypatch.setenv("PAKSA_PASSWORD", "viewer-password-1")
    run = paksa("user", "list", "--user", "viewer")
    assert (run.code, run.err) == (1, "paksa: error: user 'viewer' lacks permission 'security.user.manage'\n")


def test_otp_option_and_environment(paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    books = company
    books.company.users(books.ctx).add_user(NewUser("mfa", CLERK_PASSWORD, roles=("Accountant",)))
    ctx = books.company.login("mfa", CLERK_PASSWORD)
    own = books.company.own_account(ctx)
    enrolment = own.begin_mfa_enrolment()
    own.confirm_mfa_enrolment(CLERK_PASSWORD, enrolment.secret, totp.code_for(enrolment.secret, books.clock.now()))
    # the CLI runs on the system clock: codes are made for now
    from datetime import UTC, datetime

    monkeypatch.setenv("PAKSA_PASSWORD", CLERK_PASSWORD)
    run = paksa("company", "info", "--user", "mfa")
    assert run.code == 1 and "give --otp CODE (or set PAKSA_OTP)" in run.err
    now = datetime.now(UTC)
    run = paksa("company", "info", "--user", "mfa", "--otp", totp.code_for(enrolment.secret, now))
    assert run.code == 0, run.err
    run = paksa("company", "info", "--user", "mfa", "--otp", totp.code_for(enrolment.secret, now))
    assert run.code == 1 and "this one-time code was already used" in run.err
    monkeypatch.setenv("PAKSA_OTP", totp.code_for(enrolment.secret, now + timedelta(seconds=30)))
    assert paksa("company", "info", "--user", "mfa").code == 0
