"""Exact money: ISO 4217 scales, strict parsing, no silent rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import (
    Money,
    currency_exponent,
    format_amount,
    from_minor,
    parse_amount,
    parse_minor,
    to_minor,
)


@pytest.mark.parametrize(
    ("code", "exponent"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("HUF", 2), ("IDR", 2), ("usd", 2)]
)
def test_iso_4217_exponents(code, exponent):
    assert currency_exponent(code) == exponent


def test_unknown_currency_is_a_clear_error():
    with pytest.raises(ValidationError, match="unknown currency code 'XYZ'"):
        currency_exponent("XYZ")


@pytest.mark.parametrize(
    ("text", "exponent", "units"),
    [
        ("1234.50", 2, 123450),
        ("-0.25", 2, -25),
        ("+7", 2, 700),
        (".5", 2, 50),
        ("5.", 2, 500),
        ("", 2, 0),
        ("100", 0, 100),
        ("1.234", 3, 1234),
        ("2.500", 2, 250),
        (" 12.30 ", 2, 1230),
    ],
)
def test_parse_minor_accepts_plain_decimals(text, exponent, units):
    assert parse_minor(text, exponent) == units


@pytest.mark.parametrize(
    ("text", "exponent", "reason"),
    [
        ("12,50", 2, "not a decimal amount"),
        ("1.234", 2, "more than 2 decimal places"),
        ("abc", 2, "not a decimal"),
        ("1e5", 2, "not a decimal"),
        ("1 000", 2, "not a decimal"),
        ("--1", 2, "not a decimal"),
        ("1.5", 0, "more than 0"),
        ("١٢", 2, "not a decimal"),
        (".", 2, "not a decimal"),
    ],
)
def test_parse_minor_refuses_anything_else(text, exponent, reason):
    with pytest.raises(ValueError, match=reason):
        parse_minor(text, exponent)


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from([0, 2, 3]))
def test_minor_units_round_trip(units, exponent):
    amount = from_minor(units, exponent)
    assert to_minor(amount, exponent) == units
    assert parse_minor(format_amount(amount, exponent), exponent) == units
    assert parse_amount(format_amount(amount, exponent), exponent) == amount


def test_to_minor_refuses_to_round():
    with pytest.raises(ValidationError, match="more than 2 decimal places"):
        to_minor(Decimal("0.001"), 2)


def test_money_arithmetic_is_exact_and_single_currency():
    total = Money.of("0.10", "USD") + Money.of("0.20", "USD")
    assert total == Money.of("0.30", "USD") and total.minor == 30
    assert str(-total) == "-0.30 USD"
    assert Money.from_minor(1234, "KWD").amount == Decimal("1.234")
    assert Money.of(5, "JPY").minor == 5
    with pytest.raises(ValidationError, match="cannot combine USD with EUR"):
        Money.of("1", "USD") + Money.of("1", "EUR")
    with pytest.raises(ValidationError):
        Money.of("0.005", "USD")
    assert Money.rounded(Decimal("0.125"), "USD").amount == Decimal("0.12")  # half-even
    assert Money.rounded(Decimal("0.135"), "USD").amount == Decimal("0.14")
