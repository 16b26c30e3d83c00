"""posting backstops in fewer statements: the rules of 0007, each still checked, with fewer queries

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28

Every posting runs these triggers, and under many clients each statement they run is server time that
every other writer shares. Same conditions, same messages, fewer statements:

- `paksa_current_user_id()` becomes PL/pgSQL. As a SQL function it cannot be inlined (it is SECURITY
  DEFINER), so PostgreSQL parsed and planned its query at every call, twice per posting (the posting
  check and the audit stamp); PL/pgSQL keeps the plan for the session. Same query, same result.
- `paksa_check_posting()`: checks the statement's own rows (the transition table) instead of reading
  them back from `journal_entries` by id; the lock date, the open period and the number from the
  entry's series are tested by one query (was three), and the first problem found is reported in the
  same order (lock date, then period, then numbering). The creator check and whether anything is
  posted come from one pass over the new rows (was two).
- `paksa_check_series()`: the gap-free count and the per-entry check (lines, balance, total, dates) in
  one query (was two).
- Plans. A trigger's queries are planned once per connection and then reused: on a new company that
  is while `journal_entries`, `journal_lines` and `audit_log` are nearly empty, and a sequential scan
  planned then went on reading every row ever posted, once per posting, for as long as the connection
  lived (until autovacuum happened to invalidate the plan). The look-ups of `paksa_check_series`,
  `paksa_check_added_lines` and `paksa_check_audit_link` run with `enable_seqscan = off`, so they go
  through their indexes whatever size the tables had when planned. `paksa_check_posting`,
  `paksa_check_series` and `paksa_check_audit_link` use generic plans (`plan_cache_mode =
  force_generic_plan`): left to choose, PL/pgSQL planned `id = ANY(ids)` and the series range afresh at
  every posting, which was about a sixth of the server's time per posting.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION paksa_current_user_id() RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (SELECT id FROM public.users WHERE db_login = session_user::text AND is_active);
END
$$;

CREATE OR REPLACE FUNCTION paksa_check_posting() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    me integer := public.paksa_current_user_id();
    ids integer[];  -- UPDATE: the drafts this statement posted
    posting boolean;
    foreign_creator boolean;
    bad record;
BEGIN
    -- The rows checked are the statement's own (the transition table `fresh`), never looked up again.
    IF TG_OP = 'INSERT' THEN
        SELECT bool_or(state = 'posted'), bool_or(created_by <> me) INTO posting, foreign_creator FROM fresh;
        IF me IS NOT NULL AND foreign_creator THEN
            RAISE EXCEPTION 'an entry is created in the name of the user who creates it';
        END IF;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM fresh n JOIN stale o ON o.id = n.id
         WHERE n.state = 'posted' AND o.state = 'draft';
        posting := ids IS NOT NULL;
        IF EXISTS (SELECT 1 FROM fresh e JOIN public.security_policy s ON s.creator_cannot_approve
                    WHERE e.id = ANY(ids) AND e.created_by = e.posted_by) THEN
            RAISE EXCEPTION 'segregation of duties: the creator of a draft entry may not approve (post) it';
        END IF;
    END IF;
    IF NOT coalesce(posting, false) THEN
        RETURN NULL;
    END IF;
    IF me IS NOT NULL THEN
        -- each source needs its own permission (0010: an invoice's entry needs receivables.invoice.create)
        SELECT public.paksa_posting_permission(f.source) AS needed INTO bad
          FROM (SELECT DISTINCT e.source FROM fresh e
                 WHERE CASE WHEN TG_OP = 'INSERT' THEN e.state = 'posted' ELSE e.id = ANY(ids) END) f
         WHERE NOT public.paksa_holds(public.paksa_posting_permission(f.source))
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'permission denied: posting needs %', bad.needed;
        ELSIF EXISTS (SELECT 1 FROM fresh e
                       WHERE CASE WHEN TG_OP = 'INSERT' THEN e.state = 'posted' ELSE e.id = ANY(ids) END
                         AND e.posted_by IS DISTINCT FROM me) THEN
            RAISE EXCEPTION 'an entry is posted in the name of the user who posts it';
        END IF;
    END IF;
    SELECT x.problem, x.id, x.number, x.date, x.lock_date INTO bad FROM (
        SELECT e.id, e.number, e.date, c.lock_date,
               CASE WHEN e.date <= c.lock_date THEN 1
                    WHEN NOT EXISTS (SELECT 1 FROM public.periods r
                                      WHERE r.start_date <= e.date AND r.end_date >= e.date AND r.state = 'open') THEN 2
                    WHEN e.sequence IS NULL OR e.sequence < 1 OR q.next_number IS NULL OR e.sequence >= q.next_number
                    THEN 3
               END AS problem
          FROM fresh e
          CROSS JOIN (SELECT (SELECT lock_date FROM public.company LIMIT 1) AS lock_date) c
          LEFT JOIN public.number_sequences q ON q.journal_id = e.journal_id AND q.fiscal_year_id = e.fiscal_year_id
         WHERE CASE WHEN TG_OP = 'INSERT' THEN e.state = 'posted' ELSE e.id = ANY(ids) END) x
     WHERE x.problem IS NOT NULL
     ORDER BY x.problem
     LIMIT 1;
    IF FOUND THEN
        IF bad.problem = 1 THEN
            RAISE EXCEPTION 'entry % is dated % on or before the lock date %', bad.number, bad.date, bad.lock_date;
        ELSIF bad.problem = 2 THEN
            RAISE EXCEPTION 'entry % is dated % in a closed or missing period', bad.number, bad.date;
        END IF;
        RAISE EXCEPTION 'entry % was not numbered from its series', coalesce(bad.number, bad.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION paksa_check_series() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    first_taken integer := 1;
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
    SELECT (SELECT count(*) FROM public.journal_entries
             WHERE journal_id = NEW.journal_id AND fiscal_year_id = NEW.fiscal_year_id
               AND sequence >= first_taken AND sequence < NEW.next_number AND state <> 'draft') AS used,
           b.hit, b.number, b.n, b.balance, b.debits, b.total, b.odd
      INTO bad
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
            SELECT true AS hit, e.number, t.n, t.balance, t.debits, e.total, t.odd
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
             LIMIT 1) AS b ON true;
    IF bad.used <> NEW.next_number - first_taken THEN
        RAISE EXCEPTION 'numbers % to % of a series were reserved but not all used: numbering must stay gap-free',
            first_taken, NEW.next_number - 1;
    END IF;
    IF bad.hit THEN
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

ALTER FUNCTION paksa_check_added_lines() SET enable_seqscan = off;
ALTER FUNCTION paksa_check_audit_link() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION paksa_check_audit_link() SET enable_seqscan = off;
"""

# the definitions before this revision (0007's, and 0010's per-source posting check), restored by the downgrade
PREVIOUS = r"""
ALTER FUNCTION paksa_check_added_lines() RESET enable_seqscan;
ALTER FUNCTION paksa_check_audit_link() RESET plan_cache_mode;
ALTER FUNCTION paksa_check_audit_link() RESET enable_seqscan;
CREATE OR REPLACE FUNCTION paksa_current_user_id() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM public.users WHERE db_login = session_user::text AND is_active
$$;

CREATE OR REPLACE FUNCTION paksa_check_series() RETURNS trigger
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
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTIONS)  # CREATE OR REPLACE keeps each function's grants (and its REVOKE from PUBLIC)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PREVIOUS)
