"""What the Cash & Banking views share: services handed out per call, exports audited under `cash.view`."""

from __future__ import annotations

from pathlib import Path

from paksa_desktop.banking.accounts import BankAccountService, BankQueries
from paksa_desktop.banking.statement_import import StatementImportService
from paksa_desktop.security.permissions import Permission
from ui.receivables.base_view import ReceivablesView
from ui.session import AppSession


def bank_service(session: AppSession) -> BankAccountService:
    return session.company.bank_accounts(session.ctx)


def bank_queries(session: AppSession) -> BankQueries:
    return session.company.bank_queries(session.ctx)


def import_service(session: AppSession) -> StatementImportService:
    return session.company.statement_import(session.ctx)


class BankingView(ReceivablesView):
    """A view of the Cash & Banking tab (the tab machinery is the Receivables tab's)."""

    def audit_export(self, path: Path, count: int) -> None:
        from paksa_desktop.audit.service import AuditService

        AuditService(self.session.company.engine, self.session.ctx).record_export(
            self.file_stem(), path, count, permission=Permission.CASH_VIEW
        )
