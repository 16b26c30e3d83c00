"""The audit trail's hash chain: canonical row content, SHA-256 links, and verification.

Canonical content (format 1) is the compact JSON array
`[1, id, seq, occurred_at, user_id, username, host, action, entity, entity_id, before, after, prev_hash]`
with `occurred_at` as ISO 8601 UTC with microseconds (`2024-06-30T12:00:00.000000Z`), `before`/`after`
as the stored JSON text (amounts in it are strings) and non-ASCII kept as UTF-8. A fixed field order
is as stable as sorted keys and cheaper; the leading 1 lets a later format coexist. The first row's
`prev_hash` is GENESIS. Every stored field except `row_hash` is covered, so any edit shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit.models import AuditHead, AuditRecord

GENESIS = "0" * 64
FORMAT = 1
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def timestamp_text(value: datetime) -> str:
    """ISO 8601 UTC with microseconds: the same text whichever engine stored the value."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in the audit trail")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    id: int,
    seq: int,
    occurred_at: datetime,
    user_id: int | None,
    username: str,
    host: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the row's canonical content; see the module docstring for the format."""
    content = _dumps(
        [
            FORMAT,
            id,
            seq,
            timestamp_text(occurred_at),
            user_id,
            username,
            host,
            action,
            entity,
            entity_id,
            before,
            after,
            prev_hash,
        ]
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first place the chain breaks: which row (seq and id when known) and what is wrong."""

    seq: int | None
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        if self.row_id is not None:
            where.append(f"id {self.row_id}")
        return f"{', '.join(where) or 'chain'}: {self.reason}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    rows: int
    last_seq: int
    last_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


COLUMNS = (
    AuditRecord.id,
    AuditRecord.seq,
    AuditRecord.occurred_at,
    AuditRecord.user_id,
    AuditRecord.username,
    AuditRecord.host,
    AuditRecord.action,
    AuditRecord.entity,
    AuditRecord.entity_id,
    AuditRecord.before,
    AuditRecord.after,
    AuditRecord.prev_hash,
    AuditRecord.row_hash,
)

Progress = Callable[[int, int], None]


def verify_rows(
    rows: Iterable[tuple[Any, ...]], head: tuple[int, str] | None, total: int = 0, progress: Progress | None = None
) -> tuple[int, ChainProblem | None]:
    """Walk rows in seq order; return the first problem, or None. Pure: the tests feed it rows too."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    for count, row in enumerate(rows, start=1):
        rid, seq, occurred_at, user_id, username, host, action, entity, entity_id, before, after, prev_hash, rh = row
        if seq is None or rh is None or prev_hash is None or occurred_at is None:
            return count, ChainProblem(seq, rid, "row has no sequence number or hash (inserted outside the trail)")
        if seq != expected_seq:
            if seq > expected_seq:
                missing = f"seq {expected_seq}" if seq == expected_seq + 1 else f"seq {expected_seq}..{seq - 1}"
                reason = f"row(s) missing before it ({missing}: deleted)"
            else:
                reason = f"sequence number repeated or out of order (expected {expected_seq})"
            return count, ChainProblem(seq, rid, reason)
        if rid != seq:
            return count, ChainProblem(seq, rid, f"id {rid} does not match its sequence number (moved or inserted)")
        if prev_hash != prev:
            return count, ChainProblem(
                seq, rid, "link to the previous row broken (a row before it was deleted, inserted or replaced)"
            )
        computed = row_hash(
            rid, seq, occurred_at, user_id, username, host, action, entity, entity_id, before, after, prev_hash
        )
        if computed != rh:
            return count, ChainProblem(seq, rid, "content does not match its hash (the row was edited)")
        prev = rh
        expected_seq += 1
        if progress is not None and count % 50000 == 0:
            progress(count, total)
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return count, ChainProblem(None, None, "the chain head is missing")
        return count, None
    head_seq, head_hash = head
    if head_seq > last_seq:
        missing = f"seq {last_seq + 1}" if head_seq == last_seq + 1 else f"seq {last_seq + 1}..{head_seq}"
        return count, ChainProblem(last_seq + 1, None, f"row(s) missing at the end ({missing}: deleted)")
    if head_seq < last_seq:
        return count, ChainProblem(head_seq + 1, None, "row(s) after the recorded end of the chain (inserted)")
    if head_hash != prev:
        return count, ChainProblem(last_seq or None, None, "last row does not match the chain head (replaced)")
    return count, None


def verify(session: Session, *, progress: Progress | None = None, batch: int = 20000) -> VerifyResult:
    """Recompute the whole chain, streaming rows in seq order; report the first break."""
    total = session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    stray = session.execute(
        select(AuditRecord.id, AuditRecord.seq)
        .where((AuditRecord.seq.is_(None)) | (AuditRecord.row_hash.is_(None)) | (AuditRecord.prev_hash.is_(None)))
        .order_by(AuditRecord.id)
        .limit(1)
    ).first()
    head_row = session.execute(select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    head = (int(head_row[0]), str(head_row[1])) if head_row is not None else None
    result = session.execute(
        select(*COLUMNS)
        .where(AuditRecord.seq.is_not(None))
        .order_by(AuditRecord.seq)
        .execution_options(stream_results=True, yield_per=batch)
    )
    _count, problem = verify_rows(result, head, total, progress)
    if problem is None and stray is not None:
        problem = ChainProblem(stray[1], stray[0], "row has no sequence number or hash (inserted outside the trail)")
    if progress is not None:
        progress(total, total)
    last = head if head is not None else (0, GENESIS)
    return VerifyResult(rows=total, last_seq=last[0], last_hash=last[1], problem=problem)
