"""Which permission lets a user read or change each table, when PostgreSQL enforces it.

This is the one table every module extends when it adds tables: the database grants are generated
from it (see database_roles.py), and a test fails while any table of the schema is missing here.
"Every user" means any logged-in Paksa user: things every screen or every write needs (company
settings, the chart, appending audit rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from paksa_desktop.security.permissions import Permission as P

EVERY_USER = "*"


@dataclass(frozen=True, slots=True)
class TableAccess:
    """Permission names (or EVERY_USER) per privilege; nobody else gets that privilege on the table."""

    select: tuple[str, ...] = ()
    insert: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()


def _p(*perms: str) -> tuple[str, ...]:
    return tuple(str(p) for p in perms)


def _managed(read: tuple[str, ...], manage: str, *, delete: bool = True) -> TableAccess:
    """Read by `read`; inserted, updated (and deleted) by holders of one managing permission."""
    writers = _p(manage)
    return TableAccess(select=read, insert=writers, update=writers, delete=writers if delete else ())


_ALL = (EVERY_USER,)
# Posting writes entries, lines, series and (the first time a date is used) a fiscal year and periods.
# Subledgers post through their own permissions (paksa_posting_permission names which, per entry source).
_AR_POSTERS = _p(P.AR_INVOICE_CREATE, P.AR_CREDIT_NOTE_CREATE, P.AR_RECEIPT_RECORD, P.AR_WRITE_OFF, P.AR_DUNNING_RUN)
# payables: bills and applied credit notes by their clerk, payments by who releases them, claims by their approver
_AP_POSTERS = _p(P.AP_BILL_CREATE, P.AP_PAYMENT_RUN_APPROVE, P.AP_EXPENSE_APPROVE)
_SUBLEDGER_POSTERS = (*_AR_POSTERS, *_AP_POSTERS)
_POSTERS = (
    *_p(P.ENTRY_CREATE, P.ENTRY_POST, P.ENTRY_REVERSE, P.LEDGER_IMPORT, P.RECURRING_MANAGE, P.PERIOD_CLOSE),
    *_SUBLEDGER_POSTERS,
)
_LINE_WRITERS = (
    *_p(P.ENTRY_POST, P.ENTRY_REVERSE, P.LEDGER_IMPORT, P.RECURRING_MANAGE, P.PERIOD_CLOSE),
    *_SUBLEDGER_POSTERS,
)
_AR_DOCUMENTS = _p(P.AR_INVOICE_CREATE, P.AR_CREDIT_NOTE_CREATE)
# a dunning run raises its fees and interest as an invoice (so they are open items the customer pays)
_AR_CHARGES = (*_AR_DOCUMENTS, str(P.AR_DUNNING_RUN))
_KEY_KEEPERS = _p(P.KEY_ROTATE, P.USER_MANAGE, P.ROLE_MANAGE)

TABLE_ACCESS: dict[str, TableAccess] = {
    "alembic_version": TableAccess(select=_ALL),
    # company and ledger
    "company": TableAccess(select=_ALL, update=_p(P.COMPANY_MANAGE, P.LOCK_DATE_SET)),
    "accounts": _managed(_ALL, P.ACCOUNT_MANAGE),
    "departments": _managed(_ALL, P.DIMENSION_MANAGE, delete=False),
    "projects": _managed(_ALL, P.DIMENSION_MANAGE, delete=False),
    "journals": _managed(_ALL, P.JOURNAL_MANAGE, delete=False),
    "fiscal_years": TableAccess(select=_ALL, insert=_POSTERS),
    # posting holds its period FOR SHARE, which needs UPDATE: a trigger keeps state changes to their permissions
    "periods": TableAccess(select=_ALL, insert=_POSTERS, update=(*_POSTERS, str(P.PERIOD_REOPEN))),
    "number_sequences": TableAccess(select=_LINE_WRITERS, insert=_LINE_WRITERS, update=_LINE_WRITERS),
    "journal_entries": TableAccess(
        select=_p(P.LEDGER_VIEW),
        insert=_POSTERS,
        update=_p(P.ENTRY_CREATE, P.ENTRY_POST, P.ENTRY_REVERSE),
        delete=_p(P.ENTRY_CREATE),  # drafts only: a trigger refuses the rest
    ),
    "draft_lines": TableAccess(
        select=_p(P.LEDGER_VIEW),
        insert=_p(P.ENTRY_CREATE, P.RECURRING_MANAGE),
        update=_p(P.ENTRY_CREATE),
        delete=_p(P.ENTRY_CREATE, P.ENTRY_POST),
    ),
    "journal_lines": TableAccess(select=_p(P.LEDGER_VIEW), insert=_LINE_WRITERS),  # never updated or deleted
    "recurring_templates": _managed(_p(P.LEDGER_VIEW), P.RECURRING_MANAGE),
    "recurring_lines": _managed(_p(P.LEDGER_VIEW), P.RECURRING_MANAGE),
    "statement_lines": _managed(_ALL, P.LAYOUT_MANAGE),
    "statement_line_accounts": _managed(_ALL, P.LAYOUT_MANAGE),
    "budgets": _managed(_p(P.LEDGER_VIEW), P.BUDGET_MANAGE),
    "budget_amounts": _managed(_p(P.LEDGER_VIEW), P.BUDGET_MANAGE),
    # the statements' cache counter: read by every report, bumped only by a SECURITY DEFINER trigger
    "structure_version": TableAccess(select=_ALL),
    "tax_codes": _managed(_ALL, P.TAX_CODE_MANAGE, delete=False),
    # receivables
    "customers": _managed(_p(P.AR_VIEW), P.AR_CUSTOMER_MANAGE, delete=False),
    "customer_contacts": _managed(_p(P.AR_VIEW), P.AR_CUSTOMER_MANAGE),
    "customer_addresses": _managed(_p(P.AR_VIEW), P.AR_CUSTOMER_MANAGE),
    # read by payables too: a bill line may name an item (its description and tax code), nothing else of AR
    "items": _managed(_p(P.AR_VIEW, P.AP_VIEW, P.AP_BILL_CREATE), P.AR_ITEM_MANAGE, delete=False),
    "receivables_settings": TableAccess(select=_ALL, insert=_p(P.COMPANY_MANAGE), update=_p(P.COMPANY_MANAGE)),
    "exchange_rates": _managed(_ALL, P.RATE_MANAGE),
    # foreign currencies: revaluations post with the GL's own permission (source 'fx_revaluation')
    "fx_settings": TableAccess(select=_ALL, insert=_p(P.COMPANY_MANAGE), update=_p(P.COMPANY_MANAGE)),
    "fx_revaluations": TableAccess(select=_p(P.LEDGER_VIEW), insert=_p(P.ENTRY_POST)),
    "document_sequences": TableAccess(select=_SUBLEDGER_POSTERS, insert=_SUBLEDGER_POSTERS, update=_SUBLEDGER_POSTERS),
    # a trigger keeps posted documents as they were posted: settling moves only their open amount and state
    "invoices": TableAccess(
        select=_p(P.AR_VIEW),
        insert=_AR_CHARGES,
        update=(*_AR_DOCUMENTS, *_p(P.AR_RECEIPT_RECORD, P.AR_WRITE_OFF, P.AR_DUNNING_RUN)),
        delete=_AR_DOCUMENTS,  # drafts only
    ),
    "invoice_lines": TableAccess(select=_p(P.AR_VIEW), insert=_AR_CHARGES, update=_AR_DOCUMENTS, delete=_AR_DOCUMENTS),
    "recurring_invoices": _managed(_p(P.AR_VIEW), P.AR_INVOICE_CREATE),
    "receipts": TableAccess(
        select=_p(P.AR_VIEW), insert=_p(P.AR_RECEIPT_RECORD), update=_p(P.AR_RECEIPT_RECORD, P.AR_CREDIT_NOTE_CREATE)
    ),
    "settlements": TableAccess(
        select=_p(P.AR_VIEW),
        insert=_p(P.AR_RECEIPT_RECORD, P.AR_CREDIT_NOTE_CREATE, P.AR_WRITE_OFF),
        update=_p(P.AR_RECEIPT_RECORD, P.AR_CREDIT_NOTE_CREATE, P.AR_WRITE_OFF),
    ),
    "dunning_procedures": _managed(_p(P.AR_VIEW), P.AR_DUNNING_RUN),
    "dunning_levels": _managed(_p(P.AR_VIEW), P.AR_DUNNING_RUN),
    "dunning_letters": TableAccess(select=_p(P.AR_VIEW), insert=_p(P.AR_DUNNING_RUN)),
    "dunning_letter_lines": TableAccess(select=_p(P.AR_VIEW), insert=_p(P.AR_DUNNING_RUN)),
    "collection_notes": TableAccess(
        select=_p(P.AR_VIEW),
        insert=_p(P.AR_CUSTOMER_MANAGE, P.AR_RECEIPT_RECORD, P.AR_DUNNING_RUN),
        update=_p(P.AR_CUSTOMER_MANAGE, P.AR_RECEIPT_RECORD, P.AR_DUNNING_RUN),
    ),
    # cash and banking: statements are append-only, a line changes only its matching status (triggers, 0015)
    "bank_accounts": TableAccess(
        # every poster reads which GL accounts are foreign bank accounts (their lines carry the currency)
        select=(
            *_p(P.CASH_VIEW, P.CASH_ACCOUNT_MANAGE, P.CASH_STATEMENT_IMPORT, P.AP_PAYMENT_RUN_CREATE, P.AP_VIEW),
            *_POSTERS,
        ),
        insert=_p(P.CASH_ACCOUNT_MANAGE),
        update=_p(P.CASH_ACCOUNT_MANAGE),
    ),
    # connection settings by account managers; a sync (statement import) moves the cursor and last result
    "bank_connections": TableAccess(
        select=_p(P.CASH_VIEW, P.CASH_ACCOUNT_MANAGE, P.CASH_STATEMENT_IMPORT),
        insert=_p(P.CASH_ACCOUNT_MANAGE),
        update=_p(P.CASH_ACCOUNT_MANAGE, P.CASH_STATEMENT_IMPORT),
        delete=_p(P.CASH_ACCOUNT_MANAGE),
    ),
    # bank rules (0018): kept by account managers, read by whoever reconciles (applying posts as reconciling)
    "bank_rules": _managed(_p(P.CASH_VIEW, P.CASH_RECONCILE, P.CASH_ACCOUNT_MANAGE), P.CASH_ACCOUNT_MANAGE),
    "bank_statements": TableAccess(select=_p(P.CASH_VIEW, P.CASH_STATEMENT_IMPORT), insert=_p(P.CASH_STATEMENT_IMPORT)),
    "bank_lines": TableAccess(
        select=_p(P.CASH_VIEW, P.CASH_STATEMENT_IMPORT),
        insert=_p(P.CASH_STATEMENT_IMPORT),
        update=_p(P.CASH_RECONCILE),
    ),
    # reconciliation (0016): links and finished reconciliations are written only by cash.reconcile
    "bank_line_links": TableAccess(
        select=_p(P.CASH_VIEW, P.CASH_RECONCILE), insert=_p(P.CASH_RECONCILE), update=_p(P.CASH_RECONCILE)
    ),
    "bank_reconciliations": TableAccess(
        select=_p(P.CASH_VIEW, P.CASH_RECONCILE), insert=_p(P.CASH_RECONCILE), update=_p(P.CASH_RECONCILE)
    ),
    # payables (0019): a posted bill changes only its open amount and state; payments are voided, never removed
    "payables_settings": TableAccess(select=_ALL, insert=_p(P.COMPANY_MANAGE), update=_p(P.COMPANY_MANAGE)),
    # claimants read the vendor record that stands for them (their bank details stay sealed without the key);
    # an approver inserts it when a user's first claim is approved (no bank details: those stay with vendor
    # managers), so approving never waits for a vendor manager and claimants never create vendors
    "vendors": TableAccess(
        select=_p(P.AP_VIEW, P.AP_EXPENSE_SUBMIT),
        insert=_p(P.AP_VENDOR_MANAGE, P.AP_EXPENSE_APPROVE),
        update=_p(P.AP_VENDOR_MANAGE),
    ),
    "vendor_contacts": _managed(_p(P.AP_VIEW), P.AP_VENDOR_MANAGE),
    "bills": TableAccess(
        select=_p(P.AP_VIEW),
        insert=_p(P.AP_BILL_CREATE, P.AP_EXPENSE_APPROVE),
        update=_p(P.AP_BILL_CREATE, P.AP_BILL_APPROVE, P.AP_PAYMENT_RUN_APPROVE, P.AP_EXPENSE_APPROVE),
        delete=_p(P.AP_BILL_CREATE),  # drafts only
    ),
    "bill_lines": TableAccess(
        select=_p(P.AP_VIEW),
        insert=_p(P.AP_BILL_CREATE, P.AP_EXPENSE_APPROVE),
        update=_p(P.AP_BILL_CREATE),
        delete=_p(P.AP_BILL_CREATE),
    ),
    "bill_approvals": TableAccess(select=_p(P.AP_VIEW), insert=_p(P.AP_BILL_CREATE, P.AP_BILL_APPROVE)),
    "recurring_bills": _managed(_p(P.AP_VIEW), P.AP_BILL_CREATE),
    "payment_runs": TableAccess(
        select=_p(P.AP_VIEW),
        insert=_p(P.AP_PAYMENT_RUN_CREATE),
        update=_p(P.AP_PAYMENT_RUN_CREATE, P.AP_PAYMENT_RUN_APPROVE),
    ),
    "payment_run_items": TableAccess(
        select=_p(P.AP_VIEW),
        insert=_p(P.AP_PAYMENT_RUN_CREATE),
        update=_p(P.AP_PAYMENT_RUN_CREATE, P.AP_PAYMENT_RUN_APPROVE),
        delete=_p(P.AP_PAYMENT_RUN_CREATE),
    ),
    "vendor_payments": TableAccess(
        select=_p(P.AP_VIEW), insert=_p(P.AP_PAYMENT_RUN_APPROVE), update=_p(P.AP_PAYMENT_RUN_APPROVE)
    ),
    "vendor_refunds": TableAccess(
        select=_p(P.AP_VIEW), insert=_p(P.AP_PAYMENT_RUN_APPROVE), update=_p(P.AP_PAYMENT_RUN_APPROVE)
    ),
    "payment_allocations": TableAccess(
        select=_p(P.AP_VIEW),
        insert=_p(P.AP_PAYMENT_RUN_APPROVE, P.AP_BILL_CREATE),
        update=_p(P.AP_PAYMENT_RUN_APPROVE, P.AP_BILL_CREATE),
    ),
    "expense_categories": _managed(_p(P.AP_VIEW, P.AP_EXPENSE_SUBMIT), P.AP_EXPENSE_APPROVE, delete=False),
    "expense_claims": TableAccess(
        select=_p(P.AP_VIEW, P.AP_EXPENSE_SUBMIT, P.AP_EXPENSE_APPROVE),
        insert=_p(P.AP_EXPENSE_SUBMIT),
        update=_p(P.AP_EXPENSE_SUBMIT, P.AP_EXPENSE_APPROVE, P.AP_PAYMENT_RUN_APPROVE),
        delete=_p(P.AP_EXPENSE_SUBMIT),  # drafts only
    ),
    "expense_claim_lines": TableAccess(
        select=_p(P.AP_VIEW, P.AP_EXPENSE_SUBMIT, P.AP_EXPENSE_APPROVE),
        insert=_p(P.AP_EXPENSE_SUBMIT),
        update=_p(P.AP_EXPENSE_SUBMIT),
        delete=_p(P.AP_EXPENSE_SUBMIT),
    ),
    # documents and audit: every write appends an audit row and moves the chain's head. Claimants store the
    # receipts of their expense claims without document.attach, and approvers read them without
    # document.view: both are granted the tables, and RECEIPT_ROWS below keeps them to those rows
    "documents": TableAccess(
        select=_p(P.DOCUMENT_VIEW, P.AP_EXPENSE_SUBMIT, P.AP_EXPENSE_APPROVE),
        insert=_p(P.DOCUMENT_ATTACH, P.AP_EXPENSE_SUBMIT),
        update=_p(P.DOCUMENT_ATTACH, P.AP_EXPENSE_SUBMIT),
    ),
    "document_versions": TableAccess(
        select=_p(P.DOCUMENT_VIEW, P.AP_EXPENSE_SUBMIT, P.AP_EXPENSE_APPROVE),
        insert=_p(P.DOCUMENT_ATTACH, P.AP_EXPENSE_SUBMIT),
    ),
    "audit_log": TableAccess(select=_p(P.AUDIT_VIEW, P.ACTIVITY_VIEW), insert=_ALL),
    "audit_head": TableAccess(select=_ALL, update=_ALL),
    # security: users and their keys; row-level security narrows `users` updates to one's own row
    "users": TableAccess(select=_ALL, insert=_p(P.USER_MANAGE), update=_ALL),
    "user_roles": TableAccess(select=_ALL, insert=_p(P.USER_MANAGE), delete=_p(P.USER_MANAGE, P.ROLE_MANAGE)),
    "roles": _managed(_ALL, P.ROLE_MANAGE),
    "role_permissions": _managed(_ALL, P.ROLE_MANAGE),
    "sod_rules": TableAccess(select=_ALL, insert=_p(P.POLICY_MANAGE), delete=_p(P.POLICY_MANAGE)),
    "security_policy": TableAccess(select=_ALL, update=_p(P.POLICY_MANAGE)),
    "user_sessions": TableAccess(select=_ALL, insert=_ALL, update=_ALL),
    "recovery_codes": TableAccess(select=_ALL, insert=_ALL, update=_ALL, delete=_ALL),
    "ip_allowlist": _managed(_ALL, P.IP_ALLOWLIST_MANAGE),
    "data_keys": _managed(_ALL, P.KEY_ROTATE, delete=False),
    "user_key_pairs": TableAccess(select=_ALL, insert=_ALL, update=_ALL, delete=_KEY_KEEPERS),
    "wrapped_data_keys": TableAccess(select=_ALL, insert=_KEY_KEEPERS, update=_KEY_KEEPERS, delete=_KEY_KEEPERS),
}

# Rows a user may change only when they are their own (row-level security, forced even on the owner).
OWN_ROWS: dict[str, str] = {
    "users": "db_login = session_user::text",
    "recovery_codes": "user_id = public.paksa_current_user_id()",
    "user_sessions": "user_id = public.paksa_current_user_id()",
}

# Row-level security on the documents tables (table: (rows a user reads, rows a user writes)): holders of
# document.view / document.attach see and store every document as before; anyone else reaches only
# expense-claim receipts, their own (the claimant) or any claim's when they approve or read payables.
_ME = "public.paksa_current_user_id()"
_RECEIPT_READER = "(public.paksa_holds('payables.expense.approve') OR public.paksa_holds('payables.view'))"
_CLAIM_DOCUMENT = "SELECT 1 FROM public.documents d WHERE d.id = document_id AND d.owner_kind = 'expense_claim'"
RECEIPT_ROWS: dict[str, tuple[str, str]] = {
    "documents": (
        f"public.paksa_holds('document.view') OR (owner_kind = 'expense_claim' AND (created_by = {_ME} "
        f"OR {_RECEIPT_READER}))",
        f"public.paksa_holds('document.attach') OR (owner_kind = 'expense_claim' AND created_by = {_ME})",
    ),
    "document_versions": (
        f"public.paksa_holds('document.view') OR uploaded_by = {_ME} "
        f"OR ({_RECEIPT_READER} AND EXISTS ({_CLAIM_DOCUMENT}))",
        f"public.paksa_holds('document.attach') OR (uploaded_by = {_ME} "
        f"AND EXISTS ({_CLAIM_DOCUMENT} AND d.created_by = {_ME}))",
    ),
}
