"""A payment run as a CSV file: for banks and payment portals that take a spreadsheet, not pain.001.

One row per credit transfer, with the columns of `CSV_HEADER`. Names and remittance text are written
as entered (UTF-8, no SEPA transliteration: the portal does its own), text that a spreadsheet would run
as a formula gets the house apostrophe (docs/file-formats.md), amounts are plain decimals with the
currency's ISO 4217 decimals and dates are ISO. The batch is checked exactly as for pain.001 first.
"""

from __future__ import annotations

import csv
import io

from paksa_desktop.core.bank_details import compact_bic
from paksa_desktop.core.money import currency_exponent, format_amount
from paksa_desktop.integration.tabular import escape_text
from paksa_desktop.payables.payment_batch import PaymentBatch, check_batch, compact_iban

CSV_HEADER = (
    "execution_date",
    "debtor_iban",
    "vendor",
    "creditor_name",
    "creditor_iban",
    "creditor_bic",
    "amount",
    "currency",
    "end_to_end_id",
    "remittance",
)


def payments_csv(batch: PaymentBatch) -> str:
    """The batch as CSV text (header row, then one row per transfer, `\\n` line ends).

    Raises PaymentFileError listing every problem (as `pain001_xml` does); nothing is returned then.
    """
    check_batch(batch)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    debtor = compact_iban(batch.debtor.iban)
    for t in batch.transfers:
        currency = t.currency.upper()
        writer.writerow(
            [
                batch.execution_date.isoformat(),
                debtor,
                escape_text(t.vendor_code),
                escape_text(t.creditor.name.strip()),
                compact_iban(t.creditor.iban),
                compact_bic(t.creditor.bic),
                format_amount(t.amount, currency_exponent(currency)),
                currency,
                escape_text(t.end_to_end_id),
                escape_text(t.remittance),
            ]
        )
    return out.getvalue()
