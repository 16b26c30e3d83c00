"""What the About box says: name, version, licence, and the versions a support request needs.

Pure Python (no Qt): the GUI adds the Qt and PySide6 versions, the CLI could print the same facts.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from paksa_desktop import __version__

APP_NAME = "Paksa Desktop"
LICENCE_NAME = "MIT License"
LICENCE_SUMMARY = "Free to use, copy, change and share, including commercially; provided without warranty."
LICENCE_URL = "https://opensource.org/license/mit"


def licence_file() -> Path | None:
    """The LICENSE shipped with this copy: beside the bundle's files, in the checkout, or in the metadata."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller: the spec copies LICENSE to the bundle's root
    if bundle:
        candidates.append(Path(bundle) / "LICENSE")
    candidates.append(Path(__file__).resolve().parents[1] / "LICENSE")
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        names = set(distribution("paksa-desktop").metadata.get_all("License-File") or [])
        candidates += [Path(str(f.locate())) for f in distribution("paksa-desktop").files or [] if f.name in names]
    except PackageNotFoundError:
        pass
    return next((path for path in candidates if path.is_file()), None)


def about_facts(database: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows after the title; `database` is Company.database_version() when one is open."""
    rows = [
        ("Version", __version__),
        ("Licence", f"{LICENCE_NAME} — {LICENCE_SUMMARY}"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]
    if database:
        rows.append(("Database", database))
    return rows
