"""Bank statement files: OFX/QFX, ISO 20022 CAMT, SWIFT MT940 and CSV (through a per-bank profile).

`read_statement_file` finds the format from the file's content, never its extension (banks name
files .txt, .sta, .xml or .dat at will), and returns one `ParsedStatement` per account in the file.
Any problem raises `StatementFileError` naming the file and the place; nothing is half-read.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paksa_desktop.banking.formats.camt import camt_kind, read_camt
from paksa_desktop.banking.formats.common import MAX_FILE_BYTES, StatementFileError, read_bytes
from paksa_desktop.banking.formats.csv_profile import AmountSign, CsvProfile, read_csv
from paksa_desktop.banking.formats.mt940 import looks_like_mt940, read_mt940
from paksa_desktop.banking.formats.ofx import looks_like_ofx, read_ofx
from paksa_desktop.banking.statement_data import ParsedStatement

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "AmountSign",
    "CsvProfile",
    "StatementFileError",
    "detect_format",
    "read_statement_file",
]

FORMATS = ("ofx", "camt.053", "camt.052", "camt.054", "mt940", "csv")


def _head_text(data: bytes) -> str:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf \t\r\n")


def _looks_like_xml(head: str) -> bool:
    """An XML declaration, or a first line that is a tag: a CSV whose first cell starts with "<" is not XML."""
    first = head.split("\n", 1)[0].strip()
    return first.startswith("<?xml") or (first.startswith("<") and first.endswith(">"))


def _detect(data: bytes, source: str) -> str:
    head = _head_text(data)
    if head.startswith("%PDF"):
        raise StatementFileError.at(source, 0, "", "this is a PDF; download the statement as OFX, CAMT, MT940 or CSV")
    if head.startswith("PK\x03\x04"):
        raise StatementFileError.at(
            source, 0, "", "this is a zip archive or an Excel/Office file; unpack it or save the sheet as CSV"
        )
    if looks_like_ofx(head):
        return "ofx"
    if _looks_like_xml(head):
        kind = camt_kind(head)
        if kind:
            return kind
        raise StatementFileError.at(source, 0, "", "an XML file that is neither a CAMT (ISO 20022) statement nor OFX")
    if looks_like_mt940(head):
        return "mt940"
    if "\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StatementFileError.at(source, 0, "", "the file is binary, not a bank statement Paksa reads")
    return "csv"


def detect_format(path: str | os.PathLike[str]) -> str:
    """One of FORMATS, from the content: 'csv' for any other text (it then needs a CsvProfile)."""
    return _detect(read_bytes(path), Path(path).name)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read: building 50,000 lines (and, for XML,
    a tree of a million elements) otherwise triggers repeated full collections that find nothing to
    free and cost a quarter of the reading time. Nothing read here forms reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_statement_file(path: str | os.PathLike[str], profile: CsvProfile | None = None) -> list[ParsedStatement]:
    """Every statement in the file (one per account), or StatementFileError naming file and place."""
    source = Path(path).name
    data = read_bytes(path)
    with _collector_paused():
        return _read(data, source, profile)


def _read(data: bytes, source: str, profile: CsvProfile | None) -> list[ParsedStatement]:
    kind = _detect(data, source)
    if kind == "ofx":
        return read_ofx(data, source)
    if kind.startswith("camt"):
        return read_camt(data, source)
    if kind == "mt940":
        return read_mt940(data, source)
    if profile is None:
        raise StatementFileError.at(
            source,
            0,
            "",
            "not OFX, CAMT or MT940; if it is your bank's CSV export, choose or set up the bank's CSV profile",
        )
    return read_csv(data, source, profile)
