"""CAMT and OFX files read into statements; hostile and broken XML refused with the place named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from paksa_desktop.banking.formats import StatementFileError, detect_format, read_statement_file
from tests.banking.formats_helpers import FILES


def test_camt053_two_accounts_booked_entries_only() -> None:
    eur, gbp = read_statement_file(FILES / "camt053_two_accounts.xml")
    assert (eur.format, eur.account, eur.currency, eur.statement_id) == (
        "camt.053",
        "DE89370400440532013000",
        "EUR",
        "STMT-2024-01-EUR",
    )
    assert (eur.opening, eur.closing, eur.start, eur.end) == (
        Decimal("1000.00"),
        Decimal("1204.90"),
        date(2024, 1, 31),
        date(2024, 1, 31),
    )
    assert eur.balance_problem() is None
    received, paid = eur.lines  # the pending entry is not part of the statement
    assert received.amount == Decimal("250.00") and received.booked == date(2024, 1, 31)
    assert received.value_date == date(2024, 2, 1)
    assert (received.reference, received.bank_id, received.kind) == ("E2E-INV-1001", "BANKREF-0001", "PMNT/RCDT/ESCT")
    assert (received.counterparty, received.counterparty_account) == ("Müller GmbH", "DE02120300000000202051")
    assert received.description == "Invoice INV-1001"
    assert paid.amount == Decimal("-45.10")
    assert (paid.reference, paid.counterparty, paid.kind) == ("RF18539007547034", "Stadtwerke Nord", "NDDT+105")
    assert paid.description == "Direct debit electricity January"
    assert (gbp.account, gbp.currency, gbp.opening, gbp.closing) == (
        "60161331926819",
        "GBP",
        Decimal("-500.00"),
        Decimal("-400.00"),
    )
    assert [line.amount for line in gbp.lines] == [Decimal("100.00")]
    assert gbp.balance_problem() is None


def test_camt052_and_camt054_older_versions() -> None:
    (report,) = read_statement_file(FILES / "camt052_report.xml")
    assert (report.format, report.account, report.opening, report.closing) == (
        "camt.052",
        "NL91ABNA0417164300",
        None,
        None,
    )
    (line,) = report.lines
    assert (line.amount, line.counterparty, line.counterparty_account) == (
        Decimal("-12.34"),
        "Coffee Corner",
        "NL39RABO0300065264",
    )
    assert line.description == "Card payment 5 March"
    (notice,) = read_statement_file(FILES / "camt054_notice.xml")
    assert notice.format == "camt.054" and notice.currency == "CHF"
    assert [(x.amount, x.reference, x.counterparty) for x in notice.lines] == [
        (Decimal("1500.00"), "QR-0001", "Alpenblick AG")
    ]


def test_ofx1_sgml_in_cp1252() -> None:
    assert detect_format(FILES / "ofx1_sgml_cp1252.ofx") == "ofx"
    (st,) = read_statement_file(FILES / "ofx1_sgml_cp1252.ofx")
    assert (st.format, st.account, st.currency, st.opening, st.closing) == (
        "ofx",
        "4433221100",
        "USD",
        None,
        Decimal("3427.55"),
    )
    assert (st.start, st.end) == (date(2024, 1, 1), date(2024, 1, 31))
    first, cheque, fee = st.lines
    assert first.counterparty == "Café Müller & Söhne"  # cp1252 bytes, a bare ampersand
    assert first.description == "Payment – invoice 7"
    assert (first.amount, first.bank_id, first.reference, first.kind) == (
        Decimal("1250.00"),
        "2024010500001",
        "INV-2024-0007",
        "CREDIT",
    )
    assert first.booked == date(2024, 1, 5) and first.value_date == date(2024, 1, 6)
    assert first.row == 39  # the line of its <STMTTRN>
    assert (cheque.amount, cheque.reference, cheque.counterparty) == (Decimal("-310.45"), "1042", "Rent & service")
    assert fee.amount == Decimal("-12.00") and fee.description == "Monthly fee"


def test_ofx2_xml_credit_card_qfx() -> None:
    (st,) = read_statement_file(FILES / "ofx2_creditcard.qfx")
    assert (st.account, st.currency, st.closing) == ("4111XXXXXXXX1111", "CAD", Decimal("-1234.56"))
    purchase, payment = st.lines
    assert (purchase.amount, purchase.counterparty, purchase.description) == (
        Decimal("-89.99"),
        "Office Supplies Ltd",
        "Toner & paper",
    )
    assert (payment.amount, payment.booked, payment.bank_id) == (
        Decimal("500.00"),
        date(2024, 2, 20),
        "CC-20240220-2",
    )


def _error(name: str) -> str:
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(FILES / name)
    return str(caught.value)


def test_xml_bomb_and_external_entity_refused() -> None:
    bomb = _error("xml_bomb.xml")
    assert bomb.startswith("xml_bomb.xml: XML: ") and "entity 'lol'" in bomb and "refused" in bomb
    xxe = _error("xml_external_entity.xml")
    assert xxe.startswith("xml_external_entity.xml: XML: ") and "entity 'secret'" in xxe
    assert "root:" not in xxe  # nothing of /etc/passwd leaks into the message


def test_truncated_files_name_the_place() -> None:
    assert _error("camt053_truncated.xml").startswith("camt053_truncated.xml:48: XML: column ")
    assert "cut short" in _error("camt053_truncated.xml")
    assert _error("ofx1_truncated.ofx") == (
        "ofx1_truncated.ofx:58: <STMTTRN>: never closed: the file is cut short or malformed"
    )


def test_bad_values_are_all_listed_with_their_place() -> None:
    assert _error("camt053_bad_values.xml").splitlines() == [
        "camt053_bad_values.xml: Stmt 1 Ntry 1 BookgDt: '2024-01-32' is not a date (YYYY-MM-DD)",
        "camt053_bad_values.xml: Stmt 1 Ntry 2 Amt: '45,10' is not an amount (digits and '.', e.g. 1234.56)",
    ]
    assert _error("ofx1_bad_values.ofx").splitlines() == [
        "ofx1_bad_values.ofx:49: STMTTRN DTPOSTED: '2024-01-10' is not a date (YYYYMMDD)",
        "ofx1_bad_values.ofx:58: STMTTRN TRNAMT: '-12.OO' is not an amount (e.g. -1234.56)",
    ]


def test_ofx_with_an_error_status_reports_the_bank_message(tmp_path) -> None:
    path = tmp_path / "refused.ofx"
    path.write_text(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS>"
        "<CODE>15500<SEVERITY>ERROR<MESSAGE>Invalid user ID or password</STATUS></SONRS></SIGNONMSGSRSV1></OFX>\n"
    )
    assert _error_at(path) == "refused.ofx: STATUS: the bank reported error 15500 Invalid user ID or password"


def test_xml_that_is_no_statement(tmp_path) -> None:
    path = tmp_path / "invoice.xml"
    path.write_text('<?xml version="1.0"?><Invoice><ID>1</ID></Invoice>')
    assert _error_at(path) == "invoice.xml: an XML file that is neither a CAMT (ISO 20022) statement nor OFX"
    pain = tmp_path / "pain.xml"
    pain.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><Other/></Document>')
    assert "not a camt.052, camt.053 or camt.054 message" in _error_at(pain)


def _error_at(path) -> str:
    with pytest.raises(StatementFileError) as caught:
        read_statement_file(path)
    return str(caught.value)


def test_sgml_end_tag_without_start_names_its_line(tmp_path) -> None:
    path = tmp_path / "stray.ofx"
    path.write_text(
        "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"
    )
    assert _error_at(path) == "stray.ofx:7: </STMTRS>: end tag without its start tag"


def test_xml_in_another_encoding_than_declared(tmp_path) -> None:
    path = tmp_path / "latin.xml"
    text = (FILES / "camt053_two_accounts.xml").read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252"))  # 'Müller' as one cp1252 byte, in a file declared UTF-8
    assert _error_at(path) == (
        "latin.xml:28: XML: column 29: not well-formed (invalid token) "
        "(the file says it is UTF-8 but is in another encoding; save it as UTF-8)"
    )


def test_camt053_batch_entries_become_one_line_per_transaction() -> None:
    (st,) = read_statement_file(FILES / "camt053_batch.xml")
    assert st.balance_problem() is None  # the split lines still add up to the stated balances
    got = [(x.amount, x.bank_id, x.reference, x.counterparty, x.description) for x in st.lines]
    assert got == [
        (Decimal("250.00"), "TX-7781-01", "INV-2001", "Alfreds Futterkiste", "Invoice INV-2001"),
        # no AcctSvcrRef of its own: the entry's and its place; NOTPROVIDED is no reference
        (Decimal("150.00"), "BATCH-7781/2", "RF18539007547034", "Blauer See Delikatessen",
         "SEPA credit transfers, batch of 3"),
        (Decimal("200.00"), "TX-7781-03", "INV-2003", "Bon app'", "INV-2003"),
        # the older form: one TxDtls per NtryDtls, amounts in AmtDtls/TxAmt, the entry's DBIT sign
        (Decimal("-30.00"), "B-101/1", "", "Telecom Nord", "SEPA direct debits"),
        (Decimal("-50.00"), "B-101/2", "", "Stadtwerke Nord", "Electricity April"),
        # 60 + 40 is not 99: the bank's total stays one line, with a warning
        (Decimal("99.00"), "BATCH-7790", "", "", "Card settlement batch"),
        (Decimal("-12.50"), "FEE-0430", "", "", "Account charges April"),
    ]  # fmt: skip
    assert {x.booked for x in st.lines} == {date(2024, 4, 30)} and st.lines[0].kind == "PMNT/RCDT/BCDT"
    assert st.lines[0].counterparty_account == "DE02120300000000202051"
    assert st.lines[0].value_date == date(2024, 4, 30)
    (warning,) = st.warnings
    assert warning == (
        "camt053_batch.xml: Stmt 1 Ntry 3 (2024-04-30, 99.00): its 2 transactions add up to 100.00, not to the "
        "entry's amount; imported as one line"
    )
