"""Matching against the books and reconciling: receipts recorded from customer payments, GL matches,
entries from unmatched lines, finish only at zero difference, undo; the report read back from its PDF.
On both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from paksa_desktop.banking.models import LineStatus
from paksa_desktop.cli import main
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.ledger.commands import EntryInput, LineInput
from paksa_desktop.receivables.models import InvoiceState
from paksa_desktop.reporting.renderers import render_file
from tests.banking.helpers import line, operating, statement
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import balance, docs, inv, login_as, sale, with_customer

D = Decimal
END = date(2024, 3, 31)


@pytest.fixture
def bank(books: Books) -> Books:
    """Customer Acme with two posted invoices of 120.00, a bank account on 1100."""
    with_customer(books, name="Acme Ltd")
    for _ in range(2):
        inv(books).issue(sale("C001", "2024-03-01"), confirm_credit=True)
    books.company.bank_accounts(books.ctx).add(operating())
    return books


def _numbers(books: Books) -> list[str]:
    return sorted(r.number for r in docs(books).invoices())


def _import(books: Books, *lines: object) -> None:
    books.company.statement_import(books.ctx).import_statements("Operating", [statement(*lines)])  # type: ignore[arg-type]


def _status(books: Books) -> list[str]:
    return [r.status.value for r in books.company.bank_queries(books.ctx).lines("Operating")]


def test_auto_reconcile_records_receipts_for_payments_quoting_invoices(bank: Books) -> None:
    first, second = _numbers(bank)
    _import(
        bank,
        line("2024-03-10", "120.00", f"Payment {first}", "T1", counterparty="Acme Ltd"),
        line("2024-03-12", "120.00", f"{second}", "T2", counterparty="ACME LTD"),
        line("2024-03-15", "-12.50", "fee", "T3", description="Account charges"),
    )
    service = bank.company.bank_reconciliation(bank.ctx)
    result, left = service.accept_all("Operating", END, 80)
    assert [p.proposal.items[0].number for p in result.accepted] == [first, second] and result.refused == ()
    assert _status(bank) == ["matched", "matched", "unmatched"]
    states = {r.number: r.state for r in docs(bank).invoices()}
    assert states == {first: InvoiceState.PAID, second: InvoiceState.PAID}
    receipts = docs(bank).receipts()
    assert sorted((r.amount, r.reference, r.bank_account) for r in receipts) == sorted(
        [(D("120.00"), f"Payment {first}", "1100"), (D("120.00"), second, "1100")]
    )
    assert balance(bank, "1100") == D("240.00")
    recon = docs(bank).reconcile(END)
    assert recon.difference == 0 and recon.subledger == 0
    # a second run finds nothing more to book; the fee stays for an entry
    again, left = service.accept_all("Operating", END, 80)
    assert again.accepted == () and left == []


def test_cli_reconcile_auto_prints_matched_and_left(
    bank: Books, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first, _ = _numbers(bank)
    _import(
        bank, line("2024-03-10", "120.00", first, "T1", counterparty="Acme Ltd"), line("2024-03-15", "-9.99", "", "T3")
    )
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    code = main(
        [
            "bank",
            "reconcile",
            "--db",
            bank.url,
            "--user",
            "admin",
            "--account",
            "Operating",
            "--auto",
            "--as-of",
            "2024-03-31",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"matched  2024-03-10 120.00 {first} -> invoice {first}" in out
    assert "1 proposal(s) booked, 0 refused, 0 below the threshold; 1 line(s) of Operating still unmatched" in out


def test_gl_match_create_entry_and_reconcile_finish_undo(bank: Books, tmp_path: Path) -> None:
    ledger = bank.ledger
    ref, _ = ledger.post(
        EntryInput(date(2024, 3, 5), (LineInput("1100", credit=D("300.00")), LineInput("6100", debit=D("300.00"))),
                   memo="Rent March", reference="RENT-03")
    )  # fmt: skip
    ledger.post(
        EntryInput(date(2024, 3, 30), (LineInput("1100", credit=D("50.00")), LineInput("6100", debit=D("50.00"))),
                   memo="Cheque 1001 not yet presented")
    )  # fmt: skip
    _import(
        bank,
        line("2024-03-06", "-300.00", ref.number, "T1"),
        line("2024-03-20", "-12.50", "", "T2", description="Account charges"),
    )
    service = bank.company.bank_reconciliation(bank.ctx)
    proposals = service.propose("Operating", END)
    gl = [p for p in proposals if p.proposal.items[0].source == "gl"]
    assert len(gl) == 1 and gl[0].proposal.items[0].amount == D("-300.00")
    assert service.accept("Operating", gl).accepted == tuple(gl)
    assert _status(bank) == ["matched", "unmatched"]

    view = service.reconcile("Operating", END, D("-312.50"))
    assert view.book_balance == D("-350.00")
    assert [(i.kind, i.amount) for i in view.uncleared_gl] == [("GL line", D("-50.00"))]
    assert [(i.kind, i.amount) for i in view.unmatched_lines] == [("bank line", D("-12.50"))]
    assert view.difference == D("-12.50")
    with pytest.raises(ValidationError, match=r"differs from the cleared book balance -300\.00 by -12\.50"):
        service.finish("Operating", END, D("-312.50"))

    charge = bank.company.bank_queries(bank.ctx).lines("Operating", status="unmatched")[0]
    service.create_entry(charge.id, "6100", memo="Bank charges March")
    assert balance(bank, "1100") == D("-362.50")
    view = service.reconcile("Operating", END, D("-312.50"))
    assert view.difference == 0 and view.unmatched_lines == ()

    pdf = tmp_path / "rec.pdf"
    render_file(service.reconciliation_report("Operating", END, D("-312.50"), company="Test Company Ltd"), pdf)
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    for expected in ("Bank reconciliation", "Operating as of 2024-03-31", "Cheque 1001", "(50.00)", "(312.50)",
                     "Cleared book balance", "Difference"):  # fmt: skip
        assert expected in text, expected

    rec_id, _ = service.finish("Operating", END, D("-312.50"))
    assert _status(bank) == ["reconciled", "reconciled"]
    with pytest.raises(ValidationError, match="already reconciled to 2024-03-31"):
        service.finish("Operating", END, D("-312.50"))
    (row,) = service.history("Operating")
    assert (row.id, row.line_count, row.undone) == (rec_id, 2, False)

    service.undo("Operating", reason="wrong statement")
    assert _status(bank) == ["matched", "matched"]
    assert service.history("Operating")[0].undone


def test_reconciling_needs_cash_reconcile(bank: Books) -> None:
    clerk = login_as(bank, "clerk", "AR clerk")
    with pytest.raises(PermissionDenied):
        bank.company.bank_reconciliation(clerk).propose("Operating", END)
    with pytest.raises(PermissionDenied):
        bank.company.bank_reconciliation(clerk).finish("Operating", END, D(0))
    assert LineStatus.MATCHED.value == "matched"
