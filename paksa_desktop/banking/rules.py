"""Bank rules: code recurring bank lines (charges, rent, subscriptions) without typing them each time.

A rule is checked against an unmatched line's description (a case-insensitive substring, or a regular
expression when marked so), its signed amount and its counterparty; the first active rule by priority
that fits posts the line through `ReconciliationService.create_entry`, one line per unit of work, so a
line is either fully posted and matched or left as it was. Rules are managed by `cash.account.manage`
(they post without a second look, so they are set up by whoever sets up the bank accounts); applying
them is reconciling (`cash.reconcile` and `ledger.entry.post`). `rule_from_line` drafts a rule from one
line; `suggestions` drafts rules from lines coded the same way at least three times.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.banking.accounts import find_account
from paksa_desktop.banking.models import BankAccount, BankLine, LineStatus
from paksa_desktop.banking.recon_models import BankLineLink, LinkKind
from paksa_desktop.banking.reconciliation import ReconciliationService
from paksa_desktop.banking.rule_models import BankRule
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.ledger.models import Account, Department, JournalEntry, JournalLine, Project
from paksa_desktop.ledger.posting import PostingFacts
from paksa_desktop.receivables.models import TaxCodeRow
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

PATTERN_MAX = 200
SUGGEST_AFTER = 3  # lines coded the same way before a rule is suggested
_E4 = Decimal(10_000)
_MEMO_FIELDS = ("description", "reference", "counterparty", "date", "amount")
# a quantified group that is itself quantified, e.g. (a+)+ or (\w*)*: the classic catastrophic backtracking
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")
_WORD = re.compile(r"\S+")


# ------------------------------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class RuleInput:
    """A rule as entered; codes (GL account, tax code, department, project) rather than ids."""

    name: str
    pattern: str
    account: str  # GL code the line is posted against
    bank_account: str = ""  # "" for every bank account
    is_regex: bool = False
    amount_min: Decimal | None = None  # signed: -500 .. 0 is "money out up to 500"
    amount_max: Decimal | None = None
    counterparty: str = ""
    tax_code: str = ""
    department: str = ""
    project: str = ""
    memo: str = ""  # may use {description} {reference} {counterparty} {date} {amount}
    priority: int = 100
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: int
    version: int
    data: RuleInput


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A rule drafted from history: `count` lines with this description stem were coded to its account."""

    rule: RuleInput
    count: int
    line_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ApplyResult:
    posted: tuple[tuple[int, str, int], ...]  # (bank line id, rule name, entry id)
    refused: tuple[tuple[int, str, str], ...]  # (bank line id, rule name, why)
    changes: Changes


# ------------------------------------------------------------------------------------------ pure part


def normalise(text: str) -> str:
    """What patterns are compared with: case-folded, runs of white space made one space."""
    return " ".join(text.split()).casefold()


def stem(description: str) -> str:
    """The stable words of a description: the longest run of words without digits (dates, card numbers
    and references change from line to line, the payee's name does not)."""
    best: list[str] = []
    run: list[str] = []
    for word in [*_WORD.findall(description), "0"]:
        if any(c.isdigit() for c in word):
            if len(" ".join(run)) > len(" ".join(best)):
                best = run
            run = []
        else:
            run.append(word)
    text = " ".join(best).strip(" -/:;,.*#")
    return text if len(text) >= 3 else ""


def pattern_problem(pattern: str, is_regex: bool) -> str | None:
    """Why a pattern cannot be used, or None; regular expressions are compiled and kept simple."""
    if not pattern.strip():
        return "a rule needs a description pattern"
    if len(pattern) > PATTERN_MAX:
        return f"the pattern is {len(pattern)} characters long; at most {PATTERN_MAX} are allowed"
    if is_regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"the regular expression '{pattern}' is not valid: {exc}"
        if _NESTED_QUANTIFIER.search(pattern):
            return (
                f"the regular expression '{pattern}' repeats a repeated group (like (a+)+), which can take "
                f"forever on some descriptions; simplify it"
            )
    return None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to test lines with; its regular expression is compiled once."""

    id: int
    name: str
    bank_account_id: int | None
    test: re.Pattern[str] | str  # a compiled regex, or the normalised substring
    amount_min: Decimal | None
    amount_max: Decimal | None
    counterparty: str  # normalised
    data: RuleInput

    @classmethod
    def of(cls, rule_id: int, bank_account_id: int | None, data: RuleInput) -> CompiledRule:
        test: re.Pattern[str] | str = (
            re.compile(data.pattern, re.IGNORECASE) if data.is_regex else normalise(data.pattern)
        )
        return cls(
            rule_id,
            data.name,
            bank_account_id,
            test,
            data.amount_min,
            data.amount_max,
            normalise(data.counterparty),
            data,
        )

    def fits(self, bank_account_id: int, description: str, counterparty: str, amount: Decimal) -> bool:
        if self.bank_account_id is not None and self.bank_account_id != bank_account_id:
            return False
        if self.amount_min is not None and amount < self.amount_min:
            return False
        if self.amount_max is not None and amount > self.amount_max:
            return False
        if self.counterparty and self.counterparty not in normalise(counterparty):
            return False
        text = normalise(description)[:1000]
        if isinstance(self.test, str):
            return self.test in text
        return self.test.search(text) is not None


def first_fitting(
    rules: Sequence[CompiledRule], bank_account_id: int, description: str, counterparty: str, amount: Decimal
) -> CompiledRule | None:
    """The rule that codes a line: the first by (priority, id) that fits it."""
    for rule in sorted(rules, key=lambda r: (r.data.priority, r.id)):
        if rule.data.is_active and rule.fits(bank_account_id, description, counterparty, amount):
            return rule
    return None


def render_memo(template: str, line: BankLine, amount: Decimal) -> str:
    """The entry's memo from a rule's template; unknown {fields} are left as typed."""
    values = {
        "description": line.description,
        "reference": line.reference,
        "counterparty": line.counterparty,
        "date": line.booked.isoformat(),
        "amount": str(amount),
    }
    text = template
    for name in _MEMO_FIELDS:
        text = text.replace("{" + name + "}", values[name])
    return text.strip()[:200]


def _e4(value: Decimal | None) -> int | None:
    return None if value is None else int(value * _E4)


def _from_e4(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / _E4).normalize() + Decimal("0.00")


# ------------------------------------------------------------------------------------------ service


class BankRuleService(GuardedService):
    """Bank rules: kept by `cash.account.manage`, applied by `cash.reconcile` (with `ledger.entry.post`)."""

    def __init__(self, engine: Engine, ctx: UserContext, facts: PostingFacts | None = None) -> None:
        super().__init__(engine, ctx)
        self.facts = facts

    # -------------------------------------------------------------------------------------- reading

    def rules(self) -> list[RuleRow]:
        """Every rule, in the order they are tried."""
        with self._read(Permission.CASH_VIEW) as s:
            return [RuleRow(r.id, r.version, _input(s, r)) for r in _ordered(s)]

    def rule(self, name: str) -> RuleRow:
        with self._read(Permission.CASH_VIEW) as s:
            row = _find(s, name)
            return RuleRow(row.id, row.version, _input(s, row))

    # -------------------------------------------------------------------------------------- keeping

    def add(self, data: RuleInput) -> tuple[int, Changes]:
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = BankRule(created_by=self.ctx.user_id, created_at=self.ctx.clock.now())
            self._fill(s, row, data)
            s.add(row)
            self._flush(s, data.name)
            trail.record(s, self.ctx, "create", "bank_rule", row.name, after=_audit(data))
            return row.id, Changes.of(Kind.BANK_ACCOUNTS)

    def update(self, name: str, data: RuleInput, *, version: int | None = None) -> Changes:
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = _find(s, name)
            if version is not None and row.version != version:
                raise ConflictError(f"rule {name} was changed by another user since you opened it; reload it")
            before = _audit(_input(s, row))
            self._fill(s, row, data)
            self._flush(s, data.name)
            trail.record(s, self.ctx, "update", "bank_rule", row.name, before=before, after=_audit(data))
        return Changes.of(Kind.BANK_ACCOUNTS)

    def delete(self, name: str) -> Changes:
        with self._unit(Permission.CASH_ACCOUNT_MANAGE) as s:
            row = _find(s, name)
            before = _audit(_input(s, row))
            s.delete(row)
            s.flush()
            trail.record(s, self.ctx, "delete", "bank_rule", name, before=before)
        return Changes.of(Kind.BANK_ACCOUNTS)

    @staticmethod
    def _flush(s: Session, name: str) -> None:
        try:
            s.flush()
        except IntegrityError:
            raise ValidationError(f"there is already a bank rule named '{name}'; choose another name") from None

    @staticmethod
    def _fill(s: Session, row: BankRule, data: RuleInput) -> None:
        """Check every field (all problems at once) and copy the rule into its row."""
        problems: list[str] = []
        name = data.name.strip()
        if not name or len(name) > 100:
            problems.append("a rule needs a name of 1 to 100 characters")
        problem = pattern_problem(data.pattern, data.is_regex)
        if problem:
            problems.append(problem)
        for label, value in (("smallest", data.amount_min), ("largest", data.amount_max)):
            if value is not None and (not value.is_finite() or value != value.quantize(Decimal("0.0001"))):
                problems.append(f"the {label} amount {value} has more than 4 decimals")
        if data.amount_min is not None and data.amount_max is not None and data.amount_min > data.amount_max:
            problems.append(f"the smallest amount {data.amount_min} is above the largest {data.amount_max}")
        if len(data.counterparty) > 200 or len(data.memo) > 200:
            problems.append("the counterparty and the memo template hold at most 200 characters")
        bank_id: int | None = None
        if data.bank_account.strip():
            try:
                bank_id = find_account(s, data.bank_account.strip()).id
            except NotFoundError as exc:
                problems.append(str(exc))
        account = s.execute(select(Account).where(Account.code == data.account.strip())).scalar_one_or_none()
        parents = set(s.execute(select(Account.parent_id).where(Account.parent_id.is_not(None))).scalars())
        if account is None:
            problems.append(f"unknown GL account '{data.account.strip()}'")
        elif not account.is_active or account.id in parents:
            problems.append(f"GL account {account.code} is inactive or a parent account; choose a postable one")
        elif bank_id is not None and account.id == s.get(BankAccount, bank_id).gl_account_id:  # type: ignore[union-attr]
            problems.append("choose the account the money comes from or goes to, not the bank's own")
        ids: dict[str, int | None] = {}
        for label, code, model in (
            ("tax code", data.tax_code, TaxCodeRow),
            ("department", data.department, Department),
            ("project", data.project, Project),
        ):
            ids[label] = None
            if code.strip():
                found = s.execute(select(model).where(model.code == code.strip())).scalar_one_or_none()  # type: ignore[attr-defined]
                if found is None or not found.is_active:
                    problems.append(f"unknown or inactive {label} '{code.strip()}'")
                else:
                    ids[label] = found.id
        if problems:
            raise ValidationError("; ".join(problems))
        assert account is not None
        row.name = name
        row.bank_account_id = bank_id
        row.pattern = data.pattern.strip() if not data.is_regex else data.pattern
        row.is_regex = data.is_regex
        row.amount_min_e4 = _e4(data.amount_min)
        row.amount_max_e4 = _e4(data.amount_max)
        row.counterparty = data.counterparty.strip()
        row.account_id = account.id
        row.tax_code_id = ids["tax code"]
        row.department_id = ids["department"]
        row.project_id = ids["project"]
        row.memo = data.memo.strip()
        row.priority = data.priority
        row.is_active = data.is_active

    # -------------------------------------------------------------------------------------- drafting

    def rule_from_line(self, line_id: int) -> RuleInput:
        """A draft rule for lines like this one: its stable words, its sign, and how it was coded (if it was)."""
        with self._read(Permission.CASH_VIEW) as s:
            line = s.get(BankLine, line_id)
            if line is None:
                raise NotFoundError(f"there is no bank line {line_id}")
            bank = s.get(BankAccount, line.bank_account_id)
            assert bank is not None
            words = stem(line.description) or stem(line.counterparty) or normalise(line.description)[:60]
            coded = _coding(s, [line_id]).get(line_id)
            account, department, project = coded if coded else ("", "", "")
            out = line.amount < 0
            return RuleInput(
                name=(words.title() or f"Line {line_id}")[:100],
                pattern=words[:PATTERN_MAX],
                account=account,
                bank_account=bank.name,
                amount_min=None if out else Decimal("0.00"),
                amount_max=Decimal("0.00") if out else None,
                department=department,
                project=project,
                memo="{description}",
            )

    def suggestions(self, min_count: int = SUGGEST_AFTER) -> list[Suggestion]:
        """Rules worth having: lines posted by `create_entry` to one GL account, with one description stem,
        at least `min_count` times, and no rule already coding them."""
        with self._read(Permission.CASH_VIEW) as s:
            posted = s.execute(
                select(BankLine)
                .join(BankLineLink, BankLineLink.bank_line_id == BankLine.id)
                .join(JournalEntry, JournalEntry.id == BankLineLink.entry_id)
                .where(BankLineLink.kind == LinkKind.ENTRY, JournalEntry.source == "bank")
                .order_by(BankLine.id)
            ).scalars()
            lines = {line.id: line for line in posted}
            coding = _coding(s, list(lines))
            rules = _compiled(s)
            banks = dict(s.execute(select(BankAccount.id, BankAccount.name)).all())
            groups: dict[tuple[int, str, str, str, str], list[BankLine]] = defaultdict(list)
            for line_id, line in lines.items():
                words = stem(line.description)
                if not words or line_id not in coding:
                    continue
                account, department, project = coding[line_id]
                amount = from_minor(line.amount, currency_exponent(line.currency))
                fit = first_fitting(rules, line.bank_account_id, line.description, line.counterparty, amount)
                if fit is not None and fit.data.account == account:
                    continue  # a rule codes these already
                groups[(line.bank_account_id, normalise(words), account, department, project)].append(line)
            found: list[Suggestion] = []
            for (bank_id, words, account, department, project), members in groups.items():
                if len(members) < min_count:
                    continue
                out = all(m.amount < 0 for m in members)
                into = all(m.amount > 0 for m in members)
                draft = RuleInput(
                    name=stem(members[0].description).title()[:100],
                    pattern=words,
                    account=account,
                    bank_account=banks[bank_id],
                    amount_min=Decimal("0.00") if into else None,
                    amount_max=Decimal("0.00") if out else None,
                    department=department,
                    project=project,
                    memo="{description}",
                )
                found.append(Suggestion(draft, len(members), tuple(m.id for m in members)))
        return sorted(found, key=lambda f: (-f.count, f.rule.name))

    # -------------------------------------------------------------------------------------- applying

    def preview(self, account: str, as_of: date | None = None) -> list[tuple[int, str]]:
        """(bank line id, rule name) for each unmatched line a rule would post; nothing is written."""
        self.ctx.require(Permission.CASH_RECONCILE)
        with self._read(Permission.CASH_VIEW) as s:
            return [(line.id, rule.name) for line, rule in self._fitting(s, account, as_of)]

    def apply(self, account: str, as_of: date | None = None, *, journal: str = "GEN") -> ApplyResult:
        """Post every unmatched line of the account a rule fits (booked by `as_of`); each line on its own,
        so one that cannot be posted (closed period, inactive account) is refused, with why."""
        self.ctx.require(Permission.CASH_RECONCILE)
        self.ctx.require(Permission.ENTRY_POST)
        with self._read(Permission.CASH_VIEW) as s:
            plan = [
                (
                    line.id,
                    rule,
                    render_memo(rule.data.memo, line, from_minor(line.amount, currency_exponent(line.currency))),
                )
                for line, rule in self._fitting(s, account, as_of)
            ]
        service = ReconciliationService(self.engine, self.ctx, self.facts)
        posted: list[tuple[int, str, int]] = []
        refused: list[tuple[int, str, str]] = []
        for line_id, rule, memo in plan:
            try:
                entry_id, _ = service.create_entry(
                    line_id,
                    rule.data.account,
                    memo=memo,
                    journal=journal,
                    tax_code=rule.data.tax_code,
                    department=rule.data.department,
                    project=rule.data.project,
                )
            except (ValidationError, NotFoundError, ConflictError) as exc:
                refused.append((line_id, rule.name, str(exc)))
            else:
                posted.append((line_id, rule.name, entry_id))
        changes = Changes.of(Kind.ENTRIES, Kind.BANK_LINES) if posted else Changes()
        return ApplyResult(tuple(posted), tuple(refused), changes)

    @staticmethod
    def _fitting(s: Session, account: str, as_of: date | None) -> list[tuple[BankLine, CompiledRule]]:
        bank = find_account(s, account)
        query = select(BankLine).where(BankLine.bank_account_id == bank.id, BankLine.status == LineStatus.UNMATCHED)
        if as_of is not None:
            query = query.where(BankLine.booked <= as_of)
        rules = [r for r in _compiled(s) if r.data.is_active]
        out: list[tuple[BankLine, CompiledRule]] = []
        for line in s.execute(query.order_by(BankLine.booked, BankLine.id)).scalars():
            amount = from_minor(line.amount, currency_exponent(line.currency))
            rule = first_fitting(rules, bank.id, line.description, line.counterparty, amount)
            if rule is not None:
                out.append((line, rule))
        return out


# ------------------------------------------------------------------------------------------ helpers


def _ordered(s: Session) -> Sequence[BankRule]:
    return s.execute(select(BankRule).order_by(BankRule.priority, BankRule.id)).scalars().all()


def _find(s: Session, name: str) -> BankRule:
    row = s.execute(select(BankRule).where(BankRule.name == name.strip())).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"there is no bank rule named '{name.strip()}'")
    return row


def _code(s: Session, model: type, row_id: int | None) -> str:
    if row_id is None:
        return ""
    return str(s.execute(select(model.code).where(model.id == row_id)).scalar_one())  # type: ignore[attr-defined]


def _input(s: Session, row: BankRule) -> RuleInput:
    bank = s.get(BankAccount, row.bank_account_id) if row.bank_account_id is not None else None
    return RuleInput(
        name=row.name,
        pattern=row.pattern,
        account=_code(s, Account, row.account_id),
        bank_account=bank.name if bank is not None else "",
        is_regex=row.is_regex,
        amount_min=_from_e4(row.amount_min_e4),
        amount_max=_from_e4(row.amount_max_e4),
        counterparty=row.counterparty,
        tax_code=_code(s, TaxCodeRow, row.tax_code_id),
        department=_code(s, Department, row.department_id),
        project=_code(s, Project, row.project_id),
        memo=row.memo,
        priority=row.priority,
        is_active=row.is_active,
    )


def _compiled(s: Session) -> list[CompiledRule]:
    return [CompiledRule.of(r.id, r.bank_account_id, _input(s, r)) for r in _ordered(s)]


def _coding(s: Session, line_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """How lines posted by `create_entry` were coded: (GL code, department, project) of the entry's
    largest line off the bank's GL account (a tax line is the smaller one)."""
    if not line_ids:
        return {}
    rows = s.execute(
        select(
            BankLineLink.bank_line_id,
            JournalLine.account_id,
            JournalLine.amount,
            JournalLine.department_id,
            JournalLine.project_id,
            BankAccount.gl_account_id,
        )
        .join(JournalEntry, JournalEntry.id == BankLineLink.entry_id)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .join(BankLine, BankLine.id == BankLineLink.bank_line_id)
        .join(BankAccount, BankAccount.id == BankLine.bank_account_id)
        .where(
            BankLineLink.bank_line_id.in_(line_ids),
            BankLineLink.kind == LinkKind.ENTRY,
            JournalEntry.source == "bank",
        )
        .order_by(BankLineLink.bank_line_id, JournalLine.line_no)
    ).all()
    best: dict[int, tuple[int, int, int | None, int | None]] = {}
    for line_id, account_id, amount, department_id, project_id, bank_gl in rows:
        if account_id == bank_gl:
            continue
        if line_id not in best or abs(amount) > abs(best[line_id][1]):
            best[line_id] = (account_id, amount, department_id, project_id)
    return {
        line_id: (_code(s, Account, a), _code(s, Department, d), _code(s, Project, p))
        for line_id, (a, _, d, p) in best.items()
    }


def _audit(data: RuleInput) -> dict[str, object]:
    values = {k: getattr(data, k) for k in RuleInput.__dataclass_fields__}
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items() if v not in ("", None)}


__all__ = [
    "ApplyResult",
    "BankRuleService",
    "CompiledRule",
    "RuleInput",
    "RuleRow",
    "Suggestion",
    "first_fitting",
    "normalise",
    "pattern_problem",
    "render_memo",
    "stem",
]
