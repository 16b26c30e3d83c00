"""The installed entry points, run as real processes: the `paksa` script, `python -m`, and main.py."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paksa_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("paksa")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAKSA_")}
    return subprocess.run(
        list(args), capture_output=True, text=True, env={**clean, **(env or {})}, cwd=ROOT, timeout=120, check=False
    )


@pytest.mark.skipif(not SCRIPT.exists(), reason="the project is not installed in this environment")
def test_console_script_version() -> None:
    done = run(str(SCRIPT), "--version")
    assert (done.returncode, done.stdout) == (0, f"paksa {__version__}\n")


def test_main_py_is_the_paksa_command() -> None:
    done = run(sys.executable, "main.py", "--version")
    assert (done.returncode, done.stdout) == (0, f"paksa {__version__}\n")


def test_python_m_round_trip_and_exit_statuses(tmp_path: Path) -> None:
    env = {"PAKSA_DB": str(tmp_path / "books.paksa"), "PAKSA_PASSWORD": "sub-process-pw"}
    cli = (sys.executable, "-m", "paksa_desktop.cli")
    created = run(*cli, "company", "create", "--name", "Subprocess Ltd", "--currency", "USD", env=env)
    assert created.returncode == 0, created.stderr
    journal = tmp_path / "j.csv"
    journal.write_text(
        "entry,date,account,debit,credit\n1,2024-01-02,1100,99.99,\n1,2024-01-02,3100,,99.99\n", encoding="utf-8"
    )
    assert run(*cli, "import", "journal", str(journal), env=env).returncode == 0
    report = run(*cli, "report", "trial-balance", "--format", "csv", env=env)
    assert report.returncode == 0 and report.stderr == ""
    assert list(csv.reader(io.StringIO(report.stdout))) == [
        ["code", "name", "debit", "credit", "balance"],
        ["1100", "Operating bank account", "99.99", "0.00", "99.99"],
        ["3100", "Share capital", "0.00", "99.99", "-99.99"],
    ]
    journal.write_text("entry,date,account,debit,credit\n1,2024-01-02,1100,1,\n", encoding="utf-8")
    failed = run(*cli, "import", "journal", str(journal), env=env)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.splitlines()[0] == "j.csv:2: entry: entry '1' is out of balance by 1.00 " + (
        "(debits 1.00, credits 0.00); the lines of one entry must be consecutive rows"
    )
    assert "Traceback" not in failed.stderr
