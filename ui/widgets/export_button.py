"""Export (Excel/CSV) on every list: the list's own Report, written by the shared renderers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMenu, QPushButton, QWidget

from paksa_desktop.core.errors import Cancelled
from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.renderers import to_csv, to_xlsx
from ui.errors import attempt
from ui.style import icon
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Job, Progress, run_with_progress

ReportBuilder = Callable[[Progress, IsCancelled], Report]  # runs on a worker thread
Prepare = Callable[[], ReportBuilder]  # runs on the GUI thread: snapshots what the list shows
Audit = Callable[[Path, int], None]  # records the export in the audit trail (worker thread)
FILTERS = {"xlsx": "Excel workbook (*.xlsx)", "csv": "CSV file (*.csv)"}


def default_export_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


def export_report_file(parent: QWidget | None, build: ReportBuilder, path: Path, audit: Audit | None = None) -> Job:
    """Build the report and render it to `path` (.xlsx or .csv) off the GUI thread."""

    def work(progress: Progress, cancelled: IsCancelled) -> int:
        report = build(progress, cancelled)
        if cancelled():
            raise Cancelled()
        count = to_xlsx(report, path) if path.suffix.lower() == ".xlsx" else to_csv(report, path)
        if audit is not None:
            audit(path, count)
        return count

    def done(count: int) -> None:
        notify(parent, f"Exported {count:,} rows to {path}")

    return run_with_progress(parent, "Export", f"Writing {path.name}…", work, done)


class ExportButton(QPushButton):
    """'Export' with a menu: Excel workbook or CSV file; asks where, then writes in the background."""

    def __init__(
        self,
        prepare: Prepare,
        file_stem: Callable[[], str],
        parent: QWidget | None = None,
        *,
        audit: Audit | None = None,
    ) -> None:
        super().__init__(parent)
        self.audit = audit
        self.prepare = prepare
        self.file_stem = file_stem
        self.setText("Export")
        self.setIcon(icon("export"))
        self.setToolTip("Export the rows shown to Excel or CSV")
        menu = QMenu(self)
        self.xlsx_action = menu.addAction("Excel workbook (.xlsx)…", lambda: self.choose_and_export("xlsx"))
        self.csv_action = menu.addAction("CSV file (.csv)…", lambda: self.choose_and_export("csv"))
        self.setMenu(menu)
        self.last_job: Job | None = None

    def choose_and_export(self, fmt: str) -> Job | None:
        builder = attempt(self, self.prepare, title="Export")
        if builder is None:
            return None
        suggested = default_export_dir() / f"{self.file_stem()}.{fmt}"
        chosen, _ = QFileDialog.getSaveFileName(self, "Export", str(suggested), FILTERS[fmt])
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        self.last_job = export_report_file(self, builder, path, self.audit)
        return self.last_job

    def export_to(self, path: Path) -> Job | None:
        """Export to a given path without asking where (tests and scripts)."""
        builder = attempt(self, self.prepare, title="Export")
        if builder is None:
            return None
        self.last_job = export_report_file(self, builder, path, self.audit)
        return self.last_job
