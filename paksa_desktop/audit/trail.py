"""Append audit rows inside the caller's transaction, each linked to the one before (see chain.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from paksa_desktop.audit.chain import GENESIS, row_hash
from paksa_desktop.audit.models import AuditHead, AuditRecord
from paksa_desktop.core.errors import ConflictError
from paksa_desktop.persistence import pipeline
from paksa_desktop.persistence.bulk import append_rows, sqlite_value
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.models import User


def _json(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, default=str, sort_keys=True, ensure_ascii=False)


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (old values, new values)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# PostgreSQL: the head's lock and the row's append as plain SQL, through pipeline.py: the lock goes out with
# whatever the caller wrote before it (the entry and its lines), and the append with the COMMIT, so the
# chain's head, which every writer waits for, is held for one round trip.
_LOCK_HEAD_PG = "SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE"
# One statement for the row and the head (PostgreSQL runs a data-modifying WITH whether or not it is
# referenced; no RETURNING, which would need the right to read the trail).
_APPEND_PG = (
    "WITH appended AS (INSERT INTO audit_log (id, seq, occurred_at, user_id, username, host, action, entity, "
    "entity_id, before, after, prev_hash, row_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)) "
    "UPDATE audit_head SET last_seq = %s, last_hash = %s WHERE id = 1"
)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_head(session: Session, postgres: bool) -> tuple[int, str]:
    """The chain's last (seq, hash), row-locked until the caller's transaction ends.

    PostgreSQL: FOR UPDATE makes a second writer wait here, so the chain never forks. SQLite: write
    units start with BEGIN IMMEDIATE, so only one writer is in at a time anyway.
    """
    if postgres:
        found = pipeline.query(session, _LOCK_HEAD_PG)
        head = found[0] if found else None
    else:
        head = session.execute(
            select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
        ).first()
    if head is None:  # only a database created outside the migrations lacks it
        session.execute(insert(AuditHead).values(id=1, last_seq=0, last_hash=GENESIS))
        return 0, GENESIS
    return int(head[0]), str(head[1])


def record(
    session: Session,
    ctx: UserContext,
    action: str,
    entity: str,
    entity_id: object = "",
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row, chained to the previous one, in the caller's transaction."""
    postgres = _is_postgres(session)
    last_seq, last_hash = _lock_head(session, postgres)
    seq = last_seq + 1
    occurred_at = ctx.clock.now()
    entity_text = str(entity_id)
    before_text, after_text = _json(before), _json(after)
    digest = row_hash(
        seq, seq, occurred_at, ctx.user_id, ctx.username, ctx.host, action, entity, entity_text, before_text,
        after_text, last_hash,
    )  # fmt: skip
    row = (
        seq, seq, occurred_at, ctx.user_id, ctx.username, ctx.host, action, entity, entity_text, before_text,
        after_text, last_hash, digest,
    )  # fmt: skip
    if postgres:
        pipeline.defer(session, _APPEND_PG, (*row, seq, digest))
    else:
        session.execute(insert(AuditRecord).values(dict(zip(COLUMNS, row, strict=True))))
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=seq, last_hash=digest))


@dataclass(frozen=True, slots=True)
class Event:
    """One row for `record_many`: what `record` takes, with its own time and author."""

    occurred_at: datetime
    user_id: int | None
    username: str
    host: str
    action: str
    entity: str
    entity_id: str = ""
    before: str | None = None  # JSON text as stored
    after: str | None = None


COLUMNS = (
    "id",
    "seq",
    "occurred_at",
    "user_id",
    "username",
    "host",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "row_hash",
)


def record_many(session: Session, events: Sequence[Event]) -> int:
    """Fast path for many rows at once (COPY on PostgreSQL, executemany on SQLite); returns the last seq."""
    postgres = _is_postgres(session)
    last_seq, last_hash = _lock_head(session, postgres)
    rows = []
    for seq, e in enumerate(events, start=last_seq + 1):
        digest = row_hash(
            seq, seq, e.occurred_at, e.user_id, e.username, e.host, e.action, e.entity, e.entity_id, e.before,
            e.after, last_hash,
        )  # fmt: skip
        stamp = e.occurred_at if postgres else sqlite_value(e.occurred_at)
        rows.append(
            (seq, seq, stamp, e.user_id, e.username, e.host, e.action, e.entity, e.entity_id, e.before, e.after,
             last_hash, digest)
        )  # fmt: skip
        last_hash, last_seq = digest, seq
    append_rows(session, "audit_log", COLUMNS, rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=last_seq, last_hash=last_hash))
    return last_seq


@dataclass(frozen=True, slots=True)
class LastChange:
    """Who last touched a record and when, as the audit trail recorded it."""

    who: str  # "Full Name (username)", or the user name alone
    when: datetime
    action: str


def last_change(session: Session, entity: str, entity_id: object) -> LastChange | None:
    """The newest audit row for one record (served by the (entity, entity_id) index).

    The audit row is written in the same transaction as the change itself, so once a stale version is
    visible, so is the row naming who made it: no extra columns to keep in step.
    """
    if session.get_bind().dialect.name == "postgresql":  # users who may not read the trail may ask this
        row = session.execute(
            text("SELECT * FROM paksa_last_change(:entity, :id)"), {"entity": entity, "id": str(entity_id)}
        ).first()
    else:
        row = session.execute(
            select(AuditRecord.username, User.full_name, AuditRecord.occurred_at, AuditRecord.action)
            .outerjoin(User, User.id == AuditRecord.user_id)
            .where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
            .order_by(AuditRecord.seq.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    username, full_name, when, action = row
    who = f"{full_name} ({username})" if full_name and full_name != username else username
    return LastChange(who, when, action)


def stale(session: Session, what: str, entity: str, entity_id: object, *, verb: str = "changed") -> ConflictError:
    """The ConflictError for a record someone changed since the caller read it, naming who and when."""
    last = last_change(session, entity, entity_id)
    return ConflictError.changed(what, last.who if last else None, last.when if last else None, verb=verb)
