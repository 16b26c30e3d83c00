"""Foreign bank balances in the revaluation: the GL lines' EUR amounts at the closing rate against their
base amounts, whatever the statements say; reversed the next day; alongside the receivables; the cash
position's own-currency balance from the same lines. On both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.errors import PermissionDenied
from paksa_desktop.ledger.commands import AccountInput, EntryInput, LineInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType
from paksa_desktop.security.permissions import Permission
from tests.banking.helpers import line, statement
from tests.conftest import Books
from tests.fx.test_revaluation import DAY, foreign_receivables, fx
from tests.receivables.helpers import balance, inv

D = Decimal


def _eur_bank(books: Books) -> None:
    """USD company. Bank EUR (GL 1120): EUR 100.00 paid in on 1 March at 1.10 (110.00); EUR 50.00 posted
    on 30 March at 1.10 (55.00), not on the bank's statement yet (it ends 28 March at EUR 100.00): the
    books hold EUR 150.00 for 165.00. Closing rate on 31 March: EUR 1.15."""
    books.ledger.create_account(
        AccountInput("1120", "Bank EUR", AccountType.ASSET, "1000", AccountSubtype.BANK, currency="EUR")
    )
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1120", "EUR", "Euro Bank"))
    for day, amount, euros in ((date(2024, 3, 1), "110.00", "100.00"), (date(2024, 3, 30), "55.00", "50.00")):
        bank = LineInput("1120", debit=D(amount), currency="EUR", amount_cur=D(euros))
        books.ledger.post(EntryInput(day, (bank, LineInput("3100", credit=D(amount))), memo="EUR in"))
    books.company.statement_import(books.ctx).import_statements(
        "Euro",
        [
            statement(
                line("2024-03-01", "100.00", "", "E1"),
                currency="EUR",
                statement_id="S-03",
                start="2024-03-01",
                end="2024-03-28",
                opening="0.00",
                closing="100.00",
            )
        ],
    )
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    inv(books).set_rate("EUR", DAY, D("1.15"))


def test_a_foreign_bank_account_is_revalued_from_its_gl_lines(books: Books) -> None:
    _eur_bank(books)
    plan = fx(books).preview(DAY)
    (item,) = plan.items
    # EUR 150.00 at 1.15 = 172.50 against the 165.00 the books hold: +7.50. The 50.00 of 30 March counts
    # though no statement holds it yet: the ledger knows its euros.
    assert (item.item.source, item.item.document, item.item.party, item.item.open_units) == (
        "bank",
        "GL balance at 2024-03-31",
        "Euro",
        15000,
    )
    assert (item.item.carried_base, item.revalued_base, item.difference) == (16500, 17250, 750)
    result, _ = fx(books).revalue(DAY)
    assert result.entry_number is not None
    assert balance(books, "1120", DAY) == D("172.50")
    assert balance(books, "4120", DAY) == D("-7.50")  # an unrealised gain
    assert balance(books, "1120", date(2024, 4, 1)) == D("165.00")  # reversed the next day
    assert balance(books, "4120", date(2024, 4, 1)) == 0
    report = fx(books).revaluation_report(DAY)
    assert report.rows[0].cells == (
        "EUR", "bank", "GL balance at 2024-03-31", "Euro", "150.00 EUR", D("165.00"), "1.15", D("172.50"),
        D("7.50"),
    )  # fmt: skip


def test_bank_and_receivables_are_revalued_together(books: Books) -> None:
    foreign_receivables(books)  # EUR at 1.15 and GBP at 1.22 on 31 March: -0.40 on the receivables
    _eur_bank(books)
    plan = fx(books).preview(DAY)
    assert [i.item.source for i in plan.items] == ["receivables", "receivables", "receivables", "bank"]
    assert plan.total == -40 + 750
    receivable, bank = plan.items[0].item.control_account_id, plan.items[3].item.control_account_id
    assert plan.differences() == {("EUR", receivable): 320, ("GBP", receivable): -360, ("EUR", bank): 750}


def test_an_account_without_lines_by_the_day_is_left_out(books: Books) -> None:
    _eur_bank(books)
    assert fx(books).preview(date(2024, 2, 29)).items == ()


def test_revaluing_a_bank_needs_cash_view(books: Books) -> None:
    _eur_bank(books)
    no_cash = replace(books.ctx, permissions=books.ctx.permissions - {Permission.CASH_VIEW})
    with pytest.raises(PermissionDenied, match=r"cash\.view"):
        books.company.fx_revaluation(no_cash).preview(DAY)


def test_the_cash_position_takes_the_foreign_balance_from_the_gl_lines(books: Books) -> None:
    _eur_bank(books)
    (row,) = books.company.cash_position(books.ctx).position(DAY).rows
    # the books' EUR 150.00 exactly; the statement (to 28 March) says 100.00
    assert (row.balance, row.base_balance, row.statement_balance) == (D("150.00"), D("165.00"), D("100.00"))
