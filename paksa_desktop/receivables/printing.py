"""What printed receivables documents read from the company database: the letterhead and the customers'
billing addresses. The page itself (letterhead, address block, money as printed, the PDF builder) is
shared with every document sent out and lives in `paksa_desktop.reporting.documents`; its names are
re-exported here for the receivables modules that import them from this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.ledger.models import CompanySettings
from paksa_desktop.receivables.models import AddressKind, CustomerAddress, ReceivablesSettings
from paksa_desktop.reporting.documents import (
    BODY,
    FILL,
    FOOTER_HEIGHT,
    HEADER_HEIGHT,
    HEADING,
    INK,
    MARGIN,
    MUTED,
    RULE,
    SMALL,
    SUBSET_SEED,
    Letterhead,
    PrintedDocument,
    build_pdf,
    content_width,
    grid,
    money,
    page_size,
    paragraph,
    parties,
    quantity_text,
)

__all__ = [
    "BODY",
    "FILL",
    "FOOTER_HEIGHT",
    "HEADER_HEIGHT",
    "HEADING",
    "INK",
    "MARGIN",
    "MUTED",
    "RULE",
    "SMALL",
    "SUBSET_SEED",
    "Letterhead",
    "PrintedDocument",
    "address_lines",
    "billing_addresses",
    "build_pdf",
    "chunks",
    "content_width",
    "grid",
    "load_letterhead",
    "money",
    "page_size",
    "paragraph",
    "parties",
    "quantity_text",
]


def load_letterhead(s: Session) -> Letterhead:
    company = s.execute(select(CompanySettings.name, CompanySettings.base_currency, CompanySettings.logo)).one()
    instructions = s.execute(select(ReceivablesSettings.payment_instructions)).scalar_one_or_none() or ""
    return Letterhead(company.name, company.base_currency, company.logo, instructions)


def billing_addresses(s: Session, customer_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Each customer's billing address as printed lines (the first billing address, else the first one)."""
    wanted = sorted(set(customer_ids))
    found: dict[int, tuple[bool, tuple[str, ...]]] = {}
    for chunk in chunks(wanted):
        rows = s.execute(
            select(CustomerAddress)
            .where(CustomerAddress.customer_id.in_(chunk))
            .order_by(CustomerAddress.customer_id, CustomerAddress.position)
        ).scalars()
        for a in rows:
            billing = a.kind is AddressKind.BILLING
            known = found.get(a.customer_id)
            if known is None or (billing and not known[0]):
                found[a.customer_id] = (billing, address_lines(a))
    return {k: v[1] for k, v in found.items()}


def address_lines(a: CustomerAddress) -> tuple[str, ...]:
    lines = [line.strip() for line in a.lines.splitlines() if line.strip()]
    city = " ".join(p for p in (a.postal_code.strip(), a.city.strip()) if p)
    lines += [p for p in (city, a.region.strip(), a.country.strip()) if p]
    return tuple(lines)


def chunks(values: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    """IN lists of bounded length (SQLite and drivers limit the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
