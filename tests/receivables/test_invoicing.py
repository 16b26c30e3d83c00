"""Invoices and credit notes: drafts, posting with its GL entry, numbering, credit checks, recurring."""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.audit.service import AuditFilter, AuditService
from paksa_desktop.core.errors import NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.models import Frequency
from paksa_desktop.receivables.commands import InvoiceLineInput
from paksa_desktop.receivables.invoicing import CreditCheckFailed, RecurringInvoiceInput
from paksa_desktop.receivables.models import CreditPolicy, DocumentKind, InvoiceState
from paksa_desktop.receivables.settings import STANDARD_ACCOUNTS, STANDARD_JOURNALS, SettingsInput
from tests.conftest import Books
from tests.receivables.helpers import D, ar, balance, docs, inv, item, login_as, rec, sale, with_customer


def test_issuing_an_invoice_numbers_it_and_posts_one_balanced_entry(books: Books) -> None:
    with_customer(books)
    ar(books).create_item(item("WIDGET", "12.50", tax_code="VAT20"))
    data = sale(
        "C001",
        "2024-03-01",
        InvoiceLineInput("Consulting", D("2"), D("100.00"), tax_code="VAT20", account="4020"),
        InvoiceLineInput(item="WIDGET", quantity=D("3")),
        InvoiceLineInput("Setup, no tax", D("1"), D("50.00"), discount_percent=D("10"), tax_code=""),
    )
    ref, _ = inv(books).issue(data)
    assert ref.number == "INV-2024-000001"
    detail = docs(books).invoice(ref.number)
    assert detail.row.state is InvoiceState.POSTED
    # 200 + 37.50 + 45 net; VAT 20 % on 237.50 = 47.50
    assert (detail.net_total, detail.tax_total, detail.row.total) == (D("282.50"), D("47.50"), D("330.00"))
    assert detail.row.open_amount == D("330.00")
    assert detail.row.due_date == date(2024, 3, 31)  # net 30
    assert detail.entry_number is not None and detail.entry_number.startswith("SAL-2024-")
    assert balance(books, "1200") == D("330.00")
    assert balance(books, "4020") == D("-200.00")
    assert balance(books, "4010") == D("-82.50")  # the item's account, and the company default for the last line
    assert balance(books, "2200") == D("-47.50")
    assert detail.tax_summary == (("VAT20", D("237.50"), D("47.50")),)
    assert docs(books).reconcile(date(2024, 12, 31)).difference == 0


def test_drafts_take_no_number_and_posted_documents_are_never_edited(books: Books) -> None:
    with_customer(books)
    draft, _ = inv(books).save_draft(sale())
    row = docs(books).invoices()[0]
    assert row.number is None and row.state is InvoiceState.DRAFT
    edited, _ = inv(books).save_draft(
        sale("C001", "2024-03-02", InvoiceLineInput("More", D("1"), D("10.00"), tax_code="")), draft.id, draft.version
    )
    assert docs(books).invoice(draft.id).row.total == D("10.00")
    assert balance(books, "1200") == 0  # a draft posts nothing
    posted, _ = inv(books).post(draft.id, edited.version)
    assert posted.number == "INV-2024-000001"
    assert balance(books, "1200") == D("10.00")
    with pytest.raises(ValidationError, match="never edited"):
        inv(books).save_draft(sale(), draft.id)
    with pytest.raises(ValidationError, match="never edited"):
        inv(books).delete_draft(draft.id)
    other, _ = inv(books).save_draft(sale())
    inv(books).delete_draft(other.id)
    with pytest.raises(NotFoundError):
        docs(books).invoice(other.id)


def test_numbers_are_gap_free_per_series_and_fiscal_year(books: Books) -> None:
    with_customer(books)
    numbers = [
        inv(books).issue(sale(on=day), confirm_credit=True)[0].number
        for day in ("2024-03-01", "2024-05-01", "2025-01-10")
    ]
    with pytest.raises(ValidationError):
        inv(books).issue(sale(on="2024-06-01", currency="XXX"), confirm_credit=True)  # fails: takes no number
    numbers.append(inv(books).issue(sale(on="2024-06-01"), confirm_credit=True)[0].number)
    note, _ = inv(books).credit_invoice("INV-2024-000001", date(2024, 6, 2))
    assert numbers == ["INV-2024-000001", "INV-2024-000002", "INV-2025-000001", "INV-2024-000003"]
    assert note.number == "CN-2024-000001"


def test_a_credit_note_credits_its_invoice_and_reverses_the_entry(books: Books) -> None:
    with_customer(books)
    ref, _ = inv(books).issue(sale())
    note, _ = inv(books).credit_invoice(ref.number, date(2024, 3, 5))
    assert docs(books).invoice(ref.number).row.state is InvoiceState.CREDITED
    credit = docs(books).invoice(note.number)
    assert credit.row.kind is DocumentKind.CREDIT_NOTE and credit.row.state is InvoiceState.PAID
    assert credit.credits == ref.number
    for code in ("1200", "4010", "2200"):
        assert balance(books, code) == 0
    assert docs(books).reconcile(date(2024, 12, 31)).difference == 0


def test_a_partial_credit_note_leaves_the_rest_open(books: Books) -> None:
    with_customer(books)
    ref, _ = inv(books).issue(sale())
    inv(books).credit_invoice(
        ref.number, date(2024, 3, 5), lines=(InvoiceLineInput("Discount agreed", D("1"), D("10.00"), tax_code="VAT20"),)
    )
    row = docs(books).invoice(ref.number).row
    assert (row.state, row.open_amount) == (InvoiceState.PARTIALLY_PAID, D("108.00"))


def test_credit_check_warns_blocks_and_overrides_are_audited(books: Books) -> None:
    with_customer(books, credit_limit=D("500"))
    inv(books).issue(sale())  # 120.00
    big = sale("C001", "2024-03-02", InvoiceLineInput("Big", D("1"), D("400.00"), tax_code=""))
    with pytest.raises(CreditCheckFailed, match=r"over the credit limit 500\.00") as caught:
        inv(books).issue(big)
    assert not caught.value.needs_permission
    ref, _ = inv(books).issue(big, confirm_credit=True)
    assert ref.number is not None
    audit = AuditService(books.company.engine, books.ctx).rows(AuditFilter(action="credit_override"))
    assert len(audit) == 1 and "over the credit limit" in str(audit[0].after)

    standard = SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS, credit_policy=CreditPolicy.BLOCK)
    inv(books).update_settings(standard)
    clerk = login_as(books, "clerk", "AR clerk")
    with pytest.raises(CreditCheckFailed, match=r"needs receivables\.invoice\.approve"):
        books.company.invoicing(clerk).issue(big, confirm_credit=True)
    ar(books).set_credit_hold("C001", True)
    with pytest.raises(CreditCheckFailed, match="credit hold"):
        inv(books).issue(sale(on="2024-03-03"))
    assert inv(books).issue(sale(on="2024-03-03"), confirm_credit=True)[0].number  # the admin may approve


def test_overdue_invoices_trip_the_credit_policy(books: Books) -> None:
    with_customer(books)
    inv(books).issue(sale(on="2024-01-02"))  # due 2024-02-01
    with pytest.raises(CreditCheckFailed, match="more than 60 days overdue"):
        inv(books).issue(sale(on="2024-04-15"))
    assert inv(books).issue(sale(on="2024-03-15"))[0].number  # only 43 days overdue


def test_a_foreign_currency_invoice_posts_base_amounts_at_its_rate(books: Books) -> None:
    with_customer(books, code="EU1", currency="EUR")
    inv(books).set_rate("EUR", date(2024, 1, 1), D("1.1"))
    inv(books).set_rate("EUR", date(2024, 3, 1), D("1.2"))
    ref, _ = inv(books).issue(sale("EU1", "2024-02-15"))
    detail = docs(books).invoice(ref.number)
    assert (detail.row.currency, detail.rate, detail.row.total, detail.base_total) == (
        "EUR", D("1.1"), D("120.00"), D("132.00")
    )  # fmt: skip
    assert balance(books, "1200") == D("132.00")
    given, _ = inv(books).issue(sale("EU1", "2024-03-10", rate=D("1.25")))
    assert docs(books).invoice(given.number).base_total == D("150.00")
    with pytest.raises(ValidationError, match="no exchange rate for GBP"):
        inv(books).issue(sale("EU1", "2024-03-10", currency="GBP"))


def test_bad_input_names_the_line(books: Books) -> None:
    with_customer(books)
    cases = [
        (sale("NOPE"), "unknown customer 'NOPE'"),
        (sale("C001", "2024-03-01", InvoiceLineInput("x", D("1"), D("1.001"))), "line 1: unit price 1.001"),
        (sale("C001", "2024-03-01", InvoiceLineInput("x", D("0"), D("1"))), "line 1: the quantity"),
        (sale("C001", "2024-03-01", InvoiceLineInput(item="NONE")), "line 1: unknown item 'NONE'"),
        (sale("C001", "2024-03-01", InvoiceLineInput("x", D("1"), D("1"), tax_code="ZZ")), "unknown tax code 'ZZ'"),
        (sale("C001", "2024-03-01", InvoiceLineInput("x", D("1"), D("1"), account="4000")), "parent account"),
        (sale("C001", "2024-03-01", InvoiceLineInput("x", D("1"), D("1"), department="D9")), "unknown department"),
    ]
    for data, message in cases:
        with pytest.raises(ValidationError, match=message):
            inv(books).issue(data)
    assert docs(books).invoices() == []


def test_posting_into_a_closed_period_is_refused_and_takes_no_number(books: Books) -> None:
    with_customer(books)
    books.ledger.set_lock_date(date(2024, 3, 31))
    with pytest.raises(ValidationError, match="lock date"):
        inv(books).issue(sale(on="2024-03-15"))
    assert inv(books).issue(sale(on="2024-04-01"))[0].number == "INV-2024-000001"


def test_recurring_invoices_are_raised_up_to_the_day_and_stop_at_the_end(books: Books) -> None:
    with_customer(books)
    lines = (InvoiceLineInput("Monthly support", D("1"), D("50.00"), tax_code="VAT20"),)
    inv(books).save_recurring(
        RecurringInvoiceInput(
            "Support", "C001", Frequency.MONTHLY, date(2024, 1, 31), lines, end_date=date(2024, 4, 30)
        )
    )
    refs, _ = inv(books).run_recurring(date(2024, 3, 15))
    assert [r.number for r in refs] == ["INV-2024-000001", "INV-2024-000002"]
    assert [r.date for r in docs(books).invoices()] == [date(2024, 2, 29), date(2024, 1, 31)]
    refs, _ = inv(books).run_recurring(date(2024, 12, 31))
    assert len(refs) == 2  # March and April, then the template ends
    assert inv(books).run_recurring(date(2025, 12, 31))[0] == []


def test_settings_are_checked_and_needed(books: Books) -> None:
    bad = SettingsInput(**(STANDARD_ACCOUNTS | {"receivable_account": "9999"}), **STANDARD_JOURNALS)
    with pytest.raises(ValidationError, match="receivable account: unknown account '9999'"):
        inv(books).update_settings(bad)
    assert inv(books).settings() == SettingsInput(**STANDARD_ACCOUNTS, **STANDARD_JOURNALS)


def test_clerks_need_their_permissions(books: Books) -> None:
    with_customer(books)
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.invoicing(viewer).issue(sale())
    clerk = login_as(books, "clerk", "AR clerk")
    ref, _ = books.company.invoicing(clerk).issue(sale())
    with pytest.raises(PermissionDenied):
        books.company.receipts(clerk).write_off(ref.number, date(2024, 6, 1))
    assert rec(books).write_off(ref.number, date(2024, 6, 1))[0]
