"""Posting an edited draft in one step (`InvoicingService.post(..., data=...)`): the new content is saved and
posted together or not at all, so a refused posting leaves the draft exactly as it was stored; and what
a partial credit note has credited of each invoice line (both engines)."""

from __future__ import annotations

from datetime import date

import pytest

from paksa_desktop.audit.service import AuditFilter, AuditService
from paksa_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from paksa_desktop.receivables.commands import InvoiceLineInput
from paksa_desktop.receivables.invoicing import CreditCheckFailed
from paksa_desktop.receivables.models import InvoiceState
from tests.conftest import Books
from tests.receivables.helpers import D, balance, docs, inv, login_as, sale, with_customer


def edited(price: str = "450.00", on: str = "2024-03-02"):  # type: ignore[no-untyped-def]
    """The draft as the user changed it: another date, line and price (no tax)."""
    return sale("C001", on, InvoiceLineInput("Project work", D("1"), D(price), tax_code="", account="4020"))


def audit_actions(books: Books) -> list[str]:
    return [r.action for r in AuditService(books.company.engine, books.ctx).rows(AuditFilter(entity="invoice"))]


def test_an_edited_draft_is_saved_and_posted_in_one_unit(books: Books) -> None:
    with_customer(books)
    draft, _ = inv(books).save_draft(sale())  # 100.00 + VAT 20.00
    ref, changes = inv(books).post(draft.id, draft.version, data=edited())
    assert ref.id == draft.id and ref.number == "INV-2024-000001"
    detail = docs(books).invoice(draft.id)
    assert detail.row.state is InvoiceState.POSTED and detail.row.date == date(2024, 3, 2)
    assert [(ln.description, ln.account, ln.net) for ln in detail.lines] == [("Project work", "4020", D("450.00"))]
    assert (detail.row.total, detail.row.open_amount) == (D("450.00"), D("450.00"))
    assert balance(books, "1200") == D("450.00") and balance(books, "4020") == D("-450.00")
    assert balance(books, "2200") == 0  # the stored draft's VAT line was replaced, not posted
    assert audit_actions(books).count("update") == 1 and "post" in audit_actions(books)
    assert docs(books).reconcile(date(2024, 12, 31)).difference == 0
    assert changes


def test_a_credit_limit_refusal_leaves_the_draft_exactly_as_stored(books: Books) -> None:
    with_customer(books, credit_limit=D("200"))
    draft, _ = inv(books).save_draft(sale())  # 120.00: within the limit
    before = docs(books).invoice(draft.id)
    actions = audit_actions(books)
    with pytest.raises(CreditCheckFailed, match=r"over the credit limit 200\.00"):
        inv(books).post(draft.id, draft.version, data=edited("450.00"))
    assert docs(books).invoice(draft.id) == before  # lines, totals, date, version: all as stored
    assert audit_actions(books) == actions and balance(books, "1200") == 0
    # confirming goes on with the same version: nothing was saved by the refusal
    ref, _ = inv(books).post(draft.id, draft.version, data=edited("450.00"), confirm_credit=True)
    assert ref.number == "INV-2024-000001" and docs(books).invoice(draft.id).row.total == D("450.00")
    overrides = AuditService(books.company.engine, books.ctx).rows(AuditFilter(action="credit_override"))
    assert len(overrides) == 1


def test_a_closed_period_or_a_bad_line_leaves_the_draft_and_takes_no_number(books: Books) -> None:
    with_customer(books)
    draft, _ = inv(books).save_draft(sale(on="2024-04-02"))
    before = docs(books).invoice(draft.id)
    books.ledger.set_lock_date(date(2024, 3, 31))
    with pytest.raises(ValidationError, match="lock date"):
        inv(books).post(draft.id, draft.version, data=edited(on="2024-03-15"))
    bad = sale("C001", "2024-04-03", InvoiceLineInput("x", D("1"), D("5.00"), tax_code="NOPE"))
    with pytest.raises(ValidationError, match="line 1: unknown tax code 'NOPE'"):
        inv(books).post(draft.id, draft.version, data=bad)
    assert docs(books).invoice(draft.id) == before
    assert inv(books).post(draft.id, draft.version, data=edited(on="2024-04-05"))[0].number == "INV-2024-000001"


def test_the_same_checks_as_post_version_kind_and_permission(books: Books) -> None:
    with_customer(books)
    draft, _ = inv(books).save_draft(sale())
    newer, _ = inv(books).save_draft(sale(on="2024-03-03"), draft.id, draft.version)
    with pytest.raises(ConflictError):
        inv(books).post(draft.id, draft.version, data=edited())  # someone saved it since
    with pytest.raises(ValidationError, match="stays an invoice or a credit note"):
        inv(books).post(draft.id, newer.version, data=sale(credit_note=True))
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.invoicing(viewer).post(draft.id, newer.version, data=edited())
    assert docs(books).invoice(draft.id).row.state is InvoiceState.DRAFT
    clerk = login_as(books, "clerk", "AR clerk")
    assert books.company.invoicing(clerk).post(draft.id, newer.version, data=edited())[0].number


def test_credited_quantities_follow_partial_credit_notes(books: Books) -> None:
    with_customer(books)
    two = sale(
        "C001",
        "2024-03-01",
        InvoiceLineInput("Consulting", D("4"), D("100.00"), tax_code="VAT20", account="4020"),
        InvoiceLineInput("Travel", D("1"), D("80.00"), tax_code="", account="4010"),
    )
    ref, _ = inv(books).issue(two)
    assert docs(books).credited_quantities(ref.id) == {1: 0, 2: 0}
    consulting = InvoiceLineInput("Consulting", D("1.5"), D("100.00"), tax_code="VAT20", account="4020")
    inv(books).credit_invoice(ref.number, date(2024, 3, 5), lines=(consulting,))
    goodwill = InvoiceLineInput("Goodwill", D("1"), D("10.00"), tax_code="")  # matches no line
    inv(books).credit_invoice(ref.number, date(2024, 3, 6), lines=(goodwill,))
    assert docs(books).credited_quantities(ref.id) == {1: D("1.5"), 2: 0}
    row = docs(books).invoice(ref.id).row
    # 480.00 + 80.00 = 560.00, less 150.00 + 30.00 VAT, less 10.00 goodwill
    assert (row.state, row.open_amount) == (InvoiceState.PARTIALLY_PAID, D("370.00"))
