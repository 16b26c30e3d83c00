"""Statement import: duplicates skipped and listed, all or nothing, balance warnings, wrong account or
currency refused, permissions; on both engines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from paksa_desktop.core.errors import PermissionDenied, ValidationError
from tests.banking.helpers import line, operating, statement
from tests.conftest import Books

PASSWORD = "Correct-Horse-7-battery"


@pytest.fixture
def bank(books: Books) -> Books:
    books.company.bank_accounts(books.ctx).add(operating())
    return books


def _count(books: Books, table: str) -> int:
    with books.company.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_an_import_writes_its_lines_and_a_statement_and_the_queries_read_them(bank: Books) -> None:
    company, ctx = bank.company, bank.ctx
    jan = statement(
        line("2024-01-03", "1200.00", "INV-1", "T1", row=1, counterparty="Acme", description="Payment INV-1"),
        line("2024-01-05", "-45.10", "", "T2", row=2, kind="DEBIT"),
        account="DE89370400440532013000",
        currency="USD",
        statement_id="2024/1",
        start="2024-01-01",
        end="2024-01-31",
        opening="100.00",
        closing="1254.90",
    )
    preview = company.statement_import(ctx).preview("Operating", [jan])
    assert (preview.imported, preview.skipped, preview.warnings, preview.errors) == (2, (), (), ())
    assert _count(bank, "bank_lines") == 0  # a preview writes nothing
    result = company.statement_import(ctx).import_statements("Operating", [jan])
    assert (result.imported, result.statements, result.total) == (2, 1, Decimal("1154.90"))
    assert result.summary() == "Operating: 2 line(s) imported in 1 statement(s), 0 already imported and skipped"
    queries = company.bank_queries(ctx)
    lines = queries.lines("Operating")
    assert [(str(r.booked), r.amount, r.reference, r.bank_id, r.status.value) for r in lines] == [
        ("2024-01-03", Decimal("1200.00"), "INV-1", "T1", "unmatched"),
        ("2024-01-05", Decimal("-45.10"), "", "T2", "unmatched"),
    ]
    assert lines[0].counterparty == "Acme" and lines[1].kind == "DEBIT"
    assert [r.bank_id for r in queries.lines("Operating", start=jan.lines[1].booked)] == ["T2"]
    assert queries.lines("Operating", status="matched") == []
    (st,) = queries.statements("Operating")
    assert (st.statement_ref, st.opening, st.closing, st.line_count, st.imported_by) == (
        "2024/1",
        Decimal("100.00"),
        Decimal("1254.90"),
        2,
        "admin",
    )
    assert queries.last_balance("Operating") == (jan.end, Decimal("1254.90"))
    with company.engine.connect() as conn:
        audit = conn.execute(text("SELECT after FROM audit_log WHERE entity = 'bank_statement'")).scalars().all()
    assert len(audit) == 1 and '"lines": 2' in audit[0]


def test_lines_with_the_same_bank_id_are_skipped_and_listed(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    service.import_statements("Operating", [statement(line("2024-01-03", "10.00", "A", "T1", row=1))])
    again = statement(
        line("2024-01-03", "10.00", "A", "T1", row=1),
        line("2024-01-04", "20.00", "B", "T2", row=2),
        line("2024-01-04", "20.00", "B", "T2", row=3),  # twice in the same file
        source="feb.ofx",
    )
    result = service.import_statements("Operating", [again])
    assert result.imported == 1
    assert [(s.source, s.row, s.bank_id, s.reason) for s in result.skipped] == [
        ("feb.ofx", 1, "T1", "already imported"),
        ("feb.ofx", 3, "T2", "twice in this import"),
    ]
    assert _count(bank, "bank_lines") == 2


def test_without_a_bank_id_the_date_amount_and_reference_identify_a_line(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    coffees = statement(
        line("2024-01-03", "-4.50", "CAFE"),
        line("2024-01-03", "-4.50", "CAFE"),  # two real coffees on one day: both kept
        line("2024-01-03", "-4.50", "BAKERY"),
        source="jan.csv",
        format="csv",
    )
    assert service.import_statements("Operating", [coffees]).imported == 3
    overlap = statement(
        *coffees.lines,
        line("2024-01-03", "-4.50", "CAFE"),  # a third coffee the earlier export had not shown yet
        line("2024-01-04", "-4.50", "CAFE"),
        source="jan-again.csv",
        format="csv",
    )
    result = service.import_statements("Operating", [overlap])
    assert result.imported == 2
    assert [s.reason for s in result.skipped] == ["already imported"] * 3
    assert _count(bank, "bank_lines") == 5


def test_a_bad_line_means_nothing_is_imported_and_every_problem_is_named(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    bad = statement(
        line("2024-01-03", "10.00", "ok", "T1", row=1),
        line("2024-01-04", "1.234", "too precise", "T2", row=2),
        line("2024-01-05", "5.00", "x" * 201, "T3", row=3),
    )
    preview = service.preview("Operating", [bad])
    assert preview.errors == (
        "jan.ofx line 2: amount 1.234 is not an exact USD amount (at most 2 decimals)",
        "jan.ofx line 3: reference longer than 200",
    )
    with pytest.raises(ValidationError, match="nothing was imported into Operating; 2 problem") as caught:
        service.import_statements("Operating", [statement(line("2024-01-02", "1.00", "", "T0")), bad])
    assert "line 2" in str(caught.value) and "line 3" in str(caught.value)
    assert _count(bank, "bank_lines") == 0 and _count(bank, "bank_statements") == 0


def test_balances_that_disagree_are_warnings_not_refusals(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    jan = statement(
        line("2024-01-03", "50.00", "", "T1"), start="2024-01-01", end="2024-01-31", opening="100.00", closing="150.00"
    )
    assert service.import_statements("Operating", [jan]).warnings == ()
    feb = statement(
        line("2024-02-03", "10.00", "", "T2"),
        source="feb.ofx",
        start="2024-02-01",
        end="2024-02-29",
        opening="140.00",  # January closed at 150.00: a statement is missing or a line was lost
        closing="151.00",  # 140 + 10 is 150, not 151
    )
    result = service.import_statements("Operating", [feb])
    assert result.imported == 1
    assert result.warnings == (
        "feb.ofx: opening balance 140.00 plus the lines (10.00) is 150.00, but the statement's closing balance "
        "is 151.00",
        "feb.ofx: the opening balance 140.00 differs from the closing balance 150.00 of the last statement "
        "imported (ending 2024-01-31); a statement may be missing",
    )


def test_statements_of_one_import_are_chained_in_date_order(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    jan = statement(
        line("2024-01-03", "50.00", "", "T1"), start="2024-01-01", end="2024-01-31", opening="0", closing="50"
    )
    feb = statement(
        line("2024-02-03", "5.00", "", "T2"),
        source="feb.ofx",
        start="2024-02-01",
        end="2024-02-29",
        opening="50",
        closing="55",
    )
    result = service.preview("Operating", [feb, jan])
    assert (result.imported, result.statements, result.warnings) == (2, 2, ())


def test_a_file_for_another_account_or_currency_is_refused(bank: Books) -> None:
    service = bank.company.statement_import(bank.ctx)
    other = statement(line("2024-01-03", "1.00", "", "T1"), account="GB29NWBK60161331926819")
    with pytest.raises(
        ValidationError, match="the file is for account GB29NWBK60161331926819, not bank account Operating"
    ):
        service.import_statements("Operating", [other])
    euros = statement(line("2024-01-03", "1.00", "", "T1"), currency="EUR")
    with pytest.raises(ValidationError, match="the statement is in EUR but bank account Operating is in USD"):
        service.import_statements("Operating", [euros])
    domestic = statement(line("2024-01-03", "1.00", "", "T1"), account="37040044/0532013000")
    assert service.import_statements("Operating", [domestic]).imported == 1
    assert _count(bank, "bank_lines") == 1


def test_without_the_data_key_the_last_four_characters_are_checked(bank: Books) -> None:
    company, ctx = bank.company, bank.ctx
    company.add_user(ctx, "acct", PASSWORD, roles=("Accountant",))
    accountant = company.login("acct", PASSWORD)
    service = company.statement_import(accountant)
    wrong = statement(line("2024-01-03", "1.00", "", "T1"), account="DE02120300000000202051")
    with pytest.raises(ValidationError, match=r"not bank account Operating \(one ending in 3000\)"):
        service.import_statements("Operating", [wrong])
    right = statement(line("2024-01-03", "1.00", "", "T1"), account="DE89370400440532013000")
    assert service.import_statements("Operating", [right]).imported == 1


def test_importing_needs_the_permission_and_an_active_account(bank: Books) -> None:
    company, ctx = bank.company, bank.ctx
    company.add_user(ctx, "clerk", PASSWORD, roles=("AR clerk",))
    clerk = company.login("clerk", PASSWORD)
    jan = statement(line("2024-01-03", "1.00", "", "T1"))
    with pytest.raises(PermissionDenied, match=r"cash\.statement\.import"):
        company.statement_import(clerk).import_statements("Operating", [jan])
    with pytest.raises(PermissionDenied):
        company.statement_import(clerk).preview("Operating", [jan])
    company.bank_accounts(ctx).deactivate("Operating")
    with pytest.raises(ValidationError, match="bank account Operating is inactive"):
        company.statement_import(ctx).import_statements("Operating", [jan])


def test_a_camt_batch_imports_one_line_per_transaction_and_a_reimport_skips_them(books: Books) -> None:
    from paksa_desktop.banking.formats import read_statement_file
    from tests.banking.formats_helpers import FILES

    books.company.bank_accounts(books.ctx).add(operating(currency="EUR"))
    service = books.company.statement_import(books.ctx)
    first = service.import_statements("Operating", read_statement_file(FILES / "camt053_batch.xml"))
    assert (first.imported, first.total) == (7, Decimal("606.50"))
    assert len(first.warnings) == 1 and "its 2 transactions add up to 100.00" in first.warnings[0]
    again = service.preview("Operating", read_statement_file(FILES / "camt053_batch.xml"))
    assert (again.imported, len(again.skipped)) == (0, 7)
    lines = books.company.bank_queries(books.ctx).lines("Operating")
    assert [r.bank_id for r in lines if r.amount > 0][:3] == ["TX-7781-01", "BATCH-7781/2", "TX-7781-03"]
