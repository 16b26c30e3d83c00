"""Bad input gets a clear answer and loses nothing: exit 1, `FILE:ROW: column: reason` lines, no writes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Paksa, write
from tests.conftest import Books
from tests.ledger.helpers import entry

HEADER = "entry,date,account,debit,credit,memo,department,project\n"
GOOD = "1,2024-02-01,1100,10.00,,ok,,\n1,2024-02-01,4010,,10.00,ok,,\n"

JOURNAL_CASES = [
    pytest.param(
        "j.csv",
        HEADER + "1,2024-02-01,1100,100.00,,,,\n1,2024-02-01,4010,,90.00,,,\n",
        ["j.csv:2: entry: entry '1' is out of balance by 10.00 (debits 100.00, credits 90.00)"],
        id="unbalanced",
    ),
    pytest.param(
        "j.csv",
        HEADER + GOOD + "2,2024-02-02,1100,5.00,,,,\n2,2024-02-02,9999,,5.00,,,\n",
        ["j.csv:5: account: unknown account '9999'"],
        id="unknown-account",
    ),
    pytest.param(
        "j.csv",
        HEADER + "1,2024-02-01,1000,5.00,,,,\n1,2024-02-01,4010,,5.00,,,\n",
        ["j.csv:2: account: account 1000 is a parent account"],
        id="parent-account",
    ),
    pytest.param(
        "j.csv",
        HEADER
        + '1,2024-02-01,1100,"12,50",,,,\n'
        + "1,2024-02-01,1100,1.234,,,,\n"
        + "1,2024-02-01,4010,,abc,,,\n"
        + "2,2024-02-01,1100,-5.00,,,,\n"
        + "3,2024-02-01,1100,1e3,,,,\n",
        [
            "j.csv:2: debit: '12,50' is not a decimal amount (use digits and '.', e.g. 1234.50)",
            "j.csv:3: debit: '1.234' has more than 2 decimal places",
            "j.csv:4: credit: 'abc' is not a decimal amount",
            "j.csv:5: debit: must not be negative",
            "j.csv:6: debit: '1e3' is not a decimal amount",
        ],
        id="malformed-amounts",
    ),
    pytest.param(
        "j.csv",
        HEADER
        + "1,2024-13-01,1100,1.00,,,,\n1,2024-13-01,4010,,1.00,,,\n"
        + "2,31/01/2024,1100,1.00,,,,\n2,31/01/2024,4010,,1.00,,,\n"
        + "3,2024-1-5,1100,1.00,,,,\n3,2024-1-5,4010,,1.00,,,\n",
        [
            "j.csv:2: date: '2024-13-01' is not a date in the form YYYY-MM-DD",
            "j.csv:3: date: '2024-13-01' is not a date in the form YYYY-MM-DD",
            "j.csv:4: date: '31/01/2024' is not a date in the form YYYY-MM-DD",
            "j.csv:6: date: '2024-1-5' is not a date in the form YYYY-MM-DD",
        ],
        id="malformed-dates",
    ),
    pytest.param(
        "j.csv",
        HEADER + "1,2024-02-01,1100,1.00,,,NOPE,\n1,2024-02-01,4010,,1.00,,,NADA\n",
        ["j.csv:2: department: unknown department 'NOPE'", "j.csv:3: project: unknown project 'NADA'"],
        id="unknown-dimensions",
    ),
    pytest.param(
        "j.csv",
        HEADER + "1,2024-02-01,1100,1.00,2.00,,,\n1,2024-02-01,4010,,,,,\n,2024-02-01,4010,,1.00,,,\n",
        [
            "j.csv:2: credit: a line takes a debit or a credit, not both",
            "j.csv:3: debit: a line needs a debit or a credit",
            "j.csv:4: entry: required",
        ],
        id="debit-and-credit",
    ),
    pytest.param(
        "j.csv",
        "entry,date,account,amount,memo\n1,2024-02-01,1100,1.00,x\n",
        [
            "j.csv:1: amount: unknown column; expected entry, date, account, debit, credit",
            "j.csv:1: debit: required column is missing",
            "j.csv:1: credit: required column is missing",
        ],
        id="wrong-columns",
    ),
    pytest.param("j.csv", "", ["j.csv: the file is empty (0 bytes)"], id="empty-file"),
    pytest.param("j.csv", HEADER, ["j.csv: the file has no journal lines"], id="header-only"),
    pytest.param("j.xlsx", b"", ["j.xlsx: the file is empty (0 bytes)"], id="empty-xlsx"),
    pytest.param("j.xlsx", HEADER + GOOD, ["j.xlsx: not a valid Excel .xlsx workbook"], id="csv-named-xlsx"),
    pytest.param(
        "j.csv",
        (HEADER + "1,2024-02-01,1100,1.00,,café,,\n1,2024-02-01,4010,,1.00,café,,\n").encode("latin-1"),
        ["j.csv:2: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again"],
        id="latin-1",
    ),
    pytest.param("j.txt", HEADER + GOOD, ["j.txt: unsupported file type 'txt'; use .csv or .xlsx"], id="txt"),
]


@pytest.mark.parametrize(("name", "content", "messages"), JOURNAL_CASES)
def test_bad_journal_files_import_nothing(
    paksa: Paksa, company: Books, tmp_path: Path, name: str, content: str | bytes, messages: list[str]
) -> None:
    company.ledger.post(entry("2024-01-05", ("1100", "1.00"), ("3100", "-1.00")))
    before = company.queries.count_entries()
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    run = paksa("import", "journal", path)
    assert run.code == 1
    assert run.out == ""
    assert "Traceback" not in run.err
    assert run.err_lines[-1].startswith("paksa: error: ")  # a reason, or the count after the row lines
    for message in messages:
        assert any(message in line for line in run.err_lines), (message, run.err)
    assert company.queries.count_entries() == before
    assert [r.code for r in company.queries.trial_balance().rows] == ["1100", "3100"]


def test_every_error_is_listed_with_a_summary(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    rows = "".join(f"{n},2024-02-01,1100,{n}.00,,,,\n{n},2024-02-01,4010,,{n}.00,,,\n" for n in range(1, 40))
    bad = rows + "40,2024-02-30,1100,1.00,,,,\n40,2024-02-30,4010,,1.00,,,\n41,2024-02-01,7777,1,,,,\n"
    run = paksa("import", "journal", write(tmp_path / "big.csv", HEADER + bad))
    assert run.code == 1
    assert run.err_lines == [
        "big.csv:80: date: '2024-02-30' is not a date in the form YYYY-MM-DD",
        "big.csv:81: date: '2024-02-30' is not a date in the form YYYY-MM-DD",
        "big.csv:82: account: unknown account '7777'",
        "paksa: error: 3 problems found; nothing was written",
    ]
    assert company.queries.count_entries() == 0


def test_closed_period_and_lock_date(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    company.ledger.post(entry("2024-01-05", ("1100", "1.00"), ("3100", "-1.00")))
    assert paksa("period", "close", "2024-01").code == 0
    path = write(tmp_path / "j.csv", HEADER + GOOD.replace("2024-02-01", "2024-01-15"))
    run = paksa("import", "journal", path)
    assert run.code == 1
    assert "j.csv:2: date: the period containing 2024-01-15 is closed" in run.err
    assert paksa("period", "reopen", "2024-01").code == 0
    assert paksa("period", "lock", "2024-03-31").code == 0
    run = paksa("import", "journal", write(tmp_path / "j.csv", HEADER + GOOD))
    assert run.code == 1
    assert "j.csv:2: date: 2024-02-01 is on or before the lock date 2024-03-31" in run.err
    assert company.queries.count_entries() == 1


ACCOUNT_CASES = [
    pytest.param(
        "code,name,type\n9000,Suspense,equity\n9000,Suspense again,equity\n",
        ["a.csv:3: code: duplicate of row 2"],
        id="duplicate-in-file",
    ),
    pytest.param(
        "code,name,type\n9000,Suspense,equity\n1100,Bank again,asset\n",
        ["a.csv:3: code: account 1100 already exists"],
        id="duplicate-in-company",
    ),
    pytest.param(
        "code,name,type,parent\n9000,Suspense,equities,\n9010,Child,equity,8888\n9020,,equity,\n",
        [
            "a.csv:2: type: 'equities' is not one of asset, equity, expense, income, liability",
            "a.csv:3: parent: unknown parent account '8888'",
            "a.csv:4: name: required",
        ],
        id="bad-rows",
    ),
    pytest.param(
        "code,title\n9000,Suspense\n",
        ["a.csv:1: title: unknown column", "a.csv:1: name: required column is missing"],
        id="columns",
    ),
    pytest.param("code,name,type\n", ["a.csv: the file has no accounts"], id="no-rows"),
    pytest.param("", ["a.csv: the file is empty (0 bytes)"], id="empty"),
]


@pytest.mark.parametrize(("content", "messages"), ACCOUNT_CASES)
def test_bad_account_files_import_nothing(
    paksa: Paksa, company: Books, tmp_path: Path, content: str, messages: list[str]
) -> None:
    before = [a.code for a in company.queries.accounts()]
    run = paksa("import", "accounts", write(tmp_path / "a.csv", content))
    assert run.code == 1 and run.out == ""
    for message in messages:
        assert any(message in line for line in run.err_lines), (message, run.err)
    assert [a.code for a in company.queries.accounts()] == before


def test_bad_xlsx_cells_are_located_on_their_sheet(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Entries"
    sheet.append(["entry", "date", "account", "debit", "credit"])
    sheet.append([1, "2024-02-01", 1100, 1.5, None])
    sheet.append([1, "2024-02-01", 4010, None, "1,5"])
    book.save(tmp_path / "j.xlsx")
    run = paksa("import", "journal", tmp_path / "j.xlsx")
    assert run.code == 1
    assert "j.xlsx[Entries]:3: credit: '1,5' is not a decimal amount" in run.err
    assert company.queries.count_entries() == 0


def test_login_and_database_problems(
    paksa: Paksa, company: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAKSA_PASSWORD", "not-the-password")
    run = paksa("report", "trial-balance")
    assert (run.code, run.err) == (1, "paksa: error: wrong user name or password, or the user is disabled\n")
    run = paksa("report", "trial-balance", "--user", "nobody")
    assert run.code == 1 and "wrong user name or password" in run.err

    monkeypatch.delenv("PAKSA_DB")
    run = paksa("report", "trial-balance")
    assert (run.code, run.err) == (1, "paksa: error: no company database given; use --db PATH_OR_URL or set PAKSA_DB\n")

    run = paksa("report", "trial-balance", "--db", tmp_path / "missing.paksa")
    assert run.code == 1 and run.err == f"paksa: error: no company file at {tmp_path / 'missing.paksa'}\n"
    assert not (tmp_path / "missing.paksa").exists()

    junk = write(tmp_path / "junk.paksa", "this is not a database\n" * 100)
    run = paksa("report", "trial-balance", "--db", junk)
    assert run.code == 1 and run.err.startswith(f"paksa: error: cannot open sqlite:///{junk}")

    run = paksa("report", "trial-balance", "--db", "postgresql://nobody@127.0.0.1:1/nothing")
    assert run.code == 1 and run.err.startswith("paksa: error: cannot open postgresql+psycopg://nobody@127.0.0.1:1/")
    assert len(run.err_lines) == 1


def test_usage_errors_exit_2(paksa: Paksa) -> None:
    for args in (
        ("frobnicate",),
        ("report", "profit-and-loss"),
        ("import",),
        ("import", "journal"),
        ("export", "journal", "--format", "pdf", "--output", "x.pdf"),
        ("export", "journal"),
        ("company", "create", "--name", "X"),
        ("--no-such-option",),
    ):
        run = paksa(*args)
        assert run.code == 2, args
        assert "usage: paksa" in run.err and run.out == ""


def test_unwritable_output(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    run = paksa("export", "journal", "--output", tmp_path / "no" / "such" / "dir" / "j.csv")
    assert run.code == 1
    assert run.err_lines == [f"paksa: error: {tmp_path / 'no' / 'such' / 'dir' / 'j.csv'}: No such file or directory"]
    run = paksa("export", "accounts", "--output", tmp_path / "chart.pdf")
    assert run.code == 1 and "unsupported file type 'pdf'" in run.err


def test_bad_rows_on_postgresql_import_nothing(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    """The same all-or-nothing on both engines, with the bad row after a full batch."""
    rows = "".join(f"{n},2024-02-01,1100,1.00,,,,\n{n},2024-02-01,4010,,1.00,,,\n" for n in range(1, 2600))
    path = write(tmp_path / "j.csv", HEADER + rows + "x,2024-02-01,1100,1.00,,,,\nx,2024-02-01,1111,,1.00,,,\n")
    run = paksa("import", "journal", path)
    assert run.code == 1
    assert "j.csv:5201: account: unknown account '1111'" in run.err
    assert any_company.queries.count_entries() == 0
    assert any_company.queries.periods() == []  # not even the fiscal year the rows created
