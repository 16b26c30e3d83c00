"""Payment terms and sales tax: the rules finance people expect, and properties for any amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.core.tax import TaxCode, TaxLine, TaxRounding, compute, split_line

VAT = TaxCode("VAT20", Decimal("20"))
VAT_INCL = TaxCode("VAT20I", Decimal("20"), inclusive=True)
REDUCED = TaxCode("VAT5", Decimal("5"))


@pytest.mark.parametrize(
    ("text", "terms", "canonical"),
    [
        ("net 30", PaymentTerms(30), "net 30"),
        ("NET30", PaymentTerms(30), "net 30"),
        ("14 days", PaymentTerms(14), "net 14"),
        ("30 EOM", PaymentTerms(30, True), "net 30 EOM"),
        ("EOM", PaymentTerms(0, True), "EOM"),
        ("due on receipt", PaymentTerms(0), "due on receipt"),
        ("2/10 net 30", PaymentTerms(30, False, Decimal(2), 10), "2/10 net 30"),
        ("1.5/7 net 45 eom", PaymentTerms(45, True, Decimal("1.5"), 7), "1.5/7 net 45 EOM"),
    ],
)
def test_terms_read_as_written(text: str, terms: PaymentTerms, canonical: str) -> None:
    assert PaymentTerms.parse(text) == terms
    assert terms.text() == canonical and PaymentTerms.parse(canonical) == terms


@pytest.mark.parametrize("text", ["", "net", "thirty days", "2/40 net 30", "net 400", "120/10 net 30"])
def test_bad_terms_are_clear_errors(text: str) -> None:
    with pytest.raises(ValidationError):
        PaymentTerms.parse(text)


def test_due_dates_and_the_early_payment_discount() -> None:
    invoice = date(2024, 1, 20)
    assert PaymentTerms(30).due_date(invoice) == date(2024, 2, 19)
    assert PaymentTerms(30, True).due_date(invoice) == date(2024, 3, 1)  # 31 Jan + 30 days (leap year)
    assert PaymentTerms(0, True).due_date(invoice) == date(2024, 1, 31)
    terms = PaymentTerms.parse("2/10 net 30")
    assert terms.discount_date(invoice) == date(2024, 1, 30)
    assert terms.discount(100_050, invoice, date(2024, 1, 30)) == 2_001  # 2 % of 1,000.50 = 20.01
    assert terms.discount(100_050, invoice, date(2024, 1, 31)) == 0
    assert terms.discount(25, invoice, invoice) == 0  # 0.5 rounds half to even
    assert PaymentTerms(30).discount(100_000, invoice, invoice) == 0


def test_exclusive_and_inclusive_lines() -> None:
    assert (split_line(10_000, VAT).net, split_line(10_000, VAT).tax) == (10_000, 2_000)
    inclusive = split_line(12_000, VAT_INCL)
    assert (inclusive.net, inclusive.tax, inclusive.gross) == (10_000, 2_000, 12_000)
    odd = split_line(999, VAT_INCL)  # 999 / 1.2 = 832.5 -> tax 166.5 -> 166 (half to even)
    assert (odd.net, odd.tax) == (833, 166)
    assert split_line(500, None).tax == 0


def test_rounding_per_line_or_per_total_and_the_summary_by_code() -> None:
    lines = [TaxLine(333, VAT), TaxLine(333, VAT), TaxLine(333, VAT), TaxLine(1_000, REDUCED), TaxLine(50, None)]
    per_line = compute(lines, TaxRounding.LINE)
    assert [s.tax for s in per_line.lines] == [67, 67, 67, 50, 0]  # 66.6 each
    assert per_line.by_code == (("VAT20", 999, 201), ("VAT5", 1_000, 50))
    per_total = compute(lines, TaxRounding.TOTAL)
    assert per_total.by_code == (("VAT20", 999, 200), ("VAT5", 1_000, 50))  # 199.8 rounded once
    assert sum(s.tax for s in per_total.lines) == per_total.tax == 250
    assert (per_total.net, per_total.gross) == (2_049, 2_299)


def test_a_rate_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValidationError, match="not between 0 and 100"):
        TaxCode("BAD", Decimal("120"))


amounts = st.integers(-(10**9), 10**9)
codes = st.sampled_from([VAT, VAT_INCL, REDUCED, TaxCode("ZERO", Decimal(0)), TaxCode("GST", Decimal("7.5"), True)])


@given(st.lists(st.tuples(amounts, codes), min_size=1, max_size=12), st.sampled_from(list(TaxRounding)))
def test_lines_always_add_up_to_the_document(pairs: list[tuple[int, TaxCode]], rounding: TaxRounding) -> None:
    lines = [TaxLine(amount, code) for amount, code in pairs]
    summary = compute(lines, rounding)
    for line, split in zip(lines, summary.lines, strict=True):
        assert (split.gross if line.code and line.code.inclusive else split.net) == line.amount
    assert summary.tax == sum(s.tax for s in summary.lines)
    assert summary.gross == summary.net + summary.tax
    if rounding is TaxRounding.TOTAL:  # each code's tax is its exact total rounded once
        for code, _base, tax in summary.by_code:
            same = [line for line in lines if line.code is not None and line.code.code == code]
            rate = same[0].code.rate / 100  # type: ignore[union-attr]
            exact = sum(
                (Decimal(x.amount) * rate / ((1 + rate) if x.code.inclusive else 1) for x in same),  # type: ignore[union-attr]
                Decimal(0),
            )
            assert abs(Decimal(tax) - exact) <= Decimal("0.5")


@given(st.integers(0, 10**9), st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(0, 60))
def test_a_discount_is_never_more_than_its_percentage(amount: int, day: date, late: int) -> None:
    terms = PaymentTerms.parse("2/10 net 30")
    discount = terms.discount(amount, day, day + timedelta(days=late))
    assert discount == 0 if late > 10 else abs(Decimal(discount) - Decimal(amount) * 2 / 100) <= Decimal("0.5")
