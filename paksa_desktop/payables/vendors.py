"""Vendors: the only code that creates and changes them, and the rows and records screens show.

A vendor's IBAN and account number are encrypted with the company data key (like a bank account's
number): setting, changing or reading them needs a key holder (`security.sensitive.read`, key granted).
Everyone else sees the last four characters (`•••• 3000`) and may change everything but the bank
details; the BIC and routing number count as bank details too, since changing them redirects money.
The audit trail records that bank details changed and their masked form, never the number.

Each call is one unit of work: check the permission, check every field (all problems in one message,
each naming its field), write, audit, commit, and say what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from paksa_desktop.audit import trail
from paksa_desktop.core import bank_details
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.money import currency_exponent, from_minor
from paksa_desktop.documents.models import Document, OwnerKind
from paksa_desktop.ledger.models import AccountType
from paksa_desktop.payables.models import Bill, BillKind, BillState, Vendor, VendorContact, VendorPayment
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.receivables.commands import ContactInput
from paksa_desktop.receivables.rules import (
    Catalogue,
    account_problem,
    canonical_terms,
    code_problem,
    country_problem,
    currency_problem,
    email_problem,
    load_catalogue,
    rate_e4,
    rate_of,
    tax_code_problem,
)
from paksa_desktop.receivables.service import ImportAudit, ImportResult
from paksa_desktop.security import field_crypto
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.guarded_service import GuardedService
from paksa_desktop.security.permissions import Permission

IBAN_COLUMN = "vendors.iban"  # the associated data of each sealed value: it cannot move to another column
ACCOUNT_COLUMN = "vendors.account_number"
OPEN_STATES = (BillState.POSTED, BillState.PARTIALLY_PAID)  # what the vendor is still owed (or owes back)
Progress = Callable[[int, int], None]

__all__ = ["ContactInput", "VendorInput", "VendorRecord", "VendorRow", "VendorService"]


@dataclass(frozen=True, slots=True)
class VendorInput:
    """What a user enters for a vendor.

    `iban` and `account_number`: None keeps what is stored (a new vendor has none), "" removes it,
    any other text is checked (an IBAN with its check digits) and stored encrypted.
    """

    code: str
    name: str
    currency: str | None = None  # None: the company's base currency
    payment_terms: str = "net 30"  # anything PaymentTerms.parse reads ("30" is net 30); stored canonical
    expense_account: str | None = None  # default account of bill lines (an expense or asset account)
    tax_code: str | None = None  # default tax code of bill lines (recoverable input tax)
    tax_number: str = ""
    email: str = ""
    phone: str = ""
    address_lines: str = ""  # street lines, one per line
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    iban: str | None = None
    bic: str = ""
    account_number: str | None = None  # a domestic account number, when there is no IBAN
    routing_number: str = ""  # ABA routing number, sort code, BSB ...
    withholding: bool = False  # a 1099 / withholding vendor
    withholding_rate: Decimal = Decimal(0)  # percent withheld on payment, 0..100, at most 4 decimals
    is_employee: bool = False  # a claimant reimbursed for expenses
    notes: str = ""
    contacts: tuple[ContactInput, ...] = ()
    is_active: bool | None = None  # None: as it is (a new vendor starts active)


@dataclass(frozen=True, slots=True)
class VendorRow:
    """One line of the vendors list."""

    code: str
    name: str
    currency: str
    payment_terms: str
    balance: Decimal  # open posted bills less open credit notes and money on account, in the vendor's currency
    bank: str  # '•••• 3000' or ''
    bic: str
    withholding: bool
    withholding_rate: Decimal
    is_employee: bool
    email: str
    tax_number: str
    is_active: bool
    version: int


@dataclass(frozen=True, slots=True)
class VendorRecord:
    """A vendor as its form shows it: `data` holds the full IBAN and account number only for a key
    holder (`bank_readable`); for anyone else they are None (kept as stored) and `bank` is masked."""

    data: VendorInput
    version: int
    is_active: bool
    bank: str
    bank_readable: bool
    balance: Decimal = Decimal(0)
    has_bank_details: bool = field(default=False)

    @property
    def code(self) -> str:
        return self.data.code

    @property
    def name(self) -> str:
        return self.data.name


# ----------------------------------------------------------------------------------------- checks


def expense_account_problem(cat: Catalogue, code: str) -> str | None:
    """A vendor's default account: a postable, active expense account, or an asset account (equipment)."""
    account = cat.accounts.get(code)
    if account is not None and account.type is AccountType.ASSET:
        return account_problem(cat, code, AccountType.ASSET, "expense account")
    return account_problem(cat, code, AccountType.EXPENSE, "expense account")


def routing_problem(text: str) -> str | None:
    value = text.strip()
    if len(value) > 20 or not all(c.isalnum() or c in "- " for c in value):
        return f"'{value}' is not a routing number or sort code (up to 20 letters, digits and dashes)"
    return None


def withholding_e4(rate: Decimal) -> int:
    """The withholding rate as ten-thousandths of a percent (0..100, at most 4 decimals)."""
    try:
        return rate_e4(rate)
    except ValidationError as exc:
        raise ValidationError(str(exc).replace("tax rate", "withholding rate")) from None


def sensitive_refused(ctx: UserContext, code: str) -> PermissionDenied:
    """The refusal a user without the data key gets for changing bank details: says who can."""
    error = PermissionDenied(ctx.username, Permission.SENSITIVE_READ)
    error.args = (
        f"vendor {code}: bank details are encrypted; only a user holding the company data key "
        f"(permission {Permission.SENSITIVE_READ.value}) can set or change an IBAN, account number, BIC or "
        f"routing number. '{ctx.username}' may change everything else; ask a key holder to enter them.",
    )
    return error


def may_read_bank(ctx: UserContext) -> bool:
    return ctx.can(Permission.SENSITIVE_READ) and isinstance(ctx.data_key, field_crypto.FieldKey)


def vendor_values(v: Vendor, cat: Catalogue) -> dict[str, Any]:
    """Audit values: bank numbers only masked, never in full."""
    return {
        "code": v.code,
        "name": v.name,
        "currency": v.currency,
        "payment_terms": v.payment_terms,
        "expense_account": cat.accounts_by_id[v.expense_account_id].code if v.expense_account_id else None,
        "tax_code": cat.tax_codes_by_id[v.tax_code_id].code if v.tax_code_id else None,
        "tax_number": v.tax_number,
        "email": v.email,
        "phone": v.phone,
        "address": [v.address_lines, v.city, v.postal_code, v.region, v.country],
        "bank": bank_details.masked(v.bank_last4),
        "bic": v.bic,
        "routing_number": v.routing_number,
        "withholding": v.withholding,
        "withholding_rate": str(rate_of(v.withholding_rate_e4)),
        "is_employee": v.is_employee,
        "notes": v.notes,
        "is_active": v.is_active,
        "contacts": [[k.name, k.role, k.email, k.phone] for k in v.contacts],
    }


@dataclass(frozen=True, slots=True)
class BankChange:
    """What a save does to the bank details: the sealed values to store (None: leave as they are)."""

    iban: str | bool | None = False  # False: unchanged; None: removed; text: the new IBAN
    account_number: str | bool | None = False
    bic: str | None = None  # None: unchanged
    routing_number: str | None = None

    @property
    def any(self) -> bool:
        return (
            self.iban is not False
            or self.account_number is not False
            or self.bic is not None
            or self.routing_number is not None
        )


# ----------------------------------------------------------------------------------------- service


@retry_writes
class VendorService(GuardedService):
    """Add, change, deactivate, list and read vendors (`payables.vendor.manage` changes, `payables.view`
    reads); `import_file`/`export_file` move them through CSV or Excel (payables/vendor_files.py)."""

    def add(self, data: VendorInput) -> Changes:
        with self._unit(Permission.AP_VENDOR_MANAGE) as s:
            cat = load_catalogue(s)
            if _find(s, data.code.strip()) is not None:
                raise ValidationError(f"vendor {data.code.strip()} already exists")
            row = Vendor(
                code=data.code.strip(),
                created_by=self.ctx.user_id,
                created_at=self.ctx.clock.now(),
                is_active=True,
                bank_last4="",
                bic="",
                routing_number="",
            )
            row.contacts = []
            marker = self._apply(s, cat, row, data, new=True)
            s.add(row)
            with _unique(f"vendor {row.code}"):
                s.flush()
            after = vendor_values(row, cat) | ({"bank_number": marker} if marker else {})
            trail.record(s, self.ctx, "create", "vendor", row.code, after=after)
        return Changes.of(Kind.VENDORS)

    def update(self, code: str, data: VendorInput, *, version: int | None = None) -> Changes:
        """Replace a vendor's details (contacts too) with `data`; `version` is the one the caller read."""
        with self._unit(Permission.AP_VENDOR_MANAGE) as s:
            cat = load_catalogue(s)
            row = _locked(s, code)
            if version is not None and version != row.version:
                raise trail.stale(s, f"vendor {code}", "vendor", code)
            new_code = data.code.strip()
            if new_code != code and _find(s, new_code) is not None:
                raise ValidationError(f"vendor {new_code} already exists")
            before = vendor_values(row, cat)
            marker = self._apply(s, cat, row, data, new=False)
            if new_code != code:
                self._move_documents(s, code, new_code)
            row.code = new_code
            after = vendor_values(row, cat) | ({"bank_number": marker} if marker else {})
            old, new = trail.field_diff(before, after)
            if new:
                row.updated_by, row.updated_at = self.ctx.user_id, self.ctx.clock.now()
            with _unique(f"vendor {new_code}"):
                s.flush()
            if new:
                trail.record(s, self.ctx, "update", "vendor", code, before=old, after=new)
        return Changes.of(Kind.VENDORS)

    def set_active(self, code: str, active: bool) -> Changes:
        """Deactivate (kept with its bills, offered for nothing new) or reactivate a vendor."""
        with self._unit(Permission.AP_VENDOR_MANAGE) as s:
            row = _locked(s, code)
            if row.is_active != active:
                row.is_active = active
                row.updated_by, row.updated_at = self.ctx.user_id, self.ctx.clock.now()
                s.flush()
                trail.record(
                    s, self.ctx, "update", "vendor", code, before={"is_active": not active}, after={"is_active": active}
                )
        return Changes.of(Kind.VENDORS)

    def deactivate(self, code: str) -> Changes:
        return self.set_active(code, False)

    def activate(self, code: str) -> Changes:
        return self.set_active(code, True)

    def list(self, *, include_inactive: bool = True, search: str = "") -> Sequence[VendorRow]:
        """Vendors by code with their open balance; `search` matches code or name."""
        with self._read(Permission.AP_VIEW) as s:
            query = select(Vendor).order_by(Vendor.code)
            if not include_inactive:
                query = query.where(Vendor.is_active)
            if search:
                pattern = f"%{search.lower()}%"
                query = query.where(Vendor.code.ilike(pattern) | Vendor.name.ilike(pattern))
            vendors = s.execute(query).scalars().all()
            balances = _balances(s)
            return [
                VendorRow(
                    v.code,
                    v.name,
                    v.currency,
                    v.payment_terms,
                    from_minor(balances.get(v.id, 0), currency_exponent(v.currency)),
                    bank_details.masked(v.bank_last4),
                    v.bic,
                    v.withholding,
                    rate_of(v.withholding_rate_e4),
                    v.is_employee,
                    v.email,
                    v.tax_number,
                    v.is_active,
                    v.version,
                )
                for v in vendors
            ]

    def get(self, code: str) -> VendorRecord:
        """One vendor with its contacts, as the form shows it (full bank numbers for a key holder only)."""
        with self._read(Permission.AP_VIEW) as s:
            row = s.execute(
                select(Vendor).where(Vendor.code == code).options(selectinload(Vendor.contacts))
            ).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"vendor '{code}' does not exist")
            cat = load_catalogue(s)
            readable = may_read_bank(self.ctx)
            iban = account_number = None
            if readable:
                key = field_crypto.require_key(self.ctx)
                iban = field_crypto.decrypt(key, row.iban, IBAN_COLUMN) if row.iban else ""
                account_number = (
                    field_crypto.decrypt(key, row.account_number, ACCOUNT_COLUMN) if row.account_number else ""
                )
            data = VendorInput(
                code=row.code,
                name=row.name,
                currency=row.currency,
                payment_terms=row.payment_terms,
                expense_account=cat.accounts_by_id[row.expense_account_id].code if row.expense_account_id else None,
                tax_code=cat.tax_codes_by_id[row.tax_code_id].code if row.tax_code_id else None,
                tax_number=row.tax_number,
                email=row.email,
                phone=row.phone,
                address_lines=row.address_lines,
                city=row.city,
                postal_code=row.postal_code,
                region=row.region,
                country=row.country,
                iban=iban,
                bic=row.bic,
                account_number=account_number,
                routing_number=row.routing_number,
                withholding=row.withholding,
                withholding_rate=rate_of(row.withholding_rate_e4),
                is_employee=row.is_employee,
                notes=row.notes,
                contacts=tuple(ContactInput(k.name, k.role, k.email, k.phone) for k in row.contacts),
                is_active=row.is_active,
            )
            balance = from_minor(_balances(s, row.id).get(row.id, 0), currency_exponent(row.currency))
            has_bank = bool(row.iban or row.account_number or row.bic or row.routing_number)
            return VendorRecord(
                data, row.version, row.is_active, bank_details.masked(row.bank_last4), readable, balance, has_bank
            )

    # -------------------------------------------------------------------------------- files

    def import_file(
        self,
        path: Path,
        *,
        update: bool = False,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[ImportResult, Changes]:
        """Create vendors from a file (and with `update`, change existing ones), all or nothing; an
        ImportFileError names every bad cell by file, sheet, row and column."""
        from paksa_desktop.payables import vendor_files  # it reads this module's checks

        with self._unit(Permission.AP_VENDOR_MANAGE) as s:
            cat = load_catalogue(s)
            existing = {v.code: v for v in s.execute(select(Vendor).options(selectinload(Vendor.contacts))).scalars()}
            parsed = vendor_files.read_vendors(
                Path(path),
                cat,
                {code: v.bic for code, v in existing.items()},
                update=update,
                may_set_bank=may_read_bank(self.ctx),
                progress=progress,
                cancelled=cancelled,
            )
            key = field_crypto.require_key(self.ctx) if any(r.iban for r in parsed) else None
            audit = ImportAudit(self, "vendor", Path(path).name)
            now = self.ctx.clock.now()
            for record in parsed:
                row = existing.get(record.code)
                if row is None:
                    row = Vendor(code=record.code, created_by=self.ctx.user_id, created_at=now, **vendor_files.FRESH)
                    row.contacts = []
                    marker = vendor_files.apply_vendor(row, record, key)
                    s.add(row)
                    audit.created(record.code, vendor_values(row, cat) | ({"bank_number": marker} if marker else {}))
                    continue
                before = vendor_values(row, cat)
                marker = vendor_files.apply_vendor(row, record, key)
                after = vendor_values(row, cat) | ({"bank_number": marker} if marker else {})
                if audit.updated(record.code, before, after):
                    row.updated_by, row.updated_at = self.ctx.user_id, now
            with _unique("a vendor in the file"):
                s.flush()
            audit.write(s)
        return audit.result(len(parsed)), Changes.of(Kind.VENDORS)

    def export_file(self, path: Path, fmt: str | None = None) -> int:
        """Every vendor (inactive ones too) in the columns `import_file` reads; returns the row count.

        A key holder's file carries the full IBANs; anyone else's the masked form, which an import
        reads as "leave the IBAN as it is"."""
        from paksa_desktop.payables import vendor_files  # it reads this module's checks

        with self._unit(Permission.AP_VIEW) as s:
            cat = load_catalogue(s)
            key = field_crypto.require_key(self.ctx) if may_read_bank(self.ctx) else None
            count = vendor_files.write_vendors(Path(path), s, cat, key, fmt)
            trail.record(
                s,
                self.ctx,
                "export",
                "vendors",
                "",
                after={"file": Path(path).name, "rows": count, "bank_numbers": "full" if key else "masked"},
            )
        return count

    # -------------------------------------------------------------------------------- helpers

    def _apply(self, s: Session, cat: Catalogue, row: Vendor, data: VendorInput, *, new: bool) -> str:
        """Check every field of `data` and copy it onto `row`; returns how the bank number changed
        ('set', 'changed', 'removed' or '') for the audit trail."""
        problems: list[str] = []
        code = data.code.strip()
        if p := code_problem(code):
            problems.append(f"code: {p}")
        name = data.name.strip()
        if not name:
            problems.append("name: required")
        elif len(name) > 200:
            problems.append("name: longer than 200 characters")
        currency = (data.currency or cat.base_currency).strip().upper()
        if p := currency_problem(currency):
            problems.append(f"currency: {p}")
        terms = ""
        try:
            terms = canonical_terms(data.payment_terms)
        except ValidationError as exc:
            problems.append(f"payment terms: {exc}")
        expense = (data.expense_account or "").strip()
        if expense and (p := expense_account_problem(cat, expense)):
            problems.append(f"expense account: {p}")
        tax = (data.tax_code or "").strip()
        if tax and (p := tax_code_problem(cat, tax)):
            problems.append(f"tax code: {p}")
        if len(data.tax_number.strip()) > 50:
            problems.append("tax number: longer than 50 characters")
        if p := email_problem(data.email.strip()):
            problems.append(f"e-mail: {p}")
        if p := country_problem(data.country.strip().upper()):
            problems.append(f"country: {p}")
        for n, contact in enumerate(data.contacts, start=1):
            if not contact.name.strip():
                problems.append(f"contact {n}: name: required")
            if p := email_problem(contact.email.strip()):
                problems.append(f"contact {n}: e-mail: {p}")
        e4 = 0
        try:
            e4 = withholding_e4(data.withholding_rate)
        except ValidationError as exc:
            problems.append(f"withholding rate: {exc}")
        if e4 and not data.withholding:
            problems.append("withholding rate: the vendor is not marked for withholding (tick it or set the rate to 0)")
        change = self._bank_change(row, data, problems, new=new)
        if problems:
            raise ValidationError(f"vendor {code or data.code!r}: " + "; ".join(problems))
        if change.any and not may_read_bank(self.ctx):
            if not self.ctx.can(Permission.SENSITIVE_READ):
                raise sensitive_refused(self.ctx, code)
            field_crypto.require_key(self.ctx)  # holds the permission, not yet the key: says so
        row.name = name
        row.currency = currency
        row.payment_terms = terms
        row.expense_account_id = cat.accounts[expense].id if expense else None
        row.tax_code_id = cat.tax_codes[tax].id if tax else None
        row.tax_number, row.email, row.phone = data.tax_number.strip(), data.email.strip(), data.phone.strip()
        row.address_lines = data.address_lines.strip()
        row.city, row.postal_code = data.city.strip(), data.postal_code.strip()
        row.region, row.country = data.region.strip(), data.country.strip().upper()
        row.withholding, row.withholding_rate_e4 = data.withholding, e4
        row.is_employee = data.is_employee
        row.notes = data.notes.strip()
        if data.is_active is not None:
            row.is_active = data.is_active
        contacts = [(k.name.strip(), k.role.strip(), k.email.strip(), k.phone.strip()) for k in data.contacts]
        if [(k.name, k.role, k.email, k.phone) for k in row.contacts] != contacts:
            row.contacts = [
                VendorContact(position=n, name=c[0], role=c[1], email=c[2], phone=c[3]) for n, c in enumerate(contacts)
            ]
        return self._store_bank(row, change)

    def _bank_change(self, row: Vendor, data: VendorInput, problems: list[str], *, new: bool) -> BankChange:
        """The bank details `data` asks for, checked (problems named by field), as a change to `row`."""
        readable = may_read_bank(self.ctx)
        stored_iban = stored_account = None
        if readable and not new:
            key = field_crypto.require_key(self.ctx)
            stored_iban = field_crypto.decrypt(key, row.iban, IBAN_COLUMN) if row.iban else None
            stored_account = (
                field_crypto.decrypt(key, row.account_number, ACCOUNT_COLUMN) if row.account_number else None
            )

        def sealed(given: str | None, stored_sealed: str | None, stored: str | None, what: str, check: Any) -> Any:
            if given is None:
                return False
            if not given.strip():
                return None if stored_sealed else False
            try:
                value = check(given)
            except ValidationError as exc:
                problems.append(f"{what}: {exc}")
                return False
            return False if readable and value == stored else value

        iban = sealed(data.iban, row.iban, stored_iban, "IBAN", bank_details.normalise_iban)
        account = sealed(
            data.account_number, row.account_number, stored_account, "account number", bank_details.normalise_number
        )
        bic: str | None = None
        try:
            value = bank_details.normalise_bic(data.bic)
            bic = value if value != (row.bic or "") else None
        except ValidationError as exc:
            problems.append(f"BIC: {exc}")
        routing: str | None = None
        if p := routing_problem(data.routing_number):
            problems.append(f"routing number: {p}")
        elif data.routing_number.strip() != (row.routing_number or ""):
            routing = data.routing_number.strip()
        return BankChange(iban, account, bic, routing)

    def _store_bank(self, row: Vendor, change: BankChange) -> str:
        if not change.any:
            return ""
        if change.bic is not None:
            row.bic = change.bic
        if change.routing_number is not None:
            row.routing_number = change.routing_number
        if change.iban is False and change.account_number is False:
            return ""
        had = row.iban is not None or row.account_number is not None
        key = field_crypto.require_key(self.ctx)
        if change.iban is not False:
            row.iban = None if change.iban is None else field_crypto.encrypt(key, str(change.iban), IBAN_COLUMN)
            if change.iban is not None:
                row.bank_last4 = bank_details.last4(str(change.iban))
        if change.account_number is not False:
            number = change.account_number
            row.account_number = None if number is None else field_crypto.encrypt(key, str(number), ACCOUNT_COLUMN)
            if number is not None and row.iban is None:
                row.bank_last4 = bank_details.last4(str(number))
        if row.iban is None and row.account_number is None:
            row.bank_last4 = ""
        elif row.iban is None and change.iban is None and change.account_number is False:
            # the IBAN went, the account number stays: show its tail (readable only by a key holder)
            row.bank_last4 = bank_details.last4(field_crypto.decrypt(key, str(row.account_number), ACCOUNT_COLUMN))
        has = row.iban is not None or row.account_number is not None
        return "removed" if not has else ("changed" if had else "set")

    def _move_documents(self, s: Session, old: str, new: str) -> None:
        """Attachments follow the vendor to its new code (a user who may not attach cannot rename)."""
        if not self.ctx.can(Permission.DOCUMENT_ATTACH):
            raise ValidationError(
                f"vendor {old}: changing the code moves its attachments, which needs the permission "
                f"{Permission.DOCUMENT_ATTACH.value}; keep the code or ask someone who holds it"
            )
        s.execute(
            update(Document)
            .where(Document.owner_kind == OwnerKind.VENDOR.value, Document.owner_id == old)
            .values(owner_id=new)
        )


def _find(s: Session, code: str) -> Vendor | None:
    return s.execute(select(Vendor).where(Vendor.code == code)).scalar_one_or_none()


def _locked(s: Session, code: str) -> Vendor:
    """The vendor row-locked until commit: a concurrent edit waits, then sees the new version."""
    row = s.execute(
        select(Vendor).where(Vendor.code == code).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"vendor '{code}' does not exist")
    return row


def _balances(s: Session, vendor_id: int | None = None) -> Mapping[int, int]:
    """Open amounts of posted bills less open credit notes and payments' remainders on account, per vendor,
    in minor units of the vendor's
    currency (bills in another currency are not in it: a vendor bills in its own currency)."""
    signed = case((Bill.kind == BillKind.CREDIT_NOTE, -Bill.open_amount), else_=Bill.open_amount)
    query = (
        select(Bill.vendor_id, func.sum(signed))
        .join(Vendor, Vendor.id == Bill.vendor_id)
        .where(Bill.state.in_(OPEN_STATES), Bill.currency == Vendor.currency)
        .group_by(Bill.vendor_id)
    )
    on_account = (
        select(VendorPayment.vendor_id, func.sum(VendorPayment.unapplied))
        .join(Vendor, Vendor.id == VendorPayment.vendor_id)
        .where(
            VendorPayment.unapplied > 0,
            VendorPayment.voided_on.is_(None),
            VendorPayment.currency == Vendor.currency,
        )
        .group_by(VendorPayment.vendor_id)
    )
    if vendor_id is not None:
        query = query.where(Bill.vendor_id == vendor_id)
        on_account = on_account.where(VendorPayment.vendor_id == vendor_id)
    found = {vid: int(total or 0) for vid, total in s.execute(query)}
    for vid, paid in s.execute(on_account):  # money paid on account: the vendor owes it back
        found[vid] = found.get(vid, 0) - int(paid or 0)
    return found


@contextmanager
def _unique(what: str) -> Iterator[None]:
    """Two users creating the same code at once (PostgreSQL): the second gets a message, not a traceback."""
    try:
        yield
    except IntegrityError:
        raise ConflictError(f"{what} was created by another user at the same time; nothing was written") from None
