"""Render a Report to PDF with reportlab: the printed form a finance team sends out.

Every page carries the company, title and period, the column headers and "Page x of y"; a row is never
split across pages; negatives are in parentheses; subtotals are ruled and totals double-ruled.
The fonts are DejaVu Sans, shipped in resources/fonts, so any name prints on any machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.formatting import cell_text
from paksa_desktop.reporting.model import Chart, Report, ReportRow, RowStyle

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
FONT, BOLD = "PaksaSans", "PaksaSans-Bold"
FONT_SIZE = 8.5
MARGIN = 15 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 10 * mm
PADDING = 4  # points left and right of each cell
MAX_TEXT_WIDTH = 90 * mm  # a longer text column wraps instead of pushing others off the page
_SAMPLE_ROWS = 2000  # rows measured for natural column widths
_INK = colors.HexColor("#1f2933")
_MUTED = colors.HexColor("#616e7c")
_HEAD_FILL = colors.HexColor("#e4e7eb")
_RULE = colors.HexColor("#3e4c59")


@dataclass(frozen=True, slots=True)
class PdfOptions:
    page_size: str = "A4"  # or "Letter"
    landscape: bool | None = None  # None: landscape only when the columns do not fit upright
    logo: bytes | None = None  # PNG or JPEG, printed top right
    printed_at: datetime | None = None
    printed_by: str = ""
    chart: Chart | None = None  # drawn above the table on the first page


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = files("resources.fonts")
    pdfmetrics.registerFont(TTFont(FONT, str(folder.joinpath("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder.joinpath("DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


register_fonts = _register_fonts  # for other printed documents (invoices, statements, letters)


def _texts(report: Report, row: ReportRow) -> list[str]:
    return [cell_text(v, report.exponent, kind=c.kind) for v, c in zip(row.cells, report.columns, strict=True)]


def _natural_widths(report: Report, rows: list[list[str]]) -> list[float]:
    widths = [pdfmetrics.stringWidth(c.title, BOLD, FONT_SIZE) for c in report.columns]
    for texts in rows[:_SAMPLE_ROWS] + rows[-50:]:
        for i, text in enumerate(texts):
            longest = max(text.split("\n"), key=len) if text else ""
            widths[i] = max(widths[i], pdfmetrics.stringWidth(longest, BOLD, FONT_SIZE))
    return [w + 2 * PADDING + 1 for w in widths]


def _fit(report: Report, natural: list[float], available: float) -> list[float]:
    """Numbers keep their width; text columns share what is left, the widest giving way first."""
    widths = [w if c.numeric else min(w, MAX_TEXT_WIDTH) for w, c in zip(natural, report.columns, strict=True)]
    excess = sum(widths) - available
    if excess <= 0:
        return widths
    text_cols = sorted((i for i, c in enumerate(report.columns) if not c.numeric), key=lambda i: -widths[i])
    floor = 18 * mm
    # Shave the widest text columns down to a common width until the table fits.
    while excess > 0.5 and text_cols:
        widest = [i for i in text_cols if widths[i] > floor]
        if not widest:
            break
        top = max(widths[i] for i in widest)
        ties = [i for i in widest if widths[i] >= top - 0.5]
        others = [widths[i] for i in widest if widths[i] < top - 0.5]
        target = max(max(others, default=floor), floor, top - excess / len(ties))
        for i in ties:
            excess -= widths[i] - target
            widths[i] = target
    return widths


class _Layout:
    """Page geometry and the running header, drawn on every page."""

    def __init__(self, report: Report, options: PdfOptions, pagesize: tuple[float, float]) -> None:
        self.report = report
        self.options = options
        self.pagesize = pagesize
        self.logo = ImageReader(io.BytesIO(options.logo)) if options.logo else None

    def header(self, canvas: Canvas, _doc: Any) -> None:
        width, height = self.pagesize
        top = height - MARGIN
        canvas.saveState()
        canvas.setFillColor(_MUTED)
        canvas.setFont(FONT, 9)
        if self.report.company:
            canvas.drawString(MARGIN, top - 9, self.report.company)
        canvas.setFillColor(_INK)
        canvas.setFont(BOLD, 15)
        canvas.drawString(MARGIN, top - 27, self.report.title)
        canvas.setFont(FONT, 9)
        canvas.setFillColor(_MUTED)
        line = " · ".join(p for p in (self.report.subtitle, self.report.currency) if p)
        if line:
            canvas.drawString(MARGIN, top - 41, line)
        if self.logo is not None:
            w, h = self.logo.getSize()
            scale = min(14 * mm / h, 45 * mm / w)
            canvas.drawImage(self.logo, width - MARGIN - w * scale, top - h * scale, w * scale, h * scale, mask="auto")
        canvas.restoreState()

    def footer(self, canvas: Canvas, page: int, pages: int) -> None:
        width, _height = self.pagesize
        y = MARGIN - 2
        canvas.saveState()
        canvas.setStrokeColor(_HEAD_FILL)
        canvas.line(MARGIN, y + 10, width - MARGIN, y + 10)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(_MUTED)
        printed = self.options.printed_at or datetime.now(UTC)
        note = f"Printed {printed.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        if self.options.printed_by:
            note += f" by {self.options.printed_by}"
        canvas.drawString(MARGIN, y, note)
        canvas.drawRightString(width - MARGIN, y, f"Page {page} of {pages}")
        canvas.restoreState()


def _canvas_class(layout: _Layout) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each footer can say "of y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                layout.footer(self, number, len(self._pages))
                super().showPage()
            super().save()

    return NumberedCanvas


def _table(report: Report, widths: list[float]) -> Table:
    body = ParagraphStyle("cell", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE * 1.25, textColor=_INK)
    bold = ParagraphStyle("cell-bold", parent=body, fontName=BOLD)
    numeric = [c.numeric for c in report.columns]
    data: list[list[Any]] = [[c.title for c in report.columns]]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, FONT_SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("FONT", (0, 0), (-1, 0), BOLD, FONT_SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _RULE),
    ]
    for i, is_number in enumerate(numeric):
        if is_number:
            commands.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    for row in report.rows + report.totals:
        r = len(data)
        strong = row.style is not RowStyle.NORMAL
        cells: list[Any] = []
        for i, text in enumerate(_texts(report, row)):
            fits = pdfmetrics.stringWidth(text, BOLD, FONT_SIZE) <= widths[i] - 2 * PADDING and "\n" not in text
            if numeric[i] or fits:
                cells.append(text)
            else:
                markup = escape(text).replace("\n", "<br/>")
                cells.append(Paragraph(markup, bold if strong else body))
        data.append(cells)
        if strong:
            commands.append(("FONT", (0, r), (-1, r), BOLD, FONT_SIZE))
        if row.level:
            first_text = next((i for i, n in enumerate(numeric) if not n), 0)
            commands.append(("LEFTPADDING", (first_text, r), (first_text, r), PADDING + 10 * row.level))
        if row.style is RowStyle.HEADING:
            commands.append(("TOPPADDING", (0, r), (-1, r), 6))
        elif row.style is RowStyle.SUBTOTAL:
            commands.append(("LINEABOVE", (0, r), (-1, r), 0.5, _RULE))
        elif row.style is RowStyle.TOTAL:
            commands.append(("LINEABOVE", (0, r), (-1, r), 0.6, _RULE))
            commands.append(("LINEBELOW", (0, r), (-1, r), 0.6, _RULE, None, None, None, 2, 1.2))
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


_SERIES_COLOURS = (colors.HexColor("#2f6fdf"), colors.HexColor("#e0803a"), colors.HexColor("#2e9e5b"))


def _chart(chart: Chart, width: float) -> Drawing:
    """Grouped bars, one group per category; the axis in thousands when the figures are large."""
    height = 62 * mm
    drawing = Drawing(width, height)
    values = [[float(v) for v in figures] for _name, figures in chart.series]  # drawing only, never stored
    biggest = max((abs(v) for row in values for v in row), default=0.0)
    scale, unit = (1000.0, " (thousands)") if biggest >= 10_000 else (1.0, "")
    bars = VerticalBarChart()
    bars.x, bars.y = 36, 30
    bars.width, bars.height = width - 150, height - 50
    bars.data = [[v / scale for v in row] for row in values]
    bars.categoryAxis.categoryNames = list(chart.categories)
    bars.categoryAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = 6.5
    bars.categoryAxis.labels.angle = 30 if len(chart.categories) > 6 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(chart.categories) > 6 else "n"
    bars.valueAxis.labels.fontName = FONT
    bars.valueAxis.labels.fontSize = 6.5
    bars.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    bars.valueAxis.gridStrokeColor = _HEAD_FILL
    bars.valueAxis.visibleGrid = True
    bars.barSpacing = 0.5
    bars.groupSpacing = 6
    for i, _series in enumerate(chart.series):
        bars.bars[i].fillColor = _SERIES_COLOURS[i % len(_SERIES_COLOURS)]
        bars.bars[i].strokeColor = None
    drawing.add(bars)
    legend = Legend()
    legend.x, legend.y = width - 100, height - 22
    legend.fontName, legend.fontSize = FONT, 7
    legend.colorNamePairs = [
        (_SERIES_COLOURS[i % len(_SERIES_COLOURS)], name) for i, (name, _f) in enumerate(chart.series)
    ]
    drawing.add(legend)
    drawing.add(String(0, height - 8, chart.title + unit, fontName=BOLD, fontSize=8.5, fillColor=_INK))
    return drawing


def to_pdf(report: Report, path: Path, options: PdfOptions | None = None) -> int:
    """Write the report to `path`; returns the number of pages."""
    options = options or PdfOptions()
    if options.page_size not in PAGE_SIZES:
        raise ValidationError(f"unknown page size '{options.page_size}' (choose {' or '.join(PAGE_SIZES)})")
    _register_fonts()
    texts = [_texts(report, r) for r in report.rows + report.totals]
    natural = _natural_widths(report, texts)
    upright = PAGE_SIZES[options.page_size]
    turn = options.landscape
    if turn is None:
        turn = sum(natural) > upright[0] - 2 * MARGIN
    pagesize = landscape(upright) if turn else upright
    available = pagesize[0] - 2 * MARGIN
    widths = _fit(report, natural, available)
    layout = _Layout(report, options, pagesize)
    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        available,
        pagesize[1] - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc = BaseDocTemplate(
        str(path),
        pagesize=pagesize,
        title=f"{report.title} {report.subtitle}".strip(),
        author=report.company or "Paksa Desktop",
        creator="Paksa Desktop",
        pageTemplates=[PageTemplate("report", frames=[frame], onPage=layout.header)],
    )
    story: list[Any] = [_table(report, widths)]
    if options.chart is not None:
        story = [_chart(options.chart, available), Spacer(1, 6 * mm), *story]
    doc.build(story, canvasmaker=_canvas_class(layout))
    return doc.page
