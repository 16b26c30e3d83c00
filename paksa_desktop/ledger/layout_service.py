"""Customising a statement's lines: titles, order, which group each sits in, which accounts feed it.

The layout is stored whole (every line of the statement) when first saved; resetting deletes it, and
the default from statement_layout.py applies again. Saving checks the layout first, so a statement
can never lose a line it computes (retained earnings, current-year earnings, net income).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import NotFoundError, ValidationError
from paksa_desktop.ledger.models import Account
from paksa_desktop.ledger.statement_layout import STATEMENTS, LineSpec, StatementKind, validate_lines
from paksa_desktop.ledger.statement_models import StatementLine, StatementLineAccount
from paksa_desktop.ledger.statement_structure import load_layout, postable_accounts
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission


@dataclass(frozen=True, slots=True)
class LineView:
    group_key: str
    group_title: str
    key: str
    title: str
    rules: tuple[str, ...]
    accounts: tuple[tuple[str, str], ...]  # (code, name) of the accounts the line shows now
    placed: tuple[str, ...]  # codes of the accounts placed on it by hand


@dataclass(frozen=True, slots=True)
class LayoutView:
    kind: StatementKind
    customised: bool
    lines: tuple[LineView, ...]


@retry_writes
class LayoutService(GuardedService):
    """Reading a layout needs `ledger.view`; changing it `ledger.layout.manage` (audited)."""

    def layout(self, kind: StatementKind) -> LayoutView:
        with self._read(Permission.LEDGER_VIEW) as s:
            spec = STATEMENTS[StatementKind(kind)]
            layout = load_layout(s, spec)
            customised = s.execute(select(StatementLine.id).where(StatementLine.statement == kind.value)).first()
            accounts = postable_accounts(s)
            assigned = layout.assign(accounts.values())
            codes = {a.id: a.code for a in accounts.values()}
            lines = tuple(
                LineView(
                    group.key,
                    group.title,
                    line.key,
                    line.title,
                    line.rules,
                    tuple((a.code, a.name) for a in assigned.get(line.key, [])),
                    tuple(sorted(codes[i] for i, k in layout.placed.items() if k == line.key and i in codes)),
                )
                for group, line in layout.all_lines()
            )
            return LayoutView(kind, customised is not None, lines)

    def save_layout(
        self, kind: StatementKind, lines: Mapping[str, Sequence[LineSpec]], placed: Mapping[str, str]
    ) -> Changes:
        """Replace the statement's lines (group key -> lines in order) and hand placements (code -> line)."""
        self.ctx.require(Permission.LAYOUT_MANAGE)
        spec = STATEMENTS[StatementKind(kind)]
        problems = validate_lines(spec, {g: list(v) for g, v in lines.items()})
        keys = {line.key for group in lines.values() for line in group}
        problems += [
            f"account {code}: no line '{key}' in this layout" for code, key in placed.items() if key not in keys
        ]
        if problems:
            raise ValidationError("the layout cannot be saved: " + "; ".join(problems))
        with self._unit(Permission.LAYOUT_MANAGE) as s:
            ids = dict(s.execute(select(Account.code, Account.id).where(Account.code.in_(list(placed)))).all())
            unknown = sorted(set(placed) - set(ids))
            if unknown:
                raise NotFoundError(f"unknown account {', '.join(unknown)}")
            before = self._snapshot(s, kind)
            s.execute(delete(StatementLine).where(StatementLine.statement == kind.value))
            s.execute(delete(StatementLineAccount).where(StatementLineAccount.statement == kind.value))
            position = 0
            for group in spec.groups():
                for line in lines.get(group.key, []):
                    position += 1
                    s.add(
                        StatementLine(
                            statement=kind.value,
                            group_key=group.key,
                            key=line.key,
                            title=line.title.strip(),
                            position=position,
                            rules=" ".join(line.rules),
                        )
                    )
            s.add_all(
                StatementLineAccount(statement=kind.value, account_id=ids[code], line_key=key)
                for code, key in placed.items()
            )
            s.flush()
            trail.record(
                s, self.ctx, "update", "statement_layout", kind.value, before=before, after=self._snapshot(s, kind)
            )
        return Changes.of(Kind.LAYOUTS)

    def reset_layout(self, kind: StatementKind) -> Changes:
        with self._unit(Permission.LAYOUT_MANAGE) as s:
            before = self._snapshot(s, kind)
            s.execute(delete(StatementLine).where(StatementLine.statement == kind.value))
            s.execute(delete(StatementLineAccount).where(StatementLineAccount.statement == kind.value))
            trail.record(s, self.ctx, "reset", "statement_layout", kind.value, before=before)
        return Changes.of(Kind.LAYOUTS)

    @staticmethod
    def _snapshot(s: Session, kind: StatementKind) -> dict[str, str]:
        lines = s.execute(
            select(StatementLine.group_key, StatementLine.key, StatementLine.title, StatementLine.rules)
            .where(StatementLine.statement == kind.value)
            .order_by(StatementLine.position)
        ).all()
        placed = s.execute(
            select(Account.code, StatementLineAccount.line_key)
            .join(Account, Account.id == StatementLineAccount.account_id)
            .where(StatementLineAccount.statement == kind.value)
            .order_by(Account.code)
        ).all()
        return {
            "lines": "; ".join(f"{g}/{k} '{t}' [{r}]" for g, k, t, r in lines),
            "placed": ", ".join(f"{c}->{k}" for c, k in placed),
        }
