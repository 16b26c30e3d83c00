"""The `paksa` command's contract on real company databases: create, import, report, export, periods."""

from __future__ import annotations

import csv
import io
import sys
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from paksa_desktop import __version__
from paksa_desktop.company import Company
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.models import EntryState, PeriodState
from paksa_desktop.ledger.queries import EntryFilter
from tests.cli.conftest import Paksa, with_dimensions, write
from tests.conftest import ADMIN_PASSWORD, Books
from tests.keyrings import MemoryKeyring, unregister
from tests.ledger.helpers import entry

JOURNAL = """\
entry,date,account,debit,credit,memo,department,project
1,2024-01-02,1100,10000.00,,Capital paid in,,
1,2024-01-02,3100,,10000.00,Capital paid in,,
2,2024-01-15,1200,1234.56,,Invoice 1,SALES,
2,2024-01-15,4010,,1234.56,Invoice 1,SALES,WEB
3,2024-02-01,6100,800,,Rent February,ADMIN,
3,2024-02-01,1100,,800,Rent February,,
4,2024-02-20,1100,1234.56,,Receipt invoice 1,,
4,2024-02-20,1200,,1234.56,Receipt invoice 1,,
5,2024-03-05,6190,0.10,,"=HYPERLINK(""http://x"")",SALES,WEB
5,2024-03-05,1100,,0.10,"Ads, small",,
"""

# code: (name, debit, credit, balance) for the whole file
EXPECTED_TB = {
    "1100": ("Operating bank account", "10434.46", "0.00", "10434.46"),
    "3100": ("Share capital", "0.00", "10000.00", "-10000.00"),
    "4010": ("Product sales", "0.00", "1234.56", "-1234.56"),
    "6100": ("Rent", "800.00", "0.00", "800.00"),
    "6190": ("Advertising and marketing", "0.10", "0.00", "0.10"),
}


def tb_csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["code", "name", "debit", "credit", "balance"]
    return rows[1:]


def test_version(paksa: Paksa) -> None:
    run = paksa("--version")
    assert (run.code, run.out) == (0, f"paksa {__version__}\n")


def test_help_lists_the_commands(paksa: Paksa) -> None:
    run = paksa("--help")
    assert run.code == 0
    for command in ("company", "demo", "import", "report", "export", "period", "recurring", "entry"):
        assert command in run.out


def test_company_create_on_both_engines(paksa: Paksa, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKSA_PASSWORD", "s3cret-boss-2024")
    run = paksa(
        "company", "create", "--db", db_url, "--name", "Acme Ltd", "--currency", "eur",
        "--fiscal-year-start", "4", "--template", "empty", "--admin", "boss",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "Created company 'Acme Ltd' (EUR)" in run.out and run.err == ""
    with Company.open(db_url) as company:
        ctx = company.login("boss", "s3cret-boss-2024")
        info = company.ledger_queries(ctx).company()
        assert (info.name, info.base_currency, info.fiscal_year_start_month) == ("Acme Ltd", "EUR", 4)
        assert company.ledger_queries(ctx).accounts() == []
    info_run = paksa("company", "info", "--db", db_url, "--user", "boss")
    assert info_run.code == 0
    assert "Acme Ltd" in info_run.out and "April" in info_run.out and "EUR" in info_run.out
    again = paksa("company", "create", "--db", db_url, "--name", "Other", "--currency", "USD")
    assert again.code == 1 and again.err.startswith("paksa: error: ")


def test_company_create_defaults_the_administrator_to_the_user(
    paksa: Paksa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAKSA_PASSWORD", "pw-for-alice")
    monkeypatch.setenv("PAKSA_USER", "alice")
    db = tmp_path / "alice.paksa"
    assert paksa("company", "create", "--db", db, "--name", "Alice & Co", "--currency", "JPY").code == 0
    run = paksa("company", "info", "--db", db)  # logs in as $PAKSA_USER
    assert run.code == 0 and "JPY" in run.out and "Accounts:           76" in run.out


def test_company_create_asks_for_the_password_twice_on_a_terminal(
    paksa: Paksa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["first-try", "second-try"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    db = tmp_path / "typo.paksa"
    run = paksa("company", "create", "--db", db, "--name", "Typo", "--currency", "USD")
    assert run.code == 1 and "the two passwords differ" in run.err
    assert not db.exists()
    answers = iter(["same-one-twice", "same-one-twice"])
    assert paksa("company", "create", "--db", db, "--name", "Typo", "--currency", "USD").code == 0
    with Company.open(db) as company:
        company.login("admin", "same-one-twice")


def test_company_create_refuses_bad_settings(paksa: Paksa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKSA_PASSWORD", "pw")
    db = tmp_path / "bad.paksa"
    run = paksa("company", "create", "--db", db, "--name", "Bad", "--currency", "XYZ")
    assert run.code == 1 and "unknown currency 'XYZ'" in run.err
    assert (
        paksa("company", "create", "--db", db, "--name", "Bad", "--currency", "USD", "--fiscal-year-start", "13").code
        == 2
    )
    assert not db.exists()


def test_import_and_trial_balance_in_every_format(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    run = paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL))
    assert run.code == 0, run.err
    assert run.out == "Imported 5 entries (10 lines) from journal.csv into journal GEN\n"

    csv_run = paksa("report", "trial-balance", "--format", "csv")
    assert csv_run.code == 0 and csv_run.err == ""
    assert {r[0]: tuple(r[1:]) for r in tb_csv(csv_run.out)} == EXPECTED_TB
    assert [r[0] for r in tb_csv(csv_run.out)] == sorted(EXPECTED_TB)

    out_file = tmp_path / "tb.csv"
    assert paksa("report", "trial-balance", "--format", "csv", "--output", out_file).code == 0
    assert out_file.read_text(encoding="utf-8") == csv_run.out
    assert paksa("report", "trial-balance", "--output", tmp_path / "implied.csv").code == 0  # format from the name
    assert (tmp_path / "implied.csv").read_text(encoding="utf-8") == csv_run.out

    table = paksa("report", "trial-balance")
    assert table.code == 0
    assert paksa("report", "trial-balance", "--output", tmp_path / "tb.txt").code == 0
    assert (tmp_path / "tb.txt").read_text(encoding="utf-8") == table.out
    assert table.out.startswith("Trial balance\n")
    assert "Operating bank account" in table.out and "(10,000.00)" in table.out
    assert table.out.rstrip().splitlines()[-1].split() == ["Total", "11,234.56", "11,234.56", "0.00"]

    xlsx = tmp_path / "tb.xlsx"
    assert paksa("report", "trial-balance", "--output", xlsx).code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    header = values.index(("Code", "Account", "Debit", "Credit", "Balance"))
    body = {
        row[0]: (row[1], *(f"{Decimal(str(v)).quantize(Decimal('0.01'))}" for v in row[2:]))
        for row in values[header + 1 :]
        if row[0]
    }
    assert body == EXPECTED_TB
    assert values[-1][1] == "Total" and Decimal(str(values[-1][2])) == Decimal("11234.56")


def test_trial_balance_dates_and_dimensions(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    assert paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL)).code == 0

    def tb(*args: str) -> dict[str, tuple[str, ...]]:
        run = paksa("report", "trial-balance", "--format", "csv", *args)
        assert run.code == 0, run.err
        return {r[0]: tuple(r[2:]) for r in tb_csv(run.out)}

    assert tb("--as-of", "2024-01-31") == {
        "1100": ("10000.00", "0.00", "10000.00"),
        "1200": ("1234.56", "0.00", "1234.56"),
        "3100": ("0.00", "10000.00", "-10000.00"),
        "4010": ("0.00", "1234.56", "-1234.56"),
    }
    assert tb("--to", "2024-01-31") == tb("--as-of", "2024-01-31")
    assert tb("--from", "2024-02-01", "--to", "2024-02-29") == {  # balance: the range's net movement
        "1100": ("1234.56", "800.00", "434.56"),
        "1200": ("0.00", "1234.56", "-1234.56"),
        "3100": ("0.00", "0.00", "0.00"),  # a balance brought forward, no movement
        "4010": ("0.00", "0.00", "0.00"),
        "6100": ("800.00", "0.00", "800.00"),
    }
    assert tb("--department", "SALES") == {
        "1200": ("1234.56", "0.00", "1234.56"),
        "4010": ("0.00", "1234.56", "-1234.56"),
        "6190": ("0.10", "0.00", "0.10"),
    }
    assert tb("--project", "WEB", "--as-of", "2024-02-29") == {"4010": ("0.00", "1234.56", "-1234.56")}
    unknown = paksa("report", "trial-balance", "--department", "NOPE")
    assert unknown.code == 1 and unknown.err == "paksa: error: unknown department 'NOPE'\n"
    assert paksa("report", "trial-balance", "--as-of", "2024-01-31", "--from", "2024-01-01").code == 2
    assert paksa("report", "trial-balance", "--format", "xlsx").code == 2
    assert paksa("report", "trial-balance", "--as-of", "31/01/2024").code == 2


def test_import_journal_from_xlsx_into_another_journal(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["entry", "date", "account", "debit", "credit", "memo"])
    sheet.append(["A", date(2024, 5, 2), "1100", 1234567.89, None, "big"])
    sheet.append(["A", date(2024, 5, 2), "4010", None, 1234567.89, "'=not a formula"])
    sheet.append(["B", "2024-05-03", "6130", 0.1, None, "pens"])
    sheet.append(["B", "2024-05-03", "1100", None, "0.10", "pens"])
    book.create_sheet("ignored").append(["nothing", "here"])
    path = tmp_path / "journal.xlsx"
    book.save(path)
    run = paksa("import", "journal", path, "--journal", "SAL")
    assert run.code == 0, run.err
    entries = company.queries.entries(EntryFilter(journal="SAL"))
    assert sorted(e.number for e in entries) == ["SAL-2024-000001", "SAL-2024-000002"]
    first = company.queries.entry(min(e.id for e in entries))
    assert [(ln.debit, ln.credit, ln.memo) for ln in first.lines] == [
        (Decimal("1234567.89"), Decimal("0.00"), "big"),
        (Decimal("0.00"), Decimal("1234567.89"), "=not a formula"),
    ]
    assert paksa("import", "journal", path, "--journal", "NOPE").code == 1


def test_import_accounts_csv_and_xlsx(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    path = write(
        tmp_path / "accounts.csv",
        "code,name,type,parent,subtype,currency\n"
        "1105,Payroll account,asset,1000,bank,\n"
        "9000,Suspense group,equity,,,\n"
        "9010,Suspense,equity,9000,,\n"
        "1120,Euro account,asset,1000,bank,EUR\n",
    )
    run = paksa("import", "accounts", path)
    assert (run.code, run.out) == (0, "Imported 4 accounts from accounts.csv\n")
    book = openpyxl.Workbook()
    book.active.append(["Code", "Name", "Type"])
    book.active.append(["9020", "Clearing", "equity"])
    book.save(tmp_path / "more.xlsx")
    assert paksa("import", "accounts", tmp_path / "more.xlsx").code == 0
    accounts = {a.code: a for a in company.queries.accounts()}
    assert accounts["9010"].parent_code == "9000" and accounts["1120"].currency == "EUR"
    assert accounts["1105"].currency == "USD" and "9020" in accounts


def test_export_then_import_into_an_empty_company_gives_the_same_trial_balance(
    paksa: Paksa, any_company: Books, databases, engine_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fmt = "csv" if engine_name == "sqlite" else "xlsx"  # each format once, each engine once
    source = any_company
    assert paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL)).code == 0
    ref, _ = source.ledger.post(entry("2024-04-01", ("6100", "55.55"), ("1100", "-55.55"), memo="wrong"))
    source.ledger.reverse(ref.id)
    before = paksa("report", "trial-balance", "--format", "csv").out
    accounts, journal = tmp_path / f"accounts.{fmt}", tmp_path / f"exported.{fmt}"
    assert paksa("export", "accounts", "--output", accounts).code == 0
    run = paksa("export", "journal", "--format", fmt, "--output", journal)
    assert run.code == 0 and run.out == f"Exported 14 journal lines to {journal}\n"

    target = databases.new_url(engine_name)
    monkeypatch.setenv("PAKSA_DB", target)
    created = paksa("company", "create", "--name", "Copy", "--currency", "USD", "--template", "empty")
    assert created.code == 0, created.err
    assert paksa("import", "accounts", accounts).code == 0
    with Company.open(target) as copy:
        with_dimensions(Books(copy, copy.login("admin", ADMIN_PASSWORD), source.clock, target))
    run = paksa("import", "journal", journal)
    assert run.code == 0, run.err
    assert paksa("report", "trial-balance", "--format", "csv").out == before
    if fmt == "csv":
        exported = journal.read_text(encoding="utf-8")
        assert "'=HYPERLINK" in exported  # neutralised for spreadsheets, restored on import
        chart = accounts.read_text(encoding="utf-8").splitlines()
        assert chart[0] == "code,name,type,parent,subtype,currency"
        assert "1100,Operating bank account,asset,1000,bank," in chart


def test_period_commands(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    assert "No fiscal years yet" in paksa("period", "list").out
    assert paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL)).code == 0
    assert paksa("period", "close", "2024-01").out == "Closed period 2024-01\n"
    states = {p.start_date.month: p.state for p in company.queries.periods()}
    assert states[1] is PeriodState.CLOSED and states[2] is PeriodState.OPEN
    listing = paksa("period", "list").out
    assert "2024-01   2024     2024-01-01  2024-01-31  closed" in listing
    again = paksa("period", "close", "2024-01")
    assert again.code == 1 and "already closed" in again.err
    assert paksa("period", "reopen", "2024-01").code == 0
    assert paksa("period", "close", "2031-05").code == 1
    assert paksa("period", "close", "2024-1").code == 2
    assert paksa("period", "lock", "2024-01-31").code == 0
    assert company.queries.company().lock_date == date(2024, 1, 31)
    assert "Lock date: 2024-01-31" in paksa("period", "list").out
    assert paksa("period", "unlock").code == 0
    assert company.queries.company().lock_date is None
    closing = paksa("period", "close-year", "2024")
    assert closing.code == 0 and "GEN-2024-000006" in closing.out
    income = {r.code: r.closing for r in company.queries.trial_balance().rows}
    assert "4010" not in income and income["3200"] == Decimal("-434.46")
    missing = paksa("period", "close-year", "1999")
    assert missing.code == 1 and "no fiscal year '1999'" in missing.err


def test_entry_show_reverse_and_recurring_run(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    from paksa_desktop.ledger.commands import RecurringInput
    from paksa_desktop.ledger.models import Frequency

    assert paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL)).code == 0
    shown = paksa("entry", "show", "GEN-2024-000003")
    assert shown.code == 0
    assert "GEN-2024-000003  2024-02-01  journal GEN  posted" in shown.out
    assert "800.00" in shown.out and "ADMIN" in shown.out
    reversed_ = paksa("entry", "reverse", "GEN-2024-000003", "--date", "2024-02-02", "--memo", "duplicate")
    assert reversed_.out == "Posted GEN-2024-000006, reversing GEN-2024-000003\n"
    assert "Reversed by: GEN-2024-000006" in paksa("entry", "show", "GEN-2024-000003").out
    twice = paksa("entry", "reverse", "GEN-2024-000003")
    assert twice.code == 1 and "already reversed" in twice.err
    assert paksa("entry", "show", "GEN-2099-000001").code == 1

    lines = entry("2024-01-01", ("6100", "100.00"), ("1100", "-100.00")).lines
    company.ledger.save_recurring(RecurringInput("Rent", Frequency.MONTHLY, date(2024, 3, 1), lines, post=True))
    run = paksa("recurring", "run", "--as-of", "2024-05-15")
    assert run.out == "Recurring entries due by 2024-05-15: 3 posted, 0 saved as drafts\n"
    assert company.queries.count_entries(EntryFilter(text="Rent", state=EntryState.POSTED)) == 3


def test_no_subcommand_opens_the_gui_on_the_given_company(paksa: Paksa, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []
    fake = types.ModuleType("ui.app")
    fake.run_gui = lambda db=None: calls.append(db) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ui.app", fake)
    assert paksa().code == 0
    assert paksa("--db", "books.paksa").code == 0
    monkeypatch.setenv("PAKSA_DB", "from-env.paksa")
    assert paksa().code == 0
    assert calls == [None, "books.paksa", "from-env.paksa"]


def test_without_the_gui_the_command_says_so(paksa: Paksa, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ui.app", None)
    run = paksa()
    assert run.code == 1 and "desktop interface is not available" in run.err


def test_password_from_the_keyring(
    paksa: Paksa, company: Books, clean_env: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAKSA_PASSWORD")
    run = paksa("company", "info")
    assert run.code == 1 and "no password for user 'admin'" in run.err
    clean_env.set_password("paksa", f"admin@{company.company.location}", ADMIN_PASSWORD)
    assert paksa("company", "info").code == 0


def test_credential_save_checks_the_password_then_keeps_it(
    paksa: Paksa, company: Books, clean_env: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"admin@{company.company.location}"
    monkeypatch.setenv("PAKSA_PASSWORD", "not-the-password")
    run = paksa("credential", "save")
    assert run.code == 1 and "wrong user name or password" in run.err.lower()
    assert clean_env.get_password("paksa", key) is None  # a wrong password is never kept
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    run = paksa("credential", "save")
    assert run.code == 0, run.err
    assert run.out.startswith(f"Saved the password of admin for {company.company.location} in OS keyring")
    assert clean_env.get_password("paksa", key) == ADMIN_PASSWORD
    monkeypatch.delenv("PAKSA_PASSWORD")
    assert paksa("company", "info").code == 0  # later commands find it
    assert paksa("credential", "forget").code == 0
    assert clean_env.get_password("paksa", key) is None
    run = paksa("credential", "forget")
    assert run.code == 1 and "no saved password for admin" in run.err


def test_credential_save_without_a_keyring_uses_the_encrypted_file(
    paksa: Paksa, company: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paksa_desktop.security import credentials

    monkeypatch.setattr(credentials, "detect_keyring", lambda: None)
    monkeypatch.setattr(credentials, "default_credentials_file", lambda: tmp_path / "credentials.enc")
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    run = paksa("credential", "save")
    assert run.code == 1 and "no master password" in run.err
    monkeypatch.setenv("PAKSA_MASTER_PASSWORD", "master-of-the-file")
    run = paksa("credential", "save")
    assert run.code == 0 and "encrypted file" in run.out
    assert ADMIN_PASSWORD.encode() not in (tmp_path / "credentials.enc").read_bytes()
    monkeypatch.delenv("PAKSA_PASSWORD")
    assert paksa("company", "info").code == 0
    monkeypatch.setenv("PAKSA_MASTER_PASSWORD", "wrong-master")
    run = paksa("company", "info")
    assert run.code == 1 and "wrong master password" in run.err


def test_plaintext_and_broken_keyrings_count_as_absent(
    paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class PlaintextKeyring(KeyringBackend):  # the name keyrings.alt gives its clear-text file
        priority = 0.5  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return ADMIN_PASSWORD

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    class Broken(PlaintextKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("D-Bus is not running")

    unregister(PlaintextKeyring)
    unregister(Broken)

    monkeypatch.delenv("PAKSA_PASSWORD")
    for backend in (PlaintextKeyring(), Broken()):
        keyring.set_keyring(backend)
        run = paksa("company", "info")
        assert run.code == 1 and run.err_lines == [run.err_lines[0]] and "no password" in run.err


def test_progress_bar_on_a_terminal(
    paksa: Paksa, company: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert paksa("import", "journal", write(tmp_path / "journal.csv", JOURNAL)).code == 0
    assert paksa("export", "journal", "--output", tmp_path / "out.xlsx").code == 0
    assert company.queries.count_entries() == 5


def test_unexpected_errors_are_one_line_unless_debugging(
    paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr("paksa_desktop.ledger.queries.LedgerQueries.trial_balance", boom)
    run = paksa("report", "trial-balance")
    assert run.code == 1
    assert run.err_lines == [
        "paksa: error: unexpected RuntimeError: disk on fire",
        "paksa: rerun with PAKSA_DEBUG=1 to see the traceback",
    ]
    monkeypatch.setenv("PAKSA_DEBUG", "1")
    run = paksa("report", "trial-balance")
    assert run.code == 1 and "Traceback (most recent call last)" in run.err


def test_interrupt_exits_130(paksa: Paksa, company: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("paksa_desktop.ledger.queries.LedgerQueries.trial_balance", interrupted)
    run = paksa("report", "trial-balance")
    assert run.code == 130 and "interrupted" in run.err


def test_service_errors_reach_the_user_as_one_line(paksa: Paksa, company: Books) -> None:
    company.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    company.ledger.set_lock_date(date(2024, 12, 31))
    with pytest.raises(ValidationError):
        company.ledger.post(entry("2024-06-30", ("1100", "1.00"), ("4010", "-1.00")))
    run = paksa("entry", "reverse", "GEN-2024-000001")
    assert run.code == 1
    assert run.err == "paksa: error: 2024-01-31 is on or before the lock date 2024-12-31\n"
