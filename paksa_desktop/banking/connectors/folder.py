"""The folder connector: statement files dropped in a folder (by the bank's software, a scheduled
download, a user) are read and imported, then moved to `imported/`, or to `failed/` next to a
`<name>.error.txt` saying why.

Re-running is harmless: a file imported but not yet moved (a crash in between) is read again and its
lines are skipped as duplicates. Hidden files and files still being written (`.part`, `.tmp`,
`.crdownload`) are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from paksa_desktop.banking.connectors import ConnectorError, FetchResult
from paksa_desktop.banking.formats import CsvProfile, StatementFileError, read_statement_file
from paksa_desktop.banking.statement_data import ParsedStatement

IMPORTED = "imported"
FAILED = "failed"
IN_PROGRESS = (".part", ".tmp", ".crdownload", ".partial", ".error.txt")


class FolderConnector:
    """Statement files in one folder, for one bank account (CSV files read through its profile)."""

    def __init__(self, folder: str | os.PathLike[str], profile: CsvProfile | None = None) -> None:
        self.folder = Path(folder)
        self.profile = profile
        self._files: dict[str, Path] = {}  # source name -> the file, from the last fetch

    def pending(self) -> list[Path]:
        """The files waiting in the folder, oldest name first."""
        if not self.folder.is_dir():
            raise ConnectorError(f"the statement folder {self.folder} does not exist or is not a folder")
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(IN_PROGRESS)
        )

    def fetch(self, since_cursor: str | None = None) -> FetchResult:
        """Read every waiting file. An unreadable file is moved to `failed/` at once and nothing is
        imported this time (the account's sync is all or nothing); the other files wait for the next sync."""
        statements: list[ParsedStatement] = []
        unreadable: list[str] = []
        self._files = {}
        files = self.pending()
        for path in files:
            try:
                found = read_statement_file(path, self.profile)
            except StatementFileError as exc:
                self._move(path, FAILED, str(exc))
                unreadable.append(str(exc))
                continue
            except OSError as exc:
                unreadable.append(f"{path.name}: cannot be read ({exc.strerror or exc})")
                continue
            self._files[path.name] = path
            statements.extend(found)
        if unreadable:
            waiting = len(files) - len(unreadable)
            raise ConnectorError(
                f"{len(unreadable)} file(s) in {self.folder} could not be read and were moved to {FAILED}/; "
                f"nothing was imported ({waiting} other file(s) wait for the next sync):\n" + "\n".join(unreadable)
            )
        return FetchResult(statements, None, tuple(self._files))

    def acknowledge(self, result: FetchResult) -> None:
        for name in result.sources:
            if name in self._files:
                self._move(self._files[name], IMPORTED)

    def reject(self, result: FetchResult, errors: Sequence[str]) -> None:
        """Move the files the errors name to `failed/` (the others wait for the next sync)."""
        for name in result.sources:
            mine = [e for e in errors if e.startswith(name)]
            if mine and name in self._files:
                self._move(self._files[name], FAILED, "\n".join(mine))

    def _move(self, path: Path, where: str, error: str = "") -> Path:
        target_dir = self.folder / where
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        if target.exists():  # the same name imported before: keep both, the newer one stamped
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return target  # another sync moved it first
        if error:
            target.with_name(target.name + ".error.txt").write_text(error + "\n", encoding="utf-8")
        return target
