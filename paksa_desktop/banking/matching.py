"""The bank matching engine: statement lines against open items, as scored, explained proposals.

Pure: no database, no Qt. The caller gathers open items from its `Candidates` sources (receivables,
payables, GL lines), calls `match`, shows the proposals with their score and reasons, and books the ones
the clerk accepts (`accept_above` for the one-key accept of everything above a threshold).

How it stays fast: items are indexed once by the keys of their numbers and payment references, by
amount and by counterparty (IBAN and name), so each line looks up its few candidates instead of
scanning every item; subset search (a payment of several invoices, instalments of one) only combines a
line's referenced and same-counterparty candidates, at most `max_pool` of them, `max_group` at a time.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from paksa_desktop.banking.candidates import Candidates, InMemoryCandidates, ItemSource, OpenItem, gather
from paksa_desktop.banking.normalise import (
    account_key,
    digit_pieces,
    key_of,
    name_key,
    pieces,
    text_keys,
)
from paksa_desktop.banking.scoring import (
    AMBIGUOUS,
    AMOUNT_EQUAL,
    REFERENCE,
    Hit,
    ItemView,
    LineView,
    MatchKind,
    MatchSettings,
    Proposal,
    score,
)
from paksa_desktop.banking.statement_data import StatementLine

__all__ = [
    "Candidates",
    "InMemoryCandidates",
    "ItemSource",
    "MatchKind",
    "MatchSettings",
    "OpenItem",
    "Proposal",
    "accept_above",
    "gather",
    "match",
]

# Subset search gives up on one line or item after visiting this many partial sums.
_SEARCH_BUDGET = 4_000
_MAX_SOLUTIONS = 6
# A line naming more items than this (a customer reference shared by a whole account) is not a batch.
_MAX_NAMED_BATCH = 30


class _ItemIndex:
    """The open items, in a fixed order, indexed by reference key, amount and counterparty."""

    def __init__(self, items: Iterable[OpenItem]) -> None:
        ordered = sorted(items, key=lambda item: item.sort_key)
        self.views = [
            ItemView(i, item, name_key(item.counterparty), account_key(item.counterparty_account))
            for i, item in enumerate(ordered)
        ]
        self.by_key: dict[str, list[tuple[int, Hit]]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[int]] = defaultdict(list)
        self.by_account: dict[str, list[int]] = defaultdict(list)  # sorted by due date below
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.digits: dict[int, str] = {}
        self.starts: set[str] = set()
        self.max_pieces = 1
        for view in self.views:
            item = view.item
            number = pieces(item.number)
            digits = digit_pieces(number)
            self.digits[view.index] = "".join(digits)
            keyed = [(number, Hit.NUMBER, key_of(number))]
            for text in (item.reference, *item.references):
                if text:
                    reference = pieces(text)
                    keyed.append((reference, Hit.REFERENCE, key_of(reference)))
            keyed.append((digits, Hit.DIGITS, "".join(digits)))
            for parts, hit, key in keyed:
                if key:
                    self.by_key[key].append((view.index, hit))
                    self.starts.add(parts[0])
                    self.max_pieces = max(self.max_pieces, len(parts))
            self.by_amount[item.amount].append(view.index)
            if view.account:
                self.by_account[view.account].append(view.index)
            if view.name:
                self.by_name[view.name].append(view.index)
        # Each counterparty's items in date order, so a line looks at the nearest few, not at all of them.
        self.day = [(v.item.due or v.item.date).toordinal() for v in self.views]
        for table in (self.by_account, self.by_name):
            for ids in table.values():
                ids.sort(key=lambda i: (self.day[i], i))

    def view_line(self, index: int, line: StatementLine) -> LineView:
        hits: dict[int, Hit] = {}
        text = f"{line.reference} {line.description}"
        for key in text_keys(text, self.starts, self.max_pieces):
            for item_index, hit in self.by_key.get(key, ()):
                if hit > hits.get(item_index, 0):
                    hits[item_index] = hit
        if Hit.DIGITS in hits.values():
            # "INV-2024-0113" in the text names that invoice, not bill BILL-2024-0113 by its digits.
            spelled = {self.digits[i] for i, hit in hits.items() if hit is not Hit.DIGITS}
            hits = {i: hit for i, hit in hits.items() if hit is not Hit.DIGITS or self.digits[i] not in spelled}
        return LineView(index, line, name_key(line.counterparty), account_key(line.counterparty_account), hits)

    def same_party(self, line: LineView, item: int) -> bool:
        view = self.views[item]
        return bool((line.account and line.account == view.account) or (line.name and line.name == view.name))

    def party_near(self, line: LineView, limit: int, keep: Callable[[int], bool] = lambda i: True) -> list[int]:
        """Up to `limit` items of the line's counterparty (by IBAN and by name) that `keep` accepts,
        those due nearest the booking date first: a payer with thousands of open items costs no more
        than one with a dozen."""
        day = line.line.booked.toordinal()
        found: set[int] = set()
        for table, key in ((self.by_account, line.account), (self.by_name, line.name)):
            ids = table.get(key) if key else None
            if not ids:
                continue
            hi = bisect.bisect_left(ids, day, key=lambda i: self.day[i])
            lo = hi - 1
            taken = looked = 0
            while (lo >= 0 or hi < len(ids)) and taken < limit and looked < limit * 8:
                if hi >= len(ids) or (lo >= 0 and day - self.day[ids[lo]] <= self.day[ids[hi]] - day):
                    i, lo = ids[lo], lo - 1
                else:
                    i, hi = ids[hi], hi + 1
                looked += 1
                if i not in found and keep(i):
                    found.add(i)
                    taken += 1
        return sorted(found, key=lambda i: (abs(self.day[i] - day), i))[:limit]


def _subsets(values: Sequence[Decimal], target: Decimal, max_size: int) -> Iterator[tuple[int, ...]]:
    """Positions of 2..max_size `values` (all > 0, sorted descending) adding up to `target`, bounded."""
    suffix = [Decimal(0)] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + values[i]
    budget = _SEARCH_BUDGET
    found = 0
    stack: list[tuple[int, Decimal, tuple[int, ...]]] = [(0, Decimal(0), ())]
    while stack and budget > 0 and found < _MAX_SOLUTIONS:
        start, total, chosen = stack.pop()
        budget -= 1
        for i in range(len(values) - 1, start - 1, -1):  # pushed in reverse: explored in order
            value = values[i]
            new_total = total + value
            if new_total > target or total + suffix[i] < target:
                continue
            picked = (*chosen, i)
            if new_total == target:
                if len(picked) >= 2:
                    found += 1
                    yield picked
            elif len(picked) < max_size:
                stack.append((i + 1, new_total, picked))


class _Proposals:
    """Proposals collected once each (the same lines and items may be found by several routes)."""

    def __init__(self, index: _ItemIndex, currency: str, settings: MatchSettings) -> None:
        self.index = index
        self.currency = currency
        self.settings = settings
        self.found: dict[tuple[tuple[int, ...], tuple[int, ...]], Proposal] = {}

    def add(self, kind: MatchKind, lines: Sequence[LineView], items: Sequence[ItemView]) -> Proposal | None:
        lines = sorted(lines, key=lambda lv: lv.index)
        items = sorted(items, key=lambda iv: iv.index)
        key = (tuple(lv.index for lv in lines), tuple(iv.index for iv in items))
        if key in self.found:
            return self.found[key]
        points, reasons, difference = score(kind, lines, items, self.currency, self.settings)
        if points < self.settings.min_score:
            return None
        proposal = Proposal(
            kind=kind,
            line_indices=key[0],
            lines=tuple(lv.line for lv in lines),
            items=tuple(iv.item for iv in items),
            score=points,
            reasons=reasons,
            difference=difference,
        )
        self.found[key] = proposal
        return proposal


def _same_sign(a: Decimal, b: Decimal) -> bool:
    return (a > 0 and b > 0) or (a < 0 and b < 0)


def _one_line(line: LineView, index: _ItemIndex, out: _Proposals, settings: MatchSettings) -> bool:
    """One-to-one and one-to-many proposals for one line; whether it found a line that is settled
    exactly by an item of the same amount (so it needs no instalment partner)."""
    amount = line.line.amount
    if amount == 0:
        return True
    views = index.views
    equal = index.by_amount.get(amount, ())
    if len(equal) > settings.max_amount_candidates:
        equal = [i for i in equal if i in line.hits or index.same_party(line, i)]
    exact = False
    strong = False
    for i in sorted({*equal, *line.hits}):
        proposal = out.add(MatchKind.ONE_TO_ONE, [line], [views[i]])
        if views[i].item.amount == amount and (not out.currency or views[i].item.currency == out.currency):
            exact = True
            if proposal is not None and proposal.score >= AMOUNT_EQUAL + REFERENCE:
                strong = True
    if strong:
        return True

    def usable(i: int) -> bool:
        item = views[i].item
        return (
            _same_sign(item.amount, amount)
            and abs(item.amount) < abs(amount)
            and (not out.currency or item.currency == out.currency)
        )

    named = sorted(i for i in line.hits if usable(i))
    if 2 <= len(named) <= _MAX_NAMED_BATCH and sum(views[i].item.amount for i in named) == amount:
        out.add(MatchKind.ONE_TO_MANY, [line], [views[i] for i in named])
    pool = named[: settings.max_pool]
    pool += index.party_near(line, settings.max_pool - len(pool), lambda i: i not in line.hits and usable(i))
    if len(pool) >= 2:
        pool.sort(key=lambda i: (-abs(views[i].item.amount), views[i].item.sort_key))
        values = [abs(views[i].item.amount) for i in pool]
        for picked in _subsets(values, abs(amount), settings.max_group):
            out.add(MatchKind.ONE_TO_MANY, [line], [views[pool[p]] for p in picked])
    return exact


def _many_lines(
    groups: Iterable[tuple[list[LineView], list[int]]],
    index: _ItemIndex,
    out: _Proposals,
    settings: MatchSettings,
) -> None:
    """Many-to-one proposals: for each (lines, items) group, subsets of the lines adding up to an item."""
    for lines, item_positions in groups:
        for i in item_positions:
            item = index.views[i].item
            if out.currency and item.currency != out.currency:
                continue
            fitting = [
                lv for lv in lines if _same_sign(lv.line.amount, item.amount) and abs(lv.line.amount) < abs(item.amount)
            ][: settings.max_pool]
            if len(fitting) < 2:
                continue
            fitting.sort(key=lambda lv: (-abs(lv.line.amount), lv.index))
            values = [abs(lv.line.amount) for lv in fitting]
            for picked in _subsets(values, abs(item.amount), settings.max_group):
                out.add(MatchKind.MANY_TO_ONE, [fitting[p] for p in picked], [index.views[i]])


def _select(
    proposals: list[Proposal], keys: list[tuple[tuple[int, ...], tuple[int, ...]]], min_score: int
) -> list[int]:
    """Greedy choice by score, each line and item used once; a proposal still tied with another that
    wants one of its lines or items loses points (the clerk should choose) and both go back in line.

    Ties are judged among proposals still possible at that point, so a line that has already gone to a
    better match does not make the rest look ambiguous. Equal scores go to the smaller match, then the
    earlier line, then the item order: the same input always gives the same answer.
    """
    current = [p.score for p in proposals]
    tied: dict[int, int] = {}
    by_line: dict[int, list[int]] = defaultdict(list)
    by_item: dict[int, list[int]] = defaultdict(list)
    for n, (line_ids, item_ids) in enumerate(keys):
        for x in line_ids:
            by_line[x].append(n)
        for x in item_ids:
            by_item[x].append(n)

    def entry(n: int) -> tuple[int, int, tuple[int, ...], tuple[int, ...], int]:
        return (-current[n], len(keys[n][0]) + len(keys[n][1]), keys[n][0], keys[n][1], n)

    heap = [entry(n) for n in range(len(proposals))]
    heapq.heapify(heap)
    used_lines: set[int] = set()
    used_items: set[int] = set()

    def free(n: int) -> bool:
        return used_lines.isdisjoint(keys[n][0]) and used_items.isdisjoint(keys[n][1])

    chosen: list[int] = []
    while heap:
        neg, *_, n = heapq.heappop(heap)
        if -neg != current[n] or not free(n):
            continue  # stale entry, or beaten to one of its lines or items
        if current[n] < min_score:
            break
        if n not in tied:
            rivals = {
                m
                for x in keys[n][0]
                for m in by_line[x]
                if m != n and m not in tied and current[m] == current[n] and free(m)
            } | {
                m
                for x in keys[n][1]
                for m in by_item[x]
                if m != n and m not in tied and current[m] == current[n] and free(m)
            }
            if rivals:
                for m in (n, *rivals):
                    tied[m] = len(rivals)
                    current[m] += AMBIGUOUS
                    heapq.heappush(heap, entry(m))
                continue
        used_lines.update(keys[n][0])
        used_items.update(keys[n][1])
        chosen.append(n)
    for n, others in tied.items():
        proposal = proposals[n]
        proposals[n] = Proposal(
            kind=proposal.kind,
            line_indices=proposal.line_indices,
            lines=proposal.lines,
            items=proposal.items,
            score=max(0, current[n]),
            reasons=(*proposal.reasons, f"{others} other equally good proposal{'s' if others > 1 else ''}"),
            difference=proposal.difference,
        )
    return chosen


def _party_chunks(
    by_party: dict[str, list[LineView]], index: _ItemIndex, settings: MatchSettings
) -> Iterator[tuple[list[LineView], list[int]]]:
    """A party's lines in date order, `max_pool` at a time, each run with the party's items due nearest."""
    for _, group in sorted(by_party.items()):
        if len(group) < 2:
            continue
        group.sort(key=lambda lv: (lv.line.booked, lv.index))
        size = settings.max_pool
        for start in range(0, len(group), size):
            chunk = group[start : start + size]
            if len(chunk) >= 2:
                yield chunk, index.party_near(chunk[len(chunk) // 2], size)


def match(
    lines: Sequence[StatementLine],
    items: Iterable[OpenItem],
    *,
    settings: MatchSettings | None = None,
    currency: str = "",
) -> list[Proposal]:
    """The best proposals for a statement, each line and each item used at most once.

    `currency` is the bank account's: items in another currency are scored down ("" compares none).
    Proposals are chosen greedily by score; ties go to the smaller match, then the earlier line, then
    the item order (source, id), so the same statement and items always give the same answer whatever
    order the items came in. The result is in statement order.
    """
    settings = settings or MatchSettings()
    index = _ItemIndex(items)
    out = _Proposals(index, currency, settings)
    views = [index.view_line(i, line) for i, line in enumerate(lines)]

    settled: list[bool] = [_one_line(lv, index, out, settings) for lv in views]

    # Instalments naming the item they pay.
    naming: dict[int, list[LineView]] = defaultdict(list)
    for lv in views:
        for i in lv.hits:
            naming[i].append(lv)
    referenced = ((group, [i]) for i, group in sorted(naming.items()) if len(group) >= 2)
    _many_lines(referenced, index, out, settings)
    # Instalments not all naming the item: the same party's unsettled lines against its items.
    by_party: dict[str, list[LineView]] = defaultdict(list)
    for lv, done in zip(views, settled, strict=True):
        if not done and (lv.account or lv.name):
            by_party[lv.account or lv.name].append(lv)
    _many_lines(_party_chunks(by_party, index, settings), index, out, settings)

    keys = list(out.found)
    proposals = list(out.found.values())
    chosen = _select(proposals, keys, settings.min_score)
    chosen.sort(key=lambda n: keys[n])
    return [proposals[n] for n in chosen]


def accept_above(proposals: Iterable[Proposal], threshold: int) -> list[Proposal]:
    """The proposals scoring at least `threshold`: what the clerk's one-key accept books.

    Proposals from `match` never share a line or an item; should a list from elsewhere, the stronger
    (earlier, at equal score) wins and the other is left for the clerk.
    """
    picked: list[Proposal] = []
    used_lines: set[int] = set()
    used_items: set[tuple[str, str, str]] = set()
    ranked = sorted(enumerate(proposals), key=lambda pair: (-pair[1].score, pair[0]))
    for _, proposal in ranked:
        if proposal.score < threshold:
            break
        item_keys = {item.sort_key for item in proposal.items}
        if used_lines.isdisjoint(proposal.line_indices) and used_items.isdisjoint(item_keys):
            used_lines.update(proposal.line_indices)
            used_items.update(item_keys)
            picked.append(proposal)
    picked.sort(key=lambda p: p.line_indices)
    return picked
