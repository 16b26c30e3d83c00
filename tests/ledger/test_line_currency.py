"""Foreign-currency amounts on journal lines (migration 0023): what posting accepts and refuses, on both
engines; reversals and drafts keep them; the journal import's optional `currency,amount_cur` columns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.errors import ImportFileError, ValidationError
from paksa_desktop.ledger.commands import LineInput
from paksa_desktop.ledger.import_journal import import_journal_file
from paksa_desktop.ledger.models import Account, JournalEntry, JournalLine
from paksa_desktop.ledger.posting import Poster, PreparedEntry, PreparedLine
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books, tamper
from tests.ledger.helpers import entry, line

D = Decimal


def eur(account: str, amount: str, units: str, memo: str = "") -> LineInput:
    """A line of `amount` USD (debit positive) that is `units` EUR (unsigned, on the line's side)."""
    plain = line(account, amount, memo)
    return LineInput(plain.account, plain.debit, plain.credit, memo, currency="EUR", amount_cur=D(units))


def stored(books: Books, entry_id: int) -> list[tuple[str, int, str | None, int | None]]:
    with UnitOfWork(books.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(Account.code, JournalLine.amount, JournalLine.currency, JournalLine.amount_cur)
            .join(Account, Account.id == JournalLine.account_id)
            .where(JournalLine.entry_id == entry_id)
            .order_by(JournalLine.line_no)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def euro_bank(books: Books, gl: str = "1110") -> None:
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", gl, "EUR", "Euro Bank"))


def test_a_foreign_amount_is_posted_with_its_line(books: Books) -> None:
    ref, _ = books.ledger.post(entry("2024-03-01", eur("1110", "110.00", "100.00"), ("3100", "-110.00")))
    assert stored(books, ref.id) == [("1110", 11000, "EUR", 10000), ("3100", -11000, None, None)]
    credit, _ = books.ledger.post(entry("2024-03-02", ("6130", "55.00"), eur("1110", "-55.00", "50.00")))
    assert stored(books, credit.id) == [("6130", 5500, None, None), ("1110", -5500, "EUR", -5000)]


@pytest.mark.parametrize(
    ("foreign", "message"),
    [
        (PreparedLine(0, 100, currency="XYZ", amount_cur=90), "unknown currency code 'XYZ'"),
        (PreparedLine(0, 100, currency="eur", amount_cur=90), "unknown currency code 'eur'"),
        (PreparedLine(0, 100, currency="USD", amount_cur=100), "USD is the base currency"),
        (PreparedLine(0, 100, currency="EUR"), "a line in EUR needs its amount in EUR"),
        (PreparedLine(0, 100, amount_cur=90), "a foreign amount needs its currency"),
        (PreparedLine(0, 100, currency="EUR", amount_cur=-90), "EUR amount -0.90 and the base amount 1.00 USD"),
    ],
)
def test_the_poster_refuses_a_malformed_foreign_amount(books: Books, foreign: PreparedLine, message: str) -> None:
    with UnitOfWork(books.company.engine) as uow:
        poster = Poster(uow.session, books.ctx)
        bank, capital = poster.accounts["1110"].id, poster.accounts["3100"].id
        lines = [foreign._replace(account_id=bank), PreparedLine(capital, -100)]
        with pytest.raises(ValidationError, match=f"account 1110 \\(Savings bank account\\): .*{message}"):
            poster.check(PreparedEntry(poster.journal("GEN")[0], date(2024, 3, 1), lines))
        # zero in the currency is a base-only adjustment (a revaluation's line): accepted
        poster.check(PreparedEntry(poster.journal("GEN")[0], date(2024, 3, 1), [
            PreparedLine(bank, 100, currency="EUR", amount_cur=0), PreparedLine(capital, -100)
        ]))  # fmt: skip


def test_a_foreign_bank_account_takes_only_lines_in_its_currency(books: Books) -> None:
    euro_bank(books)
    with pytest.raises(ValidationError, match=r"account 1110 \(Savings bank account\) is the GL account of a bank "
                       r"account kept in EUR: .* in EUR as well as in USD$"):  # fmt: skip
        books.ledger.post(entry("2024-03-01", ("1110", "110.00"), ("3100", "-110.00")))
    gbp = LineInput("1110", debit=D("110.00"), currency="GBP", amount_cur=D("90.00"))
    with pytest.raises(ValidationError, match=r"kept in EUR: .* \(this one is in GBP\)"):
        books.ledger.post(entry("2024-03-01", gbp, ("3100", "-110.00")))
    ref, _ = books.ledger.post(entry("2024-03-01", eur("1110", "110.00", "100.00"), ("3100", "-110.00")))
    assert stored(books, ref.id)[0] == ("1110", 11000, "EUR", 10000)
    # the service's own checks of its input, before the poster's
    with pytest.raises(ValidationError, match="account 1110: the EUR amount must not be negative"):
        books.ledger.post(
            entry("2024-03-01", LineInput("1110", D("1"), currency="EUR", amount_cur=D("-1")), ("3100", "-1"))
        )
    with pytest.raises(ValidationError, match=r"account 1110: EUR amount 1\.001: .*decimal"):
        books.ledger.post(
            entry("2024-03-01", LineInput("1110", D("1"), currency="EUR", amount_cur=D("1.001")), ("3100", "-1"))
        )


def test_a_reversal_and_a_posted_draft_keep_the_foreign_amounts(books: Books) -> None:
    euro_bank(books)
    ref, _ = books.ledger.post(entry("2024-03-01", eur("1110", "110.00", "100.00"), ("3100", "-110.00")))
    reversal, _ = books.ledger.reverse(ref.id, date(2024, 3, 5))
    assert stored(books, reversal.id) == [("1110", -11000, "EUR", -10000), ("3100", 11000, None, None)]
    draft, _ = books.ledger.save_draft(entry("2024-03-06", eur("1110", "-22.00", "20.00"), ("6130", "22.00")))
    posted, _ = books.ledger.post_draft(draft.id, draft.version)
    assert stored(books, posted.id) == [("1110", -2200, "EUR", -2000), ("6130", 2200, None, None)]
    with UnitOfWork(books.company.engine, write=False) as uow:
        number = uow.session.execute(select(JournalEntry.number).where(JournalEntry.id == posted.id)).scalar_one()
    assert number.startswith("GEN-2024-")


HEADER = "entry,date,account,debit,credit,memo,department,project"


def write(tmp_path: Path, *rows: str, header: str = HEADER + ",currency,amount_cur") -> Path:
    path = tmp_path / "journal.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_journal_import_reads_the_optional_foreign_columns(books: Books, tmp_path: Path) -> None:
    euro_bank(books)
    path = write(
        tmp_path,
        "E1,2024-03-01,1110,110.00,,EUR in,,,EUR,100.00",
        "E1,2024-03-01,3100,,110.00,,,,,",
        "E2,2024-03-02,6130,55.00,,Supplies,,,,",
        "E2,2024-03-02,1110,,55.00,,,,EUR,50.00",
    )
    result, _ = import_journal_file(books.ledger, path)
    assert (result.entries, result.lines) == (2, 4)
    with UnitOfWork(books.company.engine, write=False) as uow:
        ids = uow.session.execute(select(JournalEntry.id).order_by(JournalEntry.id)).scalars().all()
    assert stored(books, ids[0]) == [("1110", 11000, "EUR", 10000), ("3100", -11000, None, None)]
    assert stored(books, ids[1]) == [("6130", 5500, None, None), ("1110", -5500, "EUR", -5000)]


def test_an_old_journal_file_imports_as_before(books: Books, tmp_path: Path) -> None:
    path = write(tmp_path, "P1,2024-03-01,6100,900.00,,Rent,,", "P1,2024-03-01,1100,,900.00,Rent,,", header=HEADER)
    result, _ = import_journal_file(books.ledger, path)
    assert (result.entries, result.lines) == (1, 2)
    with UnitOfWork(books.company.engine, write=False) as uow:
        (entry_id,) = uow.session.execute(select(JournalEntry.id)).scalars().all()
    assert stored(books, entry_id) == [("6100", 90000, None, None), ("1100", -90000, None, None)]


def test_bad_foreign_columns_are_named_and_nothing_is_imported(books: Books, tmp_path: Path) -> None:
    euro_bank(books)
    path = write(
        tmp_path,
        "E1,2024-03-01,1110,110.00,,,,,EUR,",
        "E1,2024-03-01,3100,,110.00,,,,,5.00",
        "E2,2024-03-01,1110,10.00,,,,,USD,10.00",
        "E2,2024-03-01,3100,,10.00,,,,ABC,1.00",
        "E3,2024-03-01,1110,10.00,,,,,EUR,-9.00",
        "E3,2024-03-01,3100,,10.00,,,,EUR,9.001",
        "E4,2024-03-01,1110,10.00,,,,,,",
        "E4,2024-03-01,3100,,10.00,,,,,",
        "E5,2024-03-01,3100,10.00,,,,,,",
        "E5,2024-03-01,6130,,10.00,,,,,",
    )
    with pytest.raises(ImportFileError) as caught:
        import_journal_file(books.ledger, path)
    text = str(caught.value)
    for expected in (
        "journal.csv:2: amount_cur: required when currency is given (the line's amount in EUR)",
        "journal.csv:3: currency: required when amount_cur is given",
        "journal.csv:4: currency: USD is the base currency; leave currency and amount_cur empty",
        "journal.csv:5: currency: unknown currency code 'ABC'",
        "journal.csv:6: amount_cur: must not be negative",
        "journal.csv:7: amount_cur:",
        "journal.csv:8: entry: account 1110 (Savings bank account) is the GL account of a bank account kept in EUR",
    ):
        assert expected in text, (expected, text)
    assert "journal.csv:10" not in text  # E5 is fine: only the others stop the import
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert uow.session.execute(select(JournalEntry.id)).first() is None


def test_postgres_refuses_a_malformed_foreign_amount_written_around_the_poster(pg_books: Books) -> None:
    """The CHECK of migration 0023 holds even with the triggers switched off (a superuser's session)."""
    ref, _ = pg_books.ledger.post(entry("2024-03-01", eur("1110", "110.00", "100.00"), ("3100", "-110.00")))
    insert = (
        "INSERT INTO journal_lines (entry_id, line_no, account_id, date, amount, memo, currency, amount_cur) "
        "SELECT entry_id, 9, account_id, date, amount, '', :cur, :units FROM journal_lines WHERE entry_id = :e LIMIT 1"
    )
    for cur, units in (("EUR", -100), ("EUR", None), (None, 5), ("eur", 5)):
        with pytest.raises(IntegrityError, match="ck_journal_lines_line_currency"):
            tamper(pg_books.company.engine, insert, cur=cur, units=units, e=ref.id)
