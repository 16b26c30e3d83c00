"""Named permissions and the built-in roles that group them.

Every service operation checks one of these names. The security issue extends the list and the
roles; the mechanism (a user holds roles, a role grants names) stays the same.
"""

from __future__ import annotations

import enum


class Permission(enum.StrEnum):
    COMPANY_MANAGE = "company.manage"
    LEDGER_VIEW = "ledger.view"
    ACCOUNT_MANAGE = "ledger.account.manage"
    DIMENSION_MANAGE = "ledger.dimension.manage"
    JOURNAL_MANAGE = "ledger.journal.manage"
    ENTRY_CREATE = "ledger.entry.create"
    ENTRY_POST = "ledger.entry.post"
    ENTRY_REVERSE = "ledger.entry.reverse"
    PERIOD_CLOSE = "ledger.period.close"
    PERIOD_REOPEN = "ledger.period.reopen"
    LOCK_DATE_SET = "ledger.lockdate.set"
    RECURRING_MANAGE = "ledger.recurring.manage"
    LEDGER_IMPORT = "ledger.import"
    LEDGER_EXPORT = "ledger.export"
    USER_MANAGE = "security.user.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_ATTACH = "document.attach"


ALL_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission)

_READ = {Permission.LEDGER_VIEW, Permission.LEDGER_EXPORT}
_BOOKKEEPING = _READ | {
    Permission.ENTRY_CREATE,
    Permission.ENTRY_POST,
    Permission.ENTRY_REVERSE,
    Permission.RECURRING_MANAGE,
    Permission.LEDGER_IMPORT,
}

BUILTIN_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "Administrator": ("Everything, including users and company settings", ALL_PERMISSIONS),
    "Controller": (
        "Books, periods, lock date and the chart of accounts",
        frozenset(
            p.value
            for p in _BOOKKEEPING
            | {
                Permission.ACCOUNT_MANAGE,
                Permission.DIMENSION_MANAGE,
                Permission.JOURNAL_MANAGE,
                Permission.PERIOD_CLOSE,
                Permission.PERIOD_REOPEN,
                Permission.LOCK_DATE_SET,
                Permission.AUDIT_VIEW,
            }
        ),
    ),
    "Accountant": ("Enter, post and reverse entries; import", frozenset(p.value for p in _BOOKKEEPING)),
    "Auditor": (
        "Read everything including the audit trail; change nothing",
        frozenset(p.value for p in _READ | {Permission.AUDIT_VIEW}),
    ),
    "Viewer": ("Read the books", frozenset(p.value for p in _READ)),
}
