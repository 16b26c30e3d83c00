"""Posting rules, numbering, reversal and periods on both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.models import EntryState
from paksa_desktop.ledger.queries import EntryFilter
from tests.ledger.helpers import entry


def test_post_updates_trial_balance_and_numbers_entries(books):
    ref1, changes = books.ledger.post(entry("2024-01-31", ("1100", "100.00"), ("4010", "-100.00"), memo="Sale"))
    ref2, _ = books.ledger.post(entry("2024-02-01", ("6100", "40.00"), ("1100", "-40.00"), memo="Rent"))
    assert (ref1.number, ref2.number) == ("GEN-2024-000001", "GEN-2024-000002")
    assert "entries" in changes
    tb = books.queries.trial_balance()
    got = {r.code: (r.debit, r.credit, r.closing) for r in tb.rows}
    assert got == {
        "1100": (Decimal("60.00"), Decimal("0.00"), Decimal("60.00")),
        "4010": (Decimal("0.00"), Decimal("100.00"), Decimal("-100.00")),
        "6100": (Decimal("40.00"), Decimal("0.00"), Decimal("40.00")),
    }
    assert tb.is_balanced


def test_range_trial_balance_has_opening_movements_and_closing(books):
    books.ledger.post(entry("2024-01-10", ("1100", "500.00"), ("3100", "-500.00")))
    books.ledger.post(entry("2024-02-10", ("1100", "120.00"), ("4010", "-120.00")))
    books.ledger.post(entry("2024-02-20", ("6100", "20.00"), ("1100", "-20.00")))
    tb = books.queries.trial_balance(start=date(2024, 2, 1), end=date(2024, 2, 29))
    bank = next(r for r in tb.rows if r.code == "1100")
    assert (bank.opening, bank.debit, bank.credit, bank.closing) == (
        Decimal("500.00"),
        Decimal("120.00"),
        Decimal("20.00"),
        Decimal("600.00"),
    )
    assert tb.total_debit == tb.total_credit == Decimal("140.00")
    as_of_jan = books.queries.trial_balance(as_of=date(2024, 1, 31))
    assert [r.code for r in as_of_jan.rows] == ["1100", "3100"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entry("2024-01-31", ("1100", "100.00"), ("4010", "-90.00")), r"out of balance by 10\.00"),
        (entry("2024-01-31"), "at least one line"),
        (entry("2024-01-31", ("9999", "1.00"), ("4010", "-1.00")), "unknown account '9999'"),
        (entry("2024-01-31", ("1000", "1.00"), ("4010", "-1.00")), "parent account"),
        (entry("2024-01-31", ("1100", "1.001"), ("4010", "-1.001")), "decimal places"),
    ],
)
def test_post_refuses_bad_entries_and_writes_nothing(books, bad, message):
    with pytest.raises(ValidationError, match=message):
        books.ledger.post(bad)
    assert books.queries.count_entries() == 0
    assert books.queries.trial_balance().rows == ()


def test_closed_period_and_lock_date_refuse_posting(books):
    books.ledger.post(entry("2024-03-05", ("1100", "1.00"), ("4010", "-1.00")))
    march = next(p for p in books.queries.periods() if p.start_date == date(2024, 3, 1))
    books.ledger.close_period(march.id)
    with pytest.raises(ValidationError, match="closed"):
        books.ledger.post(entry("2024-03-20", ("1100", "1.00"), ("4010", "-1.00")))
    books.ledger.reopen_period(march.id)
    books.ledger.post(entry("2024-03-20", ("1100", "1.00"), ("4010", "-1.00")))
    books.ledger.set_lock_date(date(2024, 3, 31))
    with pytest.raises(ValidationError, match="lock date"):
        books.ledger.post(entry("2024-03-21", ("1100", "1.00"), ("4010", "-1.00")))
    books.ledger.post(entry("2024-04-01", ("1100", "1.00"), ("4010", "-1.00")))


def test_posting_creates_the_fiscal_year(books):
    assert books.queries.periods() == []
    books.ledger.post(entry("2025-07-15", ("1100", "1.00"), ("4010", "-1.00")))
    periods = books.queries.periods()
    assert len(periods) == 12
    assert (periods[0].start_date, periods[-1].end_date) == (date(2025, 1, 1), date(2025, 12, 31))


def test_reversal_is_linked_and_cancels(books):
    ref, _ = books.ledger.post(entry("2024-01-31", ("1100", "75.50"), ("4010", "-75.50")))
    rev, _ = books.ledger.reverse(ref.id)
    original = books.queries.entry(ref.id)
    assert original.state is EntryState.REVERSED
    assert original.reversed_by == (rev.id, rev.number)
    assert books.queries.entry(rev.id).reversal_of == (ref.id, ref.number)
    assert all(r.closing == 0 for r in books.queries.trial_balance().rows)
    with pytest.raises(ValidationError, match="already reversed"):
        books.ledger.reverse(ref.id)


def test_posted_entries_cannot_be_edited_or_deleted(books):
    ref, _ = books.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    with pytest.raises(ValidationError, match="posted entries cannot be changed"):
        books.ledger.save_draft(entry("2024-01-31", ("1100", "2.00"), ("4010", "-2.00")), ref.id)
    with pytest.raises(ValidationError, match="posted entries cannot be changed"):
        books.ledger.delete_draft(ref.id)


def test_draft_lifecycle_and_optimistic_locking(books):
    draft, _ = books.ledger.save_draft(entry("2024-01-15", ("6100", "30.00"), ("1100", "-20.00")))
    assert books.queries.trial_balance().rows == ()
    with pytest.raises(ValidationError, match="out of balance"):
        books.ledger.post_draft(draft.id)
    saved, _ = books.ledger.save_draft(
        entry("2024-01-15", ("6100", "30.00"), ("1100", "-30.00")), draft.id, draft.version
    )
    with pytest.raises(ConflictError, match=r"draft entry of 2024-01-15 was changed by Administrator \(admin\) at"):
        books.ledger.save_draft(entry("2024-01-15", ("6100", "1.00"), ("1100", "-1.00")), draft.id, draft.version)
    posted, _ = books.ledger.post_draft(draft.id, saved.version)
    assert posted.number == "GEN-2024-000001"
    assert books.queries.entry(draft.id).state is EntryState.POSTED


def test_auto_reversing_accrual(books):
    ref, _ = books.ledger.post(entry("2024-01-31", ("6200", "900.00"), ("2100", "-900.00"), auto_reverse=True))
    assert ref.reversal_id is not None
    reversal = books.queries.entry(ref.reversal_id)
    assert reversal.date == date(2024, 2, 1)
    assert books.queries.trial_balance(as_of=date(2024, 1, 31)).rows[-1].closing == Decimal("900.00")
    assert books.queries.trial_balance(as_of=date(2024, 2, 1)).rows == ()


def test_entry_search(books):
    books.ledger.post(entry("2024-01-10", ("1100", "250.00"), ("4010", "-250.00"), memo="Invoice 17 Contoso"))
    books.ledger.post(entry("2024-02-10", ("6100", "80.00"), ("1100", "-80.00"), memo="Office rent"))
    books.ledger.save_draft(entry("2024-03-10", ("6130", "5.00"), ("1100", "-5.00"), memo="Pens"))
    q = books.queries
    assert [e.memo for e in q.entries(EntryFilter(text="contoso"))] == ["Invoice 17 Contoso"]
    assert [e.memo for e in q.entries(EntryFilter(amount="80"))] == ["Office rent"]
    assert [e.memo for e in q.entries(EntryFilter(account="6130"))] == ["Pens"]
    assert [e.memo for e in q.entries(EntryFilter(state=EntryState.DRAFT))] == ["Pens"]
    assert len(q.entries(EntryFilter(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29)))) == 1
    assert len(q.entries(EntryFilter(user="admin"))) == 3
    assert q.count_entries(EntryFilter(user="nobody")) == 0


def test_account_ledger_pages_carry_the_running_balance(books):
    for day in range(1, 29):
        books.ledger.post(entry(f"2024-02-{day:02d}", ("1100", "10.00"), ("4010", "-10.00")))
    bank = books.queries.account("1100")
    first = books.queries.account_ledger(bank.id, limit=10)
    assert len(first.lines) == 10 and first.cursor is not None
    second = books.queries.account_ledger(bank.id, after=first.cursor, opening=first.closing, limit=10)
    assert second.lines[0].balance == Decimal("110.00")
    third = books.queries.account_ledger(bank.id, after=second.cursor, opening=second.closing, limit=10)
    assert third.cursor is None and third.closing == Decimal("280.00")


def test_accounts_with_postings_can_only_be_deactivated(books):
    books.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    with pytest.raises(ValidationError, match="deactivate it instead"):
        books.ledger.delete_account("1100")
    books.ledger.update_account("1100", is_active=False)
    with pytest.raises(ValidationError, match="inactive"):
        books.ledger.post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    books.ledger.delete_account("1020")
    with pytest.raises(NotFoundError):
        books.queries.account("1020")


def test_permissions_are_checked(books):
    books.company.add_user(books.ctx, "viewer", "viewer-password-1", roles=("Viewer",))
    viewer = books.company.login("viewer", "viewer-password-1")
    with pytest.raises(PermissionDenied, match=r"ledger\.entry\.post"):
        books.company.ledger(viewer).post(entry("2024-01-31", ("1100", "1.00"), ("4010", "-1.00")))
    assert books.company.ledger_queries(viewer).trial_balance().rows == ()


def test_a_deleted_drafts_id_is_never_reused(books):
    draft, _ = books.ledger.save_draft(entry("2024-01-15", ("6100", "30.00"), ("1100", "-30.00")))
    books.ledger.delete_draft(draft.id)
    ref, _ = books.ledger.post(entry("2024-01-16", ("6100", "30.00"), ("1100", "-30.00")))
    assert ref.id != draft.id
