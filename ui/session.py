"""The open company and the logged-in user: what every window needs to call services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from paksa_desktop.company import Company
from paksa_desktop.ledger.budgets import BudgetQueries, BudgetService
from paksa_desktop.ledger.queries import LedgerQueries
from paksa_desktop.ledger.service import LedgerService
from paksa_desktop.payables.vendors import VendorService
from paksa_desktop.receivables.document_queries import DocumentQueries
from paksa_desktop.receivables.invoicing import InvoicingService
from paksa_desktop.receivables.queries import ReceivablesQueries
from paksa_desktop.receivables.receipts import ReceiptService
from paksa_desktop.receivables.service import ReceivablesService
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission

# What a read-only company still allows: looking, exporting and printing (those only add audit rows).
_READS = frozenset({Permission.LEDGER_EXPORT, Permission.AUDIT_EXPORT, Permission.SENSITIVE_READ})


def reads_only(permission: str) -> bool:
    return permission.endswith(".view") or permission in _READS


@dataclass
class AppSession:
    """A company and a user; hands out fresh services so no database session ever reaches Qt."""

    company: Company
    ctx: UserContext

    def use_context(self, ctx: UserContext) -> None:
        """The same user with a new context (after a data key rotation): every later call uses it."""
        if ctx.user_id != self.ctx.user_id:
            raise ValueError("a session's user does not change")
        self.ctx = ctx

    @property
    def ledger(self) -> LedgerService:
        return self.company.ledger(self.ctx)

    @property
    def queries(self) -> LedgerQueries:
        return self.company.ledger_queries(self.ctx)

    @property
    def budgets(self) -> BudgetService:
        return self.company.budgets(self.ctx)

    @property
    def budget_queries(self) -> BudgetQueries:
        return self.company.budget_queries(self.ctx)

    @property
    def receivables(self) -> ReceivablesService:
        return self.company.receivables(self.ctx)

    @property
    def receivables_queries(self) -> ReceivablesQueries:
        return self.company.receivables_queries(self.ctx)

    @property
    def invoicing(self) -> InvoicingService:
        return self.company.invoicing(self.ctx)

    @property
    def receipts(self) -> ReceiptService:
        return self.company.receipts(self.ctx)

    @property
    def vendors(self) -> VendorService:
        return self.company.vendors(self.ctx)

    @property
    def documents(self) -> DocumentQueries:
        return self.company.documents_queries(self.ctx)

    def today(self) -> date:
        return self.company.today()

    def can(self, permission: str) -> bool:
        """The user's permission; on a company open read-only, only the permissions that read."""
        if self.company.read_only and not reads_only(permission):
            return False
        return self.ctx.can(permission)
