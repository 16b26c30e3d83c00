"""Period-end revaluation of open foreign receivables: figures by hand, reversal, reconciliation, rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paksa_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from paksa_desktop.fx.revaluation import OpenBalance, Revaluation, entry_lines, revalue_items
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType, EntryState
from paksa_desktop.ledger.queries import EntryFilter
from paksa_desktop.receivables.commands import ReceiptInput
from paksa_desktop.reporting.model import RowStyle
from tests.conftest import Books
from tests.receivables.helpers import ar, balance, customer, docs, inv, login_as, rec, sale, with_customer
from tests.receivables.test_receipts import pay

D = Decimal
DAY = date(2024, 3, 31)


def fx(books: Books):  # type: ignore[no-untyped-def]
    return books.company.fx_revaluation(books.ctx)


def foreign_receivables(books: Books) -> dict[str, str]:
    """USD company. EUR: INV 120.00 at 1.10 (132.00), EUR 50.00 paid at 1.12 (relieves 55.00, realised
    gain 1.00), EUR 10.00 unapplied at 1.12 (11.20). GBP: INV 120.00 at 1.25 (150.00). USD: 120.00.
    Closing rates on 31 March: EUR 1.15, GBP 1.22."""
    with_customer(books, code="C001", currency="EUR")
    ar(books).create_customer(customer("C002", "Brit Ltd", currency="GBP"))
    ar(books).create_customer(customer("C003", "Home Inc"))
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    inv(books).set_rate("GBP", date(2024, 3, 1), D("1.25"))
    eur = inv(books).issue(sale("C001", "2024-03-01"))[0].number
    gbp = inv(books).issue(sale("C002", "2024-03-02"))[0].number
    usd = inv(books).issue(sale("C003", "2024-03-03"))[0].number
    inv(books).set_rate("EUR", date(2024, 3, 15), D("1.12"))
    rec(books).record(ReceiptInput("C001", date(2024, 3, 15), D("50.00"), "1100", (pay(eur, "50.00"),)))
    receipt = rec(books).record(ReceiptInput("C001", date(2024, 3, 20), D("10.00"), "1100", ()))[0].number
    inv(books).set_rate("EUR", DAY, D("1.15"))
    inv(books).set_rate("GBP", DAY, D("1.22"))
    return {"eur": eur, "gbp": gbp, "usd": usd, "receipt": receipt}


def test_revaluation_posts_the_differences_and_reverses_them_the_next_day(books: Books) -> None:
    numbers = foreign_receivables(books)
    assert balance(books, "4120", DAY) == D("-1.00")  # the realised gain at settlement
    assert docs(books).reconcile(DAY).difference == 0
    result, changes = fx(books).revalue(DAY)
    # EUR: open 70.00 - 10.00 = 60.00 carried 77.00 - 11.20 = 65.80, at 1.15 = 80.50 - 11.50 = 69.00: +3.20
    # GBP: open 120.00 carried 150.00, at 1.22 = 146.40: -3.60
    assert [
        (r.item.document, r.item.open_units, r.item.carried_base, r.revalued_base) for r in result.revaluation.items
    ] == [
        (numbers["eur"], 7000, 7700, 8050),
        (numbers["receipt"], -1000, -1120, -1150),
        (numbers["gbp"], 12000, 15000, 14640),
    ]
    assert result.revaluation.total == -40
    assert changes.kinds
    entries = books.queries.entries(EntryFilter(date_from=DAY, date_to=date(2024, 4, 1)))
    mine = {e.number: e for e in entries if e.source == "fx_revaluation"}
    assert set(mine) == {result.entry_number, result.reversal_number}
    assert mine[result.entry_number].date == DAY and mine[result.entry_number].state is EntryState.REVERSED
    assert mine[result.reversal_number].date == date(2024, 4, 1)
    assert mine[result.entry_number].total == D("6.80")  # 3.20 + 3.60 of debits
    # on the revaluation day: the control account at closing rates, gains and losses unrealised
    assert balance(books, "1200", DAY) == D("335.40")  # 77.00 - 11.20 + 150.00 + 120.00 (USD) - 0.40
    assert balance(books, "4120", DAY) == D("-4.20")
    assert balance(books, "7020", DAY) == D("3.60")
    rec_day = docs(books).reconcile(DAY)
    assert (rec_day.subledger, rec_day.revaluation, rec_day.control, rec_day.difference) == (
        D("335.80"),
        D("-0.40"),
        D("335.40"),
        D("0.00"),
    )
    # the next day everything is back at historical values
    next_day = date(2024, 4, 1)
    assert balance(books, "4120", next_day) == D("-1.00")
    assert balance(books, "7020", next_day) == 0
    after = docs(books).reconcile(next_day)
    assert (after.revaluation, after.control, after.difference) == (0, D("335.80"), 0)


def test_a_day_is_revalued_once_and_a_dry_run_posts_nothing(books: Books) -> None:
    foreign_receivables(books)
    plan = fx(books).preview(DAY)
    assert plan.total == -40 and plan.rates == {"EUR": D("1.15"), "GBP": D("1.22")}
    assert fx(books).posted(DAY) is None
    assert balance(books, "7020", DAY) == 0
    result, _ = fx(books).revalue(DAY)
    assert fx(books).posted(DAY) == (result.entry_number, result.reversal_number)
    with pytest.raises(ConflictError, match=rf"2024-03-31 is already revalued \(entry {result.entry_number}"):
        fx(books).revalue(DAY)
    assert balance(books, "7020", DAY) == D("3.60")  # posted once


def test_the_revaluation_report_shows_every_document_and_totals(books: Books) -> None:
    numbers = foreign_receivables(books)
    report = fx(books).revaluation_report(DAY)
    plain = [r.cells for r in report.rows]
    assert plain == [
        ("EUR", "receivables", numbers["eur"], "C001", "70.00 EUR", D("77.00"), "1.15", D("80.50"), D("3.50")),
        ("EUR", "receivables", numbers["receipt"], "C001", "-10.00 EUR", D("-11.20"), "1.15", D("-11.50"), D("-0.30")),
        ("EUR", "", "", "Total EUR", "60.00 EUR", D("65.80"), "1.15", D("69.00"), D("3.20")),
        ("GBP", "receivables", numbers["gbp"], "C002", "120.00 GBP", D("150.00"), "1.22", D("146.40"), D("-3.60")),
        ("GBP", "", "", "Total GBP", "120.00 GBP", D("150.00"), "1.22", D("146.40"), D("-3.60")),
    ]
    assert [r.style for r in report.rows].count(RowStyle.SUBTOTAL) == 2
    assert report.totals[0].cells[5:] == (D("215.80"), "", D("215.40"), D("-0.40"))
    assert report.meta["posted"] is None


def test_the_unrealised_accounts_are_a_company_setting(books: Books) -> None:
    foreign_receivables(books)
    books.ledger.create_account(AccountInput("4125", "Unrealised exchange gains", AccountType.INCOME, parent="4100"))
    books.ledger.create_account(AccountInput("7025", "Unrealised exchange losses", AccountType.EXPENSE, parent="7000"))
    fx(books).update_settings("4125", "7025")
    fx(books).revalue(DAY)
    assert (balance(books, "4125", DAY), balance(books, "7025", DAY)) == (D("-3.20"), D("3.60"))
    assert (balance(books, "4120", DAY), balance(books, "7020", DAY)) == (D("-1.00"), 0)
    with pytest.raises(ValidationError, match="9999"):
        fx(books).update_settings("9999", "7025")


def test_nothing_foreign_posts_nothing(books: Books) -> None:
    with_customer(books)
    inv(books).issue(sale())
    result, _ = fx(books).revalue(DAY)
    assert (result.entry_number, result.reversal_number, result.revaluation.items) == (None, None, ())
    assert fx(books).posted(DAY) is None


def test_revaluation_needs_the_posting_permission(books: Books) -> None:
    foreign_receivables(books)
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.fx_revaluation(viewer).revalue(DAY)
    assert books.company.fx_revaluation(viewer).preview(DAY).total == -40  # reading is allowed
    assert balance(books, "7020", DAY) == 0


# ---------------------------------------------------------------------------------------------- property
CURRENCIES = ("EUR", "JPY", "KWD")
item = st.builds(
    lambda currency, units, carried: OpenBalance("test", "invoice", "D", "P", currency, 1, units, carried),
    st.sampled_from(CURRENCIES),
    st.integers(-(10**9), 10**9),
    st.integers(-(10**9), 10**9),
)
rate = st.decimals(min_value=D("0.000001"), max_value=D("1000"), places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(item, max_size=12), rates=st.fixed_dictionaries({c: rate for c in CURRENCIES}))
def test_revaluation_and_reversal_net_to_zero_and_every_entry_balances(
    items: list[OpenBalance], rates: dict[str, Decimal]
) -> None:
    plan = Revaluation(DAY, "USD", revalue_items(items, rates, "USD"), rates)
    lines = entry_lines(plan, gain_id=2, loss_id=3)
    reversal = [(ln.account_id, -ln.amount) for ln in lines]
    assert sum(ln.amount for ln in lines) == 0  # the entry balances
    assert all(ln.amount for ln in lines)  # no empty line
    assert sum(a for _, a in reversal) == 0  # so does its reversal
    net: dict[int, int] = {}
    for account, amount in [(ln.account_id, ln.amount) for ln in lines] + reversal:
        net[account] = net.get(account, 0) + amount
    assert set(net.values()) <= {0}  # entry + reversal leave every account where it was
    assert sum(ln.amount for ln in lines if ln.account_id == 1) == plan.total  # the control moves by the difference
    assert all(ln.amount < 0 for ln in lines if ln.account_id == 2)  # gains are credits
    assert all(ln.amount > 0 for ln in lines if ln.account_id == 3)  # losses are debits
