"""receivables documents: invoices, credit notes, receipts, settlements, dunning, exchange rates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

Invoices and credit notes with their lines, receipts, the settlements between them (payments, applied
credit notes, write-offs, refunds), gap-free document series per fiscal year, recurring invoices,
dunning procedures and letters, collection notes, exchange rates, and the company's receivables
settings (seeded from the standard chart when its accounts are there). A new permission,
ledger.rate.manage (Administrator, Controller, Accountant). On PostgreSQL: posted documents are
immutable, settlements and receipts keep their amounts, a receivables posting needs the
receivables permission of its kind instead of ledger.entry.post, and every entry that says it comes
from receivables is referred to by a receivables row when the transaction commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import paksa_desktop.persistence.types
from paksa_desktop.persistence.notifications import install_change_triggers

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GRANTS = (("ledger.rate.manage", ("Administrator", "Controller", "Accountant")),)

# The standard chart's accounts and journals for each setting; a company without them sets its own.
SEEDS = {
    "receivable_account_id": "1200",
    "income_account_id": "4010",
    "discount_account_id": "4030",
    "write_off_account_id": "6210",
    "bad_debt_account_id": "6220",
    "fx_gain_account_id": "4120",
    "fx_loss_account_id": "7020",
    "fee_account_id": "4110",
}
JOURNAL_SEEDS = {"sales_journal_id": "SAL", "receipts_journal_id": "CSH"}

FUNCTIONS = r"""
-- Which permission posts an entry of a source: the subledgers post through their own permissions.
CREATE FUNCTION paksa_posting_permission(source text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT CASE source
        WHEN 'ar_invoice' THEN 'receivables.invoice.create'
        WHEN 'ar_credit_note' THEN 'receivables.creditnote.create'
        WHEN 'ar_receipt' THEN 'receivables.receipt.record'
        WHEN 'ar_settlement' THEN 'receivables.receipt.record'
        WHEN 'ar_write_off' THEN 'receivables.writeoff'
        WHEN 'ar_dunning' THEN 'receivables.dunning.run'
        ELSE 'ledger.entry.post'
    END
$$;

CREATE OR REPLACE FUNCTION paksa_check_posting() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    me integer := public.paksa_current_user_id();
    lock date := (SELECT lock_date FROM public.company LIMIT 1);
    ids integer[];
    bad record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF me IS NOT NULL AND EXISTS (SELECT 1 FROM fresh WHERE created_by <> me) THEN
            RAISE EXCEPTION 'an entry is created in the name of the user who creates it';
        END IF;
        SELECT array_agg(id) INTO ids FROM fresh WHERE state = 'posted';
    ELSE
        SELECT array_agg(n.id) INTO ids FROM fresh n JOIN stale o ON o.id = n.id
         WHERE n.state = 'posted' AND o.state = 'draft';
        IF EXISTS (SELECT 1 FROM public.journal_entries e JOIN public.security_policy s ON s.creator_cannot_approve
                    WHERE e.id = ANY(ids) AND e.created_by = e.posted_by) THEN
            RAISE EXCEPTION 'segregation of duties: the creator of a draft entry may not approve (post) it';
        END IF;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF me IS NOT NULL THEN
        SELECT public.paksa_posting_permission(f.source) AS needed INTO bad
          FROM (SELECT DISTINCT source FROM fresh WHERE id = ANY(ids)) f
         WHERE NOT public.paksa_holds(public.paksa_posting_permission(f.source))
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'permission denied: posting needs %', bad.needed;
        ELSIF EXISTS (SELECT 1 FROM public.journal_entries WHERE id = ANY(ids) AND posted_by IS DISTINCT FROM me) THEN
            RAISE EXCEPTION 'an entry is posted in the name of the user who posts it';
        END IF;
    END IF;
    SELECT e.number, e.date INTO bad FROM public.journal_entries e WHERE e.id = ANY(ids) AND e.date <= lock LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % is dated % on or before the lock date %', bad.number, bad.date, lock;
    END IF;
    SELECT e.number, e.date INTO bad FROM public.journal_entries e
     WHERE e.id = ANY(ids)
       AND NOT EXISTS (SELECT 1 FROM public.periods r
                        WHERE r.start_date <= e.date AND r.end_date >= e.date AND r.state = 'open')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % is dated % in a closed or missing period', bad.number, bad.date;
    END IF;
    SELECT e.id, e.number INTO bad FROM public.journal_entries e
      LEFT JOIN public.number_sequences q ON q.journal_id = e.journal_id AND q.fiscal_year_id = e.fiscal_year_id
     WHERE e.id = ANY(ids)
       AND (e.sequence IS NULL OR e.sequence < 1 OR q.next_number IS NULL OR e.sequence >= q.next_number)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % was not numbered from its series', coalesce(bad.number, bad.id::text);
    END IF;
    RETURN NULL;
END
$$;

-- At commit: an entry that says it comes from receivables is one a receivables row refers to (so the
-- receivables permissions post only what a receivables document explains).
CREATE FUNCTION paksa_check_subledger_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM public.invoices WHERE entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.receipts WHERE entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.settlements WHERE entry_id = NEW.id OR reversal_entry_id = NEW.id)
            OR EXISTS (SELECT 1 FROM public.dunning_letters WHERE entry_id = NEW.id)) THEN
        RAISE EXCEPTION 'entry % says it comes from receivables (%) but no receivables document refers to it',
            coalesce(NEW.number, NEW.id::text), NEW.source;
    END IF;
    RETURN NULL;
END
$$;

-- A posted invoice or credit note is never edited nor deleted (a credit note corrects it); only what
-- settling and dunning move may change, and its open amount stays between zero and its total.
CREATE FUNCTION paksa_guard_invoice() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is posted: it is never deleted; issue a credit note', OLD.number;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state <> 'draft' AND (
        NEW.state = 'draft'
        OR (NEW.kind, NEW.customer_id, NEW.number, NEW.series, NEW.fiscal_year_id, NEW.sequence, NEW.date,
            NEW.due_date, NEW.currency, NEW.rate, NEW.net_total, NEW.tax_total, NEW.total, NEW.base_total,
            NEW.entry_id, NEW.credited_invoice_id)
           IS DISTINCT FROM
           (OLD.kind, OLD.customer_id, OLD.number, OLD.series, OLD.fiscal_year_id, OLD.sequence, OLD.date,
            OLD.due_date, OLD.currency, OLD.rate, OLD.net_total, OLD.tax_total, OLD.total, OLD.base_total,
            OLD.entry_id, OLD.credited_invoice_id)) THEN
        RAISE EXCEPTION 'invoice % is posted: it is never edited; issue a credit note', OLD.number;
    END IF;
    IF NEW.open_amount < 0 OR NEW.open_amount > NEW.total THEN
        RAISE EXCEPTION 'invoice %: its open amount % is outside 0 to %', NEW.number, NEW.open_amount, NEW.total;
    END IF;
    RETURN NEW;
END
$$;

-- Lines belong to a draft, or join a document in the transaction that writes it.
CREATE FUNCTION paksa_guard_invoice_lines() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    doc record;
BEGIN
    SELECT i.number, i.state, i.xmin = pg_catalog.pg_current_xact_id()::xid AS fresh INTO doc
      FROM public.invoices i WHERE i.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF FOUND AND doc.state <> 'draft' AND NOT (TG_OP = 'INSERT' AND doc.fresh) THEN
        RAISE EXCEPTION 'invoice % is posted: its lines are never changed; issue a credit note', doc.number;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- Receipts and settlements keep what they recorded; a settlement is undone by marking it reversed once.
CREATE FUNCTION paksa_guard_receipt() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.customer_id, NEW.number, NEW.date, NEW.currency, NEW.rate, NEW.amount, NEW.base_amount,
        NEW.bank_account_id, NEW.entry_id) IS DISTINCT FROM
       (OLD.customer_id, OLD.number, OLD.date, OLD.currency, OLD.rate, OLD.amount, OLD.base_amount,
        OLD.bank_account_id, OLD.entry_id) THEN
        RAISE EXCEPTION 'receipt % is posted: only its allocation changes', OLD.number;
    END IF;
    IF NEW.unapplied < 0 OR NEW.unapplied > NEW.amount THEN
        RAISE EXCEPTION 'receipt %: its unapplied amount % is outside 0 to %', NEW.number, NEW.unapplied, NEW.amount;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION paksa_guard_settlement() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.reversed_on IS NOT NULL
       OR (NEW.kind, NEW.customer_id, NEW.invoice_id, NEW.receipt_id, NEW.credit_note_id, NEW.date, NEW.amount,
           NEW.discount, NEW.written_off, NEW.base_amount, NEW.source_base, NEW.entry_id) IS DISTINCT FROM
          (OLD.kind, OLD.customer_id, OLD.invoice_id, OLD.receipt_id, OLD.credit_note_id, OLD.date, OLD.amount,
           OLD.discount, OLD.written_off, OLD.base_amount, OLD.source_base, OLD.entry_id) THEN
        RAISE EXCEPTION 'a settlement is never changed; it can be reversed once';
    END IF;
    RETURN NEW;
END
$$;
"""

TRIGGERS = r"""
CREATE CONSTRAINT TRIGGER journal_entries_subledger_link AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.source LIKE 'ar\_%')
    EXECUTE FUNCTION paksa_check_subledger_link();
CREATE TRIGGER invoices_guard BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION paksa_guard_invoice();
CREATE TRIGGER invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_invoice_lines();
CREATE TRIGGER receipts_guard BEFORE UPDATE ON receipts FOR EACH ROW EXECUTE FUNCTION paksa_guard_receipt();
CREATE TRIGGER receipts_kept BEFORE DELETE OR TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('receipts are never removed; reverse their allocations');
CREATE TRIGGER settlements_guard BEFORE UPDATE ON settlements FOR EACH ROW EXECUTE FUNCTION paksa_guard_settlement();
CREATE TRIGGER settlements_kept BEFORE DELETE OR TRUNCATE ON settlements
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('settlements are never removed; reverse them');
CREATE TRIGGER document_sequences_kept BEFORE DELETE OR TRUNCATE ON document_sequences
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('numbering series are never removed');
"""

FUNCTION_NAMES = (
    "paksa_posting_permission(text)",
    "paksa_check_subledger_link()",
    "paksa_guard_invoice()",
    "paksa_guard_invoice_lines()",
    "paksa_guard_receipt()",
    "paksa_guard_settlement()",
)
TRIGGER_TABLES = (
    ("journal_entries_subledger_link", "journal_entries"),
    ("invoices_guard", "invoices"),
    ("invoice_lines_guard", "invoice_lines"),
    ("receipts_guard", "receipts"),
    ("receipts_kept", "receipts"),
    ("settlements_guard", "settlements"),
    ("settlements_kept", "settlements"),
    ("document_sequences_kept", "document_sequences"),
)


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
            f"INSERT INTO receivables_settings (id, {columns}, invoice_series, credit_note_series, receipt_series, "
            f"write_off_tolerance, credit_policy, overdue_days, version) "
            f"VALUES (1, {params}, 'INV', 'CN', 'RCT', 0, 'warn', 60, 1)"
        ),
        values,
    )


def upgrade() -> None:
    op.create_table(
        "dunning_procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_procedures")),
        sa.UniqueConstraint("code", name=op.f("uq_dunning_procedures_code")),
    )
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("currency", "day", name=op.f("pk_exchange_rates")),
    )
    op.create_table(
        "document_sequences",
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"], ["fiscal_years.id"], name=op.f("fk_document_sequences_fiscal_year_id_fiscal_years")
        ),
        sa.PrimaryKeyConstraint("series", "fiscal_year_id", name=op.f("pk_document_sequences")),
    )
    op.create_table(
        "dunning_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("letter_text", sa.Text(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("interest_e4", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["dunning_procedures.id"],
            name=op.f("fk_dunning_levels_procedure_id_dunning_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_levels")),
        sa.UniqueConstraint("procedure_id", "level", name=op.f("uq_dunning_levels_procedure_id_level")),
    )
    with op.batch_alter_table("dunning_levels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dunning_levels_procedure_id"), ["procedure_id"], unique=False)

    op.create_table(
        "receivables_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receivable_account_id", sa.Integer(), nullable=False),
        sa.Column("income_account_id", sa.Integer(), nullable=False),
        sa.Column("discount_account_id", sa.Integer(), nullable=False),
        sa.Column("write_off_account_id", sa.Integer(), nullable=False),
        sa.Column("bad_debt_account_id", sa.Integer(), nullable=False),
        sa.Column("fx_gain_account_id", sa.Integer(), nullable=False),
        sa.Column("fx_loss_account_id", sa.Integer(), nullable=False),
        sa.Column("fee_account_id", sa.Integer(), nullable=False),
        sa.Column("sales_journal_id", sa.Integer(), nullable=False),
        sa.Column("receipts_journal_id", sa.Integer(), nullable=False),
        sa.Column("invoice_series", sa.String(length=16), nullable=False),
        sa.Column("credit_note_series", sa.String(length=16), nullable=False),
        sa.Column("receipt_series", sa.String(length=16), nullable=False),
        sa.Column("write_off_tolerance", sa.BigInteger(), nullable=False),
        sa.Column(
            "credit_policy",
            sa.Enum("off", "warn", "block", name="credit_policy", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("overdue_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bad_debt_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_bad_debt_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discount_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_discount_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fee_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_fee_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fx_gain_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_fx_gain_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fx_loss_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_fx_loss_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["income_account_id"], ["accounts.id"], name=op.f("fk_receivables_settings_income_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["receipts_journal_id"], ["journals.id"], name=op.f("fk_receivables_settings_receipts_journal_id_journals")
        ),
        sa.ForeignKeyConstraint(
            ["receivable_account_id"],
            ["accounts.id"],
            name=op.f("fk_receivables_settings_receivable_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_journal_id"], ["journals.id"], name=op.f("fk_receivables_settings_sales_journal_id_journals")
        ),
        sa.ForeignKeyConstraint(
            ["write_off_account_id"],
            ["accounts.id"],
            name=op.f("fk_receivables_settings_write_off_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receivables_settings")),
    )
    op.create_table(
        "dunning_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_dunning_letters_created_by_users")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_dunning_letters_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_dunning_letters_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_letters")),
    )
    with op.batch_alter_table("dunning_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dunning_letters_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
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
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"], ["accounts.id"], name=op.f("fk_receipts_bank_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_receipts_created_by_users")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_receipts_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_receipts_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"], ["fiscal_years.id"], name=op.f("fk_receipts_fiscal_year_id_fiscal_years")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("fiscal_year_id", "sequence", name=op.f("uq_receipts_fiscal_year_id_sequence")),
        sa.UniqueConstraint("number", name=op.f("uq_receipts_number")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "recurring_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("post", sa.Boolean(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("lines_json", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_recurring_invoices_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_invoices")),
        sa.UniqueConstraint("name", name=op.f("uq_recurring_invoices_name")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice", "credit_note", name="document_kind", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "posted",
                "partially_paid",
                "paid",
                "credited",
                "written_off",
                name="invoice_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("terms", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("net_total", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("base_total", sa.BigInteger(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("credited_invoice_id", sa.Integer(), nullable=True),
        sa.Column("recurring_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("dunning_level", sa.Integer(), nullable=False),
        sa.Column("last_dunned_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_invoices_created_by_users")),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"], ["invoices.id"], name=op.f("fk_invoices_credited_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_invoices_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"], ["fiscal_years.id"], name=op.f("fk_invoices_fiscal_year_id_fiscal_years")
        ),
        sa.ForeignKeyConstraint(["posted_by"], ["users.id"], name=op.f("fk_invoices_posted_by_users")),
        sa.ForeignKeyConstraint(
            ["recurring_id"], ["recurring_invoices.id"], name=op.f("fk_invoices_recurring_id_recurring_invoices")
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_invoices_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint(
            "series", "fiscal_year_id", "sequence", name=op.f("uq_invoices_series_fiscal_year_id_sequence")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_customer_state", ["customer_id", "state"], unique=False)
        batch_op.create_index("ix_invoices_state_due", ["state", "due_date"], unique=False)

    op.create_table(
        "collection_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=True),
        sa.Column("promised_amount", sa.BigInteger(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_collection_notes_created_by_users")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_collection_notes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_collection_notes_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_notes")),
    )
    with op.batch_alter_table("collection_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_notes_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "dunning_letter_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_dunning_letter_lines_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["dunning_letters.id"],
            name=op.f("fk_dunning_letter_lines_letter_id_dunning_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_letter_lines")),
    )
    with op.batch_alter_table("dunning_letter_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dunning_letter_lines_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dunning_letter_lines_letter_id"), ["letter_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity_e4", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("discount_e4", sa.Integer(), nullable=False),
        sa.Column("tax_code_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_invoice_lines_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_invoice_lines_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_invoice_lines_item_id_items")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_invoice_lines_project_id_projects")),
        sa.ForeignKeyConstraint(["tax_code_id"], ["tax_codes.id"], name=op.f("fk_invoice_lines_tax_code_id_tax_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "payment",
                "credit",
                "write_off",
                "refund",
                name="settlement_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("written_off", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("source_base", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversal_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", paksa_desktop.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_settlements_created_by_users")),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["invoices.id"], name=op.f("fk_settlements_credit_note_id_invoices")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_settlements_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_settlements_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_settlements_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["receipt_id"], ["receipts.id"], name=op.f("fk_settlements_receipt_id_receipts")),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"], ["journal_entries.id"], name=op.f("fk_settlements_reversal_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlements_credit_note_id"), ["credit_note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_receipt_id"), ["receipt_id"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dunning_procedure_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_dunning_procedure_id_dunning_procedures"),
            "dunning_procedures",
            ["dunning_procedure_id"],
            ["id"],
        )
    for permission, roles in GRANTS:
        for role in roles:
            op.execute(
                sa.text(
                    "INSERT INTO role_permissions (role_id, permission) SELECT r.id, :p FROM roles r "
                    "WHERE r.name = :r AND r.is_builtin AND NOT EXISTS (SELECT 1 FROM role_permissions rp "
                    "WHERE rp.role_id = r.id AND rp.permission = :p)"
                ).bindparams(p=permission, r=role)
            )
    _seed_settings()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)
        op.execute(TRIGGERS)
        for name in FUNCTION_NAMES:
            op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
    install_change_triggers(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in TRIGGER_TABLES:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for name in FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION {name}")
        # paksa_check_posting goes back to needing ledger.entry.post for every entry
        op.execute(_previous_check_posting())
    for permission, _roles in GRANTS:
        op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=permission))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customers_dunning_procedure_id_dunning_procedures"), type_="foreignkey")
        batch_op.drop_column("dunning_procedure_id")

    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlements_receipt_id"))
        batch_op.drop_index(batch_op.f("ix_settlements_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_settlements_credit_note_id"))

    op.drop_table("settlements")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("dunning_letter_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dunning_letter_lines_letter_id"))
        batch_op.drop_index(batch_op.f("ix_dunning_letter_lines_invoice_id"))

    op.drop_table("dunning_letter_lines")
    with op.batch_alter_table("collection_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_notes_customer_id"))

    op.drop_table("collection_notes")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_state_due")
        batch_op.drop_index("ix_invoices_customer_state")

    op.drop_table("invoices")
    op.drop_table("recurring_invoices")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_customer_id"))

    op.drop_table("receipts")
    with op.batch_alter_table("dunning_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dunning_letters_customer_id"))

    op.drop_table("dunning_letters")
    op.drop_table("receivables_settings")
    with op.batch_alter_table("dunning_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dunning_levels_procedure_id"))

    op.drop_table("dunning_levels")
    op.drop_table("document_sequences")
    op.drop_table("exchange_rates")
    op.drop_table("dunning_procedures")


def _previous_check_posting() -> str:
    from importlib import import_module

    backstops = import_module("db.versions.0007_database_backstops")
    start = backstops.FUNCTIONS.index("CREATE FUNCTION paksa_check_posting()")
    end = backstops.FUNCTIONS.index("$$;", backstops.FUNCTIONS.index("BEGIN", start)) + 3
    return "CREATE OR REPLACE" + backstops.FUNCTIONS[start:end].removeprefix("CREATE")
