"""Payables in bank matching: a debit paying a bill is proposed with its reason and, accepted, records the
vendor payment; one debit for a posted payment run clears every payment of the run; who may accept what.
On both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from paksa_desktop.banking.matching import MatchSettings
from paksa_desktop.banking.recon_models import BankLineLink
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.ledger.models import Account, JournalLine
from paksa_desktop.payables.models import PaymentRun, VendorPayment
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.service import NewUser
from tests.banking.helpers import line, statement
from tests.conftest import Books
from tests.payables.payment_fixtures import VENDOR_IBANS, Payables, gl_balance, open_amounts

D = Decimal
JUNE = date(2024, 6, 3)
PAY = date(2024, 6, 28)
END = date(2024, 6, 30)
THRESHOLD = MatchSettings().accept_threshold


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    return p


def _import(books: Books, *lines: object) -> None:
    books.company.statement_import(books.ctx).import_statements("Operating", [statement(*lines)])  # type: ignore[arg-type]


def _statuses(books: Books) -> list[str]:
    return [r.status.value for r in books.company.bank_queries(books.ctx).lines("Operating")]


def test_a_debit_paying_a_bill_is_proposed_with_its_reason_and_pays_it(ap: Payables) -> None:
    ap.vendor("ACME", "Acme Supplies Ltd")  # IBAN FR14 2004 ...
    bill = ap.bill("ACME", "480.00", JUNE, due=date(2024, 6, 20), vendor_invoice="AS-7781")
    other = ap.bill("ACME", "99.00", JUNE, due=date(2024, 6, 20))
    iban = VENDOR_IBANS[0].replace(" ", "")
    text, party = f"Invoice AS-7781 {bill}", "ACME SUPPLIES"
    _import(ap.books, line("2024-06-20", "-480.00", text, "T1", counterparty=party, counterparty_account=iban))
    service = ap.books.company.bank_reconciliation(ap.books.ctx)
    (proposal,) = service.propose("Operating", END)
    assert proposal.proposal.items[0].caption == f"bill {bill}"
    assert proposal.proposal.explanation == f"amount equal, bill {bill} in reference, same IBAN, booked on the due date"
    assert proposal.score == 100
    result, left = service.accept_all("Operating", END, THRESHOLD)
    assert len(result.accepted) == 1 and result.refused == () and left == []
    assert open_amounts(ap.books)[bill] == (0, "paid")
    assert open_amounts(ap.books)[other] == (9900, "posted")
    assert _statuses(ap.books) == ["matched"]
    assert gl_balance(ap.books, "1100") == -48000 and gl_balance(ap.books, "2010") == -9900
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        payment = uow.session.execute(select(VendorPayment)).scalar_one()
        link = uow.session.execute(select(BankLineLink)).scalar_one()
        bank_line = uow.session.get(JournalLine, link.journal_line_id)
        paid = (payment.amount, payment.date, payment.reference)
        assert link.entry_id == payment.entry_id and bank_line is not None and bank_line.amount == -48000
    assert paid == (48000, date(2024, 6, 20), f"Invoice AS-7781 {bill}")
    # nothing left to match: the paid bill is no longer an open item
    assert [i.number for i in service.open_items("Operating", END) if i.source == "payable"] == [other]


def test_a_withholding_vendor_s_bill_is_expected_net_of_the_tax_withheld(ap: Payables) -> None:
    ap.vendor("LAW", "Baker & Lim Attorneys", withholding_percent="10")
    bill = ap.bill("LAW", "1000.00", JUNE, due=date(2024, 6, 25))
    items = [i for i in ap.books.company.bank_reconciliation(ap.books.ctx).open_items("Operating", END)]
    assert [(i.number, i.amount, i.counterparty) for i in items] == [(bill, D("-900.00"), "Baker & Lim Attorneys")]
    _import(ap.books, line("2024-06-25", "-900.00", bill, "T1", counterparty="Baker and Lim"))
    result, _ = ap.books.company.bank_reconciliation(ap.books.ctx).accept_all("Operating", END, THRESHOLD)
    assert len(result.accepted) == 1
    assert open_amounts(ap.books)[bill] == (0, "paid")
    assert (gl_balance(ap.books, "1100"), gl_balance(ap.books, "2210")) == (-90000, -10000)


def test_one_debit_for_a_posted_run_clears_all_its_payments(ap: Payables) -> None:
    for code in ("A", "B", "C"):
        ap.vendor(code)
    ap.bill("A", "100.00", JUNE, due=date(2024, 6, 20))
    ap.bill("B", "250.50", JUNE, due=date(2024, 6, 21))
    ap.bill("C", "40.25", JUNE, due=date(2024, 6, 22))
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", END)
    runs.approve(proposal.run_id)
    numbers, _ = runs.post(proposal.run_id)
    message = f"PAKSA-RUN-{proposal.run_id}-20240628"
    assert len(numbers) == 3
    # the bank books the batch as one debit quoting the payment information id of the pain.001 file
    _import(
        ap.books,
        line("2024-06-28", "-390.75", f"{message}-1", "B1", description="SEPA batch 3 transfers"),
        line("2024-06-28", "-2.00", "", "B2", description="Batch fee"),
    )
    service = ap.books.company.bank_reconciliation(ap.books.ctx)
    proposals = service.propose("Operating", END)
    (run,) = [p for p in proposals if p.proposal.items[0].source == "payable"]
    assert run.proposal.items[0].caption == f"payment run {proposal.run_id} ({message})"
    assert run.proposal.items[0].references == tuple(sorted(numbers))
    assert run.proposal.explanation == (
        f"amount equal, payment run {proposal.run_id} ({message}) in reference, booked on the due date"
    )
    assert run.score >= THRESHOLD
    result, _left = service.accept_all("Operating", END, THRESHOLD)
    assert [p.proposal.items[0].number for p in result.accepted] == [message]
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        s = uow.session
        bank_gl = s.execute(select(Account.id).where(Account.code == "1100")).scalar_one()
        payment_lines = set(
            s.execute(
                select(JournalLine.id)
                .join(VendorPayment, VendorPayment.entry_id == JournalLine.entry_id)
                .where(VendorPayment.run_id == proposal.run_id, JournalLine.account_id == bank_gl)
            ).scalars()
        )
        cleared = set(s.execute(select(BankLineLink.journal_line_id)).scalars())
        assert s.get(PaymentRun, proposal.run_id) is not None
    assert len(payment_lines) == 3 and cleared == payment_lines
    assert _statuses(ap.books) == ["matched", "unmatched"]
    # cleared: the run is no longer an open item, nor are its payments' GL lines
    left_items = service.open_items("Operating", END)
    assert [i for i in left_items if i.source in ("payable", "gl")] == []
    view = service.reconcile("Operating", END, D("-392.75"))
    assert view.uncleared_gl == () and view.difference == D("-2.00")


def test_a_single_payment_of_a_run_is_left_to_the_gl_source(ap: Payables) -> None:
    ap.vendor("A")
    ap.bill("A", "100.00", JUNE, due=date(2024, 6, 20))
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", END)
    runs.approve(proposal.run_id)
    runs.post(proposal.run_id)
    items = ap.books.company.bank_reconciliation(ap.books.ctx).open_items("Operating", END)
    assert [(i.source, i.amount) for i in items] == [("gl", D("-100.00"))]


def test_accepting_a_bill_match_needs_the_right_to_release_payments(ap: Payables) -> None:
    ap.vendor("ACME", "Acme Supplies Ltd")
    bill = ap.bill("ACME", "480.00", JUNE, due=date(2024, 6, 20))
    note = ap.credit_note("ACME", "30.00", JUNE)
    _import(
        ap.books,
        line("2024-06-20", "-480.00", bill, "T1", counterparty="Acme Supplies"),
        line("2024-06-24", "30.00", note, "T2", counterparty="Acme Supplies"),
    )
    users = ap.books.company.users(ap.books.ctx)
    users.add_user(NewUser("acct", "Accountant-Passw0rd!", roles=("Accountant",)))
    accountant = ap.books.company.login("acct", "Accountant-Passw0rd!")
    service = ap.books.company.bank_reconciliation(accountant)
    proposals = service.propose("Operating", END)
    assert [p.proposal.items[0].caption for p in proposals] == [f"bill {bill}", f"vendor credit note {note}"]
    result, _ = service.accept_all("Operating", END, THRESHOLD)
    assert result.accepted == ()
    reasons = [why for _p, why in result.refused]
    assert "payables.paymentrun.approve" in reasons[0] and "payables.paymentrun.approve" in reasons[1]
    assert open_amounts(ap.books)[bill] == (48000, "posted") and _statuses(ap.books) == ["unmatched", "unmatched"]
    # the treasurer may: the bill is paid, the vendor's refund of the credit note booked
    users.add_user(NewUser("treas", "Treasurer-Passw0rd!", roles=("Treasurer",)))
    treasurer = ap.books.company.login("treas", "Treasurer-Passw0rd!")
    result, _ = ap.books.company.bank_reconciliation(treasurer).accept_all("Operating", END, THRESHOLD)
    assert len(result.accepted) == 2 and open_amounts(ap.books)[bill] == (0, "paid")
    assert open_amounts(ap.books)[note] == (0, "paid") and _statuses(ap.books) == ["matched", "matched"]


def test_a_vendor_refund_of_a_prepayment_is_matched_and_a_debit_with_no_bill_prepays(ap: Payables) -> None:
    ap.vendor("ACME", "Acme Supplies Ltd")
    _import(
        ap.books,
        line("2024-06-10", "-250.00", "Deposit order 55", "T1", counterparty="Acme Supplies"),
        line("2024-06-24", "100.00", "Refund of deposit", "T2", counterparty="ACME SUPPLIES"),
    )
    service = ap.books.company.bank_reconciliation(ap.books.ctx)
    lines = {r.reference: r.id for r in ap.books.company.bank_queries(ap.books.ctx).lines("Operating")}
    with pytest.raises(ValidationError, match="money in"):
        service.payment_on_account(lines["Refund of deposit"], "ACME")
    number, _ = service.payment_on_account(lines["Deposit order 55"], "ACME")
    assert gl_balance(ap.books, "2010") == 25000 and gl_balance(ap.books, "1100") == -25000
    items = [i for i in service.open_items("Operating", END) if i.source == "payable"]
    assert [(i.number, i.amount, i.label) for i in items] == [(number, D("250.00"), "payment on account")]
    assert items[0].caption == f"payment on account {number}"
    result = service.accept_manual("Operating", lines["Refund of deposit"], [("payable", str(items[0].id))])
    assert len(result.accepted) == 1, result.refused
    assert _statuses(ap.books) == ["matched", "matched"]
    assert gl_balance(ap.books, "2010") == 15000 and gl_balance(ap.books, "1100") == -15000
    [left] = ap.books.company.vendor_credit(ap.books.ctx).credits("ACME")
    assert (left.number, left.available) == (number, D("150.00"))


def test_a_part_payment_and_a_discounted_payment_accepted_by_hand(ap: Payables) -> None:
    ap.vendor("B", terms="2/10 net 30")  # 2 % until 2024-06-13
    early = ap.bill("B", "1000.00", JUNE)
    part = ap.bill("B", "500.00", JUNE)
    _import(
        ap.books,
        line("2024-06-12", "-980.00", early, "T1"),
        line("2024-06-14", "-200.00", part, "T2"),
    )
    service = ap.books.company.bank_reconciliation(ap.books.ctx)
    lines = {r.reference: r.id for r in ap.books.company.bank_queries(ap.books.ctx).lines("Operating")}
    keys = {i.number: str(i.id) for i in service.open_items("Operating", END)}
    for number in (early, part):
        result = service.accept_manual("Operating", lines[number], [("payable", keys[number])])
        assert len(result.accepted) == 1, result.refused
    assert open_amounts(ap.books)[early] == (0, "paid")
    assert open_amounts(ap.books)[part] == (30000, "partially_paid")
    assert gl_balance(ap.books, "1100") == -118000 and gl_balance(ap.books, "5010") == -2000
