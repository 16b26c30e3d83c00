"""Opening an older company in the window migrates it after a backup and says where the backup is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paksa_desktop.company import Company, NewCompany
from tests.conftest import ADMIN_PASSWORD
from tests.test_migrations import next_revision  # noqa: F401 - the fixture: one revision after today's head
from ui.controller import AppController
from ui.settings import RecentCompanies


def test_opening_an_older_company_in_the_window_backs_it_up_and_says_so(
    qtbot: Any, tmp_path: Path, recent: RecentCompanies, request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "books.paksa"
    Company.create(str(path), NewCompany("Older Ltd", "USD", admin_password=ADMIN_PASSWORD)).close()
    new_head = request.getfixturevalue("next_revision")
    controller = AppController(recent, env={"PAKSA_USER": "admin", "PAKSA_PASSWORD": ADMIN_PASSWORD})
    try:
        controller.open_target(str(path))
        qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(), timeout=20_000)
        (backup,) = tmp_path.glob(f"books.*.before-{new_head}.paksa.bak")
        assert controller.window is not None
        assert controller.window.statusBar().currentMessage() == (
            f"Upgraded the company to this version; its backup from before is {backup}"
        )
    finally:
        controller.shutdown()
