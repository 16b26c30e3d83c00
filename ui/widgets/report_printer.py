"""Printing a Report: the printer gets the very PDF that Export → PDF writes, page for page.

reportlab lays the report out once (`to_pdf`); PDFium (pypdfium2: PySide6-Essentials has no Qt PDF
module) rasterises each page, and Qt draws the images onto the printer. So paper, preview and PDF file
can never disagree about a figure, a page break or a header. The page size chosen in the print dialog
becomes `PdfOptions.page_size` (A4 or Letter), its orientation `PdfOptions.landscape`.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintEngine, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.pdf import PdfOptions, to_pdf

PRINT_DPI = 300  # sharp text on paper without sending a printer hundreds of megabytes per page
PREVIEW_DPI = 150  # the preview keeps every page as a picture in memory
_LETTER_FAMILY = {
    QPageSize.PageSizeId.Letter,
    QPageSize.PageSizeId.Legal,
    QPageSize.PageSizeId.Executive,
    QPageSize.PageSizeId.Tabloid,
    QPageSize.PageSizeId.Ledger,
}
_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one caller at a time, whatever the thread


def page_size_name(printer: QPrinter) -> str:
    """The report page size for the printer's paper: Letter for North American sizes, else A4."""
    return "Letter" if printer.pageLayout().pageSize().id() in _LETTER_FAMILY else "A4"


def options_for(printer: QPrinter, base: PdfOptions) -> PdfOptions:
    landscape = printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape
    return replace(base, page_size=page_size_name(printer), landscape=landscape)


def prepare_pages(report: Report, options: PdfOptions) -> PdfPages:
    """The slow part, laying out and writing the PDF: run it on a worker thread."""
    return PdfPages(render_pdf(report, options))


def render_pdf(report: Report, options: PdfOptions) -> bytes:
    """The PDF exactly as Export writes it, kept in memory (no temporary file outlives the call)."""
    with tempfile.TemporaryDirectory(prefix="paksa-print-") as folder:
        path = Path(folder) / "report.pdf"
        to_pdf(report, path, options)
        return path.read_bytes()


class PdfPages:
    """A PDF in memory whose pages can be drawn as images at any resolution."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        with _PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                self.sizes = [document[i].get_size() for i in range(len(document))]  # points
            finally:
                document.close()

    @property
    def count(self) -> int:
        return len(self.sizes)

    @property
    def landscape(self) -> bool:
        width, height = self.sizes[0] if self.sizes else (0, 0)
        return width > height

    def images(self, dpi: int) -> list[QImage]:
        """Each page rasterised at `dpi`, on white."""
        found: list[QImage] = []
        with _PDFIUM:
            document = pdfium.PdfDocument(self.data)
            try:
                for i in range(len(document)):
                    bitmap = document[i].render(scale=dpi / 72)
                    image = QImage(
                        bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_BGR888
                    )
                    found.append(image.copy())  # detach from PDFium's buffer before it is freed
                    bitmap.close()
            finally:
                document.close()
        return found


class ReportPrinter(QObject):
    """Paints a report on any QPrinter: the preview's pages, a real printer, or a PDF printer in tests.

    `printed` fires after a real print (not a preview refresh) with the page count and the printer's
    name, so the caller can record it in the audit trail.
    """

    printed = Signal(int, str)

    def __init__(self, report: Report, options: PdfOptions, pages: PdfPages, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.options = options
        self.pages = pages
        self.rendered_with = options

    def setup(self, printer: QPrinter) -> None:
        """Paper and orientation of the PDF already rendered, so the first preview needs no re-layout."""
        size = QPageSize(QPageSize.PageSizeId.Letter if self.options.page_size == "Letter" else QPageSize.PageSizeId.A4)
        printer.setPageSize(size)
        orientation = QPageLayout.Orientation.Landscape if self.pages.landscape else QPageLayout.Orientation.Portrait
        printer.setPageOrientation(orientation)
        printer.setFullPage(True)  # the PDF carries its own margins
        printer.setDocName(f"{self.report.title} {self.report.subtitle}".strip())
        self.rendered_with = options_for(printer, self.options)

    def paint(self, printer: QPrinter) -> int:
        """Draw every page on the printer; returns the page count. Re-lays out if the paper changed."""
        wanted = options_for(printer, self.options)
        if (wanted.page_size, wanted.landscape) != (self.rendered_with.page_size, self.rendered_with.landscape):
            self.pages = PdfPages(render_pdf(self.report, wanted))  # a fraction of a second for a statement
            self.rendered_with = wanted
        printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        preview = painter.paintEngine().type() == QPaintEngine.Type.Picture  # QPrintPreviewWidget records pictures
        dpi = min(printer.resolution(), PREVIEW_DPI if preview else PRINT_DPI)
        try:
            paper = printer.pageLayout().fullRectPixels(printer.resolution())
            for number, image in enumerate(self.pages.images(dpi)):
                if number:
                    printer.newPage()
                painter.drawImage(_fit(image, QRectF(paper)), image)
        finally:
            painter.end()
        if not preview:
            self.printed.emit(self.pages.count, printer.printerName() or printer.outputFileName())
        return self.pages.count

    def preview(self, parent: QWidget | None) -> QPrintPreviewDialog:
        """The preview dialog (not yet shown): zoom, page setup, and Print, which opens the print dialog."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.setup(printer)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(f"Print preview — {self.report.title}")
        dialog.resize(980, 760)
        dialog.paintRequested.connect(self.paint)
        dialog.printer = printer  # type: ignore[attr-defined]  # the dialog does not own the QPrinter
        return dialog


def _fit(image: QImage, paper: QRectF) -> QRectF:
    """The page image scaled into the paper, centred, proportions kept (a Letter PDF on A4 paper)."""
    scale = min(paper.width() / image.width(), paper.height() / image.height())
    width, height = image.width() * scale, image.height() * scale
    return QRectF(paper.x() + (paper.width() - width) / 2, paper.y() + (paper.height() - height) / 2, width, height)
