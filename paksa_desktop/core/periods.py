"""Fiscal years and monthly periods computed from the company's fiscal-year start month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class PeriodSpan:
    number: int  # 1..12 within the fiscal year
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class FiscalYearSpan:
    start: date
    end: date
    periods: tuple[PeriodSpan, ...]

    @property
    def name(self) -> str:
        """'2024' for a calendar year, '2024/25' for a year that straddles two."""
        if self.start.year == self.end.year:
            return str(self.start.year)
        return f"{self.start.year}/{self.end.year % 100:02d}"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def fiscal_year_start(day: date, start_month: int) -> date:
    """The first day of the fiscal year containing `day` (without building its periods)."""
    if not 1 <= start_month <= 12:
        raise ValueError("fiscal year start month must be 1..12")
    return date(day.year if day.month >= start_month else day.year - 1, start_month, 1)


def fiscal_year_end(day: date, start_month: int) -> date:
    """The last day of the fiscal year containing `day`."""
    return add_months(fiscal_year_start(day, start_month), 12) - timedelta(days=1)


def fiscal_year_containing(day: date, start_month: int) -> FiscalYearSpan:
    start = fiscal_year_start(day, start_month)
    periods = []
    for number in range(12):
        first = add_months(start, number)
        periods.append(PeriodSpan(number + 1, first, month_end(first)))
    return FiscalYearSpan(start, periods[-1].end, tuple(periods))


def next_day(day: date) -> date:
    return day + timedelta(days=1)
