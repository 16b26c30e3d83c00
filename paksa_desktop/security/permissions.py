"""Named permissions and the built-in roles that group them.

Every service operation checks one of these names. The names of modules still to come (receivables,
payables, cash, assets, treasury, payroll, analytics, integration) are defined now, so the built-in
roles are complete and a company's roles need no reshuffle when a module lands. A user holds roles,
a role grants names; custom roles are rows like the built-in ones.
"""

from __future__ import annotations

import enum


class Permission(enum.StrEnum):
    COMPANY_MANAGE = "company.manage"
    # general ledger
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
    BUDGET_MANAGE = "ledger.budget.manage"  # enter, copy, import budgets
    LAYOUT_MANAGE = "ledger.layout.manage"  # customise the lines of the financial statements
    TAX_CODE_MANAGE = "ledger.taxcode.manage"  # sales tax codes: rates and the accounts they post to
    RATE_MANAGE = "ledger.rate.manage"  # exchange rates of foreign currencies against the base currency
    # security
    USER_MANAGE = "security.user.manage"
    SENSITIVE_READ = "security.sensitive.read"  # hold the data key: read/set encrypted fields
    KEY_ROTATE = "security.key.rotate"  # grant the data key, rotate it
    IP_ALLOWLIST_MANAGE = "security.ipallowlist.manage"
    ROLE_MANAGE = "security.role.manage"
    POLICY_MANAGE = "security.policy.manage"
    ACTIVITY_VIEW = "security.activity.view"
    # audit
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_ATTACH = "document.attach"
    # receivables
    AR_VIEW = "receivables.view"
    AR_CUSTOMER_MANAGE = "receivables.customer.manage"
    AR_ITEM_MANAGE = "receivables.item.manage"  # items and services sold: prices, income accounts
    AR_INVOICE_CREATE = "receivables.invoice.create"
    AR_INVOICE_APPROVE = "receivables.invoice.approve"
    AR_RECEIPT_RECORD = "receivables.receipt.record"
    AR_CREDIT_NOTE_CREATE = "receivables.creditnote.create"
    AR_DUNNING_RUN = "receivables.dunning.run"
    AR_WRITE_OFF = "receivables.writeoff"
    # payables
    AP_VIEW = "payables.view"
    AP_VENDOR_MANAGE = "payables.vendor.manage"
    AP_BILL_CREATE = "payables.bill.create"
    AP_BILL_APPROVE = "payables.bill.approve"
    AP_PAYMENT_RUN_CREATE = "payables.paymentrun.create"
    AP_PAYMENT_RUN_APPROVE = "payables.paymentrun.approve"  # release payments: runs and single payments
    AP_EXPENSE_SUBMIT = "payables.expense.submit"  # claim one's own expenses
    AP_EXPENSE_APPROVE = "payables.expense.approve"  # approve (and so post) others' claims
    # cash and banking
    CASH_VIEW = "cash.view"
    CASH_ACCOUNT_MANAGE = "cash.account.manage"
    CASH_STATEMENT_IMPORT = "cash.statement.import"
    CASH_RECONCILE = "cash.reconcile"
    CASH_TRANSFER = "cash.transfer"
    # fixed assets
    ASSETS_VIEW = "assets.view"
    ASSETS_MANAGE = "assets.asset.manage"
    ASSETS_DEPRECIATION_RUN = "assets.depreciation.run"
    ASSETS_DISPOSE = "assets.dispose"
    # treasury
    TREASURY_VIEW = "treasury.view"
    TREASURY_DEAL_MANAGE = "treasury.deal.manage"
    TREASURY_DEAL_APPROVE = "treasury.deal.approve"
    TREASURY_FORECAST_MANAGE = "treasury.forecast.manage"
    # payroll and HR
    PAYROLL_VIEW = "payroll.view"
    PAYROLL_EMPLOYEE_MANAGE = "payroll.employee.manage"
    PAYROLL_PAYRUN_CREATE = "payroll.payrun.create"
    PAYROLL_PAYRUN_APPROVE = "payroll.payrun.approve"
    # analytics
    ANALYTICS_VIEW = "analytics.view"
    ANALYTICS_MANAGE = "analytics.dashboard.manage"
    # integration
    INTEGRATION_API_MANAGE = "integration.api.manage"
    INTEGRATION_WEBHOOK_MANAGE = "integration.webhook.manage"
    INTEGRATION_JOB_MANAGE = "integration.job.manage"


ALL_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission)

MODULE_TITLES: dict[str, str] = {
    "company": "Company",
    "ledger": "General ledger",
    "security": "Security",
    "audit": "Audit",
    "receivables": "Receivables",
    "payables": "Payables",
    "cash": "Cash and banking",
    "assets": "Fixed assets",
    "treasury": "Treasury",
    "payroll": "Payroll and HR",
    "analytics": "Analytics",
    "integration": "Integration",
}


def module_of(permission: str) -> str:
    return permission.split(".", 1)[0]


def _names(*perms: Permission) -> frozenset[str]:
    return frozenset(p.value for p in perms)


P = Permission
# Every read permission (what an auditor sees); payroll is confidential, so the Viewer does not get it.
READ_ALL = _names(*(p for p in Permission if p.value.endswith(".view"))) | _names(P.LEDGER_EXPORT, P.AUDIT_VIEW)
_VIEW_BOOKS = _names(P.LEDGER_VIEW, P.LEDGER_EXPORT)
_BOOKKEEPING = _VIEW_BOOKS | _names(P.ENTRY_CREATE, P.ENTRY_POST, P.ENTRY_REVERSE, P.RECURRING_MANAGE, P.LEDGER_IMPORT)
_STAFF = _names(P.AP_EXPENSE_SUBMIT)  # everyone who works here may claim expenses; auditors and viewers do not

BUILTIN_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "Administrator": ("Everything, including users, roles and company settings", ALL_PERMISSIONS),
    "Controller": (
        "Books, periods, lock date, the chart of accounts and approvals",
        _BOOKKEEPING
        | _STAFF
        | (READ_ALL - _names(P.PAYROLL_VIEW))
        | _names(
            P.ACCOUNT_MANAGE,
            P.DIMENSION_MANAGE,
            P.JOURNAL_MANAGE,
            P.BUDGET_MANAGE,
            P.LAYOUT_MANAGE,
            P.TAX_CODE_MANAGE,
            P.RATE_MANAGE,
            P.PERIOD_CLOSE,
            P.PERIOD_REOPEN,
            P.LOCK_DATE_SET,
            P.ACTIVITY_VIEW,
            P.AR_INVOICE_APPROVE,
            P.AR_WRITE_OFF,
            P.AP_BILL_APPROVE,
            P.AP_EXPENSE_APPROVE,
            P.ASSETS_DEPRECIATION_RUN,
            P.ASSETS_DISPOSE,
            P.ANALYTICS_MANAGE,
            P.AUDIT_EXPORT,
            P.DOCUMENT_ATTACH,
            P.CASH_ACCOUNT_MANAGE,
            P.CASH_STATEMENT_IMPORT,
        ),
    ),
    "Accountant": (
        "Enter, post and reverse entries; import; fixed assets",
        _BOOKKEEPING
        | _STAFF
        | _names(P.RATE_MANAGE)
        | _names(P.AR_VIEW, P.AP_VIEW, P.CASH_VIEW, P.ASSETS_VIEW, P.ASSETS_MANAGE, P.ANALYTICS_VIEW, P.CASH_RECONCILE)
        | _names(P.CASH_STATEMENT_IMPORT)
        | _names(P.DOCUMENT_VIEW, P.DOCUMENT_ATTACH),
    ),
    "AR clerk": (
        "Customers, invoices, receipts and dunning",
        _VIEW_BOOKS
        | _STAFF
        | _names(
            P.AR_VIEW,
            P.AR_CUSTOMER_MANAGE,
            P.AR_ITEM_MANAGE,
            P.AR_INVOICE_CREATE,
            P.AR_RECEIPT_RECORD,
            P.AR_CREDIT_NOTE_CREATE,
            P.AR_DUNNING_RUN,
            P.CASH_VIEW,
        ),
    ),
    "AP clerk": (
        "Vendors, bills and payment proposals",
        _VIEW_BOOKS
        | _STAFF
        | _names(P.AP_VIEW, P.AP_VENDOR_MANAGE, P.AP_BILL_CREATE, P.AP_PAYMENT_RUN_CREATE, P.CASH_VIEW)
        | _names(P.DOCUMENT_VIEW, P.DOCUMENT_ATTACH),  # the vendor's PDF is kept with the bill it entered
    ),
    "Payroll officer": (
        "Employees and pay runs",
        # salaries and employees' bank details are encrypted fields: the payroll officer holds the data key
        _STAFF
        | _names(P.LEDGER_VIEW, P.PAYROLL_VIEW, P.PAYROLL_EMPLOYEE_MANAGE, P.PAYROLL_PAYRUN_CREATE, P.SENSITIVE_READ),
    ),
    "Treasurer": (
        "Bank accounts, transfers, treasury deals; releases payment runs",
        _VIEW_BOOKS
        | _STAFF
        | _names(
            P.CASH_VIEW,
            P.CASH_ACCOUNT_MANAGE,
            P.CASH_STATEMENT_IMPORT,
            P.CASH_RECONCILE,
            P.CASH_TRANSFER,
            P.TREASURY_VIEW,
            P.TREASURY_DEAL_MANAGE,
            P.TREASURY_FORECAST_MANAGE,
            P.AP_VIEW,
            P.AP_PAYMENT_RUN_APPROVE,
            P.SENSITIVE_READ,  # bank account numbers and IBANs are encrypted fields
        ),
    ),
    "Auditor": (
        "Read everything including the audit trail and user activity; change nothing",
        READ_ALL | _names(P.ACTIVITY_VIEW, P.AUDIT_EXPORT),
    ),
    "Viewer": ("Read the books", READ_ALL - _names(P.PAYROLL_VIEW, P.AUDIT_VIEW, P.ACTIVITY_VIEW)),
}

# Incompatible permissions a company starts with (editable); the Administrator role is exempt, since
# someone must be able to do everything (its use is what the audit trail is for).
DEFAULT_SOD_RULES: tuple[tuple[str, str, str], ...] = (
    (P.AP_VENDOR_MANAGE, P.AP_PAYMENT_RUN_APPROVE, "who maintains vendors (bank details) must not release payments"),
    (P.AP_BILL_CREATE, P.AP_PAYMENT_RUN_APPROVE, "who enters bills must not release their payment"),
    (P.AR_INVOICE_CREATE, P.AR_WRITE_OFF, "who invoices must not write receivables off"),
    (P.PAYROLL_EMPLOYEE_MANAGE, P.PAYROLL_PAYRUN_APPROVE, "who maintains employees must not approve pay runs"),
    (P.TREASURY_DEAL_MANAGE, P.TREASURY_DEAL_APPROVE, "who books treasury deals must not approve them"),
)
EXEMPT_FROM_SOD = "Administrator"
