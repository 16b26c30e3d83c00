"""A bank account whose ledger is older than its first statement reconciles from an opening reconciled
date and balance: older GL lines are not uncleared, an item outstanding at the opening clears when the
bank books it, finish works, and setting the opening is guarded and audited. On both engines."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from paksa_desktop.cli import main
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.ledger.commands import EntryInput, LineInput
from tests.banking.helpers import line, operating, statement
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import login_as

D = Decimal
START = date(2024, 2, 29)
END = date(2024, 3, 31)


def _post(books: Books, day: str, amount: str, memo: str) -> str:
    value = D(amount)
    bank = LineInput("1100", debit=value) if value > 0 else LineInput("1100", credit=-value)
    other = LineInput("6100", credit=value) if value > 0 else LineInput("6100", debit=-value)
    ref, _ = books.ledger.post(EntryInput(date.fromisoformat(day), (bank, other), memo=memo))
    return ref.number


@pytest.fixture
def history(books: Books) -> Books:
    """January and February in the books (a cheque of 50.00 still outstanding at the end of February);
    the first statement imported is March's, opening at 1000.00 (the cheque not presented yet)."""
    _post(books, "2024-01-10", "1000.00", "Capital")
    _post(books, "2024-02-27", "-50.00", "Cheque 1001")
    _post(books, "2024-03-05", "-300.00", "Rent March")
    _post(books, "2024-03-30", "-20.00", "Cheque 1002")  # not presented by the end of March
    books.company.bank_accounts(books.ctx).add(operating())
    books.company.statement_import(books.ctx).import_statements(
        "Operating",
        [
            statement(
                line("2024-03-04", "-50.00", "Cheque 1001", "T1"),
                line("2024-03-06", "-300.00", "Rent March", "T2"),
                opening="1000.00",
                closing="650.00",
                start="2024-03-01",
                end="2024-03-31",
            )
        ],
    )
    return books


def _match_gl(books: Books) -> None:
    service = books.company.bank_reconciliation(books.ctx)
    proposals = [p for p in service.propose("Operating", END) if p.proposal.items[0].source == "gl"]
    # the bank saw the outstanding February cheque and March's rent: both are GL matches
    assert sorted(p.proposal.items[0].amount for p in proposals) == [D("-300.00"), D("-50.00")]
    assert len(service.accept("Operating", proposals).accepted) == 2


def test_without_an_opening_the_old_history_stays_uncleared(history: Books) -> None:
    _match_gl(history)
    view = history.company.bank_reconciliation(history.ctx).reconcile("Operating", END, D("650.00"))
    assert view.book_balance == D("630.00")
    # the capital of January never reaches a bank line: it is uncleared for ever, and the difference stays
    assert [i.amount for i in view.uncleared_gl] == [D("1000.00"), D("-20.00")]
    assert view.difference == D("1000.00")


def test_opening_reconciled_balance_lets_the_account_reconcile_and_finish(history: Books) -> None:
    service = history.company.bank_reconciliation(history.ctx)
    history.company.bank_accounts(history.ctx).set_opening("Operating", START, D("1000.00"))
    row = history.company.bank_queries(history.ctx).account("Operating")
    assert (row.reconciled_from, row.opening_reconciled) == (START, D("1000.00"))

    # before matching: the February cheque is outstanding at the opening (book 950 on Feb 29, bank 1000)
    view = service.reconcile("Operating", END, D("650.00"))
    assert (view.book_balance, view.opening_difference) == (D("630.00"), D("-50.00"))
    assert [i.amount for i in view.uncleared_gl] == [D("-300.00"), D("-20.00")]
    assert view.cleared_balance == D("1000.00")
    assert [i.amount for i in view.unmatched_lines] == [D("-50.00"), D("-300.00")]
    assert view.difference == D("-350.00")

    _match_gl(history)
    view = service.reconcile("Operating", END, D("650.00"))
    assert view.opening_difference == 0  # the bank has since cleared the cheque
    assert [i.amount for i in view.uncleared_gl] == [D("-20.00")] and view.unmatched_lines == ()
    assert (view.cleared_balance, view.difference) == (D("650.00"), D(0))
    # on the statement's own day before the cheque cleared: 1000 - 0 on March 1
    assert service.reconcile("Operating", date(2024, 3, 1), D("1000.00")).difference == 0

    rec_id, _ = service.finish("Operating", END, D("650.00"))
    assert [r.status.value for r in history.company.bank_queries(history.ctx).lines("Operating")] == [
        "reconciled",
        "reconciled",
    ]
    assert service.history("Operating")[0].id == rec_id
    # a standing reconciliation keeps its start; undone, the start can move again
    with pytest.raises(ValidationError, match="is reconciled to 2024-03-31; undo"):
        history.company.bank_accounts(history.ctx).set_opening("Operating", None, None)
    service.undo("Operating", reason="test")
    history.company.bank_accounts(history.ctx).set_opening("Operating", None, None)
    assert history.company.bank_queries(history.ctx).account("Operating").reconciled_from is None


def test_report_names_the_opening(history: Books) -> None:
    history.company.bank_accounts(history.ctx).set_opening("Operating", START, D("1000.00"))
    _match_gl(history)
    report = history.company.bank_reconciliation(history.ctx).reconciliation_report("Operating", END, D("650.00"))
    texts = [str(r.cells[2]) for r in report.rows]
    assert any("book balance on 2024-02-29 not in the opening reconciled balance (1000.00)" in t for t in texts)
    assert report.meta["difference"] == 0


def test_opening_date_rules_and_bad_input(history: Books) -> None:
    accounts = history.company.bank_accounts(history.ctx)
    with pytest.raises(ValidationError, match="give both the opening reconciled date and balance"):
        accounts.set_opening("Operating", START, None)
    with pytest.raises(ValidationError, match=r"opening balance 1\.005 has more decimals than USD allows \(2\)"):
        accounts.set_opening("Operating", START, D("1.005"))
    assert history.company.bank_queries(history.ctx).account("Operating").reconciled_from is None
    accounts.set_opening("Operating", START, D("1000.00"))
    with pytest.raises(ValidationError, match="reconciles from its opening balance of 2024-02-29; choose a statement"):
        history.company.bank_reconciliation(history.ctx).reconcile("Operating", START, D(0))


def test_setting_the_opening_needs_account_manage_and_is_audited(history: Books) -> None:
    clerk = login_as(history, "acct", "Accountant")
    with pytest.raises(PermissionDenied):
        history.company.bank_accounts(clerk).set_opening("Operating", START, D("1000.00"))
    history.company.bank_accounts(history.ctx).set_opening("Operating", START, D("1000.00"))
    with history.company.engine.connect() as conn:
        action, after = conn.execute(
            text("SELECT action, after FROM audit_log WHERE entity = 'bank_account' ORDER BY seq DESC")
        ).first()
    assert action == "update"
    assert json.loads(after) == {"reconciled_from": "2024-02-29", "opening_reconciled": "1000.00"}


def test_cli_set_opening(history: Books, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    common = ["--db", history.url, "--user", "admin", "--account", "Operating"]
    code = main(["bank", "account", "set-opening", *common, "--date", "2024-02-29", "--balance", "1000.00"])
    assert code == 0
    assert "Operating reconciles from 2024-02-29: opening reconciled balance 1000.00 USD" in capsys.readouterr().out
    assert main(["bank", "account", "set-opening", *common, "--clear"]) == 0
    assert "reconciles from its first GL line again" in capsys.readouterr().out
    assert main(["bank", "account", "set-opening", *common, "--date", "2024-02-29"]) == 2
    assert "give both --date and --balance" in capsys.readouterr().err
