"""Fixtures for driving the `paksa` command in-process: a clean environment and a capture helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from paksa_desktop.cli import main
from tests.conftest import ADMIN_PASSWORD, Books
from tests.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """No PAKSA_* variable leaks in from the shell, and the keyring is an empty in-memory one."""
    for name in ("PAKSA_DB", "PAKSA_USER", "PAKSA_PASSWORD", "PAKSA_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.core._keyring_backend  # None until first used: restore exactly that
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.core._keyring_backend = previous


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


Paksa = Callable[..., Run]


@pytest.fixture
def paksa(capsys: pytest.CaptureFixture[str]) -> Paksa:
    """`paksa(*args)` runs `main(args)` in this process and returns its status and output."""

    def run(*args: object) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def with_dimensions(books: Books) -> Books:
    for code, name in (("SALES", "Sales"), ("ADMIN", "Administration")):
        books.ledger.create_department(code, name)
    books.ledger.create_project("WEB", "Website relaunch")
    return books


@pytest.fixture
def company(sqlite_books: Books, monkeypatch: pytest.MonkeyPatch) -> Books:
    """A SQLite company (standard chart, departments SALES/ADMIN, project WEB) named by PAKSA_DB."""
    monkeypatch.setenv("PAKSA_DB", sqlite_books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    return with_dimensions(sqlite_books)


@pytest.fixture
def any_company(books: Books, monkeypatch: pytest.MonkeyPatch) -> Books:
    """The same on each engine (SQLite file and PostgreSQL database)."""
    monkeypatch.setenv("PAKSA_DB", books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    return with_dimensions(books)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
