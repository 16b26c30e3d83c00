"""Postings reuse the chart and journals between calls (PostingFacts), but never past a change another
client committed, nor past a change that was rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from paksa_desktop.company import Company
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.ledger.posting import Poster, PostingFacts
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.helpers import entry


def other_client(books: Books) -> Company:
    return Company.open(books.url, clock=books.clock)


def test_an_account_deactivated_by_another_client_is_refused_at_the_next_posting(books: Books) -> None:
    ledger = books.company.ledger(books.ctx)
    ledger.post(entry("2024-02-01", ("6100", "10.00"), ("1100", "-10.00")))  # the chart is now remembered
    with other_client(books) as other:
        other.ledger(other.login("admin", ADMIN_PASSWORD)).update_account("6100", is_active=False)
    with pytest.raises(ValidationError, match="6100 is inactive"):
        ledger.post(entry("2024-02-02", ("6100", "10.00"), ("1100", "-10.00")))


def test_a_journal_added_by_another_client_or_in_plain_sql_is_found_at_the_next_posting(books: Books) -> None:
    ledger = books.company.ledger(books.ctx)
    ledger.post(entry("2024-02-01", ("6100", "10.00"), ("1100", "-10.00")))
    with other_client(books) as other:
        other.ledger(other.login("admin", ADMIN_PASSWORD)).create_journal("EXP", "Expenses")
    ledger.post(entry("2024-02-02", ("6100", "10.00"), ("1100", "-10.00"), journal="EXP"))
    with books.company.engine.begin() as conn:  # plain SQL, triggers on: the counter moves all the same
        conn.execute(text("UPDATE journals SET is_active = false WHERE code = 'EXP'"))
    with pytest.raises(NotFoundError, match="EXP"):
        ledger.post(entry("2024-02-03", ("6100", "10.00"), ("1100", "-10.00"), journal="EXP"))


def test_what_a_rolled_back_transaction_read_is_not_remembered(books: Books) -> None:
    facts = PostingFacts()
    with UnitOfWork(books.company.engine) as uow:  # renames an account, reads the chart, never commits
        uow.session.execute(text("UPDATE accounts SET name = 'Renamed' WHERE code = '6100'"))
        assert Poster(uow.session, books.ctx, facts).accounts["6100"].name == "Renamed"
    with UnitOfWork(books.company.engine) as uow:
        poster = Poster(uow.session, books.ctx, facts)
        assert poster.accounts["6100"].name != "Renamed"
        uow.commit()
    with UnitOfWork(books.company.engine) as uow:  # now remembered, as committed
        assert facts.accounts(Poster(uow.session, books.ctx)._version) is not None
