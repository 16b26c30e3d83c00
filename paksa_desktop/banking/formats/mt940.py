"""SWIFT MT940 customer statements (and the bank exports that follow its field layout).

Written here rather than with the `mt-940` package: that package returns its own models with
floats-or-Decimal amounts depending on processors, and reports bad fields without the line number;
the format is small (one tag per line, a regular :61: line), and a direct reader names the line of
every problem and reads 50,000 lines in well under a second.

Layout read: optional SWIFT envelope blocks `{1:...}{2:...}{4:` ... `-}`; per statement `:20:`
reference, `:25:` account, `:28C:` statement number, `:60F:`/`:60M:` opening balance, `:61:` lines each
followed by an optional `:86:` information field, `:62F:`/`:62M:` closing balance, then optional
`:64:`, `:65:` and a statement-level `:86:`. Several statements (several accounts) may follow each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from paksa_desktop.banking.formats.common import Problems, StatementFileError, decode
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine

_TAG = re.compile(r":(\d{2}[A-Z]?):")
_BALANCE = re.compile(r"([CD])(\d{6})([A-Z]{3})(\d+,\d*)")
_LINE = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D|EC|ED)(?P<funds>[A-Z])?(?P<amount>\d+,\d*)"
    r"(?P<type>[A-Z][A-Z0-9]{3})(?P<ref>.*?)(?://(?P<bankref>.*))?"
)
_SLASH_FIELDS = re.compile(r"/([A-Z]{2,4})/")
_QUESTION_FIELDS = re.compile(r"\?(\d{2})")
_SEPA_KEYS = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")


@dataclass
class _Tag:
    name: str
    text: str
    line: int


@dataclass
class _Draft:
    reference: str = ""
    line: int = 0
    account: str = ""
    number: str = ""
    currency: str = ""
    start: date | None = None
    end: date | None = None
    opening: Decimal | None = None
    closing: Decimal | None = None
    lines: list[StatementLine] = field(default_factory=list)


def looks_like_mt940(head: str) -> bool:
    text = head.lstrip()
    if text.startswith("{1:"):
        return ":20:" in text or "{4:" in text
    # a line starting with the statement's ':20:' reference and one with its ':25:' account (a CSV with
    # times such as 10:20:25 in it has neither at a line start)
    return bool(re.search(r"^:20:", text, re.M) and re.search(r"^:25:", text, re.M))


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _yymmdd(text: str) -> date:
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))


def _tags(text: str, source: str) -> list[_Tag]:
    """The file's fields in order, continuation lines joined to their tag with newlines."""
    tags: list[_Tag] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("{"):  # SWIFT envelope: the text block starts after "{4:"
            at = line.find("{4:")
            if at < 0:
                continue
            line = line[at + 3 :]
            if not line:
                continue
        if line in ("-}", "-", "}") or line.startswith("-}"):
            continue
        m = _TAG.match(line)
        if m:
            tags.append(_Tag(m.group(1), line[m.end() :], number))
        elif tags:
            tags[-1].text += "\n" + line
        else:
            found = line[:30]
            raise StatementFileError.at(source, number, "", f"expected an MT940 field such as ':20:', found {found!r}")
    return tags


def _info(text: str) -> tuple[str, str, str, str]:
    """(description, reference, counterparty, counterparty account) from a :86: field.

    Two common structures are read: the SEPA '/NAME/.../REMI/...' form and the German '?20...?32...'
    subfields; anything else is the description as written.
    """
    flat = text.replace("\n", "")
    if re.match(r"(\d{3})?\?\d\d", flat):
        parts: dict[str, str] = {}
        pieces = _QUESTION_FIELDS.split(flat)
        for code, value in zip(pieces[1::2], pieces[2::2], strict=False):
            parts[code] = parts.get(code, "") + value
        purpose = "".join(parts.get(f"{n}", "") for n in (*range(20, 30), *range(60, 64)))
        keys = _SEPA_KEYS.split(purpose)
        keyed = dict(zip(keys[1::2], keys[2::2], strict=False))
        description = keyed.get("SVWZ", "") if keyed else purpose
        reference = keyed.get("EREF", "")
        if reference == "NOTPROVIDED":
            reference = ""
        counterparty = (parts.get("32", "") + parts.get("33", "")).strip()
        account = parts.get("31", "").strip()
        return (description or parts.get("00", "")).strip(), reference.strip(), counterparty, account
    if flat.startswith("/") and _SLASH_FIELDS.match(flat):
        pieces = _SLASH_FIELDS.split(flat)
        fields: dict[str, str] = {}
        for code, value in zip(pieces[1::2], pieces[2::2], strict=False):
            fields.setdefault(code, value.strip())
        description = fields.get("REMI", "") or fields.get("TRTP", "")
        account = fields.get("IBAN", "") or fields.get("CNTP", "").split("/")[0]
        return description, fields.get("EREF", ""), fields.get("NAME", ""), account
    return " ".join(part.strip() for part in text.split("\n")).strip(), "", "", ""


def read_mt940(data: bytes, source: str) -> list[ParsedStatement]:
    text = decode(data, source)
    tags = _tags(text, source)
    problems = Problems(source)
    drafts: list[_Draft] = []
    current: _Draft | None = None
    pending: dict[str, Any] | None = None  # a :61: line whose :86: may still follow

    def flush() -> None:
        nonlocal pending
        if pending is not None and current is not None:
            current.lines.append(StatementLine(**pending))
        pending = None

    for tag in tags:
        name, value, row = tag.name, tag.text, tag.line
        if name == "20":
            flush()
            if current is not None and current.closing is None:
                problems.add(current.line, "field 62F", "the statement before this one has no closing balance")
            current = _Draft(reference=value.strip(), line=row)
            drafts.append(current)
            continue
        if current is None:
            raise StatementFileError.at(source, row, f"field {name}", "field before the statement's ':20:' reference")
        if name == "25":
            current.account = value.strip()
        elif name == "28C" or name == "28":
            current.number = value.strip()
        elif name in ("60F", "60M", "62F", "62M"):
            flush()
            m = _BALANCE.fullmatch(value.strip())
            if m is None:
                problems.add(row, f"field {name}", f"{value.strip()!r} is not a balance (e.g. C240131EUR1234,56)")
                continue
            try:
                when = _yymmdd(m.group(2))
            except ValueError:
                problems.add(row, f"field {name}", f"{m.group(2)!r} is not a date (YYMMDD)")
                continue
            amount = _amount(m.group(4))
            if m.group(1) == "D":
                amount = -amount
            if name.startswith("60"):
                current.opening, current.start, current.currency = amount, when, m.group(3)
            else:
                current.closing, current.end = amount, when
                if current.currency and m.group(3) != current.currency:
                    problems.add(
                        row, f"field {name}", f"closing balance in {m.group(3)}, opening in {current.currency}"
                    )
        elif name == "61":
            flush()
            pending = _statement_line(value, row, problems)
        elif name == "86" and pending is not None:
            description, reference, counterparty, account = _info(value)
            if description:
                pending["description"] = description
            if reference:
                pending["reference"] = reference
            pending["counterparty"] = counterparty
            pending["counterparty_account"] = account
            flush()
        # :21:, :64:, :65:, :34F:, :13D:, ... carry nothing a statement line needs
    flush()
    if not drafts:
        raise StatementFileError.at(source, 0, "", "no MT940 statement (':20:' field) in the file")
    last = drafts[-1]
    if last.closing is None:
        problems.add(
            tags[-1].line, "field 62F", "the statement ends without its closing balance (the file may be cut short)"
        )
    for d in drafts:
        if d.opening is None:
            problems.add(d.line, "field 60F", f"statement {d.reference!r} has no opening balance")
    problems.raise_if_any()
    return [
        ParsedStatement(
            format="mt940",
            source=source,
            account=d.account,
            currency=d.currency,
            statement_id=d.number or d.reference,
            start=d.start,
            end=d.end,
            opening=d.opening,
            closing=d.closing,
            lines=tuple(d.lines),
        )
        for d in drafts
    ]


def _statement_line(value: str, row: int, problems: Problems) -> dict[str, Any] | None:
    """The fields of a :61: line, as keywords of a StatementLine (its :86: may still add to them)."""
    first, _, supplementary = value.partition("\n")
    m = _LINE.fullmatch(first.strip())
    if m is None:
        problems.add(
            row, "field 61", f"{first.strip()!r} is not a statement line (YYMMDD[MMDD] C|D amount type reference)"
        )
        return None
    try:
        value_date = _yymmdd(m["value"])
    except ValueError:
        problems.add(row, "field 61", f"{m['value']!r} is not a date (YYMMDD)")
        return None
    booked = value_date
    if m["entry"]:
        month, day = int(m["entry"][:2]), int(m["entry"][2:])
        year = value_date.year
        # an entry date in January for a December value date belongs to the next year, and back
        if month == 1 and value_date.month == 12:
            year += 1
        elif month == 12 and value_date.month == 1:
            year -= 1
        try:
            booked = date(year, month, day)
        except ValueError:
            problems.add(row, "field 61", f"entry date {m['entry']!r} is not a date (MMDD)")
            return None
    amount = _amount(m["amount"])
    if m["mark"] in ("D", "RC", "ED"):  # debit, or reversal of a credit
        amount = -amount
    reference = m["ref"].strip()
    if reference.upper() == "NONREF":
        reference = ""
    return {
        "booked": booked,
        "amount": amount,
        "description": supplementary.strip(),
        "reference": reference,
        "bank_id": (m["bankref"] or "").strip(),
        "value_date": value_date,
        "kind": m["type"],
        "row": row,
    }
