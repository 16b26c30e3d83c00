"""`paksa import invoices FILE`: posted invoices from CSV or xlsx, all or nothing.

Columns `invoice,customer,date,due_date,description,quantity,unit_price`, then optionally
`account,tax_code,department,project`: one row per invoice line. Rows with the same `invoice` value (the
file's own reference, kept as the invoice's `reference`) are one invoice, wherever they are in the
file, and must agree on customer, date and due date. An empty `due_date` means the customer's payment
terms, an empty `account` the customer's (else the company's) income account, an empty `tax_code` the
customer's default tax code. Prices are in the customer's currency.

The file streams through (CSV line by line, xlsx in read-only mode), like the journal import; every
row is checked against what the company holds, read once (customers, accounts, tax codes, dimensions,
closed periods and the lock date, exchange rates, references already imported), and every problem is
collected with its row and column before anything is written. Then the invoices are posted in one
unit of work by `InvoicingService.issue_many`, in date order (so their numbers follow the calendar);
a problem only posting finds (the credit policy, a period closed meanwhile) comes back as an
IndexedError and is reported at the invoice's first row. Either way nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

from sqlalchemy import select

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import Cancelled, ImportFileError, RowError, ValidationError
from paksa_desktop.core.money import currency_exponent, parse_amount
from paksa_desktop.integration.tabular import Table, open_table, unescape_text
from paksa_desktop.ledger.models import Period, PeriodState
from paksa_desktop.ledger.posting import Poster
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.amounts import QUANTITY_SCALE, line_amount
from paksa_desktop.receivables.commands import InvoiceInput, InvoiceLineInput
from paksa_desktop.receivables.invoicing import IndexedError, InvoicingService
from paksa_desktop.receivables.models import DocumentKind, Invoice, InvoiceState
from paksa_desktop.receivables.preparing import CustomerInfo, DocumentLookups, Lookups
from paksa_desktop.security.permissions import Permission

REQUIRED = ("invoice", "customer", "date", "due_date", "description", "quantity", "unit_price")
OPTIONAL = ("account", "tax_code", "department", "project")
COLUMNS = REQUIRED + OPTIONAL
MAX_ERRORS = 1000
PROGRESS_EVERY = 2000  # rows between progress reports and cancel checks
REFERENCE_LENGTH = 100
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
ZERO = Decimal(0)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    invoices: int
    lines: int
    first: str  # first and last number given (date order)
    last: str


@dataclass(slots=True)
class _Document:
    """One invoice being read: its first row's header fields and its lines."""

    reference: str
    first_row: int
    customer: CustomerInfo | None
    day: date | None
    due: date | None
    rows: list[int] = field(default_factory=list)
    lines: list[InvoiceLineInput] = field(default_factory=list)
    due_readable: bool = True  # the first row's due date was empty or a date
    units: int = 0  # the lines' amounts before tax, to refuse an invoice of nothing
    bad: bool = False


class RowsCatalogue:
    """What the rows of a documents file (invoices, bills) are checked against: the ledger's rules for a
    posting date, accounts, tax codes and exchange rates, read in one short read-only unit of work and
    memoised by the cell's text (the value, or the reason it is refused). Each import adds its party."""

    def __init__(self, look: DocumentLookups) -> None:
        self.look = look
        s = look.s
        self.lock_date = look.poster.lock_date
        self.closed = [
            (r.start_date, r.end_date)
            for r in s.execute(select(Period.start_date, Period.end_date).where(Period.state != PeriodState.OPEN))
        ]
        self.taxes = {code: None if t.is_active else f"tax code {code} is inactive" for code, t in look.taxes.items()}
        self.dates: dict[str, date | str] = {}
        self.accounts: dict[str, str | None] = {}
        self.rates: dict[tuple[str, date], str | None] = {}

    def day(self, text: str, *, posting: bool) -> date | str:
        """A date cell; `posting` also applies the lock date and closed periods."""
        key = f"{posting}|{text}"
        found = self.dates.get(key)
        if found is None:
            found = parse_date(text)
            if posting and isinstance(found, date):
                found = self.date_problem(found) or found
            self.dates[key] = found
        return found

    def date_problem(self, day: date) -> str | None:
        """The ledger's rules for a posting date (ledger.posting.Poster.date_problem), read-only."""
        if self.lock_date is not None and day <= self.lock_date:
            return f"{day} is on or before the lock date {self.lock_date}"
        if any(start <= day <= end for start, end in self.closed):
            return f"the period containing {day} is closed"
        return None

    def account(self, code: str) -> str | None:
        if code not in self.accounts:
            self.accounts[code] = self.look.poster.account_problem(code)
        return self.accounts[code]

    def tax_code(self, code: str) -> str | None:
        if code not in self.taxes:
            return f"unknown tax code '{code}'"
        return self.taxes[code]

    def rate_problem(self, currency: str, day: date) -> str | None:
        key = (currency, day)
        if key not in self.rates:
            try:
                self.look.rate(currency, day)
                self.rates[key] = None
            except ValidationError as exc:
                self.rates[key] = str(exc)
        return self.rates[key]


class _Catalogue(RowsCatalogue):
    """The rows' checks, with the customers and the references already imported."""

    def __init__(self, look: Lookups) -> None:
        look.load_all_customers()
        super().__init__(look)
        self.look: Lookups = look
        self.imported: dict[tuple[int, str], str] = {
            (cid, ref): number or ""
            for cid, ref, number in look.s.execute(
                select(Invoice.customer_id, Invoice.reference, Invoice.number).where(
                    Invoice.kind == DocumentKind.INVOICE, Invoice.state != InvoiceState.DRAFT, Invoice.reference != ""
                )
            )
        }
        self.customers: dict[str, CustomerInfo | str] = {}

    def customer(self, code: str) -> CustomerInfo | str:
        found = self.customers.get(code)
        if found is None:
            try:
                info = self.look.customer(code)
            except ValidationError as exc:
                found = str(exc)
            else:
                found = info if info.is_active else f"customer {code} is inactive"
            self.customers[code] = found
        return found


def parse_date(text: str) -> date | str:
    try:
        day = date.fromisoformat(text)
        if len(text) != 10:
            raise ValueError
    except ValueError:
        return f"'{text}' is not a date in the form YYYY-MM-DD"
    return day


def parse_quantity(text: str) -> tuple[Decimal, int] | str:
    """The quantity and its count of ten-thousandths, or why the cell is refused."""
    if not text:
        return "required"
    if not _NUMBER.match(text):
        return f"'{text}' is not a quantity (use digits and '.', e.g. 2 or 1.5)"
    value = Decimal(text)
    if value <= 0:
        return "must be more than zero"
    scaled = value * QUANTITY_SCALE
    if scaled != scaled.to_integral_value():
        return f"'{text}' has more than 4 decimal places"
    return value, int(scaled)


def parse_price(text: str, currency: str) -> tuple[Decimal, int] | str:
    """The unit price and its minor units in `currency`, or why the cell is refused."""
    if not text:
        return "required"
    try:
        value = parse_amount(text, currency_exponent(currency))
    except ValueError as exc:
        return str(exc) + f" for {currency}" if "decimal places" in str(exc) else str(exc)
    if value < 0:
        return "must not be negative (issue a credit note instead)"
    return value, int(value.scaleb(currency_exponent(currency)))


class ReadDocument(Protocol):
    first_row: int
    day: date | None
    units: int
    bad: bool


DocumentT = TypeVar("DocumentT", bound=ReadDocument)
PartyT = TypeVar("PartyT")


class LineCells(NamedTuple):
    """A checked line of a documents file: its cells read, and its amount before tax (minor units)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    units: int
    account: str
    tax_code: str
    department: str
    project: str


class RowsReader:
    """Reads the rows of a documents file, collecting every problem instead of stopping at the first: the
    cells in `COLUMNS` order, the date cells and the line cells (the last seven columns: description,
    quantity, unit price, account, tax code, department, project) that invoices and bills share."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, catalogue: RowsCatalogue, source: str, columns: dict[str, int]) -> None:
        self.source = source
        self.width = max(columns.values()) + 1
        self.pick = itemgetter(*(columns.get(name, self.width) for name in self.COLUMNS))
        self.errors: list[RowError] = []
        self.truncated = False
        self.lines = 0
        # memos keyed by the cell's text (and currency): the value with its scaled integer, or the reason
        self.quantities: dict[str, tuple[Decimal, int] | str] = {}
        self.prices: dict[tuple[str, str], tuple[Decimal, int] | str] = {}
        self.checks = catalogue

    def error(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.source, row, column, reason))
        else:
            self.truncated = True

    def values(self, cells: list[str]) -> list[str]:
        """The row's cells in COLUMNS order, stripped, the apostrophe rule applied ("" for a column the
        file does not have): one C-level pick of the cells, then one pass (the import's hot loop)."""
        width = self.width
        if len(cells) != width:
            cells = (cells + [""] * width)[:width]
        cells.append("")  # what an absent optional column reads
        return [unescape_text(v) if v[:1] == "'" else v for v in (c.strip() for c in self.pick(cells))]

    def row(self, number: int, cells: list[str]) -> None:
        raise NotImplementedError

    def _date(self, number: int, column: str, text: str, *, posting: bool) -> date | None:
        if not text:
            self.error(number, column, "required")
            return None
        found = self.checks.day(text, posting=posting)
        if isinstance(found, str):
            self.error(number, column, found)
            return None
        return found

    def _known(self, number: int, column: str, code: str, find: Callable[[str], PartyT | str]) -> PartyT | None:
        """The row's customer or vendor (`find` gives it, or why it is refused), or None with the error noted."""
        if not code:
            self.error(number, column, "required")
            return None
        found = find(code)
        if isinstance(found, str):
            self.error(number, column, found)
            return None
        return found

    def price_problem(self, reason: str) -> str:
        """A unit price's problem as this file's users read it."""
        return reason

    def _line_cells(self, number: int, values: list[str], currency: str) -> LineCells | None:
        """The line's cells checked (every problem recorded), or None when one is refused."""
        description, quantity_text, price_text, account, tax_code, department, project = values[-7:]
        ok = True
        if not description:
            self.error(number, "description", "required")
            ok = False
        quantity = self.quantities.get(quantity_text)
        if quantity is None:
            quantity = self.quantities[quantity_text] = parse_quantity(quantity_text)
        if isinstance(quantity, str):
            self.error(number, "quantity", quantity)
            ok = False
        price = self.prices.get((price_text, currency))
        if price is None:
            price = self.prices[price_text, currency] = parse_price(price_text, currency)
        if isinstance(price, str):
            self.error(number, "unit_price", self.price_problem(price))
            ok = False
        if account and (problem := self.checks.account(account)):
            self.error(number, "account", problem)
            ok = False
        if tax_code and (problem := self.checks.tax_code(tax_code)):
            self.error(number, "tax_code", problem)
            ok = False
        poster = self.checks.look.poster
        if department and poster.department_id(department) is None:
            self.error(number, "department", f"unknown department '{department}'")
            ok = False
        if project and poster.project_id(project) is None:
            self.error(number, "project", f"unknown project '{project}'")
            ok = False
        if not ok:
            return None
        assert not isinstance(quantity, str) and not isinstance(price, str)
        units = line_amount(quantity[1], price[1])
        return LineCells(description, quantity[0], price[0], units, account, tax_code, department, project)

    def good_documents(self, documents: dict[str, DocumentT], noun: str) -> list[DocumentT]:
        """The documents read without a problem (keyed by the file's document column), in date order (file
        order within a day), after the whole-document check: one that adds up to nothing is refused."""
        good = []
        for key, doc in documents.items():
            if doc.bad:
                continue
            if doc.units <= 0:
                self.error(doc.first_row, "unit_price", f"{noun} '{key}' adds up to nothing")
                continue
            good.append(doc)
        if not self.errors and not good:
            self.error(0, "", f"the file has no {noun} lines")
        return sorted(good, key=lambda d: d.day or date.min)


def read_rows(
    reader: RowsReader, table: Table, progress: Progress | None, cancelled: Callable[[], bool] | None
) -> None:
    """Every row of the file through `reader`, with progress (the first half of 2000) and cancel checks."""
    for count, (number, cells) in enumerate(table.rows, start=1):
        reader.row(number, cells)
        if count % PROGRESS_EVERY == 0:
            if progress is not None:
                progress(table.position() * 1000 // max(table.total, 1), 2000)
            if cancelled is not None and cancelled():
                raise Cancelled()


def refuse_errors(reader: RowsReader) -> None:
    """Every problem the rows had, in row order (nothing is entered when there is one)."""
    if reader.errors:
        raise ImportFileError(sorted(reader.errors, key=lambda e: e.row), truncated=reader.truncated)


def second_half(progress: Progress | None) -> Progress:
    """Progress of entering the documents read (the second half of 2000)."""

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(1000 + done * 1000 // max(total, 1), 2000)

    return report


class _Reader(RowsReader):
    """Turns rows into invoices."""

    COLUMNS = COLUMNS

    def __init__(self, catalogue: _Catalogue, source: str, columns: dict[str, int]) -> None:
        super().__init__(catalogue, source, columns)
        self.cat = catalogue
        self.columns = columns
        self.documents: dict[str, _Document] = {}

    def row(self, number: int, cells: list[str]) -> None:
        """Check one row and add it to its invoice (a new one for a reference not seen before)."""
        values = self.values(cells)
        reference, code, day_text, due_text = values[0], values[1], values[2], values[3]
        self.lines += 1
        if not reference:
            self.error(number, "invoice", "required")
            return
        if len(reference) > REFERENCE_LENGTH:
            self.error(number, "invoice", f"longer than {REFERENCE_LENGTH} characters")
            return
        doc = self.documents.get(reference)
        first = doc is None
        customer = self._known(number, "customer", code, self.cat.customer)
        day = self._date(number, "date", day_text, posting=True)
        due = self._date(number, "due_date", due_text, posting=False) if due_text else None
        if doc is None:
            doc = self.documents[reference] = _Document(reference, number, customer, day, due)
            doc.due_readable = due is not None or not due_text
            if customer is None or day is None or not doc.due_readable:
                doc.bad = True
        else:
            self._agrees(doc, number, customer, day, due, due_text)
        doc.rows.append(number)
        if first and day is not None and doc.due is not None and doc.due < day:
            self.error(number, "due_date", f"{doc.due} is before the invoice's date {day}")
            doc.bad = True
        if first and doc.customer is not None and day is not None:
            self._first_row_checks(doc, number)
        line = self._line(number, values, doc)
        if line is None:
            doc.bad = True
        else:
            doc.lines.append(line)

    def _agrees(
        self, doc: _Document, number: int, customer: CustomerInfo | None, day: date | None, due: date | None,
        due_text: str,
    ) -> None:  # fmt: skip
        """A later row of an invoice repeats its first row's customer, date and due date (compared only
        where both rows could be read: an unreadable cell has its own error)."""
        differs = f"differs from row {doc.first_row} of invoice '{doc.reference}'"
        if customer is not None and doc.customer is not None and customer.id != doc.customer.id:
            self.error(number, "customer", f"{differs} ({doc.customer.code})")
            doc.bad = True
        if day is not None and doc.day is not None and day != doc.day:
            self.error(number, "date", f"{differs} ({doc.day})")
            doc.bad = True
        readable = due is not None or not due_text
        if readable and doc.due_readable and due != doc.due:
            self.error(number, "due_date", f"{differs} ({doc.due or 'empty'})")
            doc.bad = True
        if customer is None or day is None or not readable:
            doc.bad = True

    def _first_row_checks(self, doc: _Document, number: int) -> None:
        assert doc.customer is not None and doc.day is not None
        number_there = self.cat.imported.get((doc.customer.id, doc.reference))
        if number_there is not None:
            self.error(number, "invoice", f"'{doc.reference}' of {doc.customer.code} was imported before as "
                       f"{number_there}")  # fmt: skip
            doc.bad = True
        look = self.cat.look
        if doc.customer.currency != look.base_currency:
            problem = self.cat.rate_problem(doc.customer.currency, doc.day)
            if problem:
                self.error(number, "date", problem)
                doc.bad = True

    def _line(self, number: int, values: list[str], doc: _Document) -> InvoiceLineInput | None:
        currency = doc.customer.currency if doc.customer is not None else self.cat.look.base_currency
        line = self._line_cells(number, values, currency)
        if line is None:
            return None
        doc.units += line.units
        return InvoiceLineInput(
            line.description, line.quantity, line.unit_price, None, ZERO, line.tax_code or None, line.account or None,
            line.department or None, line.project or None,
        )  # fmt: skip

    def finish(self) -> list[_Document]:
        """The invoices in date order (file order within a day), after the whole-invoice checks."""
        return self.good_documents(self.documents, "invoice")


def import_invoices_file(
    service: InvoicingService,
    path: Path,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[ImportResult, Changes]:
    """Post every invoice of the file, or none of them (ImportFileError lists every problem)."""
    path = Path(path)
    service.ctx.require(Permission.AR_INVOICE_CREATE)
    table = open_table(path, REQUIRED, OPTIONAL)
    with UnitOfWork(service.engine, write=False) as uow:
        s = uow.session
        reader = _Reader(_Catalogue(Lookups(s, Poster(s, service.ctx, service.facts))), table.source, table.columns)
        read_rows(reader, table, progress, cancelled)
        documents = reader.finish()
    refuse_errors(reader)
    inputs = [
        InvoiceInput(d.customer.code, d.day, tuple(d.lines), due_date=d.due, reference=d.reference)  # type: ignore[union-attr,arg-type]
        for d in documents
    ]
    try:
        refs = service.issue_many(inputs, progress=second_half(progress), source=path.name)
    except IndexedError as exc:
        doc = documents[exc.index]
        raise ImportFileError([RowError(table.source, doc.first_row, "invoice", exc.reason)]) from None
    if progress is not None:
        progress(2000, 2000)
    result = ImportResult(len(refs), reader.lines, refs[0].number or "", refs[-1].number or "")
    return result, Changes.of(Kind.INVOICES, Kind.ENTRIES)
