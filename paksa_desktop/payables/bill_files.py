"""`paksa import bills FILE [--post]`: vendor bills from CSV or xlsx, all or nothing.

Columns `bill,vendor,vendor_invoice,date,due_date,description,quantity,unit_price`, then optionally
`account,tax_code,department,project`: one row per bill line. Rows with the same `bill` value (the file's
own key) are one bill, wherever they are in the file, and must agree on vendor, vendor invoice, date and
due date. An empty `due_date` means the vendor's payment terms, an empty `account` the vendor's (else the
company's) expense account, an empty `tax_code` the vendor's default tax code. Prices are in the
vendor's currency.

Every row is checked against what the company holds, read once, and every problem is collected with its
row and column before anything is written. The bills are then entered in one unit of work by
`BillService.enter_many`, in date order: as drafts, or with `post` approved and posted at once (which
needs payables.bill.approve as well as payables.bill.create). A vendor invoice number already entered for
the vendor (or twice in the file) is a warning for drafts and an error when posting; a problem only
posting finds comes back as an IndexedError and is reported at the bill's first row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ImportFileError, RowError, ValidationError
from paksa_desktop.integration.tabular import open_table
from paksa_desktop.ledger.posting import Poster
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput
from paksa_desktop.payables.bill_preparing import VENDOR_INVOICE_LENGTH, BillLookups, VendorInfo, normal_invoice
from paksa_desktop.payables.bills import BillService, IndexedError
from paksa_desktop.payables.models import Bill, BillKind
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.receivables.invoice_files import RowsCatalogue, RowsReader, read_rows, refuse_errors, second_half
from paksa_desktop.security.permissions import Permission

REQUIRED = ("bill", "vendor", "vendor_invoice", "date", "due_date", "description", "quantity", "unit_price")
OPTIONAL = ("account", "tax_code", "department", "project")
COLUMNS = REQUIRED + OPTIONAL
KEY_LENGTH = 100

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    bills: int
    lines: int
    posted: bool
    first: str  # first and last bill number (posted) or id (drafts), in date order
    last: str
    warnings: tuple[RowError, ...] = ()  # likely duplicates among drafts


@dataclass(slots=True)
class _Bill:
    """One bill being read: its first row's header fields and its lines."""

    key: str
    first_row: int
    vendor: VendorInfo | None
    vendor_invoice: str
    day: date | None
    due: date | None
    due_readable: bool = True
    lines: list[BillLineInput] = field(default_factory=list)
    units: int = 0
    bad: bool = False


class _Catalogue(RowsCatalogue):
    """The rows' checks, with the vendors and the vendor invoices already entered."""

    def __init__(self, look: BillLookups, *, posting: bool) -> None:
        look.load_all_vendors()
        super().__init__(look)
        self.look: BillLookups = look
        self.posting = posting
        self.entered: dict[tuple[int, str], str] = {}  # (vendor, vendor invoice) -> bill number or draft id
        for vendor_id, invoice, number, bill_id in look.s.execute(
            select(Bill.vendor_id, Bill.vendor_invoice, Bill.number, Bill.id).where(
                Bill.kind == BillKind.BILL, Bill.vendor_invoice != ""
            )
        ):
            self.entered[(vendor_id, normal_invoice(invoice))] = number or f"draft {bill_id}"
        self.vendors: dict[str, VendorInfo | str] = {}

    def vendor(self, code: str) -> VendorInfo | str:
        found = self.vendors.get(code)
        if found is None:
            try:
                info = self.look.vendor(code)
            except ValidationError:
                found = f"unknown vendor '{code}'"
            else:
                found = info if info.is_active else f"vendor {code} is inactive"
            self.vendors[code] = found
        return found


class _Reader(RowsReader):
    """Turns rows into bills (the invoice import's reader), with likely duplicates as warnings for drafts."""

    COLUMNS = COLUMNS

    def __init__(self, catalogue: _Catalogue, source: str, columns: dict[str, int]) -> None:
        super().__init__(catalogue, source, columns)
        self.cat = catalogue
        self.warnings: list[RowError] = []
        self.bills: dict[str, _Bill] = {}
        self.in_file: dict[tuple[int, str], str] = {}  # (vendor, vendor invoice) -> bill key

    def row(self, number: int, cells: list[str]) -> None:
        values = self.values(cells)
        key, code, invoice, day_text, due_text = values[:5]
        self.lines += 1
        if not key:
            self.error(number, "bill", "required")
            return
        if len(key) > KEY_LENGTH:
            self.error(number, "bill", f"longer than {KEY_LENGTH} characters")
            return
        if len(invoice) > VENDOR_INVOICE_LENGTH:
            self.error(number, "vendor_invoice", f"longer than {VENDOR_INVOICE_LENGTH} characters")
            invoice = invoice[:VENDOR_INVOICE_LENGTH]
        vendor = self._known(number, "vendor", code, self.cat.vendor)
        day = self._date(number, "date", day_text, posting=self.cat.posting)
        due = self._date(number, "due_date", due_text, posting=False) if due_text else None
        doc = self.bills.get(key)
        if doc is None:
            doc = self.bills[key] = _Bill(key, number, vendor, invoice, day, due)
            doc.due_readable = due is not None or not due_text
            doc.bad = vendor is None or day is None or not doc.due_readable
            self._first_row_checks(doc, number)
        else:
            self._agrees(doc, number, vendor, invoice, day, due, due_text)
        line = self._line(number, values, doc)
        if line is None:
            doc.bad = True
        else:
            doc.lines.append(line)

    def _first_row_checks(self, doc: _Bill, number: int) -> None:
        if doc.day is not None and doc.due is not None and doc.due < doc.day:
            self.error(number, "due_date", f"{doc.due} is before the bill's date {doc.day}")
            doc.bad = True
        if doc.vendor is None or doc.day is None:
            return
        if doc.vendor.currency != self.cat.look.base_currency:
            problem = self.cat.rate_problem(doc.vendor.currency, doc.day)
            if problem:
                self.error(number, "date", problem)
                doc.bad = True
        if doc.vendor_invoice:
            invoice_key = (doc.vendor.id, normal_invoice(doc.vendor_invoice))
            there = self.cat.entered.get(invoice_key)
            other = self.in_file.get(invoice_key)
            if there is not None or other is not None:
                where = there or f"bill '{other}' of this file (row {self.bills[other].first_row})"  # type: ignore[index]
                reason = f"{doc.vendor_invoice} of {doc.vendor.code} is already {where}: a likely duplicate"
                if self.cat.posting:
                    self.error(number, "vendor_invoice", reason)
                    doc.bad = True
                else:
                    self.warnings.append(RowError(self.source, number, "vendor_invoice", reason))
            self.in_file.setdefault(invoice_key, doc.key)

    def _agrees(
        self, doc: _Bill, number: int, vendor: VendorInfo | None, invoice: str, day: date | None, due: date | None,
        due_text: str,
    ) -> None:  # fmt: skip
        """A later row of a bill repeats its first row's vendor, vendor invoice, date and due date."""
        differs = f"differs from row {doc.first_row} of bill '{doc.key}'"
        if vendor is not None and doc.vendor is not None and vendor.id != doc.vendor.id:
            self.error(number, "vendor", f"{differs} ({doc.vendor.code})")
            doc.bad = True
        if invoice != doc.vendor_invoice:
            self.error(number, "vendor_invoice", f"{differs} ({doc.vendor_invoice or 'empty'})")
            doc.bad = True
        if day is not None and doc.day is not None and day != doc.day:
            self.error(number, "date", f"{differs} ({doc.day})")
            doc.bad = True
        readable = due is not None or not due_text
        if readable and doc.due_readable and due != doc.due:
            self.error(number, "due_date", f"{differs} ({doc.due or 'empty'})")
            doc.bad = True
        if vendor is None or day is None or not readable:
            doc.bad = True

    def price_problem(self, reason: str) -> str:
        return reason.replace("issue a credit note", "enter a vendor credit note")

    def _line(self, number: int, values: list[str], doc: _Bill) -> BillLineInput | None:
        currency = doc.vendor.currency if doc.vendor is not None else self.cat.look.base_currency
        line = self._line_cells(number, values, currency)
        if line is None:
            return None
        doc.units += line.units
        return BillLineInput(
            line.description, line.quantity, line.unit_price, line.account or None, line.tax_code or None, None,
            line.department or None, line.project or None,
        )  # fmt: skip

    def finish(self) -> list[_Bill]:
        """The bills in date order (file order within a day), after the whole-bill checks."""
        return self.good_documents(self.bills, "bill")


def import_bills_file(
    service: BillService,
    path: Path,
    *,
    post: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[ImportResult, Changes]:
    """Enter every bill of the file (as drafts, or approved and posted with `post`), or none of them."""
    path = Path(path)
    service.ctx.require(Permission.AP_BILL_CREATE)
    if post:
        service.ctx.require(Permission.AP_BILL_APPROVE)
    table = open_table(path, REQUIRED, OPTIONAL)
    with UnitOfWork(service.engine, write=False) as uow:
        s = uow.session
        look = BillLookups(s, Poster(s, service.ctx, service.facts))
        reader = _Reader(_Catalogue(look, posting=post), table.source, table.columns)
        read_rows(reader, table, progress, cancelled)
        documents = reader.finish()
    refuse_errors(reader)
    inputs = [
        BillInput(d.vendor.code, d.day, tuple(d.lines), vendor_invoice=d.vendor_invoice, due_date=d.due)  # type: ignore[union-attr,arg-type]
        for d in documents
    ]
    try:
        refs = service.enter_many(inputs, post=post, progress=second_half(progress), source=path.name)
    except IndexedError as exc:
        doc = documents[exc.index]
        column = "vendor_invoice" if "vendor invoice" in exc.reason else "bill"
        raise ImportFileError([RowError(table.source, doc.first_row, column, exc.reason)]) from None
    if progress is not None:
        progress(2000, 2000)
    first, last = (refs[0].number or "", refs[-1].number or "") if post else (str(refs[0].id), str(refs[-1].id))
    result = ImportResult(len(refs), reader.lines, post, first, last, tuple(reader.warnings))
    return result, Changes.of(Kind.BILLS, Kind.ENTRIES) if post else Changes.of(Kind.BILLS)
