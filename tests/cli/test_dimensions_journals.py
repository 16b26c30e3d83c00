"""`paksa dimension ...` and `paksa journal ...`: the records journal lines and entries refer to."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Paksa, write
from tests.conftest import Books


def test_dimensions_are_added_listed_and_deactivated(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    assert paksa("dimension", "add", "department", "OPS", "Operations").code == 0
    assert paksa("dimension", "add", "project", "ERP", "ERP roll-out").code == 0
    listing = paksa("dimension", "list").out
    assert "OPS          Operations" in listing and "ERP          ERP roll-out" in listing
    duplicate = paksa("dimension", "add", "department", "OPS", "Again")
    assert duplicate.code == 1 and "department code OPS already exists" in duplicate.err
    assert paksa("dimension", "deactivate", "project", "ERP").code == 0
    assert "ERP roll-out  (inactive)" in paksa("dimension", "list").out
    journal = write(
        tmp_path / "j.csv",
        "entry,date,account,debit,credit,project\n1,2024-01-05,1100,5.00,,ERP\n1,2024-01-05,4010,,5.00,ERP\n",
    )
    refused = paksa("import", "journal", journal)
    assert refused.code == 1 and "j.csv:2: project: unknown project 'ERP'" in refused.err_lines
    assert paksa("dimension", "activate", "project", "ERP").code == 0
    assert paksa("import", "journal", journal).code == 0
    assert [r.code for r in any_company.queries.trial_balance(project="ERP").rows] == ["1100", "4010"]
    assert paksa("dimension", "deactivate", "department", "NOPE").code == 1


def test_a_new_journal_numbers_its_own_entries(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    assert paksa("journal", "add", "BNK2", "Second bank account", "--kind", "cash").code == 0
    assert "BNK2     Second bank account" in paksa("journal", "list").out
    journal = write(
        tmp_path / "j.csv", "entry,date,account,debit,credit\n1,2024-01-05,1100,5.00,\n1,2024-01-05,4010,,5.00\n"
    )
    assert paksa("import", "journal", journal, "--journal", "BNK2").code == 0
    assert paksa("entry", "show", "BNK2-2024-000001").code == 0
    assert paksa("journal", "add", "BNK2", "Again").code == 1
