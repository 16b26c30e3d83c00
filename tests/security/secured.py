"""A company on a real PostgreSQL server prepared like `paksa admin init-server` does, with a user per
built-in role, each logging in as their own database role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.security import database_roles
from paksa_desktop.security.context import UserContext
from tests.conftest import ADMIN_PASSWORD, Databases

PASSWORD = "Correct-Horse-7-battery"


@dataclass
class Server:
    """A secured company: the administrator's URL, and a login per built-in role."""

    admin_url: str  # the server administrator (superuser in the tests)
    db: str
    company: Company  # opened by the server administrator, logged in as the Paksa admin
    clock: FixedClock

    def login_url(self, username: str) -> str:
        login = database_roles.login_role(self.db, username)
        return make_url(self.admin_url).set(username=login, password=PASSWORD).render_as_string(hide_password=False)

    def raw(self, username: str) -> psycopg.Connection:
        """A user at psql: their own login and password, no Paksa code in between."""
        url = make_url(self.login_url(username))
        return psycopg.connect(
            host=url.host, port=url.port, dbname=url.database, user=url.username, password=url.password
        )

    def open_as(self, username: str) -> tuple[Company, UserContext]:
        company = Company.open(self.login_url(username), clock=self.clock)
        return company, company.login(username, PASSWORD)


USERS = {
    "acct": ("Accountant",),
    "ctrl": ("Controller",),
    "arclerk": ("AR clerk",),
    "viewer": ("Viewer",),
    "payroll": ("Payroll officer",),
    "auditor": ("Auditor",),
}


@pytest.fixture
def secured_server(databases: Databases) -> Iterator[Server]:
    url = databases.new_url("postgres")
    clock = FixedClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    company = Company.create(url, NewCompany("Secured Ltd", "USD", admin_password=ADMIN_PASSWORD), clock=clock)
    with company.engine.begin() as conn:
        database_roles.secure(conn)
    ctx = company.login("admin", ADMIN_PASSWORD)
    for name, roles in USERS.items():
        company.add_user(ctx, name, PASSWORD, roles=roles)
    db = str(make_url(url).database)
    yield Server(url, db, company, clock)
    company.close()
    with psycopg.connect(url, autocommit=True) as conn:  # logins are server-wide: drop them with the database
        for (login,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"%@{db}",)).fetchall():
            conn.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(login)))
