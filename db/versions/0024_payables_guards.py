"""payables guards: posted bills, payments, allocations and runs kept as posted, on PostgreSQL

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29

The PostgreSQL backstops receivables has had since 0010, for payables. On a shared server a user with
table privileges (an AP clerk at psql, or the company owner by mistake) could otherwise rewrite what was
posted; the services never do, so these triggers refuse only what no Paksa operation does:

- A posted bill, vendor credit note or expense-claim bill (state posted, partially_paid or paid) keeps
  its vendor, kind, number and series, dates and terms, currency and rate, amounts, control account,
  withholding rate, entry and links (credited bill, claim, recurring bill) and who entered, approved and
  posted it; it never goes back to draft, submitted or approved, and is never deleted (a vendor credit
  note corrects it). What payments, credit notes, voids and reimbursements move still changes: its
  state among the posted ones and its open amount (kept between zero and its total); its memo and
  on-hold flag stay editable.
- Its lines are never inserted, changed or deleted once it is posted, except lines inserted in the
  transaction that writes the bill (an import with --post inserts the bill posted, then its lines).
- Its approval history is never edited, and is removed only with a draft bill.
- A vendor payment keeps what it recorded; voiding sets voided_on, void_entry_id and void_reason once;
  its unapplied amount stays between zero and its amount. Payments are never removed (they are voided).
- A payment allocation (a payment or credit note settling a bill) is never changed; a void reverses it
  once (reversed_on, reversal_entry_id). Allocations are never removed.
- A posted or cancelled payment run keeps its state, dates, bank account, total and people; the bank
  file's message id is set once. Its items keep what they paid; posting sets each item's payment once.
  Only a proposed run is ever deleted.

SQLite has none of these, as receivables has none: a SQLite company is one user's file, whoever can
write it can drop a trigger as easily, and the services (the only writers) are the rule there. The
ledger's append-only SQLite triggers (0007) still guard the journal lines every posting writes.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

POSTED = "('posted', 'partially_paid', 'paid')"


def name(row: str) -> str:
    """A SQL expression naming the bill `row` (OLD, NEW or a record) by its kind and number in a refusal.

    Inlined, not a function: a function a trigger calls needs EXECUTE of whoever fires the trigger, and
    every Paksa function is closed to PUBLIC."""
    return (
        f"CASE {row}.kind WHEN 'credit_note' THEN 'vendor credit note ' WHEN 'expense_claim' "
        f"THEN 'expense-claim bill ' ELSE 'bill ' END || coalesce({row}.number, '(unnumbered)')"
    )


FUNCTIONS = rf"""
-- A posted bill is never edited nor deleted (a vendor credit note corrects it); only what paying,
-- crediting and voiding move may change, and its open amount stays between zero and its total.
CREATE FUNCTION paksa_guard_bill() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN {POSTED} THEN
            RAISE EXCEPTION '% is posted: it is never deleted; enter a vendor credit note',
                {name("OLD")};
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state IN {POSTED} AND (
        NEW.state NOT IN {POSTED}
        OR (NEW.kind, NEW.vendor_id, NEW.number, NEW.series, NEW.fiscal_year_id, NEW.sequence, NEW.vendor_invoice,
            NEW.date, NEW.due_date, NEW.terms, NEW.discount_date, NEW.discount_e4, NEW.currency, NEW.rate,
            NEW.control_account_id, NEW.net_total, NEW.tax_total, NEW.total, NEW.base_total, NEW.withholding_e4,
            NEW.credited_bill_id, NEW.recurring_id, NEW.claim_id, NEW.entry_id, NEW.created_by, NEW.approved_by,
            NEW.posted_by)
           IS DISTINCT FROM
           (OLD.kind, OLD.vendor_id, OLD.number, OLD.series, OLD.fiscal_year_id, OLD.sequence, OLD.vendor_invoice,
            OLD.date, OLD.due_date, OLD.terms, OLD.discount_date, OLD.discount_e4, OLD.currency, OLD.rate,
            OLD.control_account_id, OLD.net_total, OLD.tax_total, OLD.total, OLD.base_total, OLD.withholding_e4,
            OLD.credited_bill_id, OLD.recurring_id, OLD.claim_id, OLD.entry_id, OLD.created_by, OLD.approved_by,
            OLD.posted_by)) THEN
        RAISE EXCEPTION '% is posted: it is never edited; enter a vendor credit note',
            {name("OLD")};
    END IF;
    IF NEW.state IN {POSTED} AND (NEW.open_amount < 0 OR NEW.open_amount > NEW.total) THEN
        RAISE EXCEPTION '%: its open amount % is outside 0 to %',
            {name("NEW")}, NEW.open_amount, NEW.total;
    END IF;
    RETURN NEW;
END
$$;

-- Lines belong to an unposted bill, or join a bill in the transaction that writes it.
CREATE FUNCTION paksa_guard_bill_lines() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    doc record;
BEGIN
    SELECT b.kind, b.number, b.state, b.xmin = pg_catalog.pg_current_xact_id()::xid AS fresh INTO doc
      FROM public.bills b WHERE b.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.bill_id ELSE NEW.bill_id END;
    IF FOUND AND doc.state IN {POSTED} AND NOT (TG_OP = 'INSERT' AND doc.fresh) THEN
        RAISE EXCEPTION '% is posted: its lines are never changed; enter a vendor credit note',
            {name("doc")};
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.bill_id IS DISTINCT FROM OLD.bill_id THEN
        SELECT b.kind, b.number, b.state INTO doc FROM public.bills b WHERE b.id = OLD.bill_id;
        IF FOUND AND doc.state IN {POSTED} THEN
            RAISE EXCEPTION '% is posted: its lines are never changed; enter a vendor credit note',
                {name("doc")};
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- The approval history is a record: never edited, removed only with its draft bill.
CREATE FUNCTION paksa_guard_bill_approvals() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    doc record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'a bill''s approval history is never edited';
    END IF;
    SELECT b.kind, b.number, b.state INTO doc FROM public.bills b WHERE b.id = OLD.bill_id;
    IF FOUND AND doc.state <> 'draft' THEN
        RAISE EXCEPTION '%: its approval history is removed only with a draft bill',
            {name("doc")};
    END IF;
    RETURN OLD;
END
$$;

-- A vendor payment keeps what it recorded; it is voided once.
CREATE FUNCTION paksa_guard_vendor_payment() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.vendor_id, NEW.number, NEW.fiscal_year_id, NEW.sequence, NEW.date, NEW.method, NEW.bank_account_id,
        NEW.currency, NEW.rate, NEW.amount, NEW.base_amount, NEW.reference, NEW.run_id, NEW.entry_id,
        NEW.created_by) IS DISTINCT FROM
       (OLD.vendor_id, OLD.number, OLD.fiscal_year_id, OLD.sequence, OLD.date, OLD.method, OLD.bank_account_id,
        OLD.currency, OLD.rate, OLD.amount, OLD.base_amount, OLD.reference, OLD.run_id, OLD.entry_id,
        OLD.created_by) THEN
        RAISE EXCEPTION 'payment % is posted: it is never edited; void it', OLD.number;
    END IF;
    IF OLD.voided_on IS NOT NULL AND (NEW.voided_on, NEW.void_entry_id, NEW.void_reason)
                                     IS DISTINCT FROM (OLD.voided_on, OLD.void_entry_id, OLD.void_reason) THEN
        RAISE EXCEPTION 'payment % was voided on %: a void is never changed', OLD.number, OLD.voided_on;
    END IF;
    IF NEW.unapplied < 0 OR NEW.unapplied > NEW.amount THEN
        RAISE EXCEPTION 'payment %: its unapplied amount % is outside 0 to %', NEW.number, NEW.unapplied, NEW.amount;
    END IF;
    RETURN NEW;
END
$$;

-- An allocation is never changed; a void reverses it once.
CREATE FUNCTION paksa_guard_payment_allocation() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.reversed_on IS NOT NULL
       OR (NEW.kind, NEW.vendor_id, NEW.bill_id, NEW.payment_id, NEW.credit_note_id, NEW.date, NEW.amount,
           NEW.discount, NEW.withheld, NEW.base_amount, NEW.source_base, NEW.entry_id, NEW.created_by)
          IS DISTINCT FROM
          (OLD.kind, OLD.vendor_id, OLD.bill_id, OLD.payment_id, OLD.credit_note_id, OLD.date, OLD.amount,
           OLD.discount, OLD.withheld, OLD.base_amount, OLD.source_base, OLD.entry_id, OLD.created_by) THEN
        RAISE EXCEPTION 'a payment allocation is never changed; it can be reversed once (by voiding its payment)';
    END IF;
    RETURN NEW;
END
$$;

-- A posted or cancelled run is a record: the file's message id is set once; only a proposal is deleted.
CREATE FUNCTION paksa_guard_payment_run() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'proposed' THEN
            RAISE EXCEPTION 'payment run % is %: it is never deleted', OLD.id, OLD.state;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state IN ('posted', 'cancelled') AND (
        (NEW.state, NEW.pay_date, NEW.cutoff_date, NEW.next_run_date, NEW.bank_account_id, NEW.currency, NEW.total,
         NEW.proposed_by, NEW.proposed_at, NEW.approved_by, NEW.approved_at, NEW.posted_by, NEW.posted_at)
        IS DISTINCT FROM
        (OLD.state, OLD.pay_date, OLD.cutoff_date, OLD.next_run_date, OLD.bank_account_id, OLD.currency, OLD.total,
         OLD.proposed_by, OLD.proposed_at, OLD.approved_by, OLD.approved_at, OLD.posted_by, OLD.posted_at)
        OR (OLD.message_id <> '' AND NEW.message_id IS DISTINCT FROM OLD.message_id)) THEN
        RAISE EXCEPTION 'payment run % is %: it is never edited', OLD.id, OLD.state;
    END IF;
    RETURN NEW;
END
$$;

-- The items of a posted or cancelled run keep what they paid; posting sets each item's payment once.
CREATE FUNCTION paksa_guard_payment_run_items() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    run record;
BEGIN
    SELECT r.id, r.state INTO run FROM public.payment_runs r
     WHERE r.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END;
    IF NOT FOUND OR run.state NOT IN ('posted', 'cancelled') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP <> 'UPDATE'
       OR (NEW.run_id, NEW.vendor_id, NEW.bill_id, NEW.amount, NEW.discount, NEW.withheld, NEW.included)
          IS DISTINCT FROM
          (OLD.run_id, OLD.vendor_id, OLD.bill_id, OLD.amount, OLD.discount, OLD.withheld, OLD.included)
       OR (OLD.payment_id IS NOT NULL AND NEW.payment_id IS DISTINCT FROM OLD.payment_id) THEN
        RAISE EXCEPTION 'payment run % is %: its items are never changed', run.id, run.state;
    END IF;
    RETURN NEW;
END
$$;
"""

TRIGGERS = r"""
CREATE TRIGGER bills_guard BEFORE UPDATE OR DELETE ON bills FOR EACH ROW EXECUTE FUNCTION paksa_guard_bill();
CREATE TRIGGER bill_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON bill_lines
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_bill_lines();
CREATE TRIGGER bill_approvals_guard BEFORE UPDATE OR DELETE ON bill_approvals
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_bill_approvals();
CREATE TRIGGER vendor_payments_guard BEFORE UPDATE ON vendor_payments
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_vendor_payment();
CREATE TRIGGER vendor_payments_kept BEFORE DELETE OR TRUNCATE ON vendor_payments
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('vendor payments are never removed; void them');
CREATE TRIGGER payment_allocations_guard BEFORE UPDATE ON payment_allocations
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_payment_allocation();
CREATE TRIGGER payment_allocations_kept BEFORE DELETE OR TRUNCATE ON payment_allocations
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('payment allocations are never removed; void the payment');
CREATE TRIGGER payment_runs_guard BEFORE UPDATE OR DELETE ON payment_runs
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_payment_run();
CREATE TRIGGER payment_run_items_guard BEFORE INSERT OR UPDATE OR DELETE ON payment_run_items
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_payment_run_items();
CREATE TRIGGER bills_truncate BEFORE TRUNCATE ON bills
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('posted bills are never removed');
CREATE TRIGGER payment_runs_truncate BEFORE TRUNCATE ON payment_runs
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('payment runs are never removed');
"""

FUNCTION_NAMES = (
    "paksa_guard_bill()",
    "paksa_guard_bill_lines()",
    "paksa_guard_bill_approvals()",
    "paksa_guard_vendor_payment()",
    "paksa_guard_payment_allocation()",
    "paksa_guard_payment_run()",
    "paksa_guard_payment_run_items()",
)
TRIGGER_TABLES = (
    ("bills_guard", "bills"),
    ("bill_lines_guard", "bill_lines"),
    ("bill_approvals_guard", "bill_approvals"),
    ("vendor_payments_guard", "vendor_payments"),
    ("vendor_payments_kept", "vendor_payments"),
    ("payment_allocations_guard", "payment_allocations"),
    ("payment_allocations_kept", "payment_allocations"),
    ("payment_runs_guard", "payment_runs"),
    ("payment_run_items_guard", "payment_run_items"),
    ("bills_truncate", "bills"),
    ("payment_runs_truncate", "payment_runs"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)
        op.execute(TRIGGERS)
        for name in FUNCTION_NAMES:
            op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in TRIGGER_TABLES:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for name in FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION {name}")
