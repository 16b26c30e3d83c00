"""Customer and item files (CSV or xlsx): `paksa import|export customers|items`.

Customers: `code,name,currency,payment_terms_days,credit_limit` then optional `email,tax_number,income_account`.
Items: `code,description,unit_price` then optional `income_account,tax_code`.

Reading streams the rows and checks each against the company's accounts and tax codes, collecting
every problem (`FILE:ROW: column: reason`; xlsx names the sheet) instead of stopping at the first; the
service writes nothing unless the list is empty. A row whose code exists updates that record, any other
creates one. An optional column left out of the file leaves that field as it is; present but empty, it
clears it. Exports write every column, so an export imports back to the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import Cancelled, ImportFileError, RowError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.integration.tabular import file_format, open_table, unescape_text, write_table
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.receivables.models import Customer, Item
from paksa_desktop.receivables.rules import (
    Catalogue,
    account_problem,
    amount_minor,
    canonical_terms,
    code_problem,
    currency_problem,
    email_problem,
    tax_code_problem,
    terms_cell,
)

CUSTOMER_REQUIRED = ("code", "name", "currency", "payment_terms_days", "credit_limit")
CUSTOMER_OPTIONAL = ("email", "tax_number", "income_account")
CUSTOMER_COLUMNS = CUSTOMER_REQUIRED + CUSTOMER_OPTIONAL
ITEM_REQUIRED = ("code", "description", "unit_price")
ITEM_OPTIONAL = ("income_account", "tax_code")
ITEM_COLUMNS = ITEM_REQUIRED + ITEM_OPTIONAL
MAX_ERRORS = 1000
PROGRESS_EVERY = 2000
KEEP: Any = object()  # an optional column the file does not have: the field stays as it is


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    code: str
    name: str
    currency: str
    payment_terms: str
    credit_limit: int | None
    email: Any = KEEP  # str, or KEEP
    tax_number: Any = KEEP
    income_account_id: Any = KEEP  # int | None, or KEEP


@dataclass(frozen=True, slots=True)
class ItemRecord:
    code: str
    description: str
    unit_price: int
    income_account_id: Any = KEEP  # int, or KEEP (an existing item keeps its account)
    tax_code_id: Any = KEEP  # int | None, or KEEP


@dataclass
class Parsed:
    rows: list[Any] = field(default_factory=list)


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RowError] = []
        self.truncated = False

    def add(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.source, row, column, reason))
        else:
            self.truncated = True

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportFileError(self.errors, truncated=self.truncated)


def _reader(cells: list[str], columns: dict[str, int]) -> Callable[[str], str]:
    def cell(name: str) -> str:
        i = columns.get(name)
        if i is None or i >= len(cells):
            return ""
        value = cells[i].strip()
        return unescape_text(value) if value[:1] == "'" else value

    return cell


def _rows(
    table: Any, progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None
) -> Iterator[tuple[int, list[str]]]:
    for count, (number, cells) in enumerate(table.rows, start=1):
        if count % PROGRESS_EVERY == 0:
            if progress:
                progress(table.position(), table.total)
            if cancelled and cancelled():
                raise Cancelled()
        yield number, cells


def _check_code(code: str, number: int, first: dict[str, int], found: dict[str, str]) -> None:
    """A valid code, not seen on an earlier row of the file."""
    if p := code_problem(code):
        found["code"] = p
    elif code in first:
        found["code"] = f"duplicate of row {first[code]}"
    else:
        first[code] = number


def required_text(cell: Callable[[str], str], column: str, found: dict[str, str], limit: int = 200) -> str:
    value = cell(column)
    if not value:
        found[column] = "required"
    elif len(value) > limit:
        found[column] = f"longer than {limit} characters"
    return value


def read_records(
    path: Path,
    columns: tuple[tuple[str, ...], tuple[str, ...]],
    what: str,
    parse: Callable[[str, Callable[[str], str], set[str], dict[str, str]], Any],
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> Parsed:
    """Every row checked, each problem named by row and column, all or nothing. `parse(code, cell, has,
    found)` reads one row's other columns, notes problems in `found` and returns the record."""
    required, optional = columns
    table = open_table(path, required, optional)
    problems = _Problems(table.source)
    has = set(table.columns)
    parsed = Parsed()
    first: dict[str, int] = {}
    for number, cells in _rows(table, progress, cancelled):
        cell = _reader(cells, table.columns)
        found: dict[str, str] = {}
        code = cell("code")
        _check_code(code, number, first, found)
        record = parse(code, cell, has, found)
        if found:
            for column in (*required, *optional):
                if column in found:
                    problems.add(number, column, found[column])
            continue
        parsed.rows.append(record)
    if not problems.errors and not parsed.rows:
        problems.add(0, "", f"the file has no {what}")
    problems.raise_if_any()
    return parsed


def read_customers(
    path: Path,
    cat: Catalogue,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Parsed:
    def parse(code: str, cell: Callable[[str], str], has: set[str], found: dict[str, str]) -> CustomerRecord:
        name = required_text(cell, "name", found)
        currency = cell("currency").upper() or cat.base_currency
        if p := currency_problem(currency):
            found["currency"] = p
        terms = ""
        try:
            terms = canonical_terms(cell("payment_terms_days"))
        except ValidationError as exc:
            found["payment_terms_days"] = str(exc)
        if not cell("payment_terms_days"):
            found["payment_terms_days"] = "required (days, e.g. 30, or terms such as '2/10 net 30')"
        limit: int | None = None
        limit_text = cell("credit_limit")
        if limit_text and "currency" not in found:
            try:
                limit = amount_minor(limit_text, currency, what="credit limit")
            except ValidationError as exc:
                found["credit_limit"] = str(exc)
        record: dict[str, Any] = {}
        if "email" in has:
            record["email"] = cell("email")
            if p := email_problem(record["email"]):
                found["email"] = p
        if "tax_number" in has:
            record["tax_number"] = cell("tax_number")
            if len(record["tax_number"]) > 50:
                found["tax_number"] = "longer than 50 characters"
        if "income_account" in has:
            account = cell("income_account")
            record["income_account_id"] = None
            if account:
                if p := account_problem(cat, account, AccountType.INCOME, "income account"):
                    found["income_account"] = p
                else:
                    record["income_account_id"] = cat.accounts[account].id
        return CustomerRecord(code, name, currency, terms, limit, **record)

    return read_records(path, (CUSTOMER_REQUIRED, CUSTOMER_OPTIONAL), "customers", parse, progress, cancelled)


def read_items(
    path: Path,
    cat: Catalogue,
    existing: set[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Parsed:
    def parse(code: str, cell: Callable[[str], str], has: set[str], found: dict[str, str]) -> ItemRecord:
        description = required_text(cell, "description", found)
        price = 0
        try:
            price = amount_minor(cell("unit_price"), cat.base_currency, what="unit price")
        except ValidationError as exc:
            found["unit_price"] = str(exc)
        if not cell("unit_price") and "unit_price" not in found:
            found["unit_price"] = "required"
        record: dict[str, Any] = {}
        account = cell("income_account")
        if account:
            if p := account_problem(cat, account, AccountType.INCOME, "income account"):
                found["income_account"] = p
            else:
                record["income_account_id"] = cat.accounts[account].id
        elif code not in existing:
            found["income_account"] = "required for a new item (where its sales post)"
        if "tax_code" in has:
            tax = cell("tax_code")
            record["tax_code_id"] = None
            if tax:
                if p := tax_code_problem(cat, tax):
                    found["tax_code"] = p
                else:
                    record["tax_code_id"] = cat.tax_codes[tax].id
        return ItemRecord(code, description, price, **record)

    return read_records(path, (ITEM_REQUIRED, ITEM_OPTIONAL), "items", parse, progress, cancelled)


def apply_customer(row: Customer, r: CustomerRecord) -> None:
    row.name, row.currency, row.payment_terms, row.credit_limit = r.name, r.currency, r.payment_terms, r.credit_limit
    if r.email is not KEEP:
        row.email = r.email
    if r.tax_number is not KEEP:
        row.tax_number = r.tax_number
    if r.income_account_id is not KEEP:
        row.income_account_id = r.income_account_id


def apply_item(row: Item, r: ItemRecord) -> None:
    row.description, row.unit_price = r.description, r.unit_price
    if r.income_account_id is not KEEP:
        row.income_account_id = r.income_account_id
    if r.tax_code_id is not KEEP:
        row.tax_code_id = r.tax_code_id


def _amount(units: int, exponent: int, fmt: str) -> Any:
    """Plain text in CSV, a number in Excel (the reader turns it back into the same digits)."""
    value = from_minor(units, exponent)
    return str(value) if fmt == "csv" else value


def write_customers(path: Path, s: Session, cat: Catalogue, fmt: str | None = None) -> int:
    kind = file_format(path, fmt)

    def cells() -> Iterator[list[Any]]:
        for c in s.execute(select(Customer).order_by(Customer.code)).scalars():
            yield [
                c.code,
                c.name,
                c.currency,
                terms_cell(c.payment_terms),
                "" if c.credit_limit is None else _amount(c.credit_limit, currency_exponent(c.currency), kind),
                c.email,
                c.tax_number,
                cat.accounts_by_id[c.income_account_id].code if c.income_account_id else "",
            ]

    return write_table(path, CUSTOMER_COLUMNS, cells(), fmt=kind, sheet="Customers")


def write_items(path: Path, s: Session, cat: Catalogue, fmt: str | None = None) -> int:
    kind = file_format(path, fmt)
    exponent = currency_exponent(cat.base_currency)

    def cells() -> Iterator[list[Any]]:
        for i in s.execute(select(Item).order_by(Item.code)).scalars():
            yield [
                i.code,
                i.description,
                _amount(i.unit_price, exponent, kind),
                cat.accounts_by_id[i.income_account_id].code,
                cat.tax_codes_by_id[i.tax_code_id].code if i.tax_code_id else "",
            ]

    return write_table(path, ITEM_COLUMNS, cells(), fmt=kind, sheet="Items")
