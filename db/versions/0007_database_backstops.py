"""database backstops: the ledger's invariants enforced by PostgreSQL itself

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

Columns (both engines): `users.db_login` (the user's PostgreSQL login role, NULL on SQLite and for
users without one) and `audit_log.db_user` / `audit_log.client_addr` (who the database saw).

PostgreSQL only: triggers that hold whatever client writes, psql included, the owner too unless
triggers are deliberately disabled. Posted lines and audit rows are append-only; posted entries change
only to "reversed"; an entry is posted only balanced, numbered from its reserved series, dated after
the lock date in an open period, by a user allowed to post and (under the segregation-of-duties
policy) not its creator; numbering series advance gap-free; audit rows link to the chain's head and
carry the database's own `session_user` and client address. The functions are a frozen copy here:
a later change ships in a later migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The checks run SECURITY DEFINER: an invariant must see every row it covers, whatever the writer may read.
# Who is writing, as a Paksa user id: NULL for a connection that is not a user's login role (the server
# administrator, the schema owner, a company opened with a shared login). SECURITY DEFINER because users
# may not read `users`; its search_path is pinned so a caller's objects cannot stand in for ours.
FUNCTIONS = r"""
CREATE FUNCTION paksa_current_user_id() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM public.users WHERE db_login = session_user::text AND is_active
$$;

CREATE FUNCTION paksa_holds(permission text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles
        WHERE rolname = current_database() || '_' || replace(permission, '.', '_')
          AND pg_catalog.pg_has_role(session_user, oid, 'USAGE'))
$$;

-- Who last changed one record, and when: what a user meeting an edit conflict is told, without the right
-- to read the audit trail itself.
CREATE FUNCTION paksa_last_change(entity_name text, record_id text)
RETURNS TABLE (username text, full_name text, occurred_at timestamptz, action text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.username::text, u.full_name::text, a.occurred_at, a.action::text
      FROM public.audit_log a LEFT JOIN public.users u ON u.id = a.user_id
     WHERE a.entity = entity_name AND a.entity_id = record_id
     ORDER BY a.seq DESC LIMIT 1
$$;

CREATE FUNCTION paksa_refuse() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% of %: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'P0001';
END
$$;

CREATE FUNCTION paksa_guard_entry() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'entry % is %: a posted entry is never deleted; reverse it', OLD.number, OLD.state;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.state = 'posted' AND NEW.state IN ('posted', 'reversed')
       AND to_jsonb(NEW) - ARRAY['state', 'reversed_by_id', 'version', 'updated_by', 'updated_at']
           = to_jsonb(OLD) - ARRAY['state', 'reversed_by_id', 'version', 'updated_by', 'updated_at'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'entry % is %: a posted entry cannot be changed; reverse it', OLD.number, OLD.state;
END
$$;

-- Posting holds its period with FOR SHARE, which needs UPDATE on periods; so who may change a period's
-- state is checked here: its dates never change, and closing or reopening needs its permission.
CREATE FUNCTION paksa_guard_period() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.id, NEW.fiscal_year_id, NEW.number, NEW.start_date, NEW.end_date)
       IS DISTINCT FROM (OLD.id, OLD.fiscal_year_id, OLD.number, OLD.start_date, OLD.end_date) THEN
        RAISE EXCEPTION 'a period''s dates never change';
    END IF;
    IF NEW.state <> OLD.state AND public.paksa_current_user_id() IS NOT NULL
       AND NOT public.paksa_holds(
           CASE WHEN NEW.state = 'open' THEN 'ledger.period.reopen' ELSE 'ledger.period.close' END)
    THEN
        RAISE EXCEPTION 'permission denied: % a period needs its permission',
            CASE WHEN NEW.state = 'open' THEN 'reopening' ELSE 'closing' END;
    END IF;
    RETURN NEW;
END
$$;

-- Lines join an entry only in the transaction that posts it: a committed entry takes no more lines.
CREATE FUNCTION paksa_check_added_lines() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    SELECT e.id, e.number, e.state INTO bad
      FROM (SELECT DISTINCT entry_id FROM added) a
      JOIN public.journal_entries e ON e.id = a.entry_id
     WHERE e.state <> 'posted' OR e.xmin <> pg_catalog.pg_current_xact_id()::xid
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % is % and committed: posted lines are added only while posting it',
            coalesce(bad.number, bad.id::text), bad.state;
    END IF;
    RETURN NULL;
END
$$;

-- At commit, once per numbering series a transaction advanced (one event per batch, not per entry): the
-- series only moves forward, every number it handed out is used by an entry of that series, and each of
-- those entries balances, adds up to its total and carries its date on every line. Every newly posted
-- entry is among them: its number must lie below the series' next number (checked when it is written),
-- and all lower numbers were used by earlier commits.
CREATE FUNCTION paksa_check_series() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    first_taken integer := 1;
    used integer;
    bad record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.journal_id <> OLD.journal_id OR NEW.fiscal_year_id <> OLD.fiscal_year_id
           OR NEW.next_number < OLD.next_number THEN
            RAISE EXCEPTION 'a numbering series only moves forward';
        END IF;
        first_taken := OLD.next_number;
    END IF;
    IF NEW.next_number = first_taken THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO used FROM public.journal_entries
     WHERE journal_id = NEW.journal_id AND fiscal_year_id = NEW.fiscal_year_id
       AND sequence >= first_taken AND sequence < NEW.next_number AND state <> 'draft';
    IF used <> NEW.next_number - first_taken THEN
        RAISE EXCEPTION 'numbers % to % of a series were reserved but not all used: numbering must stay gap-free',
            first_taken, NEW.next_number - 1;
    END IF;
    SELECT e.number, t.n, t.balance, t.debits, e.total, t.odd INTO bad
      FROM public.journal_entries e
      LEFT JOIN (
            SELECT l.entry_id, count(*) AS n, sum(l.amount) AS balance,
                   coalesce(sum(l.amount) FILTER (WHERE l.amount > 0), 0) AS debits,
                   count(*) FILTER (WHERE l.amount = 0 OR l.date <> x.date) AS odd
              FROM public.journal_lines l JOIN public.journal_entries x ON x.id = l.entry_id
             WHERE x.journal_id = NEW.journal_id AND x.fiscal_year_id = NEW.fiscal_year_id
               AND x.sequence >= first_taken AND x.sequence < NEW.next_number
             GROUP BY l.entry_id) t ON t.entry_id = e.id
     WHERE e.journal_id = NEW.journal_id AND e.fiscal_year_id = NEW.fiscal_year_id
       AND e.sequence >= first_taken AND e.sequence < NEW.next_number
       AND (t.n IS NULL OR t.balance <> 0 OR t.debits <> e.total OR t.odd > 0)
     LIMIT 1;
    IF FOUND THEN
        IF bad.n IS NULL THEN
            RAISE EXCEPTION 'entry % has no lines', bad.number;
        ELSIF bad.balance <> 0 THEN
            RAISE EXCEPTION 'entry % is out of balance by % minor units', bad.number, bad.balance;
        ELSIF bad.debits <> bad.total THEN
            RAISE EXCEPTION 'entry %: its lines'' debits (%) differ from its total (%)',
                bad.number, bad.debits, bad.total;
        END IF;
        RAISE EXCEPTION 'entry %: every line needs an amount and the entry''s date', bad.number;
    END IF;
    RETURN NULL;
END
$$;

-- Newly posted entries (a statement's worth at a time): a user posting needs ledger.entry.post, posts
-- as themselves, never on or before the lock date nor into a closed period, and under the segregation-
-- of-duties policy never approves a draft they created. SECURITY DEFINER: it reads users and policy.
CREATE FUNCTION paksa_check_posting() RETURNS trigger
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
        IF NOT public.paksa_holds('ledger.entry.post') THEN
            RAISE EXCEPTION 'permission denied: posting needs ledger.entry.post';
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

-- Each audit row names its writer and carries who the database saw.
CREATE FUNCTION paksa_stamp_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    me integer := public.paksa_current_user_id();
BEGIN
    IF me IS NOT NULL AND NEW.user_id IS DISTINCT FROM me THEN
        RAISE EXCEPTION 'an audit row names the user who writes it';
    END IF;
    NEW.db_user := session_user;
    NEW.client_addr := coalesce(pg_catalog.host(pg_catalog.inet_client_addr()), 'local');
    RETURN NEW;
END
$$;

-- At commit, each new audit row links to the row before it (rows of one import arrive together).
CREATE FUNCTION paksa_check_audit_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    previous text;
BEGIN
    IF NEW.seq = 1 THEN
        previous := repeat('0', 64);
    ELSE
        SELECT row_hash INTO previous FROM public.audit_log WHERE seq = NEW.seq - 1;
    END IF;
    IF previous IS DISTINCT FROM NEW.prev_hash THEN
        RAISE EXCEPTION 'audit row % does not continue the chain', NEW.seq;
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = r"""
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('posted lines are append-only; correct an entry by reversing it');
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('the audit trail is append-only');
CREATE TRIGGER audit_head_kept BEFORE DELETE OR TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('the audit chain head is never removed');
CREATE TRIGGER number_sequences_kept BEFORE DELETE OR TRUNCATE ON number_sequences
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('numbering series are never removed');
CREATE TRIGGER journal_entries_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION paksa_refuse('posted entries are never removed');
CREATE TRIGGER periods_guard BEFORE UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION paksa_guard_period();
CREATE TRIGGER journal_entries_guard BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION paksa_guard_entry();
CREATE TRIGGER journal_lines_added AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION paksa_check_added_lines();
CREATE CONSTRAINT TRIGGER number_sequences_gap_free AFTER INSERT OR UPDATE ON number_sequences
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION paksa_check_series();
CREATE TRIGGER journal_entries_posting_insert AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION paksa_check_posting();
CREATE TRIGGER journal_entries_posting_update AFTER UPDATE ON journal_entries
    REFERENCING OLD TABLE AS stale NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION paksa_check_posting();
CREATE TRIGGER audit_log_stamp BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION paksa_stamp_audit();
CREATE CONSTRAINT TRIGGER audit_log_linked AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION paksa_check_audit_link();
"""

FUNCTION_NAMES = (
    "paksa_current_user_id()",
    "paksa_holds(text)",
    "paksa_last_change(text,text)",
    "paksa_refuse()",
    "paksa_guard_entry()",
    "paksa_guard_period()",
    "paksa_check_added_lines()",
    "paksa_check_series()",
    "paksa_check_posting()",
    "paksa_stamp_audit()",
    "paksa_check_audit_link()",
)
TRIGGER_TABLES = (
    ("journal_lines_append_only", "journal_lines"),
    ("audit_log_append_only", "audit_log"),
    ("audit_head_kept", "audit_head"),
    ("number_sequences_kept", "number_sequences"),
    ("journal_entries_truncate", "journal_entries"),
    ("periods_guard", "periods"),
    ("journal_entries_guard", "journal_entries"),
    ("journal_lines_added", "journal_lines"),
    ("number_sequences_gap_free", "number_sequences"),
    ("journal_entries_posting_insert", "journal_entries"),
    ("journal_entries_posting_update", "journal_entries"),
    ("audit_log_stamp", "audit_log"),
    ("audit_log_linked", "audit_log"),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("db_login", sa.String(length=63), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_db_login"), ["db_login"])
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("db_user", sa.String(length=63), nullable=True))
        batch.add_column(sa.Column("client_addr", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)
        op.execute(TRIGGERS)
        for name in FUNCTION_NAMES:  # nobody runs them by default; grants come with the database roles
            op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in TRIGGER_TABLES:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for name in FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION {name}")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("client_addr")
        batch.drop_column("db_user")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_db_login"), type_="unique")
        batch.drop_column("db_login")
