"""Read models the desktop client relies on: a cheap account pick list, one account's balance, descriptions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType
from tests.ledger.helpers import entry


def test_accounts_without_balances_lists_the_chart_with_zero_balances(books):
    books.ledger.post(entry("2024-01-31", ("1100", "100.00"), ("4010", "-100.00")))
    with_balances = {a.code: a for a in books.queries.accounts()}
    pick_list = {a.code: a for a in books.queries.accounts(with_balances=False)}
    assert pick_list.keys() == with_balances.keys()
    assert with_balances["1100"].balance == Decimal("100.00")
    assert all(a.balance == 0 for a in pick_list.values())
    assert pick_list["1000"].is_leaf is False and pick_list["1100"].is_leaf is True


def test_account_balance_as_of_a_date(books):
    books.ledger.post(entry("2024-01-31", ("1100", "100.00"), ("4010", "-100.00")))
    books.ledger.post(entry("2024-02-15", ("6100", "30.00"), ("1100", "-30.00")))
    bank = books.queries.account("1100").id
    assert books.queries.account_balance(bank) == Decimal("70.00")
    assert books.queries.account_balance(bank, date(2024, 1, 31)) == Decimal("100.00")
    assert books.queries.account_balance(bank, date(2023, 12, 31)) == Decimal("0.00")


def test_account_rows_carry_their_description(books):
    books.ledger.create_account(AccountInput("6155", "Cyber insurance", AccountType.EXPENSE, "6000", description="x"))
    assert books.queries.account("6155").description == "x"
