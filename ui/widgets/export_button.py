"""Export (Excel, CSV or PDF) on every list: the list's own Report, written by the shared renderers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMenu, QPushButton, QWidget

from paksa_desktop.core.errors import Cancelled
from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.pdf import PdfOptions
from paksa_desktop.reporting.renderers import render_file
from ui.errors import attempt
from ui.style import icon
from ui.widgets.notify import notify
from ui.workers import IsCancelled, Job, Progress, run_with_progress

ReportBuilder = Callable[[Progress, IsCancelled], Report]  # runs on a worker thread
Prepare = Callable[[], ReportBuilder]  # runs on the GUI thread: snapshots what the list shows
Audit = Callable[[Path, int], None]  # records the export in the audit trail (worker thread)
FILTERS = {"xlsx": "Excel workbook (*.xlsx)", "csv": "CSV file (*.csv)", "pdf": "PDF document (*.pdf)"}
MENU_TEXT = {"xlsx": "Excel workbook (.xlsx)…", "csv": "CSV file (.csv)…", "pdf": "PDF document (.pdf)…"}


def default_export_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


def export_report_file(
    parent: QWidget | None,
    build: ReportBuilder,
    path: Path,
    audit: Audit | None = None,
    *,
    pdf: PdfOptions | None = None,
) -> Job:
    """Build the report and render it to `path` (.xlsx, .csv or .pdf) off the GUI thread."""

    def work(progress: Progress, cancelled: IsCancelled) -> int:
        report = build(progress, cancelled)
        if cancelled():
            raise Cancelled()
        count = render_file(report, path, pdf=pdf)
        if audit is not None:
            audit(path, count)
        return count

    def done(count: int) -> None:
        notify(parent, f"Exported {count:,} rows to {path}")

    return run_with_progress(parent, "Export", f"Writing {path.name}…", work, done)


def format_menu(parent: QWidget, choose: Callable[[str], object]) -> QMenu:
    """The Export menu: one entry per file format."""
    menu = QMenu(parent)
    for fmt, text in MENU_TEXT.items():
        action = menu.addAction(text, lambda fmt=fmt: choose(fmt))
        action.setObjectName(f"export-{fmt}")
    return menu


def ask_export_path(parent: QWidget, stem: str, fmt: str) -> Path | None:
    """The save dialog, suggesting Documents/<stem>.<fmt>; the extension is added when left out."""
    suggested = default_export_dir() / f"{stem}.{fmt}"
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export", str(suggested), FILTERS[fmt])
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == f".{fmt}" else path.with_name(path.name + f".{fmt}")


class ExportButton(QPushButton):
    """'Export' with a menu: Excel workbook, CSV file or PDF; asks where, then writes in the background."""

    def __init__(
        self,
        prepare: Prepare,
        file_stem: Callable[[], str],
        parent: QWidget | None = None,
        *,
        audit: Audit | None = None,
        pdf_options: Callable[[], PdfOptions] | None = None,
    ) -> None:
        super().__init__(parent)
        self.audit = audit
        self.pdf_options = pdf_options  # called on the GUI thread when a PDF is asked for
        self.prepare = prepare
        self.file_stem = file_stem
        self.setText("Export")
        self.setIcon(icon("export"))
        self.setToolTip("Export the rows shown to Excel, CSV or PDF")
        self.setMenu(format_menu(self, self.choose_and_export))
        self.last_job: Job | None = None

    def choose_and_export(self, fmt: str) -> Job | None:
        builder = attempt(self, self.prepare, title="Export")
        if builder is None:
            return None
        path = ask_export_path(self, self.file_stem(), fmt)
        if path is None:
            return None
        return self.export_to(path, builder)

    def export_to(self, path: Path, builder: ReportBuilder | None = None) -> Job | None:
        """Export to a given path without asking where (tests and scripts)."""
        builder = builder or attempt(self, self.prepare, title="Export")
        if builder is None:
            return None
        pdf = self.pdf_options() if self.pdf_options is not None and path.suffix.lower() == ".pdf" else None
        self.last_job = export_report_file(self, builder, path, self.audit, pdf=pdf)
        return self.last_job
