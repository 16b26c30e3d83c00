"""Tax codes, customers and items at the service level, on both engines: rules, messages, audit, permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.core.tax import TaxCode, TaxLine, TaxRounding, compute
from paksa_desktop.documents.service import DocumentService
from paksa_desktop.receivables.commands import AddressInput, ContactInput, TaxCodeInput
from paksa_desktop.security.service import NewUser
from tests.conftest import Books
from tests.ledger.budget_helpers import audit_rows
from tests.receivables.helpers import D, ar, arq, customer, item, vat

PASSWORD = "clerk-password-42"


# ----------------------------------------------------------------------------- tax codes


def test_tax_codes_are_created_listed_and_feed_the_tax_engine(books: Books) -> None:
    vat(books)
    codes = arq(books).tax_codes()
    assert [(t.code, t.rate, t.inclusive, t.account) for t in codes] == [
        ("VAT20", D("20"), False, "2200"),
        ("VAT5I", D("5"), True, "2200"),
    ]
    summary = compute([TaxLine(1000, codes[0].domain()), TaxLine(1050, codes[1].domain())])
    assert summary.by_code == (("VAT20", 1000, 200), ("VAT5I", 1000, 50))
    assert audit_rows(books, "tax_code")[0] == (
        "create",
        "VAT20",
        {},
        {
            "code": "VAT20",
            "name": "Standard rate",
            "rate": "20",
            "inclusive": False,
            "account": "2200",
            "is_active": True,
        },
    )


def test_a_rate_keeps_four_decimals_exactly(books: Books) -> None:
    ar(books).create_tax_code(TaxCodeInput("ODD", "Odd", D("7.1255"), "2200"))
    assert arq(books).tax_code("ODD").domain() == TaxCode("ODD", D("7.1255"))


@pytest.mark.parametrize(
    ("tax", "message"),
    [
        (TaxCodeInput("X", "X", D("20"), "9999"), "account: unknown account '9999'"),
        (
            TaxCodeInput("X", "X", D("20"), "4010"),
            "account: account 4010 is income; the tax account must be a liability",
        ),
        (TaxCodeInput("X", "X", D("20"), "2000"), "account: account 2000 has sub-accounts"),
        (TaxCodeInput("X", "X", D("101"), "2200"), "rate: a rate of 101 % is not between 0 and 100"),
        (TaxCodeInput("X", "X", D("7.12345"), "2200"), "rate: a rate of 7.12345 % has more than 4 decimal places"),
        (TaxCodeInput("X", " ", D("1"), "2200"), "name: required"),
        (TaxCodeInput("A B", "X", D("1"), "2200"), "code: 'A B' must not contain spaces"),
    ],
)
def test_tax_code_rules(books: Books, tax: TaxCodeInput, message: str) -> None:
    with pytest.raises(ValidationError, match=f"^tax code {tax.code}: .*{message}"):
        ar(books).create_tax_code(tax)
    assert arq(books).tax_codes() == []


def test_tax_codes_update_deactivate_and_rounding(books: Books) -> None:
    vat(books)
    version = arq(books).tax_code("VAT20").version
    assert ar(books).update_tax_code("VAT20", TaxCodeInput("VAT20", "Standard", D("21"), "2200"), version=version) == (
        Changes.of(Kind.TAX_CODES)
    )
    with pytest.raises(
        ConflictError, match=r"tax code VAT20 was changed by Administrator \(admin\) at 2024-06-30 12:00 UTC"
    ):
        ar(books).update_tax_code("VAT20", TaxCodeInput("VAT20", "Std", D("21"), "2200"), version=version)
    with pytest.raises(ValidationError, match="tax code VAT5I already exists"):
        ar(books).update_tax_code("VAT20", TaxCodeInput("VAT5I", "Std", D("21"), "2200"))
    ar(books).set_tax_code_active("VAT5I", False)
    assert [t.code for t in arq(books).tax_codes(include_inactive=False)] == ["VAT20"]
    assert audit_rows(books, "tax_code")[-2][2:] == (
        {"name": "Standard rate", "rate": "20"},
        {"name": "Standard", "rate": "21"},
    )
    assert arq(books).tax_rounding() is TaxRounding.LINE
    assert Kind.COMPANY in ar(books).set_tax_rounding("total")
    assert arq(books).tax_rounding() is TaxRounding.TOTAL
    with pytest.raises(ValidationError, match="'line' or 'total'"):
        ar(books).set_tax_rounding("invoice")
    with pytest.raises(NotFoundError, match="tax code 'NONE' does not exist"):
        ar(books).set_tax_code_active("NONE", False)


# ----------------------------------------------------------------------------- customers


def test_a_customer_with_everything(books: Books) -> None:
    vat(books)
    full = customer(
        currency="EUR",
        payment_terms="2/10 NET 30",
        credit_limit=D("5000.5"),
        income_account="4020",
        tax_code="VAT20",
        email="ap@acme.example",
        phone="+44 20 7946 0000",
        tax_number="GB123456789",
        notes="Pays by transfer",
        contacts=(ContactInput("Jane Roe", "Accounts payable", "jane@acme.example"),),
        addresses=(
            AddressInput("billing", "1 High Street\nSuite 2", "London", "EC1A 1AA", "", "GB"),
            AddressInput("shipping", "Dock 4", "Tilbury", "RM18 7EH", "Essex", "GB"),
        ),
    )
    assert ar(books).create_customer(full) == Changes.of(Kind.CUSTOMERS)
    got = arq(books).customer("C001")
    assert (got.currency, got.payment_terms, got.credit_limit, got.income_account, got.tax_code) == (
        "EUR",
        "2/10 net 30",
        D("5000.50"),
        "4020",
        "VAT20",
    )
    assert [c.name for c in got.contacts] == ["Jane Roe"]
    assert [(a.kind, a.city, a.country) for a in got.addresses] == [
        ("billing", "London", "GB"),
        ("shipping", "Tilbury", "GB"),
    ]
    assert arq(books).customers()[0].contacts == ()  # the list leaves details out
    action, key, _before, after = audit_rows(books, "customer")[0]
    assert (action, key, after["credit_limit"], after["payment_terms"]) == ("create", "C001", "5000.50", "2/10 net 30")
    assert after["addresses"][0] == ["billing", "1 High Street\nSuite 2", "London", "EC1A 1AA", "", "GB"]


def test_defaults_are_the_base_currency_net_30_and_no_limit(books: Books) -> None:
    ar(books).create_customer(customer())
    got = arq(books).customer("C001")
    assert (got.currency, got.payment_terms, got.credit_limit, got.credit_hold, got.is_active) == (
        "USD",
        "net 30",
        None,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"currency": "XXY"}, "currency: 'XXY' is not an ISO 4217 currency code"),
        ({"payment_terms": "whenever"}, "payment terms: 'whenever' is not payment terms"),
        ({"credit_limit": D("-1")}, "credit limit: the credit limit must not be negative"),
        (
            {"currency": "JPY", "credit_limit": D("10.5")},
            "credit limit: the credit limit 10.5 has more than 0 decimal places for JPY",
        ),
        (
            {"income_account": "2200"},
            "income account: account 2200 is liability; the income account must be an income account",
        ),
        ({"income_account": "4000"}, "income account: account 4000 has sub-accounts"),
        ({"income_account": "4999"}, "income account: unknown account '4999'"),
        ({"tax_code": "GST"}, "tax code: unknown tax code 'GST'"),
        ({"email": "nobody"}, "email: 'nobody' is not an e-mail address"),
        ({"addresses": (AddressInput("home"),)}, "address 1: kind: 'home' is not billing or shipping"),
        ({"addresses": (AddressInput("billing", country="GBR"),)}, "address 1: country: 'GBR' is not a two-letter"),
        ({"contacts": (ContactInput(""),)}, "contact 1: name: required"),
    ],
)
def test_customer_rules(books: Books, kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=f"^customer C001: .*{message}"):
        ar(books).create_customer(customer(**kw))
    assert arq(books).customers() == []
    assert audit_rows(books, "customer") == []


def test_several_problems_are_named_at_once(books: Books) -> None:
    with pytest.raises(ValidationError) as caught:
        ar(books).create_customer(customer(name="", currency="EURO", email="x"))
    assert str(caught.value) == (
        "customer C001: name: required; currency: 'EURO' is not an ISO 4217 currency code; "
        "email: 'x' is not an e-mail address"
    )


def test_inactive_accounts_and_tax_codes_are_refused(books: Books) -> None:
    vat(books)
    ar(books).set_tax_code_active("VAT20", False)
    with pytest.raises(ValidationError, match="tax code VAT20 is inactive"):
        ar(books).create_customer(customer(tax_code="VAT20"))
    books.ledger.update_account("4030", is_active=False)
    with pytest.raises(ValidationError, match="income account: account 4030 is inactive"):
        ar(books).create_customer(customer(income_account="4030"))


def test_update_conflict_deactivate_hold_and_audit(books: Books) -> None:
    ar(books).create_customer(customer(contacts=(ContactInput("A"),)))
    version = arq(books).customer("C001").version
    ar(books).update_customer("C001", customer(name="Acme Group", payment_terms="30 eom"), version=version)
    got = arq(books).customer("C001")
    assert (got.name, got.payment_terms, got.contacts) == ("Acme Group", "net 30 EOM", ())
    with pytest.raises(
        ConflictError, match=r"customer C001 was changed by Administrator \(admin\) at 2024-06-30 12:00 UTC"
    ):
        ar(books).update_customer("C001", customer(name="Late"), version=version)
    ar(books).set_credit_hold("C001", True)
    ar(books).set_customer_active("C001", False)
    assert arq(books).customers(include_inactive=False) == []
    rows = audit_rows(books, "customer")
    assert [r[0] for r in rows] == ["create", "update", "update", "update"]
    assert rows[1][2:] == (
        {"name": "Acme Ltd", "payment_terms": "net 30", "contacts": [["A", "", "", ""]]},
        {"name": "Acme Group", "payment_terms": "net 30 EOM", "contacts": []},
    )
    assert rows[3][2:] == ({"is_active": True}, {"is_active": False})
    with pytest.raises(ValidationError, match="customer C001 already exists"):
        ar(books).create_customer(customer())
    with pytest.raises(NotFoundError, match="customer 'C999' does not exist"):
        arq(books).customer("C999")


def test_active_is_saved_with_the_rest_or_left_as_it_is(books: Books) -> None:
    """The customer form saves 'active' in the same unit of work (and version check) as its other fields."""
    ar(books).create_customer(customer(is_active=False))
    got = arq(books).customer("C001")
    assert not got.is_active
    ar(books).update_customer("C001", customer(name="Acme Group"), version=got.version)  # None: unchanged
    assert not arq(books).customer("C001").is_active
    ar(books).update_customer("C001", customer(is_active=True), version=arq(books).customer("C001").version)
    assert arq(books).customer("C001").is_active
    assert audit_rows(books, "customer")[-1][2:] == (
        {"name": "Acme Group", "is_active": False},
        {"name": "Acme Ltd", "is_active": True},
    )


def test_renaming_a_customer_code_carries_its_attachments(books: Books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ar(books).create_customer(customer())
    contract = tmp_path / "contract.txt"
    contract.write_text("terms")
    documents = DocumentService(books.company.engine, books.ctx)
    documents.attach("customer", "C001", contract)
    with pytest.raises(NotFoundError, match="unknown customer 'NOPE'"):
        documents.attach("customer", "NOPE", contract)
    ar(books).update_customer("C001", customer(code="ACME"))
    assert [d.name for d in documents.documents("customer", "ACME")] == ["contract.txt"]


# ----------------------------------------------------------------------------- items


def test_items(books: Books) -> None:
    vat(books)
    assert ar(books).create_item(item(tax_code="VAT20")) == Changes.of(Kind.ITEMS)
    got = arq(books).item("WIDGET")
    assert (got.unit_price, got.income_account, got.tax_code) == (D("12.50"), "4010", "VAT20")
    ar(books).update_item("WIDGET", item(price="13", account="4020"), version=got.version)
    assert audit_rows(books, "item")[-1][2:] == (
        {"unit_price": "12.50", "income_account": "4010", "tax_code": "VAT20"},
        {"unit_price": "13.00", "income_account": "4020", "tax_code": None},
    )
    ar(books).set_item_active("WIDGET", False)
    assert arq(books).items(include_inactive=False) == []
    for bad, message in (
        (item("NEW", price="1.005"), "unit price: the unit price 1.005 has more than 2 decimal places for USD"),
        (item("NEW", price="-1"), "unit price: the unit price must not be negative"),
        (item("NEW", account="5000"), "income account: account 5000"),
        (item("NEW", description=""), "description: required"),
    ):
        with pytest.raises(ValidationError, match=f"^item {bad.code}: {message}"):
            ar(books).create_item(bad)


# ----------------------------------------------------------------------------- permissions


def test_a_viewer_reads_but_cannot_change_and_the_clerk_cannot_set_tax_codes(books: Books) -> None:
    vat(books)
    ar(books).create_customer(customer())
    users = books.company.users(books.ctx)
    users.add_user(NewUser("viewer", PASSWORD, roles=("Viewer",)))
    users.add_user(NewUser("clerk", PASSWORD, roles=("AR clerk",)))
    viewer = books.company.login("viewer", PASSWORD)
    assert [c.code for c in books.company.receivables_queries(viewer).customers()] == ["C001"]
    with pytest.raises(PermissionDenied, match=r"receivables\.customer\.manage"):
        books.company.receivables(viewer).update_customer("C001", customer(name="Hacked"))
    with pytest.raises(PermissionDenied, match=r"receivables\.item\.manage"):
        books.company.receivables(viewer).create_item(item())
    clerk = books.company.login("clerk", PASSWORD)
    books.company.receivables(clerk).create_customer(customer("C002"))
    books.company.receivables(clerk).create_item(item())
    with pytest.raises(PermissionDenied, match=r"ledger\.taxcode\.manage"):
        books.company.receivables(clerk).create_tax_code(TaxCodeInput("Z", "Zero", Decimal(0), "2200"))
    assert arq(books).customer("C001").name == "Acme Ltd"
