"""Journal and chart files at the service level: all or nothing, grouping, dimensions, exact round trips."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from paksa_desktop.core.errors import Cancelled, ImportFileError, RowError
from paksa_desktop.ledger.export_journal import export_journal_file
from paksa_desktop.ledger.import_accounts import import_accounts_file
from paksa_desktop.ledger.import_journal import import_journal_file
from paksa_desktop.ledger.queries import EntryFilter
from tests.conftest import Books
from tests.ledger.helpers import entry, line

HEADER = "entry,date,account,debit,credit,memo,department,project\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def dimensions(books: Books) -> Books:
    books.ledger.create_department("SALES", "Sales")
    books.ledger.create_department("OPS", "Operations")
    books.ledger.create_project("WEB", "Website")
    return books


def lines_of(books: Books, entry_id: int) -> list[tuple[str, Decimal, Decimal, str, str, str]]:
    return [
        (ln.account_code, ln.debit, ln.credit, ln.memo, ln.department, ln.project)
        for ln in books.queries.entry(entry_id).lines
    ]


def test_all_or_nothing_lists_every_error(books: Books, tmp_path: Path) -> None:
    good = "".join(f"{n},2024-03-0{n},1100,{n}.00,,,,\n{n},2024-03-0{n},4010,,{n}.00,,,\n" for n in range(1, 6))
    path = write(
        tmp_path / "j.csv",
        HEADER
        + good
        + "6,2024-03-06,1100,1.00,,,,\n6,2024-03-06,4010,,2.00,,,\n"
        + "7,2024-03-07,1100,x,,,,\n7,2024-03-07,4010,,1.00,,NOPE,\n"
        + "8,2024-03-08,1100,1.00,,,,\n8,2024-03-08,2999,,1.00,,,\n",
    )
    with pytest.raises(ImportFileError) as caught:
        import_journal_file(books.ledger, path)
    assert caught.value.errors == [
        RowError(
            "j.csv",
            12,
            "entry",
            "entry '6' is out of balance by -1.00 (debits 1.00, credits 2.00); "
            "the lines of one entry must be consecutive rows",
        ),
        RowError("j.csv", 14, "debit", "'x' is not a decimal amount (use digits and '.', e.g. 1234.50)"),
        RowError("j.csv", 15, "department", "unknown department 'NOPE'"),
        RowError("j.csv", 17, "account", "unknown account '2999'"),
    ]
    assert books.queries.count_entries() == 0
    assert books.queries.trial_balance().rows == ()


def test_entries_are_runs_of_consecutive_rows(books: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path / "j.csv",
        HEADER
        + "A,2024-03-01,1100,10.00,,first A,,\n"
        + "A,2024-03-01,4010,,10.00,,,\n"
        + "B,2024-03-02,6100,4.00,,B,,\n"
        + "B,2024-03-02,1100,,4.00,,,\n"
        + "A,2024-03-03,6130,1.00,,second A,,\n"
        + "A,2024-03-03,1100,,1.00,,,\n",
    )
    result, changes = import_journal_file(books.ledger, path)
    assert (result.entries, result.lines) == (3, 6)
    assert "entries" in changes
    rows = sorted(books.queries.entries(), key=lambda e: e.number)
    assert [(e.number, e.reference, e.memo, e.date) for e in rows] == [
        ("GEN-2024-000001", "A", "first A", date(2024, 3, 1)),
        ("GEN-2024-000002", "B", "B", date(2024, 3, 2)),
        ("GEN-2024-000003", "A", "second A", date(2024, 3, 3)),
    ]
    assert all(e.source == "import" for e in rows)


def test_dimensions_are_imported_and_exported(books: Books, tmp_path: Path) -> None:
    dimensions(books)
    path = write(
        tmp_path / "j.csv",
        HEADER
        + "1,2024-03-01,1200,150.00,,,SALES,WEB\n"
        + "1,2024-03-01,4010,,100.00,,SALES,\n"
        + "1,2024-03-01,4020,,50.00,,OPS,WEB\n",
    )
    import_journal_file(books.ledger, path)
    by_dept = {r.code: r.closing for r in books.queries.trial_balance(department="SALES").rows}
    assert by_dept == {"1200": Decimal("150.00"), "4010": Decimal("-100.00")}
    by_project = {r.code: r.closing for r in books.queries.trial_balance(project="WEB").rows}
    assert by_project == {"1200": Decimal("150.00"), "4020": Decimal("-50.00")}
    out = tmp_path / "out.csv"
    assert export_journal_file(books.company.engine, books.ctx, out) == 3
    assert list(csv.reader(out.open(encoding="utf-8")))[1:] == [
        ["GEN-2024-000001", "2024-03-01", "1200", "150.00", "", "", "SALES", "WEB", "", ""],
        ["GEN-2024-000001", "2024-03-01", "4010", "", "100.00", "", "SALES", "", "", ""],
        ["GEN-2024-000001", "2024-03-01", "4020", "", "50.00", "", "OPS", "WEB", "", ""],
    ]


TRICKY_MEMOS = [
    "=SUM(A1:A9)",
    "-12 refund",
    "+1 555 0100",
    "@mention",
    "'quoted",
    "''twice",
    "'=already escaped?",
    "\tTabbed",
    'say "hi", then, leave',
    "two\nlines",
    "Ünïcödé ✓ 日本語",
    "'",
    "=",
    " padded ",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_tricky_memos_and_exact_amounts_survive_export_and_import(books: Books, tmp_path: Path, fmt: str) -> None:
    dimensions(books)
    amounts = ["0.10", "0.01", "1234567.89", "99999999999.99", "100", "3.30"]
    originals = []
    for n, (memo, amount) in enumerate(zip(TRICKY_MEMOS, amounts * 3, strict=False), start=1):
        ref, _ = books.ledger.post(
            entry(
                f"2024-04-{n:02d}",
                line("1100", amount, memo=memo, department="SALES", project="WEB"),
                line("4010", f"-{amount}", memo=memo[::-1], department="OPS"),
                memo=memo,
            )
        )
        originals.append(ref.id)
    out = tmp_path / f"journal.{fmt}"
    assert export_journal_file(books.company.engine, books.ctx, out) == 2 * len(originals)
    if fmt == "csv":
        text = out.read_text(encoding="utf-8")
        assert "'=SUM(A1:A9)" in text and "'-12 refund" in text and "'''twice" in text
    else:
        cells = [row[5] for row in openpyxl.load_workbook(out, read_only=True).active.iter_rows(values_only=True)]
        assert "'=SUM(A1:A9)" in cells and "=SUM(A1:A9)" not in cells  # no live formula in the sheet
    result, _ = import_journal_file(books.ledger, out)
    assert result.entries == len(originals)
    imported = sorted(e.id for e in books.queries.entries(EntryFilter(), limit=100) if e.id not in originals)
    for original, copy in zip(originals, imported, strict=True):
        assert lines_of(books, copy) == lines_of(books, original)
        assert books.queries.entry(copy).memo == books.queries.entry(original).lines[0].memo


def test_xlsx_numbers_are_read_exactly(sqlite_books: Books, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["entry", "date", "account", "debit", "credit", "memo"])
    values = [0.1, 0.2, 1234567.89, 0.07, 1e-2, 12345678901.23, 3]
    for n, value in enumerate(values, start=1):
        sheet.append([n, date(2024, 5, n), "1100", value, None, str(value)])
        sheet.append([n, date(2024, 5, n), "4010", None, value, ""])
    book.save(tmp_path / "floats.xlsx")
    import_journal_file(sqlite_books.ledger, tmp_path / "floats.xlsx")
    got = sorted((e.date, e.total) for e in sqlite_books.queries.entries())
    assert [total for _, total in got] == [
        Decimal(x) for x in ("0.10", "0.20", "1234567.89", "0.07", "0.01", "12345678901.23", "3.00")
    ]


def test_csv_with_byte_order_mark_and_windows_line_ends(sqlite_books: Books, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffEntry,Date,Account,Debit,Credit,Memo\r\n1,2024-06-01,1100,5.00,,Café\r\n1,2024-06-01,4010,,5.00,\r\n".encode()
    )
    result, _ = import_journal_file(sqlite_books.ledger, path)
    assert result.entries == 1
    assert sqlite_books.queries.entries()[0].memo == "Café"


def test_error_list_is_capped(sqlite_books: Books, tmp_path: Path) -> None:
    rows = "".join(f"{n},2024-02-01,1100,bad,,,,\n" for n in range(1, 1_200))
    with pytest.raises(ImportFileError) as caught:
        import_journal_file(sqlite_books.ledger, write(tmp_path / "j.csv", HEADER + rows))
    assert len(caught.value.errors) == 1_000 and caught.value.truncated
    assert str(caught.value).endswith("... (more errors not shown)")


def test_cancel_after_a_written_batch_keeps_nothing(books: Books, tmp_path: Path) -> None:
    rows = "".join(f"{n},2024-02-01,1100,1.00,,,,\n{n},2024-02-01,4010,,1.00,,,\n" for n in range(1, 2_100))
    seen: list[tuple[int, int]] = []
    with pytest.raises(Cancelled):
        import_journal_file(
            books.ledger,
            write(tmp_path / "j.csv", HEADER + rows),
            progress=lambda done, total: seen.append((done, total)),
            cancelled=lambda: True,
        )
    assert seen and 0 < seen[0][0] < seen[0][1]
    assert books.queries.count_entries() == 0
    assert books.queries.periods() == []


def test_accounts_file_parents_may_come_after_children(books: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path / "chart.csv",
        "code,name,type,parent,subtype,currency\n"
        "9110,Grandchild,equity,9100,,\n"
        "9100,Child,equity,9000,,\n"
        "9000,Root,equity,,,\n"
        "1190,'=Cash in transit,asset,1000,bank,EUR\n",
    )
    count, _ = import_accounts_file(books.ledger, books.queries, path)
    assert count == 4
    accounts = {a.code: a for a in books.queries.accounts()}
    assert (accounts["9110"].parent_code, accounts["9100"].parent_code) == ("9100", "9000")
    assert accounts["1190"].name == "=Cash in transit" and accounts["1190"].currency == "EUR"
    with pytest.raises(ImportFileError) as caught:
        import_accounts_file(books.ledger, books.queries, path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "code"), (3, "code"), (4, "code"), (5, "code")]
