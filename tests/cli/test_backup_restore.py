"""`paksa backup` and `paksa restore`, and commands on a company file another program has open."""

from __future__ import annotations

from pathlib import Path

from paksa_desktop.company import Company
from tests.cli.conftest import Paksa
from tests.conftest import Books, Databases


def test_backup_then_restore_then_verify(
    any_company: Books, databases: Databases, paksa: Paksa, tmp_path: Path
) -> None:
    engine = "sqlite" if any_company.company.is_sqlite else "postgres"
    before = paksa("report", "trial-balance", "--format", "csv")
    output = tmp_path / "acme.backup"
    run = paksa("backup", "--output", output)
    assert run.code == 0, run.err
    assert run.out.startswith(f"Backed up 'Test Company Ltd' to {output} (")
    assert "sha256 " in run.out
    target = databases.new_url(engine)
    run = paksa("restore", output, "--db", target)
    assert run.code == 0, run.err
    assert run.out.startswith(f"Restored {output} (")
    assert paksa("audit", "verify", "--db", target).code == 0
    after = paksa("report", "trial-balance", "--format", "csv", "--db", target)
    assert after.out == before.out
    again = paksa("restore", output, "--db", target)
    assert again.code == 1
    assert again.err_lines[-1].endswith("(nothing was changed)")


def test_backup_refusals_are_one_line(company: Books, paksa: Paksa, tmp_path: Path) -> None:
    taken = tmp_path / "taken.backup"
    taken.write_text("x")
    run = paksa("backup", "--output", taken)
    assert run.code == 1
    assert run.err_lines == [
        f"paksa: error: {taken} already exists; choose another file name (a backup never overwrites)"
    ]
    run = paksa("restore", taken, "--db", tmp_path / "new.paksa")
    assert run.code == 1
    assert "is not a Paksa backup" in run.err
    assert paksa("backup").code == 2  # --output is required


def test_commands_on_a_file_the_desktop_program_has(company: Books, paksa: Paksa, tmp_path: Path) -> None:
    company.company.close()
    with Company.open(company.url, lock=True) as desktop:
        desktop.login("admin", "correct-horse-battery")
        run = paksa("journal", "add", "BNK2", "Second bank")
        assert run.code == 1
        assert len(run.err_lines) == 1
        assert "company" in run.err and " is opened by admin (OS user " in run.err
        assert run.err.rstrip().endswith("so it is read-only here: close it there to make changes")
        assert paksa("journal", "list").code == 0  # reading is fine
        assert paksa("backup", "--output", tmp_path / "live.backup").code == 0  # so is a backup
    assert paksa("journal", "add", "BNK2", "Second bank").code == 0  # closed there: writable again
