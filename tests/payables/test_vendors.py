"""Vendors: checked fields, bank details sealed with the data key and shown masked, versions, balances,
attachments and permissions (both engines; the AP clerk over their own PostgreSQL login)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import select, text

from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.documents.models import OwnerKind
from paksa_desktop.documents.service import DocumentService
from paksa_desktop.ledger.models import Account
from paksa_desktop.payables.models import Bill, BillKind, BillState, Vendor
from paksa_desktop.payables.vendors import ContactInput, VendorInput
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission
from tests.conftest import ADMIN_PASSWORD, Books
from tests.security.secured import PASSWORD, Server

IBAN = "DE89 3704 0044 0532 0130 00"
CLERK_PASSWORD = "Clerk-Passw0rd-42"


def acme(**changes: object) -> VendorInput:
    data = VendorInput(
        "ACME",
        "Acme Supplies GmbH",
        currency="EUR",
        payment_terms="2/10 net 30",
        expense_account="6130",
        tax_number="DE123456789",
        email="ap@acme.example",
        address_lines="Hauptstrasse 1",
        city="Berlin",
        postal_code="10115",
        country="de",
        iban=IBAN,
        bic="COBADEFFXXX",
        withholding=True,
        withholding_rate=Decimal("7.5"),
        contacts=(ContactInput("Jana Weber", "Accounts", "jana@acme.example", "+49 30 1234"),),
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def login_as(books: Books, username: str, *roles: str) -> UserContext:
    books.company.add_user(books.ctx, username, CLERK_PASSWORD, roles=roles)
    return books.company.login(username, CLERK_PASSWORD)


def audit_after(books: Books) -> list[str]:
    with books.company.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT after FROM audit_log WHERE entity = 'vendor' ORDER BY seq"))]


def test_a_vendor_is_stored_with_its_bank_details_sealed_and_listed_masked(books: Books) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(acme())
    (row,) = vendors.list()
    assert (row.code, row.name, row.currency, row.payment_terms) == ("ACME", "Acme Supplies GmbH", "EUR", "2/10 net 30")
    assert (row.bank, row.bic, row.balance, row.is_active) == ("•••• 3000", "COBADEFFXXX", Decimal(0), True)
    assert row.withholding and row.withholding_rate == Decimal("7.5")
    record = vendors.get("ACME")
    assert record.bank_readable and record.data.iban == "DE89370400440532013000"
    assert record.data.country == "DE" and record.data.expense_account == "6130"
    assert record.data.contacts == (ContactInput("Jana Weber", "Accounts", "jana@acme.example", "+49 30 1234"),)
    with books.company.engine.connect() as conn:
        stored, last4 = conn.execute(text("SELECT iban, bank_last4 FROM vendors")).one()
    assert stored.startswith("pk1.") and "0532" not in stored and last4 == "3000"  # at rest: an envelope only
    (created,) = audit_after(books)
    assert "•••• 3000" in created and '"bank_number": "set"' in created and "0532013000" not in created


def test_update_checks_the_version_and_audits_only_what_changed(books: Books) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(acme())
    version = vendors.get("ACME").version
    vendors.update("ACME", acme(name="Acme Supplies AG", payment_terms="45"), version=version)
    record = vendors.get("ACME")
    assert (record.name, record.data.payment_terms) == ("Acme Supplies AG", "net 45")
    assert record.data.iban == "DE89370400440532013000"
    with pytest.raises(ConflictError, match=r"vendor ACME was changed by Administrator \(admin\)"):
        vendors.update("ACME", acme(name="Stale"), version=version)
    new_iban = "GB29 NWBK 6016 1331 9268 19"
    vendors.update("ACME", acme(name="Acme Supplies AG", payment_terms="45", iban=new_iban, bic="NWBKGB2L"))
    assert vendors.list()[0].bank == "•••• 6819"
    after = audit_after(books)
    assert len(after) == 3
    assert '"name": "Acme Supplies AG"' in after[1] and "bank_number" not in after[1]  # the same IBAN is no change
    assert '"bank_number": "changed"' in after[2] and "•••• 6819" in after[2] and "31926819" not in after[2]
    vendors.update("ACME", acme(name="Acme Supplies AG", payment_terms="45", iban="", bic=""))
    record = vendors.get("ACME")
    assert (record.bank, record.data.iban, record.has_bank_details) == ("", "", False)


def test_deactivate_and_activate(books: Books) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(acme(iban=None))
    vendors.deactivate("ACME")
    assert [r.is_active for r in vendors.list()] == [False]
    assert vendors.list(include_inactive=False) == []
    vendors.activate("ACME")
    assert vendors.get("ACME").is_active
    with pytest.raises(NotFoundError, match="vendor 'NOPE' does not exist"):
        vendors.deactivate("NOPE")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "IBAN: IBAN DE89370400440532013001 is not valid: the check digits"),
        ({"iban": "12345678"}, "IBAN: '12345678' is not an IBAN"),
        ({"bic": "DEUTDEF"}, "BIC: BIC DEUTDEF is not valid"),
        ({"account_number": "12#34"}, "account number: account number '12#34' is not valid"),
        ({"withholding_rate": Decimal("101")}, "withholding rate: a rate of 101 % is not between 0 and 100"),
        ({"withholding_rate": Decimal("1.23456")}, "withholding rate: a rate of 1.23456 % has more than 4 decimal"),
        ({"withholding": False}, "withholding rate: the vendor is not marked for withholding"),
        ({"payment_terms": "sometime"}, "payment terms:"),
        ({"expense_account": "2010"}, "expense account: account 2010 is liability"),
        ({"country": "Germany"}, "country: 'GERMANY' is not a two-letter"),
        ({"code": "AC ME"}, "code: 'AC ME' must not contain spaces"),
        ({"currency": "XYZ"}, "currency: 'XYZ' is not an ISO 4217"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(books: Books, changes: dict[str, object], reason: str) -> None:
    vendors = books.company.vendors(books.ctx)
    with pytest.raises(ValidationError) as refused:
        vendors.add(acme(**changes))
    assert reason in str(refused.value)
    assert vendors.list() == []


def test_every_problem_at_once(books: Books) -> None:
    with pytest.raises(ValidationError) as refused:
        books.company.vendors(books.ctx).add(acme(name="", iban="DE00 1234", email="nobody"))
    message = str(refused.value)
    assert message.startswith("vendor 'ACME': ") or message.startswith("vendor ACME: ")
    assert "name: required" in message and "IBAN:" in message and "e-mail:" in message


def test_without_the_data_key_bank_details_are_masked_and_cannot_be_set(books: Books) -> None:
    books.company.vendors(books.ctx).add(acme())
    clerk = login_as(books, "apclerk", "AP clerk")
    vendors = books.company.vendors(clerk)
    record = vendors.get("ACME")
    assert (record.bank, record.bank_readable, record.data.iban) == ("•••• 3000", False, None)
    # the clerk changes everything else; the IBAN stays as it was
    vendors.update("ACME", replace(record.data, name="Acme Renamed"), version=record.version)
    assert books.company.vendors(books.ctx).get("ACME").data.iban == "DE89370400440532013000"
    with pytest.raises(PermissionDenied, match="only a user holding the company data key") as refused:
        vendors.update("ACME", replace(vendors.get("ACME").data, iban="GB29NWBK60161331926819"))
    assert "security.sensitive.read" in str(refused.value)
    with pytest.raises(PermissionDenied, match="data key"):
        vendors.update("ACME", replace(vendors.get("ACME").data, bic="NWBKGB2L"))
    with pytest.raises(PermissionDenied, match="data key"):
        vendors.add(acme(code="NEW"))
    vendors.add(acme(code="NEW", iban=None, bic=""))  # a vendor without bank details is fine
    assert [r.code for r in vendors.list()] == ["ACME", "NEW"]


def test_reading_needs_payables_view_and_changing_needs_vendor_manage(books: Books) -> None:
    books.company.vendors(books.ctx).add(acme())
    viewer = login_as(books, "viewer", "Viewer")
    assert [r.code for r in books.company.vendors(viewer).list()] == ["ACME"]
    with pytest.raises(PermissionDenied, match=r"payables\.vendor\.manage"):
        books.company.vendors(viewer).deactivate("ACME")
    arclerk = login_as(books, "arclerk", "AR clerk")
    with pytest.raises(PermissionDenied, match=r"payables\.view"):
        books.company.vendors(arclerk).list()
    with pytest.raises(PermissionDenied, match=r"payables\.vendor\.manage"):
        books.company.vendors(arclerk).add(acme(code="X", iban=None))


def test_the_balance_is_what_posted_bills_leave_open_less_open_credit_notes(books: Books) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(acme(iban=None))
    with UnitOfWork(books.company.engine) as uow:
        s = uow.session
        vendor_id = s.execute(select(Vendor.id)).scalar_one()
        payable = s.execute(select(Account.id).where(Account.code == "2010")).scalar_one()
        for kind, state, open_amount in (
            (BillKind.BILL, BillState.POSTED, 100_00),
            (BillKind.BILL, BillState.PARTIALLY_PAID, 40_50),
            (BillKind.BILL, BillState.DRAFT, 999_00),  # not posted: owes nothing yet
            (BillKind.CREDIT_NOTE, BillState.POSTED, 25_00),
        ):
            s.add(
                Bill(
                    kind=kind,
                    state=state,
                    vendor_id=vendor_id,
                    series="BILL",
                    date=date(2024, 6, 1),
                    due_date=date(2024, 7, 1),
                    currency="EUR",
                    control_account_id=payable,
                    open_amount=open_amount,
                    created_by=books.ctx.user_id,
                    created_at=books.clock.now(),
                )
            )
        uow.commit()
    assert vendors.list()[0].balance == Decimal("115.50")
    assert vendors.get("ACME").balance == Decimal("115.50")


def test_documents_attach_to_a_vendor_and_follow_its_code(books: Books) -> None:
    vendors = books.company.vendors(books.ctx)
    vendors.add(acme())
    documents = DocumentService(books.company.engine, books.ctx)
    documents.attach(OwnerKind.VENDOR, "ACME", content=b"%PDF-1.4 W-9", filename="w9.pdf")
    with pytest.raises(NotFoundError, match="unknown vendor 'NOPE'"):
        documents.attach(OwnerKind.VENDOR, "NOPE", content=b"x", filename="x.pdf")
    vendors.update("ACME", acme(code="ACME2"))
    assert [d.name for d in documents.documents(OwnerKind.VENDOR, "ACME2")] == ["w9.pdf"]
    assert documents.documents(OwnerKind.VENDOR, "ACME") == []


@pytest.mark.postgres
def test_the_ap_clerk_keeps_vendors_over_their_own_login(secured_server: Server) -> None:
    """On a secured server the clerk's own database login may write vendors and their contacts, but the
    bank details need the key, which the clerk's role does not give."""
    company = secured_server.company
    admin = company.login("admin", ADMIN_PASSWORD)
    company.add_user(admin, "apclerk", PASSWORD, roles=("AP clerk",))
    company.roles(admin).create_role(
        "Vendor master", permissions=(Permission.AP_VIEW, Permission.AP_VENDOR_MANAGE, Permission.SENSITIVE_READ)
    )
    company.add_user(admin, "master", PASSWORD, roles=("Vendor master",))
    clerk_company, clerk = secured_server.open_as("apclerk")
    try:
        vendors = clerk_company.vendors(clerk)
        vendors.add(acme(iban=None, bic=""))
        record = vendors.get("ACME")
        vendors.update("ACME", replace(record.data, name="Acme AG"), version=record.version)
        with pytest.raises(PermissionDenied, match="data key"):
            vendors.update("ACME", replace(vendors.get("ACME").data, iban=IBAN))
        vendors.deactivate("ACME")
        assert [(r.name, r.is_active) for r in vendors.list()] == [("Acme AG", False)]
    finally:
        clerk_company.close()
    master_company, master = secured_server.open_as("master")
    try:
        vendors = master_company.vendors(master)
        vendors.update("ACME", replace(vendors.get("ACME").data, iban=IBAN, bic="COBADEFFXXX"))
        assert vendors.get("ACME").data.iban == "DE89370400440532013000"
    finally:
        master_company.close()
    with psycopg.connect(secured_server.admin_url) as conn:
        (stored,) = conn.execute("SELECT iban FROM vendors").fetchone() or ("",)
    assert stored.startswith("pk1.")
