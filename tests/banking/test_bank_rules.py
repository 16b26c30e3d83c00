"""Bank rules: patterns checked safely, lines posted by the first fitting rule with tax and dimensions
(figures checked by hand), drafts from a line and from history, permissions and the CLI. On both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from paksa_desktop.banking.rules import CompiledRule, RuleInput, first_fitting, pattern_problem, stem
from paksa_desktop.cli import main
from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType, Department, JournalLine
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.banking.helpers import line, operating, statement
from tests.conftest import ADMIN_PASSWORD, Books
from tests.receivables.helpers import ar, balance, login_as, vat

D = Decimal
END = date(2024, 3, 31)


# ------------------------------------------------------------------------------------------ pure


def test_stem_keeps_the_longest_run_of_words_without_digits() -> None:
    assert stem("CARD 4411 OFFICE DEPOT 0305 LONDON") == "OFFICE DEPOT"
    assert stem("SEPA DD 8812 ACME INSURANCE PLC 2024-01") == "ACME INSURANCE PLC"
    assert stem("12345 678") == ""


def test_patterns_are_validated_and_regexes_kept_safe() -> None:
    assert pattern_problem("office depot", False) is None
    assert pattern_problem(r"^monthly fee \d+", True) is None
    assert "not valid" in str(pattern_problem("fee (", True))
    assert "repeats a repeated group" in str(pattern_problem(r"(a+)+$", True))
    assert "repeats a repeated group" in str(pattern_problem(r"(\w*)*x", True))
    assert "at most 200" in str(pattern_problem("x" * 201, False))
    assert pattern_problem("   ", False) == "a rule needs a description pattern"


def test_first_fitting_rule_by_priority_amount_and_counterparty() -> None:
    narrow = CompiledRule.of(
        1, None, RuleInput("Depot", "office  DEPOT", "6100", amount_max=D("0"), counterparty="depot", priority=10)
    )
    broad = CompiledRule.of(2, 7, RuleInput("Any depot", r"depot\b", "6200", is_regex=True, priority=50))
    rules = [broad, narrow]
    assert first_fitting(rules, 7, "Card Office Depot 12", "OFFICE DEPOT LTD", D("-5.00")) is narrow
    # money in: outside the narrow rule's range, so the broad one (on account 7 only) codes it
    assert first_fitting(rules, 7, "Office Depot refund", "Office Depot", D("5.00")) is broad
    assert first_fitting(rules, 8, "Office Depot refund", "Office Depot", D("5.00")) is None
    assert first_fitting(rules, 8, "Office Depot", "someone else", D("-5.00")) is None


# ------------------------------------------------------------------------------------------ with books


@pytest.fixture
def bank(books: Books) -> Books:
    """VAT20 (20 %) on 2200, department OPS, expense account 6190, a bank account on 1100."""
    vat(books)
    books.ledger.create_department("OPS", "Operations")
    books.ledger.create_account(AccountInput("6990", "Bank fees", AccountType.EXPENSE))
    books.company.bank_accounts(books.ctx).add(operating())
    return books


def _import(books: Books, *lines: object) -> None:
    books.company.statement_import(books.ctx).import_statements("Operating", [statement(*lines)])  # type: ignore[arg-type]


def _ids(books: Books) -> list[int]:
    return [r.id for r in books.company.bank_queries(books.ctx).lines("Operating")]


def _status(books: Books) -> list[str]:
    return [r.status.value for r in books.company.bank_queries(books.ctx).lines("Operating")]


def test_apply_posts_each_fitting_line_with_tax_and_department(bank: Books) -> None:
    _import(
        bank,
        line("2024-03-05", "-120.00", "", "T1", description="CARD 4411 OFFICE DEPOT 0305"),
        line("2024-03-06", "-10.00", "", "T2", description="Card 4412 Office  Depot 0306"),
        line("2024-03-07", "-25.00", "", "T3", description="Monthly fee 03/2024"),
        line("2024-03-08", "500.00", "R9", "T4", description="Office Depot refund", counterparty="Office Depot"),
        line("2024-03-09", "-75.00", "", "T5", description="Monthly fee"),
    )
    rules = bank.company.bank_rules(bank.ctx)
    rules.add(
        RuleInput(
            "Office supplies",
            "office depot",
            "6100",
            bank_account="Operating",
            amount_max=D("0"),
            tax_code="VAT20",
            department="OPS",
            memo="Supplies: {description}",
            priority=10,
        )
    )
    rules.add(RuleInput("Depot, anything else", "depot", "6990", priority=200))
    rules.add(RuleInput("Monthly fee", r"^monthly fee \d", "6990", is_regex=True, amount_min=D("-50"), amount_max=D(0)))
    ids = _ids(bank)
    assert bank.company.bank_rules(bank.ctx).preview("Operating") == [
        (ids[0], "Office supplies"),
        (ids[1], "Office supplies"),
        (ids[2], "Monthly fee"),
        (ids[3], "Depot, anything else"),
    ]
    result = rules.apply("Operating", END)
    assert [(i, name) for i, name, _ in result.posted] == [
        (ids[0], "Office supplies"),
        (ids[1], "Office supplies"),
        (ids[2], "Monthly fee"),
        (ids[3], "Depot, anything else"),
    ]
    assert result.refused == ()
    assert _status(bank) == ["matched", "matched", "matched", "matched", "unmatched"]
    # by hand: 120.00 incl. 20 % = 100.00 + 20.00; 10.00 = 8.33 + 1.67 (10 x 20/120 = 1.666.. -> 1.67)
    assert balance(bank, "1100") == D("345.00")  # -120 - 10 - 25 + 500
    assert balance(bank, "6100") == D("108.33")
    assert balance(bank, "2200") == D("21.67")  # input tax paid: a debit
    assert balance(bank, "6990") == D("-475.00")  # 25 fee, 500 refund
    with UnitOfWork(bank.company.engine, write=False) as uow:
        ops = uow.session.execute(select(Department.id).where(Department.code == "OPS")).scalar_one()
        rows = uow.session.execute(
            select(JournalLine.amount, JournalLine.memo)
            .where(JournalLine.department_id == ops)
            .order_by(JournalLine.id)
        ).all()
    assert rows == [(10000, "Supplies: CARD 4411 OFFICE DEPOT 0305"), (833, "Supplies: Card 4412 Office  Depot 0306")]
    # nothing left to do: a second run posts nothing
    again = rules.apply("Operating", END)
    assert again.posted == () and again.refused == ()


def test_a_line_that_cannot_be_posted_is_refused_with_why_and_left_unmatched(bank: Books) -> None:
    _import(
        bank,
        line("2024-03-05", "-12.00", "", "T1", description="Fee 1"),
        line("2024-03-06", "-3.00", "", "T2", description="Fee 2"),
        line("2024-03-07", "-4.00", "", "T3", description="Fee 3"),
    )
    rules = bank.company.bank_rules(bank.ctx)
    rules.add(RuleInput("Fees", "fee", "6990"))
    rules.add(RuleInput("Taxed fee", "fee 2", "6100", tax_code="VAT20", priority=1))
    bank.ledger.set_lock_date(date(2024, 3, 5))
    ar(bank).set_tax_code_active("VAT20", False)
    ids = _ids(bank)
    result = rules.apply("Operating")
    assert [(i, name) for i, name, _ in result.posted] == [(ids[2], "Fees")]
    assert [(i, name) for i, name, _ in result.refused] == [(ids[0], "Fees"), (ids[1], "Taxed fee")]
    assert "bank line" in result.refused[0][2] and "2024-03-05" in result.refused[0][2]
    assert "unknown or inactive tax code 'VAT20'" in result.refused[1][2]
    assert _status(bank) == ["unmatched", "unmatched", "matched"]
    assert balance(bank, "6990") == D("4.00") and balance(bank, "6100") == D("0")


def test_rules_are_checked_when_kept(bank: Books) -> None:
    rules = bank.company.bank_rules(bank.ctx)
    with pytest.raises(ValidationError) as err:
        rules.add(RuleInput("", r"(a+)+", "9999", is_regex=True, amount_min=D("5"), amount_max=D("1"), tax_code="NOPE"))
    text = str(err.value)
    for part in ("needs a name", "repeats a repeated group", "unknown GL account '9999'", "above the largest", "NOPE"):
        assert part in text
    with pytest.raises(ValidationError, match="not the bank's own"):
        rules.add(RuleInput("Own", "x", "1100", bank_account="Operating"))
    rules.add(RuleInput("Rent", "landlord", "6100", amount_min=D("-2000.50"), amount_max=D("0")))
    with pytest.raises(ValidationError, match="already a bank rule named 'Rent'"):
        rules.add(RuleInput("Rent", "other", "6100"))
    row = rules.rule("Rent")
    assert (row.data.amount_min, row.data.amount_max) == (D("-2000.50"), D("0.00"))
    rules.update("Rent", RuleInput("Rent", "landlord ltd", "6990"), version=row.version)
    assert [r.data.pattern for r in rules.rules()] == ["landlord ltd"]
    rules.delete("Rent")
    assert rules.rules() == []


def test_rule_from_line_and_suggestions_from_history(bank: Books) -> None:
    _import(
        bank,
        *(
            line(f"2024-0{m}-02", "-45.00", "", f"I{m}", description=f"SEPA DD {m}881 ACME INSURANCE PLC 2024-0{m}")
            for m in (1, 2, 3)
        ),
        line("2024-01-20", "-9.99", "", "P1", description="PHONECO 1"),
        line("2024-02-20", "-9.99", "", "P2", description="PHONECO 2"),
        line("2024-03-20", "-60.00", "", "N1", description="SEPA DD 4881 ACME INSURANCE PLC 2024-04"),
    )
    by_bank_id = {r.bank_id: r.id for r in bank.company.bank_queries(bank.ctx).lines("Operating")}
    ids = [by_bank_id[k] for k in ("I1", "I2", "I3", "P1", "P2", "N1")]
    recon = bank.company.bank_reconciliation(bank.ctx)
    for i in (0, 1, 2):
        recon.create_entry(ids[i], "6990", department="OPS")
    recon.create_entry(ids[3], "6100")
    recon.create_entry(ids[4], "6100")
    rules = bank.company.bank_rules(bank.ctx)
    draft = rules.rule_from_line(ids[0])
    assert (draft.pattern, draft.account, draft.department, draft.bank_account) == (
        "ACME INSURANCE PLC",
        "6990",
        "OPS",
        "Operating",
    )
    assert (draft.amount_min, draft.amount_max) == (None, D("0.00"))
    fresh = rules.rule_from_line(ids[5])  # not coded yet: the words and the sign, no account
    assert (fresh.pattern, fresh.account) == ("ACME INSURANCE PLC", "")
    (suggestion,) = rules.suggestions()  # the phone lines were coded only twice
    assert suggestion.count == 3 and suggestion.line_ids == tuple(ids[:3])
    assert (suggestion.rule.pattern, suggestion.rule.account, suggestion.rule.department) == (
        "acme insurance plc",
        "6990",
        "OPS",
    )
    rules.add(suggestion.rule)
    assert rules.suggestions() == []
    result = rules.apply("Operating")
    assert [i for i, _, _ in result.posted] == [ids[5]]
    assert balance(bank, "6990") == D("195.00")  # 3 x 45 + 60


def test_keeping_rules_needs_cash_account_manage_applying_needs_reconcile(bank: Books) -> None:
    _import(bank, line("2024-03-05", "-12.00", "", "T1", description="Charges"))
    accountant = login_as(bank, "acc", "Accountant")
    with pytest.raises(PermissionDenied):
        bank.company.bank_rules(accountant).add(RuleInput("Charges", "charges", "6990"))
    bank.company.bank_rules(bank.ctx).add(RuleInput("Charges", "charges", "6990"))
    controller = login_as(bank, "ctl", "Controller")
    with pytest.raises(PermissionDenied):
        bank.company.bank_rules(controller).apply("Operating")
    result = bank.company.bank_rules(accountant).apply("Operating")
    assert len(result.posted) == 1
    assert balance(bank, "6990") == D("12.00")


def test_cli_rules_list_add_apply(bank: Books, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _import(bank, line("2024-03-05", "-12.00", "", "T1", description="Account charges March"))
    monkeypatch.setenv("PAKSA_PASSWORD", ADMIN_PASSWORD)
    base = ["--db", bank.url, "--user", "admin"]
    code = main(
        [
            "bank",
            "rules",
            "add",
            *base,
            "--name",
            "Charges",
            "--pattern",
            "account charges",
            "--gl-account",
            "6990",
            "--max",
            "0",
            "--account",
            "Operating",
        ]
    )
    assert code == 0
    assert main(["bank", "rules", "list", *base]) == 0
    out = capsys.readouterr().out
    assert "Charges" in out and "account charges" in out and "6990" in out and "..0.00" in out
    assert main(["bank", "rules", "apply", *base, "--account", "Operating"]) == 0
    out = capsys.readouterr().out
    assert "posted   2024-03-05 -12.00 Account charges March -> Charges" in out
    assert "1 line(s) posted, 0 refused" in out
    assert balance(bank, "6990") == D("12.00")
    code = main(
        ["bank", "rules", "add", *base, "--name", "Bad", "--pattern", "(a+)+", "--regex", "--gl-account", "6990"]
    )
    assert code != 0
    assert "repeats a repeated group" in capsys.readouterr().err
