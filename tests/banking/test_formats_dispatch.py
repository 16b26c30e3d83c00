"""Finding the format from the content, and files refused as a whole before any reading."""

from __future__ import annotations

import pytest

from paksa_desktop.banking.formats import MAX_FILE_BYTES, StatementFileError, detect_format, read_statement_file
from tests.banking.formats_helpers import FILES


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("camt053_two_accounts.xml", "camt.053"),
        ("camt052_report.xml", "camt.052"),
        ("camt054_notice.xml", "camt.054"),
        ("ofx1_sgml_cp1252.ofx", "ofx"),
        ("ofx2_creditcard.qfx", "ofx"),
        ("mt940_two_accounts.sta", "mt940"),
        ("csv_two_columns.csv", "csv"),
        ("csv_indicator_no_header.txt", "csv"),
    ],
)
def test_detect_format_by_content(name: str, kind: str, tmp_path) -> None:
    # the extension says nothing: the same bytes under a misleading name are detected alike
    copy = tmp_path / "statement.dat"
    copy.write_bytes((FILES / name).read_bytes())
    assert detect_format(FILES / name) == kind
    assert detect_format(copy) == kind


def _error(path) -> str:
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(path)
    return str(caught.value)


def test_wrong_format_files(tmp_path) -> None:
    assert _error(FILES / "statement.pdf") == (
        "statement.pdf: this is a PDF; download the statement as OFX, CAMT, MT940 or CSV"
    )
    xlsx = tmp_path / "export.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00rest of a zip")
    assert "zip archive or an Excel/Office file" in _error(xlsx)
    binary = tmp_path / "image.ofx"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _error(binary) == "image.ofx: the file is binary, not a bank statement Paksa reads"
    assert "choose or set up the bank's CSV profile" in _error(FILES / "csv_two_columns.csv")


def test_empty_missing_and_huge_files(tmp_path) -> None:
    empty = tmp_path / "empty.sta"
    empty.write_bytes(b"\r\n  \n")
    assert _error(empty) == "empty.sta: the file is empty"
    assert _error(tmp_path / "nowhere.xml").startswith("nowhere.xml: cannot open the file")
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as f:  # sparse: takes no disk space, and is refused before any byte is read
        f.truncate(MAX_FILE_BYTES + 1)
    assert _error(huge) == (
        "huge.xml: the file is 200 MB; statements over 200 MB are refused (split it by date range at the bank)"
    )


def test_wrong_encoding_named_with_its_line(tmp_path) -> None:
    path = tmp_path / "bad.sta"
    # 0x81 is undefined in cp1252 and invalid UTF-8: no encoding Paksa tries reads it
    path.write_bytes(b":20:X\n:25:1\n:60F:C240101EUR0,00\n:86:abc\x81\n")
    assert _error(path) == ("bad.sta:4: encoding: byte 0x81 is not text in utf-8-sig, cp1252; save the file as UTF-8")


def test_csv_with_times_or_markup_in_its_text_stays_csv(tmp_path) -> None:
    path = tmp_path / "times.csv"
    path.write_text("Date,Time,Text,Amount\n2024-01-01,10:20:25,<OFX> in a memo :25:,1.00\n")
    assert detect_format(path) == "csv"
