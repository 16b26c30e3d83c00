"""Dunning: the level rules, proposing (nothing written), reviewing, issuing with charges, history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.models import JournalEntry
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.commands import AllocationInput, InvoiceInput, InvoiceLineInput, ReceiptInput
from paksa_desktop.receivables.dunning import LevelInput, ProcedureInput
from paksa_desktop.receivables.dunning_rules import Level, interest, next_level
from paksa_desktop.receivables.models import DunningLetter, Invoice
from paksa_desktop.security.permissions import Permission
from tests.conftest import ADMIN_PASSWORD, Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, balance, customer, docs, inv, login_as, rec, sale, with_customer
from tests.receivables.test_invoice_pdf import has_row, page_lines
from tests.security.secured import PASSWORD, Server

LEVELS = (Level(1, 7), Level(2, 21), Level(3, 35))


def day(text: str) -> date:
    return date.fromisoformat(text)


# ---------------------------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("current", "overdue", "since", "expected"),
    [
        (0, 0, None, None),  # not overdue: never dunned
        (0, 6, None, None),  # overdue, but not yet the first level's days
        (0, 7, None, 1),
        (0, 60, None, 1),  # a late first run still starts at level 1
        (1, 22, 1, None),  # level 2's days reached, but only a day after the first letter
        (1, 22, 14, 2),  # 14 days = the gap between levels 1 and 2
        (2, 40, 13, None),
        (2, 40, 14, 3),
        (3, 48, 13, None),  # the last level repeats only after its gap again
        (3, 49, 14, 3),
    ],
)
def test_levels_are_climbed_one_at_a_time_never_before_their_days(
    current: int, overdue: int, since: int | None, expected: int | None
) -> None:
    found = next_level(LEVELS, current, overdue, since)
    assert (found.level if found else None) == expected


def test_interest_is_simple_actual_365_half_even() -> None:
    assert interest(48000, 80000, day("2024-05-01"), day("2024-06-30")) == 631  # 480 x 8 % x 60/365 = 6.312
    assert interest(48000, 80000, day("2024-06-30"), day("2024-06-30")) == 0
    assert interest(100000, 0, day("2024-01-01"), day("2024-12-31")) == 0


# ---------------------------------------------------------------------------------------------- runs


def dun(books: Books):  # type: ignore[no-untyped-def]
    return books.company.dunning(books.ctx)


def procedure(fees: tuple[str, str, str] = ("0", "5.00", "15.00"), rate: str = "0") -> ProcedureInput:
    return ProcedureInput(
        "STD",
        "Standard",
        tuple(
            LevelInput(k, days, f"Level {k} text", D(fee), D(rate))
            for k, (days, fee) in enumerate(zip((7, 21, 35), fees, strict=True), start=1)
        ),
    )


def overdue_books(books: Books) -> dict[str, str]:
    """C001 with invoices due 2024-03-31 and 2024-05-01 and one not yet due; C002 paid up; C003 due soon."""
    with_customer(books)
    ar(books).create_customer(customer("C002", "Paid Up Ltd"))
    ar(books).create_customer(customer("C003", "Not Yet Ltd"))
    n = {
        "old": inv(books).issue(sale(on="2024-03-01"))[0].number,  # due 2024-03-31
        "newer": inv(books).issue(sale(on="2024-04-01"))[0].number,  # due 2024-05-01
        "future": inv(books).issue(sale(on="2024-06-20"), confirm_credit=True)[0].number,  # due 2024-07-20
        "paid": inv(books).issue(sale("C002", "2024-03-01"))[0].number,
        "soon": inv(books).issue(sale("C003", "2024-06-01"))[0].number,  # due 2024-07-01
    }
    rec(books).record(
        ReceiptInput("C002", day("2024-03-15"), D("120.00"), "1100", (AllocationInput(n["paid"], D(120)),))
    )
    return n


def test_a_proposal_writes_nothing_and_skips_what_is_not_due_or_settled(books: Books) -> None:
    n = overdue_books(books)
    with pytest.raises(ValidationError, match="no dunning procedure yet"):
        dun(books).propose(day("2024-06-30"))
    assert dun(books).create_standard_procedure() == "STANDARD"
    assert dun(books).create_standard_procedure() is None  # only when there is none
    proposal = dun(books).propose(day("2024-06-30"))
    (letter,) = proposal.letters
    assert letter.customer == "C001" and letter.procedure == "STANDARD"
    assert [(ln.number, ln.days_overdue, ln.level, ln.dunned) for ln in letter.lines] == [
        (n["old"], 91, 1, True),
        (n["newer"], 60, 1, True),
    ]
    assert letter.level == 1 and letter.charges == 0
    assert dun(books).propose(day("2024-06-30")) == proposal  # nothing was written
    assert docs(books).invoice(n["old"]).row.state.value == "posted"
    with UnitOfWork(books.company.engine, write=False) as uow:
        assert uow.session.execute(select(DunningLetter)).first() is None


def test_issuing_raises_levels_charges_fees_and_keeps_the_history(books: Books, tmp_path: Path) -> None:
    n = overdue_books(books)
    dun(books).save_procedure(procedure(("2.50", "5.00", "15.00"), rate="8"))
    issued, changes = dun(books).issue(dun(books).propose(day("2024-06-30")))
    (first,) = issued
    # fee 2.50 + interest 120.00 x 8 % x 91/365 = 2.39 and x 60/365 = 1.58
    assert (first.letter.fee, first.letter.interest, first.letter.charges) == (250, 239 + 158, 250 + 239 + 158)
    assert first.charge_invoice == "INV-2024-000006"
    charge = docs(books).invoice(first.charge_invoice)
    assert charge.row.total == D("6.47") and charge.tax_total == 0
    assert [ln.account for ln in charge.lines] == ["4110", "4110", "4110"]
    assert balance(books, "4110") == D("-6.47")
    assert docs(books).reconcile(day("2024-12-31")).difference == 0
    with UnitOfWork(books.company.engine, write=False) as uow:
        letter = uow.session.get(DunningLetter, first.id)
        assert letter is not None and letter.entry_id is not None
        entry = uow.session.get(JournalEntry, letter.entry_id)
        assert entry is not None and entry.source == "ar_dunning"
        charged = uow.session.execute(select(Invoice).where(Invoice.number == first.charge_invoice)).scalar_one()
        assert charged.entry_id == letter.entry_id
    assert {"collections", "invoices", "entries"} == {k.value for k in changes.kinds}
    assert docs(books).invoice(n["old"]).row.state.value == "posted"
    assert [r[0] for r in audit_rows(books, "dunning_letter")] == ["issue"]

    # the next day nothing is due again; two weeks later level 2, interest only since the first letter
    assert dun(books).propose(day("2024-07-01")).letters == ()
    later = dun(books).propose(day("2024-07-14")).without(customers={"C003"})  # C003's first is not ours here
    (letter,) = later.letters
    by_number = {ln.number: ln for ln in letter.lines}
    assert (by_number[n["old"]].level, by_number[n["old"]].dunned) == (2, True)
    assert by_number[n["old"]].interest == interest(12000, 80000, day("2024-06-30"), day("2024-07-14"))
    charge_line = by_number[first.charge_invoice]  # due the day it was raised: 14 days overdue now
    assert (charge_line.level, charge_line.dunned, charge_line.interest) == (1, True, 0)  # no interest on charges
    assert n["future"] not in by_number  # due 2024-07-20: not overdue, not even listed
    dun(books).issue(later, charge=False)
    history = books.company.dunning_queries(books.ctx).history(n["old"])
    assert [(h.issued_on, h.level, h.dunned, h.interest) for h in history] == [
        (day("2024-06-30"), 1, True, D("2.39")),
        (day("2024-07-14"), 2, True, D("0")),
    ]
    assert docs(books).reconcile(day("2024-12-31")).difference == 0

    paths = dun(books).write_pdfs(issued, tmp_path)
    lines = page_lines(PdfReader(paths[0]).pages[0].extract_text())
    assert lines[1:3] == ["Payment reminder", "C001 · 2024-06-30"]
    assert has_row(lines, n["old"], "2024-03-01", "2024-03-31", "91 d", "1 (new)", "USD", "120.00")
    assert has_row(lines, "Total overdue", "USD", "240.00")
    assert has_row(lines, "Reminder fee (level 1)", "USD", "2.50")
    assert has_row(lines, "Charges", "USD", "6.47", "Total now due", "USD", "246.47")
    assert f"These charges are invoiced on {first.charge_invoice}." in lines


def test_the_clerk_drops_customers_and_invoices_and_a_stale_proposal_is_refused(books: Books) -> None:
    n = overdue_books(books)
    dun(books).save_procedure(procedure())
    inv(books).issue(sale("C003", "2024-04-01"))
    proposal = dun(books).propose(day("2024-06-30"))
    assert [lt.customer for lt in proposal.letters] == ["C001", "C003"]
    reviewed = proposal.without(customers={"C003"}, invoices={n["newer"]})
    (letter,) = reviewed.letters
    assert [ln.number for ln in letter.lines] == [n["old"]]
    assert proposal.without(invoices={n["old"], n["newer"]}).letters == proposal.letters[1:]
    # someone pays an invoice in the meantime: the proposal no longer holds
    rec(books).record(
        ReceiptInput("C001", day("2024-06-29"), D("120.00"), "1100", (AllocationInput(n["old"], D(120)),))
    )
    with pytest.raises(ConflictError, match=f"invoice {n['old']} of C001 changed since the dunning proposal"):
        dun(books).issue(reviewed)
    dun(books).issue(proposal.without(customers={"C001"}))
    assert docs(books).invoice(n["newer"]).row.open_amount == D("120.00")
    assert books.company.dunning_queries(books.ctx).history(n["newer"]) == []


def test_customers_follow_their_own_procedure(books: Books) -> None:
    n = overdue_books(books)
    dun(books).save_procedure(procedure())
    slow = ProcedureInput("SLOW", "Patient", (LevelInput(1, 100, "Hello"),))
    dun(books).save_procedure(slow)
    dun(books).assign("C001", "SLOW")
    assert dun(books).propose(day("2024-06-30")).letters == ()
    dun(books).assign("C001", None)  # back to the default: the first procedure
    assert dun(books).propose(day("2024-06-30")).letters[0].procedure == "STD"
    with pytest.raises(NotFoundError, match="dunning procedure NOPE does not exist"):
        dun(books).assign("C001", "NOPE")
    assert n


def test_procedures_are_checked_and_permissions_hold(books: Books) -> None:
    with_customer(books)
    for levels, message in (
        ((), "at least one level"),
        ((LevelInput(2, 7),), "levels are numbered 1, 2, 3"),
        ((LevelInput(1, 7), LevelInput(2, 7)), "level 2: days overdue must be more than level 1's"),
        ((LevelInput(1, 0),), "at least 1"),
        ((LevelInput(1, 7, fee=D("1.001")),), "more than 2 decimals"),
        ((LevelInput(1, 7, interest_percent=D("101")),), "between 0 and 100"),
    ):
        with pytest.raises(ValidationError, match=message):
            dun(books).save_procedure(ProcedureInput("X", "X", levels))
    dun(books).save_procedure(procedure())
    with pytest.raises(ValidationError, match="already exists"):
        dun(books).save_procedure(procedure())
    (view,) = books.company.dunning_queries(books.ctx).procedures()
    assert [(lv.level, lv.days_overdue, lv.fee) for lv in view.levels] == [(1, 7, 0), (2, 21, 5), (3, 35, 15)]
    viewer = login_as(books, "viewer", "Viewer")
    with pytest.raises(PermissionDenied):
        books.company.dunning(viewer).propose(day("2024-06-30"))
    clerk = login_as(books, "clerk", "AR clerk")
    assert books.company.dunning(clerk).propose(day("2024-06-30")).letters == ()


@pytest.mark.postgres
def test_a_dunning_clerk_charges_fees_over_their_own_login(secured_server: Server) -> None:
    """Holding receivables.dunning.run but not receivables.invoice.create, the clerk's run raises the
    charge invoice (source ar_dunning, referred to by the letter): the database lets exactly that through."""
    company = secured_server.company
    admin = company.login("admin", ADMIN_PASSWORD)
    company.roles(admin).create_role(
        "Dunning clerk", permissions=(Permission.AR_VIEW, Permission.AR_DUNNING_RUN, Permission.LEDGER_VIEW)
    )
    company.add_user(admin, "dunner", PASSWORD, roles=("Dunning clerk",))
    company.receivables(admin).create_customer(customer("C001", "Acme Ltd"))
    line = InvoiceLineInput("Work", D(1), D("100.00"), tax_code="")
    number = company.invoicing(admin).issue(InvoiceInput("C001", day("2024-01-02"), (line,)))[0].number
    company.dunning(admin).save_procedure(procedure(("2.50", "5.00", "15.00")))
    clerk_company, clerk = secured_server.open_as("dunner")
    try:
        with pytest.raises(PermissionDenied):
            clerk_company.invoicing(clerk).issue(InvoiceInput("C001", day("2024-03-01"), (line,)))
        run = clerk_company.dunning(clerk)
        (issued,), _ = run.issue(run.propose(day("2024-03-01")))
        assert issued.charge_invoice is not None and issued.letter.charges == 250
        assert clerk_company.documents_queries(clerk).reconcile(day("2024-12-31")).difference == 0
    finally:
        clerk_company.close()
    with psycopg.connect(secured_server.admin_url) as conn:
        rows = conn.execute(
            "SELECT e.source, u.username, i.number FROM journal_entries e JOIN users u ON u.id = e.posted_by "
            "JOIN invoices i ON i.entry_id = e.id JOIN dunning_letters l ON l.entry_id = e.id"
        ).fetchall()
    assert rows == [("ar_dunning", "dunner", issued.charge_invoice)]
    assert number
