"""Payment proposals and runs: selection rules, editing, approval (segregation of duties, IBANs),
posting one payment per vendor, the pain.001 file and the remittance advices; on a secured PostgreSQL
server the AP clerk proposes and cannot pay, the treasurer approves and posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from lxml import etree
from pypdf import PdfReader

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.payables.pain001 import NAMESPACE, validate_pain001
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from tests.conftest import Books
from tests.payables.payment_fixtures import Payables, gl_balance, open_amounts
from tests.security.secured import PASSWORD, Server

JUNE = date(2024, 6, 3)
PAY = date(2024, 6, 28)


@pytest.fixture
def ap(books: Books) -> Payables:
    p = Payables(books)
    p.bank()
    return p


def lines_of(proposal) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {v.code: tuple(ln.bill for ln in v.lines if ln.included) for v in proposal.vendors}


def test_the_proposal_selects_by_the_rules(ap: Payables) -> None:
    ap.vendor("A")
    due = ap.bill("A", "100.00", JUNE, due=date(2024, 6, 30))
    later = ap.bill("A", "200.00", JUNE, due=date(2024, 7, 15))  # due after the cut-off
    ap.bill("A", "50.00", JUNE, due=date(2024, 6, 10), on_hold=True)
    ap.vendor("B", terms="2/30 net 60")  # discount until 2024-07-03: runs out before the next run
    early = ap.bill("B", "1000.00", JUNE)
    ap.vendor("C", active=False)
    ap.bill("C", "70.00", JUNE, due=date(2024, 6, 5))
    ap.vendor("D")
    d_bill = ap.bill("D", "500.00", JUNE, due=date(2024, 6, 20))
    d_note = ap.credit_note("D", "120.00", JUNE)
    ap.vendor("E")
    ap.bill("E", "80.00", JUNE, due=date(2024, 6, 20))
    ap.credit_note("E", "100.00", JUNE)
    ap.vendor("F", currency="EUR")
    ap.bill("F", "90.00", JUNE, due=date(2024, 6, 20), rate="1.1")
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 6, 30), next_run_date=date(2024, 7, 12))
    assert lines_of(proposal) == {"A": (due,), "B": (early,), "D": (d_bill, d_note)}
    totals = {v.code: (v.total, v.discount) for v in proposal.vendors}
    assert totals == {
        "A": (Decimal("100.00"), Decimal("0.00")),
        "B": (Decimal("980.00"), Decimal("20.00")),
        "D": (Decimal("380.00"), Decimal("0.00")),
    }
    assert proposal.total == Decimal("1460.00") and proposal.bill_count == 3 and proposal.vendor_count == 3
    assert len(proposal.dropped) == 1 and proposal.dropped[0].startswith("E Vendor E: open credit notes of 100.00")
    assert proposal.bank_balance == 0 and proposal.balance_after == Decimal("-1460.00")
    # without a next run the early-discount bill waits; bills in the open run are not proposed twice
    second, _ = runs.propose(PAY, "Operating", date(2024, 7, 31))
    assert lines_of(second) == {"A": (later,)}
    runs.cancel(second.run_id)
    runs.cancel(proposal.run_id)
    third, _ = runs.propose(PAY, "Operating", date(2024, 6, 30))
    assert lines_of(third) == {"A": (due,), "D": (d_bill, d_note)}
    with pytest.raises(ValidationError, match="nothing to pay from Operating"):
        runs.propose(PAY, "Operating", date(2024, 6, 1))


def test_editing_a_proposal_recomputes_its_totals(ap: Payables) -> None:
    ap.vendor("A", terms="2/30 net 30")
    a1 = ap.bill("A", "100.00", JUNE)
    a2 = ap.bill("A", "300.00", JUNE)
    note = ap.credit_note("A", "50.00", JUNE)
    ap.vendor("B", withholding_percent="10")
    b1 = ap.bill("B", "200.00", JUNE, due=date(2024, 6, 10))
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 7, 31))
    assert proposal.total == Decimal("342.00") + Decimal("180.00")  # 98 + 294 - 50, and 200 less 20 withheld
    proposal, _ = runs.include_bill(proposal.run_id, a2, False)
    assert proposal.total == Decimal("48.00") + Decimal("180.00")
    proposal, _ = runs.include_bill(proposal.run_id, a2, True)
    proposal, _ = runs.set_amount(proposal.run_id, a1, Decimal("60.00"))  # part payment: no discount
    a = proposal.vendors[0]
    assert [(ln.bill, ln.amount, ln.discount) for ln in a.lines if ln.bill == a1] == [
        (a1, Decimal("60.00"), Decimal("0.00"))
    ]
    assert a.total == Decimal("60.00") + Decimal("294.00") - Decimal("50.00")
    with pytest.raises(ValidationError, match=r"more than its open amount 100\.00"):
        runs.set_amount(proposal.run_id, a1, Decimal("100.01"))
    proposal, _ = runs.set_amount(proposal.run_id, b1, Decimal("150.00"))
    b = proposal.vendors[1]
    assert (b.total, b.withheld) == (Decimal("135.00"), Decimal("15.00"))
    proposal, _ = runs.include_vendor(proposal.run_id, "B", False)
    assert proposal.total == Decimal("304.00") and proposal.vendor_count == 1
    with pytest.raises(NotFoundError):
        runs.include_bill(proposal.run_id, note + "X", False)
    assert runs.proposal(proposal.run_id).total == Decimal("304.00")


def test_approval_needs_another_user_and_every_iban(ap: Payables) -> None:
    books = ap.books
    current = books.company.security_queries(books.ctx).policy()
    books.company.security_policy(books.ctx).update_policy(replace(current, creator_cannot_approve=True))
    ap.vendor("A")
    ap.bill("A", "100.00", JUNE, due=date(2024, 6, 10))
    ap.vendor("N", name="No Bank Ltd", iban=None)
    ap.bill("N", "40.00", JUNE, due=date(2024, 6, 10))
    runs = books.company.payment_runs(books.ctx)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 6, 30))
    with pytest.raises(ValidationError, match="segregation-of-duties"):
        runs.approve(proposal.run_id)
    books.company.add_user(books.ctx, "treasurer", PASSWORD, roles=("Treasurer",))
    treasurer = books.company.login("treasurer", PASSWORD)
    with pytest.raises(ValidationError, match=r"vendor N \(No Bank Ltd\) has no IBAN"):
        books.company.payment_runs(treasurer).approve(proposal.run_id)
    runs.include_vendor(proposal.run_id, "N", False)
    with pytest.raises(ValidationError, match="is proposed: it cannot be posted"):
        books.company.payment_runs(treasurer).post(proposal.run_id)
    books.company.payment_runs(treasurer).approve(proposal.run_id)
    with pytest.raises(ValidationError, match="is approved: it cannot be edited"):
        runs.include_bill(proposal.run_id, proposal.vendors[0].lines[0].bill, False)
    numbers, _ = books.company.payment_runs(treasurer).post(proposal.run_id)
    assert numbers == ["PMT-2024-000001"]


def test_a_posted_run_pays_each_vendor_and_writes_its_files(ap: Payables, tmp_path: Path) -> None:
    ap.vendor("A", name="Café Éclair SARL", terms="2/30 net 30")
    a1 = ap.bill("A", "1000.00", JUNE, vendor_invoice="F-881")
    a2 = ap.bill("A", "250.00", JUNE, vendor_invoice="F-884")
    note = ap.credit_note("A", "50.00", JUNE, vendor_invoice="AV-12")
    ap.vendor("W", withholding_percent="24")
    w1 = ap.bill("W", "500.00", JUNE, due=date(2024, 6, 20), vendor_invoice="W-1")
    runs = ap.books.company.payment_runs(ap.user)
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 7, 31))
    runs.approve(proposal.run_id)
    numbers, _ = runs.post(proposal.run_id)
    assert numbers == ["PMT-2024-000001", "PMT-2024-000002"]
    states = open_amounts(ap.books)
    assert all(states[n] == (0, "paid") for n in (a1, a2, note, w1))
    # 1225.00 - 50.00 to A, 380.00 to W; discounts 25.00, withheld 120.00
    assert gl_balance(ap.books, "1100") == -(117500 + 38000)
    assert (gl_balance(ap.books, "5010"), gl_balance(ap.books, "2210")) == (-2500, -12000)
    assert gl_balance(ap.books, "2010") == 0
    done = runs.proposal(proposal.run_id)
    assert done.state == "posted" and [v.payment for v in done.vendors] == numbers

    xml_path = tmp_path / "run.xml"
    batch, _ = runs.write_file(proposal.run_id, xml_path)
    data = xml_path.read_bytes()
    validate_pain001(data)
    root = etree.fromstring(data)
    ns = {"p": NAMESPACE}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "1555.00"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    transfers = root.findall(".//p:CdtTrfTxInf", ns)
    assert [t.findtext("p:PmtId/p:EndToEndId", namespaces=ns) for t in transfers] == numbers
    assert [t.findtext("p:Amt/p:InstdAmt", namespaces=ns) for t in transfers] == ["1175.00", "380.00"]
    assert transfers[0].findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "F-881, F-884"
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == "DE89370400440532013000"
    assert runs.proposal(proposal.run_id).message_id == batch.message_id
    runs.write_file(proposal.run_id, tmp_path / "run.csv")
    csv_text = (tmp_path / "run.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[1].split(",")[6:9] == ["1175.00", "USD", "PMT-2024-000001"]

    paths = runs.write_remittances(proposal.run_id, tmp_path / "advices")
    assert [p.name for p in paths] == ["remittance-A-2024-06-28.pdf", "remittance-W-2024-06-28.pdf"]
    text = PdfReader(paths[0]).pages[0].extract_text()
    for expected in ("Café Éclair SARL", a1, "F-881", "F-884", note, "1,175.00", "PMT-2024-000001"):
        assert expected in text, expected
    assert "120.00" in PdfReader(paths[1]).pages[0].extract_text()


def test_a_paid_bill_voided_is_proposed_again(ap: Payables) -> None:
    ap.vendor("A")
    bill = ap.bill("A", "100.00", JUNE, due=date(2024, 6, 10))
    payments = ap.books.company.vendor_payments(ap.user)
    ref, _ = payments.pay(PaymentInput("A", "Operating", date(2024, 6, 11), (BillToPay(bill),)))
    runs = ap.books.company.payment_runs(ap.user)
    with pytest.raises(ValidationError, match="nothing to pay"):
        runs.propose(PAY, "Operating", date(2024, 6, 30))
    payments.void(ref.number, date(2024, 6, 12), "wrong amount")
    proposal, _ = runs.propose(PAY, "Operating", date(2024, 6, 30))
    assert lines_of(proposal) == {"A": (bill,)}
    with pytest.raises(ValidationError, match="is in payment run"):
        payments.pay(PaymentInput("A", "Operating", date(2024, 6, 13), (BillToPay(bill),)))


def test_the_schedule_shows_cash_needed_per_week(ap: Payables) -> None:
    ap.vendor("A")
    ap.bill("A", "100.00", JUNE, due=date(2024, 5, 30))  # overdue: first week
    ap.bill("A", "200.00", JUNE, due=date(2024, 6, 5))
    ap.bill("A", "300.00", JUNE, due=date(2024, 6, 12))
    ap.vendor("F", currency="EUR")
    ap.bill("F", "10.00", JUNE, due=date(2024, 6, 14), rate="1.1")
    weeks = ap.books.company.payment_runs(ap.user).schedule(date(2024, 6, 3), 3)
    assert [(w.start, w.totals, w.base_total) for w in weeks] == [
        (date(2024, 6, 3), (("USD", Decimal("300.00")),), Decimal("300.00")),
        (date(2024, 6, 10), (("EUR", Decimal("10.00")), ("USD", Decimal("300.00"))), Decimal("311.00")),
        (date(2024, 6, 17), (), Decimal("0.00")),
    ]


# ------------------------------------------------------------------------------------------ secured server


@pytest.mark.postgres
def test_the_clerk_proposes_and_the_treasurer_pays_on_a_secured_server(secured_server: Server) -> None:
    company = secured_server.company
    admin = company.login("admin", "correct-horse-battery")
    company.add_user(admin, "apclerk", PASSWORD, roles=("AP clerk",))
    company.add_user(admin, "treasurer", PASSWORD, roles=("Treasurer",))
    books = Books(company, admin, secured_server.clock, secured_server.admin_url)
    ap = Payables(books)
    ap.bank()
    ap.vendor("A")
    ap.bill("A", "100.00", date(2024, 2, 20), due=date(2024, 2, 28))
    clerk_company, clerk = secured_server.open_as("apclerk")
    try:
        proposal, _ = clerk_company.payment_runs(clerk).propose(date(2024, 3, 1), "Operating", date(2024, 3, 1))
        with pytest.raises(PermissionDenied):
            clerk_company.payment_runs(clerk).approve(proposal.run_id)
    finally:
        clerk_company.close()
    with secured_server.raw("apclerk") as conn:  # at psql the clerk cannot pay either
        with pytest.raises(psycopg.Error, match="permission denied"):
            conn.execute(
                "INSERT INTO vendor_payments (vendor_id, number, fiscal_year_id, sequence, date, method, "
                "bank_account_id, currency, rate, amount, base_amount, unapplied, reference, memo, entry_id, "
                "void_reason, created_by, created_at, version) SELECT 1, 'X', 1, 1, '2024-03-01', 'x', 1, 'USD', "
                "'1', 1, 1, 0, '', '', 1, '', 1, now(), 1"
            )
        conn.rollback()
    treasurer_company, treasurer = secured_server.open_as("treasurer")
    try:
        runs = treasurer_company.payment_runs(treasurer)
        runs.approve(proposal.run_id)
        numbers, _ = runs.post(proposal.run_id)
        assert numbers == ["PMT-2024-000001"]
    finally:
        treasurer_company.close()
    with psycopg.connect(secured_server.admin_url) as conn:
        posted = conn.execute(
            "SELECT e.source, u.username FROM journal_entries e JOIN users u ON u.id = e.posted_by "
            "WHERE e.source = 'ap_payment'"
        ).fetchall()
    assert posted == [("ap_payment", "treasurer")]
