"""Invoices and credit notes as the customer receives them: a PDF per document or many in one file.

The figures printed are the stored ones (minor units of the document's currency, formatted with its
ISO 4217 decimals), never recomputed: the PDF says exactly what the ledger posted. A batch reads its
documents with a handful of queries (invoices, lines, customers, addresses, tax codes), not a handful per
document, so a thousand invoices cost about what rendering them costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from paksa_desktop.audit.service import AuditService
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.receivables.amounts import PERCENT_SCALE, QUANTITY_SCALE
from paksa_desktop.receivables.models import Customer, DocumentKind, Invoice, InvoiceLine, InvoiceState, TaxCodeRow
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
    chunks,
    content_width,
    grid,
    load_letterhead,
    money,
    paragraph,
    parties,
    quantity_text,
)
from paksa_desktop.reporting.pdf import BOLD, FONT, register_fonts
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class PrintLine:
    description: str
    quantity: Decimal
    unit_price: int
    discount_percent: Decimal
    tax_code: str
    net: int
    tax: int


@dataclass(frozen=True, slots=True)
class TaxTotal:
    code: str
    rate: Decimal  # percent
    net: int
    tax: int


@dataclass(frozen=True, slots=True)
class InvoicePrint:
    """One posted invoice or credit note, as printed (amounts in minor units of `currency`)."""

    id: int
    kind: DocumentKind
    number: str
    date: date
    due_date: date
    terms: str
    reference: str
    memo: str
    currency: str
    customer_code: str
    customer_name: str
    customer_tax_number: str
    address: tuple[str, ...]
    credits: str | None  # a credit note: the invoice it corrects
    lines: tuple[PrintLine, ...]
    taxes: tuple[TaxTotal, ...]
    net_total: int
    tax_total: int
    total: int
    open_amount: int

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    @property
    def settled(self) -> int:
        """Paid (or, for a credit note, applied or refunded) so far: credits and write-offs included."""
        return self.total - self.open_amount

    @property
    def title(self) -> str:
        return "Credit note" if self.kind is DocumentKind.CREDIT_NOTE else "Invoice"


def load_prints(s: Session, ids: Sequence[int]) -> list[InvoicePrint]:
    """The documents with these ids, in the order given, read in a few queries per 500 documents."""
    credited = aliased(Invoice)
    heads: dict[int, Any] = {}
    lines: dict[int, list[InvoiceLine]] = {}
    for chunk in chunks(list(ids)):
        for row in s.execute(
            select(Invoice, Customer.code, Customer.name, Customer.tax_number, credited.number)
            .join(Customer, Customer.id == Invoice.customer_id)
            .outerjoin(credited, credited.id == Invoice.credited_invoice_id)
            .where(Invoice.id.in_(chunk))
        ):
            heads[row[0].id] = row
        for line in s.execute(
            select(InvoiceLine).where(InvoiceLine.invoice_id.in_(chunk)).order_by(InvoiceLine.line_no)
        ).scalars():
            lines.setdefault(line.invoice_id, []).append(line)
    taxes = {t.id: t for t in s.execute(select(TaxCodeRow)).scalars()}
    addresses = billing_addresses(s, (row[0].customer_id for row in heads.values()))
    result = []
    for invoice_id in ids:
        inv, code, name, tax_number, credits = heads[invoice_id]
        own = lines.get(invoice_id, [])
        summary: dict[int, list[int]] = {}
        for ln in own:
            if ln.tax_code_id is not None:
                sums = summary.setdefault(ln.tax_code_id, [0, 0, 0])
                sums[0] += ln.net
                sums[1] += ln.tax
                sums[2] += 1
        result.append(
            InvoicePrint(
                id=inv.id,
                kind=inv.kind,
                number=inv.number or "",
                date=inv.date,
                due_date=inv.due_date,
                terms=inv.terms,
                reference=inv.reference,
                memo=inv.memo,
                currency=inv.currency,
                customer_code=code,
                customer_name=name,
                customer_tax_number=tax_number,
                address=addresses.get(inv.customer_id, ()),
                credits=credits,
                lines=tuple(
                    PrintLine(
                        ln.description,
                        Decimal(ln.quantity_e4) / QUANTITY_SCALE,
                        ln.unit_price,
                        Decimal(ln.discount_e4) / PERCENT_SCALE,
                        taxes[ln.tax_code_id].code if ln.tax_code_id else "",
                        ln.net,
                        ln.tax,
                    )
                    for ln in own
                ),
                taxes=tuple(
                    TaxTotal(taxes[t].code, printed_rate(taxes[t].rate_e4, v[0], v[1], v[2]), v[0], v[1])
                    for t, v in sorted(summary.items(), key=lambda kv: taxes[kv[0]].code)
                ),
                net_total=inv.net_total,
                tax_total=inv.tax_total,
                total=inv.total,
                open_amount=inv.open_amount,
            )
        )
    return result


def printed_rate(rate_e4: int, net: int, tax: int, lines: int) -> Decimal:
    """The tax code's rate, when it is the rate the document was taxed at: the stored tax is the rate
    times the net give or take a rounding per line. A code whose rate has changed since would print a
    wrong rate beside the old amounts, so then the rate the amounts show is printed (two decimals)."""
    rate = Decimal(rate_e4) / PERCENT_SCALE
    if not net or abs(net * rate / 100 - tax) <= lines:
        return rate
    return (Decimal(tax) * 100 / net).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------------------------- layout


def _parties(doc: InvoicePrint, width: float) -> Table:
    """The customer's billing address on the left, the document's particulars on the right."""
    bill_to = [doc.customer_name, *doc.address]
    if doc.customer_tax_number:
        bill_to.append(f"Tax number: {doc.customer_tax_number}")
    facts = [("Number", doc.number), ("Date", doc.date.isoformat())]
    if doc.kind is DocumentKind.INVOICE:
        facts += [("Due date", doc.due_date.isoformat()), ("Terms", doc.terms)]
    if doc.credits:
        facts.append(("Credits invoice", doc.credits))
    if doc.reference:
        facts.append(("Your reference", doc.reference))
    facts += [("Customer", doc.customer_code), ("Currency", doc.currency)]
    return parties("Bill to", bill_to, [f for f in facts if f[1]], width)


LINE_HEADINGS = ["Description", "Quantity", "Unit price", "Discount", "Tax", "Net"]


def _lines(doc: InvoicePrint, width: float) -> Table:
    e = doc.exponent
    numbers = [20 * mm, 24 * mm, 17 * mm, 17 * mm, 26 * mm]
    widths = [width - sum(numbers), *numbers]
    data: list[list[Any]] = [list(LINE_HEADINGS)]
    for ln in doc.lines:
        discount = f"{quantity_text(ln.discount_percent)}%" if ln.discount_percent else ""
        fits = "\n" not in ln.description and stringWidth(ln.description, FONT, 8.5) <= widths[0] - 6
        data.append(
            [
                ln.description if fits else paragraph(ln.description, BODY),  # a plain cell draws faster
                quantity_text(ln.quantity),
                money(ln.unit_price, e),
                discount,
                ln.tax_code,
                money(ln.net, e),
            ]
        )
    return grid(
        data,
        widths,
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, FILL),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (4, 0), (4, -1), "LEFT"),
            ("LEFTPADDING", (4, 0), (4, -1), 9),
        ],
        repeatRows=1,
        long=True,
    )


def _totals(doc: InvoicePrint) -> Table:
    e = doc.exponent
    credit = doc.kind is DocumentKind.CREDIT_NOTE
    rows = [["Net", money(doc.net_total, e)], ["Tax", money(doc.tax_total, e)]]
    rows.append([f"Total {doc.currency}", money(doc.total, e)])
    rows.append(["Applied or refunded so far" if credit else "Paid so far", money(doc.settled, e)])
    rows.append(["Credit remaining" if credit else "Amount due", money(doc.open_amount, e)])
    table = grid(
        rows,
        [55 * mm, 30 * mm],
        [
            ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ("FONT", (0, 2), (-1, 2), BOLD, 9),
            ("LINEABOVE", (0, 2), (-1, 2), 0.6, RULE),
            ("FONT", (0, 4), (-1, 4), BOLD, 10),
            ("LINEABOVE", (0, 4), (-1, 4), 0.6, RULE),
            ("LINEBELOW", (0, 4), (-1, 4), 0.6, RULE, None, None, None, 2, 1.2),
        ],
    )
    table.hAlign = "RIGHT"
    return table


def _tax_summary(doc: InvoicePrint) -> Table:
    e = doc.exponent
    data: list[list[Any]] = [["Tax code", "Rate", "Net", "Tax"]]
    data += [[t.code, f"{quantity_text(t.rate)}%", money(t.net, e), money(t.tax, e)] for t in doc.taxes]
    return grid(
        data,
        [22 * mm, 18 * mm, 26 * mm, 26 * mm],
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8),
            ("FONT", (0, 1), (-1, -1), FONT, 8),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ],
    )


def invoice_story(doc: InvoicePrint, letterhead: Letterhead, size: str = "A4") -> list[Flowable]:
    register_fonts()  # the story measures its text
    width = content_width(size)
    story: list[Flowable] = [_parties(doc, width), Spacer(1, 7 * mm), _lines(doc, width), Spacer(1, 3 * mm)]
    ending: list[Flowable] = [_totals(doc)]
    if doc.taxes:
        ending += [Spacer(1, 4 * mm), paragraph("Tax summary", HEADING), _tax_summary(doc)]
    story.append(KeepTogether(ending))
    if doc.memo:
        story += [Spacer(1, 4 * mm), paragraph(doc.memo)]
    if doc.kind is DocumentKind.INVOICE and letterhead.payment_instructions and doc.open_amount > 0:
        story.append(
            KeepTogether(
                [
                    Spacer(1, 5 * mm),
                    paragraph("How to pay", HEADING),
                    paragraph(letterhead.payment_instructions),
                    paragraph(f"Please quote {doc.number} with your payment.", SMALL),
                ]
            )
        )
    return story


def printed(doc: InvoicePrint, letterhead: Letterhead, size: str = "A4") -> PrintedDocument:
    return PrintedDocument(
        doc.title, doc.number, invoice_story(doc, letterhead, size), f"{doc.title} {doc.number} {doc.customer_name}"
    )


def file_name(doc: InvoicePrint) -> str:
    """A file name from the number (numbers hold letters, digits, dashes and slashes)."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in doc.number) + ".pdf"


# ---------------------------------------------------------------------------------------------- the service


class InvoicePdfs(GuardedService):
    """Print posted invoices and credit notes to PDF (`receivables.view`); every file written is audited."""

    def find(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        customer: str | None = None,
        kind: DocumentKind | None = None,
    ) -> list[str]:
        """Numbers of the posted documents in a date range, oldest first (what a batch prints)."""
        with self._read(Permission.AR_VIEW) as s:
            stmt = select(Invoice.number).where(Invoice.state != InvoiceState.DRAFT)
            if date_from is not None:
                stmt = stmt.where(Invoice.date >= date_from)
            if date_to is not None:
                stmt = stmt.where(Invoice.date <= date_to)
            if kind is not None:
                stmt = stmt.where(Invoice.kind == kind)
            if customer:
                stmt = stmt.join(Customer, Customer.id == Invoice.customer_id).where(Customer.code == customer)
            return [n for n in s.execute(stmt.order_by(Invoice.date, Invoice.number)).scalars() if n]

    def load(self, numbers: Sequence[str]) -> tuple[Letterhead, list[InvoicePrint]]:
        """The letterhead and the documents with these numbers, in this order; an unknown number is an error."""
        with self._read(Permission.AR_VIEW) as s:
            ids: dict[str, int] = {}
            for start in range(0, len(numbers), 500):
                part = list(numbers[start : start + 500])
                ids.update(
                    s.execute(
                        select(Invoice.number, Invoice.id).where(
                            Invoice.number.in_(part), Invoice.state != InvoiceState.DRAFT
                        )
                    ).all()
                )
            missing = [n for n in numbers if n not in ids]
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise NotFoundError(f"no posted invoice or credit note numbered {missing[0]}{more}")
            return load_letterhead(s), load_prints(s, [ids[n] for n in numbers])

    def write(self, numbers: Sequence[str], target: Path, *, size: str = "A4", one_file: bool = True) -> list[Path]:
        """Print the documents into one PDF (`target` a file) or one PDF each (`target` a folder)."""
        if not numbers:
            raise ValidationError("no invoices to print")
        letterhead, docs = self.load(numbers)
        written = write_prints(letterhead, docs, target, size=size, one_file=one_file, author=self.ctx.username)
        AuditService(self.engine, self.ctx).record_export(
            "invoice_pdf",
            target,
            len(docs),
            permission=Permission.AR_VIEW,
            numbers=list(numbers[:20]),
        )
        return written


def write_prints(
    letterhead: Letterhead,
    docs: Sequence[InvoicePrint],
    target: Path,
    *,
    size: str = "A4",
    one_file: bool = True,
    author: str = "",
) -> list[Path]:
    """Render loaded documents: all into the file `target`, or each into the folder `target`."""
    if one_file:
        build_pdf(target, letterhead, [printed(d, letterhead, size) for d in docs], size=size, author=author)
        return [target]
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in docs:
        path = target / file_name(d)
        build_pdf(path, letterhead, [printed(d, letterhead, size)], size=size, author=author)
        paths.append(path)
    return paths
