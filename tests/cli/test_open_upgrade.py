"""A command opening a company of an older schema migrates it after a backup, and says where the backup is."""

from __future__ import annotations

from pathlib import Path

import pytest

from paksa_desktop.cli import main
from paksa_desktop.company import Company, NewCompany
from tests.conftest import ADMIN_PASSWORD
from tests.test_migrations import next_revision  # noqa: F401 - the fixture: one revision after today's head


def test_a_command_on_an_older_company_backs_it_up_then_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "books.paksa"
    Company.create(str(path), NewCompany("Older Ltd", "USD", admin_password=ADMIN_PASSWORD)).close()
    new_head = request.getfixturevalue("next_revision")
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)

    assert main(["company", "info", "--db", str(path)]) == 0
    err = capsys.readouterr().err
    (backup,) = tmp_path.glob(f"books.*.before-{new_head}.paksa.bak")
    assert err == f"paksa: upgraded the company to this version; its backup from before is {backup}\n"

    assert main(["company", "info", "--db", str(path)]) == 0  # at the new head now: no second backup, no note
    assert capsys.readouterr().err == ""
    assert len(list(tmp_path.glob("*.bak"))) == 1
