"""Printed documents sent out of the company: letterhead, address block, money as printed, and a PDF
builder that puts many documents in one file with "Page x of y" counted per document.

Invoices, statements, dunning letters and remittance advices share one look: the company's logo (or
its name) top left, with its address under it when known, the document's title and number top right on
every page, the footer naming the company and the document. The fonts are the reports' DejaVu Sans, so
any name prints. Nothing here reads a database: each module loads its own figures and letterhead.

Many documents in one file (a batch to print) each get their own page template, which tells the canvas
which document a page belongs to; the canvas holds the pages back until the end and then numbers them
per document, so the third invoice of a batch still reads "Page 1 of 2".
"""

from __future__ import annotations

import io
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.pdf import BOLD, FONT, PAGE_SIZES, register_fonts

MARGIN = 16 * mm
HEADER_HEIGHT = 26 * mm
FOOTER_HEIGHT = 9 * mm
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
FILL = colors.HexColor("#e4e7eb")
RULE = colors.HexColor("#3e4c59")

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
HEADING = ParagraphStyle("heading", parent=BODY, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=4)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The company as its documents print it: name (or logo and name), and the address when known."""

    company: str
    base_currency: str
    logo: bytes | None = None
    payment_instructions: str = ""
    address: tuple[str, ...] = ()  # printed small under the name (the company row has none yet)


def money(units: int, exponent: int) -> str:
    """Minor units as printed on a document sent out: grouped, the currency's decimals, minus sign."""
    return money_text(Decimal(units).scaleb(-exponent), exponent, parentheses=False)


def quantity_text(value: Decimal) -> str:
    """A quantity or percentage without trailing zeros: 2, 3.5, 7.125."""
    return format(value.normalize(), "f")


def paragraph(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """Plain text (newlines kept) as a paragraph; markup characters are escaped."""
    register_fonts()  # a paragraph measures its text with the font when built
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def grid(data: list[list[Any]], widths: list[float], commands: list[tuple[Any, ...]], **kw: Any) -> Table:
    """A table in the documents' style; `long=True` for one that may run over pages (header repeated)."""
    table = (LongTable if kw.pop("long", False) else Table)(data, colWidths=widths, hAlign="LEFT", **kw)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                *commands,
            ]
        )
    )
    return table


def parties(heading: str, address: Sequence[str], facts: Sequence[tuple[str, str]], width: float) -> Table:
    """The addressee on the left (heading, then one line each), the document's particulars on the right
    (label and value): one flat table of plain cells, which draws much faster than nested ones."""
    register_fonts()
    left_width = width - 76 * mm
    left: list[Any] = [heading, *address]
    rows = max(len(left), len(facts))
    data: list[list[Any]] = []
    for k in range(rows):
        text = left[k] if k < len(left) else ""
        if stringWidth(text, FONT, 9) > left_width - 4:
            text = paragraph(text)
        label, value = facts[k] if k < len(facts) else ("", "")
        data.append([text, label, value])
    return grid(
        data,
        [left_width, 32 * mm, 44 * mm],
        [
            ("FONT", (0, 0), (0, -1), FONT, 9),
            ("FONT", (0, 0), (0, 0), BOLD, 9.5),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("TEXTCOLOR", (1, 0), (1, -1), MUTED),
            ("FONT", (2, 0), (2, -1), BOLD, 8.5),
        ],
    )


def file_safe(text: str) -> str:
    """A piece of a file name from a code or number: letters, digits, '-', '_' and '.' kept, the rest '-'."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in text.strip())
    return safe.strip(".") or "-"


# ---------------------------------------------------------------------------------------------- the page


@dataclass(frozen=True, slots=True)
class PrintedDocument:
    """One document of a file: its title and number (printed on every page) and its flowing content."""

    title: str  # "Invoice", "Credit note", "Statement", "Reminder"
    number: str  # printed under the title
    story: list[Flowable]
    subject: str = ""  # the PDF's title metadata when the file holds this document alone


class _Pages:
    """Draws the header and footer of every page; remembers whose page each one is."""

    def __init__(self, letterhead: Letterhead, pagesize: tuple[float, float]) -> None:
        self.letterhead = letterhead
        self.pagesize = pagesize
        self.logo = ImageReader(io.BytesIO(letterhead.logo)) if letterhead.logo else None

    def template(self, index: int, document: PrintedDocument, frame: Frame) -> PageTemplate:
        def on_page(canvas: Canvas, _doc: Any) -> None:
            canvas.paksa_group = index  # type: ignore[attr-defined]  # read back when numbering the pages
            self.header(canvas, document)

        return PageTemplate(f"doc{index}", frames=[frame], onPage=on_page)

    def header(self, canvas: Canvas, document: PrintedDocument) -> None:
        width, height = self.pagesize
        top = height - MARGIN
        canvas.saveState()
        name_y = top - 12
        if self.logo is not None:
            w, h = self.logo.getSize()
            scale = min(16 * mm / h, 55 * mm / w)
            canvas.drawImage(self.logo, MARGIN, top - h * scale, w * scale, h * scale, mask="auto")
            name_y = top - h * scale - 11
            canvas.setFont(FONT, 9)
        else:
            canvas.setFont(BOLD, 14)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN, name_y, self.letterhead.company)
        if self.letterhead.address:
            canvas.setFont(FONT, 8)
            canvas.setFillColor(MUTED)
            address = " · ".join(line.strip() for line in self.letterhead.address if line.strip())
            room = width / 2 - MARGIN  # the left half: the title and number own the right
            while address and stringWidth(address, FONT, 8) > room:
                address = address[:-2] + "…"
            canvas.drawString(MARGIN, name_y - 11, address)
        canvas.setFont(BOLD, 19)
        canvas.drawRightString(width - MARGIN, top - 17, document.title)
        canvas.setFont(FONT, 10)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(width - MARGIN, top - 31, document.number)
        canvas.restoreState()
        canvas.paksa_footer = f"{self.letterhead.company} · {document.title} {document.number}"  # type: ignore[attr-defined]

    def footer(self, canvas: Canvas, page: int, pages: int) -> None:
        width, _height = self.pagesize
        y = MARGIN - 4
        canvas.saveState()
        canvas.setStrokeColor(FILL)
        canvas.line(MARGIN, y + 10, width - MARGIN, y + 10)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, y, getattr(canvas, "paksa_footer", ""))
        canvas.drawRightString(width - MARGIN, y, f"Page {page} of {pages}")
        canvas.restoreState()


# Characters every document's font subset starts with, in this order: documents whose text stays within
# them embed byte-identical subsets, so each subset is cut from the font file and compressed once per
# process instead of once per PDF (cutting and compressing two subsets was most of the time of a
# one-page invoice).
SUBSET_SEED = "".join(map(chr, range(32, 127))) + "·–—‘’“”…€£¥×°éèàüöäß"
_SUBSETS_KEPT = 64


def _remember_subsets(font: Any) -> None:
    """Cache a TrueType font's subsets, cut and compressed, by their characters (a subset's bytes
    depend on nothing else); the font file stream of a document then carries the cached bytes."""
    face = font.face
    if getattr(face, "paksa_subsets", None) is not None:
        return
    cut, add = face.makeSubset, face.addSubsetObjects
    kept: dict[tuple[int, ...], tuple[bytes, bytes]] = {}

    def packed(subset: list[int]) -> tuple[bytes, bytes]:
        key = tuple(subset)
        found = kept.get(key)
        if found is None:
            if len(kept) >= _SUBSETS_KEPT:
                kept.clear()
            raw = cut(subset)
            found = kept[key] = (raw, zlib.compress(raw))
        return found

    def add_subset_objects(doc: Any, fontname: str, subset: list[int]) -> Any:
        reference = add(doc, fontname, subset)  # cuts through make_subset below
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if doc.compression and isinstance(stream, pdfdoc.PDFStream):
            stream.content = packed(subset)[1]
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])  # already applied
        return reference

    face.makeSubset = lambda subset: packed(subset)[0]
    face.addSubsetObjects = add_subset_objects
    face.paksa_subsets = kept


def _seed_subsets(canvas: Canvas) -> None:
    for name in (FONT, BOLD):
        font = pdfmetrics.getFont(name)
        _remember_subsets(font)
        font.splitString(SUBSET_SEED, canvas._doc)


def _canvas_class(pages: _Pages) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each footer can say "of y" for its document."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("pageCompression", 1)
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self.paksa_group = 0
            _seed_subsets(self)

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            held = self._held
            totals = Counter(state["paksa_group"] for state in held)
            seen: Counter[int] = Counter()
            for state in held:
                group = state["paksa_group"]
                seen[group] += 1
                self.__dict__.update(state)
                pages.footer(self, seen[group], totals[group])
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def page_size(name: str) -> tuple[float, float]:
    if name not in PAGE_SIZES:
        raise ValidationError(f"unknown page size '{name}' (choose {' or '.join(PAGE_SIZES)})")
    return PAGE_SIZES[name]


def content_width(size: str) -> float:
    return page_size(size)[0] - 2 * MARGIN


def build_pdf(
    target: Path | BinaryIO,
    letterhead: Letterhead,
    documents: Sequence[PrintedDocument],
    *,
    size: str = "A4",
    author: str = "",
) -> int:
    """Write the documents, one after another, into one PDF; returns the number of pages."""
    if not documents:
        raise ValidationError("nothing to print")
    register_fonts()
    pagesize = page_size(size)
    pages = _Pages(letterhead, pagesize)
    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        pagesize[0] - 2 * MARGIN,
        pagesize[1] - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    templates = [pages.template(k, d, frame) for k, d in enumerate(documents)]
    story: list[Flowable] = []
    for k, document in enumerate(documents):
        if k:
            story += [NextPageTemplate(f"doc{k}"), PageBreak()]
        story += document.story
    single = documents[0] if len(documents) == 1 else None
    doc = BaseDocTemplate(
        target if not isinstance(target, Path) else str(target),
        pagesize=pagesize,
        title=(single.subject or f"{single.title} {single.number}") if single else f"{len(documents)} documents",
        author=author or letterhead.company,
        creator="Paksa Desktop",
        pageTemplates=templates,
    )
    doc.build(story, canvasmaker=_canvas_class(pages))
    return int(doc.page)
