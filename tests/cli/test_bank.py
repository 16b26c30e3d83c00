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
