"""Period-end revaluation of open foreign-currency balances to the closing rate.

Subledgers carry each open document at its historical base value (the rate of its day). At a period
end the balances they owe or are owed in a foreign currency are worth something else at that day's
closing rate; the difference is an unrealised exchange gain or loss. `RevaluationService.revalue(day)`
posts it as one journal entry dated `day` (per currency and control account: the control account
against the unrealised gain or loss account) and its exact reversal dated the next day, both with the
source 'fx_revaluation'. So the period's statements show the closing-rate value, and the next period
starts again from historical values: the realised difference at settlement stays right.

Rounding: each document's revalued base is its open amount x the closing rate, rounded half-even to
the base currency's minor unit (the same `to_base` documents use); its difference is revalued less
carried base; an entry line is the sum of its documents' differences.

Rules decided here:
- One revaluation per day: a second run for a day already revalued is refused, naming the entries of
  the first (its effect lasts one day: the reversal the next day already undoes it, so a correction is
  simply a revaluation of a later day). A dry run (`preview`) never posts.
- Permission: posting a revaluation is a general-ledger posting, `ledger.entry.post`, plus the view
  permission of every source read (receivables: `receivables.view`; payables: `payables.view`; bank
  accounts: `cash.view`).
  The report needs `ledger.view` and the same source permissions.
- Accounts: `fx_settings` names the unrealised gain and loss accounts and the journal; unset, the
  standard chart's 4120 Foreign exchange gains, 7020 Foreign exchange losses and journal GEN.

Sources of open foreign balances are pluggable: `OPEN_BALANCE_SOURCES` lists them (a class with
`name`, `permission` and `balances(s, day)`). Receivables, payables (open bills and vendor credit notes
as of the day, payables/open_balances.py) and foreign bank accounts (their GL lines' amounts in the
account's currency, `cash.view`) are wired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.fx import REVALUATION_SOURCE
from paksa_desktop.fx.models import FxRevaluation, FxSettings
from paksa_desktop.fx.rates import rate_on
from paksa_desktop.ledger.models import Account, CompanySettings, EntryState, Journal, JournalEntry
from paksa_desktop.ledger.posting import Poster, PostingFacts, PreparedEntry, PreparedLine
from paksa_desktop.receivables.amounts import rate_text, to_base
from paksa_desktop.reporting.model import Column, ColumnKind, Report, ReportRow, RowStyle
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

STANDARD_GAIN_ACCOUNT = "4120"
STANDARD_LOSS_ACCOUNT = "7020"
STANDARD_JOURNAL = "GEN"


@dataclass(frozen=True, slots=True)
class OpenBalance:
    """One open foreign-currency item of a subledger on a day, as that subledger carries it."""

    source: str  # "receivables", later "payables", "bank"
    kind: str  # "invoice", "credit_note", "receipt", ...
    document: str
    party: str  # customer, supplier or bank account code
    currency: str
    control_account_id: int
    open_units: int  # signed minor units of `currency`, debit positive (credits negative)
    carried_base: int  # signed minor units of the base currency


class OpenBalanceSource(Protocol):
    """A subledger that holds foreign-currency balances on a control account."""

    name: str
    permission: str  # what a user needs to read it

    def balances(self, s: Session, day: date, base_currency: str) -> list[OpenBalance]: ...


class ReceivablesBalances:
    """Open invoices, credit notes and unapplied receipts in a foreign currency, on the receivable account."""

    name = "receivables"
    permission = Permission.AR_VIEW

    def balances(self, s: Session, day: date, base_currency: str) -> list[OpenBalance]:
        from paksa_desktop.receivables.document_queries import open_items_query
        from paksa_desktop.receivables.models import Customer, ReceivablesSettings

        control = s.execute(select(ReceivablesSettings.receivable_account_id)).scalar_one_or_none()
        if control is None:  # receivables not set up: nothing is open
            return []
        customers = dict(s.execute(select(Customer.id, Customer.code)).all())
        found = []
        for stmt in open_items_query(day):
            for r in s.execute(stmt.where(stmt.selected_columns.currency != base_currency)):
                kind = getattr(r[0], "value", r[0])
                found.append(
                    OpenBalance(self.name, str(kind), r[2] or "", customers[r[3]], r[6], control, int(r[7]), int(r[8]))
                )
        found.sort(key=lambda b: (b.currency, b.party, b.document))
        return found


class BankBalances:
    """Active bank accounts in a foreign currency, on their GL accounts.

    Every line on a foreign bank account's GL account carries its amount in the account's currency
    (ledger/posting.py refuses one that does not), so the ledger knows both figures exactly: the balance
    in the currency is the sum of the lines' `amount_cur` up to the day, and what the books carry for it
    the sum of their base `amount`, less the revaluations' own entries (each is reversed the next day;
    the day's own, once posted, is what the report explains, not part of what it revalues). Uncleared
    items count like the rest: they are money of the account. An account with no lines by the day is
    left out.
    """

    name = "bank"
    permission = Permission.CASH_VIEW

    def balances(self, s: Session, day: date, base_currency: str) -> list[OpenBalance]:
        from sqlalchemy import func

        from paksa_desktop.banking.models import BankAccount
        from paksa_desktop.ledger.models import JournalLine

        in_currency = func.sum(JournalLine.amount_cur).filter(JournalLine.currency == BankAccount.currency)
        rows = s.execute(
            select(
                BankAccount.name,
                BankAccount.currency,
                BankAccount.gl_account_id,
                func.coalesce(in_currency, 0),
                func.coalesce(func.sum(JournalLine.amount), 0),
            )
            .join(JournalLine, JournalLine.account_id == BankAccount.gl_account_id)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                BankAccount.is_active,
                BankAccount.currency != base_currency,
                JournalLine.date <= day,
                JournalEntry.source != REVALUATION_SOURCE,
            )
            .group_by(BankAccount.id, BankAccount.name, BankAccount.currency, BankAccount.gl_account_id)
        ).all()
        found = [
            OpenBalance(self.name, "bank", f"GL balance at {day}", name, cur, gl, int(units), int(carried))
            for name, cur, gl, units, carried in rows
            if units or carried
        ]
        found.sort(key=lambda b: (b.currency, b.party))
        return found


class PayablesBalances:
    """Open bills, expense claims and vendor credit notes in a foreign currency, on their control accounts
    (payable, employee payable): a bill is a credit (negative), a credit note a debit."""

    name = "payables"
    permission = Permission.AP_VIEW

    def balances(self, s: Session, day: date, base_currency: str) -> list[OpenBalance]:
        from paksa_desktop.payables.open_balances import open_bills

        found = [
            OpenBalance(
                self.name,
                b.kind,
                b.number,
                b.vendor,
                b.currency,
                b.control_account_id,
                b.signed_units,
                b.signed_base,
            )
            for b in open_bills(s, day, exclude_currency=base_currency)
        ]
        found.sort(key=lambda b: (b.currency, b.party, b.document))
        return found


OPEN_BALANCE_SOURCES: tuple[OpenBalanceSource, ...] = (ReceivablesBalances(), PayablesBalances(), BankBalances())


@dataclass(frozen=True, slots=True)
class RevaluedItem:
    item: OpenBalance
    rate: Decimal
    revalued_base: int

    @property
    def difference(self) -> int:
        return self.revalued_base - self.item.carried_base


@dataclass(frozen=True, slots=True)
class Revaluation:
    """What a revaluation of a day is (or would be): every item and the entry lines it makes."""

    day: date
    base_currency: str
    items: tuple[RevaluedItem, ...]
    rates: dict[str, Decimal]

    def differences(self) -> dict[tuple[str, int], int]:
        """Sum of differences per (currency, control account), in base minor units."""
        sums: dict[tuple[str, int], int] = {}
        for r in self.items:
            key = (r.item.currency, r.item.control_account_id)
            sums[key] = sums.get(key, 0) + r.difference
        return sums

    @property
    def total(self) -> int:
        return sum(r.difference for r in self.items)

    def total_text(self) -> str:
        """The net difference as text in the base currency (gain positive)."""
        return f"{from_minor(self.total, currency_exponent(self.base_currency))} {self.base_currency}"


@dataclass(frozen=True, slots=True)
class RevaluationResult:
    day: date
    entry_number: str | None  # None: nothing to post (no open foreign balance moved)
    reversal_number: str | None
    revaluation: Revaluation


def revalue_items(balances: Sequence[OpenBalance], rates: dict[str, Decimal], base: str) -> tuple[RevaluedItem, ...]:
    """Each item at the closing rate: open units x rate, rounded half-even to the base minor unit."""
    return tuple(
        RevaluedItem(b, rates[b.currency], to_base(b.open_units, rates[b.currency], b.currency, base)) for b in balances
    )


def entry_lines(revaluation: Revaluation, gain_id: int, loss_id: int) -> list[PreparedLine]:
    """Per currency and control account: the control account moves by the difference, the unrealised
    gain (a credit) or loss (a debit) account takes the other side."""
    lines = []
    # a foreign bank account's line carries its currency (posting.py requires it) with no amount in it:
    # the revaluation moves the base value only
    banks = {(r.item.currency, r.item.control_account_id) for r in revaluation.items if r.item.source == "bank"}
    for (currency, control), diff in sorted(revaluation.differences().items()):
        if not diff:
            continue
        memo = f"Unrealised exchange difference {currency} at {rate_text(revaluation.rates[currency])}"
        foreign = (currency, 0) if (currency, control) in banks else (None, None)
        lines.append(PreparedLine(control, diff, memo, None, None, *foreign))
        lines.append(PreparedLine(gain_id if diff > 0 else loss_id, -diff, memo))
    return lines


def _resolve(s: Session, setting: int | None, code: str, what: str, model: type) -> int:
    if setting is not None:
        return setting
    found = s.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
    if found is None:
        raise ValidationError(f"no {what} is set for revaluations and the standard {code} does not exist: set one")
    return int(found)


class RevaluationService(GuardedService):
    def __init__(
        self,
        engine: object,
        ctx: UserContext,
        facts: PostingFacts | None = None,
        sources: Sequence[OpenBalanceSource] = OPEN_BALANCE_SOURCES,
    ) -> None:
        super().__init__(engine, ctx)  # type: ignore[arg-type]
        self.facts = facts
        self.sources = tuple(sources)

    def _plan(self, s: Session, day: date) -> Revaluation:
        base = s.execute(select(CompanySettings.base_currency)).scalar_one()
        balances: list[OpenBalance] = []
        for source in self.sources:
            self.ctx.require(source.permission)
            balances.extend(source.balances(s, day, base))
        rates = {c: rate_on(s, c, day, base) for c in sorted({b.currency for b in balances})}
        return Revaluation(day, base, revalue_items(balances, rates, base), rates)

    def preview(self, day: date) -> Revaluation:
        """What `revalue(day)` would post, without posting (a dry run)."""
        with self._read(Permission.LEDGER_VIEW) as s:
            return self._plan(s, day)

    def revalue(self, day: date) -> tuple[RevaluationResult, Changes]:
        """Post the revaluation of `day` and its reversal dated the next day, in one transaction."""
        with self._unit(Permission.ENTRY_POST) as s:
            done = s.execute(select(FxRevaluation).where(FxRevaluation.day == day)).scalar_one_or_none()
            if done is not None:
                numbers = dict(
                    s.execute(
                        select(JournalEntry.id, JournalEntry.number).where(
                            JournalEntry.id.in_((done.entry_id, done.reversal_entry_id))
                        )
                    ).all()
                )
                raise ConflictError(
                    f"{day} is already revalued (entry {numbers.get(done.entry_id)}, reversed by "
                    f"{numbers.get(done.reversal_entry_id)}); a day is revalued once"
                )
            plan = self._plan(s, day)
            settings = s.execute(select(FxSettings)).scalar_one_or_none()
            lines = entry_lines(
                plan,
                _resolve(
                    s, settings and settings.unrealised_gain_account_id, STANDARD_GAIN_ACCOUNT, "gain account", Account
                ),
                _resolve(
                    s, settings and settings.unrealised_loss_account_id, STANDARD_LOSS_ACCOUNT, "loss account", Account
                ),
            )
            if not lines:
                return RevaluationResult(day, None, None, plan), Changes()
            journal_id = _resolve(s, settings and settings.journal_id, STANDARD_JOURNAL, "journal", Journal)
            poster = Poster(s, self.ctx, self.facts, day=day)
            memo = f"Revaluation of open foreign balances at {day}"
            entry = PreparedEntry(journal_id, day, lines, memo=memo, source=REVALUATION_SOURCE)
            poster.check(entry)
            poster.write([entry])
            reversal = PreparedEntry(
                journal_id,
                day + timedelta(days=1),
                [ln.negated() for ln in lines],
                memo=f"Reversal of the revaluation at {day}",
                reference=entry.number,
                source=REVALUATION_SOURCE,
                reversal_of_id=entry.id,
            )
            poster.check(reversal)
            poster.write([reversal])
            original = s.get(JournalEntry, entry.id)
            assert original is not None
            s.refresh(original)
            original.state = EntryState.REVERSED
            original.reversed_by_id = reversal.id
            s.add(
                FxRevaluation(
                    day=day,
                    entry_id=entry.id,
                    reversal_entry_id=reversal.id,
                    created_by=self.ctx.user_id,
                    created_at=self.ctx.clock.now(),
                )
            )
            s.flush()
            exponent = currency_exponent(plan.base_currency)
            trail.record(
                s,
                self.ctx,
                "revalue",
                "fx_revaluation",
                str(day),
                after={
                    "entry": entry.number,
                    "reversal": reversal.number,
                    "rates": {c: rate_text(r) for c, r in plan.rates.items()},
                    "difference": str(from_minor(plan.total, exponent)),
                },
            )
        return RevaluationResult(day, entry.number, reversal.number, plan), Changes.of(Kind.ENTRIES)

    def update_settings(self, gain_account: str, loss_account: str, journal: str = STANDARD_JOURNAL) -> Changes:
        """Name the unrealised gain and loss accounts and the journal of revaluations (`company.manage`)."""
        with self._unit(Permission.COMPANY_MANAGE) as s:
            poster = Poster(s, self.ctx, self.facts)
            ids = []
            for code in (gain_account, loss_account):
                problem = poster.account_problem(code)
                if problem:
                    raise ValidationError(problem)
                ids.append(poster.accounts[code].id)
            journal_id = poster.journal(journal)[0]
            row = s.execute(select(FxSettings)).scalar_one_or_none()
            before = None
            if row is None:
                row = FxSettings(id=1)
                s.add(row)
            else:
                before = {"gain": row.unrealised_gain_account_id, "loss": row.unrealised_loss_account_id}
            row.unrealised_gain_account_id, row.unrealised_loss_account_id, row.journal_id = ids[0], ids[1], journal_id
            s.flush()
            trail.record(
                s,
                self.ctx,
                "update",
                "fx_settings",
                1,
                before=before,
                after={"gain": gain_account, "loss": loss_account, "journal": journal},
            )
        return Changes.of(Kind.COMPANY)

    def posted(self, day: date) -> tuple[str, str] | None:
        """The entry and reversal numbers of the revaluation of `day`, if it was posted."""
        with self._read(Permission.LEDGER_VIEW) as s:
            done = s.execute(select(FxRevaluation).where(FxRevaluation.day == day)).scalar_one_or_none()
            if done is None:
                return None
            numbers = dict(
                s.execute(
                    select(JournalEntry.id, JournalEntry.number).where(
                        JournalEntry.id.in_((done.entry_id, done.reversal_entry_id))
                    )
                ).all()
            )
            return numbers[done.entry_id], numbers[done.reversal_entry_id]

    def revaluation_report(self, day: date, revaluation: Revaluation | None = None) -> Report:
        """Per currency and document: open amount, carried base, rate, revalued base, difference."""
        with self._read(Permission.LEDGER_VIEW) as s:
            plan = revaluation or self._plan(s, day)
            company = s.execute(select(CompanySettings.name)).scalar_one()
        posted = self.posted(day)
        return revaluation_report(plan, company, posted)


def revaluation_report(plan: Revaluation, company: str = "", posted: tuple[str, str] | None = None) -> Report:
    base = plan.base_currency
    exponent = currency_exponent(base)
    columns = (
        Column("currency", "Currency"),
        Column("source", "Source"),
        Column("document", "Document"),
        Column("party", "Party"),
        Column("open_amount", "Open amount", ColumnKind.TEXT),
        Column("carried_base", f"Carried ({base})", ColumnKind.MONEY),
        Column("rate", "Closing rate"),
        Column("revalued_base", f"Revalued ({base})", ColumnKind.MONEY),
        Column("difference", "Difference", ColumnKind.MONEY),
    )

    def money(units: int) -> Decimal:
        return from_minor(units, exponent)

    rows: list[ReportRow] = []
    for currency in sorted(plan.rates):
        mine = [r for r in plan.items if r.item.currency == currency]
        units_exp = currency_exponent(currency)
        for r in mine:
            rows.append(
                ReportRow(
                    (
                        currency,
                        r.item.source,
                        r.item.document,
                        r.item.party,
                        f"{from_minor(r.item.open_units, units_exp)} {currency}",
                        money(r.item.carried_base),
                        rate_text(r.rate),
                        money(r.revalued_base),
                        money(r.difference),
                    )
                )
            )
        rows.append(
            ReportRow(
                (
                    currency,
                    "",
                    "",
                    f"Total {currency}",
                    f"{from_minor(sum(r.item.open_units for r in mine), units_exp)} {currency}",
                    money(sum(r.item.carried_base for r in mine)),
                    rate_text(plan.rates[currency]),
                    money(sum(r.revalued_base for r in mine)),
                    money(sum(r.difference for r in mine)),
                ),
                RowStyle.SUBTOTAL,
            )
        )
    total = ReportRow(
        (
            "",
            "",
            "",
            "Total",
            "",
            money(sum(r.item.carried_base for r in plan.items)),
            "",
            money(sum(r.revalued_base for r in plan.items)),
            money(plan.total),
        ),
        RowStyle.TOTAL,
    )
    subtitle = f"Open foreign balances at the closing rates of {plan.day}"
    if posted:
        subtitle += f" · posted as {posted[0]}, reversed by {posted[1]}"
    return Report(
        "Foreign currency revaluation",
        columns,
        tuple(rows),
        subtitle=subtitle,
        company=company,
        currency=base,
        exponent=exponent,
        totals=(total,),
        meta={"day": plan.day, "rates": dict(plan.rates), "difference": money(plan.total), "posted": posted},
    )
