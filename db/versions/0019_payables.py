"""payables: vendors, bills and vendor credit notes, approvals, payments, payment runs, expense claims

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29

Vendors (bank details sealed with the company data key), bills with their lines and approval history,
recurring bills, vendor payments and their allocations to bills, payment runs, expense categories and
claims, and the company's payables settings (seeded from the standard chart when its accounts are
there). Two new permissions: payables.expense.submit (every working role) and payables.expense.approve
(Controller). On PostgreSQL a payables posting needs the payables permission of its kind instead of
ledger.entry.post, and every entry that says it comes from payables is referred to by a payables row
when the transaction commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
import paksa_desktop.security.field_crypto
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

STAFF = ("Administrator", "Controller", "Accountant", "AR clerk", "AP clerk", "Payroll officer", "Treasurer")
GRANTS = (
    ("payables.expense.submit", STAFF),
    ("payables.expense.approve", ("Administrator", "Controller")),
)

# The standard chart's accounts and journals for each setting; a company without them sets its own.
SEEDS = {
    "payable_account_id": "2010",
    "employee_payable_account_id": "2100",
    "expense_account_id": "6130",
    "input_tax_account_id": "1450",
    "discount_account_id": "5010",
    "withholding_account_id": "2210",
    "fx_gain_account_id": "4120",
    "fx_loss_account_id": "7020",
}
JOURNAL_SEEDS = {"purchases_journal_id": "PUR", "payments_journal_id": "CSH"}

POSTING_PERMISSION = r"""
-- Which permission posts an entry of a source: the subledgers post through their own permissions.
CREATE OR REPLACE FUNCTION paksa_posting_permission(source text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT CASE source
        WHEN 'ar_invoice' THEN 'receivables.invoice.create'
        WHEN 'ar_credit_note' THEN 'receivables.creditnote.create'
        WHEN 'ar_receipt' THEN 'receivables.receipt.record'
        WHEN 'ar_settlement' THEN 'receivables.receipt.record'
        WHEN 'ar_write_off' THEN 'receivables.writeoff'
        WHEN 'ar_dunning' THEN 'receivables.dunning.run'
        WHEN 'ap_bill' THEN 'payables.bill.create'
        WHEN 'ap_credit_note' THEN 'payables.bill.create'
        WHEN 'ap_allocation' THEN 'payables.bill.create'
        WHEN 'ap_payment' THEN 'payables.paymentrun.approve'
        WHEN 'ap_expense' THEN 'payables.expense.approve'
        ELSE 'ledger.entry.post'
    END
$$;
"""

FUNCTIONS = r"""
-- At commit: an entry that says it comes from payables is one a payables row refers to.
CREATE FUNCTION paksa_check_payables_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM public.bills WHERE entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.vendor_payments WHERE entry_id = NEW.id OR void_entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.payment_allocations
                        WHERE entry_id = NEW.id OR reversal_entry_id = NEW.id)) THEN
        RAISE EXCEPTION 'entry % says it comes from payables (%) but no payables document refers to it',
            coalesce(NEW.number, NEW.id::text), NEW.source;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION paksa_check_payables_link() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER journal_entries_payables_link AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.source LIKE 'ap\_%')
    EXECUTE FUNCTION paksa_check_payables_link();
"""


def _seed_settings() -> None:
    """Settings from the standard chart, when every account and journal it names is there."""
    conn = op.get_bind()
    accounts = dict(conn.execute(sa.text("SELECT code, id FROM accounts")).all())
    journals = dict(conn.execute(sa.text("SELECT code, id FROM journals")).all())
    if not all(code in accounts for code in SEEDS.values()) or not all(c in journals for c in JOURNAL_SEEDS.values()):
        return
    values = {column: accounts[code] for column, code in SEEDS.items()}
    values |= {column: journals[code] for column, code in JOURNAL_SEEDS.items()}
    columns = ", ".join(values)
    params = ", ".join(f":{c}" for c in values)
    conn.execute(
        sa.text(
            f"INSERT INTO payables_settings (id, {columns}, bill_series, credit_note_series, payment_series, "
            f"claim_series, approval_threshold, duplicate_days, version) "
            f"VALUES (1, {params}, 'BILL', 'VCN', 'PMT', 'EXP', NULL, 7, 1)"
        ),
        values,
    )


def _grant() -> None:
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )


def upgrade() -> None:
    op.create_table(
        "payables_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payable_account_id", sa.Integer(), nullable=False),
        sa.Column("employee_payable_account_id", sa.Integer(), nullable=False),
        sa.Column("expense_account_id", sa.Integer(), nullable=False),
        sa.Column("input_tax_account_id", sa.Integer(), nullable=False),
        sa.Column("discount_account_id", sa.Integer(), nullable=False),
        sa.Column("withholding_account_id", sa.Integer(), nullable=False),
        sa.Column("fx_gain_account_id", sa.Integer(), nullable=False),
        sa.Column("fx_loss_account_id", sa.Integer(), nullable=False),
        sa.Column("purchases_journal_id", sa.Integer(), nullable=False),
        sa.Column("payments_journal_id", sa.Integer(), nullable=False),
        sa.Column("bill_series", sa.String(length=16), nullable=False),
        sa.Column("credit_note_series", sa.String(length=16), nullable=False),
        sa.Column("payment_series", sa.String(length=16), nullable=False),
        sa.Column("claim_series", sa.String(length=16), nullable=False),
        sa.Column("approval_threshold", sa.BigInteger(), nullable=True),
        sa.Column("duplicate_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discount_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_discount_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["employee_payable_account_id"],
            ["accounts.id"],
            name=op.f("fk_payables_settings_employee_payable_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["expense_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_expense_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fx_gain_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_fx_gain_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fx_loss_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_fx_loss_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["input_tax_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_input_tax_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["payable_account_id"], ["accounts.id"], name=op.f("fk_payables_settings_payable_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["payments_journal_id"], ["journals.id"], name=op.f("fk_payables_settings_payments_journal_id_journals")
        ),
        sa.ForeignKeyConstraint(
            ["purchases_journal_id"], ["journals.id"], name=op.f("fk_payables_settings_purchases_journal_id_journals")
        ),
        sa.ForeignKeyConstraint(
            ["withholding_account_id"],
            ["accounts.id"],
            name=op.f("fk_payables_settings_withholding_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payables_settings")),
    )
    op.create_table(
        "expense_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("limit_per_line", sa.BigInteger(), nullable=True),
        sa.Column("limit_per_day", sa.BigInteger(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_expense_categories_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["tax_code_id"], ["tax_codes.id"], name=op.f("fk_expense_categories_tax_code_id_tax_codes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_expense_categories_code")),
    )
    op.create_table(
        "payment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "proposed",
                "approved",
                "posted",
                "cancelled",
                name="payment_run_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("pay_date", sa.Date(), nullable=False),
        sa.Column("cutoff_date", sa.Date(), nullable=False),
        sa.Column("next_run_date", sa.Date(), nullable=True),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_payment_runs_approved_by_users")),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_payment_runs_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(["posted_by"], ["users.id"], name=op.f("fk_payment_runs_posted_by_users")),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"], name=op.f("fk_payment_runs_proposed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_runs")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms", sa.String(length=40), nullable=False),
        sa.Column("expense_account_id", sa.Integer(), nullable=True),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("tax_number", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("address_lines", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("iban", paksa_desktop.security.field_crypto.SealedText(), nullable=True),
        sa.Column("account_number", paksa_desktop.security.field_crypto.SealedText(), nullable=True),
        sa.Column("bank_last4", sa.String(length=4), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("routing_number", sa.String(length=20), nullable=False),
        sa.Column("withholding", sa.Boolean(), nullable=False),
        sa.Column("withholding_rate_e4", sa.Integer(), nullable=False),
        sa.Column("is_employee", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_vendors_created_by_users")),
        sa.ForeignKeyConstraint(
            ["expense_account_id"], ["accounts.id"], name=op.f("fk_vendors_expense_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_vendors_tax_code_id_tax_codes")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_vendors_updated_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_vendors_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("code", name=op.f("uq_vendors_code")),
    )
    op.create_table(
        "expense_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("claimant_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "rejected",
                "posted",
                "reimbursed",
                name="claim_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("policy_flags", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["claimant_id"], ["vendors.id"], name=op.f("fk_expense_claims_claimant_id_vendors")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_expense_claims_created_by_users")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_expense_claims_decided_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claims")),
        sa.UniqueConstraint("number", name=op.f("uq_expense_claims_number")),
    )
    with op.batch_alter_table("expense_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_claims_claimant_id"), ["claimant_id"], unique=False)

    op.create_table(
        "recurring_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("lines_json", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_recurring_bills_vendor_id_vendors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_bills")),
        sa.UniqueConstraint("name", name=op.f("uq_recurring_bills_name")),
    )
    op.create_table(
        "vendor_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_vendor_contacts_vendor_id_vendors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_contacts")),
    )
    with op.batch_alter_table("vendor_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_contacts_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "vendor_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("unapplied", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("voided_on", sa.Date(), nullable=True),
        sa.Column("void_entry_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["bank_accounts.id"], name=op.f("fk_vendor_payments_bank_account_id_bank_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_vendor_payments_created_by_users")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_vendor_payments_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"], ["fiscal_years.id"], name=op.f("fk_vendor_payments_fiscal_year_id_fiscal_years")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["payment_runs.id"], name=op.f("fk_vendor_payments_run_id_payment_runs")),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_vendor_payments_vendor_id_vendors")),
        sa.ForeignKeyConstraint(
            ["void_entry_id"], ["journal_entries.id"], name=op.f("fk_vendor_payments_void_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_payments")),
        sa.UniqueConstraint("fiscal_year_id", "sequence", name=op.f("uq_vendor_payments_fiscal_year_id_sequence")),
        sa.UniqueConstraint("number", name=op.f("uq_vendor_payments_number")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("vendor_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_payments_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vendor_payments_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vendor_payments_vendor_id"), ["vendor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vendor_payments_void_entry_id"), ["void_entry_id"], unique=False)

    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "bill",
                "credit_note",
                "expense_claim",
                name="bill_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "posted",
                "partially_paid",
                "paid",
                name="bill_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("vendor_invoice", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("terms", sa.String(length=40), nullable=False),
        sa.Column("discount_date", sa.Date(), nullable=True),
        sa.Column("discount_e4", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("control_account_id", sa.Integer(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("net_total", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("base_total", sa.BigInteger(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("withholding_e4", sa.Integer(), nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("credited_bill_id", sa.Integer(), nullable=True),
        sa.Column("recurring_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_bills_approved_by_users")),
        sa.ForeignKeyConstraint(["claim_id"], ["expense_claims.id"], name=op.f("fk_bills_claim_id_expense_claims")),
        sa.ForeignKeyConstraint(
            ["control_account_id"], ["accounts.id"], name=op.f("fk_bills_control_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_bills_created_by_users")),
        sa.ForeignKeyConstraint(["credited_bill_id"], ["bills.id"], name=op.f("fk_bills_credited_bill_id_bills")),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"], name=op.f("fk_bills_entry_id_journal_entries")),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"], ["fiscal_years.id"], name=op.f("fk_bills_fiscal_year_id_fiscal_years")
        ),
        sa.ForeignKeyConstraint(["posted_by"], ["users.id"], name=op.f("fk_bills_posted_by_users")),
        sa.ForeignKeyConstraint(
            ["recurring_id"], ["recurring_bills.id"], name=op.f("fk_bills_recurring_id_recurring_bills")
        ),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_bills_submitted_by_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_bills_updated_by_users")),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_bills_vendor_id_vendors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("number", name=op.f("uq_bills_number")),
        sa.UniqueConstraint(
            "series", "fiscal_year_id", "sequence", name=op.f("uq_bills_series_fiscal_year_id_sequence")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bills_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index("ix_bills_state_due", ["state", "due_date"], unique=False)
        batch_op.create_index("ix_bills_vendor_invoice", ["vendor_id", "vendor_invoice"], unique=False)
        batch_op.create_index("ix_bills_vendor_state", ["vendor_id", "state"], unique=False)

    op.create_table(
        "expense_claim_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("receipt_document_id", sa.Integer(), nullable=True),
        sa.Column("policy_flag", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["expense_categories.id"],
            name=op.f("fk_expense_claim_lines_category_id_expense_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["expense_claims.id"],
            name=op.f("fk_expense_claim_lines_claim_id_expense_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_expense_claim_lines_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_expense_claim_lines_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_document_id"], ["documents.id"], name=op.f("fk_expense_claim_lines_receipt_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["tax_code_id"], ["tax_codes.id"], name=op.f("fk_expense_claim_lines_tax_code_id_tax_codes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim_lines")),
    )
    with op.batch_alter_table("expense_claim_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_claim_lines_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "bill_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "submitted",
                "approved",
                "rejected",
                "duplicate_override",
                name="bill_approval_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_approvals_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bill_approvals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_approvals")),
    )
    with op.batch_alter_table("bill_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_approvals_bill_id"), ["bill_id"], unique=False)

    op.create_table(
        "bill_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity_e4", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_bill_lines_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_lines_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_bill_lines_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_bill_lines_item_id_items")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_bill_lines_project_id_projects")),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_bill_lines_tax_code_id_tax_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_lines")),
    )
    with op.batch_alter_table("bill_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_lines_bill_id"), ["bill_id"], unique=False)

    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("payment", "credit", name="allocation_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("withheld", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("source_base", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversal_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"], name=op.f("fk_payment_allocations_bill_id_bills")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_payment_allocations_created_by_users")),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["bills.id"], name=op.f("fk_payment_allocations_credit_note_id_bills")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_payment_allocations_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["vendor_payments.id"], name=op.f("fk_payment_allocations_payment_id_vendor_payments")
        ),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payment_allocations_reversal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_payment_allocations_vendor_id_vendors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
    )
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_allocations_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_allocations_credit_note_id"), ["credit_note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_allocations_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_allocations_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_allocations_reversal_entry_id"), ["reversal_entry_id"], unique=False
        )

    op.create_table(
        "payment_run_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("withheld", sa.BigInteger(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"], name=op.f("fk_payment_run_items_bill_id_bills")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["vendor_payments.id"], name=op.f("fk_payment_run_items_payment_id_vendor_payments")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payment_runs.id"], name=op.f("fk_payment_run_items_run_id_payment_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], name=op.f("fk_payment_run_items_vendor_id_vendors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_run_items")),
    )
    with op.batch_alter_table("payment_run_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_run_items_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_run_items_run_id"), ["run_id"], unique=False)
    _grant()
    _seed_settings()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTING_PERMISSION)
        op.execute(FUNCTIONS)
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER journal_entries_payables_link ON journal_entries")
        op.execute("DROP FUNCTION paksa_check_payables_link()")
        op.execute(_previous_posting_permission())
    for permission, _roles in GRANTS:
        op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=permission))
    with op.batch_alter_table("payment_run_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_run_items_run_id"))
        batch_op.drop_index(batch_op.f("ix_payment_run_items_bill_id"))

    op.drop_table("payment_run_items")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocations_reversal_entry_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_entry_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_credit_note_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_bill_id"))

    op.drop_table("payment_allocations")
    with op.batch_alter_table("bill_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_lines_bill_id"))

    op.drop_table("bill_lines")
    with op.batch_alter_table("bill_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_approvals_bill_id"))

    op.drop_table("bill_approvals")
    with op.batch_alter_table("expense_claim_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expense_claim_lines_claim_id"))

    op.drop_table("expense_claim_lines")
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.drop_index("ix_bills_vendor_state")
        batch_op.drop_index("ix_bills_vendor_invoice")
        batch_op.drop_index("ix_bills_state_due")
        batch_op.drop_index(batch_op.f("ix_bills_entry_id"))

    op.drop_table("bills")
    with op.batch_alter_table("vendor_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_payments_void_entry_id"))
        batch_op.drop_index(batch_op.f("ix_vendor_payments_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_vendor_payments_run_id"))
        batch_op.drop_index(batch_op.f("ix_vendor_payments_entry_id"))

    op.drop_table("vendor_payments")
    with op.batch_alter_table("vendor_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_contacts_vendor_id"))

    op.drop_table("vendor_contacts")
    op.drop_table("recurring_bills")
    with op.batch_alter_table("expense_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expense_claims_claimant_id"))

    op.drop_table("expense_claims")
    op.drop_table("vendors")
    op.drop_table("payment_runs")
    op.drop_table("expense_categories")
    op.drop_table("payables_settings")


def _previous_posting_permission() -> str:
    """0010's definition: receivables sources only."""
    from importlib import import_module

    receivables = import_module("db.versions.0010_receivables_documents")
    start = receivables.FUNCTIONS.index("CREATE FUNCTION paksa_posting_permission")
    end = receivables.FUNCTIONS.index("$$;", receivables.FUNCTIONS.index("$$", start) + 2) + 3
    return "CREATE OR REPLACE" + receivables.FUNCTIONS[start:end].removeprefix("CREATE")
