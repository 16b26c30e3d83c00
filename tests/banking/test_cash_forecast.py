"""Cash position and the 13-week cash forecast, with every figure worked out by hand; on both engines.

The books (base USD, sales 100.00 + 20 % VAT = 120.00, net 30):
- 1100 Operating: 1,000.00 capital on 2024-01-02, plus C001's receipt of 120.00 on 2024-04-07 = 1,120.00.
- C001 paid INV (2024-03-01, due 03-31) on 04-07: 7 days late on average.
- C001's open invoice of 2024-06-05 is due 07-05; C002 (no history) owes one of 04-01, due 05-01.
- Rent: a monthly recurring entry of 500.00 from 1100, next on 2024-07-01.

The forecast starts Wednesday 2024-06-19: week 1 = 06-19..06-25, week 2 = 06-26..07-02, week 3 =
07-03..07-09, week 4 = 07-10..07-16, week 5 = 07-17..07-23, ..., week 13 = 09-11..09-17.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from paksa_desktop.banking.forecast import OneOff, Scenario, flows_report
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.fx.rates import NoRateError
from paksa_desktop.ledger.commands import LineInput, RecurringInput
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from paksa_desktop.reporting import renderers
from tests.banking.helpers import line, operating, statement
from tests.conftest import Books
from tests.ledger.helpers import entry
from tests.ledger.helpers import line as gl_line
from tests.receivables.helpers import D, ar, customer, inv, login_as, rec, sale, with_customer

START = date(2024, 6, 19)


def cash_books(books: Books) -> Books:
    books.company.bank_accounts(books.ctx).add(operating())
    books.ledger.post(entry("2024-01-02", ("1100", "1000.00"), ("3100", "-1000.00"), memo="Capital"))
    with_customer(books)
    ar(books).create_customer(customer("C002", "Bravo Ltd"))
    first = inv(books).issue(sale("C001", "2024-03-01"))[0].number
    rec(books).record(
        ReceiptInput("C001", date(2024, 4, 7), D("120.00"), "1100", (AllocationInput(first, D("120.00")),))
    )
    inv(books).issue(sale("C002", "2024-04-01"))  # due 05-01: overdue on the start day
    inv(books).issue(sale("C001", "2024-06-05"))  # due 07-05 (week 3), + 7 days late = 07-12 (week 4)
    books.ledger.save_recurring(
        RecurringInput(
            "Rent", Frequency.MONTHLY, date(2024, 7, 1), (gl_line("6100", "500.00"), gl_line("1100", "-500.00"))
        )
    )
    return books


@pytest.fixture
def cash(books: Books) -> Books:
    return cash_books(books)


def weeks(forecast) -> list[tuple[int, Decimal, Decimal, Decimal, Decimal]]:  # type: ignore[no-untyped-def]
    return [(w.number, w.opening, w.receipts, w.payments, w.closing) for w in forecast.weeks]


def test_the_forecast_places_receipts_by_due_date_plus_days_late_and_recurring_payments(cash: Books) -> None:
    f = cash.company.cash_forecast(cash.ctx).forecast(START, 13)
    assert f.opening == D("1120.00")
    got = {w.number: (w.receipts, w.payments) for w in f.weeks if w.receipts or w.payments}
    assert got == {
        1: (D("120.00"), D("0")),  # C002's overdue invoice: week 1
        2: (D("0"), D("500.00")),  # rent 07-01
        4: (D("120.00"), D("0")),  # C001's invoice due 07-05 (week 3), paid 7 days late: 07-12
        7: (D("0"), D("500.00")),  # rent 08-01
        11: (D("0"), D("500.00")),  # rent 09-01
    }
    for before, after in zip(f.weeks, f.weeks[1:], strict=False):
        assert before.closing == before.opening + before.receipts - before.payments
        assert after.opening == before.closing
    assert f.weeks[-1].closing == D("1120.00") + 240 - 1500  # -140.00
    assert [(str(x.day), x.label.split()[1], x.units) for x in f.flows if x.source == "receivables"] == [
        ("2024-06-19", "C002", 12000),
        ("2024-07-12", "C001", 12000),
    ]
    assert f.chart_data()[0] == (START, D("1240.00")) and len(f.chart_data()) == 13
    items = flows_report(f, "Test").rows
    assert [(r.cells[0], str(r.cells[1]), r.cells[2], r.cells[4]) for r in items[:3]] == [
        (1, "2024-06-19", "receivables", D("120.00")),
        (2, "2024-07-01", "recurring", D("-500.00")),
        (4, "2024-07-12", "receivables", D("120.00")),
    ]


def test_a_delay_scenario_moves_receipts_and_a_one_off_appears(cash: Books) -> None:
    scenario = Scenario(delay_receipts_days=7, one_offs=[(date(2024, 7, 20), D("-300.00"), "Tax")])
    f = cash.company.cash_forecast(cash.ctx).forecast(START, 13, scenario)
    got = {w.number: (w.receipts, w.payments) for w in f.weeks if w.receipts or w.payments}
    assert got[2] == (D("120.00"), D("500.00"))  # the overdue one: 06-19 + 7 = 06-26
    assert 4 not in got  # C001's: 07-12 + 7 = 07-19, week 5, with the one-off tax of 07-20
    assert got[5] == (D("120.00"), D("300.00"))
    assert f.weeks[-1].closing == D("1120.00") + 240 - 1500 - 300
    report = cash.company.cash_forecast(cash.ctx).report(START, 13, scenario)
    assert "receipts delayed 7 days" in report.subtitle and "Tax -300.00" in report.subtitle
    with pytest.raises(ValidationError, match="outside the forecast"):
        cash.company.cash_forecast(cash.ctx).forecast(
            START, 4, Scenario(one_offs=[OneOff(date(2024, 9, 1), D(1), "X")])
        )


def test_receipts_beyond_the_horizon_are_left_out_and_counted(cash: Books) -> None:
    f = cash.company.cash_forecast(cash.ctx).forecast(START, 3)  # up to 07-09: C001's 07-12 is beyond
    assert sum(w.receipts for w in f.weeks) == D("120.00")
    report = cash.company.cash_forecast(cash.ctx).report(START, 3)
    assert "1 expected item(s) after 2024-07-09 not shown" in report.subtitle


def test_the_forecast_report_reads_back_from_xlsx_csv_and_pdf(cash: Books, tmp_path: Path) -> None:
    import openpyxl
    from pypdf import PdfReader

    from paksa_desktop.reporting.pdf import PdfOptions

    service = cash.company.cash_forecast(cash.ctx)
    report = service.report(START, 13)
    assert [r.cells[-1] for r in report.rows][:4] == [D("1240.00"), D("740.00"), D("740.00"), D("860.00")]
    renderers.render_file(report, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    table = [row for row in ws.iter_rows(values_only=True)]
    header = table.index(("Week", "From", "To", "Opening", "Receipts", "Payments", "Net", "Closing"))
    week4 = table[header + 4]
    assert week4[0] == 4 and week4[3:] == (740, 120, 0, 120, 860)
    assert table[header + 14][-1] == pytest.approx(-140)  # the total row's closing
    renderers.render_file(report, tmp_path / "f.csv")
    assert "4,2024-07-10,2024-07-16,740.00,120.00,0.00,120.00,860.00" in (tmp_path / "f.csv").read_text()
    renderers.render_file(report, tmp_path / "f.pdf", pdf=PdfOptions(chart=service.forecast(START).chart()))
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "f.pdf").pages)
    assert "Cash forecast" in text and "860.00" in text and "(140.00)" in text


def test_the_cash_position_lists_balances_statements_and_uncleared_items(cash: Books, tmp_path: Path) -> None:
    company, ctx = cash.company, cash.ctx
    inv(cash).set_rate("EUR", date(2024, 6, 1), D("1.10"))
    company.bank_accounts(ctx).add(operating(None, name="Euro", gl_account="1110", currency="EUR"))
    euros = LineInput("1110", debit=D("1100.00"), currency="EUR", amount_cur=D("1000.00"))
    cash.ledger.post(entry("2024-06-10", euros, ("3100", "-1100.00")))  # EUR 1,000.00 at 1.10
    jan = statement(
        line("2024-06-03", "120.00", "INV-1", "T1", row=1),
        line("2024-06-05", "-45.10", "", "T2", row=2),
        account="DE89370400440532013000", currency="USD", start="2024-06-01", end="2024-06-15",
        opening="1000.00", closing="1074.90",
    )  # fmt: skip
    company.statement_import(ctx).import_statements("Operating", [jan])
    pos = company.cash_position(ctx).position(date(2024, 6, 30))
    rows = {r.account: r for r in pos.rows}
    op, eur = rows["Operating"], rows["Euro"]
    assert (op.balance, op.base_balance, op.statement_date, op.statement_balance) == (
        D("1120.00"), D("1120.00"), date(2024, 6, 15), D("1074.90"),
    )  # fmt: skip
    assert (op.uncleared_count, op.uncleared_amount) == (2, D("74.90"))
    assert (eur.balance, eur.base_balance, eur.statement_date, eur.uncleared_count) == (
        D("1000.00"), D("1100.00"), None, 0,
    )  # fmt: skip
    assert {t.currency: (t.balance, t.base_balance) for t in pos.by_currency} == {
        "EUR": (D("1000.00"), D("1100.00")),
        "USD": (D("1120.00"), D("1120.00")),
    }
    assert pos.total_base == D("2220.00")
    report = company.cash_position(ctx).report(date(2024, 6, 30))
    assert report.totals[-1].cells[4] == D("2220.00")
    text = renderers.to_text(report)
    assert "Total in USD" in text and "2,220.00" in text
    renderers.render_file(report, tmp_path / "p.xlsx")
    import openpyxl

    values = [c for row in openpyxl.load_workbook(tmp_path / "p.xlsx").active.iter_rows(values_only=True) for c in row]
    assert 2220 in values and "Euro" in values
    with pytest.raises(NoRateError, match="EUR on or before 2024-05-31"):
        company.cash_position(ctx).position(date(2024, 5, 31))


def test_cash_figures_need_their_permissions(cash: Books) -> None:
    payroll = login_as(cash, "pay", "Payroll officer")  # no cash.view
    with pytest.raises(PermissionDenied):
        cash.company.cash_position(payroll).position()
    with pytest.raises(PermissionDenied):
        cash.company.cash_forecast(payroll).forecast(START)
    treasurer = login_as(cash, "tr", "Treasurer")  # cash.view, not receivables.view
    assert cash.company.cash_position(treasurer).position().total_base == D("1120.00")
    f = cash.company.cash_forecast(treasurer).forecast(START)
    assert f.weeks[-1].closing == D("-140.00")  # the same figures as the administrator's
    assert {x.label for x in f.flows if x.source == "receivables"} == {"receivables"}  # no invoice or customer
    assert "Rent" in {x.label for x in f.flows}
