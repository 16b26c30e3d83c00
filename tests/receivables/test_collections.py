"""Collection notes, promises to pay and the collector's work queue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.receivables.collections import NoteInput
from paksa_desktop.receivables.commands import AllocationInput, ReceiptInput
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, customer, inv, login_as, rec, sale, with_customer


def day(text: str) -> date:
    return date.fromisoformat(text)


def coll(books: Books):  # type: ignore[no-untyped-def]
    return books.company.collections(books.ctx)


def test_notes_promises_and_the_work_queue(books: Books) -> None:
    with_customer(books)
    ar(books).create_customer(customer("C002", "Beta GmbH"))
    first = inv(books).issue(sale(on="2024-03-01"))[0].number
    second = inv(books).issue(sale(on="2024-03-02"))[0].number
    books.clock.set(datetime(2024, 5, 2, 9, 0, tzinfo=UTC))
    kept, _ = coll(books).add_note(
        NoteInput("C001", "Called Ann: pays the first on Friday", first, promised_on=day("2024-05-10"))
    )
    broken, _ = coll(books).add_note(
        NoteInput("C001", "Promised the second by mid-May", second, day("2024-05-15"), D("120.00"))
    )
    later, _ = coll(books).add_note(NoteInput("C002", "Call again in June", follow_up_on=day("2024-06-03")))
    overall, _ = coll(books).add_note(
        NoteInput("C002", "Will pay 50 on account", promised_on=day("2024-05-20"), promised_amount=D("50.00"))
    )
    rec(books).record(ReceiptInput("C001", day("2024-05-09"), D("120.00"), "1100", (AllocationInput(first, D(120)),)))

    assert coll(books).work_queue(day("2024-05-10")) == []  # promises are due, not yet broken
    queue = coll(books).work_queue(day("2024-06-03"))
    assert [(n.id, n.why) for n in queue] == [
        (broken, "broken promise"),  # the second is still open
        (overall, "broken promise"),  # nothing received from C002
        (later, "follow up"),
    ]
    assert queue[0].promised_amount == D("120.00") and queue[0].invoice == second
    rec(books).record(ReceiptInput("C002", day("2024-05-18"), D("50.00"), "1100"))
    assert [n.id for n in coll(books).work_queue(day("2024-06-03"))] == [broken, later]
    notes = coll(books).notes("C001")
    assert [n.id for n in notes] == [broken, kept]
    coll(books).mark_done(broken, notes[0].version)
    with pytest.raises(ConflictError):
        coll(books).mark_done(broken, notes[0].version)  # someone else's stale copy
    assert [n.id for n in coll(books).work_queue(day("2024-06-03"))] == [later]
    assert [n.id for n in coll(books).notes(include_done=False)] == [overall, later, kept]
    assert [r[0] for r in audit_rows(books, "collection_note")] == ["create"] * 4 + ["update"]


def test_notes_are_checked_and_written_by_the_customer_facing_roles(books: Books) -> None:
    with_customer(books)
    ar(books).create_customer(customer("C002", "Beta GmbH"))
    number = inv(books).issue(sale())[0].number
    for data, error, message in (
        (NoteInput("NOPE", "x"), NotFoundError, "customer NOPE does not exist"),
        (NoteInput("C001", "  "), ValidationError, "needs some text"),
        (NoteInput("C002", "x", number), ValidationError, f"invoice {number} is not C002's"),
        (NoteInput("C001", "x", "INV-1"), NotFoundError, "invoice INV-1 does not exist"),
        (NoteInput("C001", "x", promised_amount=D(5)), ValidationError, "needs the day"),
        (
            NoteInput("C001", "x", promised_on=day("2024-07-01"), promised_amount=D("0.001")),
            ValidationError,
            "decimals",
        ),
    ):
        with pytest.raises(error, match=message):
            coll(books).add_note(data)
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.collections(viewer).add_note(NoteInput("C001", "hello"))
    assert books.company.collections(viewer).notes() == []
    clerk = login_as(books, "clerk", "AR clerk")
    books.company.collections(clerk).add_note(NoteInput("C001", "hello"))
    assert [n.created_by for n in coll(books).notes()] == ["clerk"]
