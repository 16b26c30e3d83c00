"""The rules of dunning, pure: which level an overdue invoice is dunned at now, and the interest it bears.

- Only an invoice past its due date is dunned; one not yet due, or settled, never is.
- Levels are climbed one at a time (a customer never gets a final demand as a first reminder): the next
  level is reached when the invoice is at least that level's days overdue *and* at least as many days
  have passed since the last letter as lie between the two levels' days, so a late first run does not
  send the second reminder the following morning.
- The last level repeats on the same rhythm (the days between the last two levels) until the invoice
  is paid: a level is never repeated before its days are reached again.
- Interest is simple, actual/365, on the open amount in base currency, at the yearly rate of the level
  the invoice is dunned at, from the day after the last day interest was charged on it (its due date,
  or the last letter that charged it interest) to the day of the letter; rounded half-even once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.receivables.amounts import PERCENT_SCALE, round_units

DAYS_IN_YEAR = 365


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    days_overdue: int
    letter_text: str = ""
    fee: int = 0  # base minor units, once per letter at this level
    interest_e4: int = 0  # yearly percent x 10,000


def check_levels(levels: Sequence[Level]) -> None:
    """Levels are numbered 1, 2, 3... with days overdue rising, fees and rates not negative."""
    if not levels:
        raise ValidationError("a dunning procedure needs at least one level")
    for k, level in enumerate(levels, start=1):
        if level.level != k:
            raise ValidationError(f"levels are numbered 1, 2, 3...: level {level.level} is in place {k}")
        if level.days_overdue < 1:
            raise ValidationError(f"level {k}: days overdue must be at least 1")
        if k > 1 and level.days_overdue <= levels[k - 2].days_overdue:
            raise ValidationError(f"level {k}: days overdue must be more than level {k - 1}'s")
        if level.fee < 0:
            raise ValidationError(f"level {k}: the fee must not be negative")
        if not 0 <= level.interest_e4 <= 100 * PERCENT_SCALE:
            raise ValidationError(f"level {k}: the interest rate must be between 0 and 100 %")


def gap(levels: Sequence[Level], level: int) -> int:
    """Days between `level` and the one below it (the first level: its own days)."""
    below = levels[level - 2].days_overdue if level > 1 else 0
    return levels[level - 1].days_overdue - below


def next_level(levels: Sequence[Level], current: int, days_overdue: int, days_since_last: int | None) -> Level | None:
    """The level an invoice `days_overdue` past due, now at `current` (0: never dunned), is dunned at
    today; None when it is only listed as overdue. `days_since_last`: since its last letter (None: none)."""
    if days_overdue <= 0 or not levels:
        return None
    top = len(levels)
    target = min(current + 1, top)  # at the top: the last level again
    level = levels[target - 1]
    if days_overdue < level.days_overdue:
        return None
    if days_since_last is not None and days_since_last < gap(levels, target):
        return None
    return level


def interest(open_base: int, interest_e4: int, start: date, end: date) -> int:
    """Interest on `open_base` minor units from the day after `start` to `end`, at a yearly rate."""
    days = (end - start).days
    if days <= 0 or interest_e4 <= 0 or open_base <= 0:
        return 0
    return round_units(Decimal(open_base) * interest_e4 * days / (100 * PERCENT_SCALE * DAYS_IN_YEAR))


STANDARD_CODE = "STANDARD"
STANDARD_LEVELS = (
    Level(
        1,
        7,
        "Our records show that the invoices below are past their due date. Perhaps this has been "
        "overlooked: please pay the amount due within 7 days. If you have paid in the meantime, thank "
        "you, and please disregard this reminder.",
    ),
    Level(
        2,
        21,
        "Despite our reminder, the invoices below are still unpaid. Please pay the amount due within 7 "
        "days, or contact us at once if there is a reason you cannot.",
    ),
    Level(
        3,
        35,
        "Final demand. The invoices below remain unpaid despite our reminders. Unless we receive the "
        "amount due within 7 days we will suspend deliveries and pass the debt on for collection "
        "without further notice.",
    ),
)
