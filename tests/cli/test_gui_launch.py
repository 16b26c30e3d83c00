"""`paksa FILE` (the desktop entry's `Exec=paksa %f`) opens the window on that company; --smoke-start
shows it, prints the time since launch and quits (what the installers' bundle test runs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from paksa_desktop.cli import main
from paksa_desktop.company import Company, NewCompany
from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_a_company_file_as_first_argument_opens_it_in_the_window(tmp_path: Path) -> None:
    path = tmp_path / "Acme books.paksa"
    Company.create(str(path), NewCompany("Acme Ltd", "EUR", admin_password=ADMIN_PASSWORD)).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKSA_")}
    env.update(QT_QPA_PLATFORM="offscreen", PAKSA_USER="admin", PAKSA_PASSWORD=ADMIN_PASSWORD)
    done = subprocess.run(
        [sys.executable, "main.py", str(path), "--smoke-start"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"shown after \d+\.\d{3} s: Acme Ltd — Paksa Desktop\n", done.stdout), done.stdout


def test_a_company_file_takes_no_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "books.paksa"), "company", "info"]) == 2
    assert "a company FILE opens the window and takes no command" in capsys.readouterr().err


def test_a_mistyped_command_is_still_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reprot", "trial-balance"]) == 2
    assert "invalid choice: 'reprot'" in capsys.readouterr().err
