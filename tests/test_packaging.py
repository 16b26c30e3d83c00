"""`pip install .` must give a working `paksa`: the wheel carries migrations, templates and resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_migrations_templates_and_resources(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("paksa_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected_from_tree = [
        p.relative_to(REPO).as_posix()
        for folder in ("db", "resources", "paksa_desktop", "ui")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    missing = sorted(set(expected_from_tree) - names)
    assert not missing, f"files not in the wheel: {missing}"
    assert {"db/env.py", "db/script.py.mako", "resources/templates/standard.csv"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "paksa = paksa_desktop.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
