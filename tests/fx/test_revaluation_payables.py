"""Period-end revaluation of open foreign payables: bills and vendor credit notes as of the day, at the
closing rate, figures by hand; the payable control account then equals the subledger at closing rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.errors import PermissionDenied
from paksa_desktop.fx.revaluation import PayablesBalances
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountSubtype, AccountType
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, gl_balance
from tests.receivables.helpers import inv

D = Decimal
DAY = date(2024, 3, 31)


def foreign_payables(books: Books) -> dict[str, str]:
    """USD company. EUR vendor: BILL 1,000.00 at 1.10 (1,100.00), EUR 400.00 paid on 15 March at 1.12
    from the euro account (relieves 440.00 of the bill, realised loss 8.00), CREDIT NOTE 100.00 on 20 March
    at 1.12 (112.00) not applied. GBP vendor: BILL 200.00 at 1.25 (250.00). USD vendor: BILL 50.00.
    Closing rates on 31 March: EUR 1.15, GBP 1.22."""
    books.ledger.create_account(
        AccountInput("1120", "Bank EUR", AccountType.ASSET, "1000", AccountSubtype.BANK, currency="EUR")
    )
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1120", "EUR", "Euro Bank"))
    ap = Payables(books)
    ap.vendor("EU", "Euro Parts GmbH", currency="EUR")
    ap.vendor("GB", "Brit Tools Ltd", currency="GBP")
    ap.vendor("US", "Home Supplies Inc")
    for currency, day, rate in (
        ("EUR", date(2024, 3, 1), "1.10"),
        ("GBP", date(2024, 3, 1), "1.25"),
        ("EUR", date(2024, 3, 15), "1.12"),
        ("EUR", DAY, "1.15"),
        ("GBP", DAY, "1.22"),
    ):
        inv(books).set_rate(currency, day, D(rate))  # fmt: skip
    eur = ap.bill("EU", "1000.00", date(2024, 3, 1), rate="1.10")
    gbp = ap.bill("GB", "200.00", date(2024, 3, 2), rate="1.25")
    ap.bill("US", "50.00", date(2024, 3, 3))
    books.company.vendor_payments(books.ctx).pay(
        PaymentInput("EU", "Euro", date(2024, 3, 15), (BillToPay(eur, D("400.00")),))
    )
    note = ap.credit_note("EU", "100.00", date(2024, 3, 20), rate="1.12")
    return {"eur": eur, "gbp": gbp, "note": note}


def test_open_foreign_payables_are_revalued_at_the_closing_rate(books: Books) -> None:
    numbers = foreign_payables(books)
    assert gl_balance(books, "7020", DAY) == 800  # realised at the payment: 448.00 paid for 440.00 relieved
    result, _ = books.company.fx_revaluation(books.ctx).revalue(DAY)
    payables = [r for r in result.revaluation.items if r.item.source == "payables"]
    # EUR bill: open 600.00 carried 660.00, at 1.15 = 690.00 owed: -30.00 (a loss)
    # EUR credit note: 100.00 carried 112.00, at 1.15 = 115.00: +3.00; GBP bill: 200.00 carried 250.00,
    # at 1.22 = 244.00 owed: +6.00
    assert [
        (r.item.kind, r.item.document, r.item.party, r.item.open_units, r.item.carried_base, r.revalued_base)
        for r in payables
    ] == [
        ("bill", numbers["eur"], "EU", -60000, -66000, -69000),
        ("credit_note", numbers["note"], "EU", 10000, 11200, 11500),
        ("bill", numbers["gbp"], "GB", -20000, -25000, -24400),
    ]
    assert sum(r.difference for r in payables) == -2100
    # the payable account on the day: 2010 at closing rates (subledger 690.00 - 115.00 + 244.00 + 50.00 owed)
    assert gl_balance(books, "2010", DAY) == -86900
    # the euro bank account is revalued too: EUR -400.00 carried -448.00, at 1.15 = -460.00: -12.00 (a loss)
    assert gl_balance(books, "7020", DAY) == 800 + 2700 + 1200 and gl_balance(books, "4120", DAY) == -600
    assert gl_balance(books, "2010", date(2024, 4, 1)) == -84800  # reversed the next day: historical again


def test_payables_are_taken_as_they_were_open_on_the_day(books: Books) -> None:
    numbers = foreign_payables(books)
    plan = books.company.fx_revaluation(books.ctx).preview(date(2024, 3, 10))
    # before the payment and the credit note: the whole bill at its own rate, nothing to revalue yet
    assert [(r.item.document, r.item.open_units, r.item.carried_base, r.difference) for r in plan.items] == [
        (numbers["eur"], -100000, -110000, 0),
        (numbers["gbp"], -20000, -25000, 0),
    ]


def test_revaluing_payables_needs_payables_view(books: Books) -> None:
    foreign_payables(books)
    assert PayablesBalances.permission == "payables.view"
    books.company.users(books.ctx).add_user(NewUser("arc", "Ar-Clerk-Passw0rd!", roles=("AR clerk",)))
    clerk = books.company.login("arc", "Ar-Clerk-Passw0rd!")
    with pytest.raises(PermissionDenied, match=r"payables\.view"):
        books.company.fx_revaluation(clerk).preview(DAY)
