"""Bank CSV exports, read through a column-mapping profile saved per bank account.

Every bank writes its own CSV: a few lines about the account before the header, dates as 31.01.2024
or 01/31/2024, amounts as 1.234,56, money in and out in one signed column, in two columns, or in one
column with a D/C marker beside it. A `CsvProfile` says all of that once; it is stored as JSON with the
bank account (`to_dict`/`from_dict`) and every later file from that bank reads with it.

Columns are named by their header text (case and surrounding spaces ignored) or by their position,
1 for the first column; a file without a header row needs positions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from paksa_desktop.banking.formats.common import Problems, StatementFileError, date_parser, decode, plain_amount
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine
from paksa_desktop.core.errors import ValidationError

Column = int | str  # 1-based position, or the header's text


class AmountSign(StrEnum):
    """How the amount column says which way money went (two debit/credit columns need none)."""

    SIGNED = "signed"  # + is money in, - money out (most banks)
    INVERTED = "inverted"  # + is money out (credit-card exports: a purchase is positive)
    INDICATOR = "indicator"  # unsigned amount, the direction column says debit or credit


_COLUMN_FIELDS = (
    "date_column",
    "amount_column",
    "debit_column",
    "credit_column",
    "direction_column",
    "description_column",
    "reference_column",
    "bank_id_column",
    "counterparty_column",
    "counterparty_account_column",
    "value_date_column",
)


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """How one bank writes its CSV statements. Validated when built: a bad field is named."""

    name: str = ""  # e.g. "Nordbank business CSV"; for the user's list of profiles
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8"  # tried first; then UTF-8, then cp1252
    skip_rows: int = 0  # lines before the header row (bank name, account, period, ...)
    header: bool = True  # whether a row of column names follows the skipped lines
    skip_footer_rows: int = 0  # non-empty rows at the end that are not transactions (totals)
    date_column: Column = 1
    amount_column: Column | None = None  # one column for both directions ...
    debit_column: Column | None = None  # ... or money out here
    credit_column: Column | None = None  # ... and money in here
    direction_column: Column | None = None  # with sign = indicator: holds a debit mark or not
    description_column: Column | None = None
    reference_column: Column | None = None
    bank_id_column: Column | None = None
    counterparty_column: Column | None = None
    counterparty_account_column: Column | None = None
    value_date_column: Column | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)  # strptime formats, tried in order
    decimal_comma: bool = False  # 1234,56
    thousands_separator: str = ""  # "", ".", ",", " ", "'"
    sign: AmountSign = AmountSign.SIGNED
    debit_marks: tuple[str, ...] = ("D", "DR", "DEBIT", "S")  # direction values meaning money out

    def __post_init__(self) -> None:
        def bad(name: str, reason: str) -> ValidationError:
            return ValidationError(f"CSV profile{f' {self.name!r}' if self.name else ''}: {name}: {reason}")

        for name in ("delimiter", "quotechar"):
            value = getattr(self, name)
            if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
                raise bad(name, "must be one character (not a line break)")
        if self.delimiter == self.quotechar:
            raise bad("quotechar", "must differ from the delimiter")
        try:
            "".encode(self.encoding)
        except (LookupError, TypeError):
            raise bad("encoding", f"unknown text encoding {self.encoding!r}") from None
        for name in ("skip_rows", "skip_footer_rows"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
                raise bad(name, "must be a whole number from 0 to 1000")
        for name in ("header", "decimal_comma"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "must be true or false")
        for name in _COLUMN_FIELDS:
            value = getattr(self, name)
            if value is None and name != "date_column":
                continue
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise bad(name, "must be a column number (1 = first) or a header name")
            if isinstance(value, int) and value < 1:
                raise bad(name, "column numbers start at 1")
            if isinstance(value, str):
                if not value.strip():
                    raise bad(name, "the header name is empty")
                if not self.header:
                    raise bad(name, f"{value!r} is a header name, but the profile says the file has no header row")
        one = self.amount_column is not None
        two = self.debit_column is not None or self.credit_column is not None
        if one == two:
            raise bad("amount_column", "give either an amount column or debit and credit columns, not both or neither")
        if two and (self.debit_column is None or self.credit_column is None):
            raise bad("debit_column" if self.debit_column is None else "credit_column", "needed with the other one")
        if not isinstance(self.sign, AmountSign):
            try:
                object.__setattr__(self, "sign", AmountSign(self.sign))
            except ValueError:
                raise bad("sign", f"must be one of {', '.join(s.value for s in AmountSign)}") from None
        if self.sign is AmountSign.INDICATOR and self.direction_column is None:
            raise bad("direction_column", "needed when the sign is 'indicator'")
        if not self.date_formats or not all(isinstance(f, str) and "%" in f for f in self.date_formats):
            raise bad("date_formats", "give at least one date format such as %d.%m.%Y")
        for f in self.date_formats:
            try:
                date(2024, 1, 31).strftime(f)
            except ValueError:
                raise bad("date_formats", f"{f!r} is not a date format") from None
        if not isinstance(self.thousands_separator, str) or len(self.thousands_separator) > 1:
            raise bad("thousands_separator", "must be empty or one character")
        if self.thousands_separator and self.thousands_separator in "0123456789+-":
            raise bad("thousands_separator", f"{self.thousands_separator!r} cannot separate thousands")
        if self.thousands_separator == ("," if self.decimal_comma else "."):
            raise bad("thousands_separator", "is the same character as the decimal separator")
        if not all(isinstance(m, str) for m in self.debit_marks):
            raise bad("debit_marks", "must be a list of texts")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples as lists, the sign as its text); `from_dict` reads it back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, AmountSign):
                value = value.value
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvProfile:
        """The profile a stored dict describes; an unknown key or a wrongly typed value is named."""
        if not isinstance(data, Mapping):
            raise ValidationError("CSV profile: expected an object of settings")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"CSV profile: {unknown[0]}: not a profile setting")
        values = dict(data)
        for name in ("date_formats", "debit_marks"):
            if name in values:
                if not isinstance(values[name], list | tuple):
                    raise ValidationError(f"CSV profile: {name}: expected a list of texts")
                values[name] = tuple(values[name])
        return cls(**values)

    # -- reading ------------------------------------------------------------------------------------

    def amount_reader(self) -> Callable[[str], Decimal | None]:
        """Text to exact Decimal by this profile's separators (None when the text is not an amount).

        Accepts a leading sign, a trailing minus (12,50-) and accounting parentheses ((12.50)).
        """
        thousands = self.thousands_separator
        decimal_comma = self.decimal_comma

        def read(text: str) -> Decimal | None:
            t = text.strip().replace("\u00a0", " ")
            negative = False
            if t.startswith("(") and t.endswith(")"):
                negative, t = True, t[1:-1].strip()
            elif t.endswith("-") and len(t) > 1:
                negative, t = True, t[:-1].strip()
            if thousands:
                t = t.replace(thousands, "")
                if thousands == " ":
                    t = t.replace("\u202f", "")
            if decimal_comma:
                if "." in t:
                    return None
                t = t.replace(",", ".")
            elif "," in t:
                return None
            value = plain_amount(t)
            if value is None:
                return None
            if negative:
                if t.startswith(("-", "+")):
                    return None
                value = -value
            return value

        return read


def _column_index(value: Column | None, names: dict[str, int], field: str, source: str, line: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value - 1
    index = names.get(value.strip().casefold())
    if index is None:
        shown = ", ".join(repr(n) for n in names) or "none"
        raise StatementFileError.at(source, line, field, f"no column named {value!r} in the header (columns: {shown})")
    return index


def read_csv(data: bytes, source: str, profile: CsvProfile) -> list[ParsedStatement]:
    text = decode(data, source, profile.encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    physical = text.splitlines(keepends=True)
    first_line = profile.skip_rows + 1  # the line number of the first line handed to the csv reader
    reader = csv.reader(
        io.StringIO("".join(physical[profile.skip_rows :])),
        delimiter=profile.delimiter,
        quotechar=profile.quotechar,
        strict=True,
    )
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((first_line + reader.line_num - 1, cells))
    except csv.Error as exc:
        raise StatementFileError.at(source, first_line + reader.line_num - 1, "", f"malformed CSV: {exc}") from exc
    names: dict[str, int] = {}
    header_line = first_line
    if profile.header:
        if not rows:
            raise StatementFileError.at(source, 0, "", f"no header row after the {profile.skip_rows} skipped lines")
        header_line, header = rows.pop(0)
        names = {cell.strip().casefold(): i for i, cell in enumerate(header) if cell.strip()}
    if profile.skip_footer_rows:
        rows = rows[: max(0, len(rows) - profile.skip_footer_rows)]
    if not rows:
        raise StatementFileError.at(source, 0, "", "no transaction rows in the file")

    idx = {name: _column_index(getattr(profile, name), names, name, source, header_line) for name in _COLUMN_FIELDS}
    parsers = [date_parser(f) for f in profile.date_formats]
    formats = " or ".join(profile.date_formats)
    amount_of = profile.amount_reader()
    debit_marks = {m.strip().casefold() for m in profile.debit_marks}
    problems = Problems(source)
    lines: list[StatementLine] = []

    def label(field: str) -> str:
        value = getattr(profile, field)
        return value if isinstance(value, str) else f"{field.removesuffix('_column')} (column {value})"

    def read_date(cell: str, field: str, line: int) -> date | None:
        for parse in parsers:
            got = parse(cell)
            if got is not None:
                return got
        problems.add(line, label(field), f"{cell!r} is not a date in the form {formats}")
        return None

    width = max(i for i in idx.values() if i is not None) + 1
    # the text columns as (field, index) pairs, read the same way on every row
    texts = [
        (keyword, idx[f"{keyword}_column"])
        for keyword in ("description", "reference", "bank_id", "counterparty", "counterparty_account")
        if idx[f"{keyword}_column"] is not None
    ]
    if profile.sign is AmountSign.INDICATOR:
        texts.append(("kind", idx["direction_column"]))
    i_date, i_value = idx["date_column"], idx["value_date_column"]
    i_amount, i_debit, i_credit, i_dir = (
        idx["amount_column"],
        idx["debit_column"],
        idx["credit_column"],
        idx["direction_column"],
    )
    sign = profile.sign
    hint = _amount_hint(profile)
    zero = Decimal(0)
    for line, cells in rows:
        if len(cells) < width:
            problems.add(line, "", f"the row has {len(cells)} columns, the profile needs {width} (cut short?)")
            continue
        raw_date = cells[i_date].strip()
        booked = read_date(raw_date, "date_column", line) if raw_date else None
        if not raw_date:
            problems.add(line, label("date_column"), "missing date")
        value_date = None
        if i_value is not None:
            raw_value = cells[i_value].strip()
            value_date = read_date(raw_value, "value_date_column", line) if raw_value else None
        amount: Decimal | None
        if i_amount is not None:
            raw = cells[i_amount]
            amount = amount_of(raw)
            if amount is None:
                problems.add(line, label("amount_column"), f"{raw.strip()!r} is not an amount{hint}")
            elif sign is AmountSign.INVERTED:
                amount = -amount
            elif sign is AmountSign.INDICATOR:
                amount = -abs(amount) if cells[i_dir].strip().casefold() in debit_marks else abs(amount)
        else:
            raw_debit, raw_credit = cells[i_debit].strip(), cells[i_credit].strip()
            debit = amount_of(raw_debit) if raw_debit else zero
            credit = amount_of(raw_credit) if raw_credit else zero
            amount = None
            if not raw_debit and not raw_credit:
                problems.add(line, label("debit_column"), "neither a debit nor a credit amount")
            elif debit is None:
                problems.add(line, label("debit_column"), f"{raw_debit!r} is not an amount{hint}")
            elif credit is None:
                problems.add(line, label("credit_column"), f"{raw_credit!r} is not an amount{hint}")
            else:
                amount = abs(credit) - abs(debit)
        if booked is None or amount is None:
            continue
        extra = {keyword: cells[i].strip() for keyword, i in texts}
        lines.append(StatementLine(booked=booked, amount=amount, value_date=value_date, row=line, **extra))
    problems.raise_if_any()
    return [
        ParsedStatement(
            format="csv",
            source=source,
            start=min(line.booked for line in lines),
            end=max(line.booked for line in lines),
            lines=tuple(lines),
        )
    ]


def _amount_hint(profile: CsvProfile) -> str:
    decimal = "," if profile.decimal_comma else "."
    example = f"1{profile.thousands_separator}234{decimal}56"
    return f" (this profile expects amounts like {example})"
