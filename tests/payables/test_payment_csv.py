"""The payment CSV: read back with csv.DictReader it is the batch, row for row."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from paksa_desktop.core.errors import PaymentFileError
from paksa_desktop.integration.tabular import unescape_text
from paksa_desktop.payables.payment_csv import CSV_HEADER, payments_csv
from tests.payables.batches import batch, eur_batch, transfer


def test_header_is_exactly_the_documented_one() -> None:
    text = payments_csv(eur_batch())
    assert text.splitlines()[0] == (
        "execution_date,debtor_iban,vendor,creditor_name,creditor_iban,creditor_bic,amount,currency,end_to_end_id,remittance"
    )
    assert ",".join(CSV_HEADER) == text.splitlines()[0]


def test_read_back_equals_the_batch() -> None:
    b = batch(
        *eur_batch().transfers,
        transfer(4, "15000", "JPY", name="Tōkyō Shōji K.K."),
        transfer(5, "7.125", "KWD", name='Gulf "Star", Trading', remittance="B-1, B-2"),
    )
    rows = list(csv.DictReader(io.StringIO(payments_csv(b))))
    assert len(rows) == b.count
    for row, t in zip(rows, b.transfers, strict=True):
        assert row["execution_date"] == "2024-05-31"
        assert row["debtor_iban"] == "DE89370400440532013000"
        assert row["vendor"] == t.vendor_code
        assert row["creditor_name"] == t.creditor.name  # as entered: UTF-8, no transliteration
        assert row["creditor_iban"] == "".join(t.creditor.iban.split())
        assert row["creditor_bic"] == t.creditor.bic
        assert Decimal(row["amount"]) == t.amount
        assert row["currency"] == t.currency
        assert row["end_to_end_id"] == t.end_to_end_id
        assert row["remittance"] == t.remittance
    assert [r["amount"] for r in rows] == ["1234.50", "99.99", "0.01", "15000", "7.125"]


def test_formula_like_text_gets_the_apostrophe_and_reads_back() -> None:
    b = batch(transfer(1, "10", name='=HYPERLINK("x")', remittance="-5% credit, B-1"))
    [row] = list(csv.DictReader(io.StringIO(payments_csv(b))))
    assert row["creditor_name"] == '\'=HYPERLINK("x")'
    assert row["remittance"] == "'-5% credit, B-1"
    assert unescape_text(row["creditor_name"]) == b.transfers[0].creditor.name
    assert unescape_text(row["remittance"]) == b.transfers[0].remittance


def test_refused_like_the_xml() -> None:
    with pytest.raises(PaymentFileError, match=r"vendor V002 \(Acme\): IBAN .* is not valid"):
        payments_csv(batch(transfer(1, "1"), transfer(2, "1", name="Acme", iban="GB00 WEST 1234 5698 7654 32")))
    with pytest.raises(PaymentFileError, match="no transfers"):
        payments_csv(batch())
