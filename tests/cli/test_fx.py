"""`paksa fx import FILE` and `paksa fx revalue --date D [--dry-run]`: messages, exit codes, postings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.conftest import Paksa
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import balance, inv, sale, with_customer

D = Decimal
DAY = date(2024, 3, 31)


def test_fx_commands(paksa: Paksa, sqlite_books: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKSA_DB", sqlite_books.url)
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    with_customer(sqlite_books, code="C001", currency="EUR")
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,rate\nEUR,2024-03-01,1.10\nEUR,2024-03-31,1.15\n", encoding="utf-8")
    run = paksa("fx", "import", path)
    assert (run.code, run.out) == (0, "Imported 2 rates from rates.csv (CSV): 2 added, 0 replaced, 0 unchanged\n")
    inv(sqlite_books).issue(sale("C001", "2024-03-01"))  # EUR 120.00 = 132.00; at 1.15 = 138.00
    run = paksa("fx", "revalue", "--date", "2024-03-31", "--dry-run")
    assert run.code == 0 and run.out.startswith(
        "Dry run: nothing was posted. The revaluation of 2024-03-31 would post 6.00 USD."
    )
    assert "132.00" in run.out and "138.00" in run.out and "Foreign currency revaluation" in run.out
    run = paksa("fx", "revalue", "--date", "2024-03-31")
    assert run.code == 0 and run.out.startswith("Posted GEN-2024-")
    assert "dated 2024-03-31 and its reversal GEN-2024-" in run.out and "dated 2024-04-01" in run.out
    assert balance(sqlite_books, "4120", DAY) == D("-6.00")
    run = paksa("ar", "reconcile", "--as-of", "2024-03-31")
    assert run.code == 0 and run.out.splitlines()[1:] == [
        "Subledger (open items)  132.00",
        "Unrealised revaluation    6.00",
        "Control account 1200    138.00",
        "Difference                0.00",
    ]
    run = paksa("fx", "revalue", "--date", "2024-03-31")
    assert run.code == 1 and "2024-03-31 is already revalued" in run.err
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,date,rate\nEUR,2024-04-01,x\n", encoding="utf-8")
    run = paksa("fx", "import", bad)
    assert run.code == 1 and run.err_lines[0] == "bad.csv:2: rate: 'x' is not an exchange rate (write e.g. 1.0825)"
