"""The flags the bills screens show: a controller (who cannot enter bills) sees which queued bills look
like duplicates, and every bill's last approval step in words; on both engines, as the controller."""

from __future__ import annotations

import pytest

from paksa_desktop.core.errors import PermissionDenied
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.payables.bill_fixtures import bill, with_vendor

PASSWORD = "Flags-Passw0rd-42"


def test_a_controller_sees_duplicates_and_approval_steps(books: Books) -> None:
    with_vendor(books)
    books.company.users(books.ctx).add_user(NewUser("ctrl", PASSWORD, roles=("Controller",)))
    books.company.users(books.ctx).add_user(NewUser("nobody", PASSWORD, roles=()))
    controller = books.company.login("ctrl", PASSWORD)
    service = books.company.bills(books.ctx)
    first, _ = service.save_draft(bill(vendor_invoice="INV 7"))
    service.submit(first.id)
    service.approve_and_post(first.id)
    again, _ = service.save_draft(bill(vendor_invoice="inv7", on="2024-04-20"))  # same number, other spacing
    service.submit(again.id)
    other, _ = service.save_draft(bill(vendor_invoice="X-1", on="2024-09-01"))  # nothing like it
    rejected, _ = service.save_draft(bill(vendor_invoice="R-1", on="2024-11-01"))
    service.submit(rejected.id)
    books.company.bills(controller).reject(rejected.id, "wrong amount")

    flags = books.company.bill_flags(controller)
    found = flags.likely_duplicates([again.id, other.id])
    assert list(found) == [again.id]
    (warning,) = found[again.id]
    assert warning.bill_id == first.id and warning.number == "BILL-2024-000001"
    assert warning.reason == "same vendor invoice number"

    steps = flags.approval_steps([first.id, again.id, other.id, rejected.id])
    assert steps == {
        first.id: "approved by admin",
        again.id: "awaiting approval",
        rejected.id: "rejected by ctrl: wrong amount",
    }
    assert flags.likely_duplicates([]) == {} and flags.approval_steps([]) == {}
    with pytest.raises(PermissionDenied):
        books.company.bill_flags(books.company.login("nobody", PASSWORD)).likely_duplicates([first.id])
