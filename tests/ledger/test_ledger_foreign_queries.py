"""The read side of foreign-currency lines, on both engines: what the entry editor and the account ledger
ask (foreign_setup, entry lines with their foreign amounts, ledger_currencies, the running EUR balance
over pages, the EUR balance at a date)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.ledger.commands import LineInput
from tests.conftest import Books
from tests.ledger.helpers import entry

D = Decimal


def eur(account: str, debit: str = "0", credit: str = "0", units: str = "0") -> LineInput:
    return LineInput(account, debit=D(debit), credit=D(credit), currency="EUR", amount_cur=D(units))


def test_the_foreign_setup_and_a_eur_bank_accounts_ledger(books: Books) -> None:
    q = books.queries
    assert not q.foreign_setup().in_use  # a base-only company
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1110", "EUR", "Euro Bank"))
    books.company.invoicing(books.ctx).set_rate("EUR", date(2024, 6, 1), D("1.0825"))
    setup = q.foreign_setup()
    assert (setup.base_currency, setup.rated, setup.bank_currency, setup.in_use) == (
        "USD",
        ("EUR",),
        {"1110": "EUR"},
        True,
    )

    first, _ = books.ledger.post(entry("2024-06-03", eur("1110", debit="1082.50", units="1000"), ("3100", "-1082.50")))
    books.ledger.post(entry("2024-06-10", ("6100", "110.00"), eur("1110", credit="110.00", units="100.00")))
    books.ledger.post(entry("2024-06-12", ("6100", "55.00"), eur("1110", credit="55.00", units="50.00")))
    lines = q.entry(first.id).lines
    assert [(ln.account_code, ln.currency, ln.amount_cur) for ln in lines] == [
        ("1110", "EUR", D("1000.00")),
        ("3100", "", None),
    ]

    bank = q.account("1110").id
    currencies = q.ledger_currencies(bank)
    assert (currencies.foreign, currencies.balance_currency) == (("EUR",), "EUR")
    assert q.ledger_currencies(q.account("3100").id).foreign == ()
    assert q.ledger_currencies(bank, start=date(2024, 7, 1)).foreign == ()  # none in July, still a EUR bank

    # two pages of one line: the EUR balance carries over like the base one
    page = q.account_ledger(bank, limit=2, start=date(2024, 6, 5), balance_currency="EUR")
    assert page.opening_cur == D("1000.00") and page.opening == D("1082.50")
    assert [(ln.amount_cur, ln.balance_cur, ln.balance) for ln in page.lines] == [
        (D("-100.00"), D("900.00"), D("972.50")),
        (D("-50.00"), D("850.00"), D("917.50")),
    ]
    first_page = q.account_ledger(bank, limit=1, balance_currency="EUR")
    second = q.account_ledger(
        bank,
        limit=1,
        after=first_page.cursor,
        opening=first_page.closing,
        opening_cur=first_page.closing_cur,
        balance_currency="EUR",
    )
    assert (first_page.closing_cur, second.closing_cur) == (D("1000.00"), D("900.00"))
    assert q.account_ledger(bank).lines[0].balance_cur is None  # no balance currency asked for
    assert q.account_balance_cur(bank, "EUR") == D("850.00")
    assert q.account_balance_cur(bank, "EUR", date(2024, 6, 10)) == D("900.00")

    # an expense account with a EUR line among base lines: a foreign column, but no EUR balance
    books.ledger.post(entry("2024-06-14", eur("6100", debit="21.65", units="20.00"), ("1100", "-21.65")))
    mixed = q.ledger_currencies(q.account("6100").id)
    assert (mixed.foreign, mixed.balance_currency) == (("EUR",), None)
