"""The single-writer lock of a SQLite company file: a second program is told who has the file and gets
it read-only; a lock left by a program that died is recognised as stale and taken over."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from paksa_desktop.audit.service import AuditService
from paksa_desktop.company import Company
from paksa_desktop.core.errors import AuthenticationError, CompanyError, ReadOnlyError
from paksa_desktop.persistence import file_lock
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.models import User
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.helpers import entry

ROOT = Path(__file__).resolve().parents[2]
HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from paksa_desktop.company import Company
    company = Company.open(sys.argv[1], lock=True)
    company.login("admin", sys.argv[2])
    print("read-only" if company.read_only else "holding", flush=True)
    time.sleep(120)
    """
)


@pytest.fixture
def company_file(sqlite_books: Books) -> Path:
    """A company file nobody has open (the fixture's own connection does not lock it)."""
    sqlite_books.ledger.post(entry("2024-06-01", ("1100", "100.00"), ("3100", "-100.00")))
    sqlite_books.company.close()
    return Path(sqlite_books.url)


@pytest.fixture
def other_process(company_file: Path) -> Iterator[subprocess.Popen[str]]:
    """Another Paksa program holding the company file (a real second process)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(company_file), ADMIN_PASSWORD],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def _count_users(company: Company) -> int:
    with UnitOfWork(company.engine, write=False) as uow:
        return len(uow.session.execute(select(User.id)).all())


def test_second_company_object_is_read_only_and_told_who(company_file: Path) -> None:
    with Company.open(company_file, lock=True) as first:
        assert not first.read_only and first.lock is not None
        first.login("admin", ADMIN_PASSWORD)  # the lock file now names the Paksa user
        with Company.open(company_file, lock=True) as second:
            assert second.read_only and second.lock is None
            reason = second.read_only_reason
            assert reason.startswith(f"{company_file.name} is opened by admin (OS user ")
            assert f"on {socket.gethostname()} since " in reason
            ctx = second.login("admin", ADMIN_PASSWORD)  # logging in works, and is recorded
            assert second.ledger_queries(ctx).trial_balance().total_debit == 100
            with pytest.raises(ReadOnlyError, match=r"opened by admin .* so it is read-only here"):
                second.ledger(ctx).post(entry("2024-06-02", ("1100", "5.00"), ("3100", "-5.00")))
            with pytest.raises(ReadOnlyError):
                second.ledger(ctx).create_department("OPS", "Operations")
            second.own_account(ctx).logout()
        # the writer goes on; the audit trail holds both programs' logins, chained
        ctx = first.login("admin", ADMIN_PASSWORD)
        first.ledger(ctx).create_department("OPS", "Operations")
        result = AuditService(first.engine, ctx).verify()
        assert result.problem is None
        actions = [row.action for row in AuditService(first.engine, ctx).rows()]
        assert actions.count("login") >= 3 and "logout" in actions
    assert not file_lock.lock_path(company_file).exists()  # released on close
    with Company.open(company_file, lock=True) as third:
        assert not third.read_only


def test_a_command_respects_the_lock_without_taking_it(company_file: Path) -> None:
    with Company.open(company_file, lock=True) as gui:
        with Company.open(company_file) as command:
            assert command.read_only and command.lock is None
        assert gui.lock is not None and gui.lock.held
    with Company.open(company_file) as command:
        assert not command.read_only and not file_lock.lock_path(company_file).exists()


def test_read_only_login_still_counts_failures(company_file: Path) -> None:
    """Opening read-only is no way around the lockout: failed logins are still counted and audited."""
    with Company.open(company_file, lock=True) as first, Company.open(company_file, lock=True) as second:
        with pytest.raises(AuthenticationError):
            second.login("admin", "wrong password")
        with UnitOfWork(first.engine, write=False) as uow:
            admin = uow.session.execute(select(User).where(User.username == "admin")).scalar_one()
            assert admin.failed_logins == 1
        ctx = second.login("admin", ADMIN_PASSWORD)
        with pytest.raises(ReadOnlyError):  # a user record is not login state: refused
            second.add_user(ctx, "bob", "another-long-password-1")
        with pytest.raises(ReadOnlyError):  # nor is a password change (password_changed_at)
            second.own_account(ctx).change_password(ADMIN_PASSWORD, "a-brand-new-password-2")
        assert _count_users(first) == 1


def test_other_process_holds_it(company_file: Path, other_process: subprocess.Popen[str]) -> None:
    with Company.open(company_file, lock=True) as company:
        assert company.read_only
        assert company.opened_by is not None and company.opened_by.pid == other_process.pid
        assert company.opened_by.paksa_user == "admin"


def test_lock_of_a_killed_program_is_stale(company_file: Path, other_process: subprocess.Popen[str]) -> None:
    os.kill(other_process.pid, signal.SIGKILL)
    other_process.wait()
    assert file_lock.lock_path(company_file).exists()  # left behind, as after a crash
    assert file_lock.current_holder(company_file) is None
    with Company.open(company_file, lock=True) as company:
        assert not company.read_only
        assert company.lock is not None and company.lock.replaced is not None
        assert company.lock.replaced.pid == other_process.pid
        ctx = company.login("admin", ADMIN_PASSWORD)
        company.ledger(ctx).create_department("OPS", "Operations")  # writable again
        assert json.loads(file_lock.lock_path(company_file).read_text())["pid"] == os.getpid()


def test_dead_process_on_this_host_is_stale_even_if_its_os_lock_lingers(company_file: Path) -> None:
    """A child that inherited the descriptor keeps the OS lock alive; the pid in the file is what counts."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)
    path = file_lock.lock_path(company_file)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        dead = file_lock.LockHolder.me("anna")
        os.write(fd, file_lock.LockHolder(dead.host, dead.os_user, dead_pid, dead.since, "anna").to_json())
        assert file_lock.current_holder(company_file) is None
        with Company.open(company_file, lock=True) as company:
            assert not company.read_only
    finally:
        os.close(fd)


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"host": "x"}'])
def test_garbled_lock_file_nobody_holds_is_stale(company_file: Path, content: bytes) -> None:
    file_lock.lock_path(company_file).write_bytes(content)
    with Company.open(company_file, lock=True) as company:
        assert not company.read_only and company.lock is not None


def test_lock_on_another_host_is_respected(company_file: Path) -> None:
    """A holder elsewhere cannot be checked by pid: while its OS lock holds, the file is read-only here."""
    import fcntl

    path = file_lock.lock_path(company_file)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        me = file_lock.LockHolder.me()
        os.write(fd, file_lock.LockHolder("pc-7", "anna", 4242, me.since, "anna").to_json())
        with Company.open(company_file, lock=True) as company:
            assert company.read_only
            assert "opened by anna on pc-7 since" in company.read_only_reason
    finally:
        os.close(fd)


def test_read_only_refuses_an_upgrade(company_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paksa_desktop.persistence import migrations

    with Company.open(company_file, lock=True):
        monkeypatch.setattr(migrations, "head_revision", lambda: "9999_future")
        with pytest.raises(CompanyError, match="with another version of Paksa; close it there"):
            Company.open(company_file, lock=True)
