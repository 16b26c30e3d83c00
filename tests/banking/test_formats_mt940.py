"""SWIFT MT940: several statements (accounts) in one file, structured :86: fields, broken files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.banking.formats import StatementFileError, detect_format, read_statement_file
from tests.banking.formats_helpers import FILES


def test_two_accounts_in_one_file() -> None:
    assert detect_format(FILES / "mt940_two_accounts.sta") == "mt940"
    nl, de = read_statement_file(FILES / "mt940_two_accounts.sta")
    assert (nl.format, nl.account, nl.currency, nl.statement_id) == ("mt940", "NL91ABNA0417164300", "EUR", "00031/1")
    assert (nl.opening, nl.closing, nl.start, nl.end) == (
        Decimal("1000.00"),
        Decimal("1204.90"),
        date(2024, 1, 30),
        date(2024, 1, 31),
    )
    assert nl.balance_problem() is None
    invoice, debit = nl.lines
    # SEPA '/NAME/.../REMI/...' information, wrapped over two lines
    assert (invoice.amount, invoice.description, invoice.reference, invoice.bank_id) == (
        Decimal("250.00"),
        "Invoice INV-1001",
        "E2E-INV-1001",
        "BR-1",
    )
    assert (invoice.counterparty, invoice.counterparty_account, invoice.kind) == (
        "Muller GmbH",
        "DE02120300000000202051",
        "NTRF",
    )
    assert (invoice.booked, invoice.value_date, invoice.row) == (date(2024, 1, 31), date(2024, 1, 31), 6)
    assert (debit.amount, debit.reference, debit.description) == (
        Decimal("-45.10"),
        "",  # NONREF means no reference
        "Stadtwerke Nord electricity January",
    )
    assert (de.account, de.opening, de.closing) == ("37040044/0532013000", Decimal("-500.00"), Decimal("-380.00"))
    credit, reversal = de.lines
    # German '?20' subfields with SEPA keys; the entry date (0131) differs from the value date
    assert (credit.booked, credit.value_date) == (date(2024, 1, 31), date(2024, 1, 30))
    assert (credit.description, credit.reference, credit.counterparty, credit.counterparty_account) == (
        "Rechnung 17",
        "RE-2024-17",
        "Kunde Schmidt",
        "DE89370400440532013000",
    )
    assert reversal.amount == Decimal("20.00")  # RD: reversal of a debit is money in
    assert de.balance_problem() is None


def _error(name: str) -> str:
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(FILES / name)
    return str(caught.value)


def test_truncated_statement() -> None:
    assert _error("mt940_truncated.sta") == (
        "mt940_truncated.sta:24: field 62F: the statement ends without its closing balance (the file may be cut short)"
    )


def test_bad_date_and_amount_named_by_line() -> None:
    assert _error("mt940_bad_values.sta").splitlines() == [
        "mt940_bad_values.sta:9: field 61: '240231' is not a date (YYMMDD)",
        "mt940_bad_values.sta:20: field 61: '2401300131C1OO,00NMSCNONREF' is not a statement line "
        "(YYMMDD[MMDD] C|D amount type reference)",
    ]


def test_year_end_entry_date_and_cp1252_text(tmp_path) -> None:
    path = tmp_path / "yearend.txt"
    path.write_bytes(
        ":20:X\r\n:25:123\r\n:28C:1\r\n:60F:C231231EUR0,00\r\n:61:2312310102D1,5NCHGNONREF\r\n"
        ":86:Geb\xfchr Dezember\r\n:62F:D240102EUR1,50\r\n".encode("latin-1")
    )
    (st,) = read_statement_file(path)
    (line,) = st.lines
    assert (line.booked, line.value_date, line.amount) == (date(2024, 1, 2), date(2023, 12, 31), Decimal("-1.5"))
    assert line.description == "Gebühr Dezember"
