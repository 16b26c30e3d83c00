"""The year's withholding statement (1099-style) a withholding vendor receives: one page per vendor.

Documents sent out share one look (`reporting.documents`): the company's letterhead, the vendor's name,
address and tax number with the year's particulars beside them, three boxes (gross paid, tax withheld,
net paid) and the payments of the year behind them. The figures are the withholding report's own rows
(`APReports.withholding`), so the statement, the Excel file and the screen agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from paksa_desktop.core.money import from_minor
from paksa_desktop.payables.ap_report_queries import WithheldPayment
from paksa_desktop.reporting.documents import (
    FILL,
    RULE,
    SMALL,
    Letterhead,
    PrintedDocument,
    build_pdf,
    content_width,
    grid,
    paragraph,
    parties,
)
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.model import Report
from paksa_desktop.reporting.pdf import BOLD, register_fonts

TITLE = "Withholding statement"


def _boxes(cells: Sequence[tuple[str, Decimal]], currency: str, exponent: int, width: float) -> Any:
    """The form's boxes: a caption above each amount, like the boxes of a year-end tax form."""
    box = width / len(cells)
    captions = [f"{n}  {caption} ({currency})" for n, (caption, _v) in enumerate(cells, start=1)]
    amounts = [money_text(v, exponent, parentheses=False) for _c, v in cells]
    return grid(
        [captions, amounts],
        [box] * len(cells),
        [
            ("BOX", (0, 0), (-1, -1), 0.8, RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), FILL),
            ("FONT", (0, 0), (-1, 0), BOLD, 8),
            ("FONT", (0, 1), (-1, 1), BOLD, 13),
            ("ALIGN", (0, 1), (-1, 1), "RIGHT"),
            ("TOPPADDING", (0, 1), (-1, 1), 7),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
        ],
    )


def _payments(lines: Sequence[WithheldPayment], exponent: int, width: float) -> Any:
    numbers = [30 * mm, 30 * mm, 30 * mm]
    data: list[list[Any]] = [["Payment", "Date", "Gross paid", "Withheld", "Net paid"]]

    def amount(units: int) -> str:
        return money_text(from_minor(units, exponent), exponent, parentheses=False)

    for p in lines:
        data.append([p.payment, p.date.isoformat(), amount(p.gross), amount(p.withheld), amount(p.net)])
    data.append(
        [
            "Total",
            "",
            amount(sum(p.gross for p in lines)),
            amount(sum(p.withheld for p in lines)),
            amount(sum(p.net for p in lines)),
        ]
    )
    first = (width - sum(numbers)) * 0.6
    return grid(
        data,
        [first, width - sum(numbers) - first, *numbers],
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, -1), (-1, -1), BOLD, 8.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
        ],
        repeatRows=1,
        long=True,
    )


def withholding_pdf(
    letterhead: Letterhead,
    report: Report,
    payments: Sequence[WithheldPayment],
    vendors: dict[int, tuple[str, str, str, int, list[str]]],
    *,
    size: str = "A4",
) -> bytes:
    """One statement per row of the withholding report, in one PDF (bytes)."""
    register_fonts()
    width = content_width(size)
    year = report.meta["year"]
    exponent = report.exponent
    documents = []
    for row in report.rows:
        assert row.drill is not None
        vid = row.drill.id
        code, name, tax_number, rate_e4, address = vendors[vid]
        mine = [p for p in payments if p.vendor_id == vid]
        gross, withheld, net = row.cells[5], row.cells[6], row.cells[7]
        facts = [
            ("Tax year", str(year)),
            ("Vendor code", code),
            ("Tax number", tax_number or "not on file"),
            ("Withholding rate", f"{Decimal(rate_e4) / 10_000:g} %"),
            ("Payer", letterhead.company),
        ]
        story: list[Flowable] = [
            parties("Recipient", [name, *address], facts, width),
            Spacer(1, 8 * mm),
            _boxes(
                [("Gross paid", gross), ("Tax withheld", withheld), ("Net paid", net)],  # type: ignore[list-item]
                report.currency,
                exponent,
                width,
            ),
            Spacer(1, 6 * mm),
            paragraph(
                f"Payments made to you in {year}, before and after the tax we withheld and paid to the tax "
                "authority on your behalf. Voided payments are not included."
            ),
            Spacer(1, 3 * mm),
            _payments(mine, exponent, width),
            Spacer(1, 5 * mm),
            paragraph(
                f"Amounts in {report.currency}; a payment in another currency is converted at its rate on the "
                "day it was made. Keep this statement with your tax records.",
                SMALL,
            ),
        ]
        documents.append(PrintedDocument(TITLE, f"{year} · {code}", story, f"{TITLE} {year} {name}"))
    out = BytesIO()
    build_pdf(out, letterhead, documents, size=size)
    return out.getvalue()
