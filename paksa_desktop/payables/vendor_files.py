"""Vendor files (CSV or xlsx): `paksa import vendors FILE [--update]`, `paksa export vendors`.

Columns `code,name,currency,payment_terms_days,iban,bic`, then optionally `tax_number,expense_account,
withholding_rate`. `payment_terms_days` is a number of days (30 is "net 30") or terms such as
"2/10 net 30"; an empty currency is the base currency; `withholding_rate` is a percentage (a number,
0 included, marks a withholding vendor; empty: not one).

Reading is the receivables customer reader's (receivables/files.py `read_records`): every row is
checked, every bad cell named `FILE[SHEET]:ROW: column: reason`, nothing written unless the whole file
is right. A code already in the company is an error unless the import updates existing vendors; a
code twice in the file always is. An optional column left out of the file leaves that field as it is.

Bank details: an empty `iban` or `bic` cell, or the masked form `•••• 1234` an export gives a user
without the data key, leaves the vendor's as they are; any other IBAN is checked (check digits) and
stored encrypted, which needs the data key, as does changing a BIC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core import bank_details
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.integration.tabular import file_format, write_table
from paksa_desktop.payables.models import Vendor
from paksa_desktop.payables.vendors import IBAN_COLUMN, expense_account_problem, withholding_e4
from paksa_desktop.receivables.files import KEEP, read_records, required_text
from paksa_desktop.receivables.rules import (
    Catalogue,
    canonical_terms,
    currency_problem,
    parse_rate,
    rate_of,
    terms_cell,
)
from paksa_desktop.security import field_crypto

VENDOR_REQUIRED = ("code", "name", "currency", "payment_terms_days", "iban", "bic")
VENDOR_OPTIONAL = ("tax_number", "expense_account", "withholding_rate")
VENDOR_COLUMNS = VENDOR_REQUIRED + VENDOR_OPTIONAL
MASK = "•"  # a masked number (•••• 1234): leave the stored one as it is

# what a vendor created by an import starts with besides the file's columns
FRESH: dict[str, Any] = dict(
    expense_account_id=None,
    tax_code_id=None,
    tax_number="",
    email="",
    phone="",
    address_lines="",
    city="",
    postal_code="",
    region="",
    country="",
    iban=None,
    account_number=None,
    bank_last4="",
    bic="",
    routing_number="",
    withholding=False,
    withholding_rate_e4=0,
    is_employee=False,
    notes="",
    is_active=True,
)


@dataclass(frozen=True, slots=True)
class VendorLine:
    """One checked row of a vendor file."""

    code: str
    name: str
    currency: str
    payment_terms: str
    iban: str | None  # None: as it is (a new vendor: none)
    bic: str | None  # None: as it is
    tax_number: Any = KEEP  # str, or KEEP
    expense_account_id: Any = KEEP  # int | None, or KEEP
    withholding: Any = KEEP  # (flag, rate_e4), or KEEP


def read_vendors(
    path: Path,
    cat: Catalogue,
    existing_bic: Mapping[str, str],
    *,
    update: bool = False,
    may_set_bank: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[VendorLine]:
    """Every row checked against the company (`existing_bic`: each vendor code with its BIC)."""
    key_needed = "needs the company data key (security.sensitive.read): ask a key holder to import bank details"

    def parse(code: str, cell: Callable[[str], str], has: set[str], found: dict[str, str]) -> VendorLine:
        if code in existing_bic and not update and "code" not in found:
            found["code"] = f"vendor {code} already exists; import with update (--update) to change existing vendors"
        name = required_text(cell, "name", found)
        currency = cell("currency").upper() or cat.base_currency
        if p := currency_problem(currency):
            found["currency"] = p
        terms = ""
        if not cell("payment_terms_days"):
            found["payment_terms_days"] = "required (days, e.g. 30, or terms such as '2/10 net 30')"
        else:
            try:
                terms = canonical_terms(cell("payment_terms_days"))
            except ValidationError as exc:
                found["payment_terms_days"] = str(exc)
        iban: str | None = None
        text = cell("iban")
        if text and not text.startswith(MASK):
            try:
                iban = bank_details.normalise_iban(text)
            except ValidationError as exc:
                found["iban"] = str(exc)
            else:
                if not may_set_bank:
                    found["iban"] = f"setting an IBAN {key_needed}"
        bic: str | None = None
        if cell("bic"):
            try:
                bic = bank_details.normalise_bic(cell("bic"))
            except ValidationError as exc:
                found["bic"] = str(exc)
            else:
                if bic == existing_bic.get(code, ""):
                    bic = None
                elif not may_set_bank:
                    found["bic"] = f"changing a BIC {key_needed}"
        record: dict[str, Any] = {}
        if "tax_number" in has:
            record["tax_number"] = cell("tax_number")
            if len(record["tax_number"]) > 50:
                found["tax_number"] = "longer than 50 characters"
        if "expense_account" in has:
            account = cell("expense_account")
            record["expense_account_id"] = None
            if account:
                if p := expense_account_problem(cat, account):
                    found["expense_account"] = p
                else:
                    record["expense_account_id"] = cat.accounts[account].id
        if "withholding_rate" in has:
            rate = cell("withholding_rate")
            record["withholding"] = (False, 0)
            if rate:
                try:
                    record["withholding"] = (True, withholding_e4(parse_rate(rate)))
                except ValidationError as exc:
                    found["withholding_rate"] = str(exc)
        return VendorLine(code, name, currency, terms, iban, bic, **record)

    parsed = read_records(path, (VENDOR_REQUIRED, VENDOR_OPTIONAL), "vendors", parse, progress, cancelled)
    return list(parsed.rows)


def apply_vendor(row: Vendor, line: VendorLine, key: field_crypto.FieldKey | None) -> str:
    """Copy a checked row onto a vendor; returns how its bank number changed ('set', 'changed' or '')."""
    row.name, row.currency, row.payment_terms = line.name, line.currency, line.payment_terms
    if line.tax_number is not KEEP:
        row.tax_number = line.tax_number
    if line.expense_account_id is not KEEP:
        row.expense_account_id = line.expense_account_id
    if line.withholding is not KEEP:
        row.withholding, row.withholding_rate_e4 = line.withholding
    if line.bic is not None:
        row.bic = line.bic
    if line.iban is None:
        return ""
    assert key is not None  # the reader refused IBANs to a user without the key
    if row.iban is not None and field_crypto.decrypt(key, row.iban, IBAN_COLUMN) == line.iban:
        return ""
    had = row.iban is not None or row.account_number is not None
    row.iban = field_crypto.encrypt(key, line.iban, IBAN_COLUMN)
    row.bank_last4 = bank_details.last4(line.iban)
    return "changed" if had else "set"


def write_vendors(
    path: Path, s: Session, cat: Catalogue, key: field_crypto.FieldKey | None, fmt: str | None = None
) -> int:
    """Every vendor by code; IBANs in full for a key holder (`key`), masked for anyone else."""
    kind = file_format(path, fmt)

    def iban(v: Vendor) -> str:
        if v.iban is None:
            return ""
        return field_crypto.decrypt(key, v.iban, IBAN_COLUMN) if key else bank_details.masked(v.bank_last4)

    def rate(v: Vendor) -> Any:
        if not v.withholding:
            return ""
        value = rate_of(v.withholding_rate_e4)
        return str(value) if kind == "csv" else value

    def cells() -> Iterator[list[Any]]:
        for v in s.execute(select(Vendor).order_by(Vendor.code)).scalars():
            yield [
                v.code,
                v.name,
                v.currency,
                terms_cell(v.payment_terms),
                iban(v),
                v.bic,
                v.tax_number,
                cat.accounts_by_id[v.expense_account_id].code if v.expense_account_id else "",
                rate(v),
            ]

    return write_table(path, VENDOR_COLUMNS, cells(), fmt=kind, sheet="Vendors")
