"""Payment runs net the money a vendor holds on account (its payments' unapplied remainders): after the
credit notes, oldest payment first; partial and full coverage, an exchange difference when the money on
account was paid at another rate, and the void of a run payment giving the money on account back — the
exact GL balances, open amounts and bank file, on SQLite and PostgreSQL (the `books` fixture)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.payables.models import VendorPayment
from paksa_desktop.payables.pain001 import NAMESPACE, validate_pain001
from paksa_desktop.payables.payments import PaymentInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, entry_lines, gl_balance, open_amounts

JUNE = date(2024, 6, 3)
PAY = date(2024, 6, 28)
D = Decimal
NS = {"p": NAMESPACE}


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    return p


def prepay(ap: Payables, vendor: str, amount: str, on: date = JUNE, **kw: object) -> str:
    data = PaymentInput(vendor, str(kw.pop("bank", "Operating")), on, (), amount=D(amount), **kw)  # type: ignore[arg-type]
    return ap.books.company.vendor_payments(ap.user).pay(data)[0].number


def unapplied(ap: Payables, number: str) -> int:
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        return int(
            uow.session.execute(select(VendorPayment.unapplied).where(VendorPayment.number == number)).scalar_one()
        )


def lines(proposal, code: str) -> list[tuple[str, str, Decimal]]:  # type: ignore[no-untyped-def]
    [vendor] = [v for v in proposal.vendors if v.code == code]
    return [(ln.kind, ln.bill, ln.amount) for ln in vendor.lines if ln.included]


def transfers(path: Path) -> list[tuple[str, str]]:
    data = path.read_bytes()
    validate_pain001(data)  # still valid against the XSD shipped in resources/
    root = etree.fromstring(data)
    return [
        (t.findtext("p:PmtId/p:EndToEndId", namespaces=NS), t.findtext("p:Amt/p:InstdAmt", namespaces=NS))
        for t in root.findall(".//p:CdtTrfTxInf", NS)
    ]  # type: ignore[misc]


def test_the_run_nets_money_on_account_after_credit_notes_and_pays_the_rest(ap: Payables, tmp_path: Path) -> None:
    ap.vendor("A")
    first = prepay(ap, "A", "300.00", JUNE)
    second = prepay(ap, "A", "200.00", date(2024, 6, 4))
    b1 = ap.bill("A", "1000.00", JUNE, due=date(2024, 6, 20), vendor_invoice="F-1")
    b2 = ap.bill("A", "500.00", JUNE, due=date(2024, 6, 21), vendor_invoice="F-2")
    note = ap.credit_note("A", "100.00", JUNE)
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 6, 30))
    # 1500 of bills - 100 credit note - 500 on account (oldest first) = 900 to pay
    assert proposal.total == D("900.00") and proposal.on_account_used == D("500.00")
    assert sorted(lines(proposal, "A")) == sorted(
        [("bill", b1, D("1000.00")), ("bill", b2, D("500.00")), ("credit_note", note, D("100.00")),
         ("on_account", first, D("300.00")), ("on_account", second, D("200.00"))]
    )  # fmt: skip
    assert proposal.bill_count == 2
    # editing recomputes the netting: only b1 -> 1000 - 100 - 500 = 400
    edited, _ = runs.include_bill(proposal.run_id, b2, False)
    assert edited.total == D("400.00")
    # b1 cut to 350: 350 - 100 = 250, of which 250 from money on account; nothing left to send
    edited, _ = runs.set_amount(proposal.run_id, b1, D("350.00"))
    assert edited.total == D("0.00")
    assert [(k, n, a) for k, n, a in lines(edited, "A") if k == "on_account"] == [
        ("on_account", first, D("250.00")),
        ("on_account", second, D("0.00")),
    ]
    runs.include_bill(proposal.run_id, b2, True)
    edited, _ = runs.set_amount(proposal.run_id, b1, D("1000.00"))
    assert edited.total == D("900.00")

    runs.approve(proposal.run_id)
    numbers, _ = runs.post(proposal.run_id)
    assert numbers == ["PMT-2024-000003"]
    states = open_amounts(ap.books)
    assert all(states[n] == (0, "paid") for n in (b1, b2, note))
    assert unapplied(ap, first) == unapplied(ap, second) == 0
    assert gl_balance(ap.books, "2010") == 0
    assert gl_balance(ap.books, "1100") == -(50000 + 90000)
    assert transfers(_write(runs, proposal.run_id, tmp_path)) == [("PMT-2024-000003", "900.00")]
    [advice] = runs.write_remittances(proposal.run_id, tmp_path / "advices")
    text = PdfReader(advice).pages[0].extract_text()
    for expected in (b1, b2, note, first, second, "paid on account", "900.00"):
        assert expected in text, expected
    # a posted run's bank file reference lists the bills the money on account settled too
    assert runs.run_batch(proposal.run_id).transfers[0].remittance == "F-1, F-2"


def _write(runs, run_id: int, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"run-{run_id}.xml"
    runs.write_file(run_id, path)
    return path


def test_a_vendor_covered_by_money_on_account_gets_no_transfer(ap: Payables, tmp_path: Path) -> None:
    ap.vendor("A", iban=None)  # no IBAN needed: nothing is sent to it
    ap.vendor("B")
    deposit = prepay(ap, "A", "1250.00")
    a1 = ap.bill("A", "300.00", JUNE, due=date(2024, 6, 10))
    b1 = ap.bill("B", "100.00", JUNE, due=date(2024, 6, 10))
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(date(2024, 6, 12), "Operating", date(2024, 6, 11))
    assert proposal.total == D("100.00")
    assert [(v.code, v.total) for v in proposal.vendors] == [("A", D("0.00")), ("B", D("100.00"))]
    # a second run while the first is open: what the first uses of the deposit is not used twice
    a2 = ap.bill("A", "1000.00", JUNE, due=date(2024, 6, 20))
    second, _ = runs.propose(date(2024, 6, 21), "Operating", date(2024, 6, 30))
    assert lines(second, "A") == [("bill", a2, D("1000.00")), ("on_account", deposit, D("950.00"))]
    assert second.total == D("50.00")
    runs.cancel(second.run_id)

    runs.approve(proposal.run_id)
    numbers, _ = runs.post(proposal.run_id)
    assert numbers == ["PMT-2024-000002"]  # B's only: no zero payment for A
    assert open_amounts(ap.books)[a1] == (0, "paid") and open_amounts(ap.books)[b1] == (0, "paid")
    assert unapplied(ap, deposit) == 95000
    assert gl_balance(ap.books, "2010") == 95000 - 100000  # 950 still on account, a2 owed
    assert transfers(_write(runs, proposal.run_id, tmp_path)) == [("PMT-2024-000002", "100.00")]
    assert [v.vendor_code for v in runs.advices(proposal.run_id)] == ["B"]
    # voiding the deposit takes back what the run applied of it: a1 is owed again
    void_entry, _ = ap.books.company.vendor_payments(ap.user).void(deposit, date(2024, 6, 25), "recalled")
    assert entry_lines(ap.books, void_entry) == [("1100", "1250.00"), ("2010", "-1250.00")]
    assert open_amounts(ap.books)[a1] == (30000, "posted") and unapplied(ap, deposit) == 0
    assert gl_balance(ap.books, "2010") == -130000


def test_voiding_a_run_payment_gives_the_money_on_account_back(ap: Payables) -> None:
    ap.vendor("A")
    deposit = prepay(ap, "A", "400.00")
    bill = ap.bill("A", "1000.00", JUNE, due=date(2024, 6, 20))
    note = ap.credit_note("A", "100.00", JUNE)
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 6, 30))
    runs.approve(proposal.run_id)
    [number], _ = runs.post(proposal.run_id)
    assert gl_balance(ap.books, "1100") == -(40000 + 50000)
    payments = ap.books.company.vendor_payments(ap.user)
    with pytest.raises(ValidationError, match=f"payment {number} used its money on account: void {number} first"):
        payments.void(deposit, date(2024, 6, 29), "recalled")
    payments.void(number, date(2024, 6, 29), "wrong bank")
    states = open_amounts(ap.books)
    assert states[bill] == (100000, "posted") and states[note] == (10000, "posted")
    assert unapplied(ap, deposit) == 40000
    assert gl_balance(ap.books, "1100") == -40000
    assert gl_balance(ap.books, "2010") == -(100000 - 10000 - 40000)
    # the money on account is free again: the next run nets it
    again, _ = runs.propose(date(2024, 6, 30), "Operating", date(2024, 6, 30))
    assert again.total == D("500.00")


def test_money_on_account_paid_at_another_rate_realises_the_difference(ap: Payables) -> None:
    from tests.receivables.helpers import inv

    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    inv(ap.books).set_rate("EUR", PAY, D("1.25"))
    deposit = prepay(ap, "E1", "1000.00", bank="Euro account", rate=D("1.10"))
    bill = ap.bill("E1", "1500.00", JUNE, due=date(2024, 6, 20), rate="1.20")
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Euro account", date(2024, 6, 30))
    assert proposal.total == D("500.00")
    runs.approve(proposal.run_id)
    [number], _ = runs.post(proposal.run_id)
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        stmt = select(VendorPayment.entry_id).where(VendorPayment.number == number)
        entry_id = uow.session.execute(stmt).scalar_one()
    # payable 1500 EUR at 1.20 = 1800 relieved by 1000 EUR on account at 1.10 (1100) and 500 EUR at 1.25 (625)
    assert entry_lines(ap.books, entry_id) == [
        ("1110", "-625.00"),
        ("2010", "700.00"),
        ("4120", "-75.00"),
    ]
    assert open_amounts(ap.books)[bill] == (0, "paid") and unapplied(ap, deposit) == 0
    assert gl_balance(ap.books, "2010") == 0


def test_a_foreign_vendor_covered_at_another_rate_gets_the_difference_and_no_file(ap: Payables, tmp_path: Path) -> None:
    from paksa_desktop.payables.models import PaymentAllocation
    from tests.receivables.helpers import inv

    ap.bank("Euro account", "1110", "EUR")
    ap.vendor("E1", currency="EUR")
    inv(ap.books).set_rate("EUR", PAY, D("1.25"))
    deposit = prepay(ap, "E1", "1000.00", bank="Euro account", rate=D("1.10"))
    bill = ap.bill("E1", "800.00", JUNE, due=date(2024, 6, 20), rate="1.20")
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Euro account", date(2024, 6, 30))
    assert proposal.total == D("0.00") and proposal.on_account_used == D("800.00")
    runs.approve(proposal.run_id)
    numbers, _ = runs.post(proposal.run_id)
    assert numbers == []
    with UnitOfWork(ap.books.company.engine, write=False) as uow:
        [entry_id] = uow.session.execute(select(PaymentAllocation.entry_id)).scalars().all()
    # 800 EUR of payable at 1.20 (960) relieved by 800 EUR of the deposit at 1.10 (880): a gain of 80 (the
    # two payable lines merged, as vendor credit applied posts them)
    assert entry_lines(ap.books, entry_id) == [("2010", "80.00"), ("4120", "-80.00")]
    assert open_amounts(ap.books)[bill] == (0, "paid") and unapplied(ap, deposit) == 20000
    with pytest.raises(ValidationError, match="sends nothing to the bank"):
        runs.write_file(proposal.run_id, tmp_path / "run.xml")
    assert not (tmp_path / "run.xml").exists()
    # voiding the deposit reverses it and what the run applied of it, exchange difference included
    ap.books.company.vendor_payments(ap.user).void(deposit, date(2024, 6, 29), "recalled")
    assert open_amounts(ap.books)[bill] == (80000, "posted") and unapplied(ap, deposit) == 0
    assert gl_balance(ap.books, "2010") == -96000 and gl_balance(ap.books, "4120") == 0
    assert gl_balance(ap.books, "1110") == 0
