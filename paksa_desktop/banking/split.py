"""Splitting one bank line over several targets: what a split is made of, and the checks that need no database.

A customer pays an invoice less the bank's fee; a card statement line covers two suppliers' invoices and
a charge; a receipt settles one invoice fully and another in part. The clerk splits the line's amount into
**item parts** (open items of the matcher's sources, each for an amount up to what is open: a part
payment) and **account parts** (GL account, tax code, department, project, memo, amount). The parts add
up to the line's amount exactly, to the cent; `ReconciliationService.split` then books them in one unit of
work (receipts and refunds through receivables, one journal entry for the account parts) or nothing.
Amounts are signed as the bank sees them: + money in, - money out; an item part carries the sign of its
item's open amount (an invoice +, customer credit -, a GL line the sign of its effect on the bank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from paksa_desktop.banking.candidates import ItemSource, OpenItem
from paksa_desktop.core.errors import ValidationError

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ItemPart:
    """Settle `amount` of an open item (source and key as `OpenItem.source` and `OpenItem.id`)."""

    source: str
    key: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AccountPart:
    """Post `amount` of the line to a GL account (with a tax code the amount includes the tax)."""

    account: str
    amount: Decimal
    tax_code: str = ""
    department: str = ""
    project: str = ""
    memo: str = ""


def remaining(line_amount: Decimal, items: Sequence[ItemPart], accounts: Sequence[AccountPart]) -> Decimal:
    """What is left of the line to split; a split is booked only at zero."""
    return line_amount - sum((p.amount for p in items), ZERO) - sum((p.amount for p in accounts), ZERO)


def check_split(
    line_id: int,
    line_amount: Decimal,
    exponent: int,
    items: Sequence[ItemPart],
    accounts: Sequence[AccountPart],
    open_items: Sequence[OpenItem],
) -> dict[tuple[str, str], OpenItem]:
    """Every problem of a split at once (ValidationError), else the open item of each item part.

    `open_items` are the items open on the line's date; a part may take up to an item's open amount, with
    its sign; a GL line is cleared whole (the bank saw all of it or none)."""
    where = f"split of bank line {line_id}"
    problems: list[str] = []
    if not items and not accounts:
        raise ValidationError(f"{where}: add at least one part")
    step = Decimal(1).scaleb(-exponent)
    by_key = {(str(i.source), str(i.id)): i for i in open_items}
    found: dict[tuple[str, str], OpenItem] = {}
    for n, part in enumerate(items, 1):
        key = (str(part.source), str(part.key))
        item = by_key.get(key)
        if item is None:
            problems.append(f"item part {n}: the item is no longer open on the line's date; search again")
            continue
        name = f"item part {n} ({item.kind_label} {item.number})"
        if key in found:
            problems.append(f"{name}: the item is chosen twice")
            continue
        found[key] = item
        if not part.amount.is_finite() or part.amount != part.amount.quantize(step):
            problems.append(f"{name}: {part.amount} has more than {exponent} decimals")
        elif part.amount == 0:
            problems.append(f"{name}: the amount is zero")
        elif (part.amount > 0) != (item.amount > 0):
            problems.append(f"{name}: the amount {part.amount} has the wrong sign; the item is {item.amount}")
        elif abs(part.amount) > abs(item.amount):
            problems.append(f"{name}: {part.amount} is more than the {item.amount} open")
        elif ItemSource(item.source) is ItemSource.GL and part.amount != item.amount:
            problems.append(f"{name}: a GL line is cleared whole, for {item.amount}")
        elif ItemSource(item.source) not in (ItemSource.GL, ItemSource.RECEIVABLE):
            problems.append(f"{name}: {item.kind_label}s cannot be booked from a bank line yet")
    for n, acc in enumerate(accounts, 1):
        name = f"account part {n} ({acc.account.strip() or 'no account'})"
        if not acc.account.strip():
            problems.append(f"account part {n}: choose the GL account")
        if not acc.amount.is_finite() or acc.amount != acc.amount.quantize(step):
            problems.append(f"{name}: {acc.amount} has more than {exponent} decimals")
        elif acc.amount == 0:
            problems.append(f"{name}: the amount is zero")
    if not problems:
        left = remaining(line_amount, items, accounts)
        if left != 0:
            problems.append(
                f"the parts add up to {line_amount - left}, the bank line is {line_amount}: {left} is not split yet"
            )
    if problems:
        raise ValidationError(f"{where}: " + "; ".join(problems))
    return found


__all__ = ["AccountPart", "ItemPart", "check_split", "remaining"]
