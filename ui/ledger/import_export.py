"""Import accounts or journal entries from CSV/Excel, export the journal: in the background, cancellable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from paksa_desktop.core.changes import Changes
from paksa_desktop.core.errors import Cancelled
from paksa_desktop.ledger.export_journal import export_journal_file
from paksa_desktop.ledger.import_accounts import COLUMNS as ACCOUNT_COLUMNS
from paksa_desktop.ledger.import_accounts import import_accounts_file
from paksa_desktop.ledger.import_journal import COLUMNS as JOURNAL_COLUMNS
from paksa_desktop.ledger.import_journal import ImportResult, import_journal_file
from ui.hub import Hub
from ui.widgets.choices import fill_codes
from ui.widgets.dialogs import button_box, form, note, stack
from ui.widgets.export_button import default_export_dir
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Job, Progress, run_with_progress

FILE_FILTER = "Spreadsheets (*.csv *.xlsx);;CSV files (*.csv);;Excel workbooks (*.xlsx)"


def import_accounts(parent: QWidget | None, hub: Hub, path: Path) -> Job:
    session = hub.session

    def work(_progress: Progress, _cancelled: IsCancelled) -> tuple[int, Changes]:
        return import_accounts_file(session.ledger, session.queries, path)

    def done(result: tuple[int, Changes]) -> None:
        count, changes = result
        hub.broadcast(changes)
        QMessageBox.information(parent, "Import accounts", f"Imported {count:,} accounts from {path.name}.")

    return run_with_progress(
        parent, "Import accounts", f"Checking and importing {path.name}…", work, done, cancellable=False
    )


def import_journal(parent: QWidget | None, hub: Hub, path: Path, journal: str = "GEN") -> Job:
    session = hub.session

    def work(progress: Progress, cancelled: IsCancelled) -> tuple[ImportResult, Changes]:
        return import_journal_file(session.ledger, path, journal=journal, progress=progress, cancelled=cancelled)

    def done(result: tuple[ImportResult, Changes]) -> None:
        imported, changes = result
        hub.broadcast(changes)
        QMessageBox.information(
            parent,
            "Import journal",
            f"Posted {imported.entries:,} entries ({imported.lines:,} lines) from {path.name} into journal {journal}.",
        )

    return run_with_progress(parent, "Import journal", f"Checking and posting {path.name}…", work, done)


def export_journal(parent: QWidget | None, hub: Hub, path: Path) -> Job:
    """Every posted line in the columns the journal import reads; a cancelled export leaves no file."""
    session = hub.session

    def work(progress: Progress, cancelled: IsCancelled) -> int:
        def report(done: int, total: int) -> None:
            progress(done, total)
            if cancelled():
                raise Cancelled()

        try:
            return export_journal_file(session.company.engine, session.ctx, path, progress=report)
        except Cancelled:
            path.unlink(missing_ok=True)
            raise

    def done(count: int) -> None:
        notify(parent, f"Exported {count:,} journal lines to {path}")

    return run_with_progress(parent, "Export journal", f"Writing {path.name}…", work, done)


class ImportJournalDialog(QDialog):
    """The file and the journal its entries are posted in."""

    def __init__(self, hub: Hub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import journal entries")
        self.setMinimumWidth(560)
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .csv or .xlsx file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.journal = QComboBox()
        fill_codes(self.journal, hub.journals(), active_only=True)
        stack(
            self,
            form(("&File", row), ("&Journal", self.journal)),
            note(
                f"Columns: <code>{', '.join(JOURNAL_COLUMNS)}</code> (the last three optional). Consecutive rows "
                "with the same <i>entry</i> form one entry. Every row is checked first: the whole file is posted, "
                "or nothing."
            ),
            button_box(self, "Import"),
        )

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import journal entries", str(default_export_dir()), FILE_FILTER)
        if chosen:
            self.path.setText(chosen)


def choose_and_import_accounts(parent: QWidget, hub: Hub) -> Job | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, f"Import accounts ({', '.join(ACCOUNT_COLUMNS)})", str(default_export_dir()), FILE_FILTER
    )
    return import_accounts(parent, hub, Path(chosen)) if chosen else None


def choose_and_import_journal(parent: QWidget, hub: Hub) -> Job | None:
    dialog = ImportJournalDialog(hub, parent)
    if not dialog.exec() or not dialog.path.text().strip():
        return None
    return import_journal(parent, hub, Path(dialog.path.text().strip()), dialog.journal.currentData() or "GEN")


def choose_and_export_journal(parent: QWidget, hub: Hub) -> Job | None:
    suggested = default_export_dir() / "journal.csv"
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Export journal", str(suggested), "CSV file (*.csv);;Excel workbook (*.xlsx)"
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        path = path.with_name(path.name + ".csv")
    return export_journal(parent, hub, path)
