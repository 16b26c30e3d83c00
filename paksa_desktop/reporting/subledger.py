"""What the subledger reports (receivables and payables) share: the company's facts a report prints,
the flat form of a grouped report (a CSV file's rows), a period filled in from the fiscal year, and the
column contract of the aging file (`party,name,current,days_1_30,...,total`).

Moved here from receivables/ar_reports.py so that the payables reports use the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.core.periods import fiscal_year_containing
from paksa_desktop.ledger.models import CompanySettings
from paksa_desktop.receivables.aging import Buckets
from paksa_desktop.reporting.model import Report, RowStyle


def aging_csv_columns(buckets: Buckets | None = None, party: str = "customer") -> tuple[str, ...]:
    """The aging file contract: customer (or vendor),name,current,days_1_30,...,over_90,total."""
    return (party, "name", *(buckets or Buckets()).keys, "total")


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    name: str
    currency: str
    exponent: int
    fiscal_year_start_month: int


def company_facts(s: Session) -> CompanyFacts:
    row = s.execute(
        select(CompanySettings.name, CompanySettings.base_currency, CompanySettings.fiscal_year_start_month)
    ).one()
    return CompanyFacts(row.name, row.base_currency, currency_exponent(row.base_currency), row.fiscal_year_start_month)


def flat(report: Report) -> Report:
    """The report with only its plain rows (no headings or subtotals): the form a CSV file takes."""
    rows = tuple(r for r in report.rows if r.style is RowStyle.NORMAL)
    return Report(
        report.title,
        report.columns,
        rows,
        report.subtitle,
        report.company,
        report.currency,
        report.exponent,
        report.totals,
        report.meta,
    )


def units_text(units: int, currency: str) -> str:
    """A document-currency amount as a plain decimal with that currency's decimals (e.g. JPY none)."""
    return str(from_minor(units, currency_exponent(currency)))


def period(facts: CompanyFacts, today: date, start: date | None, end: date | None) -> tuple[date, date]:
    """The dates given, filled in from the fiscal year (default: the one containing today)."""
    end = end or fiscal_year_containing(start or today, facts.fiscal_year_start_month).end
    start = start or fiscal_year_containing(end, facts.fiscal_year_start_month).start
    if end < start:
        raise ValidationError(f"the period ends ({end}) before it starts ({start})")
    return start, end
