"""Payables reports on both engines: exact aging buckets (today and before a payment), open bills, the vendor
ledger's running balance, payments made, cash requirements, withholding totals, and the reconciliation of
the subledger with the control accounts (equal, then a hand entry to 2010 as the difference)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.payables.ap_reports import aging_csv_columns
from paksa_desktop.payables.payments import BillToPay, PaymentInput
from paksa_desktop.receivables.aging import AgeBasis, Buckets
from paksa_desktop.reporting.model import Report, RowStyle
from paksa_desktop.reporting.subledger import flat
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.payables.payment_fixtures import Payables

D = Decimal
AS_OF = date(2024, 6, 30)


@pytest.fixture
def ap(books: Books) -> Payables:
    """Three vendors: V1 with bills in three buckets and a credit note, W1 withholding 24 %, E1 in EUR."""
    p = Payables(books)
    p.bank()
    p.vendor("V1", "Paper Co")
    p.vendor("W1", "Maya Lopez Design", withholding_percent="24")
    p.vendor("E1", "Euro Freight", currency="EUR")
    p.bill("V1", "100.00", date(2024, 6, 1), due=date(2024, 7, 1))  # BILL-2024-000001: current
    p.bill("V1", "200.00", date(2024, 5, 1), due=date(2024, 6, 10))  # 000002: 20 days overdue
    p.bill("V1", "300.00", date(2024, 3, 1), due=date(2024, 3, 31))  # 000003: 91 days overdue
    p.credit_note("V1", "50.00", date(2024, 6, 5))  # VCN-2024-000001: current, negative
    p.bill("W1", "1000.00", date(2024, 5, 15), due=date(2024, 5, 20))  # 000004: 41 days overdue
    p.bill("E1", "500.00", date(2024, 6, 1), due=date(2024, 8, 1), rate="1.10")  # 000005: 550.00 base
    return p


def pay(ap: Payables, vendor: str, on: date, *bills: BillToPay, **kw: object):  # type: ignore[no-untyped-def]
    data = PaymentInput(vendor, kw.pop("bank", "Operating"), on, tuple(bills), **kw)  # type: ignore[arg-type]
    return ap.books.company.vendor_payments(ap.user).pay(data)[0]


def cells(report: Report, key: str = "vendor") -> dict[str, tuple[object, ...]]:
    index = report.column_index(key)
    return {str(r.cells[index]): r.cells for r in report.rows if r.style is RowStyle.NORMAL}


def test_aging_puts_each_bill_in_its_bucket(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    report = reports.aging(AS_OF)
    assert [c.key for c in report.select(aging_csv_columns()).columns] == [
        "vendor", "name", "current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total",
    ]  # fmt: skip
    rows = cells(report)
    assert rows["V1"][2:] == (D("50.00"), D("200.00"), D("0.00"), D("0.00"), D("300.00"), D("550.00"))
    assert rows["W1"][2:] == (D("0.00"), D("0.00"), D("1000.00"), D("0.00"), D("0.00"), D("1000.00"))
    assert rows["E1"][2:] == (D("550.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("550.00"))
    assert report.meta["total"] == D("2100.00")
    assert report.totals[0].cells[-1] == D("2100.00")
    # by the bill date instead: the 1 June bill is 29 days old, the credit note stays current
    by_date = cells(reports.aging(AS_OF, Buckets((30, 60, 90)), basis=AgeBasis.DOCUMENT_DATE))
    assert by_date["V1"][2:] == (D("-50.00"), D("100.00"), D("200.00"), D("0.00"), D("300.00"), D("550.00"))
    # the detail lists each document once, in its bucket, and adds up to the same total
    detail = reports.aging_detail(AS_OF, vendor="V1")
    docs = {r.cells[1]: r.cells for r in flat(detail).rows}
    assert set(docs) == {"BILL-2024-000001", "BILL-2024-000002", "BILL-2024-000003", "VCN-2024-000001"}
    assert docs["BILL-2024-000003"][6] == 91 and docs["VCN-2024-000001"][6] is None
    assert detail.meta["total"] == D("550.00")


def test_historical_aging_before_and_after_a_payment_and_its_void(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    ref = pay(ap, "V1", date(2024, 6, 20), BillToPay("BILL-2024-000003"), BillToPay("BILL-2024-000002", D("50.00")))
    before = cells(reports.aging(date(2024, 6, 19)))
    assert before["V1"][-1] == D("550.00")
    after = cells(reports.aging(AS_OF))
    assert after["V1"][2:] == (D("50.00"), D("150.00"), D("0.00"), D("0.00"), D("0.00"), D("200.00"))
    ap.books.company.vendor_payments(ap.user).void(ref.number, date(2024, 6, 25), "cheque lost")
    assert cells(reports.aging(date(2024, 6, 24)))["V1"][-1] == D("200.00")  # paid on that day
    assert cells(reports.aging(AS_OF))["V1"][-1] == D("550.00")  # reopened by the void
    open_bills = cells(reports.open_bills(date(2024, 6, 22)), "document")
    assert open_bills["BILL-2024-000002"][-1] == D("150.00") and "BILL-2024-000003" not in open_bills


def test_vendor_ledger_runs_the_balance(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    ref = pay(ap, "V1", date(2024, 6, 20), BillToPay("BILL-2024-000002"), credit_notes=("VCN-2024-000001",))
    ap.books.company.vendor_payments(ap.user).void(ref.number, date(2024, 6, 28), "wrong bank")
    ledger = reports.vendor_ledger(date(2024, 5, 1), AS_OF, vendor="V1")
    lines = [(r.cells[1], r.cells[2], r.cells[4], r.cells[5], r.cells[6]) for r in ledger.rows[1:]]
    assert lines == [
        (date(2024, 5, 1), "", None, None, D("300.00")),  # opening: the March bill
        (date(2024, 5, 1), "BILL-2024-000002", None, D("200.00"), D("500.00")),
        (date(2024, 6, 1), "BILL-2024-000001", None, D("100.00"), D("600.00")),
        (date(2024, 6, 5), "VCN-2024-000001", D("50.00"), None, D("550.00")),
        (date(2024, 6, 20), ref.number, D("150.00"), None, D("400.00")),  # 200 less the 50 credit: 150 paid
        (date(2024, 6, 28), ref.number, None, D("150.00"), D("550.00")),  # the void
        (AS_OF, "", D("200.00"), D("450.00"), D("550.00")),  # closing = the aging total
    ]
    assert ledger.rows[-1].style is RowStyle.SUBTOTAL
    assert cells(reports.aging(AS_OF))["V1"][-1] == ledger.meta["closing"]


def test_payments_made_and_withholding_totals(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    first = pay(ap, "W1", date(2024, 6, 1), BillToPay("BILL-2024-000004", D("400.00")))
    pay(ap, "W1", date(2024, 7, 1), BillToPay("BILL-2024-000004"))
    voided = pay(ap, "V1", date(2024, 6, 15), BillToPay("BILL-2024-000001"))
    ap.books.company.vendor_payments(ap.user).void(voided.number, date(2024, 6, 16), "duplicate")
    made = reports.payments_made(date(2024, 6, 1), date(2024, 6, 30))
    rows = cells(made, "payment")
    assert rows[first.number][8:12] == ("304.00", "0.00", "96.00", D("304.00"))
    assert rows[voided.number][-1] == "voided 2024-06-16"
    assert made.meta["total"] == D("304.00")  # the voided payment does not count
    assert [r.cells[1] for r in reports.payments_made(date(2024, 6, 1), AS_OF, vendor="V1").rows] == [voided.number]
    withholding = reports.withholding(2024)
    w1 = cells(withholding)["W1"]
    assert w1[3:] == (D("24"), 2, D("1000.00"), D("240.00"), D("760.00"))
    assert "V1" not in cells(withholding)  # not a withholding vendor, and its one payment was voided
    assert withholding.meta["withheld"] == D("240.00")
    assert reports.withholding(2023).rows == ()


def test_cash_requirements_by_due_week(ap: Payables) -> None:
    ap.vendor("T1", terms="2/10 net 30")
    ap.bill("T1", "1000.00", date(2024, 6, 25))  # due 25 July; 2 % off until 5 July
    report = ap.books.company.ap_reports(ap.user).cash_requirements(AS_OF, weeks=6)
    by_row = {r.cells[0]: r.cells for r in report.rows}
    assert by_row["Overdue"][3:7] == (3, D("1500.00"), D("0.00"), D("1500.00"))
    assert by_row["Week of 24 Jun 2024"][3:7] == (0, D("0.00"), D("0.00"), D("0.00"))
    assert by_row["Week of 01 Jul 2024"][3:7] == (1, D("100.00"), D("0.00"), D("100.00"))
    assert by_row["Week of 22 Jul 2024"][3:7] == (1, D("1000.00"), D("20.00"), D("980.00"))
    assert by_row["Week of 29 Jul 2024"][3:7] == (1, D("550.00"), D("0.00"), D("550.00"))
    assert by_row["Vendor credit notes to set off"][4] == D("-50.00")
    assert report.meta["total"] == D("3080.00")
    assert report.rows[-1].cells[-1] == D("3080.00")  # the cumulative column ends at the total
    with pytest.raises(ValidationError, match="weeks"):
        ap.books.company.ap_reports(ap.user).cash_requirements(AS_OF, weeks=0)


def test_reconcile_equal_then_a_hand_entry_shows_as_the_difference(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    pay(ap, "W1", date(2024, 6, 1), BillToPay("BILL-2024-000004", D("400.00")))
    result = reports.reconcile(AS_OF)
    assert result.reconciled and result.subledger == D("1700.00") == result.control
    assert {a.account for a in result.accounts} == {"2010", "2100"}
    ap.books.company.ledger(ap.user).post(entry("2024-06-15", ("6130", "75.00"), ("2010", "-75.00"), memo="by hand"))
    later = reports.reconcile(AS_OF)
    assert not later.reconciled and later.difference == D("-75.00")
    (line,) = later.by_hand
    assert (line.account, line.date, line.memo, line.amount) == ("2010", date(2024, 6, 15), "by hand", D("75.00"))
    assert reports.reconcile(date(2024, 6, 14)).reconciled  # the day before it was posted
    report = reports.reconcile_report(AS_OF)
    assert report.meta["difference"] == D("-75.00") and "difference -75.00" in report.subtitle
    assert any("by hand" in str(r.cells[1]) for r in report.rows)


def test_expenses_report_is_wired(ap: Payables) -> None:
    report = ap.books.company.ap_reports(ap.user).expenses(date(2024, 1, 1), date(2024, 12, 31), by="category")
    assert report.title == "Expenses by category" and report.rows == ()
    with pytest.raises(ValidationError, match="choose category"):
        ap.books.company.ap_reports(ap.user).expenses(date(2024, 1, 1), date(2024, 12, 31), by="colour")


def test_unknown_vendor_and_permission(ap: Payables) -> None:
    reports = ap.books.company.ap_reports(ap.user)
    with pytest.raises(NotFoundError, match="vendor ZZZ"):
        reports.aging(AS_OF, vendor="ZZZ")
    ap.books.company.users(ap.books.ctx).add_user(NewUser("arclerk", "Clerk-Passw0rd!", roles=("AR clerk",)))
    clerk = ap.books.company.login("arclerk", "Clerk-Passw0rd!")
    for call in (
        lambda r: r.aging(AS_OF),
        lambda r: r.reconcile(AS_OF),
        lambda r: r.withholding(2024),
        lambda r: r.vendor_ledger(),
    ):
        with pytest.raises(PermissionDenied):
            call(ap.books.company.ap_reports(clerk))
