"""A dunning letter as the customer receives it: one PDF per customer listing every overdue invoice.

The letter's text is its level's; the table lists each overdue invoice with its days overdue, the level
it is at after this letter (marked when this letter raised it) and what is open of it, totalled per
currency; then the fee and interest charged and the invoice that raises them, and how to pay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from sqlalchemy.orm import Session

from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.dunning import IssuedLetter
from paksa_desktop.receivables.printing import (
    BODY,
    FILL,
    HEADING,
    RULE,
    SMALL,
    Letterhead,
    PrintedDocument,
    billing_addresses,
    build_pdf,
    content_width,
    grid,
    money,
    paragraph,
    parties,
)
from paksa_desktop.reporting.pdf import BOLD, register_fonts

TITLES = {1: "Payment reminder", 2: "Second reminder"}


def title(level: int, top: int) -> str:
    return "Final demand" if level >= top > 1 else TITLES.get(level, f"Reminder, level {level}")


def _parties(issued: IssuedLetter, address: Sequence[str], width: float) -> Table:
    letter = issued.letter
    facts = [("Customer", letter.customer), ("Date", issued.issued_on.isoformat()), ("Level", str(letter.level))]
    return parties("To", [letter.name, *address], facts, width)


def _invoices(issued: IssuedLetter, width: float) -> Table:
    numbers = [21 * mm, 21 * mm, 16 * mm, 18 * mm, 17 * mm, 26 * mm]
    widths = [width - sum(numbers), *numbers]
    data: list[list[Any]] = [["Invoice", "Date", "Due date", "Overdue", "Level", "Currency", "Open amount"]]
    totals: dict[str, int] = defaultdict(int)
    for ln in issued.letter.lines:
        totals[ln.currency] += ln.open_amount
        level = f"{ln.level}{' (new)' if ln.dunned and ln.level != ln.current_level else ''}"
        data.append(
            [
                ln.number,
                ln.date.isoformat(),
                ln.due_date.isoformat(),
                f"{ln.days_overdue} d",
                level if ln.level else "",
                ln.currency,
                money(ln.open_amount, currency_exponent(ln.currency)),
            ]
        )
    first_total = len(data)
    for currency, total in sorted(totals.items()):
        data.append(["Total overdue", "", "", "", "", currency, money(total, currency_exponent(currency))])
    return grid(
        data,
        widths,
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 1), (-1, first_total - 1), 0.25, FILL),
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, first_total), (-1, -1), BOLD, 8.5),
            ("LINEABOVE", (0, first_total), (-1, first_total), 0.6, RULE),
        ],
        repeatRows=1,
        long=True,
    )


def _charges(issued: IssuedLetter, base_currency: str) -> list[Flowable]:
    letter = issued.letter
    if not letter.charges:
        return []
    e = currency_exponent(base_currency)
    rows = []
    if letter.fee:
        rows.append([f"Reminder fee (level {letter.level})", base_currency, money(letter.fee, e)])
    if letter.interest:
        rows.append(["Interest on overdue invoices", base_currency, money(letter.interest, e)])
    rows.append(["Charges", base_currency, money(letter.charges, e)])
    charges_row = len(rows) - 1
    currencies = {ln.currency for ln in letter.lines}
    if currencies == {base_currency}:
        overdue = sum(ln.open_amount for ln in letter.lines)
        rows.append(["Total now due", base_currency, money(overdue + letter.charges, e)])
    table = grid(
        rows,
        [60 * mm, 16 * mm, 26 * mm],
        [
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, -1), (-1, -1), BOLD, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
            ("LINEABOVE", (0, charges_row), (-1, charges_row), 0.6, RULE),
        ],
    )
    table.hAlign = "RIGHT"
    note = f"These charges are invoiced on {issued.charge_invoice}." if issued.charge_invoice else ""
    return [Spacer(1, 4 * mm), table, *([paragraph(note, SMALL)] if note else [])]


def letter_story(issued: IssuedLetter, letterhead: Letterhead, address: Sequence[str], size: str) -> list[Flowable]:
    register_fonts()  # the story measures its text
    width = content_width(size)
    story: list[Flowable] = [_parties(issued, address, width), Spacer(1, 6 * mm)]
    story += [paragraph(f"Dear {issued.letter.name},"), Spacer(1, 2 * mm)]
    story += [paragraph(issued.letter.letter_text or "The invoices below are overdue. Please pay them now.", BODY)]
    story += [Spacer(1, 5 * mm), _invoices(issued, width)]
    story += _charges(issued, letterhead.base_currency)
    if letterhead.payment_instructions:
        story.append(
            KeepTogether(
                [
                    Spacer(1, 6 * mm),
                    paragraph("How to pay", HEADING),
                    paragraph(letterhead.payment_instructions),
                    paragraph("Please quote the invoice numbers with your payment.", SMALL),
                ]
            )
        )
    return story


def write_letters(
    s: Session,
    letterhead: Letterhead,
    issued: Sequence[IssuedLetter],
    folder: Path,
    *,
    size: str = "A4",
    author: str = "",
) -> list[Path]:
    """One PDF per letter into `folder`, named by customer and day."""
    folder.mkdir(parents=True, exist_ok=True)
    addresses = billing_addresses(s, [i.letter.customer_id for i in issued])
    paths = []
    for letter in issued:
        top = max((lv for lv, _f, _t in letter.letter.level_terms), default=1)
        heading = title(letter.letter.level, top)
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in letter.letter.customer)
        path = folder / f"reminder-{safe}-{letter.issued_on.isoformat()}.pdf"
        story = letter_story(letter, letterhead, addresses.get(letter.letter.customer_id, ()), size)
        number = f"{letter.letter.customer} · {letter.issued_on.isoformat()}"
        build_pdf(path, letterhead, [PrintedDocument(heading, number, story)], size=size, author=author)
        paths.append(path)
    return paths
