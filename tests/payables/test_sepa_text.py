"""Transliteration into the SEPA character set: what a bank in the scheme is bound to accept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paksa_desktop.payables.sepa_text import SEPA_CHARACTERS, is_sepa_text, sepa_text


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("Café Éclair", "Cafe Eclair"),
        ("Straße", "Strasse"),
        ("GROẞE", "GROSSE"),
        ("Müller & Söhne", "Muller + Sohne"),
        ("Ærø Øst", "AEro Ost"),
        ("Łódź", "Lodz"),
        ("Þórður Sigurðsson", "THordur Sigurdsson"),
        ("Œuvre ﬁne", "OEuvre fine"),
        ("Ça coûte 5 €", "Ca coute 5"),
        ("“Quoted” ‘name’", "'Quoted' 'name'"),
        ("Smith–Jones — Ltd", "Smith-Jones - Ltd"),
        ("Invoice #123; 50% off_now", "Invoice 123 50 off now"),
        ("two\nlines\tand  spaces ", "two lines and spaces"),
        ("Москва", "??????"),
        ("東京 Trading", "?? Trading"),
        ("٣٤ Street", "34 Street"),
        ("½ price", "1 2 price"),
        ("a/b-c?d:e(f)g.h,i'j+k", "a/b-c?d:e(f)g.h,i'j+k"),
        ("", ""),
        ("@@@", ""),
    ],
)
def test_transliteration(given_text: str, expected: str) -> None:
    assert sepa_text(given_text) == expected


def test_cut_to_the_field_length_without_a_trailing_space() -> None:
    assert sepa_text("Ödegaard Holding AS", 9) == "Odegaard"
    assert sepa_text("Ab cd", 3) == "Ab"
    assert sepa_text("short", 70) == "short"


@given(st.text(), st.integers(min_value=1, max_value=140))
def test_any_text_comes_out_in_the_set_and_within_the_length(text: str, limit: int) -> None:
    result = sepa_text(text, limit)
    assert is_sepa_text(result)
    assert len(result) <= limit
    assert result == result.strip() and "  " not in result
    assert all(c in SEPA_CHARACTERS for c in result)


@given(st.text(alphabet=sorted(SEPA_CHARACTERS - {" "}), min_size=1))
def test_text_already_in_the_set_is_kept(text: str) -> None:
    assert sepa_text(text) == text
