"""The only code that changes receivables master data: tax codes, customers, items.

Each call is one unit of work: check a named permission, validate (every problem in one clear message),
write, append the audit row with the values before and after, commit, and say what changed.
Updates accept the version the caller read; a stale one is a ConflictError, never an overwrite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.core.tax import TaxRounding
from paksa_desktop.documents.models import Document, OwnerKind
from paksa_desktop.ledger.models import AccountType, CompanySettings
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables import files
from paksa_desktop.receivables.commands import AddressInput, ContactInput, CustomerInput, ItemInput, TaxCodeInput
from paksa_desktop.receivables.models import (
    AddressKind,
    Customer,
    CustomerAddress,
    CustomerContact,
    Item,
    TaxCodeRow,
)
from paksa_desktop.receivables.rules import (
    Catalogue,
    account_problem,
    canonical_terms,
    code_problem,
    country_problem,
    currency_problem,
    decimal_minor,
    email_problem,
    load_catalogue,
    rate_e4,
    rate_of,
    tax_code_problem,
)
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _fail(subject: str, problems: list[str]) -> None:
    if problems:
        raise ValidationError(f"{subject}: " + "; ".join(problems))


def _check_version(s: Session, entity: str, code: str, current: int, expected: int | None) -> None:
    """A stale `expected` version is a ConflictError naming who changed the record last, and when."""
    if expected is not None and expected != current:
        raise trail.stale(s, f"{entity.replace('_', ' ')} {code}", entity, code)


# ----------------------------------------------------------------------------- audit values


def tax_code_values(t: TaxCodeRow, cat: Catalogue) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "rate": str(rate_of(t.rate_e4)),
        "inclusive": t.inclusive,
        "account": cat.accounts_by_id[t.account_id].code,
        "is_active": t.is_active,
    }


def customer_values(c: Customer, cat: Catalogue) -> dict[str, Any]:
    exponent = currency_exponent(c.currency)
    return {
        "code": c.code,
        "name": c.name,
        "currency": c.currency,
        "payment_terms": c.payment_terms,
        "credit_limit": None if c.credit_limit is None else str(from_minor(c.credit_limit, exponent)),
        "credit_hold": c.credit_hold,
        "income_account": cat.accounts_by_id[c.income_account_id].code if c.income_account_id else None,
        "tax_code": cat.tax_codes_by_id[c.tax_code_id].code if c.tax_code_id else None,
        "email": c.email,
        "phone": c.phone,
        "tax_number": c.tax_number,
        "notes": c.notes,
        "is_active": c.is_active,
        "contacts": [[k.name, k.role, k.email, k.phone] for k in c.contacts],
        "addresses": [[a.kind.value, a.lines, a.city, a.postal_code, a.region, a.country] for a in c.addresses],
    }


def item_values(i: Item, cat: Catalogue) -> dict[str, Any]:
    return {
        "code": i.code,
        "description": i.description,
        "unit_price": str(from_minor(i.unit_price, currency_exponent(cat.base_currency))),
        "income_account": cat.accounts_by_id[i.income_account_id].code,
        "tax_code": cat.tax_codes_by_id[i.tax_code_id].code if i.tax_code_id else None,
        "is_active": i.is_active,
    }


def _audit_change(
    s: Session, service: GuardedService, entity: str, key: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> bool:
    old, new = trail.field_diff(before, after)
    if not new:
        return False
    trail.record(s, service.ctx, "update", entity, key, before=old, after=new)
    return True


def _json(values: Mapping[str, Any]) -> str:
    return json.dumps(values, default=str, sort_keys=True, ensure_ascii=False)


class ImportAudit:
    """The audit rows of one import (one per created or changed record), appended in one go at the end."""

    def __init__(self, service: GuardedService, entity: str, filename: str) -> None:
        self.ctx = service.ctx
        self.entity = entity
        self.filename = filename
        self.events: list[trail.Event] = []
        self.created_count = self.updated_count = 0

    def _event(self, action: str, key: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
        ctx = self.ctx
        self.events.append(
            trail.Event(
                ctx.clock.now(),
                ctx.user_id,
                ctx.username,
                ctx.host,
                action,
                self.entity,
                key,
                None if before is None else _json(before),
                _json({**after, "file": self.filename}),
            )
        )

    def created(self, key: str, after: Mapping[str, Any]) -> None:
        self.created_count += 1
        self._event("create", key, None, after)

    def updated(self, key: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
        old, new = trail.field_diff(before, after)
        if not new:
            return False
        self.updated_count += 1
        self._event("update", key, old, new)
        return True

    def write(self, s: Session) -> None:
        if self.events:
            trail.record_many(s, self.events)

    def result(self, rows: int) -> ImportResult:
        return ImportResult(self.created_count, self.updated_count, rows - self.created_count - self.updated_count)


@retry_writes
class ReceivablesService(GuardedService):
    """Tax codes (`ledger.taxcode.manage`), customers (`receivables.customer.manage`) and items
    (`receivables.item.manage`); exports need `receivables.view`."""

    # ------------------------------------------------------------------------- tax codes

    def create_tax_code(self, tax: TaxCodeInput) -> Changes:
        with self._unit(Permission.TAX_CODE_MANAGE) as s:
            cat = load_catalogue(s)
            if tax.code in cat.tax_codes:
                raise ValidationError(f"tax code {tax.code} already exists")
            row = TaxCodeRow(code=tax.code)
            self._apply_tax_code(cat, row, tax)
            s.add(row)
            with _unique(f"tax code {tax.code}"):
                s.flush()
            trail.record(s, self.ctx, "create", "tax_code", tax.code, after=tax_code_values(row, cat))
        return Changes.of(Kind.TAX_CODES)

    def update_tax_code(self, code: str, tax: TaxCodeInput, *, version: int | None = None) -> Changes:
        """Change a tax code (its code too). Documents already posted keep the tax they were posted with."""
        with self._unit(Permission.TAX_CODE_MANAGE) as s:
            cat = load_catalogue(s)
            row = _tax_code_row(s, code)
            _check_version(s, "tax_code", code, row.version, version)
            if tax.code != code and tax.code in cat.tax_codes:
                raise ValidationError(f"tax code {tax.code} already exists")
            before = tax_code_values(row, cat)
            self._apply_tax_code(cat, row, tax)
            row.code = tax.code
            with _unique(f"tax code {tax.code}"):
                s.flush()
            _audit_change(s, self, "tax_code", code, before, tax_code_values(row, cat))
        return Changes.of(Kind.TAX_CODES)

    def set_tax_code_active(self, code: str, active: bool) -> Changes:
        """Deactivate (no new use; existing customers and items keep it) or reactivate a tax code."""
        with self._unit(Permission.TAX_CODE_MANAGE) as s:
            cat = load_catalogue(s)
            row = _tax_code_row(s, code)
            before = tax_code_values(row, cat)
            row.is_active = active
            s.flush()
            _audit_change(s, self, "tax_code", code, before, tax_code_values(row, cat))
        return Changes.of(Kind.TAX_CODES)

    def set_tax_rounding(self, rounding: TaxRounding | str) -> Changes:
        """Round each line's tax or each code's tax on the document total (applies to documents posted from now)."""
        with self._unit(Permission.TAX_CODE_MANAGE) as s:
            try:
                value = TaxRounding(rounding)
            except ValueError:
                raise ValidationError(f"tax rounding must be 'line' or 'total', not '{rounding}'") from None
            company = s.execute(select(CompanySettings)).scalar_one()
            before = company.tax_rounding.value
            if before != value.value:
                company.tax_rounding = value
                trail.record(
                    s,
                    self.ctx,
                    "update",
                    "company",
                    company.id,
                    before={"tax_rounding": before},
                    after={"tax_rounding": value.value},
                )
        return Changes.of(Kind.COMPANY, Kind.TAX_CODES)

    @staticmethod
    def _apply_tax_code(cat: Catalogue, row: TaxCodeRow, tax: TaxCodeInput) -> None:
        problems = []
        if p := code_problem(tax.code.strip()):
            problems.append(f"code: {p}")
        elif len(tax.code) > 16:
            problems.append("code: longer than 16 characters")
        if not tax.name.strip():
            problems.append("name: required")
        try:
            e4 = rate_e4(tax.rate)
        except ValidationError as exc:
            problems.append(f"rate: {exc}")
        if p := account_problem(cat, tax.account, AccountType.LIABILITY, "tax account"):
            problems.append(f"account: {p}")
        _fail(f"tax code {tax.code}", problems)
        row.name = tax.name.strip()
        row.rate_e4 = e4
        row.inclusive = tax.inclusive
        row.account_id = cat.accounts[tax.account].id
        if row.is_active is None:
            row.is_active = True

    # ------------------------------------------------------------------------- customers

    def create_customer(self, customer: CustomerInput) -> Changes:
        with self._unit(Permission.AR_CUSTOMER_MANAGE) as s:
            cat = load_catalogue(s)
            if _find_customer(s, customer.code) is not None:
                raise ValidationError(f"customer {customer.code} already exists")
            row = Customer(code=customer.code, created_by=self.ctx.user_id, created_at=self.ctx.clock.now())
            self._apply_customer(cat, row, customer)
            s.add(row)
            with _unique(f"customer {customer.code}"):
                s.flush()
            trail.record(s, self.ctx, "create", "customer", customer.code, after=customer_values(row, cat))
        return Changes.of(Kind.CUSTOMERS)

    def update_customer(self, code: str, customer: CustomerInput, *, version: int | None = None) -> Changes:
        """Replace a customer's details (contacts and addresses too) with `customer`; `version` is what was read."""
        with self._unit(Permission.AR_CUSTOMER_MANAGE) as s:
            cat = load_catalogue(s)
            row = _customer_row(s, code)
            _check_version(s, "customer", code, row.version, version)
            if customer.code != code and _find_customer(s, customer.code) is not None:
                raise ValidationError(f"customer {customer.code} already exists")
            before = customer_values(row, cat)
            self._apply_customer(cat, row, customer)
            if customer.code != code:  # attachments follow the customer to its new code
                s.execute(
                    update(Document)
                    .where(Document.owner_kind == OwnerKind.CUSTOMER.value, Document.owner_id == code)
                    .values(owner_id=customer.code)
                )
            row.code = customer.code
            after = customer_values(row, cat)
            if after != before:
                row.updated_by, row.updated_at = self.ctx.user_id, self.ctx.clock.now()
            with _unique(f"customer {customer.code}"):
                s.flush()
            _audit_change(s, self, "customer", code, before, after)
        return Changes.of(Kind.CUSTOMERS)

    def set_customer_active(self, code: str, active: bool) -> Changes:
        """Deactivate a customer (kept with its history, offered for nothing new) or reactivate it."""
        return self._customer_flag(code, "is_active", active)

    def set_credit_hold(self, code: str, hold: bool) -> Changes:
        return self._customer_flag(code, "credit_hold", hold)

    def _customer_flag(self, code: str, field: str, value: bool) -> Changes:
        with self._unit(Permission.AR_CUSTOMER_MANAGE) as s:
            cat = load_catalogue(s)
            row = _customer_row(s, code)
            before = customer_values(row, cat)
            if getattr(row, field) != value:
                setattr(row, field, value)
                row.updated_by, row.updated_at = self.ctx.user_id, self.ctx.clock.now()
                s.flush()
                _audit_change(s, self, "customer", code, before, customer_values(row, cat))
        return Changes.of(Kind.CUSTOMERS)

    @staticmethod
    def _apply_customer(cat: Catalogue, row: Customer, c: CustomerInput) -> None:
        problems: list[str] = []
        if p := code_problem(c.code):
            problems.append(f"code: {p}")
        if not c.name.strip():
            problems.append("name: required")
        currency = (c.currency or cat.base_currency).strip().upper()
        if p := currency_problem(currency):
            problems.append(f"currency: {p}")
        terms = ""
        try:
            terms = canonical_terms(c.payment_terms)
        except ValidationError as exc:
            problems.append(f"payment terms: {exc}")
        limit = None
        if c.credit_limit is not None and not currency_problem(currency):
            try:
                limit = decimal_minor(c.credit_limit, currency, what="credit limit")
            except ValidationError as exc:
                problems.append(f"credit limit: {exc}")
        if c.income_account and (p := account_problem(cat, c.income_account, AccountType.INCOME, "income account")):
            problems.append(f"income account: {p}")
        if c.tax_code and (p := tax_code_problem(cat, c.tax_code)):
            problems.append(f"tax code: {p}")
        if p := email_problem(c.email.strip()):
            problems.append(f"email: {p}")
        for n, contact in enumerate(c.contacts, start=1):
            if not contact.name.strip():
                problems.append(f"contact {n}: name: required")
            if p := email_problem(contact.email.strip()):
                problems.append(f"contact {n}: email: {p}")
        for n, address in enumerate(c.addresses, start=1):
            if address.kind not in {k.value for k in AddressKind}:
                problems.append(f"address {n}: kind: '{address.kind}' is not billing or shipping")
            if p := country_problem(address.country.strip()):
                problems.append(f"address {n}: country: {p}")
        _fail(f"customer {c.code}", problems)
        row.name = c.name.strip()
        row.currency = currency
        row.payment_terms = terms
        row.credit_limit = limit
        row.credit_hold = c.credit_hold
        row.income_account_id = cat.accounts[c.income_account].id if c.income_account else None
        row.tax_code_id = cat.tax_codes[c.tax_code].id if c.tax_code else None
        row.email, row.phone, row.tax_number = c.email.strip(), c.phone.strip(), c.tax_number.strip()
        row.notes = c.notes
        if c.is_active is not None:
            row.is_active = c.is_active
        elif row.is_active is None:
            row.is_active = True
        if _contacts_of(row) != [_contact_tuple(k) for k in c.contacts]:
            row.contacts = [
                CustomerContact(
                    position=n, name=k.name.strip(), role=k.role.strip(), email=k.email.strip(), phone=k.phone.strip()
                )
                for n, k in enumerate(c.contacts)
            ]
        if _addresses_of(row) != [_address_tuple(a) for a in c.addresses]:
            row.addresses = [
                CustomerAddress(
                    position=n,
                    kind=AddressKind(a.kind),
                    lines=a.lines.strip(),
                    city=a.city.strip(),
                    postal_code=a.postal_code.strip(),
                    region=a.region.strip(),
                    country=a.country.strip(),
                )
                for n, a in enumerate(c.addresses)
            ]

    # ------------------------------------------------------------------------- items

    def create_item(self, item: ItemInput) -> Changes:
        with self._unit(Permission.AR_ITEM_MANAGE) as s:
            cat = load_catalogue(s)
            if _find_item(s, item.code) is not None:
                raise ValidationError(f"item {item.code} already exists")
            row = Item(code=item.code)
            self._apply_item(cat, row, item)
            s.add(row)
            with _unique(f"item {item.code}"):
                s.flush()
            trail.record(s, self.ctx, "create", "item", item.code, after=item_values(row, cat))
        return Changes.of(Kind.ITEMS)

    def update_item(self, code: str, item: ItemInput, *, version: int | None = None) -> Changes:
        with self._unit(Permission.AR_ITEM_MANAGE) as s:
            cat = load_catalogue(s)
            row = _item_row(s, code)
            _check_version(s, "item", code, row.version, version)
            if item.code != code and _find_item(s, item.code) is not None:
                raise ValidationError(f"item {item.code} already exists")
            before = item_values(row, cat)
            self._apply_item(cat, row, item)
            row.code = item.code
            with _unique(f"item {item.code}"):
                s.flush()
            _audit_change(s, self, "item", code, before, item_values(row, cat))
        return Changes.of(Kind.ITEMS)

    def set_item_active(self, code: str, active: bool) -> Changes:
        with self._unit(Permission.AR_ITEM_MANAGE) as s:
            cat = load_catalogue(s)
            row = _item_row(s, code)
            before = item_values(row, cat)
            row.is_active = active
            s.flush()
            _audit_change(s, self, "item", code, before, item_values(row, cat))
        return Changes.of(Kind.ITEMS)

    @staticmethod
    def _apply_item(cat: Catalogue, row: Item, item: ItemInput) -> None:
        problems: list[str] = []
        if p := code_problem(item.code):
            problems.append(f"code: {p}")
        if not item.description.strip():
            problems.append("description: required")
        price = 0
        try:
            price = decimal_minor(item.unit_price, cat.base_currency, what="unit price")
        except ValidationError as exc:
            problems.append(f"unit price: {exc}")
        if p := account_problem(cat, item.income_account, AccountType.INCOME, "income account"):
            problems.append(f"income account: {p}")
        if item.tax_code and (p := tax_code_problem(cat, item.tax_code)):
            problems.append(f"tax code: {p}")
        _fail(f"item {item.code}", problems)
        row.description = item.description.strip()
        row.unit_price = price
        row.income_account_id = cat.accounts[item.income_account].id
        row.tax_code_id = cat.tax_codes[item.tax_code].id if item.tax_code else None
        if row.is_active is None:
            row.is_active = True

    # ------------------------------------------------------------------------- files

    def import_customers(
        self, path: Path, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> tuple[ImportResult, Changes]:
        """Create or update customers from a file, all or nothing (ImportFileError lists every problem)."""
        with self._unit(Permission.AR_CUSTOMER_MANAGE) as s:
            cat = load_catalogue(s)
            query = select(Customer).options(selectinload(Customer.contacts), selectinload(Customer.addresses))
            existing = {c.code: c for c in s.execute(query).scalars()}
            parsed = files.read_customers(Path(path), cat, progress=progress, cancelled=cancelled)
            audit = ImportAudit(self, "customer", Path(path).name)
            now = self.ctx.clock.now()
            fresh = dict(credit_hold=False, phone="", notes="", is_active=True, email="", tax_number="")
            for record in parsed.rows:
                row = existing.get(record.code)
                if row is None:
                    row = Customer(code=record.code, created_by=self.ctx.user_id, created_at=now, **fresh)
                    row.contacts, row.addresses = [], []
                    files.apply_customer(row, record)
                    s.add(row)
                    audit.created(record.code, customer_values(row, cat))
                    continue
                before = customer_values(row, cat)
                files.apply_customer(row, record)
                if audit.updated(record.code, before, customer_values(row, cat)):
                    row.updated_by, row.updated_at = self.ctx.user_id, now
            with _unique("a customer in the file"):
                s.flush()
            audit.write(s)
        return audit.result(len(parsed.rows)), Changes.of(Kind.CUSTOMERS)

    def import_items(
        self, path: Path, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> tuple[ImportResult, Changes]:
        """Create or update items from a file, all or nothing (ImportFileError lists every problem)."""
        with self._unit(Permission.AR_ITEM_MANAGE) as s:
            cat = load_catalogue(s)
            existing = {i.code: i for i in s.execute(select(Item)).scalars()}
            parsed = files.read_items(Path(path), cat, set(existing), progress=progress, cancelled=cancelled)
            audit = ImportAudit(self, "item", Path(path).name)
            for record in parsed.rows:
                row = existing.get(record.code)
                if row is None:
                    row = Item(code=record.code, is_active=True, tax_code_id=None)
                    files.apply_item(row, record)
                    s.add(row)
                    audit.created(record.code, item_values(row, cat))
                    continue
                before = item_values(row, cat)
                files.apply_item(row, record)
                audit.updated(record.code, before, item_values(row, cat))
            with _unique("an item in the file"):
                s.flush()
            audit.write(s)
        return audit.result(len(parsed.rows)), Changes.of(Kind.ITEMS)

    def export_customers(self, path: Path, fmt: str | None = None) -> int:
        """Every customer (inactive ones too) in the columns `import_customers` reads; returns the row count."""
        with self._unit(Permission.AR_VIEW) as s:
            cat = load_catalogue(s)
            count = files.write_customers(Path(path), s, cat, fmt)
            trail.record(s, self.ctx, "export", "customers", "", after={"file": Path(path).name, "rows": count})
        return count

    def export_items(self, path: Path, fmt: str | None = None) -> int:
        with self._unit(Permission.AR_VIEW) as s:
            cat = load_catalogue(s)
            count = files.write_items(Path(path), s, cat, fmt)
            trail.record(s, self.ctx, "export", "items", "", after={"file": Path(path).name, "rows": count})
        return count


def _locked(model: Any, code: str) -> Any:
    """The record by code, row-locked until commit: a concurrent edit waits, then sees the new version."""
    return select(model).where(model.code == code).with_for_update().execution_options(populate_existing=True)


def _tax_code_row(s: Session, code: str) -> TaxCodeRow:
    row = s.execute(_locked(TaxCodeRow, code)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"tax code '{code}' does not exist")
    return row


def _find_customer(s: Session, code: str) -> Customer | None:
    return s.execute(select(Customer).where(Customer.code == code)).scalar_one_or_none()


def _customer_row(s: Session, code: str) -> Customer:
    row = s.execute(_locked(Customer, code)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"customer '{code}' does not exist")
    return row


def _find_item(s: Session, code: str) -> Item | None:
    return s.execute(select(Item).where(Item.code == code)).scalar_one_or_none()


def _item_row(s: Session, code: str) -> Item:
    row = s.execute(_locked(Item, code)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"item '{code}' does not exist")
    return row


@contextmanager
def _unique(what: str) -> Iterator[None]:
    """Two users creating the same code at once (PostgreSQL): the second gets a message, not a traceback."""
    try:
        yield
    except IntegrityError:
        raise ConflictError(f"{what} was created by another user at the same time; nothing was written") from None


def _contact_tuple(k: ContactInput) -> tuple[str, ...]:
    return (k.name.strip(), k.role.strip(), k.email.strip(), k.phone.strip())


def _address_tuple(a: AddressInput) -> tuple[str, ...]:
    return (str(a.kind), a.lines.strip(), a.city.strip(), a.postal_code.strip(), a.region.strip(), a.country.strip())


def _contacts_of(row: Customer) -> list[tuple[str, ...]]:
    return [(k.name, k.role, k.email, k.phone) for k in row.contacts] if row.id else []


def _addresses_of(row: Customer) -> list[tuple[str, ...]]:
    return (
        [(a.kind.value, a.lines, a.city, a.postal_code, a.region, a.country) for a in row.addresses] if row.id else []
    )
