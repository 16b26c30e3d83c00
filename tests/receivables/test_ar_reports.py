"""Receivables reports: open items, the customer ledger, sales, tax and DSO, their ties to the aging and
the GL, and the same figures through every renderer (CSV, Excel, PDF read back)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.receivables.ar_reports import ARReports, flat
from paksa_desktop.receivables.commands import AllocationInput, InvoiceLineInput, ReceiptInput
from paksa_desktop.receivables.sales_reports import SalesBy, dso_days
from paksa_desktop.reporting import renderers
from paksa_desktop.reporting.model import Report, RowStyle
from tests.conftest import Books
from tests.receivables.helpers import D, ar, balance, customer, inv, item, login_as, rec, sale, with_customer

JAN, MAR = date(2024, 1, 1), date(2024, 3, 31)


def reports(books: Books) -> ARReports:
    return books.company.ar_reports(books.ctx)


def story(books: Books) -> dict[str, str]:
    """Two customers (C001 in USD, C002 in EUR), an invoice each, a partial credit note, two receipts.

    A  C001 2024-01-15: 4 WIDGET at 12.50 with VAT20 (50.00 + 10.00) and 100.00 consulting without tax
    B  C002 2024-02-10: 100.00 EUR + VAT20 = 120.00 EUR at 1.10 = 132.00 USD (net 110.00, tax 22.00)
    CN C001 2024-02-20: one WIDGET back, 15.00 applied to A
       C001 2024-02-25: 100.00 received for A (45.00 stays open)
       C002 2024-03-05: 60.00 EUR at 1.20 = 72.00 USD for B; relieves 66.00 at B's rate (6.00 FX gain)
    """
    with_customer(books)
    ar(books).create_customer(customer("C002", "Euro GmbH", currency="EUR"))
    ar(books).create_item(item("WIDGET", "12.50", tax_code="VAT20"))
    inv(books).set_rate("EUR", date(2024, 1, 1), D("1.10"))
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.20"))
    a = (
        inv(books)
        .issue(
            sale(
                "C001",
                "2024-01-15",
                InvoiceLineInput(item="WIDGET", quantity=D("4")),
                InvoiceLineInput("Consulting", D("1"), D("100.00"), tax_code="", account="4020"),
            )
        )[0]
        .number
    )
    b = inv(books).issue(sale("C002", "2024-02-10"))[0].number
    cn = inv(books).credit_invoice(a, date(2024, 2, 20), lines=(InvoiceLineInput(item="WIDGET", quantity=D("1")),))
    rec(books).record(ReceiptInput("C001", date(2024, 2, 25), D("100.00"), "1100", (AllocationInput(a, D("100")),)))
    rec(books).record(ReceiptInput("C002", date(2024, 3, 5), D("60.00"), "1100", (AllocationInput(b, D("60")),)))
    return {"A": a, "B": b, "CN": cn[0].number}  # type: ignore[dict-item]


def body(report: Report) -> list[tuple[object, ...]]:
    return [r.cells for r in report.rows]


def test_open_items_as_of_a_day(books: Books) -> None:
    doc = story(books)
    report = reports(books).open_items(date(2024, 2, 22))
    assert [(r[0], r[2], r[3], r[6], r[7], r[8], r[9]) for r in body(report)] == [
        ("C001", "Invoice", doc["A"], 8, "USD", "145.00", D("145.00")),  # due 2024-02-14
        ("C002", "Invoice", doc["B"], 0, "EUR", "120.00", D("132.00")),
    ]
    assert report.totals[0].cells[-1] == D("277.00")
    later = reports(books).open_items(date(2024, 5, 1), customer="C002")
    assert [(r[3], r[6], r[8], r[9]) for r in body(later)] == [(doc["B"], 51, "60.00", D("66.00"))]
    assert later.rows[0].drill is not None and later.rows[0].drill.kind == "invoice"
    with pytest.raises(NotFoundError, match="customer NOPE"):
        reports(books).open_items(customer="NOPE")


def test_the_customer_ledger_runs_from_opening_to_the_aging_total(books: Books) -> None:
    doc = story(books)
    report = reports(books).customer_ledger(JAN, MAR)
    c001 = [r.cells for r in report.rows][:7]
    assert [(c[0], c[1], c[2], c[4], c[5], c[6]) for c in c001] == [
        ("C001 Acme Ltd", None, "", None, None, None),
        ("C001", JAN, "", None, None, D("0.00")),
        ("C001", date(2024, 1, 15), doc["A"], D("160.00"), None, D("160.00")),
        ("C001", date(2024, 2, 20), doc["CN"], None, D("15.00"), D("145.00")),
        ("C001", date(2024, 2, 20), doc["A"], None, None, D("145.00")),  # the credit note applied: no change
        ("C001", date(2024, 2, 25), "RCT-2024-000001", None, D("100.00"), D("45.00")),
        ("C001", date(2024, 2, 25), doc["A"], None, None, D("45.00")),
    ]
    closing = {r.cells[0]: r.cells[6] for r in report.rows if r.style is RowStyle.SUBTOTAL}
    assert closing == {"C001": D("45.00"), "C002": D("66.00")}
    texts = [r.cells[3] for r in report.rows]
    assert f"Invoice {doc['B']}, 120.00 EUR" in texts  # foreign documents name their own amount
    assert "Receipt RCT-2024-000002 (bank transfer), 60.00 EUR" in texts
    gain = next(r.cells for r in report.rows if "exchange difference" in str(r.cells[3]))
    assert (gain[4], gain[6]) == (D("6.00"), D("66.00"))  # relieved 66.00 at B's rate for 72.00 received
    aging = reports(books).aging(MAR)
    assert report.totals[0].cells[-1] == aging.totals[0].cells[-1] == D("111.00")
    later = reports(books).customer_ledger(date(2024, 2, 21), MAR, customer="C001")
    assert later.rows[1].cells[6] == D("145.00")  # opening balance: what was open the day before
    assert later.totals[0].cells[-1] == D("45.00")


def test_sales_by_customer_item_and_month_add_up_to_the_gl(books: Books) -> None:
    story(books)
    by_customer = reports(books).sales(JAN, MAR, by=SalesBy.CUSTOMER)
    assert body(by_customer) == [
        ("C001", "Acme Ltd", 1, 1, D("137.50"), D("7.50"), D("145.00")),
        ("C002", "Euro GmbH", 1, 0, D("110.00"), D("22.00"), D("132.00")),
    ]
    by_item = reports(books).sales(JAN, MAR, by=SalesBy.ITEM)
    assert body(by_item) == [
        ("WIDGET", "Blue widget", D("3"), D("37.50")),
        ("", "Lines without an item", D("2"), D("210.00")),
    ]
    by_month = reports(books).sales(JAN, MAR, by=SalesBy.MONTH)
    assert body(by_month) == [
        ("2024-01", 1, 0, D("150.00"), D("10.00"), D("160.00")),
        ("2024-02", 1, 1, D("97.50"), D("19.50"), D("117.00")),
        ("2024-03", 0, 0, D("0.00"), D("0.00"), D("0.00")),
    ]
    nets = {r.meta["net_sales"] for r in (by_customer, by_item, by_month)}
    assert nets == {D("247.50")}
    income = balance(books, "4010", MAR) + balance(books, "4020", MAR)
    assert income == D("-247.50")  # what the invoices and the credit note posted to income
    assert reports(books).sales(date(2024, 4, 1), date(2024, 4, 30)).rows == ()


def test_tax_report_by_code_invoices_and_credit_notes(books: Books) -> None:
    story(books)
    report = reports(books).tax(JAN, MAR)
    assert body(report) == [
        ("VAT20", "Standard rate", D("20"), D("160.00"), D("32.00"), D("-12.50"), D("-2.50"), D("147.50"),
         D("29.50")),
        ("", "No tax", None, D("100.00"), D("0.00"), D("0.00"), D("0.00"), D("100.00"), D("0.00")),
    ]  # fmt: skip
    assert report.totals[0].cells[-2:] == (D("247.50"), D("29.50"))
    assert balance(books, "2200", MAR) == D("-29.50")


def test_dso_per_month_and_for_the_period(books: Books) -> None:
    story(books)
    report = reports(books).dso(JAN, MAR)
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in body(report)] == [
        ("2024-01", D("160.00"), D("160.00"), 31, D("31.0")),
        ("2024-02", D("177.00"), D("117.00"), 29, D("43.9")),
        ("2024-03", D("111.00"), D("0.00"), 31, None),  # nothing sold: no ratio
    ]
    total = report.totals[0].cells
    assert (total[2], total[3], total[4], total[5]) == (D("111.00"), D("277.00"), 91, D("36.5"))
    assert dso_days(0, 0, 30) is None and dso_days(50, 100, 30) == D("15.0")


def test_the_period_defaults_to_the_fiscal_year_and_must_not_run_backwards(books: Books) -> None:
    story(books)
    report = reports(books).sales()  # the clock says 2024-06-30
    assert report.meta["start"] == date(2024, 1, 1) and report.meta["end"] == date(2024, 12, 31)
    with pytest.raises(ValidationError, match="before it starts"):
        reports(books).tax(MAR, JAN)


def test_reports_need_receivables_view(books: Books) -> None:
    ctx = login_as(books, "payroll", "Payroll officer")
    with pytest.raises(PermissionDenied):
        ARReports(books.company.engine, ctx).aging()


KINDS = ("aging", "aging_detail", "open_items", "customer_ledger", "sales", "tax", "dso")


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_renders_the_same_figures_to_csv_excel_and_pdf(
    sqlite_books: Books, tmp_path: Path, kind: str
) -> None:
    books = sqlite_books
    story(books)
    service = reports(books)
    report: Report = (
        getattr(service, kind)(MAR)
        if kind in ("aging", "aging_detail", "open_items")
        else getattr(service, kind)(JAN, MAR)
    )
    assert report.rows
    plain = flat(report)
    renderers.to_csv(plain, tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [c.key for c in report.columns]
    assert len(rows) == len(plain.rows)
    money = [i for i, c in enumerate(report.columns) if c.kind.value == "money"]
    first = next(r for r in plain.rows if any(r.cells[i] is not None for i in money))
    i = next(i for i in money if first.cells[i] is not None)
    assert Decimal(rows[plain.rows.index(first)][report.columns[i].key]) == first.cells[i]

    renderers.to_xlsx(report, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == report.title
    assert list(values[3][: len(report.columns)]) == [c.title for c in report.columns]
    assert len(values) == 4 + len(report.rows) + len(report.totals)

    renderers.render_file(report, tmp_path / "r.pdf")
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages)
    assert report.title in text
    total = report.totals[0].cells[-1] if kind != "dso" else report.totals[0].cells[2]
    assert f"{total:,}" in text.replace("\n", " ")
