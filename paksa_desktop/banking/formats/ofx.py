"""OFX bank and credit-card statements: OFX 1.x (SGML, `OFXHEADER:100`), OFX 2.x (XML) and Quicken's QFX.

Written here rather than with `ofxtools`: ofxtools validates every aggregate against the full OFX
schema and refuses the many real bank files that leave out a required element (a missing SONRS or
LEDGERBAL), builds typed model objects for every element (slow on 50,000 transactions), and parses
OFX 2 through the standard library's unhardened XML. A statement needs a dozen elements; both
dialects are brought to one ElementTree (SGML by a small tokenizer that closes leaf elements itself,
XML through defusedxml) and read by the same code.

Read: every `STMTRS` (bank) and `CCSTMTRS` (credit card) response, each a `ParsedStatement` with the
account (`ACCTID`), `CURDEF`, `BANKTRANLIST` `DTSTART`/`DTEND`, closing balance `LEDGERBAL/BALAMT`
and each `STMTTRN`: `TRNTYPE`, `DTPOSTED`, `DTAVAIL`, `TRNAMT`, `FITID`, `REFNUM`/`CHECKNUM`, `NAME`
(or `PAYEE/NAME`), `MEMO`, `BANKACCTTO/ACCTID`. OFX states no opening balance; QFX's Intuit tags are
ignored.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement

from paksa_desktop.banking.formats.common import Problems, StatementFileError, decode
from paksa_desktop.banking.formats.xmlsafe import parse_xml
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine

_TOKEN = re.compile(r"<(/?)([A-Za-z0-9_.]+)[^>]*>([^<]*)")
_HEADER_LINE = re.compile(r"([A-Z]+):(.*)")
_AMOUNT = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_LINE_ATTR = "_line"
# aggregates a statement reader needs to nest correctly even when the file is cut before their end tag
_AGGREGATES = frozenset(
    [
        "OFX",
        "SIGNONMSGSRSV1",
        "SONRS",
        "STATUS",
        "FI",
        "BANKMSGSRSV1",
        "STMTTRNRS",
        "STMTRS",
        "BANKACCTFROM",
        "BANKACCTTO",
        "BANKTRANLIST",
        "STMTTRN",
        "PAYEE",
        "CURRENCY",
        "ORIGCURRENCY",
        "LEDGERBAL",
        "AVAILBAL",
        "BALLIST",
        "BAL",
        "CREDITCARDMSGSRSV1",
        "CCSTMTTRNRS",
        "CCSTMTRS",
        "CCACCTFROM",
        "CCACCTTO",
    ]
)


def looks_like_ofx(head: str) -> bool:
    text = head.lstrip()
    if text.startswith("OFXHEADER"):
        return True
    upper = text.upper()
    return text.startswith("<") and ("<OFX>" in upper or "<?OFX" in upper)


def _sgml_header(text: str, source: str) -> tuple[dict[str, str], int]:
    """The `KEY:VALUE` header lines of OFX 1.x and where the body (`<OFX>`) starts."""
    start = text.find("<")
    if start < 0:
        raise StatementFileError.at(source, 0, "OFX", "no <OFX> element: the file is not OFX or is cut short")
    header: dict[str, str] = {}
    for line in text[:start].splitlines():
        m = _HEADER_LINE.match(line.strip())
        if m:
            header[m.group(1)] = m.group(2).strip()
    return header, start


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _fields(el: Element) -> dict[str, str]:
    """An aggregate's leaf values by tag, nested ones as 'PAYEE/NAME': one pass instead of a find each."""
    out: dict[str, str] = {}
    for child in el:
        if len(child):
            for leaf in child:
                if leaf.text:
                    out.setdefault(f"{child.tag}/{leaf.tag}", leaf.text.strip())
        elif child.text:
            out.setdefault(child.tag, child.text.strip())
    return out


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&")


def _sgml_tree(text: str, offset: int, source: str) -> Element:
    """OFX 1.x SGML as an element tree. Leaf elements (a value after the tag) need no end tag;
    aggregates must be closed; an end tag closes every leaf-less element opened after its own.

    Tokens come from one `findall` (tuples, no match objects); the line of each <STMTTRN> (the row
    in messages) from a separate scan, and the place of an error by scanning again up to it."""
    root = Element("SGML")
    stack: list[Element] = [root]
    names: list[str] = ["SGML"]
    opened_at: list[int] = [0]  # token numbers, turned into lines only for a message
    last_leaf = ""
    # a tag with no value is an aggregate only if the file closes it somewhere; otherwise it is an
    # empty leaf (`<MEMO>` with nothing after it), which real bank files do send
    closed = _AGGREGATES | {n.upper() for n in re.findall(r"</([A-Za-z0-9_.]+)", text)}
    trn_lines = iter(_tag_lines(text, offset, "STMTTRN"))
    tokens = _TOKEN.findall(text, offset)
    for number, (closing, name, value) in enumerate(tokens):
        name = name.upper()
        if closing:
            if name in names:
                depth = len(names) - 1 - names[::-1].index(name)
                del stack[depth:], names[depth:], opened_at[depth:]
                if len(stack) == 1:
                    break
            elif name != last_leaf:
                line = _token_line(text, offset, number)
                raise StatementFileError.at(source, line, f"</{name}>", "end tag without its start tag")
            continue
        value = value.strip()
        el = SubElement(stack[-1], name)
        if value or name not in closed:
            el.text = _unescape(value) if "&" in value else value
            last_leaf = name
        else:
            if name == "STMTTRN":
                el.set(_LINE_ATTR, str(next(trn_lines, 0)))
            stack.append(el)
            names.append(name)
            opened_at.append(number)
    if len(stack) > 1:
        raise StatementFileError.at(
            source,
            _token_line(text, offset, opened_at[-1]),
            f"<{names[-1]}>",
            "never closed: the file is cut short or malformed",
        )
    return root


def _tag_lines(text: str, offset: int, name: str) -> list[int]:
    """The line of every start tag `<name>` from `offset` on, in order (one pass, counting as it goes)."""
    lines: list[int] = []
    line, position = text.count("\n", 0, offset) + 1, offset
    for m in re.compile(f"<{name}>", re.IGNORECASE).finditer(text, offset):
        line += text.count("\n", position, m.start())
        position = m.start()
        lines.append(line)
    return lines


def _token_line(text: str, offset: int, number: int) -> int:
    """The line where token `number` (counted from `offset`) starts: for messages only."""
    for i, m in enumerate(_TOKEN.finditer(text, offset)):
        if i == number:
            return _line_at(text, m.start())
    return _line_at(text, len(text))


def _tree(data: bytes, source: str) -> Element:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return parse_xml(data, source)
    # OFX 1.x: the header says the charset; try it, then UTF-8, then cp1252 (what Windows software sends)
    ascii_head = data[:2048].decode("ascii", errors="replace")
    header, _ = _sgml_header(ascii_head, source)
    declared = header.get("CHARSET", "")
    if header.get("ENCODING", "").upper().replace("-", "") == "UTF8":
        declared = "utf-8"
    text = decode(data, source, declared)
    _, start = _sgml_header(text, source)
    return _sgml_tree(text, start, source)


def _date(text: str) -> date | None:
    """OFX date-time `YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]]`: the calendar date as the bank wrote it."""
    if len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _text(el: Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return found.text.strip() if found is not None and found.text else ""


def read_ofx(data: bytes, source: str) -> list[ParsedStatement]:
    root = _tree(data, source)
    problems = Problems(source)
    statements: list[ParsedStatement] = []
    responses = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
    if not responses:
        status = root.find(".//STATUS")
        message = _text(status, "MESSAGE")
        if status is not None and _text(status, "CODE") not in ("", "0"):
            raise StatementFileError.at(
                source, 0, "STATUS", f"the bank reported error {_text(status, 'CODE')} {message}".strip()
            )
        raise StatementFileError.at(source, 0, "OFX", "no bank or credit-card statement (STMTRS) in the file")
    entry = 0
    for rs in responses:
        account = _text(rs, "BANKACCTFROM/ACCTID") or _text(rs, "CCACCTFROM/ACCTID")
        currency = _text(rs, "CURDEF")
        tranlist = rs.find("BANKTRANLIST")
        lines: list[StatementLine] = []
        for trn in tranlist.findall("STMTTRN") if tranlist is not None else []:
            entry += 1
            line = int(trn.get(_LINE_ATTR, "0"))
            row, place = (line, "STMTTRN") if line else (0, f"STMTTRN {entry}")
            t = _fields(trn)
            get = t.get
            posted_text = get("DTPOSTED", "")
            posted = _date(posted_text)
            if posted is None:
                problems.add(row, f"{place} DTPOSTED", f"{posted_text!r} is not a date (YYYYMMDD)")
            amount_text = get("TRNAMT", "")
            if not _AMOUNT.fullmatch(amount_text):
                problems.add(row, f"{place} TRNAMT", f"{amount_text!r} is not an amount (e.g. -1234.56)")
                continue
            if posted is None:
                continue
            name = get("NAME") or get("PAYEE/NAME", "")
            available = get("DTAVAIL")
            lines.append(
                StatementLine(
                    booked=posted,
                    amount=Decimal(amount_text.replace(",", ".")),
                    description=get("MEMO") or name,
                    reference=get("REFNUM") or get("CHECKNUM", ""),
                    bank_id=get("FITID", ""),
                    value_date=_date(available) if available else None,
                    counterparty=name,
                    counterparty_account=get("BANKACCTTO/ACCTID") or get("CCACCTTO/ACCTID", ""),
                    kind=get("TRNTYPE", ""),
                    row=line or entry,
                )
            )
        closing = None
        balance_text = _text(rs, "LEDGERBAL/BALAMT")
        if balance_text:
            if _AMOUNT.fullmatch(balance_text):
                closing = Decimal(balance_text.replace(",", "."))
            else:
                problems.add(0, "LEDGERBAL BALAMT", f"{balance_text!r} is not an amount")
        statements.append(
            ParsedStatement(
                format="ofx",
                source=source,
                account=account,
                currency=currency,
                statement_id="",
                start=_date(_text(tranlist, "DTSTART")),
                end=_date(_text(tranlist, "DTEND")),
                opening=None,
                closing=closing,
                lines=tuple(lines),
            )
        )
    problems.raise_if_any()
    return statements
