"""What the payables subledger holds open on a day: each posted bill, expense claim and vendor credit note
with its open amount and the base value the books carry for it, and each payment's remainder kept on
account (a prepayment), as of that day.

As of a day means: documents dated on or before it, less the allocations (payments, credit notes and
money on account applied) and refunds dated on or before it that were not reversed or voided by then —
the reports' own query (ap_report_queries.open_items_query), so the revaluation, the reports and the
reconciliation count the same things. A bill's carried base is its base total less the base its
allocations relieved (at the bill's own rate); a credit note's or a payment's, its base less what was
used of it (at its own rate). The period-end revaluation (fx/revaluation.py) revalues the foreign ones;
their sum is the subledger side of the payable control accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from paksa_desktop.payables import ap_report_queries as q


@dataclass(frozen=True, slots=True)
class OpenBill:
    kind: str  # "bill", "expense_claim", "credit_note", "payment" (money on account)
    number: str
    vendor: str  # vendor code
    currency: str
    control_account_id: int
    signed_units: int  # debit positive, minor units of `currency`: a bill owed is negative, a credit positive
    signed_base: int  # base minor units the books carry for it, debit positive


def open_bills(s: Session, day: date, *, exclude_currency: str | None = None) -> list[OpenBill]:
    """Posted bills, claims, credit notes and payments on account open on `day` (all currencies, or all but
    one), by number."""
    codes = {vid: code for vid, (code, _name) in q.vendor_names(s).items()}
    found = [
        # the reports count owed positive; the GL (and the revaluation) debit positive
        OpenBill(i.kind, i.number, codes[i.vendor_id], i.currency, i.control_account_id, -i.open_units, -i.open_base)
        for i in q.open_items(s, day)
        if exclude_currency is None or i.currency != exclude_currency
    ]
    found.sort(key=lambda b: b.number)
    return found
