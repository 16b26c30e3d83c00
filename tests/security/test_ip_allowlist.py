"""IP allowlist: on the real PostgreSQL server, a login from 127.0.0.1 passes when a range holds it and is
refused (and logged) when none does; a SQLite file ignores the list; `paksa admin pg-hba` prints lines."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from paksa_desktop.cli import main
from paksa_desktop.core.errors import AuthenticationError, PermissionDenied, ValidationError
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.ip_allowlist import IpAllowlistService, allowed, parse_ranges, pg_hba_lines
from tests.conftest import ADMIN_PASSWORD, Books


def test_ranges_are_parsed_and_matched() -> None:
    assert parse_ranges(["10.0.0.7", "192.168.1.9/24", " ::1 ", "10.0.0.7/32"]) == [
        "10.0.0.7/32",
        "192.168.1.0/24",
        "::1/128",
    ]
    with pytest.raises(ValidationError, match=r"'10\.0\.0\.300' is not an IP address"):
        parse_ranges(["10.0.0.300"])
    assert allowed("192.168.1.77", ["192.168.1.0/24"])
    assert not allowed("192.168.2.1", ["192.168.1.0/24"])
    assert not allowed(None, ["192.168.1.0/24"])
    assert allowed(None, [])
    lines = pg_hba_lines(["192.168.1.0/24"], "books")
    assert any(line.split()[:4] == ["hostssl", "books", "all", "192.168.1.0/24"] for line in lines)
    assert lines[-1].split()[-1] == "reject"


def _set_raw(books: Books, ranges: list[str]) -> None:
    """Bypass the lock-out guard, as another administrator on another machine would have."""
    with UnitOfWork(books.company.engine) as uow:
        uow.session.execute(text("DELETE FROM ip_allowlist"))
        for r in ranges:
            uow.session.execute(text("INSERT INTO ip_allowlist (cidr, note) VALUES (:c, '')").bindparams(c=r))
        uow.commit()


@pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)
def test_postgres_login_must_come_from_a_listed_address(books: Books, caplog: pytest.LogCaptureFixture) -> None:
    service = IpAllowlistService(books.company.engine, books.ctx)
    service.set_ranges(["127.0.0.0/8", "10.1.0.0/16"])
    assert service.ranges() == ["127.0.0.0/8", "10.1.0.0/16"]
    assert books.company.login("admin", ADMIN_PASSWORD).username == "admin"
    with pytest.raises(ValidationError, match="lock you out"):
        service.set_ranges(["10.1.0.0/16"])
    assert service.ranges() == ["127.0.0.0/8", "10.1.0.0/16"]  # nothing changed

    _set_raw(books, ["10.1.0.0/16"])
    with caplog.at_level(logging.WARNING), pytest.raises(AuthenticationError, match=r"127\.0\.0\.1 are not allowed"):
        books.company.login("admin", ADMIN_PASSWORD)
    assert "login of 'admin' refused: client address 127.0.0.1" in caplog.text
    with UnitOfWork(books.company.engine, write=False) as uow:
        refusals = uow.session.execute(
            text("SELECT username, entity_id, after FROM audit_log WHERE action = 'login_refused'")
        ).all()
    assert [(r.username, r.entity_id) for r in refusals] == [("admin", "admin")]
    assert "127.0.0.1 are not allowed" in refusals[0].after
    _set_raw(books, [])
    assert books.company.login("admin", ADMIN_PASSWORD).username == "admin"
    with UnitOfWork(books.company.engine, write=False) as uow:
        audit = uow.session.execute(text("SELECT after FROM audit_log WHERE entity = 'ip_allowlist'")).scalars().all()
    assert any("127.0.0.0/8" in a for a in audit)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_sqlite_files_ignore_the_list(books: Books) -> None:
    _set_raw(books, ["10.1.0.0/16"])
    assert books.company.login("admin", ADMIN_PASSWORD).username == "admin"


def test_setting_the_list_needs_the_permission(books: Books) -> None:
    books.company.add_user(books.ctx, "clerk", "clerk-pass-12345", roles=("Accountant",))
    clerk = books.company.login("clerk", "clerk-pass-12345")
    with pytest.raises(PermissionDenied):
        IpAllowlistService(books.company.engine, clerk).set_ranges(["10.0.0.0/8"])


def test_cli_ip_allowlist_and_pg_hba(
    books: Books, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAKSA_DB", books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    capsys.readouterr()
    if books.company.is_sqlite:
        assert main(["admin", "pg-hba"]) == 1
        assert "SQLite file has no network clients" in capsys.readouterr().err
        return
    assert main(["admin", "pg-hba"]) == 1
    assert "no IP allowlist" in capsys.readouterr().err
    assert main(["admin", "ip-allowlist", "--set", "127.0.0.1", "192.168.10.0/24"]) == 0
    assert capsys.readouterr().out.split() == ["127.0.0.1/32", "192.168.10.0/24"]
    assert main(["admin", "pg-hba"]) == 0
    out = capsys.readouterr().out
    database = books.company.url.database
    assert f"hostssl {database}" in out and "192.168.10.0/24" in out and "reject" in out
    assert main(["admin", "ip-allowlist", "--set"]) == 0
    assert "No IP allowlist" in capsys.readouterr().out
