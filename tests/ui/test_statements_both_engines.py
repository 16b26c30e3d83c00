"""The statements screen over a shared PostgreSQL database as well as a SQLite file: figures, drill-down."""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.ledger.statements import By
from tests.conftest import Books
from tests.ui.conftest import wait_idle
from tests.ui.test_drilldown import double_click
from tests.ui.test_statements_view import choose, engine_texts, open_statements, shown_rows
from ui.ledger.ledger_tab import ACCOUNT_LEDGER
from ui.ledger.statement_request import Statement
from ui.session import AppSession


@pytest.fixture
def session(books: Books) -> AppSession:
    """Overrides the SQLite-only session of tests/ui/conftest.py: one company per engine."""
    return AppSession(books.company, books.ctx)


def test_income_statement_by_month_and_drill_down(qtbot, window, books):
    view = open_statements(qtbot, window, books)
    report = choose(qtbot, view, Statement.INCOME_STATEMENT, columns=By.MONTH)
    assert [texts for _depth, texts in shown_rows(view)] == engine_texts(report)
    net = view.model.find("Net income")
    assert view.model.index(net.row(), 6).data() == "5,050.00"
    sales = view.model.find("4010")
    double_click(qtbot, view.tree, view.model.index(sales.row(), 2, sales.parent()))
    ledger = window.ledger_tab.current_view()
    assert ledger is window.ledger_tab.views[ACCOUNT_LEDGER]
    wait_idle(qtbot, ledger)
    assert (ledger.account.code(), ledger.start.value(), ledger.end.value()) == (
        "4010", date(2024, 2, 1), date(2024, 2, 29),
    )  # fmt: skip
    assert ledger.model.rowCount() == 1
