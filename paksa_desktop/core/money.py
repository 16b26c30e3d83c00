"""Exact money: Decimal amounts in a currency, stored as integer minor units.

The scale of a currency is its ISO 4217 exponent (USD 2, JPY 0, KWD 3), never a display library's
precision. Rounding is always explicit: `Money.of` refuses an amount with more digits than the
currency has; `Money.rounded` rounds half-even (banker's rounding) only when the caller asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from iso4217 import Currency

from paksa_desktop.core.errors import ValidationError

_AMOUNT_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@cache
def currency_exponent(code: str) -> int:
    """Minor-unit digits of an ISO 4217 currency; funds and metals without one count as 2."""
    try:
        exponent = Currency(code.upper()).exponent
    except ValueError:
        raise ValidationError(f"unknown currency code '{code}' (expected an ISO 4217 code such as USD)") from None
    return 2 if exponent is None else exponent


def is_currency(code: str) -> bool:
    try:
        currency_exponent(code)
    except ValidationError:
        return False
    return True


@cache
def _quantum(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def parse_amount(text: str, exponent: int) -> Decimal:
    """Parse a plain decimal string ('1234.5', '-0.25') with at most `exponent` decimals.

    No thousands separators, no exponent notation, no locale: files exchanged between tools must
    mean the same thing everywhere. Raises ValueError with a reason fit for an error report.
    """
    text = text.strip()
    if not _AMOUNT_TEXT.match(text):
        raise ValueError(f"'{text}' is not a decimal amount (use digits and '.', e.g. 1234.50)")
    value = Decimal(text)
    if value.as_tuple().exponent < -exponent and value != value.quantize(_quantum(exponent)):
        raise ValueError(f"'{text}' has more than {exponent} decimal places")
    return value


def parse_minor(text: str, exponent: int) -> int:
    """Plain decimal string -> integer minor units, strictly and quickly (the import hot path).

    Same rules as `parse_amount`: digits with an optional sign and '.', at most `exponent` decimals;
    an empty string is 0. Raises ValueError with a reason fit for an error report.
    """
    whole, _dot, frac = text.partition(".")
    if (
        len(frac) == exponent
        and whole.isdigit()
        and whole.isascii()
        and (frac.isdigit() or not exponent)
        and frac.isascii()
    ):
        return int(whole + frac)  # the common case, '1234.50': one int() call
    text = text.strip()
    if not text:
        return 0
    sign = 1
    body = text
    if body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    whole, _dot, frac = body.partition(".")
    if (
        not (whole or frac)
        or (whole and not whole.isdigit())
        or (frac and not frac.isdigit())
        or not whole.isascii()
        or not frac.isascii()
    ):
        raise ValueError(f"'{text}' is not a decimal amount (use digits and '.', e.g. 1234.50)")
    if len(frac) > exponent:
        if frac[exponent:].strip("0"):
            raise ValueError(f"'{text}' has more than {exponent} decimal places")
        frac = frac[:exponent]
    return sign * (int(whole or "0") * 10**exponent + int(frac.ljust(exponent, "0") or "0"))


def to_minor(amount: Decimal, exponent: int) -> int:
    """Decimal amount -> integer minor units; refuses to round silently."""
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"{amount} has more than {exponent} decimal places")
    return int(scaled)


def from_minor(units: int, exponent: int) -> Decimal:
    """Integer minor units -> Decimal with exactly `exponent` decimals."""
    return Decimal(units).scaleb(-exponent)


def format_amount(amount: Decimal, exponent: int, *, grouping: bool = False) -> str:
    """Plain text of an amount with the currency's decimals ('1234.50'); the form files use."""
    quantized = amount.quantize(_quantum(exponent))
    return f"{quantized:,}" if grouping else f"{quantized}"


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Arithmetic across currencies is an error."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        exponent = currency_exponent(currency)
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValidationError(f"'{amount}' is not an amount") from None
        to_minor(value, exponent)  # refuses excess digits
        return cls(value.quantize(_quantum(exponent)), currency.upper())

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(from_minor(units, currency_exponent(currency)), currency.upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.from_minor(0, currency)

    @classmethod
    def rounded(cls, amount: Decimal, currency: str) -> Money:
        """Round half-even to the currency's minor unit; the one place rounding happens."""
        quantum = _quantum(currency_exponent(currency))
        return cls(amount.quantize(quantum, rounding=ROUND_HALF_EVEN), currency.upper())

    @property
    def minor(self) -> int:
        return to_minor(self.amount, currency_exponent(self.currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_zero(self) -> bool:
        return not self.amount

    def __str__(self) -> str:
        return f"{format_amount(self.amount, currency_exponent(self.currency))} {self.currency}"
