"""Budgets at the service level, on both engines: naming, signs, cell rules, the grid, copy from actuals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.budgets import BudgetCell, CopyResult
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows, budget_queries, budgets, cell, dimensions, stored
from tests.ledger.helpers import entry, line

PASSWORD = "budget-password-42"
D = Decimal
ZERO12 = (D("0.00"),) * 12


def months(grid_row_amounts: tuple[Decimal, ...], **set_months: str) -> bool:
    """True if the row holds exactly the given months (m1..m12) and zero elsewhere."""
    expected = [D("0.00")] * 12
    for key, value in set_months.items():
        expected[int(key[1:]) - 1] = D(value)
    return list(grid_row_amounts) == expected


# ----------------------------------------------------------------------------- budgets themselves


def test_create_rename_describe_delete_are_audited(books: Books) -> None:
    service = budgets(books)
    assert service.create_budget("  Plan 2025 ", "the board's plan") == Changes.of(Kind.BUDGETS)
    service.set_amounts("Plan 2025", [cell("4010", "2025-01", "1000.00"), cell("6100", "2025-01", "250.00")])
    [row] = budget_queries(books).budgets()
    assert (row.name, row.description, row.created_by, row.amounts) == ("Plan 2025", "the board's plan", "admin", 2)
    assert (row.first_month, row.last_month) == (date(2025, 1, 1), date(2025, 1, 1))
    assert row.created_at == books.clock.now()

    service.rename_budget("Plan 2025", "Budget 2025")
    service.describe_budget("Budget 2025", "approved 12 Dec")
    assert service.rename_budget("Budget 2025", "Budget 2025") == Changes()  # nothing to do, nothing audited
    assert [(b.name, b.description) for b in budget_queries(books).budgets()] == [("Budget 2025", "approved 12 Dec")]
    service.delete_budget("Budget 2025")
    assert budget_queries(books).budgets() == [] and stored(books) == []

    rows = audit_rows(books)
    assert [action for action, *_ in rows] == ["create", "update", "update", "update", "delete"]
    budget_id = rows[0][1]
    assert all(entity_id == budget_id for _a, entity_id, _b, _c in rows)  # one history across the rename
    assert rows[0][3] == {"name": "Plan 2025", "description": "the board's plan"}
    assert rows[2][2:] == ({"name": "Plan 2025"}, {"name": "Budget 2025"})
    _action, _id, before, _after = rows[4]
    assert before["name"] == "Budget 2025" and before["amounts"] == 2
    assert before["cells"] == {"4010 2025-01": "1000.00", "6100 2025-01": "250.00"}  # what was lost, kept


def test_names_are_required_short_and_unique_ignoring_case(books: Books) -> None:
    service = budgets(books)
    service.create_budget("Plan 2025")
    with pytest.raises(ValidationError, match=r"^a budget named 'Plan 2025' already exists$"):
        service.create_budget("plan 2025")
    with pytest.raises(ValidationError, match=r"^a budget needs a name$"):
        service.create_budget("   ")
    with pytest.raises(ValidationError, match=r"^a budget name has at most 100 characters$"):
        service.create_budget("x" * 101)
    service.create_budget("y" * 100)  # longer than an audit row's entity id: the id is the budget's number
    service.create_budget("Forecast")
    with pytest.raises(ValidationError, match=r"^a budget named 'Forecast' already exists$"):
        service.rename_budget("Plan 2025", "FORECAST")
    service.rename_budget("Plan 2025", "PLAN 2025")  # only the case changes: allowed
    for call in (
        lambda: service.rename_budget("Nope", "x"),
        lambda: service.delete_budget("Nope"),
        lambda: service.set_amounts("Nope", []),
        lambda: budget_queries(books).grid("Nope", date(2025, 1, 1)),
    ):
        with pytest.raises(NotFoundError, match=r"^unknown budget 'Nope'$"):
            call()


# ----------------------------------------------------------------------------- signs


def test_natural_sign_in_ledger_sign_out(books: Books) -> None:
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts(
        "B",
        [
            cell("4010", "2025-01", "1000.00"),  # income: positive is a credit
            cell("4030", "2025-01", "-20.00"),  # returns budgeted below zero: a debit
            cell("6100", "2025-01", "250.00"),  # expense: positive is a debit
            cell("1100", "2025-01", "-40.00"),  # asset: a decrease is a credit
            cell("2010", "2025-01", "300"),  # liability: an increase is a credit
            cell("3100", "2025-01", "500.5"),  # equity likewise
        ],
    )
    jan = date(2025, 1, 1)
    assert sorted(stored(books)) == sorted(
        [
            ("1100", jan, None, None, -4000),
            ("2010", jan, None, None, -30000),
            ("3100", jan, None, None, -50050),
            ("4010", jan, None, None, -100000),
            ("4030", jan, None, None, 2000),
            ("6100", jan, None, None, 25000),
        ]
    )
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    natural = {code: grid.row(code).amounts[0] for code in ("1100", "2010", "3100", "4010", "4030", "6100")}
    assert natural == {
        "1100": D("-40.00"),
        "2010": D("300.00"),
        "3100": D("500.50"),
        "4010": D("1000.00"),
        "4030": D("-20.00"),
        "6100": D("250.00"),
    }
    totals = budget_queries(books).account_totals("B", date(2025, 1, 1), date(2025, 12, 31))
    assert totals["4010"] == D("-1000.00") and totals["6100"] == D("250.00")  # ledger sign, for the trial balance


# ----------------------------------------------------------------------------- set_amounts


def test_cells_are_replaced_and_zero_removes_them(books: Books) -> None:
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts("B", [BudgetCell("6100", date(2025, 5, 31), D("100"))])  # any day: the month
    assert stored(books) == [("6100", date(2025, 5, 1), None, None, 10000)]
    service.set_amounts("B", [cell("6100", "2025-05", "150.00"), cell("6110", "2025-05", "0")])
    assert stored(books) == [("6100", date(2025, 5, 1), None, None, 15000)]
    assert service.set_amounts("B", [cell("6100", "2025-05", "150")]) == Changes()  # same value: no change
    service.set_amounts("B", [cell("6100", "2025-05", "0.00")])
    assert stored(books) == []
    updates = [r for r in audit_rows(books) if r[0] == "update"]
    assert len(updates) == 3  # the no-op wrote no audit row
    assert updates[1][2] == {"cells": {"6100 2025-05": "100.00"}}
    assert updates[1][3] == {"name": "B", "changed": 1, "cells": {"6100 2025-05": "150.00"}}
    assert updates[2][2:] == (
        {"cells": {"6100 2025-05": "150.00"}},
        {"name": "B", "changed": 1, "cells": {"6100 2025-05": None}},
    )


def test_saving_over_another_users_change_is_refused(books: Books) -> None:
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts("B", [cell("6100", "2025-03", "800"), cell("4010", "2025-03", "5000")])
    # Ann and Bob both opened the grid; Bob saves first
    service.set_amounts("B", [BudgetCell("6100", date(2025, 3, 1), D("900"), expected=D("800.00"))])
    with pytest.raises(ConflictError) as caught:
        service.set_amounts(
            "B",
            [
                BudgetCell("4010", date(2025, 3, 1), D("5500"), expected=D("5000.00")),  # unchanged meanwhile
                BudgetCell("6100", date(2025, 3, 1), D("850"), expected=D("800.00")),
                BudgetCell("6110", date(2025, 3, 1), D("40"), expected=D("0")),
            ],
        )
    assert str(caught.value).splitlines() == [
        "another user changed these amounts since you opened the budget; nothing was saved:",
        "account 6100, 2025-03: 900.00 now (you started from 800.00)",
        "reload the budget to see their changes, then enter yours again",
    ]
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    assert (grid.row("4010").amounts[2], grid.row("6100").amounts[2]) == (D("5000.00"), D("900.00"))
    service.set_amounts("B", [BudgetCell("6100", date(2025, 3, 1), D("850"), expected=D("900"))])  # after reloading
    assert budget_queries(books).grid("B", date(2025, 1, 1)).row("6100").amounts[2] == D("850.00")


def test_every_bad_cell_is_named_and_nothing_is_written(books: Books) -> None:
    dimensions(books)
    books.ledger.update_account("6180", is_active=False)
    books.ledger.set_project_active("WEB", False)
    service = budgets(books)
    service.create_budget("B")
    with pytest.raises(ValidationError) as caught:
        service.set_amounts(
            "B",
            [
                cell("6100", "2025-01", "10.00"),  # fine, but not written: the call is all or nothing
                cell("4000", "2025-01", "1"),
                cell("4010", "2025-01", "1.005"),
                cell("9999", "2025-02", "1"),
                cell("6100", "2025-01", "5", department="NOPE"),
                cell("6180", "2025-01", "5"),
                cell("6100", "2025-01", "5", project="WEB"),
                cell("6100", "2025-03", "10000000000000"),
                cell("6110", "2025-04", "1"),
                cell("6110", "2025-04", "2"),
                BudgetCell("6120", date(2025, 1, 1), D("NaN")),
            ],
        )
    assert str(caught.value).splitlines() == [
        "account 4000, 2025-01: account 4000 is a parent account; budget its sub-accounts",
        "account 4010, 2025-01: 1.005 has more than 2 decimal places for USD",
        "account 9999, 2025-02: unknown account '9999'",
        "account 6100, 2025-01, department NOPE: unknown department 'NOPE'",
        "account 6180, 2025-01: account 6180 is inactive",
        "account 6100, 2025-01, project WEB: project WEB is inactive",
        "account 6100, 2025-03: 10000000000000 is too large (at most 9,999,999,999,999 USD)",
        "account 6110, 2025-04: given twice",
        "account 6120, 2025-01: 'NaN' is not an amount",
    ]
    assert stored(books) == []
    assert [r[0] for r in audit_rows(books)] == ["create"]


def test_amounts_on_accounts_that_no_longer_take_them_can_be_cleared(books: Books) -> None:
    ledger = books.ledger
    ledger.create_account(AccountInput("6400", "Training", AccountType.EXPENSE))
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts("B", [cell("6400", "2025-02", "80"), cell("6180", "2025-02", "30")])
    ledger.create_account(AccountInput("6410", "Courses", AccountType.EXPENSE, parent="6400"))  # 6400 is a parent now
    ledger.update_account("6180", is_active=False)
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    training, meals = grid.row("6400"), grid.row("6180")
    assert training.amounts[1] == D("80.00") and not training.is_leaf and not training.editable
    assert meals.amounts[1] == D("30.00") and not meals.is_active and not meals.editable
    with pytest.raises(ValidationError, match=r"account 6400 is a parent account"):
        service.set_amounts("B", [cell("6400", "2025-02", "90")])
    service.set_amounts("B", [cell("6400", "2025-02", "0"), cell("6180", "2025-02", "0")])
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    codes = [r.code for r in grid.rows]
    assert "6400" not in codes and "6180" not in codes and "6410" in codes  # nothing left to show on them


def test_an_account_with_budget_amounts_cannot_be_deleted(books: Books) -> None:
    ledger = books.ledger
    ledger.create_account(AccountInput("6400", "Training", AccountType.EXPENSE))
    budgets(books).create_budget("B")
    budgets(books).set_amounts("B", [cell("6400", "2025-02", "80")])
    with pytest.raises(ValidationError, match=r"^account 6400 has budget amounts; deactivate it instead$"):
        ledger.delete_account("6400")
    budgets(books).delete_budget("B")
    ledger.delete_account("6400")


# ----------------------------------------------------------------------------- the grid


def test_grid_cells_are_per_department_and_project(books: Books) -> None:
    dimensions(books)
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts(
        "B",
        [
            cell("4010", "2025-03", "100"),
            cell("4010", "2025-03", "40", department="SALES"),
            cell("4010", "2025-03", "7", department="SALES", project="WEB"),
            cell("4010", "2025-04", "3", project="WEB"),
        ],
    )
    q = budget_queries(books)
    assert months(q.grid("B", date(2025, 1, 1)).row("4010").amounts, m3="100")
    assert months(q.grid("B", date(2025, 1, 1), "SALES").row("4010").amounts, m3="40")
    assert months(q.grid("B", date(2025, 1, 1), "SALES", "WEB").row("4010").amounts, m3="7")
    assert months(q.grid("B", date(2025, 1, 1), None, "WEB").row("4010").amounts, m4="3")
    assert q.grid("B", date(2025, 1, 1), "OPS").row("4010").amounts == ZERO12
    totals = q.account_totals("B", date(2025, 3, 1), date(2025, 3, 31))
    assert totals == {"4010": D("-147.00")}  # every cell of March, whatever its dimensions
    assert q.account_totals("B", date(2025, 1, 1), date(2025, 12, 31), department="SALES") == {"4010": D("-47.00")}
    with pytest.raises(NotFoundError, match=r"^unknown department 'NOPE'$"):
        q.grid("B", date(2025, 1, 1), "NOPE")


def test_grid_rows_are_the_postable_accounts_in_code_order(books: Books) -> None:
    budgets(books).create_budget("B")
    grid = budget_queries(books).grid("B", date(2025, 6, 15))
    postable = [a.code for a in books.queries.accounts() if a.is_leaf and a.is_active]
    assert [r.code for r in grid.rows] == sorted(postable)
    assert "4000" not in postable and grid.row("4010").name == "Product sales"
    assert grid.fiscal_year == "2025" and grid.months[0] == date(2025, 1, 1) and grid.months[-1] == date(2025, 12, 1)
    assert (grid.currency, grid.exponent, grid.rows[0].total) == ("USD", 2, D("0.00"))


def test_grid_follows_the_fiscal_year_and_the_currency(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2025, 6, 1, tzinfo=UTC))
    spec = NewCompany("April Ltd", "JPY", fiscal_year_start_month=4, admin_password=PASSWORD)
    with Company.create(tmp_path / "april.paksa", spec, clock=clock) as company:
        ctx = company.login("admin", PASSWORD)
        service, q = company.budgets(ctx), company.budget_queries(ctx)
        service.create_budget("FY25")
        service.set_amounts(
            "FY25", [cell("6100", "2025-03", "1"), cell("6100", "2025-04", "120000"), cell("6100", "2026-03", "9")]
        )
        grid = q.grid("FY25", date(2025, 7, 9))  # any day of the year: its fiscal year
        assert grid.fiscal_year == "2025/26" and grid.exponent == 0
        assert grid.months == tuple(date(2025 + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3))
        assert grid.row("6100").amounts == (D(120000), *(D(0),) * 10, D(9))
        assert grid.row("6100").total == D(120009)
        with pytest.raises(
            ValidationError, match=r"^account 6100, 2025-05: 1\.5 has more than 0 decimal places for JPY$"
        ):
            service.set_amounts("FY25", [cell("6100", "2025-05", "1.5")])


# ----------------------------------------------------------------------------- copy from actuals


def post_2024_actuals(books: Books) -> None:
    """Small odd amounts to see the rounding, a SALES line, and 6120, which the tests deactivate."""
    ledger = books.ledger
    ledger.post(entry("2024-01-15", ("1100", "0.25"), ("4010", "-0.25")))
    ledger.post(entry("2024-02-15", ("6100", "0.35"), ("1100", "-0.35")))
    ledger.post(entry("2024-02-16", ("6120", "5.00"), ("1100", "-5.00")))
    ledger.post(entry("2024-03-10", ("6100", "1000.00"), ("1100", "-1000.00")))
    ledger.post(entry("2024-03-20", ("1100", "500.00"), line("4010", "-500.00", department="SALES")))
    ledger.post(entry("2024-12-05", ("6100", "10.00"), ("1100", "-10.00")))


def close_2024(books: Books) -> int:
    year = next(y for y in books.queries.fiscal_years() if y.code == "2024")
    ref, _ = books.ledger.close_year(year.id)
    assert ref is not None
    return ref.id


def test_copy_from_actuals_changes_by_a_percentage_rounding_half_even(books: Books) -> None:
    dimensions(books)
    post_2024_actuals(books)
    closing_id = close_2024(books)
    books.ledger.update_account("6120", is_active=False)
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts("B", [cell("6130", "2025-05", "77"), cell("1100", "2025-05", "5")])
    result, changes = service.copy_from_actuals(
        "B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("10"), department=None
    )
    assert result == CopyResult(cells=5, accounts=2, months=12, skipped=("6120",))
    assert changes == Changes.of(Kind.BUDGETS)
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    # 0.25 x 1.1 = 0.275 -> 0.28 and 0.35 x 1.1 = 0.385 -> 0.38 (half-even); the SALES line counts for the company
    assert months(grid.row("4010").amounts, m1="0.28", m3="550.00")
    # December: 11.00 from the December expense; the closing entry of 2024-12-31 is not an actual
    assert months(grid.row("6100").amounts, m2="0.38", m3="1100.00", m12="11.00")
    assert grid.row("6130").amounts == ZERO12  # an expense budget without actuals is set to zero
    assert months(grid.row("1100").amounts, m5="5.00")  # balance sheet accounts were not asked for
    assert "6120" not in [r.code for r in grid.rows]  # inactive: skipped (and reported), so no row

    copy = [r for r in audit_rows(books) if r[0] == "copy"][-1]
    assert copy[3]["source"] == "2024-01..2024-12" and copy[3]["target"] == "2025-01..2025-12"
    assert copy[3]["percent"] == "10" and copy[3]["cells"]["4010 2025-01"] == "0.28"
    assert copy[2]["cells"]["6130 2025-05"] == "77.00" and copy[3]["cells"]["6130 2025-05"] is None

    books.ledger.update_account("6120", is_active=True)  # the reversal posts to it
    books.ledger.reverse(closing_id)  # a reversed closing entry and its reversal are not actuals either
    service.copy_from_actuals("B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("10"))
    assert budget_queries(books).grid("B", date(2025, 1, 1)).row("6100").amounts[11] == D("11.00")


def test_copy_all_accounts_a_department_and_a_shifted_range(books: Books) -> None:
    dimensions(books)
    post_2024_actuals(books)
    service = budgets(books)
    service.create_budget("B")
    service.set_amounts("B", [cell("1100", "2025-05", "5")])
    service.copy_from_actuals("B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("0"), all_accounts=True)
    grid = budget_queries(books).grid("B", date(2025, 1, 1))
    # the bank's monthly movements; May had none, so the typed 5.00 is replaced by zero
    assert months(grid.row("1100").amounts, m1="0.25", m2="-5.35", m3="-500.00", m12="-10.00")

    service.copy_from_actuals("B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("-2.5"), "SALES")
    sales = budget_queries(books).grid("B", date(2025, 1, 1), "SALES")
    assert months(sales.row("4010").amounts, m3="487.50")
    assert sales.row("6100").amounts == ZERO12
    assert budget_queries(books).grid("B", date(2025, 1, 1)).row("4010").amounts[2] == D("500.00")  # untouched

    # one month of 2024 onto July 2026, and -100% empties the months it covers
    service.copy_from_actuals("B", date(2024, 3, 5), date(2024, 3, 25), date(2026, 7, 1), D("50"))
    assert months(budget_queries(books).grid("B", date(2026, 1, 1)).row("6100").amounts, m7="1500.00")
    service.copy_from_actuals("B", date(2024, 3, 1), date(2024, 3, 31), date(2026, 7, 1), D("-100"))
    assert budget_queries(books).grid("B", date(2026, 1, 1)).row("6100").amounts == ZERO12


def test_copy_refuses_nonsense(books: Books) -> None:
    service = budgets(books)
    service.create_budget("B")
    with pytest.raises(ValidationError, match=r"^the source range ends before it starts$"):
        service.copy_from_actuals("B", date(2024, 12, 1), date(2024, 1, 1), date(2025, 1, 1), D("0"))
    with pytest.raises(ValidationError, match=r"^the change must be a percentage of at least -100, not -101$"):
        service.copy_from_actuals("B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("-101"))
    with pytest.raises(ValidationError, match=r"^unknown department 'NOPE'$"):
        service.copy_from_actuals("B", date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1), D("0"), "NOPE")


# ----------------------------------------------------------------------------- permissions


def test_viewers_read_budgets_and_only_managers_change_them(books: Books) -> None:
    company = books.company
    company.add_user(books.ctx, "vera", PASSWORD, roles=("Viewer",))
    company.add_user(books.ctx, "carl", PASSWORD, roles=("Controller",))
    company.add_user(books.ctx, "anna", PASSWORD, roles=("Accountant",))
    budgets(books).create_budget("B")
    viewer = company.login("vera", PASSWORD)
    assert company.budget_queries(viewer).grid("B", date(2025, 1, 1)).budget == "B"
    for call in (
        lambda: company.budgets(viewer).set_amounts("B", [cell("6100", "2025-01", "1")]),
        lambda: company.budgets(viewer).create_budget("C"),
        lambda: company.budgets(company.login("anna", PASSWORD)).delete_budget("B"),
    ):
        with pytest.raises(PermissionDenied, match=r"ledger.budget.manage"):
            call()
    controller = company.login("carl", PASSWORD)
    company.budgets(controller).set_amounts("B", [cell("6100", "2025-01", "1")])
    assert budget_queries(books).grid("B", date(2025, 1, 1)).row("6100").amounts[0] == D("1.00")
