"""Payment batches for the payables file tests: real IBANs (valid check digits), a few currencies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from paksa_desktop.payables.payment_batch import CreditTransfer, Party, PaymentBatch

# Valid IBANs of several countries (the examples their banking associations publish).
IBANS = (
    "FR14 2004 1010 0505 0001 3M02 606",
    "GB82 WEST 1234 5698 7654 32",
    "NL91 ABNA 0417 1643 00",
    "CH93 0076 2011 6238 5295 7",
    "BE68 5390 0754 7034",
    "AT61 1904 3002 3457 3201",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
)
COMPANY = Party(
    "Müller & Söhne GmbH", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX", ("Hauptstraße 1", "10115 Berlin"), "DE"
)


def vendor(number: int, name: str, **kw: object) -> Party:
    fields: dict[str, object] = {"name": name, "iban": IBANS[number % len(IBANS)]}
    fields.update(kw)
    return Party(**fields)  # type: ignore[arg-type]


def transfer(
    number: int, amount: str, currency: str = "EUR", *, name: str = "", remittance: str = "", **party: object
) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=f"RUN7-V{number:03d}",
        creditor=vendor(number, name or f"Vendor {number}", **party),
        amount=Decimal(amount),
        currency=currency,
        remittance=remittance or f"BILL-{number}",
        vendor_code=f"V{number:03d}",
    )


def batch(*transfers: CreditTransfer, debtor: Party = COMPANY, message_id: str = "RUN-2024-0007") -> PaymentBatch:
    return PaymentBatch(
        message_id=message_id,
        created_at=datetime(2024, 5, 30, 9, 15, tzinfo=UTC),
        execution_date=date(2024, 5, 31),
        debtor=debtor,
        initiating_party="Müller & Söhne GmbH",
        transfers=tuple(transfers),
    )


def eur_batch() -> PaymentBatch:
    return batch(
        transfer(
            1,
            "1234.50",
            name="Café Éclair SARL",
            bic="PSSTFRPPPAR",
            address_lines=("12 rue de la Paix", "75002 Paris"),
            country="FR",
            remittance="INV-881, INV-884",
        ),
        transfer(2, "99.99", name="Brouwerij 't Hofje B.V.", bic="ABNANL2A", country="NL"),
        transfer(3, "0.01", name="Österreichische Lieferungen GmbH"),
    )
