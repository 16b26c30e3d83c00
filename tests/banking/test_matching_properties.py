"""The issue's property: a generated statement of payments against generated invoices is fully and
correctly matched when the references are present.

Hypothesis builds invoices for a few customers and a statement that pays some of them: one line per
invoice, one line for several invoices of one customer (a batch), or two lines for one invoice
(instalments), each line's text naming its invoices in one of the usual spellings; plus noise lines (fees,
interest) and invoices left open. Every payment must come back as exactly its lines and its invoices,
the noise and the open invoices untouched, nothing used twice, and the same answer every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paksa_desktop.banking.matching import ItemSource, MatchKind, OpenItem, match
from paksa_desktop.banking.statement_data import StatementLine

CUSTOMERS = ["Acme Trading Ltd", "Müller GmbH & Co. KG", "Société Générale S.A.", "Northwind Inc."]
START = date(2024, 1, 1)


@dataclass(frozen=True)
class Statement:
    items: list[OpenItem]
    lines: list[StatementLine]
    payments: dict[frozenset[int], frozenset[str]]  # line positions -> the invoice numbers they pay
    noise: frozenset[int]


def spell(style: int, number: str) -> str:
    head, year, seq = number.split("-")
    return [
        number,
        f"{head} {year} {seq}",
        f"{head.lower()}{year}{seq}",
        f"PAYMENT {head}/{year}/{seq} THANK YOU",
    ][style]


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    n = draw(st.integers(1, 24))
    seqs = draw(st.lists(st.integers(1, 9999), min_size=n, max_size=n, unique=True))
    items = []
    for seq in seqs:
        who = draw(st.integers(0, len(CUSTOMERS) - 1))
        due = START + timedelta(days=draw(st.integers(0, 300)))
        cents = draw(st.integers(1, 5_000_000))
        items.append(
            OpenItem(
                source=ItemSource.RECEIVABLE,
                id=seq,
                number=f"INV-2024-{seq:04d}",
                amount=Decimal(cents) / 100,
                currency="EUR",
                date=due - timedelta(days=30),
                due=due,
                counterparty=CUSTOMERS[who],
                counterparty_account=f"GB{who + 10}PAKS{who:014d}",
            )
        )

    def paying(group: list[OpenItem], amount: Decimal) -> StatementLine:
        first = group[0]
        text = " ".join(spell(draw(st.integers(0, 3)), item.number) for item in group)
        in_reference = draw(st.booleans())
        return StatementLine(
            booked=first.due + timedelta(days=draw(st.integers(-5, 5))),  # type: ignore[operator]
            amount=amount,
            reference=text if in_reference else "",
            description="" if in_reference else text,
            counterparty=draw(st.sampled_from(["", first.counterparty, first.counterparty.upper()])),
            counterparty_account=draw(st.sampled_from(["", first.counterparty_account])),
        )

    lines: list[StatementLine] = []
    payments: list[tuple[list[int], frozenset[str]]] = []
    planned: set[int] = set()
    for i, item in enumerate(items):
        if i in planned:
            continue
        planned.add(i)
        kind = draw(st.sampled_from(["single", "batch", "instalments", "open"]))
        if kind == "batch":
            mates = [j for j, other in enumerate(items) if j not in planned and other.counterparty == item.counterparty]
            mates = mates[: draw(st.integers(1, 2))]
            planned.update(mates)
            group = [item, *(items[j] for j in mates)]
            payments.append(([len(lines)], frozenset(g.number for g in group)))
            lines.append(paying(group, sum((g.amount for g in group), Decimal(0))))
        elif kind == "instalments" and item.amount >= Decimal("0.02"):
            cents = int(item.amount * 100)
            part = Decimal(draw(st.integers(1, cents - 1))) / 100
            payments.append(([len(lines), len(lines) + 1], frozenset({item.number})))
            lines.append(paying([item], part))
            lines.append(paying([item], item.amount - part))
        elif kind != "open":
            payments.append(([len(lines)], frozenset({item.number})))
            lines.append(paying([item], item.amount))

    noise_start = len(lines)
    for _ in range(draw(st.integers(0, 5))):
        lines.append(
            StatementLine(
                booked=START + timedelta(days=draw(st.integers(0, 330))),
                amount=-Decimal(draw(st.integers(1, 100_000))) / 100,
                description=draw(st.sampled_from(["BANK FEE", "INTEREST", "CARD 4471 FUEL"])),
                counterparty=draw(st.sampled_from(["", "Paksa Bank"])),
            )
        )
    order = draw(st.permutations(range(len(lines))))  # statement order is the bank's, not ours
    position = {old: new for new, old in enumerate(order)}
    return Statement(
        items=items,
        lines=[lines[old] for old in order],
        payments={frozenset(position[n] for n in ns): numbers for ns, numbers in payments},
        noise=frozenset(position[n] for n in range(noise_start, len(lines))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_payments_naming_their_invoices_are_all_matched_exactly(statement: Statement) -> None:
    proposals = match(statement.lines, statement.items, currency="EUR")

    found = {frozenset(p.line_indices): frozenset(i.number for i in p.items) for p in proposals}
    assert found == statement.payments
    for proposal in proposals:
        assert proposal.difference == 0
        assert proposal.score >= 75  # amount and reference at least
        assert proposal.reasons[0] in (
            "amount equal",
            f"amount equals the sum of {len(proposal.items)} invoices",
            f"{len(proposal.lines)} payments add up to the amount",
        )
        expected_kind = (
            MatchKind.MANY_TO_ONE
            if len(proposal.lines) > 1
            else MatchKind.ONE_TO_MANY
            if len(proposal.items) > 1
            else MatchKind.ONE_TO_ONE
        )
        assert proposal.kind is expected_kind

    used_lines = [n for p in proposals for n in p.line_indices]
    used_items = [i.number for p in proposals for i in p.items]
    assert len(used_lines) == len(set(used_lines))
    assert len(used_items) == len(set(used_items))
    assert statement.noise.isdisjoint(used_lines)

    assert match(statement.lines, list(reversed(statement.items)), currency="EUR") == proposals
