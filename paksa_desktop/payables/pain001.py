"""ISO 20022 pain.001.001.03 (customer credit transfer initiation): the file a payment run sends the bank.

Written with lxml rather than a SEPA package: `sepaxml` (maintained, MIT) takes amounts as integer
cents with two decimals fixed (a JPY or KWD transfer would be off by a factor of 100 or 10), one
currency per file, and makes random ids; Paksa needs the currency's own ISO 4217 decimals, one payment
group per currency and ids the payment run chose (the bank echoes them back on the statement, where
matching reads them). Only the schema file comes from `sepaxml` (see resources/schemas/README.md).

The layout follows the EPC SEPA credit transfer guidelines where they are stricter than the schema:
names cut to 70 characters, at most two address lines, texts in the SEPA character set. A EUR group is
marked SEPA (service level SEPA, charges SLEV); any other currency is an ordinary transfer with shared
charges (SHAR). Every file is validated against the official XSD before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from importlib.resources import files

from lxml import etree

from paksa_desktop.core.bank_details import compact_bic
from paksa_desktop.core.errors import PaymentFileError
from paksa_desktop.core.money import currency_exponent, format_amount
from paksa_desktop.payables.payment_batch import (
    ID_MAX,
    CreditTransfer,
    Party,
    PaymentBatch,
    check_batch,
    compact_iban,
)
from paksa_desktop.payables.sepa_text import sepa_text

__all__ = ["NAMESPACE", "PaymentFileError", "pain001_xml", "validate_pain001"]

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SCHEMA_FILE = "pain.001.001.03.xsd"
NAME_MAX = 70  # EPC limit for party names (the schema allows 140; SEPA banks cut or refuse beyond 70)
ADDRESS_LINE_MAX = 70
ADDRESS_LINES = 2  # EPC limit (the schema allows 7)
REMITTANCE_MAX = 140
_N = f"{{{NAMESPACE}}}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _N + tag, attrs)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    """`_path(x, "Id/IBAN", v)`: nested elements, the text on the last."""
    for tag in tags.split("/"):
        parent = _sub(parent, tag)
    parent.text = text
    return parent


def _sum(amounts: Sequence[Decimal], exponent: int) -> str:
    return format_amount(sum(amounts, Decimal(0)), exponent)


def _address_lines(party: Party) -> list[str]:
    """The party's address in at most two lines of 70 characters; later lines join the second."""
    lines = [sepa_text(line) for line in party.address_lines]
    lines = [line for line in lines if line]
    if len(lines) > ADDRESS_LINES:
        lines = [*lines[: ADDRESS_LINES - 1], ", ".join(lines[ADDRESS_LINES - 1 :])]
    return [sepa_text(line, ADDRESS_LINE_MAX) for line in lines]


def _party(parent: etree._Element, tag: str, party: Party, *, address: bool) -> None:
    element = _sub(parent, tag)
    _sub(element, "Nm", sepa_text(party.name, NAME_MAX) or "?")
    lines = _address_lines(party) if address else []
    if address and (lines or party.country):
        postal = _sub(element, "PstlAdr")
        if party.country:
            _sub(postal, "Ctry", party.country)
        for line in lines:
            _sub(postal, "AdrLine", line)


def _agent(parent: etree._Element, tag: str, bic: str) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if bic.strip():
        _sub(institution, "BIC", compact_bic(bic))
    else:
        _path(institution, "Othr/Id", "NOTPROVIDED")


def _payment_id(message_id: str, number: int) -> str:
    suffix = f"-{number}"
    return message_id[: ID_MAX - len(suffix)] + suffix


def _group(root: etree._Element, batch: PaymentBatch, number: int, currency: str, group: list[CreditTransfer]) -> None:
    exponent = currency_exponent(currency)
    sepa = currency == "EUR"
    info = _sub(root, "PmtInf")
    _sub(info, "PmtInfId", _payment_id(batch.message_id, number))
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "true")  # one debit on the statement for the group, as the run is matched
    _sub(info, "NbOfTxs", str(len(group)))
    _sub(info, "CtrlSum", _sum([t.amount for t in group], exponent))
    if sepa:
        _path(info, "PmtTpInf/SvcLvl/Cd", "SEPA")
    _sub(info, "ReqdExctnDt", batch.execution_date.isoformat())
    _party(info, "Dbtr", batch.debtor, address=True)
    _path(_sub(info, "DbtrAcct"), "Id/IBAN", compact_iban(batch.debtor.iban))
    _agent(info, "DbtrAgt", batch.debtor.bic)
    _sub(info, "ChrgBr", "SLEV" if sepa else "SHAR")
    for t in group:
        tx = _sub(info, "CdtTrfTxInf")
        _path(tx, "PmtId/EndToEndId", t.end_to_end_id)
        _path(tx, "Amt/InstdAmt", format_amount(t.amount, exponent)).set("Ccy", currency)
        if t.creditor.bic.strip():
            _agent(tx, "CdtrAgt", t.creditor.bic)
        _party(tx, "Cdtr", t.creditor, address=True)
        _path(_sub(tx, "CdtrAcct"), "Id/IBAN", compact_iban(t.creditor.iban))
        remittance = sepa_text(t.remittance, REMITTANCE_MAX)
        if remittance:
            _path(tx, "RmtInf/Ustrd", remittance)


def pain001_xml(batch: PaymentBatch) -> bytes:
    """The batch as a pain.001.001.03 document (UTF-8), checked first and validated against the XSD.

    Raises PaymentFileError listing every problem (invalid IBAN or BIC, amount not positive or with
    too many decimals, empty batch, bad ids), each naming the vendor; nothing is returned then.
    """
    check_batch(batch)
    groups: dict[str, list[CreditTransfer]] = {}
    for t in batch.transfers:
        groups.setdefault(t.currency.upper(), []).append(t)
    exponent = max(currency_exponent(c) for c in groups)
    root = etree.Element(_N + "Document", nsmap={None: NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", batch.message_id)
    _sub(header, "CreDtTm", batch.created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(batch.count))
    _sub(header, "CtrlSum", _sum([t.amount for t in batch.transfers], exponent))
    _path(header, "InitgPty/Nm", sepa_text(batch.initiating_party, NAME_MAX) or "?")
    for number, (currency, group) in enumerate(groups.items(), start=1):
        _group(initiation, batch, number, currency, group)
    # The declaration written by hand: lxml quotes it with apostrophes, which some bank portals refuse.
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    validate_pain001(xml)
    return xml


def _schema() -> etree.XMLSchema:
    """The official schema, parsed per call (a few ms): lxml schema objects are not shared across threads."""
    source = files("resources.schemas").joinpath(SCHEMA_FILE).read_bytes()
    return etree.XMLSchema(etree.fromstring(source, _parser()))


def _parser() -> etree.XMLParser:
    """No entities resolved, no network, no DTD: a payment file is data, never instructions."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def validate_pain001(xml: bytes) -> None:
    """Refuse a document that is not well-formed pain.001.001.03: every schema error with its line."""
    try:
        document = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise PaymentFileError([f"line {line}: the file is not well-formed XML: {exc.msg}"]) from None
    if document.getroottree().docinfo.doctype:
        raise PaymentFileError(["the file declares a DOCTYPE; a pain.001 file has none"])
    schema = _schema()
    if schema.validate(document):
        return
    problems = [f"line {e.line}: {_readable(e.message)}" for e in schema.error_log]
    raise PaymentFileError(["the payment file does not match the pain.001.001.03 schema:", *problems])


def _readable(message: str) -> str:
    """lxml's message without the namespace noise: "Element 'GrpHdr/CtrlSum': ..." reads better."""
    return message.replace(_N, "").replace(f"( {NAMESPACE} )", "").replace("  ", " ")
