"""Shared fixtures: a real SQLite file and a real PostgreSQL server for every engine-parametrised test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.security import passwords
from paksa_desktop.security.context import UserContext
from tests.cheap_hashing import TEST_HASHER
from tests.pg_server import TempPostgres

ENGINES = ["sqlite", "postgres"]
ADMIN_PASSWORD = "correct-horse-battery"
# Fixtures shared across folders: a PostgreSQL company prepared like `paksa admin init-server` does.
pytest_plugins = ("tests.security.secured",)

_counter = itertools.count()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Every test hashes at argon2's lowest cost (tests/cheap_hashing.py says why)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", TEST_HASHER)
        yield


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real argon2id parameters, for the tests of password hashing itself."""
    monkeypatch.setattr(passwords, "_HASHER", passwords.PRODUCTION_HASHER)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server where the tests may create and drop databases."""
    given = os.environ.get("PAKSA_TEST_PG_URL")
    if given:
        yield given
        return
    server = TempPostgres()
    try:
        yield server.start()
    finally:
        server.stop()


def _pg_execute(admin_url: str, sql: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


class Databases:
    """Hands out fresh, empty databases of either engine, and cleans them up."""

    def __init__(self, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self.tmp_path = tmp_path
        self.request = request
        self.created: list[str] = []

    def new_url(self, engine: str, template: str | None = None) -> str:
        n = next(_counter)
        if engine == "sqlite":
            return str(self.tmp_path / f"company{n}.paksa")
        admin = self.request.getfixturevalue("pg_admin_url")
        name = f"paksa_test_{os.getpid()}_{n}"
        _pg_execute(admin, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    def cleanup(self) -> None:
        if not self.created:
            return
        admin = self.request.getfixturevalue("pg_admin_url")
        for name in self.created:
            _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Databases]:
    dbs = Databases(tmp_path, request)
    yield dbs
    dbs.cleanup()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(engine_name: str, databases: Databases) -> str:
    """A fresh empty database of the parametrised engine."""
    return databases.new_url(engine_name)


@dataclass
class Books:
    """An open company with its administrator logged in."""

    company: Company
    ctx: UserContext
    clock: FixedClock
    url: str

    @property
    def ledger(self):  # type: ignore[no-untyped-def]
        return self.company.ledger(self.ctx)

    @property
    def queries(self):  # type: ignore[no-untyped-def]
        return self.company.ledger_queries(self.ctx)


_templates: dict[tuple[str, str], str] = {}


def _template_company(
    engine: str, chart: str, tmp_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    """Create each kind of company once per session; tests start from a copy (fast)."""
    key = (engine, chart)
    if key not in _templates:
        clock = FixedClock(datetime(2024, 1, 1, 9, 0, tzinfo=UTC))
        spec = NewCompany("Test Company Ltd", "USD", template=chart, admin_password=ADMIN_PASSWORD)
        if engine == "sqlite":
            target = str(tmp_factory.mktemp("templates") / f"{chart}.paksa")
        else:
            admin = request.getfixturevalue("pg_admin_url")
            name = f"paksa_template_{chart}_{os.getpid()}"
            _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}"')
            _pg_execute(admin, f'CREATE DATABASE "{name}"')
            target = make_url(admin).set(database=name).render_as_string(hide_password=False)
        Company.create(target, spec, clock=clock).close()
        _templates[key] = target
    return _templates[key]


def open_books(
    engine: str,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    chart: str = "standard",
) -> Books:
    template = _template_company(engine, chart, tmp_path_factory, request)
    if engine == "sqlite":
        url = databases.new_url("sqlite")
        shutil.copyfile(template, url)
    else:
        url = databases.new_url("postgres", template=make_url(template).database)
    clock = FixedClock(datetime(2024, 6, 30, 12, 0, tzinfo=UTC))
    company = Company.open(url, clock=clock)
    ctx = company.login("admin", ADMIN_PASSWORD)
    return Books(company, ctx, clock, url)


@pytest.fixture
def books(
    engine_name: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Books]:
    """A company with the standard chart, on each engine, admin logged in."""
    b = open_books(engine_name, databases, tmp_path_factory, request)
    yield b
    b.company.close()


@pytest.fixture
def sqlite_books(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Books]:
    """SQLite only: for tests of behaviour that does not depend on the engine (GUI, files)."""
    b = open_books("sqlite", databases, tmp_path_factory, request)
    yield b
    b.company.close()


@pytest.fixture
def pg_books(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Books]:
    """PostgreSQL only: for what only a server has (notifications, connections, roles)."""
    b = open_books("postgres", databases, tmp_path_factory, request)
    yield b
    b.company.close()


def tamper(engine: Engine, statement: str, **params: object) -> None:
    """Change the database as someone with direct access would: plain SQL, outside every service.

    On PostgreSQL the append-only triggers refuse that, so the tamperer is a superuser who switches them
    off on purpose (session_replication_role): what the tests then check must still catch it.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(statement), params)
