"""The payables aging: what the company owes each vendor, and how long it is overdue, on any day.

The receivables aging screen (`ui/receivables/aging_view.py`) with payables' queries plugged in: one row
per vendor from `APReports.aging` (the same report as `paksa ap aging`, so its grand total is the subledger
that the reconciliation compares with the payable control accounts), and a vendor's open bills and credit
notes under the table on double-click or Enter (`APReports.aging_detail`). Export and Print write what is
on screen.
"""

from __future__ import annotations

from typing import Any

from paksa_desktop.core.changes import Kind
from paksa_desktop.payables.ap_reports import APReports
from paksa_desktop.receivables.aging import AgeBasis
from paksa_desktop.security.permissions import Permission
from ui.receivables.aging_view import AgingView

# Bills, credit notes, payments, claims and vendors move every payables figure
AP_CONCERNS = frozenset({Kind.BILLS, Kind.PAYMENTS, Kind.EXPENSES, Kind.VENDORS, Kind.COMPANY})


class APAgingView(AgingView):
    subtitle = (
        "What the company owes each vendor by how long it is overdue. Double-click a vendor for their open bills."
    )
    concerns = AP_CONCERNS
    export_permission = Permission.AP_VIEW
    party, parties = "vendor", "vendors"
    bases = (
        ("Due date (days overdue)", AgeBasis.DUE_DATE),
        ("Bill date (days since the bill)", AgeBasis.DOCUMENT_DATE),
    )
    buckets_key = "payables/agingBuckets"
    nothing_open = "the company owes no vendor anything and holds no vendor credit on that day"

    def reports(self) -> Any:
        return self.ap_reports

    @property
    def ap_reports(self) -> APReports:
        return self.session.company.ap_reports(self.session.ctx)

    def file_stem(self) -> str:
        return f"ap-aging-{self.shown.as_of}" if self.shown else "ap-aging"

    def detail_file_stem(self) -> str:
        day = self.shown.as_of if self.shown else ""
        return f"ap-aging-{self.detail_customer or 'detail'}-{day}"
