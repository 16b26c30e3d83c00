"""`paksa bank account add|list` and `paksa bank lines`: messages, exit codes, the CSV columns exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.banking.helpers import line, statement
from tests.cli.conftest import Paksa
from tests.conftest import Books


def test_add_list_and_lines_as_table_and_csv(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"delimiter": ";"}), encoding="utf-8")
    run = paksa(
        "bank", "account", "add", "--name", "Operating", "--gl-account", "1100", "--currency", "usd",
        "--iban", "DE89 3704 0044 0532 0130 00", "--bank", "First Bank", "--profile", profile,
    )  # fmt: skip
    assert (run.code, run.err) == (0, "")
    assert run.out == "Added bank account Operating (USD, GL account 1100, •••• 3000)\n"
    run = paksa("bank", "account", "list")
    assert run.out.splitlines()[1].split() == ["Operating", "USD", "1100", "••••", "3000", "yes", "First", "Bank"]

    company, ctx = any_company.company, any_company.ctx
    company.statement_import(ctx).import_statements(
        "Operating",
        [
            statement(
                line("2024-01-03", "1200", "INV-1", "T1", description='Acme, "January"'),
                line("2024-01-05", "-45.1", "", "T2", description="Fee"),
                line("2024-02-01", "0.05", "", "T3", description="Interest"),
            )
        ],
    )
    run = paksa("bank", "lines", "--account", "Operating", "--to", "2024-01-31", "--format", "csv")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[0] == "date,amount,currency,description,reference,bank_id,status"
    assert list(csv.reader(io.StringIO(run.out)))[1:] == [
        ["2024-01-03", "1200.00", "USD", 'Acme, "January"', "INV-1", "T1", "unmatched"],
        ["2024-01-05", "-45.10", "USD", "Fee", "", "T2", "unmatched"],
    ]
    run = paksa("bank", "lines", "--account", "Operating", "--from", "2024-01-04")
    assert run.code == 0
    assert run.out.splitlines()[-1] == "2 line(s), net -45.05 USD"
    assert "-45.10" in run.out and "1,200.00" not in run.out


def test_errors_exit_non_zero_with_a_clear_message(paksa: Paksa, any_company: Books) -> None:
    run = paksa("bank", "account", "add", "--name", "X", "--gl-account", "1100", "--currency", "USD", "--iban", "DE00")
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "paksa: error: bank account 'X': IBAN/account number: IBAN DE00 is not valid: invalid characters in IBAN DE00"
    ]
    run = paksa("bank", "account", "add", "--name", "X", "--gl-account", "4010", "--currency", "USD")
    assert (run.code, run.err_lines) == (
        1,
        ["paksa: error: bank account 'X': GL account: GL account 4010 is income; a bank account's GL account must be "
         "an asset account"],
    )  # fmt: skip
    run = paksa("bank", "lines", "--account", "Nope")
    assert (run.code, run.err_lines) == (
        1,
        ["paksa: error: unknown bank account 'Nope' (there are no bank accounts yet)"],
    )
    run = paksa("bank", "lines", "--account", "Nope", "--format", "xml")
    assert run.code == 2


FILES = Path(__file__).resolve().parents[1] / "banking" / "files"


def test_import_reads_the_format_from_the_content_and_skips_what_is_there(
    paksa: Paksa, any_company: Books, tmp_path: Path
) -> None:
    assert paksa("bank", "account", "add", "--name", "Checking", "--gl-account", "1100", "--currency", "USD").code == 0
    sgml = tmp_path / "january.dat"  # the extension says nothing: the content is OFX 1.x SGML
    sgml.write_bytes((FILES / "ofx1_sgml_cp1252.ofx").read_bytes())
    run = paksa("bank", "import", sgml, "--account", "Checking", "--dry-run")
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith("Would import 3 lines into Checking from january.dat (total 927.55 USD)")
    assert "warning: " in run.out and "account 4433221100" in run.out  # the account has no number to compare
    assert paksa("bank", "lines", "--account", "Checking", "--format", "csv").out.count("\n") == 1  # header only
    run = paksa("bank", "import", sgml, "--account", "Checking")
    assert run.out.startswith("Imported 3 lines into Checking from january.dat (total 927.55 USD); skipped 0 lines")
    run = paksa("bank", "import", sgml, "--account", "Checking")
    assert run.code == 0
    assert run.out.startswith("Imported 0 lines into Checking from january.dat (total 0.00 USD); skipped 3 lines")
    rows = list(csv.reader(io.StringIO(paksa("bank", "lines", "--account", "Checking", "--format", "csv").out)))
    assert [r[1] for r in rows[1:]] == ["1250.00", "-310.45", "-12.00"]


def test_a_csv_statement_is_read_through_the_accounts_saved_profile(
    paksa: Paksa, any_company: Books, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "date_column": "Date",
                "description_column": "Description",
                "debit_column": "Debit",
                "credit_column": "Credit",
                "bank_id_column": "Transaction ID",
                "date_formats": ["%m/%d/%Y"],
                "thousands_separator": ",",
                "skip_footer_rows": 1,
            }
        ),
        encoding="utf-8",
    )
    add = ("bank", "account", "add", "--name", "Savings", "--gl-account", "1100", "--currency", "USD")
    assert paksa(*add, "--profile", profile).code == 0
    run = paksa("bank", "import", FILES / "csv_two_columns.csv", "--account", "Savings")
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith("Imported 3 lines into Savings from csv_two_columns.csv (total 4,689.92 USD)")


def test_a_bad_statement_file_imports_nothing_and_names_the_place(paksa: Paksa, any_company: Books) -> None:
    assert paksa("bank", "account", "add", "--name", "Checking", "--gl-account", "1100", "--currency", "USD").code == 0
    run = paksa("bank", "import", FILES / "ofx1_truncated.ofx", "--account", "Checking")
    assert run.code == 1 and run.out == ""
    assert "ofx1_truncated.ofx:" in run.err
    assert paksa("bank", "lines", "--account", "Checking", "--format", "csv").out.count("\n") == 1
