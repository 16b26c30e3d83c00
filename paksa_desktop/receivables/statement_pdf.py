"""A customer statement as the customer receives it: one PDF per customer, one table per currency.

An open-items statement lists each open document with what is still open of it and the running
balance; an activity statement starts from the opening balance, lists charges and credits with the
running balance and ends on the closing balance. Both end with the aging of what is open and the
balance due, then the company's payment instructions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from paksa_desktop.receivables.printing import (
    BODY,
    FILL,
    HEADING,
    RULE,
    SMALL,
    Letterhead,
    PrintedDocument,
    build_pdf,
    content_width,
    grid,
    money,
    paragraph,
    parties,
)
from paksa_desktop.receivables.statements import AGING_BUCKETS, CurrencySection, CustomerStatement
from paksa_desktop.reporting.pdf import BOLD, register_fonts

_HEAD = [
    ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
    ("BACKGROUND", (0, 0), (-1, 0), FILL),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
]


def _parties(st: CustomerStatement, width: float) -> Table:
    facts = [("Customer", st.customer), ("Statement date", st.as_of.isoformat())]
    if st.start:
        facts.append(("Period", f"{st.start} to {st.as_of}"))
    return parties("To", [st.name, *st.address], facts, width)


def _open_items_table(section: CurrencySection, width: float) -> Table:
    e = section.exponent
    numbers = [20 * mm, 14 * mm, 20 * mm, 20 * mm, 22 * mm]
    widths = [19 * mm, 31 * mm, width - 50 * mm - sum(numbers), *numbers]
    data: list[list[Any]] = [["Date", "Document", "Description", "Due date", "Overdue", "Amount", "Open", "Balance"]]
    for ln in section.lines:
        data.append(
            [
                ln.date.isoformat(),
                ln.number,
                paragraph(ln.description, BODY),
                ln.due_date.isoformat() if ln.due_date else "",
                f"{ln.days_overdue} d" if ln.days_overdue else "",
                money(ln.amount, e),
                money(ln.open_amount or 0, e),
                money(ln.balance, e),
            ]
        )
    return grid(
        data,
        widths,
        [*_HEAD, ("ALIGN", (4, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 1), (-1, -1), 0.25, FILL)],
        repeatRows=1,
        long=True,
    )


def _activity_table(section: CurrencySection, width: float) -> Table:
    e = section.exponent
    numbers = [20 * mm, 24 * mm, 24 * mm, 25 * mm]
    widths = [19 * mm, 31 * mm, width - 50 * mm - sum(numbers), *numbers]
    data: list[list[Any]] = [["Date", "Document", "Description", "Due date", "Charges", "Credits", "Balance"]]
    data.append(["", "", "Opening balance", "", "", "", money(section.opening, e)])
    for ln in section.lines:
        data.append(
            [
                ln.date.isoformat(),
                ln.number,
                paragraph(ln.description, BODY),
                ln.due_date.isoformat() if ln.due_date else "",
                money(ln.amount, e) if ln.amount > 0 else "",
                money(-ln.amount, e) if ln.amount < 0 else "",
                money(ln.balance, e),
            ]
        )
    data.append(["", "", "Closing balance", "", "", "", money(section.closing, e)])
    return grid(
        data,
        widths,
        [
            *_HEAD,
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, FILL),
            ("FONT", (0, 1), (-1, 1), BOLD, 8.5),
            ("FONT", (0, -1), (-1, -1), BOLD, 8.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
        ],
        repeatRows=1,
        long=True,
    )


def _aging(section: CurrencySection) -> Table:
    e = section.exponent
    total = sum(section.aging)
    data = [[*AGING_BUCKETS, "Total open"], [*(money(v, e) for v in section.aging), money(total, e)]]
    return grid(
        data, [25 * mm] * 6, [*_HEAD, ("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("FONT", (-1, 1), (-1, 1), BOLD, 8.5)]
    )


def _due(section: CurrencySection) -> Table:
    label = "Balance due" if section.closing >= 0 else "Credit in your favour"
    table = grid(
        [[f"{label} {section.currency}", money(abs(section.closing), section.exponent)]],
        [55 * mm, 30 * mm],
        [
            ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, 0), (-1, -1), BOLD, 10),
            ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE, None, None, None, 2, 1.2),
        ],
    )
    table.hAlign = "RIGHT"
    return table


def statement_story(st: CustomerStatement, letterhead: Letterhead, size: str = "A4") -> list[Flowable]:
    register_fonts()  # the story measures its text
    width = content_width(size)
    story: list[Flowable] = [_parties(st, width), Spacer(1, 6 * mm)]
    for section in st.sections:
        story.append(paragraph(f"{st.title}, {st.period}, in {section.currency}", HEADING))
        story.append(Spacer(1, 1.5 * mm))
        story.append(_activity_table(section, width) if st.start else _open_items_table(section, width))
        story.append(Spacer(1, 3 * mm))
        story.append(
            KeepTogether([_due(section), Spacer(1, 4 * mm), paragraph("Aging of open items", HEADING), _aging(section)])
        )
        story.append(Spacer(1, 6 * mm))
    if letterhead.payment_instructions and any(s.closing > 0 for s in st.sections):
        story.append(
            KeepTogether(
                [
                    paragraph("How to pay", HEADING),
                    paragraph(letterhead.payment_instructions),
                    paragraph(f"Please quote your customer code {st.customer} with your payment.", SMALL),
                ]
            )
        )
    return story


def write_statement(
    letterhead: Letterhead, st: CustomerStatement, folder: Path, *, size: str = "A4", author: str = ""
) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in st.customer)
    path = folder / f"statement-{safe}-{st.as_of.isoformat()}.pdf"
    document = PrintedDocument("Statement", f"{st.customer} · {st.period}", statement_story(st, letterhead, size))
    build_pdf(path, letterhead, [document], size=size, author=author)
    return path
