"""Import customers or items from CSV/Excel: checked row by row, all or nothing, in the background.

A rejected file opens the import errors dialog (every problem as `FILE:ROW: column: reason`); a
cancelled import leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from paksa_desktop.core.changes import Changes
from paksa_desktop.receivables import files
from paksa_desktop.receivables.service import ImportResult, ReceivablesService
from ui.hub import Hub
from ui.ledger.import_export import FILE_FILTER
from ui.session import AppSession
from ui.widgets.export_button import default_export_dir
from ui.workers import IsCancelled, Job, Progress, run_with_progress

Run = Callable[[Any, Path, Progress, IsCancelled], tuple[ImportResult, Changes]]


def _receivables(session: AppSession) -> ReceivablesService:
    return session.receivables


@dataclass(frozen=True)
class ImportKind:
    title: str  # "Import customers"
    noun: str
    plural: str
    columns: tuple[str, ...]
    run: Run
    service: Callable[[AppSession], Any] = _receivables  # the service `run` is given (a fresh one per import)


CUSTOMERS = ImportKind(
    "Import customers",
    "customer",
    "customers",
    files.CUSTOMER_COLUMNS,
    lambda service, path, progress, cancelled: service.import_customers(path, progress=progress, cancelled=cancelled),
)
ITEMS = ImportKind(
    "Import items",
    "item",
    "items",
    files.ITEM_COLUMNS,
    lambda service, path, progress, cancelled: service.import_items(path, progress=progress, cancelled=cancelled),
)


def summary(kind: ImportKind, result: ImportResult, path: Path) -> str:
    what = kind.noun if result.rows == 1 else kind.plural
    return (
        f"Imported {result.rows:,} {what} from {path.name}: "
        f"{result.created:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged."
    )


def import_file(parent: QWidget | None, hub: Hub, kind: ImportKind, path: Path) -> Job:
    session = hub.session

    def work(progress: Progress, cancelled: IsCancelled) -> tuple[ImportResult, Changes]:
        return kind.run(kind.service(session), path, progress, cancelled)

    def done(outcome: tuple[ImportResult, Changes]) -> None:
        result, changes = outcome
        hub.broadcast(changes)
        QMessageBox.information(parent, kind.title, summary(kind, result, path))

    return run_with_progress(parent, kind.title, f"Checking and importing {path.name}…", work, done)


def choose_and_import(parent: QWidget, hub: Hub, kind: ImportKind) -> Job | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, f"{kind.title} ({', '.join(kind.columns)})", str(default_export_dir()), FILE_FILTER
    )
    return import_file(parent, hub, kind, Path(chosen)) if chosen else None
