"""Fiscal years and monthly periods from the company's start month."""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.core.periods import add_months, fiscal_year_containing


def test_calendar_year():
    fy = fiscal_year_containing(date(2024, 6, 15), 1)
    assert (fy.start, fy.end, fy.name) == (date(2024, 1, 1), date(2024, 12, 31), "2024")
    assert [p.end for p in fy.periods][:2] == [date(2024, 1, 31), date(2024, 2, 29)]


@pytest.mark.parametrize(
    ("day", "start", "end", "name"),
    [
        (date(2024, 6, 30), date(2023, 7, 1), date(2024, 6, 30), "2023/24"),
        (date(2024, 7, 1), date(2024, 7, 1), date(2025, 6, 30), "2024/25"),
        (date(2000, 3, 31), date(1999, 4, 1), date(2000, 3, 31), "1999/00"),
    ],
)
def test_straddling_year(day, start, end, name):
    start_month = start.month
    fy = fiscal_year_containing(day, start_month)
    assert (fy.start, fy.end, fy.name) == (start, end, name)
    assert len(fy.periods) == 12
    assert all(a.end.toordinal() + 1 == b.start.toordinal() for a, b in zip(fy.periods, fy.periods[1:], strict=False))


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 5, 15), -5) == date(2023, 12, 15)
