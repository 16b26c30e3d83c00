"""Budget files: all or nothing with every problem named, replace semantics, and exact round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from paksa_desktop.core.changes import Kind
from paksa_desktop.core.errors import Cancelled, ImportFileError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.budgets import BudgetImportResult
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows, budget_queries, budgets, cell, dimensions, stored

HEADER = "budget,account,month,department,project,amount\n"
D = Decimal


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Plan") -> Path:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def test_import_creates_budgets_and_replaces_the_cells_it_names(books: Books, tmp_path: Path) -> None:
    dimensions(books)
    service = budgets(books)
    service.create_budget("Plan 2025")
    service.set_amounts("Plan 2025", [cell("6100", "2025-01", "900"), cell("6110", "2025-01", "40")])
    path = write(
        tmp_path / "plan.csv",
        HEADER
        + "Plan 2025,4010,2025-01,,,12000.00\n"
        + "Plan 2025,6100,2025-01,,,1000\n"  # replaces 900
        + "Plan 2025,6100,2025-01,SALES,,250.5\n"  # another cell: same account and month, a department
        + "Plan 2025,4030,2025-02,SALES,WEB,-15\n"
        + "\n"  # blank rows are skipped
        + "Forecast,4010,2025-02-01,,,+11000\n"  # a full date (Excel's way of typing a month) is its month
        + "Forecast,6110,2025-03,,,\n",  # an empty amount is zero: nothing to store
    )
    result, changes = service.import_file(path)
    assert result == BudgetImportResult(6, (("Plan 2025", 4), ("Forecast", 2)), ("Forecast",))
    assert Kind.BUDGETS in changes
    q = budget_queries(books)
    plan = q.grid("Plan 2025", date(2025, 1, 1))
    assert (plan.row("4010").amounts[0], plan.row("6100").amounts[0]) == (D("12000.00"), D("1000.00"))
    assert plan.row("6110").amounts[0] == D("40.00")  # not named in the file: kept
    assert q.grid("Plan 2025", date(2025, 1, 1), "SALES").row("6100").amounts[0] == D("250.50")
    assert q.grid("Plan 2025", date(2025, 1, 1), "SALES", "WEB").row("4030").amounts[1] == D("-15.00")
    assert q.grid("Forecast", date(2025, 1, 1)).row("4010").amounts[1] == D("11000.00")
    assert [b.name for b in q.budgets()] == ["Forecast", "Plan 2025"]
    actions = [(a, after.get("name"), after.get("file"), after.get("rows")) for a, _i, _b, after in audit_rows(books)]
    assert actions[-3:] == [
        ("import", "Plan 2025", "plan.csv", 4),
        ("create", "Forecast", "plan.csv", None),
        ("import", "Forecast", "plan.csv", 2),
    ]
    imported = audit_rows(books)[-3]
    assert imported[2]["cells"]["6100 2025-01"] == "900.00" and imported[3]["cells"]["6100 2025-01"] == "1000.00"
    assert imported[3]["cells"]["6100 2025-01 department SALES"] == "250.50"

    # the same file again changes nothing, and a zero removes a cell
    write(tmp_path / "clear.csv", HEADER + "Plan 2025,6110,2025-01,,,0\n")
    service.import_file(tmp_path / "clear.csv")
    assert budget_queries(books).grid("Plan 2025", date(2025, 1, 1)).row("6110").amounts[0] == D("0.00")


def test_a_bad_file_writes_nothing_and_names_every_problem(books: Books, tmp_path: Path) -> None:
    dimensions(books)
    books.ledger.set_department_active("OPS", False)
    budgets(books).create_budget("Plan 2025")
    path = write(
        tmp_path / "bad.csv",
        HEADER
        + "New budget,4010,2025-01,,,100.00\n"  # fine: but the budget is not created either
        + ",4010,2025-01,,,1\n"
        + "plan 2025,4010,2025-01,,,1\n"
        + "Plan 2025,4000,2025-1,,,1\n"
        + "Plan 2025,9999,2025-13,NOPE,NOPE,1.234\n"
        + 'Plan 2025,6100,2025-01,OPS,,"1,200.00"\n'
        + "Plan 2025,6100,2025-02,,,10000000000000\n"
        + "New budget,4010,2025-01-31,,,5\n"  # the same cell as row 2
        + "Plan 2025,,,,,\n",
    )
    with pytest.raises(ImportFileError) as caught:
        budgets(books).import_file(path)
    assert [str(e) for e in caught.value.errors] == [
        "bad.csv:3: budget: required",
        "bad.csv:4: budget: 'plan 2025' differs from the budget 'Plan 2025' only in letter case",
        "bad.csv:5: account: account 4000 is a parent account; budget its sub-accounts",
        "bad.csv:5: month: '2025-1' is not a month in the form YYYY-MM",
        "bad.csv:6: account: unknown account '9999'",
        "bad.csv:6: month: '2025-13' is not a month in the form YYYY-MM",
        "bad.csv:6: department: unknown department 'NOPE'",
        "bad.csv:6: project: unknown project 'NOPE'",
        "bad.csv:6: amount: '1.234' has more than 2 decimal places",
        "bad.csv:7: department: department OPS is inactive",
        "bad.csv:7: amount: '1,200.00' is not a decimal amount (use digits and '.', e.g. 1234.50)",
        "bad.csv:8: amount: '10000000000000' is too large (at most 9,999,999,999,999 USD)",
        "bad.csv:9: amount: row 2 already sets this amount (same budget, account, month and dimensions)",
        "bad.csv:10: account: required",
        "bad.csv:10: month: required",
    ]
    assert [b.name for b in budget_queries(books).budgets()] == ["Plan 2025"] and stored(books) == []
    assert [a for a, *_ in audit_rows(books)] == ["create"]


def test_xlsx_problems_name_the_sheet_and_numbers_read_as_typed(books: Books, tmp_path: Path) -> None:
    bad = write_xlsx(
        tmp_path / "plan.xlsx",
        [["Budget", "Account", "Month", "Amount"], ["Plan", "4010", "2025-01", 1234.5], ["Plan", 9999, "2025-02", 1]],
    )
    with pytest.raises(ImportFileError) as caught:
        budgets(books).import_file(bad)
    assert str(caught.value) == "plan.xlsx[Plan]:3: account: unknown account '9999'"
    good = write_xlsx(
        tmp_path / "good.xlsx",
        [
            ["budget", "account", "month", "amount"],
            ["Plan", "4010", "2025-01", 1234.5],
            ["Plan", 6100, date(2025, 2, 1), -0.1],  # a number for a code; a date cell for a month
        ],
    )
    result, _ = budgets(books).import_file(good)
    assert result.amounts == 2
    grid = budget_queries(books).grid("Plan", date(2025, 1, 1))
    assert (grid.row("4010").amounts[0], grid.row("6100").amounts[1]) == (D("1234.50"), D("-0.10"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget,account,month\n", "f.csv:1: amount: required column is missing"),
        (
            "budget,account,month,amount,memo\n",
            "f.csv:1: memo: unknown column; expected budget, account, month, amount and optionally department, project",
        ),
        (HEADER, "f.csv: the file has no budget amounts"),
        ("", "f.csv: the file is empty (0 bytes)"),
    ],
)
def test_files_refused_as_a_whole(books: Books, tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        budgets(books).import_file(write(tmp_path / "f.csv", text))
    assert str(caught.value) == expected


def test_cancelling_a_large_import_keeps_nothing(books: Books, tmp_path: Path) -> None:
    rows = [f"Big,{code},2025-{m:02d},,,{m}.00\n" for m in range(1, 13) for code in ("4010", "4020", "6100")]
    path = write(
        tmp_path / "big.csv", HEADER + "".join(rows) + "".join(f"Big{n},6100,2025-01,,,1\n" for n in range(2100))
    )
    with pytest.raises(Cancelled):
        budgets(books).import_file(path, cancelled=lambda: True)
    assert budget_queries(books).budgets() == []
    seen: list[tuple[int, int]] = []
    budgets(books).import_file(path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] and len(seen) == 2
    assert len(budget_queries(books).budgets()) == 2101


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_budget(books: Books, tmp_path: Path, fmt: str) -> None:
    dimensions(books)
    service = budgets(books)
    name = "=Board's plan, v2"  # a spreadsheet formula and a comma: written safely, read back exactly
    service.create_budget(name)
    service.set_amounts(
        name,
        [
            cell("4010", "2025-01", "12000.00"),
            cell("4010", "2025-01", "0.01", department="SALES"),
            cell("4030", "2025-02", "-150.25", department="SALES", project="WEB"),
            cell("6100", "2025-12", "999999.99"),
            cell("1100", "2026-01", "-5"),
            cell("2010", "2024-12", "7.10", project="WEB"),
        ],
    )
    before = stored(books)
    first = tmp_path / f"plan.{fmt}"
    assert service.export_file(first, name) == 6
    service.delete_budget(name)
    result, _ = service.import_file(first)
    assert result.created == (name,) and result.amounts == 6
    assert stored(books) == before
    second = tmp_path / f"again.{fmt}"
    service.export_file(second, name)
    if fmt == "csv":
        text = first.read_text(encoding="utf-8")
        assert text == second.read_text(encoding="utf-8")
        assert text.splitlines() == [
            "budget,account,month,department,project,amount",
            "\"'=Board's plan, v2\",2010,2024-12,,WEB,7.10",
            "\"'=Board's plan, v2\",4010,2025-01,,,12000.00",
            "\"'=Board's plan, v2\",4010,2025-01,SALES,,0.01",
            "\"'=Board's plan, v2\",4030,2025-02,SALES,WEB,-150.25",
            "\"'=Board's plan, v2\",6100,2025-12,,,999999.99",
            "\"'=Board's plan, v2\",1100,2026-01,,,-5.00",
        ]
    else:
        ws = openpyxl.load_workbook(second, read_only=True).worksheets[0]
        values = list(ws.iter_rows(values_only=True))
        assert ws.title == "Budget" and values[0] == ("budget", "account", "month", "department", "project", "amount")
        assert values[3][5] == 0.01 and values[4][5] == -150.25  # numbers stay numbers
    exports = [after for action, _i, _b, after in audit_rows(books) if action == "export"]
    assert exports == [
        {"name": name, "file": first.name, "rows": 6},
        {"name": name, "file": second.name, "rows": 6},
    ]


def test_export_needs_the_export_permission_and_a_known_budget(books: Books, tmp_path: Path) -> None:
    company = books.company
    budgets(books).create_budget("B")
    with pytest.raises(NotFoundError, match=r"^unknown budget 'Nope'$"):
        budgets(books).export_file(tmp_path / "x.csv", "Nope")
    with pytest.raises(ValidationError, match=r"unsupported file type 'txt'"):
        budgets(books).export_file(tmp_path / "x.txt", "B")
    company.add_user(books.ctx, "pat", "payroll-password-42", roles=("Payroll officer",))
    payroll = company.login("pat", "payroll-password-42")
    with pytest.raises(PermissionDenied, match=r"ledger\.export"):
        company.budgets(payroll).export_file(tmp_path / "x.csv", "B")
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(PermissionDenied, match=r"ledger\.budget\.manage"):
        company.budgets(payroll).import_file(tmp_path / "x.csv")
