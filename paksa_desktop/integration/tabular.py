"""Read and write the CSV and Excel files users exchange with other tools.

Reading streams row by row (memory does not grow with the file) and reports problems with the
file, sheet, row and column they are in. Writing neutralises text that a spreadsheet would run as a
formula and that the reader turns back into the original text, so exports re-import exactly.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from paksa_desktop.core.errors import ImportFileError, RowError, ValidationError

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def file_format(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValidationError(f"{path.name}: unsupported file type '{fmt or '(none)'}'; use .csv or .xlsx")
    return fmt


def escape_text(text: str) -> str:
    """Prefix text a spreadsheet would treat as a formula with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape_text(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r'":
        return text[1:]
    return text


@dataclass(frozen=True, slots=True)
class Table:
    """An open input file: its name for messages, column positions, and a stream of rows."""

    source: str
    columns: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]  # (row number in the file, cell texts)
    total: int  # progress units: bytes for CSV, rows for Excel
    position: Callable[[], int]


def open_table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Table:
    """Open a CSV (UTF-8) or the first sheet of an xlsx and check its header row."""
    path = Path(path)
    fmt = file_format(path)
    if not path.exists():
        raise ImportFileError([RowError(str(path), 0, "", "file not found")])
    if path.stat().st_size == 0:
        raise ImportFileError([RowError(path.name, 0, "", "the file is empty (0 bytes)")])
    return _open_csv(path, required, optional) if fmt == "csv" else _open_xlsx(path, required, optional)


def _check_header(source: str, header: list[str], required: Sequence[str], optional: Sequence[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    while names and not names[-1]:
        names.pop()
    errors = []
    known = set(required) | set(optional)
    for name in names:
        if name not in known:
            errors.append(
                RowError(
                    source,
                    1,
                    name or "(blank)",
                    f"unknown column; expected {', '.join(required)}"
                    + (f" and optionally {', '.join(optional)}" if optional else ""),
                )
            )
    for name in required:
        if name not in names:
            errors.append(RowError(source, 1, name, "required column is missing"))
    duplicates = {n for n in names if names.count(n) > 1}
    errors.extend(RowError(source, 1, n, "column appears more than once") for n in sorted(duplicates))
    if errors:
        raise ImportFileError(errors)
    return {name: i for i, name in enumerate(names)}


def _not_utf8(path: Path) -> ImportFileError:
    """Name the first line that is not UTF-8 (only on this error path is the file read line by line)."""
    bad_line = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_line = number
                break
    return ImportFileError(
        [RowError(path.name, bad_line, "", "the file is not UTF-8 text; save it as 'CSV UTF-8' and try again")]
    )


def _open_csv(path: Path, required: Sequence[str], optional: Sequence[str]) -> Table:
    # Decoding and CSV parsing both run in C; a BOM is dropped by utf-8-sig.
    handle: IO[str] = path.open("r", encoding="utf-8-sig", newline="")
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise ImportFileError([RowError(path.name, 0, "", "the file has no header row")]) from None
    except UnicodeDecodeError:
        handle.close()
        raise _not_utf8(path) from None
    except csv.Error as exc:
        handle.close()
        raise ImportFileError([RowError(path.name, 1, "", f"not a valid CSV file ({exc})")]) from None
    columns = _check_header(path.name, header, required, optional)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise _not_utf8(path) from None
                except csv.Error as exc:
                    raise ImportFileError(
                        [RowError(path.name, reader.line_num, "", f"malformed CSV ({exc})")]
                    ) from None
                if (cells and cells[0]) or any(c.strip() for c in cells):  # skip blank rows
                    yield reader.line_num, cells
        finally:
            handle.close()

    return Table(
        path.name,
        columns,
        rows(),
        path.stat().st_size,
        lambda: handle.buffer.tell() if not handle.closed else path.stat().st_size,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores numbers as binary floats; the shortest repr is the number the user typed.
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text.removesuffix(".0")
    return str(value)


def _open_xlsx(path: Path, required: Sequence[str], optional: Sequence[str]) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError([RowError(path.name, 0, "", f"not a valid Excel .xlsx workbook ({exc})")]) from None
    sheet = workbook.worksheets[0]
    source = f"{path.name}[{sheet.title}]"
    raw_rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(v) for v in next(raw_rows)]
    except StopIteration:
        workbook.close()
        raise ImportFileError([RowError(source, 0, "", "the first sheet is empty")]) from None
    columns = _check_header(source, header, required, optional)
    done = [1]
    total = sheet.max_row or 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(raw_rows, start=2):
                done[0] = number
                cells = [_cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    yield number, cells
        finally:
            workbook.close()

    return Table(source, columns, rows(), total, lambda: done[0])


def _xlsx_text(text: str) -> str:
    """Line breaks as LF: XML turns a stored CR into LF on reading, which would orphan an escape."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def write_table(
    path: Path,
    headers: Sequence[str],
    rows: Iterator[Sequence[Any]] | Sequence[Sequence[Any]],
    *,
    fmt: str | None = None,
    sheet: str = "Sheet1",
) -> int:
    """Write rows to CSV (UTF-8, text) or xlsx (numbers stay numbers; line breaks as LF); returns the row count."""
    path = Path(path)
    kind = file_format(path, fmt)
    count = 0
    if kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(headers)
            for row in rows:
                writer.writerow(["" if v is None else escape_text(v) if isinstance(v, str) else str(v) for v in row])
                count += 1
        return count
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet(sheet[:31])
    ws.append(list(headers))
    for row in rows:
        ws.append([escape_text(_xlsx_text(v)) if isinstance(v, str) else v for v in row])
        count += 1
    workbook.save(path)
    return count
