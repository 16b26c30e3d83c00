"""`paksa admin init-server` on an empty PostgreSQL database, then a company whose users each reach the
database through their own login, from the same commands as ever."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.cli.conftest import Paksa
from tests.conftest import ADMIN_PASSWORD, Databases

BOB_PASSWORD = "Another-Strong-9-phrase"


def test_init_server_then_company_then_each_user_with_their_own_login(
    databases: Databases, paksa: Paksa, monkeypatch: pytest.MonkeyPatch
) -> None:
    dba_url = databases.new_url("postgres")
    db = make_url(dba_url).database
    run = paksa("admin", "init-server", "--db", dba_url)
    assert run.code == 0, run.err
    assert f"Prepared {db}" in run.out and "No company yet" in run.out
    assert paksa("admin", "init-server", "--db", dba_url).code == 0  # safe to repeat

    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    run = paksa("company", "create", "--db", dba_url, "--name", "Shared Ltd", "--currency", "EUR")
    assert run.code == 0, run.err
    monkeypatch.setenv("PAKSA_NEW_PASSWORD", BOB_PASSWORD)
    assert paksa("user", "add", "bob", "--role", "Viewer", "--db", dba_url).code == 0

    parts = make_url(dba_url)
    user_url = f"postgresql://{parts.host}:{parts.port}/{db}"  # no database user: each logs in as themselves
    monkeypatch.setenv("PAKSA_PASSWORD", BOB_PASSWORD)
    run = paksa("report", "trial-balance", "--db", user_url, "--user", "bob")
    assert run.code == 0, run.err
    run = paksa("journal", "add", "XYZ", "Extra journal", "--db", user_url, "--user", "bob")
    assert run.code != 0 and "permission" in run.err

    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    run = paksa("journal", "add", "XYZ", "Extra journal", "--db", user_url, "--user", "admin")
    assert run.code == 0, run.err
    with psycopg.connect(dba_url) as conn:
        logins = conn.execute("SELECT DISTINCT db_user FROM audit_log").fetchall()
        for (login,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"%@{db}",)).fetchall():
            conn.execute(psycopg.sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(psycopg.sql.Identifier(login)))
        conn.commit()
    assert (f"admin@{db}",) in logins
