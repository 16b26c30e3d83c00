"""The payment batch values: totals, and remittance text that fits 140 characters without a cut number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.payables.payment_batch import (
    Party,
    RemittanceAdvice,
    RemittanceLine,
    cut_remittance,
    remittance_text,
)
from tests.payables.batches import eur_batch, transfer


def test_total_count_and_currencies() -> None:
    b = eur_batch()
    assert b.count == 3
    assert b.total == Decimal("1334.50")
    assert b.currencies() == ["EUR"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("B-1, B-2, B-3", 9, "B-1, B-2"),
        ("B-1, B-2, B-3", 8, "B-1, B-2"),
        ("B-1, B-2, B-3", 7, "B-1"),
        ("B-1 B-2", 5, "B-1"),
        ("ABCDEFGHIJ", 4, "ABCD"),
        ("  spaced   out  ", 140, "spaced out"),
    ],
)
def test_cut_remittance_at_a_word_boundary(text: str, limit: int, expected: str) -> None:
    assert cut_remittance(text, limit) == expected


def test_a_transfer_keeps_at_most_140_characters_of_remittance() -> None:
    long = " ".join(f"INV-{n:04d}" for n in range(40))
    t = transfer(1, "10", remittance=long)
    assert len(t.remittance) <= 140
    assert t.remittance.endswith("INV-0014")  # 15 whole numbers of 8 characters with spaces: 134
    assert long.startswith(t.remittance)


def test_remittance_text_lists_whole_numbers_and_counts_the_rest() -> None:
    assert remittance_text(["INV-1", "INV-2"]) == "INV-1, INV-2"
    refs = [f"BILL-2024-{n:05d}" for n in range(20)]
    text = remittance_text(refs)
    assert len(text) <= 140
    assert text.endswith(" and 13 more")
    assert text.startswith("BILL-2024-00000, BILL-2024-00001")
    assert remittance_text(["X" * 200, "Y"]) == "X" * 140


def test_remittance_advice_total_paid() -> None:
    d = Decimal
    line = RemittanceLine("B-1", "INV-9", date(2024, 5, 1), d("100.00"), d("2.00"), d("0"), d("98.00"))
    credit = RemittanceLine("C-1", "CN-2", date(2024, 5, 2), d("-10.00"), d("0"), d("0"), d("-10.00"))
    advice = RemittanceAdvice(
        Party("Us", ""), Party("Them", ""), "V1", date(2024, 5, 31), "RUN-7", "EUR", (line, credit)
    )
    assert advice.total_paid == Decimal("88.00")
