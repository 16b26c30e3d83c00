"""What the bills screens show beside a bill's own figures: where it stands in its approval (the last step of
its history, in words) and which other bills it may duplicate.

An approver (payables.bill.approve without payables.bill.create) cannot call `BillService.duplicates`,
which checks a bill being entered; these read the stored bills under payables.view, with the same
`find_duplicates` the editor's warning and posting use, so the queue flags exactly what posting refuses.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from paksa_desktop.ledger.posting import Poster
from paksa_desktop.payables.bill_inputs import DuplicateWarning
from paksa_desktop.payables.bill_preparing import BillLookups, prepared_of
from paksa_desktop.payables.bills import find_duplicates
from paksa_desktop.payables.models import ApprovalAction, Bill, BillApproval, BillKind
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.models import User
from paksa_desktop.security.permissions import Permission

MAX_IDS = 5000  # one screen's worth: a list longer than this is asked for in parts

_STEP = {
    ApprovalAction.SUBMITTED: "awaiting approval",
    ApprovalAction.APPROVED: "approved by {user}",
    ApprovalAction.REJECTED: "rejected by {user}: {note}",
    ApprovalAction.DUPLICATE_OVERRIDE: "posted as not a duplicate by {user}",
}


class BillFlagQueries(GuardedService):
    def likely_duplicates(self, bill_ids: Iterable[int]) -> dict[int, list[DuplicateWarning]]:
        """For each bill given, the other bills of its vendor it may duplicate (same vendor invoice number, or
        same total within the company's duplicate window; drafts included); bills with none are left out."""
        with self._read(Permission.AP_VIEW) as s:
            ids = sorted({int(i) for i in bill_ids})[:MAX_IDS]
            if not ids:
                return {}
            look = BillLookups(s, Poster(s, self.ctx))
            found: dict[int, list[DuplicateWarning]] = {}
            rows = s.execute(select(Bill).where(Bill.id.in_(ids), Bill.kind != BillKind.EXPENSE_CLAIM)).scalars()
            for row in rows:
                warnings = find_duplicates(
                    s, prepared_of(look, row), look.settings.duplicate_days, exclude=row.id, posted_only=False
                )
                if warnings:
                    found[row.id] = warnings
            return found

    def approval_steps(self, bill_ids: Iterable[int]) -> dict[int, str]:
        """The last step of each bill's approval history in words ('approved by carol', 'rejected by carol:
        wrong amount', 'awaiting approval'); bills never submitted are left out."""
        with self._read(Permission.AP_VIEW) as s:
            ids = sorted({int(i) for i in bill_ids})[:MAX_IDS]
            if not ids:
                return {}
            last = (
                select(func.max(BillApproval.id))
                .where(BillApproval.bill_id.in_(ids))
                .group_by(BillApproval.bill_id)
                .scalar_subquery()
            )
            who = aliased(User)
            rows = s.execute(
                select(BillApproval.bill_id, BillApproval.action, who.username, BillApproval.note)
                .join(who, who.id == BillApproval.user_id)
                .where(BillApproval.id.in_(last))
            )
            return {bill_id: _STEP[action].format(user=user, note=note) for bill_id, action, user, note in rows}
