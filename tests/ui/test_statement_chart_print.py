"""The chart under the statements gets the engine's figures; printing sends the export's own PDF pages."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget

from paksa_desktop.audit.service import AuditFilter, AuditService
from paksa_desktop.ledger.statements import By
from paksa_desktop.reporting.pdf import to_pdf
from tests.ui.conftest import handle_dialog, wait_idle
from tests.ui.test_statements_view import choose, open_statements, shot
from ui.ledger.statement_request import Statement
from ui.widgets.report_printer import PdfPages, ReportPrinter, prepare_pages


def test_chart_shows_revenue_expenses_net_income_and_balances(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.INCOME_STATEMENT, start=date(2024, 1, 1), end=date(2024, 12, 31))
    view.chart_button.click()
    assert view.chart.isVisible()
    wait_idle(qtbot, view.chart)
    data = view.chart.data
    assert data is not None and data.title == "Fiscal year 2024" and data.currency == "USD"
    assert len(data.months) == 12 and data.months[0] == "Jan 2024"
    assert data.revenue[:7] == (*(Decimal(f"{1000 * m}.00") for m in range(1, 7)), Decimal("0.00"))
    assert set(data.expenses[:6]) == {Decimal("950.00")} and data.expenses[6] == Decimal("0.00")
    assert data.net_income[0] == Decimal("50.00") and sum(data.net_income) == Decimal("15300.00")
    # the balance sheet at each month end up to today (30 June): the loan in March, the laptops in April
    assert data.month_ends == tuple(f"{d} 2024" for d in ("31 Jan", "29 Feb", "31 Mar", "30 Apr", "31 May", "30 Jun"))
    assert data.liabilities == tuple(Decimal(v) for v in ("0.00", "0.00", "5000.00", "7000.00", "7000.00", "7000.00"))
    assert data.assets[0] == Decimal("10050.00") and data.assets[-1] == Decimal("32300.00")

    # what is plotted is those figures, turned into floats only at the plot
    x, heights = view.chart.series("revenue")
    assert heights[:6] == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0] and len(x) == 12
    net_x, net_y = view.chart.series("net_income")
    assert net_y[5] == 5050.0 and len(net_x) == data.elapsed == 6  # no false zeros for months to come
    assert view.chart.series("liabilities")[1] == [0.0, 0.0, 5000.0, 7000.0, 7000.0, 7000.0]
    axis = view.chart.income.getPlotItem().getAxis("left")
    assert axis.tickStrings([25000.0, 1250.0], 1, 1000) == ["25,000", "1,250"]
    assert axis.labelText == "USD"
    view.resize(view.width(), 900)
    window.resize(1280, 980)
    qtbot.wait(50)
    shot(window, "statements-chart.png")

    # another fiscal year follows the statement's dates
    choose(qtbot, view, Statement.INCOME_STATEMENT, start=date(2023, 1, 1), end=date(2023, 12, 31))
    wait_idle(qtbot, view.chart)
    assert view.chart.data.title == "Fiscal year 2023" and not any(view.chart.data.revenue)
    view.chart_button.click()
    assert not view.chart.isVisible()


def page_images(path: Path, dpi: int = 72) -> list[QImage]:
    return PdfPages(path.read_bytes()).images(dpi)


def text(page: Any) -> list[str]:
    """A page's text without the footer's print time (the two PDFs may be made a minute apart)."""
    return [line for line in page.extract_text().splitlines() if not line.startswith("Printed ")]


def difference(a: QImage, b: QImage) -> float:
    """Mean lightness difference (0–255) of two page images seen from afar (a sixth of their size), so a
    one-pixel shift (Qt rounds A4 to whole points) does not count: ~2 for the same page, ~9 against a
    blank page, ~13 for the same page moved by a line."""

    def small(image: QImage) -> QImage:
        return image.scaled(
            image.width() // 6, image.height() // 6, Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )  # fmt: skip

    a, b = small(a), small(b)
    total = count = 0
    for y in range(min(a.height(), b.height())):
        for x in range(min(a.width(), b.width())):
            total += abs(a.pixelColor(x, y).lightness() - b.pixelColor(x, y).lightness())
            count += 1
    return total / count


def test_printing_sends_the_export_pdf_and_is_audited(qtbot, window, sqlite_books, tmp_path):
    view = open_statements(qtbot, window, sqlite_books)
    report = choose(qtbot, view, Statement.INCOME_STATEMENT, columns=By.MONTH)
    exported = tmp_path / "export.pdf"
    to_pdf(report, exported, view.pdf_options())
    out = tmp_path / "printed.pdf"
    seen: dict[str, int] = {}

    def in_preview(dialog: QPrintPreviewDialog) -> None:
        preview = dialog.findChild(QPrintPreviewWidget)
        qtbot.waitUntil(lambda: preview.pageCount() > 0)
        seen["preview"] = preview.pageCount()
        seen["landscape"] = int(dialog.printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # what the print dialog's printer gets
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setPageSize(dialog.printer.pageLayout().pageSize())
        printer.setPageOrientation(dialog.printer.pageLayout().orientation())
        seen["printed"] = view.printer.paint(printer)
        shot(dialog, "statements-print-preview.png")
        dialog.accept()

    timer = handle_dialog(QPrintPreviewDialog, in_preview)
    view.print_statement()
    qtbot.waitUntil(lambda: "printed" in seen, timeout=20_000)
    timer.stop()
    exported_pages = page_images(exported)
    assert seen["preview"] == seen["printed"] == len(exported_pages)
    assert seen["landscape"] == 1  # thirteen columns turn the page, as in the PDF export
    printed_pages = page_images(out)
    assert len(printed_pages) == len(exported_pages)
    blank = QImage(exported_pages[0].size(), QImage.Format.Format_RGB32)
    blank.fill(QColor("white"))
    for printed, original in zip(printed_pages, exported_pages, strict=True):
        assert difference(original, printed) < 3 < difference(original, blank)  # the same page, rasterised
    # the pages printed are the export's own PDF: the same text on the same pages
    printed_pdf = PdfReader(io.BytesIO(view.printer.pages.data))
    export_pdf = PdfReader(exported)
    assert [text(p) for p in printed_pdf.pages] == [text(p) for p in export_pdf.pages]
    assert "Net income" in export_pdf.pages[0].extract_text()
    rows = AuditService(sqlite_books.company.engine, sqlite_books.ctx).rows(AuditFilter(action="print"))
    assert [(r.entity, r.action) for r in rows] == [("income-statement-2024-01-01-to-2024-12-31", "print")]
    details = json.loads(rows[0].after or "{}")
    assert details["pages"] == len(exported_pages) and details["printer"] == str(out)


def test_page_size_chosen_for_the_printer_becomes_the_pdfs(qtbot, window, sqlite_books, tmp_path):
    view = open_statements(qtbot, window, sqlite_books)
    report = choose(qtbot, view, Statement.BALANCE_SHEET, as_of=date(2024, 6, 30))
    options = view.pdf_options()
    job = ReportPrinter(report, options, prepare_pages(report, options))
    for size, points in ((QPageSize.PageSizeId.Letter, (612, 792)), (QPageSize.PageSizeId.A4, (595, 842))):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / f"{size.name}.pdf"))
        printer.setPageSize(QPageSize(size))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        assert job.paint(printer) == 1
        width, height = job.pages.sizes[0]
        assert (round(width), round(height)) == points  # re-laid out for the paper, not stretched
        document = pdfium.PdfDocument(str(tmp_path / f"{size.name}.pdf"))
        assert (round(document[0].get_width()), round(document[0].get_height())) == points
        document.close()


def test_ctrl_p_opens_the_preview_and_a_preview_alone_is_not_a_print(qtbot, window, sqlite_books):
    view = open_statements(qtbot, window, sqlite_books)
    choose(qtbot, view, Statement.BALANCE_SHEET, as_of=date(2024, 6, 30))
    seen: list[int] = []

    def look(dialog: QPrintPreviewDialog) -> None:
        preview = dialog.findChild(QPrintPreviewWidget)
        qtbot.waitUntil(lambda: preview.pageCount() > 0)
        seen.append(preview.pageCount())
        assert dialog.printer.pageLayout().orientation() == QPageLayout.Orientation.Portrait
        dialog.reject()

    timer = handle_dialog(QPrintPreviewDialog, look)
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    timer.stop()
    assert seen == [1]
    assert not AuditService(sqlite_books.company.engine, sqlite_books.ctx).rows(AuditFilter(action="print"))
