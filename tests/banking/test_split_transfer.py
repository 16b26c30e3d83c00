"""Booking a bank line beyond a plain match: a split over invoices (part payments), GL lines and accounts in
one unit of work; a transfer between two of the company's bank accounts that the other account's statement
line then matches; a customer receipt on account. All or nothing, audited, permissions. On both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.banking.split import AccountPart, ItemPart, remaining
from paksa_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from paksa_desktop.ledger.commands import EntryInput, LineInput
from paksa_desktop.ledger.models import JournalEntry
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.models import InvoiceState, Receipt
from tests.banking.helpers import line, operating, statement
from tests.conftest import Books
from tests.receivables.helpers import balance, docs, inv, login_as, sale, with_customer

D = Decimal
END = date(2024, 3, 31)


@pytest.fixture
def bank(books: Books) -> Books:
    """Customer Acme with two posted invoices of 120.00, a bank account on 1100."""
    with_customer(books, name="Acme Ltd")
    for _ in range(2):
        inv(books).issue(sale("C001", "2024-03-01"), confirm_credit=True)
    books.company.bank_accounts(books.ctx).add(operating())
    return books


def _import(books: Books, *lines: object, account: str = "Operating", source: str = "jan.ofx") -> None:
    books.company.statement_import(books.ctx).import_statements(account, [statement(*lines, source=source)])  # type: ignore[arg-type]


def _lines(books: Books, account: str = "Operating") -> list:  # type: ignore[type-arg]
    return books.company.bank_queries(books.ctx).lines(account)


def _invoices(books: Books) -> dict[str, tuple[InvoiceState, Decimal]]:
    return {r.number: (r.state, r.open_amount) for r in docs(books).invoices()}


def _count(books: Books, model: type) -> int:
    with UnitOfWork(books.company.engine) as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _key(books: Books, number: str) -> ItemPart:
    service = books.company.bank_reconciliation(books.ctx)
    item = next(i for i in service.open_items("Operating", END) if i.number == number)
    return ItemPart(str(item.source), str(item.id), item.amount)


def test_a_receipt_paying_an_invoice_less_the_bank_fee(bank: Books) -> None:
    first, second = sorted(_invoices(bank))
    _import(bank, line("2024-03-10", "115.00", f"Payment {first}", "T1", counterparty="Acme Ltd"))
    (row,) = _lines(bank)
    service = bank.company.bank_reconciliation(bank.ctx)
    parts = [_key(bank, first)]
    fee = [AccountPart("6100", D("-5.00"), memo="Bank fee on Acme's payment")]
    assert remaining(row.amount, parts, fee) == 0
    service.split("Operating", row.id, parts, fee)

    assert _invoices(bank)[first] == (InvoiceState.PAID, D("0.00"))
    assert _invoices(bank)[second][0] is InvoiceState.POSTED
    (receipt,) = docs(bank).receipts()
    assert (receipt.amount, receipt.unapplied, receipt.bank_account) == (D("120.00"), D("0.00"), "1100")
    assert balance(bank, "1100") == D("115.00") and balance(bank, "6100") == D("5.00")
    assert [r.status.value for r in _lines(bank)] == ["matched"]
    # the line clears both of its GL lines: the reconciliation balances at the statement's 115.00
    view = service.reconcile("Operating", END, D("115.00"))
    assert view.difference == 0 and view.uncleared_gl == () and view.unmatched_lines == ()
    with UnitOfWork(bank.company.engine) as uow:
        audited = uow.session.execute(select(AuditRecord.entity_id).where(AuditRecord.action == "split")).all()
    assert audited == [(str(row.id),)]


def test_split_pays_one_invoice_in_full_and_another_in_part(bank: Books) -> None:
    first, second = sorted(_invoices(bank))
    _import(bank, line("2024-03-12", "150.00", "", "T1", counterparty="Acme Ltd"))
    (row,) = _lines(bank)
    paid = _key(bank, first)
    part = ItemPart(paid.source, _key(bank, second).key, D("30.00"))
    bank.company.bank_reconciliation(bank.ctx).split("Operating", row.id, [paid, part])
    assert _invoices(bank)[first] == (InvoiceState.PAID, D("0.00"))
    assert _invoices(bank)[second][1] == D("90.00")
    (receipt,) = docs(bank).receipts()
    assert receipt.amount == D("150.00") and receipt.unapplied == D("0.00")
    assert balance(bank, "1100") == D("150.00")


def test_split_over_a_gl_line_and_a_charge(bank: Books) -> None:
    ref, _ = bank.ledger.post(
        EntryInput(date(2024, 3, 5), (LineInput("1100", credit=D("300.00")), LineInput("6100", debit=D("300.00"))),
                   memo="Rent March")
    )  # fmt: skip
    _import(bank, line("2024-03-06", "-312.50", ref.number, "T1", description="Rent and charges"))
    (row,) = _lines(bank)
    service = bank.company.bank_reconciliation(bank.ctx)
    rent = _key(bank, ref.number)
    assert rent.amount == D("-300.00")
    service.split("Operating", row.id, [rent], [AccountPart("6100", D("-12.50"), memo="Charges")])
    view = service.reconcile("Operating", END, D("-312.50"))
    assert view.difference == 0 and view.uncleared_gl == ()
    assert balance(bank, "1100") == D("-312.50")


def test_a_split_that_does_not_add_up_or_fails_late_writes_nothing(bank: Books) -> None:
    first, second = sorted(_invoices(bank))
    _import(bank, line("2024-03-10", "115.00", first, "T1"))
    (row,) = _lines(bank)
    service = bank.company.bank_reconciliation(bank.ctx)
    entries_before = _count(bank, JournalEntry)
    with pytest.raises(ValidationError, match=r"add up to 120\.00, the bank line is 115\.00: -5\.00 is not split"):
        service.split("Operating", row.id, [_key(bank, first)])
    over = ItemPart("receivable", _key(bank, second).key, D("125.00"))
    with pytest.raises(ValidationError, match=r"125\.00 is more than the 120\.00 open"):
        service.split("Operating", row.id, [over], [AccountPart("6100", D("-10.00"))])
    with pytest.raises(ValidationError, match="has more than 2 decimals"):
        service.split("Operating", row.id, [], [AccountPart("6100", D("115.001"))])
    # the receipt is recorded before the entry fails (an unknown account): both are rolled back
    with pytest.raises(ValidationError, match="9999"):
        service.split("Operating", row.id, [_key(bank, first)], [AccountPart("9999", D("-5.00"))])
    assert _count(bank, Receipt) == 0
    assert all(state is InvoiceState.POSTED for state, _ in _invoices(bank).values())
    assert [r.status.value for r in _lines(bank)] == ["unmatched"]
    assert balance(bank, "1100") == 0
    assert _count(bank, JournalEntry) == entries_before


def test_transfer_to_savings_matches_the_savings_statement_line(bank: Books) -> None:
    bank.company.bank_accounts(bank.ctx).add(
        BankAccountInput(name="Savings", gl_account="1110", currency="USD", bank_name="First Bank")
    )
    _import(bank, line("2024-03-15", "-500.00", "TRF-77", "T1", description="To savings"))
    (out,) = _lines(bank)
    service = bank.company.bank_reconciliation(bank.ctx)
    with pytest.raises(ValidationError, match="another account than Operating"):
        service.transfer(out.id, "Operating")
    entry_id, _ = service.transfer(out.id, "Savings")
    assert balance(bank, "1100") == D("-500.00") and balance(bank, "1110") == D("500.00")
    assert [r.status.value for r in _lines(bank)] == ["matched"]
    with pytest.raises(ConflictError, match="already matched"):
        service.transfer(out.id, "Savings")

    # the savings account's statement shows the money arriving: it matches the transfer's GL line
    _import(bank, line("2024-03-16", "500.00", "TRF-77", "S1", description="From operating"), account="Savings")
    proposals = service.propose("Savings", END)
    (proposal,) = proposals
    (item,) = proposal.proposal.items
    assert (str(item.source), item.amount) == ("gl", D("500.00"))
    assert service.accept("Savings", proposals).refused == ()
    assert [r.status.value for r in _lines(bank, "Savings")] == ["matched"]
    assert service.reconcile("Savings", END, D("500.00")).difference == 0
    assert service.reconcile("Operating", END, D("-500.00")).difference == 0
    assert entry_id > 0


def test_receipt_on_account_leaves_customer_credit(bank: Books) -> None:
    _import(
        bank,
        line("2024-03-20", "200.00", "ADVANCE", "T1", counterparty="Acme Ltd"),
        line("2024-03-21", "-20.00", "", "T2", description="Charges"),
    )
    money_in, money_out = _lines(bank)
    service = bank.company.bank_reconciliation(bank.ctx)
    with pytest.raises(ValidationError, match="money out"):
        service.receipt_on_account(money_out.id, "C001")
    with pytest.raises(ValidationError, match="choose the customer"):
        service.receipt_on_account(money_in.id, " ")
    number, _ = service.receipt_on_account(money_in.id, "C001")
    (receipt,) = docs(bank).receipts()
    assert (receipt.number, receipt.amount, receipt.unapplied, receipt.reference) == (
        number,
        D("200.00"),
        D("200.00"),
        "ADVANCE",
    )
    assert all(state is InvoiceState.POSTED for state, _ in _invoices(bank).values())  # nothing allocated
    assert [r.status.value for r in _lines(bank)] == ["matched", "unmatched"]
    assert balance(bank, "1100") == D("200.00")


def test_booking_from_a_line_needs_cash_reconcile(bank: Books) -> None:
    _import(bank, line("2024-03-20", "200.00", "", "T1"))
    (row,) = _lines(bank)
    clerk = login_as(bank, "clerk", "AR clerk")
    service = bank.company.bank_reconciliation(clerk)
    for call in (
        lambda: service.split("Operating", row.id, [], [AccountPart("6100", D("200.00"))]),
        lambda: service.transfer(row.id, "Operating"),
        lambda: service.receipt_on_account(row.id, "C001"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert [r.status.value for r in _lines(bank)] == ["unmatched"]
