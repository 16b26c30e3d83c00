"""The credit check of a batch of invoices (an import) in a few set-based queries.

Checking one invoice costs two or three queries (exposure, oldest overdue invoice); an import of 10,000
invoices would spend most of its time there. For a batch, each customer's exposure and oldest open due
date are read once, and each invoice's exposure then also counts the batch's earlier invoices of the
same customer, which the one-by-one check, run before anything is written, could not see. The words
of each problem are those of `invoicing.credit_problems`, from the helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.receivables.models import DocumentKind, Invoice, InvoiceState, Receipt
from paksa_desktop.receivables.preparing import CustomerInfo, Lookups, PreparedInvoice

CHUNK = 500  # customer ids per IN (...) list
ON_HOLD = "is on credit hold"
_OPEN = (InvoiceState.POSTED, InvoiceState.PARTIALLY_PAID)


def limit_problem(customer: CustomerInfo, exposure: int) -> str | None:
    if customer.credit_limit is None or exposure <= customer.credit_limit:
        return None
    exponent = currency_exponent(customer.currency)
    return (
        f"exposure would be {from_minor(exposure, exponent)} {customer.currency}, over the credit limit "
        f"{from_minor(customer.credit_limit, exponent)}"
    )


def overdue_problem(days: int, number: str | None, due: date) -> str:
    return f"has invoices more than {days} days overdue ({number}, due {due})"


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def exposures(s: Session, customer_ids: Sequence[int]) -> dict[int, int]:
    """`invoicing.customer_exposure` for many customers: open invoices plus drafts, less open credit
    notes and unapplied receipts."""
    found = dict.fromkeys(customer_ids, 0)
    for ids in _chunks(customer_ids):
        rows = s.execute(
            select(
                Invoice.customer_id, Invoice.kind, Invoice.state, func.sum(Invoice.open_amount), func.sum(Invoice.total)
            )
            .where(Invoice.customer_id.in_(ids))
            .group_by(Invoice.customer_id, Invoice.kind, Invoice.state)
        )
        for cid, kind, state, open_amount, total in rows:
            if state is InvoiceState.DRAFT:
                found[cid] += int(total) if kind is DocumentKind.INVOICE else 0
            elif kind is DocumentKind.INVOICE:
                found[cid] += int(open_amount)
            else:
                found[cid] -= int(open_amount)
        unapplied = s.execute(
            select(Receipt.customer_id, func.sum(Receipt.unapplied))
            .where(Receipt.customer_id.in_(ids))
            .group_by(Receipt.customer_id)
        )
        for cid, value in unapplied:
            found[cid] -= int(value or 0)
    return found


def oldest_due(s: Session, customer_ids: Sequence[int]) -> dict[int, date]:
    """Each customer's earliest due date among their open invoices (customers with none left out)."""
    found: dict[int, date] = {}
    for ids in _chunks(customer_ids):
        rows = s.execute(
            select(Invoice.customer_id, func.min(Invoice.due_date))
            .where(Invoice.customer_id.in_(ids), Invoice.kind == DocumentKind.INVOICE, Invoice.state.in_(_OPEN))
            .group_by(Invoice.customer_id)
        )
        found.update((cid, due) for cid, due in rows if due is not None)
    return found


def credit_problems_many(s: Session, look: Lookups, docs: Sequence[PreparedInvoice]) -> list[list[str]]:
    """Per document of the batch, what breaks the credit policy (empty lists for credit notes)."""
    customers = {d.customer.id: d.customer for d in docs if d.kind is DocumentKind.INVOICE}
    limited = [cid for cid, c in customers.items() if c.credit_limit is not None]
    exposure = exposures(s, limited) if limited else {}
    oldest = oldest_due(s, list(customers))
    days = look.settings.overdue_days
    numbers: dict[int, str | None] = {}
    found: list[list[str]] = []
    for doc in docs:
        problems: list[str] = []
        found.append(problems)
        if doc.kind is not DocumentKind.INVOICE:
            continue
        customer = doc.customer
        if customer.credit_hold:
            problems.append(ON_HOLD)
        if customer.credit_limit is not None:
            exposure[customer.id] += doc.total
            if problem := limit_problem(customer, exposure[customer.id]):
                problems.append(problem)
        due = oldest.get(customer.id)
        if due is not None and due < doc.date - timedelta(days=days):
            if customer.id not in numbers:
                numbers[customer.id] = s.execute(
                    select(Invoice.number)
                    .where(
                        Invoice.customer_id == customer.id,
                        Invoice.kind == DocumentKind.INVOICE,
                        Invoice.state.in_(_OPEN),
                        Invoice.due_date == due,
                    )
                    .order_by(Invoice.id)
                    .limit(1)
                ).scalar_one_or_none()
            problems.append(overdue_problem(days, numbers[customer.id], due))
    return found
