"""Property: whatever amounts are set (within the currency's precision), the grid reads back exactly them.

Each example writes into a budget of its own, so examples sharing the test's company cannot see each
other; a second `set_amounts` in the same example checks that cells are replaced, not added.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paksa_desktop.company import Company, NewCompany
from paksa_desktop.core.clock import FixedClock
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.ledger.budget_rules import MAX_MINOR
from paksa_desktop.ledger.budgets import BudgetCell, BudgetQueries, BudgetService
from tests.conftest import Books

ACCOUNTS = ("1100", "2010", "3100", "4010", "4030", "5010", "6100", "7010")  # every account type
DEPARTMENTS = (None, "D1")
PROJECTS = (None, "P1")
MONTHS = tuple(date(2025, m, 1) for m in range(1, 13))
COMMON = settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_names = itertools.count()

Key = tuple[str, int, str | None, str | None]


def amounts(exponent: int) -> st.SearchStrategy[Decimal]:
    """Any amount the currency can hold: minor units scaled, whole units, and the edges."""
    minor = st.integers(-MAX_MINOR, MAX_MINOR).map(lambda n: Decimal(n).scaleb(-exponent))
    whole = st.integers(-(10**6), 10**6).map(Decimal)
    edges = st.sampled_from([Decimal(0), Decimal(MAX_MINOR).scaleb(-exponent), -Decimal(MAX_MINOR).scaleb(-exponent)])
    return st.one_of(minor, whole, edges)


def cells(exponent: int) -> st.SearchStrategy[dict[Key, Decimal]]:
    keys = st.tuples(
        st.sampled_from(ACCOUNTS), st.integers(0, 11), st.sampled_from(DEPARTMENTS), st.sampled_from(PROJECTS)
    )
    return st.dictionaries(keys, amounts(exponent), max_size=24)


@dataclass
class Target:
    service: BudgetService
    queries: BudgetQueries
    exponent: int


def check_round_trip(target: Target, first: dict[Key, Decimal], second: dict[Key, Decimal], day: int) -> None:
    name = f"P{next(_names)}"
    target.service.create_budget(name)
    expected: dict[Key, Decimal] = {}
    for batch in (first, second):
        target.service.set_amounts(
            name,
            [BudgetCell(code, MONTHS[m].replace(day=day), amount, d, p) for (code, m, d, p), amount in batch.items()],
        )
        expected.update(batch)
        for department, project in itertools.product(DEPARTMENTS, PROJECTS):
            grid = target.queries.grid(name, date(2025, 1, 1), department, project)
            for code in ACCOUNTS:
                row = grid.row(code)
                want = [expected.get((code, m, department, project), Decimal(0)) for m in range(12)]
                assert list(row.amounts) == want, (code, department, project)
                assert all(a.as_tuple().exponent == -target.exponent for a in row.amounts if a)
                assert row.total == sum(want, Decimal(0))
    target.service.delete_budget(name)


def with_dimensions(ledger: Any) -> None:
    ledger.create_department("D1", "Department one")
    ledger.create_project("P1", "Project one")


@pytest.fixture
def usd(books: Books) -> Target:
    with_dimensions(books.ledger)
    return Target(books.company.budgets(books.ctx), books.company.budget_queries(books.ctx), 2)


@COMMON
@given(first=cells(2), second=cells(2), day=st.integers(1, 28))
def test_set_amounts_then_grid_reads_back_exactly(usd: Target, first: Any, second: Any, day: int) -> None:
    check_round_trip(usd, first, second, day)


@pytest.fixture(scope="module", params=["JPY", "KWD"])
def foreign(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """Currencies with no and with three decimals (SQLite: the rule does not depend on the engine)."""
    code = request.param
    password = "property-password-42"
    path = tmp_path_factory.mktemp("budget") / f"{code}.paksa"
    company = Company.create(
        path,
        NewCompany(f"{code} Ltd", code, admin_password=password),
        clock=FixedClock(datetime(2025, 1, 1, tzinfo=UTC)),
    )
    ctx = company.login("admin", password)
    with_dimensions(company.ledger(ctx))
    yield Target(company.budgets(ctx), company.budget_queries(ctx), currency_exponent(code))
    company.close()


@COMMON
@given(data=st.data())
def test_round_trip_in_currencies_with_other_precisions(foreign: Target, data: st.DataObject) -> None:
    first = data.draw(cells(foreign.exponent))
    second = data.draw(cells(foreign.exponent))
    check_round_trip(foreign, first, second, data.draw(st.integers(1, 28)))
