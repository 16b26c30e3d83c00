"""The matching engine on worked examples: each kind of match, each reason, the noise it must tolerate,
the one-key accept and determinism. Reads like a statement: `line(...)` against `invoice(...)`."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from paksa_desktop.banking.candidates import Candidates, InMemoryCandidates, gather
from paksa_desktop.banking.matching import (
    ItemSource,
    MatchKind,
    MatchSettings,
    OpenItem,
    Proposal,
    accept_above,
    match,
)
from paksa_desktop.banking.normalise import account_key, name_key, number_key, same_name
from paksa_desktop.banking.statement_data import StatementLine

DUE = date(2024, 3, 31)
ACME_IBAN = "DE89 3704 0044 0532 0130 00"


def invoice(
    number: str,
    amount: str,
    *,
    id: int | None = None,
    customer: str = "Acme Trading Ltd",
    iban: str = "",
    due: date = DUE,
    currency: str = "EUR",
    reference: str = "",
) -> OpenItem:
    return OpenItem(
        source=ItemSource.RECEIVABLE,
        id=id if id is not None else number,
        number=number,
        amount=Decimal(amount),
        currency=currency,
        date=due - timedelta(days=30),
        due=due,
        counterparty=customer,
        counterparty_account=iban,
        reference=reference,
    )


def bill(number: str, amount: str, *, supplier: str = "Office Supply S.A.", due: date = DUE) -> OpenItem:
    return OpenItem(
        ItemSource.PAYABLE, number, number, -Decimal(amount), "EUR", due - timedelta(days=30), due, supplier
    )


def gl_line(id: int, amount: str, on: date = DUE, label: str = "") -> OpenItem:
    return OpenItem(ItemSource.GL, id, f"JE-{id}", Decimal(amount), "EUR", on, None, label=label)


def line(
    amount: str,
    text: str = "",
    *,
    reference: str = "",
    payer: str = "",
    iban: str = "",
    on: date = DUE,
) -> StatementLine:
    return StatementLine(
        booked=on,
        amount=Decimal(amount),
        description=text,
        reference=reference,
        counterparty=payer,
        counterparty_account=iban,
    )


def only(proposals: list[Proposal]) -> Proposal:
    assert len(proposals) == 1, [(p.kind, p.explanation) for p in proposals]
    return proposals[0]


def numbers(proposal: Proposal) -> list[str]:
    return [item.number for item in proposal.items]


# --- normalisation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "key"),
    [
        ("INV-2024-0113", "INV20240113"),
        ("INV 2024 0113", "INV20240113"),
        ("inv20240113", "INV20240113"),
        ("Inv/2024/0113", "INV20240113"),
        ("113", ""),  # too short to name anything
        ("RENT", ""),  # no digit: a word, not a number
    ],
)
def test_number_keys_ignore_case_spacing_and_punctuation(spelled: str, key: str) -> None:
    assert number_key(spelled) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Trading Ltd", "ACME TRADING"),
        ("Acme Trading Ltd.", "acme trading limited"),
        ("Müller GmbH & Co. KG", "MULLER"),
        ("Société Générale S.A.", "SOCIETE GENERALE"),
        ("Northwind Traders Incorporated", "NORTHWIND TRADE"),  # cut short by the bank
    ],
)
def test_names_compare_without_case_accents_or_legal_forms(a: str, b: str) -> None:
    assert same_name(name_key(a), name_key(b))


def test_different_names_and_short_prefixes_differ() -> None:
    assert not same_name(name_key("Acme Trading"), name_key("Acme Tools"))
    assert not same_name(name_key("Acme Trading"), name_key("Ac"))
    assert not same_name(name_key(""), name_key(""))


def test_iban_compares_without_spaces() -> None:
    assert account_key("de89 3704 0044 0532 0130 00") == account_key("DE89370400440532013000")


# --- one-to-one and each reason -------------------------------------------------------------------------


def test_one_to_one_with_every_reason_scores_100() -> None:
    items = [invoice("INV-2024-0113", "100.00", iban=ACME_IBAN), invoice("INV-2024-0114", "100.00")]
    lines = [line("100.00", reference="INV-2024-0113", payer="ACME TRADING", iban="DE89370400440532013000")]

    proposal = only(match(lines, items, currency="EUR"))

    assert proposal.kind is MatchKind.ONE_TO_ONE
    assert proposal.line_indices == (0,)
    assert numbers(proposal) == ["INV-2024-0113"]
    assert proposal.score == 100
    assert proposal.reasons == (
        "amount equal",
        "invoice INV-2024-0113 in reference",
        "same IBAN",
        "booked on the due date",
    )
    assert proposal.difference == 0


@pytest.mark.parametrize(
    "text",
    [
        "INV-2024-0113",
        "INV 2024 0113",
        "inv20240113",
        "PAYMENT FOR INVOICE INV/2024/0113 THANK YOU",
        "PAYMENTINV20240113",
    ],
)
def test_reference_tolerates_the_usual_noise(text: str) -> None:
    items = [invoice("INV-2024-0113", "100.00"), invoice("INV-2024-0131", "100.00")]
    proposal = only(match([line("100.00", text)], items))
    assert numbers(proposal) == ["INV-2024-0113"]
    assert "invoice INV-2024-0113 in reference" in proposal.reasons


def test_digits_alone_name_the_item_less_strongly() -> None:
    items = [invoice("INV-2024-0113", "100.00"), invoice("INV-2024-0131", "100.00")]
    proposal = only(match([line("100.00", "2024/0113", on=DUE + timedelta(days=30))], items))
    assert numbers(proposal) == ["INV-2024-0113"]
    assert proposal.reasons == ("amount equal", "digits of invoice INV-2024-0113 in reference")
    assert proposal.score == 35 + 30


def test_number_spelled_in_full_does_not_name_another_item_with_the_same_digits() -> None:
    items = [invoice("INV-2024-0113", "100.00"), invoice("CRN-2024-0113", "100.00", customer="Other")]
    proposal = only(match([line("100.00", "INV-2024-0113")], items))
    assert numbers(proposal) == ["INV-2024-0113"]
    assert proposal.score == 35 + 40 + 10


def test_payment_reference_of_the_item_counts_as_naming_it() -> None:
    items = [invoice("INV-2024-0113", "100.00", reference="RF18 5390 0754 7034")]
    proposal = only(match([line("100.00", reference="RF18539007547034")], items))
    assert "invoice INV-2024-0113 in reference" in proposal.reasons


def test_same_counterparty_by_name_scores_less_than_by_iban() -> None:
    items = [invoice("INV-1001", "250.00", customer="Müller GmbH", due=DUE)]
    proposal = only(match([line("250.00", payer="MULLER", on=DUE + timedelta(days=3))], items))
    assert proposal.reasons == ("amount equal", "same counterparty", "booked 3 days after the due date")
    assert proposal.score == 35 + 10 + 10


def test_date_outside_the_window_earns_nothing_and_the_window_is_a_setting() -> None:
    items = [invoice("INV-1001", "250.00", iban=ACME_IBAN)]
    lines = [line("250.00", iban=ACME_IBAN, on=DUE - timedelta(days=12))]
    assert only(match(lines, items)).reasons == ("amount equal", "same IBAN")
    wide = only(match(lines, items, settings=MatchSettings(date_window_days=14)))
    assert wide.reasons[-1] == "booked 12 days before the due date"
    assert wide.score == 35 + 15 + 10


def test_gl_line_is_matched_on_amount_and_entry_date() -> None:
    proposal = only(match([line("-42.10", "CARD FUEL", on=DUE + timedelta(days=1))], [gl_line(7, "-42.10")]))
    assert proposal.items[0].source is ItemSource.GL
    assert proposal.reasons == ("amount equal", "booked 1 day after the GL line date")


def test_amount_alone_is_a_weak_proposal_below_the_accept_threshold() -> None:
    proposals = match([line("-42.10", on=DUE + timedelta(days=60))], [gl_line(7, "-42.10")])
    assert [(p.score, p.reasons) for p in proposals] == [(35, ("amount equal",))]
    assert accept_above(proposals, MatchSettings().accept_threshold) == []
    assert (
        match(
            [line("-42.10", on=DUE + timedelta(days=60))], [gl_line(7, "-42.10")], settings=MatchSettings(min_score=40)
        )
        == []
    )


def test_partial_payment_naming_the_invoice_is_proposed_with_a_penalty() -> None:
    items = [invoice("INV-2024-0113", "100.00", iban=ACME_IBAN)]
    proposal = only(match([line("40.00", "INV-2024-0113", iban=ACME_IBAN)], items))
    assert proposal.kind is MatchKind.ONE_TO_ONE
    assert "partial amount: 40.00 of 100.00" in proposal.reasons
    assert proposal.score == 40 - 15 + 15 + 10
    assert proposal.difference == Decimal("-60.00")


def test_overpayment_naming_the_invoice_says_the_amount_differs() -> None:
    items = [invoice("INV-2024-0113", "100.00", iban=ACME_IBAN)]
    proposal = only(match([line("120.00", "INV-2024-0113", iban=ACME_IBAN)], items))
    assert "amount differs: 120.00 against 100.00" in proposal.reasons
    assert proposal.score == 40 - 25 + 15 + 10


def test_item_in_another_currency_is_penalised() -> None:
    items = [invoice("INV-2024-0113", "100.00", currency="USD", iban=ACME_IBAN)]
    proposal = only(match([line("100.00", "INV-2024-0113", iban=ACME_IBAN)], items, currency="EUR"))
    assert "different currency (USD)" in proposal.reasons
    assert "amount equal" not in proposal.reasons
    assert proposal.score == 40 - 30 + 15 + 10


def test_tied_candidates_lose_points_and_say_so() -> None:
    items = [invoice("INV-1001", "80.00", iban=ACME_IBAN), invoice("INV-1002", "80.00", iban=ACME_IBAN)]
    proposal = only(match([line("80.00", iban=ACME_IBAN)], items))
    assert proposal.reasons[-1] == "1 other equally good proposal"
    assert proposal.score == 35 + 15 + 10 - 10
    assert numbers(proposal) == ["INV-1001"]  # the tie goes to the item order, every time


def test_bill_paid_by_a_negative_line() -> None:
    proposal = only(match([line("-300.00", "BILL-77001", payer="OFFICE SUPPLY SA")], [bill("BILL-77001", "300.00")]))
    assert proposal.reasons[:2] == ("amount equal", "bill BILL-77001 in reference")
    assert proposal.score == 100 - 5  # by name, not IBAN


# --- one-to-many ---------------------------------------------------------------------------------------


def test_one_payment_of_several_named_invoices() -> None:
    items = [
        invoice("INV-2024-0113", "100.00", iban=ACME_IBAN),
        invoice("INV-2024-0114", "50.00", iban=ACME_IBAN),
        invoice("INV-2024-0115", "25.50", iban=ACME_IBAN),
        invoice("INV-2024-0116", "50.00", iban=ACME_IBAN),
    ]
    lines = [line("175.50", "INV-2024-0113, INV 2024 0114 / inv20240115", iban=ACME_IBAN)]

    proposal = only(match(lines, items))

    assert proposal.kind is MatchKind.ONE_TO_MANY
    assert numbers(proposal) == ["INV-2024-0113", "INV-2024-0114", "INV-2024-0115"]
    assert proposal.reasons == (
        "amount equals the sum of 3 invoices",
        "invoices INV-2024-0113, INV-2024-0114, INV-2024-0115 in reference",
        "same IBAN",
        "booked within 7 days of the due dates",
    )
    assert proposal.score == 100


def test_one_payment_of_several_unnamed_invoices_of_the_same_customer() -> None:
    items = [
        invoice("INV-1", "100.00", iban=ACME_IBAN),
        invoice("INV-2", "70.00", iban=ACME_IBAN),
        invoice("INV-3", "45.00", iban=ACME_IBAN),
        invoice("INV-4", "70.00", customer="Someone Else"),
    ]
    proposal = only(match([line("145.00", iban=ACME_IBAN)], items))
    assert proposal.kind is MatchKind.ONE_TO_MANY
    assert numbers(proposal) == ["INV-1", "INV-3"]
    assert proposal.reasons == (
        "amount equals the sum of 2 invoices",
        "same IBAN",
        "booked within 7 days of the due dates",
    )


def test_batch_preferring_the_named_invoices() -> None:
    # 60 + 40 and 70 + 30 both make 100: the reference decides.
    items = [
        invoice("INV-2024-0001", "60.00", iban=ACME_IBAN),
        invoice("INV-2024-0002", "40.00", iban=ACME_IBAN),
        invoice("INV-2024-0003", "70.00", iban=ACME_IBAN),
        invoice("INV-2024-0004", "30.00", iban=ACME_IBAN),
    ]
    proposal = only(match([line("100.00", "INV-2024-0003 INV-2024-0004", iban=ACME_IBAN)], items))
    assert numbers(proposal) == ["INV-2024-0003", "INV-2024-0004"]
    assert proposal.score == 100


def test_batch_payment_run_of_bills() -> None:
    run = OpenItem(ItemSource.PAYABLE, 9, "RUN-2024-0012", Decimal("-1234.56"), "EUR", DUE, DUE, label="payment run")
    proposal = only(match([line("-1234.56", "SEPA BATCH RUN-2024-0012")], [run]))
    assert proposal.reasons[:2] == ("amount equal", "payment run RUN-2024-0012 in reference")


# --- many-to-one ---------------------------------------------------------------------------------------


def test_instalments_naming_the_invoice() -> None:
    items = [invoice("INV-2024-0113", "1000.00", iban=ACME_IBAN)]
    lines = [
        line("400.00", "INV-2024-0113 1/2", iban=ACME_IBAN, on=DUE),
        line("17.00", "BANK CHARGES"),
        line("600.00", "INV-2024-0113 2/2", iban=ACME_IBAN, on=DUE + timedelta(days=5)),
    ]
    proposal = only(match(lines, items))
    assert proposal.kind is MatchKind.MANY_TO_ONE
    assert proposal.line_indices == (0, 2)
    assert proposal.reasons == (
        "2 payments add up to the amount",
        "invoice INV-2024-0113 in reference",
        "same IBAN",
        "booked within 7 days of the due dates",
    )
    assert proposal.score == 100


def test_instalments_without_reference_from_the_same_payer() -> None:
    items = [invoice("INV-9", "900.00", iban=ACME_IBAN), invoice("INV-10", "500.00", customer="Other")]
    lines = [line("300.00", iban=ACME_IBAN), line("600.00", iban=ACME_IBAN)]
    proposal = only(match(lines, items))
    assert proposal.kind is MatchKind.MANY_TO_ONE
    assert numbers(proposal) == ["INV-9"]
    assert proposal.reasons == ("2 payments add up to the amount", "same IBAN", "booked within 7 days of the due dates")


def test_instalments_where_only_one_names_the_invoice() -> None:
    items = [invoice("INV-2024-0113", "1000.00", iban=ACME_IBAN)]
    lines = [line("400.00", "INV-2024-0113", iban=ACME_IBAN), line("600.00", "REST", iban=ACME_IBAN)]
    proposal = only(match(lines, items))
    assert proposal.kind is MatchKind.MANY_TO_ONE
    assert "invoice INV-2024-0113 in reference of 1 of 2 payments" in proposal.reasons
    assert proposal.score == 35 + 20 + 15 + 10


# --- selection, accept, sources -----------------------------------------------------------------------


def test_each_line_and_item_used_once_best_score_first() -> None:
    items = [invoice("INV-2024-0113", "100.00", iban=ACME_IBAN), invoice("INV-2024-0200", "100.00")]
    lines = [
        line("100.00", iban=ACME_IBAN),  # amount + IBAN: could be INV-2024-0113 ...
        line("100.00", "INV-2024-0113", iban=ACME_IBAN),  # ... but this one names it
    ]
    proposals = match(lines, items)
    by_line = {p.line_indices: numbers(p) for p in proposals}
    assert by_line[(1,)] == ["INV-2024-0113"]
    assert by_line.get((0,)) == ["INV-2024-0200"]  # what is left: amount only, near the due date
    used = [n for p in proposals for n in p.items]
    assert len(used) == len(set(used))


def test_accept_above_takes_the_confident_ones_only() -> None:
    items = [invoice("INV-2024-0113", "100.00", iban=ACME_IBAN), gl_line(5, "-9.99")]
    lines = [line("100.00", "INV-2024-0113", iban=ACME_IBAN), line("-9.99", "FEE")]
    proposals = match(lines, items)
    assert [p.score for p in proposals] == [100, 45]
    accepted = accept_above(proposals, MatchSettings().accept_threshold)
    assert [p.line_indices for p in accepted] == [(0,)]
    assert accept_above(proposals, 45) == proposals
    assert accept_above(proposals, 101) == []


def test_accept_above_never_books_a_line_or_item_twice() -> None:
    item = invoice("INV-2024-0113", "100.00")
    a = Proposal(MatchKind.ONE_TO_ONE, (0,), (line("100.00"),), (item,), 90, ("amount equal",))
    b = Proposal(MatchKind.ONE_TO_ONE, (1,), (line("100.00"),), (item,), 95, ("amount equal",))
    c = Proposal(MatchKind.ONE_TO_ONE, (1,), (line("100.00"),), (gl_line(1, "100.00"),), 85, ("amount equal",))
    assert accept_above([a, b, c], 80) == [b]


def test_in_memory_sources_plug_in_through_the_protocol() -> None:
    receivables = InMemoryCandidates(
        [invoice("INV-2024-0113", "100.00"), invoice("INV-2025-0001", "5.00", due=date(2025, 2, 1))]
    )
    ledger = InMemoryCandidates([gl_line(3, "-9.99")])
    sources: list[Candidates] = [receivables, ledger]
    assert all(isinstance(s, Candidates) for s in sources)

    items = gather(sources, "EUR", DUE)

    assert [i.number for i in items] == [
        "JE-3",
        "INV-2024-0113",
    ]  # GL first ("gl" < "receivable"), future items left out
    proposals = match([line("100.00", "INV-2024-0113"), line("-9.99")], items, currency="EUR")
    assert [numbers(p) for p in proposals] == [["INV-2024-0113"], ["JE-3"]]


def test_same_answer_whatever_order_the_items_come_in() -> None:
    rng = random.Random(7)
    items = [invoice(f"INV-{n:05d}", f"{rng.randrange(1, 50)}.00", iban=ACME_IBAN if n % 3 else "") for n in range(60)]
    lines = [
        line(f"{rng.randrange(1, 50)}.00", f"INV-{rng.randrange(60):05d}" if n % 2 else "", iban=ACME_IBAN)
        for n in range(40)
    ]
    first = match(lines, items)
    assert first  # the example is worth checking
    for _ in range(5):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert match(lines, shuffled) == first


def test_a_payer_with_hundreds_of_open_items_is_searched_near_the_booking_date() -> None:
    # 300 invoices of one customer, a week apart; the line pays the two due around its booking date.
    items = [
        invoice(f"INV-{n:05d}", f"{100 + n}.00", iban=ACME_IBAN, due=DUE + timedelta(days=7 * (n - 150)))
        for n in range(300)
    ]
    paid = [items[150], items[151]]
    on = DUE + timedelta(days=3)
    proposal = only(match([line(str(sum(i.amount for i in paid)), iban=ACME_IBAN, on=on)], items))
    assert proposal.kind is MatchKind.ONE_TO_MANY
    assert numbers(proposal) == ["INV-00150", "INV-00151"]
