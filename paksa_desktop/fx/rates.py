"""Exchange rates: the one lookup rule, and imports of rate files (CSV and the ECB eurofxref XML).

A rate is the number of base-currency units one unit of the foreign currency buys (EUR 1 = USD 1.0825
is stored as `EUR 1.0825` in a USD company), kept as exact decimal text in `exchange_rates`.

The lookup rule: the rate of a currency on a day is the latest rate dated on or before that day. A
day before the currency's first rate has no rate, and that is an error naming the currency and day,
never a guess. The base currency's rate is 1 on every day.

Imports are all or nothing: every row is checked first and each problem is reported as
`FILE:ROW: column: reason`. A file that gives the same currency twice for one day is refused; a rate
already in the table for a currency and day the file gives is replaced (a file is the newer word:
re-importing a corrected eurofxref file fixes the table), and every replacement is audited.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ImportFileError, RowError, ValidationError
from paksa_desktop.core.money import is_currency
from paksa_desktop.ledger.models import CompanySettings, ExchangeRate
from paksa_desktop.receivables.amounts import parse_rate, rate_text
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

# Cross rates from the ECB file (base per EUR / currency per EUR) rarely divide exactly: they are
# rounded half-even to this many significant digits (the ECB publishes 5 or 6).
CROSS_RATE_DIGITS = 12
_CROSS = Context(prec=CROSS_RATE_DIGITS, rounding=ROUND_HALF_EVEN)
MAX_ERRORS = 100


class NoRateError(ValidationError):
    """No rate for a currency on or before a day."""

    def __init__(
        self, currency: str, day: date, hint: str = "enter one in the rate table or import a rate file"
    ) -> None:
        self.currency = currency
        self.day = day
        super().__init__(f"no exchange rate for {currency} on or before {day}: {hint}")


def rate_on(s: Session, currency: str, day: date, base_currency: str, *, hint: str | None = None) -> Decimal:
    """The rate of `currency` on `day`: the latest rate dated on or before it (1 for the base currency);
    `hint` says, in the error, where the user can give the missing rate."""
    if currency == base_currency:
        return Decimal(1)
    text = s.execute(
        select(ExchangeRate.rate)
        .where(ExchangeRate.currency == currency, ExchangeRate.day <= day)
        .order_by(ExchangeRate.day.desc())
        .limit(1)
    ).scalar_one_or_none()
    if text is None:
        raise NoRateError(currency, day) if hint is None else NoRateError(currency, day, hint)
    return Decimal(text)


@dataclass(frozen=True, slots=True)
class RateRow:
    """One rate read from a file, with the row it came from (for error messages)."""

    currency: str
    day: date
    rate: Decimal
    row: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    replaced: int
    unchanged: int
    file_format: str  # "csv" or "ecb"

    @property
    def total(self) -> int:
        return self.added + self.replaced + self.unchanged


def file_format(data: bytes) -> str:
    """'ecb' for an XML file (the eurofxref layout), 'csv' otherwise: decided from the content."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return "ecb" if head.startswith(b"<") else "csv"


def parse_rates_csv(text: str, source: str, base_currency: str) -> tuple[list[RateRow], list[RowError]]:
    """`currency,date,rate` with a header row; rate = base units per 1 unit of the currency."""
    rows: list[RateRow] = []
    errors: list[RowError] = []
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != ["currency", "date", "rate"] or len(header) != 3:
        return [], [RowError(source, 1, "", "the header must be exactly: currency,date,rate")]
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 3:
            errors.append(RowError(source, number, "", f"expected 3 columns, found {len(cells)}"))
            continue
        code, day_text, rate_cell = (c.strip() for c in cells)
        bad = False
        code = code.upper()
        if not is_currency(code):
            errors.append(RowError(source, number, "currency", f"'{code}' is not an ISO 4217 currency code"))
            bad = True
        elif code == base_currency:
            errors.append(RowError(source, number, "currency", f"{code} is the base currency (its rate is always 1)"))
            bad = True
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(RowError(source, number, "date", f"'{day_text}' is not a date (write YYYY-MM-DD)"))
            bad = True
        try:
            rate = parse_rate(rate_cell)
        except ValidationError as exc:
            errors.append(RowError(source, number, "rate", str(exc)))
            bad = True
        if not bad:
            rows.append(RateRow(code, day, rate, number))
    return rows, errors


class _EcbHandler:
    """Collects the eurofxref <Cube> elements with their line numbers (SAX: the locator knows lines)."""

    def __init__(self) -> None:
        self.days: list[tuple[str, int, list[tuple[str, str, int]]]] = []  # (time, line, [(code, rate, line)])
        self.locator: object | None = None

    def handler(self) -> object:
        from xml.sax.handler import ContentHandler

        outer = self

        class Handler(ContentHandler):
            def setDocumentLocator(self, locator: object) -> None:
                outer.locator = locator

            def startElement(self, name: str, attrs: object) -> None:
                if name.rsplit(":", 1)[-1] != "Cube":
                    return
                line = outer.locator.getLineNumber() if outer.locator is not None else 0  # type: ignore[attr-defined]
                get = attrs.get  # type: ignore[attr-defined]
                if get("time") is not None:
                    outer.days.append((get("time"), line, []))
                elif get("currency") is not None and outer.days:
                    outer.days[-1][2].append((get("currency"), get("rate") or "", line))

        return Handler()


def parse_ecb_xml(data: bytes, source: str, base_currency: str) -> tuple[list[RateRow], list[RowError]]:
    """The ECB eurofxref file (daily or history): per day, units of each currency per 1 EUR.

    Converted to base units per unit of each currency: the cross rate (base per EUR) / (currency per
    EUR), rounded half-even to CROSS_RATE_DIGITS significant digits (for a EUR company, 1 / rate). A day
    without the base currency cannot be converted and is an error. The row of an error is the line of
    the XML element. Parsed with defusedxml: no entities, no external references.
    """
    from xml.sax import SAXException

    import defusedxml.sax
    from defusedxml.common import DefusedXmlException

    collector = _EcbHandler()
    try:
        defusedxml.sax.parseString(data, collector.handler())  # type: ignore[arg-type]
    except (SAXException, DefusedXmlException) as exc:
        return [], [RowError(source, 0, "", f"not a readable XML file: {exc}")]
    if not collector.days:
        return [], [RowError(source, 0, "", "no <Cube time=...> elements: not an ECB eurofxref file")]
    rows: list[RateRow] = []
    errors: list[RowError] = []
    for time_text, line, cubes in collector.days:
        try:
            day = date.fromisoformat(time_text)
        except ValueError:
            errors.append(RowError(source, line, "time", f"'{time_text}' is not a date (YYYY-MM-DD)"))
            continue
        per_eur: dict[str, tuple[Decimal, int]] = {"EUR": (Decimal(1), line)}
        for code_text, text, el_line in cubes:
            code = code_text.strip().upper()
            if not is_currency(code):
                errors.append(RowError(source, el_line, "currency", f"'{code}' is not an ISO 4217 currency code"))
                continue
            try:
                per_eur[code] = (parse_rate(text), el_line)
            except ValidationError as exc:
                errors.append(RowError(source, el_line, "rate", str(exc)))
        if base_currency not in per_eur:
            errors.append(RowError(source, line, "currency", f"{day}: no {base_currency} rate to convert from EUR"))
            continue
        base_per_eur = per_eur[base_currency][0]
        for code, (units_per_eur, el_line) in per_eur.items():
            if code != base_currency:
                rows.append(RateRow(code, day, _CROSS.divide(base_per_eur, units_per_eur), el_line))
    return rows, errors


class RateService(GuardedService):
    """Imports of rate files (`ledger.rate.manage`)."""

    def import_rates_file(self, path: Path) -> tuple[ImportResult, Changes]:
        """Read, check and store every rate of a CSV or ECB XML file, all or nothing."""
        self.ctx.require(Permission.RATE_MANAGE)  # before reading the file (the permission walk)
        data = path.read_bytes()
        kind = file_format(data)
        with self._unit(Permission.RATE_MANAGE) as s:
            base = s.execute(select(CompanySettings.base_currency)).scalar_one()
            if kind == "ecb":
                rows, errors = parse_ecb_xml(data, path.name, base)
            else:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ImportFileError([RowError(path.name, 0, "", "not a UTF-8 text file")]) from None
                rows, errors = parse_rates_csv(text, path.name, base)
            seen: dict[tuple[str, date], int] = {}
            for r in rows:
                first = seen.setdefault((r.currency, r.day), r.row)
                if first != r.row:
                    errors.append(
                        RowError(path.name, r.row, "date", f"{r.currency} on {r.day} is already given on row {first}")
                    )
            if not rows and not errors:
                errors.append(RowError(path.name, 0, "", "the file holds no rates"))
            if errors:
                raise ImportFileError(errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)
            stored = {
                (c, d): t
                for c, d, t in s.execute(
                    select(ExchangeRate.currency, ExchangeRate.day, ExchangeRate.rate).where(
                        ExchangeRate.currency.in_({r.currency for r in rows}),
                        ExchangeRate.day.between(min(r.day for r in rows), max(r.day for r in rows)),
                    )
                )
            }
            added = replaced = unchanged = 0
            for r in rows:
                text = rate_text(r.rate)
                before = stored.get((r.currency, r.day))
                if before is None:
                    s.add(ExchangeRate(currency=r.currency, day=r.day, rate=text))
                    added += 1
                elif Decimal(before) == r.rate:
                    unchanged += 1
                else:
                    row = s.get(ExchangeRate, (r.currency, r.day))
                    assert row is not None
                    row.rate = text
                    replaced += 1
                    trail.record(
                        s,
                        self.ctx,
                        "update",
                        "exchange_rate",
                        f"{r.currency} {r.day}",
                        before={"rate": before},
                        after={"rate": text},
                    )
            result = ImportResult(added, replaced, unchanged, kind)
            trail.record(
                s,
                self.ctx,
                "import",
                "exchange_rates",
                path.name,
                after={"format": kind, "added": added, "replaced": replaced, "unchanged": unchanged},
            )
        return result, Changes.of(Kind.RATES)

    def rate(self, currency: str, day: date) -> Decimal:
        """The rate of `currency` on `day` by the lookup rule (readable by every user)."""
        with self._read(Permission.LEDGER_VIEW) as s:
            base = s.execute(select(CompanySettings.base_currency)).scalar_one()
            return rate_on(s, currency.strip().upper(), day, base)
