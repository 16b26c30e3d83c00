"""The remittance advice a vendor receives with a payment: which of its bills the money settles.

An A4 letter in the house style of documents sent out (`reporting.documents`): the company's name and
address at the top, the vendor's address block with the payment's particulars beside it, then one row
per bill paid (our document, the vendor's invoice number, date, amount, discount taken, tax withheld,
paid) and the totals. Amounts are printed with the currency's ISO 4217 decimals, grouped, right-aligned;
an amount with more decimals than the currency has is refused, never rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.payment_batch import Party, RemittanceAdvice, compact_iban
from paksa_desktop.reporting.documents import (
    BODY,
    FILL,
    RULE,
    SMALL,
    Letterhead,
    PrintedDocument,
    build_pdf,
    content_width,
    file_safe,
    grid,
    paragraph,
    parties,
)
from paksa_desktop.reporting.formatting import money_text
from paksa_desktop.reporting.pdf import BOLD, FONT, register_fonts

TITLE = "Remittance advice"
HEADINGS = ["Document", "Your invoice", "Date", "Amount", "Discount", "Withheld", "Paid"]


PAID_ON_ACCOUNT = "paid on account"  # what a line of money on account says in "Your invoice"


def _address(party: Party) -> list[str]:
    lines = [line.strip() for line in party.address_lines if line.strip()]
    if party.country.strip():
        lines.append(party.country.strip())
    return lines


def grouped_iban(iban: str) -> str:
    """An IBAN as printed on paper: groups of four ("FR14 2004 1010 ...")."""
    value = compact_iban(iban)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _check(advice: RemittanceAdvice) -> int:
    """The currency's exponent, once every amount is known to fit it."""
    who = f"remittance advice for vendor {advice.vendor_code or advice.vendor.name}"
    if not advice.lines:
        raise ValidationError(f"{who}: it lists no bills")
    exponent = currency_exponent(advice.currency)
    quantum = Decimal(1).scaleb(-exponent)
    for n, ln in enumerate(advice.lines, start=1):
        for column, value in (
            ("amount", ln.amount),
            ("discount", ln.discount),
            ("withheld", ln.withheld),
            ("paid", ln.paid),
        ):
            if value != value.quantize(quantum):
                raise ValidationError(
                    f"{who}, line {n} ({ln.document}): {column} {value} has more than the {exponent} decimals "
                    f"{advice.currency} allows"
                )
    return exponent


def _parties(advice: RemittanceAdvice, width: float, exponent: int) -> Table:
    facts = [
        ("Payment date", advice.payment_date.isoformat()),
        ("Reference", advice.payment_reference),
        ("Vendor code", advice.vendor_code),
        ("Amount paid", f"{advice.currency} {money_text(advice.total_paid, exponent, parentheses=False)}"),
    ]
    return parties("To", [advice.vendor.name, *_address(advice.vendor)], [f for f in facts if f[1]], width)


def _lines(advice: RemittanceAdvice, width: float, exponent: int) -> Table:
    numbers = [25 * mm, 21 * mm, 21 * mm, 25 * mm]
    date_width = 20 * mm
    text_width = (width - sum(numbers) - date_width) / 2

    def text(value: str) -> Any:
        fits = stringWidth(value, FONT, 8.5) <= text_width - 6
        return value if fits else paragraph(value, BODY)  # a plain cell draws faster

    def amount(value: Decimal, *, blank_zero: bool = False) -> str:
        return money_text(value, exponent, parentheses=False, blank_zero=blank_zero)

    data: list[list[Any]] = [list(HEADINGS)]
    for ln in advice.lines:
        data.append(
            [
                text(ln.document),
                text(ln.vendor_invoice),
                ln.date.isoformat(),
                amount(ln.amount),
                amount(ln.discount, blank_zero=True),
                amount(ln.withheld, blank_zero=True),
                amount(ln.paid),
            ]
        )
    total = [
        sum((getattr(ln, f) for ln in advice.lines), Decimal(0)) for f in ("amount", "discount", "withheld", "paid")
    ]
    data.append([f"Total {advice.currency}", "", "", *(amount(v) for v in total)])
    return grid(
        data,
        [text_width, text_width, date_width, *numbers],
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 1), (-1, -3), 0.25, FILL),
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, -1), (-1, -1), BOLD, 8.5),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE, None, None, None, 2, 1.2),
        ],
        repeatRows=1,
        long=True,
    )


def remittance_story(advice: RemittanceAdvice, size: str = "A4") -> list[Flowable]:
    register_fonts()  # the story measures its text
    exponent = _check(advice)
    width = content_width(size)
    paid = f"{advice.currency} {money_text(advice.total_paid, exponent, parentheses=False)}"
    account = f" to your account {grouped_iban(advice.vendor.iban)}" if advice.vendor.iban.strip() else ""
    story: list[Flowable] = [
        _parties(advice, width, exponent),
        Spacer(1, 7 * mm),
        paragraph(
            f"On {advice.payment_date.isoformat()} we paid {paid}{account} with the reference "
            f"{advice.payment_reference}. The payment settles the documents below."
        ),
        Spacer(1, 4 * mm),
        _lines(advice, width, exponent),
    ]
    notes = []
    if any(ln.discount for ln in advice.lines):
        notes.append("Discount: the early-payment discount of your payment terms, taken on this payment.")
    if any(ln.withheld for ln in advice.lines):
        notes.append("Withheld: tax withheld from this payment and paid to the tax authority on your behalf.")
    prepaid = any(ln.paid < 0 and ln.vendor_invoice == PAID_ON_ACCOUNT for ln in advice.lines)
    if any(ln.paid < 0 and ln.vendor_invoice != PAID_ON_ACCOUNT for ln in advice.lines):
        notes.append("A negative amount is a credit note of yours set against the invoices paid.")
    if prepaid:
        notes.append("Paid on account: money we paid you earlier, now set against the invoices paid.")
    if notes:
        story.append(KeepTogether([Spacer(1, 4 * mm), *(paragraph(n, SMALL) for n in notes)]))
    return story


def _letterhead(advice: RemittanceAdvice) -> Letterhead:
    return Letterhead(
        company=advice.company.name, base_currency=advice.currency, address=tuple(_address(advice.company))
    )


def _document(advice: RemittanceAdvice, size: str) -> PrintedDocument:
    return PrintedDocument(
        TITLE,
        advice.payment_reference,
        remittance_story(advice, size),
        f"{TITLE} {advice.payment_reference} {advice.vendor.name}",
    )


def remittance_pdf(advice: RemittanceAdvice, *, size: str = "A4") -> bytes:
    """The advice as a one-vendor PDF letter (bytes); refuses an advice without lines or with bad amounts."""
    out = BytesIO()
    build_pdf(out, _letterhead(advice), [_document(advice, size)], size=size)
    return out.getvalue()


def file_name(advice: RemittanceAdvice) -> str:
    return f"remittance-{file_safe(advice.vendor_code or advice.vendor.name)}-{advice.payment_date.isoformat()}.pdf"


def remittance_pdfs(advices: Sequence[RemittanceAdvice], folder: Path, *, size: str = "A4") -> list[Path]:
    """One PDF per advice (per vendor) in `folder`, named after the vendor code and payment date.

    Every letter is rendered before any file is written, so a bad advice leaves the folder untouched. Two
    advices for one vendor (two currencies) get the currency in their names; any further clash a number.
    """
    rendered = [(advice, remittance_pdf(advice, size=size)) for advice in advices]
    names: list[str] = []
    for advice, _pdf in rendered:
        name = file_name(advice)
        if name in names:
            name = name.removesuffix(".pdf") + f"-{file_safe(advice.currency)}.pdf"
        stem, n = name.removesuffix(".pdf"), 2
        while name in names:
            name, n = f"{stem}-{n}.pdf", n + 1
        names.append(name)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (_advice, pdf) in zip(names, rendered, strict=True):
        path = folder / name
        path.write_bytes(pdf)
        paths.append(path)
    return paths
