"""Reading, verifying and exporting the audit trail (writing it is trail.record, inside each change)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, func, select

from paksa_desktop.audit import trail
from paksa_desktop.audit.chain import Progress, VerifyResult, verify
from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audit row as screens and files show it: plain values, no session attached."""

    seq: int
    occurred_at: datetime
    username: str
    host: str
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None

    def changes(self) -> list[FieldChange]:
        """The field-level diff: one line per field named in before or after."""
        old = _load(self.before)
        new = _load(self.after)
        keys = list(dict.fromkeys([*old, *new]))
        return [FieldChange(k, _text(old.get(k)), _text(new.get(k))) for k in keys]

    def summary(self) -> str:
        return "; ".join(
            f"{c.field}: {c.before} → {c.after}" if c.before and c.after else f"{c.field}: {c.after or c.before}"
            for c in self.changes()
        )


def _load(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Empty fields match everything; dates are inclusive UTC days."""

    username: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _where(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    a = AuditRecord
    if f.username:
        stmt = stmt.where(a.username == f.username)
    if f.entity:
        stmt = stmt.where(a.entity == f.entity)
    if f.entity_id:
        stmt = stmt.where(a.entity_id == f.entity_id)
    if f.action:
        stmt = stmt.where(a.action == f.action)
    if f.start is not None:
        stmt = stmt.where(a.occurred_at >= _day_start(f.start))
    if f.end is not None:
        stmt = stmt.where(a.occurred_at < _day_start(f.end + timedelta(days=1)))
    return stmt


_ROW_COLUMNS = (
    AuditRecord.seq,
    AuditRecord.occurred_at,
    AuditRecord.username,
    AuditRecord.host,
    AuditRecord.action,
    AuditRecord.entity,
    AuditRecord.entity_id,
    AuditRecord.before,
    AuditRecord.after,
)

REPORT_COLUMNS = (
    Column("seq", "Seq", ColumnKind.INTEGER),
    Column("time_utc", "Time (UTC)"),
    Column("user", "User"),
    Column("host", "Host"),
    Column("action", "Action"),
    Column("entity", "Entity"),
    Column("entity_id", "Record"),
    Column("before", "Before"),
    Column("after", "After"),
)


def audit_report(rows: list[AuditRow], subtitle: str = "") -> Report:
    """The neutral report the CSV and Excel renderers (and later PDF) draw from."""
    return Report(
        "Audit trail",
        REPORT_COLUMNS,
        tuple(
            ReportRow(
                (
                    r.seq,
                    r.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    r.username,
                    r.host,
                    r.action,
                    r.entity,
                    r.entity_id,
                    r.before or "",
                    r.after or "",
                )
            )
            for r in rows
        ),
        subtitle=subtitle,
    )


@retry_writes
class AuditService:
    """The audit trail for people holding `audit.view` (reading, verifying) and `audit.export`."""

    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    def rows(self, f: AuditFilter = AuditFilter(), *, limit: int | None = None, offset: int = 0) -> list[AuditRow]:
        """Newest first, so the latest changes are on top."""
        self.ctx.require(Permission.AUDIT_VIEW)
        stmt = _where(select(*_ROW_COLUMNS), f).order_by(AuditRecord.seq.desc()).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with UnitOfWork(self.engine, write=False) as uow:
            return [AuditRow(*row) for row in uow.session.execute(stmt)]

    def count(self, f: AuditFilter = AuditFilter()) -> int:
        self.ctx.require(Permission.AUDIT_VIEW)
        with UnitOfWork(self.engine, write=False) as uow:
            return int(uow.session.execute(_where(select(func.count()).select_from(AuditRecord), f)).scalar_one())

    def history(self, entity: str, entity_id: object) -> list[AuditRow]:
        """Everything that happened to one record, oldest first (the per-record History action)."""
        rows = self.rows(AuditFilter(entity=entity, entity_id=str(entity_id)))
        return rows[::-1]

    def choices(self) -> dict[str, list[str]]:
        """The distinct users, entities and actions, for the filter bar's drop-downs."""
        self.ctx.require(Permission.AUDIT_VIEW)
        a = AuditRecord
        with UnitOfWork(self.engine, write=False) as uow:
            s = uow.session
            return {
                name: list(s.execute(select(col).distinct().order_by(col)).scalars())
                for name, col in (("users", a.username), ("entities", a.entity), ("actions", a.action))
            }

    def verify(self, progress: Progress | None = None) -> VerifyResult:
        """Recompute the hash chain from the first row to the head; the first break, if any."""
        self.ctx.require(Permission.AUDIT_VIEW)
        with UnitOfWork(self.engine, write=False) as uow:
            return verify(uow.session, progress=progress)

    def export(self, path: Path, f: AuditFilter = AuditFilter(), *, fmt: str | None = None) -> int:
        """Write the rows to CSV, Excel or PDF; the export itself is audited. Returns the row count."""
        from paksa_desktop.reporting.pdf import PdfOptions
        from paksa_desktop.reporting.renderers import file_format, render_file

        self.ctx.require(Permission.AUDIT_EXPORT)
        kind = file_format(path, fmt)
        rows = self.rows(f)[::-1]  # files read oldest first
        span = " to ".join(d.isoformat() for d in (f.start, f.end) if d is not None)
        report = replace(audit_report(rows, subtitle=span or "all dates"), company=self._company_name())
        printed = PdfOptions(printed_at=self.ctx.clock.now(), printed_by=self.ctx.username)
        render_file(report, path, kind, pdf=printed)
        self.record_export("audit_log", path, len(rows), permission=Permission.AUDIT_EXPORT, filters=_filter_values(f))
        return len(rows)

    def _company_name(self) -> str:
        from paksa_desktop.ledger.models import CompanySettings

        with UnitOfWork(self.engine, write=False) as uow:
            return uow.session.execute(select(CompanySettings.name)).scalar_one_or_none() or ""

    def record_print(self, what: str, pages: int, *, permission: str, printer: str = "") -> None:
        """Audit a paper copy: a different act from an export, which an auditor asks about separately."""
        self.ctx.require(permission)
        with UnitOfWork(self.engine) as uow:
            trail.record(uow.session, self.ctx, "print", what, after={"pages": pages, "printer": printer})
            uow.commit()

    def record_export(self, what: str, path: Path, count: int, *, permission: str, **details: Any) -> None:
        """Audit an export or print done outside a write unit (files are written first, then recorded).

        `permission` is the one the export itself needed (e.g. `ledger.export`): checked again here, so a
        caller cannot write audit rows for exports its user may not make.
        """
        self.ctx.require(permission)
        with UnitOfWork(self.engine) as uow:
            trail.record(uow.session, self.ctx, "export", what, after={"file": path.name, "rows": count, **details})
            uow.commit()


def _filter_values(f: AuditFilter) -> dict[str, str]:
    values = {
        "user": f.username,
        "entity": f.entity,
        "record": f.entity_id,
        "action": f.action,
        "from": f.start.isoformat() if f.start else "",
        "to": f.end.isoformat() if f.end else "",
    }
    return {k: v for k, v in values.items() if v}
