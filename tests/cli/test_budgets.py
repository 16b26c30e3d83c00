"""`paksa import budget`, `paksa export budget` and `paksa budget list`: messages, exit codes, audit rows."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Paksa, write
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows, budget_queries, stored

PLAN = """\
budget,account,month,department,project,amount
Plan 2025,4010,2025-01,,,12000.00
Plan 2025,6100,2025-01,ADMIN,,800
Plan 2025,4010,2025-02,SALES,,12500.00
Plan 2025,6190,2025-03,SALES,WEB,-0.10
"""


def test_import_then_export_budget_round_trips(paksa: Paksa, any_company: Books, tmp_path: Path) -> None:
    source = write(tmp_path / "plan.csv", PLAN)
    run = paksa("import", "budget", source)
    assert (run.code, run.err) == (0, "")
    assert run.out == "Imported 4 budget amounts from plan.csv into budget 'Plan 2025' (new)\n"
    grid = budget_queries(any_company).grid("Plan 2025", date(2025, 1, 1))
    assert grid.row("4010").amounts[0] == Decimal("12000.00")

    run = paksa("export", "budget", "--budget", "Plan 2025", "--output", tmp_path / "out.csv")
    assert (run.code, run.out) == (0, f"Exported 4 amounts of budget 'Plan 2025' to {tmp_path / 'out.csv'}\n")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == PLAN.replace(",800\n", ",800.00\n")

    run = paksa("export", "budget", "--budget", "Plan 2025", "--output", tmp_path / "out.data", "--format", "xlsx")
    assert run.code == 0
    workbook = openpyxl.load_workbook(io.BytesIO((tmp_path / "out.data").read_bytes()), read_only=True)
    assert workbook.worksheets[0].title == "Budget"  # --format wins over the file name

    before = stored(any_company)
    run = paksa("import", "budget", tmp_path / "out.csv")  # the export re-imports to the same state
    assert run.out == "Imported 4 budget amounts from out.csv into budget 'Plan 2025'\n"
    assert stored(any_company) == before

    actions = [(a, after.get("file")) for a, _i, _b, after in audit_rows(any_company)]
    assert actions == [
        ("create", "plan.csv"),
        ("import", "plan.csv"),
        ("export", "out.csv"),
        ("export", "out.data"),
        ("import", "out.csv"),
    ]


def test_a_file_naming_several_budgets(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    paksa("import", "budget", write(tmp_path / "a.csv", "budget,account,month,amount\nForecast,6100,2025-01,1\n"))
    run = paksa(
        "import",
        "budget",
        write(tmp_path / "b.csv", "budget,account,month,amount\nPlan,4010,2025-01,5\nForecast,6100,2025-02,1\n"),
    )
    assert run.out == "Imported 2 budget amounts from b.csv into 2 budgets: 'Plan' 1 (new), 'Forecast' 1\n"
    run = paksa("budget", "list")
    assert run.code == 0
    assert run.out.splitlines() == [
        "Budget     Amounts  Months            Description",
        "Forecast         2  2025-01..2025-02",
        "Plan             1  2025-01..2025-01",
    ]


def test_a_bad_file_lists_every_problem_and_writes_nothing(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.csv",
        "budget,account,month,department,project,amount\n"
        "Plan 2025,4010,2025-01,,,100\n"
        "Plan 2025,9999,2025-02,,,1\n"
        "Plan 2025,4010,January,NOPE,,1x\n",
    )
    run = paksa("import", "budget", bad)
    assert run.code == 1 and run.out == ""
    assert run.err_lines == [
        "bad.csv:3: account: unknown account '9999'",
        "bad.csv:4: month: 'January' is not a month in the form YYYY-MM",
        "bad.csv:4: department: unknown department 'NOPE'",
        "bad.csv:4: amount: '1x' is not a decimal amount (use digits and '.', e.g. 1234.50)",
        "paksa: error: 4 problems found; nothing was written",
    ]
    assert budget_queries(company).budgets() == [] and audit_rows(company) == []


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (("export", "budget", "--budget", "Nope", "--output", "x.csv"), 1, "paksa: error: unknown budget 'Nope'\n"),
        (
            ("export", "budget", "--budget", "B", "--output", "x.txt"),
            1,
            "paksa: error: x.txt: unsupported file type 'txt'; use .csv or .xlsx\n",
        ),
        (
            ("import", "budget", "missing.csv"),
            1,
            "missing.csv: file not found\npaksa: error: 1 problem found; nothing was written\n",
        ),
    ],
)
def test_failures_exit_1_with_the_reason(
    paksa: Paksa,
    company: Books,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    err: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    company.company.budgets(company.ctx).create_budget("B")
    run = paksa(*args)
    assert (run.code, run.err) == (code, err)


def test_export_budget_needs_the_output_option(paksa: Paksa, company: Books) -> None:
    run = paksa("export", "budget", "--budget", "B")
    assert run.code == 2 and "the following arguments are required: --output" in run.err


def test_only_budget_managers_import(
    paksa: Paksa, company: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    company.company.add_user(company.ctx, "anna", "accountant-password-1", roles=("Accountant",))
    monkeypatch.setenv("PAKSA_USER", "anna")
    monkeypatch.setenv("PAKSA_PASSWORD", "accountant-password-1")
    run = paksa("import", "budget", write(tmp_path / "plan.csv", PLAN))
    assert (run.code, run.err) == (1, "paksa: error: user 'anna' lacks permission 'ledger.budget.manage'\n")
    assert paksa("budget", "list").out == "No budgets yet (import one with 'paksa import budget FILE').\n"
