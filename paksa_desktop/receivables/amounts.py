"""The arithmetic of receivables documents: line amounts, base-currency values, what a settlement relieves.

Pure and exact: integer minor units in, integer minor units out, every rounding half-even and in one
place. Shared by the services, the importers and the property tests.

Base values of parts are always taken cumulatively: the first k units of a document are worth
round(base x k / total). So however a document is settled, in whatever pieces, the pieces' base values
add up to the document's base value exactly, and the subledger equals its GL control account to the
cent in the base currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import TypeVar

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent

QUANTITY_SCALE = 10_000  # quantity_e4 = quantity x 10,000
PERCENT_SCALE = 10_000  # discount_e4 = percent x 10,000
ONE = Decimal(1)
K = TypeVar("K")


def round_units(value: Decimal) -> int:
    return int(value.quantize(ONE, ROUND_HALF_EVEN))


def scaled(value: Decimal, scale: int, what: str) -> int:
    """`value` x `scale` as an integer; more decimals than the scale allows is an error, not a rounding."""
    if not value:
        return 0  # a line without a discount: the common case of an import, no arithmetic
    exact = value * scale
    if exact != exact.to_integral_value():
        raise ValidationError(f"{what}: {value} has more than {len(str(scale)) - 1} decimal places")
    return int(exact)


def divide_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded half-even, in integers: exact whatever the magnitudes."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def line_amount(quantity_e4: int, unit_price: int, discount_e4: int = 0) -> int:
    """Quantity x unit price less the line discount, in minor units (net or gross as the price is),
    rounded half-even once, on the exact product (integer arithmetic: a few times faster than Decimal on
    the import path, and never rounds an intermediate)."""
    if not discount_e4:
        return divide_half_even(quantity_e4 * unit_price, QUANTITY_SCALE)
    whole = 100 * PERCENT_SCALE
    return divide_half_even(quantity_e4 * unit_price * (whole - discount_e4), QUANTITY_SCALE * whole)


def parse_rate(text: str | Decimal) -> Decimal:
    """An exchange rate: base units per unit of the foreign currency, exact, positive."""
    try:
        rate = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValidationError(f"'{text}' is not an exchange rate (write e.g. 1.0825)") from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError(f"exchange rate {text}: must be a positive number")
    if len(rate.normalize().as_tuple().digits) > 20:
        raise ValidationError(f"exchange rate {text}: more than 20 significant digits")
    return rate


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def to_base(amount: int, rate: Decimal, currency: str, base_currency: str) -> int:
    """Minor units of `currency` converted to minor units of the base currency, rounded half-even."""
    if currency == base_currency:
        return amount
    shift = currency_exponent(base_currency) - currency_exponent(currency)
    return round_units(Decimal(amount) * rate * Decimal(10) ** shift)


def base_of_first(units: int, total: int, base_total: int) -> int:
    """The base value of the first `units` of a document worth `base_total` for `total` units."""
    if units == total:
        return base_total
    if total == 0:
        return 0
    return round_units(Decimal(base_total) * units / total)


def spread(target: int, parts: Sequence[int]) -> list[int]:
    """`parts` adjusted so they add up to `target`: the difference (a rounding) goes to the largest part."""
    adjusted = list(parts)
    difference = target - sum(adjusted)
    if difference and adjusted:
        largest = max(range(len(adjusted)), key=lambda k: abs(adjusted[k]))
        adjusted[largest] += difference
    return adjusted


def grouped_base(
    parts: Iterable[tuple[K, int]], base_total: int, rate: Decimal, currency: str, base_currency: str
) -> list[tuple[K, int]]:
    """Document units added up by key (an entry line's account and dimensions) and converted to base
    units that add up to `base_total` exactly: each key's sum converted, the rounding on the largest.
    Keys summing to nothing, and zero results, are left out. Invoices and bills post their lines so."""
    groups: dict[K, int] = {}
    for key, units in parts:
        groups[key] = groups.get(key, 0) + units
    keys = [k for k, v in groups.items() if v]
    converted = spread(base_total, [to_base(groups[k], rate, currency, base_currency) for k in keys])
    return [(k, amount) for k, amount in zip(keys, converted, strict=True) if amount]


def relief(total: int, base_total: int, open_before: int, piece: int, relieved_before: int) -> int:
    """Base units a piece of `piece` relieves on a document whose open amount is `open_before` and whose
    active settlements have relieved `relieved_before` so far."""
    settled_after = total - open_before + piece
    return base_of_first(settled_after, total, base_total) - relieved_before


def base_split(
    lines: Sequence[tuple[tuple[int, int | None, int | None], int, tuple[int, int | None, int | None] | None, int]],
    base_total: int,
    rate: Decimal,
    currency: str,
    base_currency: str,
) -> list[tuple[int, int]]:
    """Each line's net and tax in base units, exactly as the document's GL entry posted them.

    `lines` are (income key, net, tax key, tax) in document units, the keys those of the entry's lines
    ((account, department, project) for income, (tax account, None, None) for tax). The entry converted
    each key's sum and put the rounding on the largest (preparing.gl_lines); here each key's base value
    is shared over its lines the same way, so sales and tax reports add up to the GL to the cent.
    """
    if currency == base_currency:
        return [(net, tax) for _key, net, _tax_key, tax in lines]
    groups: dict[tuple[int, int | None, int | None], list[tuple[int, int, int]]] = {}  # key -> (line, slot, units)
    for n, (key, net, tax_key, tax) in enumerate(lines):
        groups.setdefault(key, []).append((n, 0, net))
        if tax and tax_key is not None:
            groups.setdefault(tax_key, []).append((n, 1, tax))
    keys = [k for k, members in groups.items() if sum(units for _n, _slot, units in members)]
    converted = spread(
        base_total, [to_base(sum(u for *_x, u in groups[k]), rate, currency, base_currency) for k in keys]
    )
    result = [[0, 0] for _ in lines]
    for key, group_base in zip(keys, converted, strict=True):
        members = groups[key]
        shares = spread(group_base, [to_base(units, rate, currency, base_currency) for _n, _slot, units in members])
        for (n, slot, _units), share in zip(members, shares, strict=True):
            result[n][slot] += share
    return [(net, tax) for net, tax in result]
