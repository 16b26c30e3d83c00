"""A bank account kept in EUR in a USD company, from its GL lines' EUR amounts: the money that moves on
it carries its currency (receipts, vendor payments, entries from its statement lines), so its balance in
EUR is exact, it reconciles to a EUR statement, and the revaluation revalues that exact balance. Both
engines; the property test on SQLite.

The story (USD base; EUR 1.10 from 1 March, 1.12 from 15 March, 1.15 on 31 March):
- C001 (EUR) is invoiced EUR 120.00 on 1 March (132.00) and pays EUR 120.00 into Euro on 15 March
  (134.40 USD, EUR 120.00 on the bank line);
- vendor E1 (EUR) billed EUR 50.00 on 1 March at 1.10, paid from Euro on 20 March at 1.12 (56.00 USD);
- the bank's account fee of EUR 2.50 on 28 March, posted from its statement line at 1.12 (2.80 USD).
Euro then holds EUR 67.50 exactly, carried at 134.40 - 56.00 - 2.80 = 75.60 USD.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.commands import LineInput
from paksa_desktop.ledger.models import Account, JournalLine
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from tests.banking.helpers import line, statement
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables
from tests.receivables.helpers import customer, inv, rec, sale, with_customer

D = Decimal
DAY = date(2024, 3, 31)


def foreign_units(books: Books, code: str, currency: str = "EUR") -> tuple[int, int]:
    """(sum of amount_cur in `currency`, sum of amount) of an account's posted lines."""
    with UnitOfWork(books.company.engine, write=False) as uow:
        row = uow.session.execute(
            select(
                func.coalesce(func.sum(JournalLine.amount_cur).filter(JournalLine.currency == currency), 0),
                func.coalesce(func.sum(JournalLine.amount), 0),
            )
            .join(Account, Account.id == JournalLine.account_id)
            .where(Account.code == code)
        ).one()
    return int(row[0]), int(row[1])


def euro_story(books: Books) -> dict[str, str]:
    """The module docstring's receipt and payment; returns their numbers."""
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1110", "EUR", "Euro Bank"))
    with_customer(books, "C001", currency="EUR")
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.10"))
    invoice = inv(books).issue(sale("C001", "2024-03-01"))[0].number  # EUR 120.00 with VAT
    inv(books).set_rate("EUR", date(2024, 3, 15), D("1.12"))
    receipt = rec(books).record(
        ReceiptInput("C001", date(2024, 3, 15), D("120.00"), "1110", (AllocationInput(invoice, D("120.00")),))
    )[0]
    ap = Payables(books)
    ap.vendor("E1", currency="EUR")
    bill = ap.bill("E1", "50.00", date(2024, 3, 1), rate="1.10")
    payment = books.company.vendor_payments(books.ctx).pay(
        PaymentInput("E1", "Euro", date(2024, 3, 20), (BillToPay(bill),), reference="PMT-E1")
    )[0]
    inv(books).set_rate("EUR", DAY, D("1.15"))
    return {"invoice": invoice, "receipt": receipt.number, "payment": payment.number}


def import_march(books: Books, numbers: dict[str, str]) -> None:
    books.company.statement_import(books.ctx).import_statements(
        "Euro",
        [
            statement(
                line("2024-03-15", "120.00", numbers["invoice"], "E1", counterparty="Acme Ltd"),
                line("2024-03-20", "-50.00", "PMT-E1", "E2", counterparty="Vendor E1"),
                line("2024-03-28", "-2.50", "FEE-0324", "E3", description="Account fee"),
                currency="EUR", start="2024-03-01", end=DAY, opening="0.00", closing="67.50",
            )
        ],
    )  # fmt: skip


def test_receipts_and_payments_carry_the_euros_that_moved(books: Books) -> None:
    numbers = euro_story(books)
    assert foreign_units(books, "1110") == (120_00 - 50_00, 134_40 - 56_00)
    position = books.company.cash_position(books.ctx).position(DAY)
    (row,) = position.rows
    assert (row.currency, row.balance, row.base_balance) == ("EUR", D("70.00"), D("78.40"))
    assert {t.currency: t.balance for t in position.by_currency} == {"EUR": D("70.00")}
    # a void gives the euros back
    books.company.vendor_payments(books.ctx).void(numbers["payment"], date(2024, 3, 21), "returned")
    assert foreign_units(books, "1110") == (120_00, 134_40)
    assert books.company.cash_position(books.ctx).position(DAY).rows[0].balance == D("120.00")


def test_the_euro_account_reconciles_to_a_euro_statement(books: Books) -> None:
    numbers = euro_story(books)
    import_march(books, numbers)
    recon = books.company.bank_reconciliation(books.ctx)
    proposals = recon.propose("Euro", DAY)
    gl = [p for p in proposals if all(i.source == "gl" for i in p.proposal.items)]
    # the matcher compares the EUR lines with the GL lines' EUR amounts: both found, to the cent
    assert sorted((p.proposal.lines[0].amount, p.proposal.items[0].amount, p.proposal.items[0].currency)
                  for p in gl) == [(D("-50.00"), D("-50.00"), "EUR"), (D("120.00"), D("120.00"), "EUR")]  # fmt: skip
    result = recon.accept("Euro", gl)
    assert len(result.accepted) == 2 and not result.refused
    fee = next(ln for ln in books.company.bank_queries(books.ctx).lines("Euro") if ln.reference == "FEE-0324")
    entry_id, _ = recon.create_entry(fee.id, "6210", memo="Account fee")
    with UnitOfWork(books.company.engine, write=False) as uow:
        lines = uow.session.execute(
            select(Account.code, JournalLine.amount, JournalLine.currency, JournalLine.amount_cur)
            .join(Account, Account.id == JournalLine.account_id)
            .where(JournalLine.entry_id == entry_id)
            .order_by(JournalLine.line_no)
        ).all()
    assert [tuple(r) for r in lines] == [("1110", -280, "EUR", -250), ("6210", 280, None, None)]  # at 1.12
    view = recon.reconcile("Euro", DAY, D("67.50"))
    assert (view.currency, view.book_balance, view.uncleared_total, view.difference) == ("EUR", D("67.50"), 0, 0)
    rec_id, _ = recon.finish("Euro", DAY, D("67.50"))
    (history,) = recon.history("Euro")
    assert (history.id, history.statement_balance, history.book_balance) == (rec_id, D("67.50"), D("67.50"))
    assert books.company.cash_position(books.ctx).position(DAY).rows[0].balance == D("67.50")


def test_the_revaluation_revalues_the_exact_euro_balance(books: Books) -> None:
    numbers = euro_story(books)
    import_march(books, numbers)
    recon = books.company.bank_reconciliation(books.ctx)
    fee = next(ln for ln in books.company.bank_queries(books.ctx).lines("Euro") if ln.reference == "FEE-0324")
    recon.create_entry(fee.id, "6210")
    service = books.company.fx_revaluation(books.ctx)
    (item,) = [i for i in service.preview(DAY).items if i.item.source == "bank"]
    # EUR 67.50 at 1.15 = 77.625, half-even 77.62, against the 75.60 the books carry: +2.02
    assert (item.item.party, item.item.document, item.item.open_units, item.item.carried_base) == (
        "Euro", f"GL balance at {DAY}", 67_50, 75_60,
    )  # fmt: skip
    assert (item.revalued_base, item.difference) == (77_62, 2_02)
    result, _ = service.revalue(DAY)
    assert result.entry_number is not None
    # the revaluation moves the base value only: its bank lines carry EUR with nothing in it
    assert foreign_units(books, "1110") == (67_50, 75_60)  # entry +2.02 and its reversal the next day
    with UnitOfWork(books.company.engine, write=False) as uow:
        moves = uow.session.execute(
            select(JournalLine.date, JournalLine.amount, JournalLine.currency, JournalLine.amount_cur)
            .join(Account, Account.id == JournalLine.account_id)
            .where(Account.code == "1110", JournalLine.date >= DAY)
            .order_by(JournalLine.date)
        ).all()
    assert [tuple(m) for m in moves] == [(DAY, 202, "EUR", 0), (date(2024, 4, 1), -202, "EUR", 0)]
    position = books.company.cash_position(books.ctx).position(DAY)
    assert (position.rows[0].balance, position.rows[0].base_balance) == (D("67.50"), D("77.62"))


# ------------------------------------------------------------------------------------------ property

operations = st.lists(
    st.tuples(
        st.sampled_from(["receipt_eur_bank", "receipt_usd_bank", "payment", "entry"]),
        st.integers(min_value=1, max_value=500_000),  # minor units of EUR
        st.integers(min_value=1, max_value=28),  # day of March
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_euros_on_each_account_are_what_the_documents_say(sqlite_books: Books, ops: list) -> None:  # type: ignore[type-arg]
    """For random EUR receipts (into the EUR bank and into the USD bank), vendor payments and journal
    entries, the sum of amount_cur per account in EUR is what the documents moved, and the cash position
    shows it exactly."""
    books = sqlite_books
    ap = Payables(books)
    banks = books.company.bank_queries(books.ctx).accounts()
    if not any(b.name == "Euro" for b in banks):
        books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1110", "EUR", "Euro Bank"))
        books.company.receivables(books.ctx).create_customer(customer("C001", "Acme Ltd", currency="EUR"))
        ap.vendor("E1", currency="EUR")
        for day, rate in ((1, "1.0937"), (10, "1.1013"), (20, "1.0871")):
            inv(books).set_rate("EUR", date(2024, 3, day), D(rate))
    before = {code: foreign_units(books, code)[0] for code in ("1110", "1100")}
    expected = dict(before)
    for kind, units, day in ops:
        on = date(2024, 3, day)
        amount = D(units).scaleb(-2)
        if kind.startswith("receipt"):
            gl = "1110" if kind == "receipt_eur_bank" else "1100"
            rec(books).record(ReceiptInput("C001", on, amount, gl))  # left on account
            expected[gl] += units
        elif kind == "payment":
            bill = ap.bill("E1", f"{amount:.2f}", date(2024, 3, 1), rate="1.10")
            books.company.vendor_payments(books.ctx).pay(PaymentInput("E1", "Euro", on, (BillToPay(bill),)))
            expected["1110"] -= units
        else:  # a transfer out of the euro account typed in the journal, at a rate of the user's own
            base = (amount * D("1.2")).quantize(D("0.01"))
            bank = LineInput("1110", credit=base, currency="EUR", amount_cur=amount, memo="transfer")
            books.ledger.post(entry(on.isoformat(), bank, ("1100", f"{base}")))
            expected["1110"] -= units
    assert {code: foreign_units(books, code)[0] for code in ("1110", "1100")} == expected
    euro = next(r for r in books.company.cash_position(books.ctx).position(DAY).rows if r.account == "Euro")
    assert euro.balance == D(expected["1110"]).scaleb(-2)


@pytest.mark.parametrize("bad", ["GBP", None])
def test_a_receipt_in_another_currency_cannot_go_into_the_euro_bank(books: Books, bad: str | None) -> None:
    books.company.bank_accounts(books.ctx).add(BankAccountInput("Euro", "1110", "EUR", "Euro Bank"))
    with_customer(books, "C001", currency=bad)
    if bad:
        inv(books).set_rate(bad, date(2024, 3, 1), D("1.25"))
    with pytest.raises(ValidationError, match=r"account 1110 .* kept in EUR"):
        rec(books).record(ReceiptInput("C001", date(2024, 3, 15), D("10.00"), "1110"))
