"""What subledgers share when they settle open items (receivables and payables alike).

A settlement relieves the open item (invoice, bill) at the item's own rate and uses its source (a
receipt, a payment, a credit note) at the source's rate, both cumulatively (amounts.base_of_first), so
however many pieces a document is settled in, the pieces add up to its base value exactly. The GL
entry of a settlement is then balanced by the realised exchange difference. These helpers hold that
arithmetic and the posting call once, for receivables/settling.py and payables/allocation.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from paksa_desktop.ledger.posting import Poster, PreparedEntry, PreparedLine
from paksa_desktop.receivables.amounts import base_of_first


def source_base(total: int, base_total: int, available: int, used_base: int, amount: int) -> int:
    """The base value of using `amount` more of a source worth `base_total` for `total` units, of which
    `available` units are still unused and `used_base` base units already taken (cumulative, so the
    piece that uses the last unit takes exactly what is left of the base)."""
    used_after = total - available + amount
    return base_of_first(used_after, total, base_total) - used_base


def merge(lines: Sequence[PreparedLine]) -> list[PreparedLine]:
    """Lines on the same account, dimensions and currency added together (zero results dropped)."""
    totals: dict[tuple[int, int | None, int | None, str | None], PreparedLine] = {}
    for line in lines:
        key = (line.account_id, line.department_id, line.project_id, line.currency)
        known = totals.get(key)
        if known is None:
            totals[key] = line
        else:
            units = None if known.amount_cur is None else known.amount_cur + (line.amount_cur or 0)
            totals[key] = known._replace(amount=known.amount + line.amount, amount_cur=units)
    return [line for line in totals.values() if line.amount]


def with_exchange_difference(
    lines: Sequence[PreparedLine], *, gain_account_id: int, loss_account_id: int, memo: str
) -> list[PreparedLine]:
    """`lines` balanced by one exchange difference line (a debit is a loss, a credit a gain), merged."""
    difference = -sum(line.amount for line in lines)
    account = loss_account_id if difference > 0 else gain_account_id
    balanced = [*lines, PreparedLine(account, difference, f"{memo}: exchange difference")]
    return merge([line for line in balanced if line.amount])


def post_entry(
    poster: Poster,
    journal_id: int,
    on: date,
    lines: Sequence[PreparedLine],
    *,
    memo: str,
    reference: str,
    source: str,
    reversal_of_id: int | None = None,
) -> PreparedEntry | None:
    """Post a subledger entry through the ledger's poster (every ledger rule applies); None when there is
    nothing to post (a settlement in one currency at one rate moves no GL balance)."""
    if not lines:
        return None
    entry = PreparedEntry(
        journal_id=journal_id,
        date=on,
        lines=lines,
        memo=memo,
        reference=reference,
        source=source,
        reversal_of_id=reversal_of_id,
    )
    poster.check(entry)
    poster.write([entry])
    return entry
