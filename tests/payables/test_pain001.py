"""pain.001.001.03: files validated against the official XSD, read back, and refused when they should be."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from paksa_desktop.core.errors import PaymentFileError, ValidationError
from paksa_desktop.core.money import currency_exponent
from paksa_desktop.payables.pain001 import NAMESPACE, pain001_xml, validate_pain001
from paksa_desktop.payables.payment_batch import CreditTransfer, Party, PaymentBatch
from paksa_desktop.payables.sepa_text import is_sepa_text
from tests.payables.batches import COMPANY, IBANS, batch, eur_batch, transfer

NS = {"p": NAMESPACE}


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def one(root: etree._Element, path: str) -> str:
    found = texts(root, path)
    assert len(found) == 1, (path, found)
    return found[0]


def test_eur_batch_validates_and_reads_back() -> None:
    b = eur_batch()
    xml = pain001_xml(b)
    validate_pain001(xml)  # again, from the bytes alone
    root = parse(xml)
    assert one(root, "//p:GrpHdr/p:MsgId") == "RUN-2024-0007"
    assert one(root, "//p:GrpHdr/p:CreDtTm") == "2024-05-30T09:15:00+00:00"
    assert one(root, "//p:GrpHdr/p:NbOfTxs") == "3"
    assert one(root, "//p:GrpHdr/p:CtrlSum") == "1334.50"
    assert one(root, "//p:GrpHdr/p:InitgPty/p:Nm") == "Muller + Sohne GmbH"
    [info] = root.xpath("//p:PmtInf", namespaces=NS)
    assert one(info, "p:PmtInfId") == "RUN-2024-0007-1"
    assert one(info, "p:PmtMtd") == "TRF"
    assert one(info, "p:BtchBookg") == "true"
    assert one(info, "p:NbOfTxs") == "3"
    assert one(info, "p:CtrlSum") == "1334.50"
    assert one(info, "p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA"
    assert one(info, "p:ReqdExctnDt") == "2024-05-31"
    assert one(info, "p:Dbtr/p:Nm") == "Muller + Sohne GmbH"
    assert texts(info, "p:Dbtr/p:PstlAdr/p:AdrLine") == ["Hauptstrasse 1", "10115 Berlin"]
    assert one(info, "p:DbtrAcct/p:Id/p:IBAN") == "DE89370400440532013000"
    assert one(info, "p:DbtrAgt/p:FinInstnId/p:BIC") == "COBADEFFXXX"
    assert one(info, "p:ChrgBr") == "SLEV"
    assert texts(info, "p:CdtTrfTxInf/p:PmtId/p:EndToEndId") == ["RUN7-V001", "RUN7-V002", "RUN7-V003"]
    assert texts(info, "p:CdtTrfTxInf/p:Amt/p:InstdAmt") == ["1234.50", "99.99", "0.01"]
    assert {e.get("Ccy") for e in info.xpath("p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=NS)} == {"EUR"}
    assert texts(info, "p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN") == [
        "".join(t.creditor.iban.split()) for t in b.transfers
    ]
    assert texts(info, "p:CdtTrfTxInf/p:Cdtr/p:Nm") == [
        "Cafe Eclair SARL",
        "Brouwerij 't Hofje B.V.",
        "Osterreichische Lieferungen GmbH",
    ]
    # the BIC and the address only where known
    assert texts(info, "p:CdtTrfTxInf/p:CdtrAgt/p:FinInstnId/p:BIC") == ["PSSTFRPPPAR", "ABNANL2A"]
    first, second, third = info.xpath("p:CdtTrfTxInf", namespaces=NS)
    assert texts(first, "p:Cdtr/p:PstlAdr/p:Ctry") == ["FR"]
    assert texts(first, "p:Cdtr/p:PstlAdr/p:AdrLine") == ["12 rue de la Paix", "75002 Paris"]
    assert texts(second, "p:Cdtr/p:PstlAdr/p:Ctry") == ["NL"]
    assert texts(third, "p:Cdtr/p:PstlAdr") == []
    assert one(first, "p:RmtInf/p:Ustrd") == "INV-881, INV-884"
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_usd_batch_validates_without_sepa_marks() -> None:
    b = batch(transfer(1, "1500.00", "USD", name="Acme Inc"), transfer(2, "20.05", "usd", name="Globex LLC"))
    root = parse(pain001_xml(b))
    [info] = root.xpath("//p:PmtInf", namespaces=NS)
    assert info.xpath("p:PmtTpInf", namespaces=NS) == []
    assert one(info, "p:ChrgBr") == "SHAR"
    assert one(info, "p:CtrlSum") == "1520.05"
    assert {e.get("Ccy") for e in info.xpath(".//p:InstdAmt", namespaces=NS)} == {"USD"}
    # no BIC known for the debtor's agent in this batch? it has one; a debtor without one says NOTPROVIDED
    nobic = batch(transfer(1, "10", "USD"), debtor=replace(COMPANY, bic=""))
    assert one(parse(pain001_xml(nobic)), "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == "NOTPROVIDED"


def test_each_currency_gets_its_group_with_its_own_decimals() -> None:
    b = batch(
        transfer(1, "100.10", "EUR"),
        transfer(2, "15000", "JPY"),
        transfer(3, "12.345", "KWD"),
        transfer(4, "0.90", "EUR"),
    )
    root = parse(pain001_xml(b))
    groups = root.xpath("//p:PmtInf", namespaces=NS)
    assert [texts(g, "p:CdtTrfTxInf/p:Amt/p:InstdAmt") for g in groups] == [["100.10", "0.90"], ["15000"], ["12.345"]]
    assert [one(g, "p:CtrlSum") for g in groups] == ["101.00", "15000", "12.345"]
    assert [one(g, "p:PmtInfId") for g in groups] == ["RUN-2024-0007-1", "RUN-2024-0007-2", "RUN-2024-0007-3"]
    assert [len(g.xpath("p:PmtTpInf", namespaces=NS)) for g in groups] == [1, 0, 0]
    assert one(root, "//p:GrpHdr/p:CtrlSum") == "15113.345"
    assert one(root, "//p:GrpHdr/p:NbOfTxs") == "4" == str(b.count)


def test_long_texts_are_transliterated_and_cut_to_the_limits() -> None:
    name = "Ødegård & Ærø Import-Export Aktieselskab " * 4
    lines = ("Østre Ringvej 1", "Bygning 7, 3. sal", "2100 København Ø", "Danmark")
    remittance = ", ".join(f"FAKTURA-{n:05d}" for n in range(30))
    b = batch(transfer(1, "10", name=name, address_lines=lines, country="DK", remittance=remittance))
    tx = parse(pain001_xml(b)).xpath("//p:CdtTrfTxInf", namespaces=NS)[0]
    printed_name = one(tx, "p:Cdtr/p:Nm")
    assert len(printed_name) <= 70 and printed_name.startswith("Odegard + AEro Import-Export Aktieselskab Odegard")
    address = texts(tx, "p:Cdtr/p:PstlAdr/p:AdrLine")
    assert address == ["Ostre Ringvej 1", "Bygning 7, 3. sal, 2100 Kobenhavn O, Danmark"]
    ustrd = one(tx, "p:RmtInf/p:Ustrd")
    assert len(ustrd) <= 140 and ustrd.endswith("FAKTURA-00008")  # whole numbers only
    for element in tx.iter():
        assert element.text is None or is_sepa_text(element.text.strip()), element.text


def problems_of(b: PaymentBatch) -> list[str]:
    with pytest.raises(PaymentFileError) as caught:
        pain001_xml(b)
    assert isinstance(caught.value, ValidationError)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_invalid_iban_is_refused_naming_the_vendor() -> None:
    bad = transfer(2, "10", name="Acme Inc", iban="DE89 3704 0044 0532 0130 01")
    assert problems_of(batch(transfer(1, "10"), bad)) == [
        "transfer 2, vendor V002 (Acme Inc): IBAN DE89370400440532013001 is not valid: "
        "the check digits do not match (probably a typing mistake)"
    ]
    domestic = transfer(1, "10", name="Acme Inc", iban="123456789")
    [message] = problems_of(batch(domestic))
    assert "vendor V001 (Acme Inc)" in message and "'123456789' is not an IBAN" in message
    [message] = problems_of(batch(transfer(1, "10", name="Acme Inc", iban="")))
    assert message == "transfer 1, vendor V001 (Acme Inc): has no IBAN"


def test_bad_bic_and_country_are_refused() -> None:
    problems = problems_of(batch(transfer(1, "10", name="Acme Inc", bic="DEUTDE1F", country="Germany")))
    assert problems[0].startswith("transfer 1, vendor V001 (Acme Inc): BIC DEUTDE1F is not valid")
    assert problems[1] == (
        "transfer 1, vendor V001 (Acme Inc): country 'Germany' is not a two-letter ISO code such as DE"
    )
    [message] = problems_of(batch(transfer(1, "10", name="Acme Inc", bic="DEUTDEF")))
    assert "BIC DEUTDEF is not valid: invalid length" in message.replace("Invalid", "invalid")


@pytest.mark.parametrize(
    ("amount", "currency", "reason"),
    [
        ("0", "EUR", "amount 0 EUR is not positive"),
        ("-5.00", "EUR", "amount -5.00 EUR is not positive"),
        ("1.005", "EUR", "amount 1.005 has more than the 2 decimals EUR allows"),
        ("1000.5", "JPY", "amount 1000.5 has more than the 0 decimals JPY allows"),
        ("10", "XYZ", "unknown currency code 'XYZ'"),
        ("1" * 19, "EUR", "more than the 18 digits a payment file holds"),
    ],
)
def test_bad_amounts_are_refused_naming_the_vendor(amount: str, currency: str, reason: str) -> None:
    [message] = problems_of(batch(transfer(4, amount, currency, name="Initech")))
    assert message.startswith("transfer 1, vendor V004 (Initech): ")
    assert reason in message


def test_empty_batch_and_bad_debtor_are_refused_with_every_problem() -> None:
    b = batch(debtor=Party("", "DE00 1234"), message_id="RUN/2024//7")
    assert problems_of(b) == [
        "payment batch: message id 'RUN/2024//7' may only hold letters, digits, spaces and / - ? : ( ) . , ' + "
        "(not starting or ending with '/', no '//')",
        "debtor account (no name): the name is empty",
        "debtor account (no name): IBAN DE001234 is not valid: invalid IBAN length",
        "payment batch RUN/2024//7: there are no transfers; nothing to pay",
    ]


def test_duplicate_and_overlong_end_to_end_ids_are_refused() -> None:
    a = transfer(1, "10")
    b = replace(transfer(2, "20"), end_to_end_id=a.end_to_end_id)
    c = replace(transfer(3, "30"), end_to_end_id="X" * 36)
    problems = problems_of(batch(a, b, c))
    assert problems == [
        "transfer 1, vendor V001 (Vendor 1): end-to-end id 'RUN7-V001' is used by another transfer of the batch",
        "transfer 2, vendor V002 (Vendor 2): end-to-end id 'RUN7-V001' is used by another transfer of the batch",
        f"transfer 3, vendor V003 (Vendor 3): end-to-end id '{'X' * 36}' is longer than 35 characters",
    ]


def test_a_tampered_file_fails_validation_with_its_line() -> None:
    xml = pain001_xml(eur_batch())
    lines = xml.decode().splitlines()
    # drop the group header's NbOfTxs (the first one): the schema requires it
    first = next(i for i, line in enumerate(lines) if "<NbOfTxs>" in line)
    tampered = "\n".join(lines[:first] + lines[first + 1 :]).encode()
    with pytest.raises(PaymentFileError) as caught:
        validate_pain001(tampered)
    problems = caught.value.problems
    assert problems[0] == "the payment file does not match the pain.001.001.03 schema:"
    assert problems[1] == (
        f"line {first + 1}: Element 'CtrlSum': This element is not expected. Expected is one of ( Authstn, NbOfTxs )."
    )
    assert NAMESPACE not in problems[1]


def test_a_wrong_amount_and_a_broken_file_are_refused() -> None:
    xml = pain001_xml(eur_batch()).replace(b'<InstdAmt Ccy="EUR">99.99<', b'<InstdAmt Ccy="EUR">-99.99<')
    with pytest.raises(PaymentFileError, match=r"line \d+: Element 'InstdAmt'.*-99\.99"):
        validate_pain001(xml)
    with pytest.raises(PaymentFileError, match=r"^line 3: the file is not well-formed XML"):
        validate_pain001(b'<?xml version="1.0"?>\n<Document>\n<a></b>\n</Document>')


def test_entities_are_not_expanded() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&e;</Document>'
    )
    with pytest.raises(PaymentFileError) as caught:
        validate_pain001(evil)
    assert caught.value.problems == ["the file declares a DOCTYPE; a pain.001 file has none"]


# ------------------------------------------------------------------------------------------ property

CURRENCIES = ("EUR", "USD", "JPY", "KWD", "CHF", "GBP")


@st.composite
def transfers(draw: st.DrawFn, number: int) -> CreditTransfer:
    currency = draw(st.sampled_from(CURRENCIES))
    units = draw(st.integers(min_value=1, max_value=10**13))
    return CreditTransfer(
        end_to_end_id=f"E2E-{number}",
        creditor=Party(
            name=draw(st.text(min_size=1, max_size=160).filter(str.strip)),
            iban=draw(st.sampled_from(IBANS)),
            bic=draw(st.sampled_from(("", "ABNANL2A", "PSSTFRPPPAR"))),
            address_lines=tuple(draw(st.lists(st.text(max_size=90), max_size=4))),
            country=draw(st.sampled_from(("", "NL", "FR"))),
        ),
        amount=Decimal(units).scaleb(-currency_exponent(currency)),
        currency=currency,
        remittance=draw(st.text(max_size=300)),
        vendor_code=f"V{number}",
    )


@st.composite
def batches(draw: st.DrawFn) -> PaymentBatch:
    count = draw(st.integers(min_value=1, max_value=12))
    return batch(*(draw(transfers(n)) for n in range(count)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_control_sums_equal_the_amounts_and_every_file_validates(b: PaymentBatch) -> None:
    xml = pain001_xml(b)
    validate_pain001(xml)
    root = parse(xml)
    amounts = [Decimal(a) for a in texts(root, "//p:InstdAmt")]
    assert Decimal(one(root, "//p:GrpHdr/p:CtrlSum")) == sum(amounts) == b.total
    assert int(one(root, "//p:GrpHdr/p:NbOfTxs")) == len(amounts) == b.count
    for group in root.xpath("//p:PmtInf", namespaces=NS):
        own = [Decimal(a) for a in texts(group, ".//p:InstdAmt")]
        assert Decimal(one(group, "p:CtrlSum")) == sum(own)
        assert int(one(group, "p:NbOfTxs")) == len(own)
    assert sorted(amounts) == sorted(t.amount for t in b.transfers)
