"""Turning a BillInput into a checked bill: lines priced, taxed (recoverable input tax), converted, and its
GL lines; with the receivables' arithmetic (amounts.py, core/tax.py) and look-ups (DocumentLookups).

The entry of a bill debits each line's account net (by account and dimensions) and the input tax account,
and credits the payable control account with the total, all in base units that add up exactly
(amounts.grouped_base); a vendor credit note is the same entry reversed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.core.money import currency_exponent, is_currency, to_minor
from paksa_desktop.core.payment_terms import PaymentTerms
from paksa_desktop.ledger.posting import Poster, PreparedLine
from paksa_desktop.payables.bill_inputs import BillInput, BillLineInput
from paksa_desktop.payables.models import Bill, BillKind, Vendor
from paksa_desktop.payables.settings import Settings, load_settings
from paksa_desktop.receivables.amounts import (
    PERCENT_SCALE,
    QUANTITY_SCALE,
    grouped_base,
    line_amount,
    scaled,
    to_base,
)
from paksa_desktop.receivables.preparing import DocumentLine, DocumentLookups, ItemInfo

VENDOR_INVOICE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class VendorInfo:
    id: int
    code: str
    name: str
    currency: str
    terms: PaymentTerms
    expense_account_id: int | None
    tax_code_id: int | None
    withholding_e4: int  # 0 unless a withholding vendor
    is_active: bool


@dataclass(slots=True)
class PreparedBill:
    kind: BillKind
    vendor: VendorInfo
    date: date
    due_date: date
    terms: str
    discount_date: date | None
    discount_e4: int
    currency: str
    rate: Decimal
    vendor_invoice: str
    memo: str
    lines: list[DocumentLine]
    net_total: int
    tax_total: int
    total: int
    base_total: int
    control_account_id: int
    gl_lines: list[PreparedLine]  # base currency, debit > 0
    credited_bill_id: int | None = None
    credited_number: str | None = None
    id: int | None = None
    number: str | None = None


class BillLookups(DocumentLookups):
    """What preparing bills reads (vendors, payables settings, tax codes, accounts, rates), once per unit."""

    def __init__(self, s: Session, poster: Poster) -> None:
        self.settings: Settings = load_settings(s)
        super().__init__(s, poster)
        self._vendors: dict[str, VendorInfo] = {}
        self._all_vendors = False

    def load_all_vendors(self) -> None:
        for row in self.s.execute(_VENDOR_COLUMNS):
            self._vendors[row.code] = vendor_info(row)
        self._all_vendors = True

    def vendor(self, code: str) -> VendorInfo:
        info = self._vendors.get(code)
        if info is None and not self._all_vendors:
            row = self.s.execute(_VENDOR_COLUMNS.where(Vendor.code == code)).first()
            if row is not None:
                info = self._vendors[code] = vendor_info(row)
        if info is None:
            raise ValidationError(f"vendor: unknown vendor '{code}'")
        return info

    def vendor_by_id(self, vendor_id: int) -> VendorInfo:
        for info in self._vendors.values():
            if info.id == vendor_id:
                return info
        row = self.s.execute(_VENDOR_COLUMNS.where(Vendor.id == vendor_id)).one()
        info = self._vendors[row.code] = vendor_info(row)
        return info


# what preparing needs of a vendor: plain columns, not the ORM row (nor its sealed bank details)
_VENDOR_COLUMNS = select(
    Vendor.id, Vendor.code, Vendor.name, Vendor.currency, Vendor.payment_terms, Vendor.expense_account_id,
    Vendor.tax_code_id, Vendor.withholding, Vendor.withholding_rate_e4, Vendor.is_active,
)  # fmt: skip


def vendor_info(row: Any) -> VendorInfo:
    """A vendor row (ORM object or selected columns) as preparing uses it."""
    return VendorInfo(
        row.id,
        row.code,
        row.name,
        row.currency,
        PaymentTerms.parse(row.payment_terms),
        row.expense_account_id,
        row.tax_code_id,
        row.withholding_rate_e4 if row.withholding else 0,
        row.is_active,
    )


def normal_invoice(text: str) -> str:
    """A vendor invoice number as duplicates are compared: no spaces, case folded ('inv 001' = 'INV001')."""
    return "".join(text.split()).casefold()


def prepare(look: BillLookups, data: BillInput) -> PreparedBill:
    """A checked bill from what the user entered; every problem raised names its field or line."""
    vendor = look.vendor(data.vendor.strip())
    if not vendor.is_active:
        raise ValidationError(f"vendor: {vendor.code} is inactive")
    currency = (data.currency or vendor.currency).strip().upper()
    if not is_currency(currency):
        raise ValidationError(f"currency: unknown currency '{currency}'")
    exponent = currency_exponent(currency)
    try:
        rate = look.document_rate(currency, data.date, data.rate)
    except ValidationError as exc:
        raise ValidationError(f"rate: {exc}") from None
    vendor_invoice = data.vendor_invoice.strip()
    if len(vendor_invoice) > VENDOR_INVOICE_LENGTH:
        raise ValidationError(f"vendor invoice: longer than {VENDOR_INVOICE_LENGTH} characters")
    if not data.lines:
        raise ValidationError("lines: a bill needs at least one line")
    lines = [_prepare_line(look, vendor, currency, exponent, n, line) for n, line in enumerate(data.lines, 1)]
    summary = look.taxed(lines)
    if summary.gross <= 0:
        raise ValidationError("lines: the bill's total must be more than zero")
    due = data.due_date or vendor.terms.due_date(data.date)
    if due < data.date:
        raise ValidationError(f"due date: {due} is before the bill's date {data.date}")
    kind = BillKind.CREDIT_NOTE if data.credit_note else BillKind.BILL
    if data.credits and not data.credit_note:
        raise ValidationError("credits: only a vendor credit note credits a bill")
    prepared = PreparedBill(
        kind=kind,
        vendor=vendor,
        date=data.date,
        due_date=due,
        terms=vendor.terms.text(),
        discount_date=None if data.credit_note else vendor.terms.discount_date(data.date),
        discount_e4=0 if data.credit_note else scaled(vendor.terms.discount_percent, PERCENT_SCALE, "discount"),
        currency=currency,
        rate=rate,
        vendor_invoice=vendor_invoice,
        memo=data.memo.strip(),
        lines=lines,
        net_total=summary.net,
        tax_total=summary.tax,
        total=summary.gross,
        base_total=to_base(summary.gross, rate, currency, look.base_currency),
        control_account_id=look.settings.payable_account_id,
        gl_lines=[],
    )
    prepared.gl_lines = gl_lines(prepared, look.settings.input_tax_account_id, look.base_currency)
    return prepared


def _prepare_line(
    look: BillLookups, vendor: VendorInfo, currency: str, exponent: int, n: int, line: BillLineInput
) -> DocumentLine:
    where = f"line {n}"
    item: ItemInfo | None = None
    if line.item:
        item = look.items.get(line.item.strip())
        if item is None:
            raise ValidationError(f"{where}: item: unknown item '{line.item}'")
        if not item.is_active:
            raise ValidationError(f"{where}: item: {item.code} is inactive")
    description = line.description.strip() or (item.description if item else "")
    if not description:
        raise ValidationError(f"{where}: description: required (or name an item)")
    quantity_e4 = scaled(line.quantity, QUANTITY_SCALE, f"{where}: quantity")
    if quantity_e4 <= 0:
        raise ValidationError(f"{where}: quantity: must be more than zero")
    if line.unit_price is None:
        raise ValidationError(f"{where}: unit price: required")
    try:
        unit_price = to_minor(line.unit_price, exponent)
    except ValidationError:
        raise ValidationError(
            f"{where}: unit price: {line.unit_price} has more than {exponent} decimal places for {currency}"
        ) from None
    if unit_price < 0:
        raise ValidationError(f"{where}: unit price: must not be negative (enter a vendor credit note instead)")
    tax_code_id = _line_tax(look, vendor, item, line, where)
    if line.account:
        account_id = look.account_id(line.account.strip(), f"{where}: account")
    elif vendor.expense_account_id is not None:
        account_id = vendor.expense_account_id
    else:
        account_id = look.settings.expense_account_id
    department_id = project_id = None
    if line.department:
        department_id = look.poster.department_id(line.department.strip())
        if department_id is None:
            raise ValidationError(f"{where}: department: unknown department '{line.department}'")
    if line.project:
        project_id = look.poster.project_id(line.project.strip())
        if project_id is None:
            raise ValidationError(f"{where}: project: unknown project '{line.project}'")
    return DocumentLine(
        item.id if item else None,
        description,
        quantity_e4,
        unit_price,
        0,
        tax_code_id,
        account_id,
        department_id,
        project_id,
        line_amount(quantity_e4, unit_price),
    )


def _line_tax(
    look: BillLookups, vendor: VendorInfo, item: ItemInfo | None, line: BillLineInput, where: str
) -> int | None:
    if line.tax_code is not None:
        code = line.tax_code.strip()
        if not code:
            return None
        tax = look.taxes.get(code)
        if tax is None:
            raise ValidationError(f"{where}: tax code: unknown tax code '{code}'")
        if not tax.is_active:
            raise ValidationError(f"{where}: tax code: {code} is inactive")
        return tax.id
    if item is not None and item.tax_code_id is not None:
        return item.tax_code_id
    return vendor.tax_code_id


def gl_lines(doc: PreparedBill, input_tax_account_id: int, base_currency: str) -> list[PreparedLine]:
    """The bill's entry in base units: lines' accounts (with dimensions) and input tax debited, the payable
    credited; a vendor credit note the other way round."""
    sign = 1 if doc.kind is not BillKind.CREDIT_NOTE else -1
    parts = []
    for line in doc.lines:
        parts.append(((line.account_id, line.department_id, line.project_id), line.net))
        if line.tax:
            parts.append(((input_tax_account_id, None, None), line.tax))
    memo = doc.memo or doc.vendor.name
    result = [PreparedLine(doc.control_account_id, -sign * doc.base_total, memo)]
    result.extend(
        PreparedLine(account, sign * amount, memo, department, project)
        for (account, department, project), amount in grouped_base(
            parts, doc.base_total, doc.rate, doc.currency, base_currency
        )
    )
    return result


def prepared_of(look: BillLookups, row: Bill) -> PreparedBill:
    """A stored bill as it was entered and approved (its lines' net and tax as saved), ready to post."""
    lines = [
        DocumentLine(
            ln.item_id,
            ln.description,
            ln.quantity_e4,
            ln.unit_price,
            0,
            ln.tax_code_id,
            ln.account_id,
            ln.department_id,
            ln.project_id,
            ln.net + ln.tax,
            ln.net,
            ln.tax,
        )
        for ln in row.lines
    ]
    doc = PreparedBill(
        kind=row.kind,
        vendor=look.vendor_by_id(row.vendor_id),
        date=row.date,
        due_date=row.due_date,
        terms=row.terms,
        discount_date=row.discount_date,
        discount_e4=row.discount_e4,
        currency=row.currency,
        rate=Decimal(row.rate),
        vendor_invoice=row.vendor_invoice,
        memo=row.memo,
        lines=lines,
        net_total=row.net_total,
        tax_total=row.tax_total,
        total=row.total,
        base_total=row.base_total,
        control_account_id=row.control_account_id,
        gl_lines=[],
        credited_bill_id=row.credited_bill_id,
        id=row.id,
    )
    doc.gl_lines = gl_lines(doc, look.settings.input_tax_account_id, look.base_currency)
    return doc
