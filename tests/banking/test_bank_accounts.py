"""Bank accounts: IBAN validation, the GL account rules, the encrypted number, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from paksa_desktop.banking.accounts import BankAccountInput
from paksa_desktop.core.bank_details import normalise_number, same_account
from paksa_desktop.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from paksa_desktop.ledger.commands import AccountInput
from paksa_desktop.ledger.models import AccountType
from tests.banking.helpers import operating
from tests.conftest import Books


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("gb29nwbk60161331926819", "GB29NWBK60161331926819"),
        ("12-3456-7890123-00", "12-3456-7890123-00"),
        ("000123456789", "000123456789"),
    ],
)
def test_numbers_are_normalised(given: str, stored: str) -> None:
    assert normalise_number(given) == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("DE89 3704 0044 0532 0130 01", "check digits do not match"),
        ("DE89 3704 0044 0532 0130", "length"),
        ("XX89 3704 0044 0532 0130 00", "country"),
        ("12#34", "not valid"),
        ("", "empty"),
    ],
)
def test_a_bad_iban_or_number_is_refused_with_its_reason(given: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        normalise_number(given)


def test_files_name_the_account_by_iban_or_by_its_domestic_tail() -> None:
    assert same_account("DE89370400440532013000", "DE89 3704 0044 0532 0130 00")
    assert same_account("DE89370400440532013000", "37040044/0532013000")
    assert same_account("DE89370400440532013000", "532013000")
    assert not same_account("DE89370400440532013000", "532013001")
    assert not same_account("DE89370400440532013000", "3000")  # a tail too short proves nothing


def test_an_account_is_added_with_its_number_encrypted_and_listed_masked(books: Books) -> None:
    company, ctx = books.company, books.ctx
    company.bank_accounts(ctx).add(operating(import_profile={"delimiter": ";", "date_format": "%d.%m.%Y"}))
    (row,) = company.bank_queries(ctx).accounts()
    assert (row.name, row.gl_account, row.currency, row.bank_name) == ("Operating", "1100", "USD", "First Bank")
    assert row.number_masked == "•••• 3000" and row.number_last4 == "3000"
    assert row.import_profile == {"delimiter": ";", "date_format": "%d.%m.%Y"}
    assert company.bank_accounts(ctx).number("Operating") == "DE89370400440532013000"
    with company.engine.connect() as conn:
        (stored,) = conn.execute(text("SELECT account_number FROM bank_accounts")).one()
    assert stored.startswith("pk1.") and "0532" not in stored  # at rest: an envelope only
    with company.engine.connect() as conn:
        (after,) = conn.execute(
            text("SELECT after FROM audit_log WHERE entity = 'bank_account' ORDER BY seq DESC")
        ).first()
    assert "•••• 3000" in after and "0532013000" not in after  # the trail never holds the number


@pytest.mark.parametrize(
    ("gl_account", "currency", "reason"),
    [
        ("9999", "USD", "unknown GL account '9999'"),
        ("1000", "USD", "has sub-accounts"),
        ("4010", "USD", "must be an asset account"),
        ("1100", "XYZ", "not an ISO 4217 currency"),
    ],
)
def test_the_gl_account_must_be_a_postable_asset_account(
    books: Books, gl_account: str, currency: str, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        books.company.bank_accounts(books.ctx).add(operating(gl_account=gl_account, currency=currency))
    assert books.company.bank_queries(books.ctx).accounts() == []


def test_a_foreign_currency_bank_account_needs_its_gl_account_in_that_currency_or_the_base(books: Books) -> None:
    company, ctx = books.company, books.ctx
    company.ledger(ctx).create_account(
        AccountInput("1120", "EUR bank", AccountType.ASSET, parent="1000", currency="EUR")
    )
    company.ledger(ctx).create_account(
        AccountInput("1130", "GBP bank", AccountType.ASSET, parent="1000", currency="GBP")
    )
    with pytest.raises(
        ValidationError, match="kept in GBP; a EUR bank account needs a GL account in EUR or in the base"
    ):
        company.bank_accounts(ctx).add(operating(name="Euro", gl_account="1130", currency="EUR", number=None))
    company.bank_accounts(ctx).add(operating(name="Euro", gl_account="1120", currency="EUR", number=None))
    company.bank_accounts(ctx).add(operating(name="Euro in base", gl_account="1110", currency="EUR", number=None))
    assert [r.currency for r in company.bank_queries(ctx).accounts()] == ["EUR", "EUR"]


def test_one_gl_account_per_bank_account_and_unique_names(books: Books) -> None:
    service = books.company.bank_accounts(books.ctx)
    service.add(operating())
    with pytest.raises(ValidationError, match="already exists"):
        service.add(operating(gl_account="1110"))
    with pytest.raises(ValidationError, match="1100 already belongs to bank account 'Operating'"):
        service.add(operating(name="Second"))


def test_update_keeps_or_clears_the_number_and_a_stale_version_is_a_conflict(books: Books) -> None:
    company, ctx = books.company, books.ctx
    service = company.bank_accounts(ctx)
    service.add(operating())
    version = company.bank_queries(ctx).account("Operating").version
    service.update("Operating", operating(name="Main", number=None, bank_name="Second Bank"), version=version)
    row = company.bank_queries(ctx).account("Main")
    assert (row.bank_name, row.number_last4) == ("Second Bank", "3000")
    with pytest.raises(ConflictError):
        service.update("Main", operating(name="Main"), version=version)
    service.update("Main", operating(name="Main", number=""))
    assert company.bank_queries(ctx).account("Main").number_masked == ""
    service.deactivate("Main")
    assert company.bank_queries(ctx).account("Main").is_active is False
    with pytest.raises(NotFoundError, match="unknown bank account 'Operating' \\(known: Main\\)"):
        company.bank_queries(ctx).account("Operating")


def test_managing_needs_the_permission_and_the_number_needs_the_data_key(books: Books) -> None:
    company, ctx = books.company, books.ctx
    company.add_user(ctx, "clerk", "Correct-Horse-7-battery", roles=("AR clerk",))
    company.add_user(ctx, "ctrl", "Correct-Horse-7-battery", roles=("Controller",))
    clerk = company.login("clerk", "Correct-Horse-7-battery")
    with pytest.raises(PermissionDenied):
        company.bank_accounts(clerk).add(operating())
    controller = company.login("ctrl", "Correct-Horse-7-battery")
    with pytest.raises(PermissionDenied, match=r"security\.sensitive\.read"):  # may manage, may not hold IBANs
        company.bank_accounts(controller).add(operating())
    company.bank_accounts(controller).add(operating(number=None))
    assert [r.name for r in company.bank_queries(clerk).accounts()] == ["Operating"]  # cash.view


def test_a_bank_account_input_is_plain_data() -> None:
    data = BankAccountInput("A", "1100", "USD")
    assert data.number is None and data.import_profile is None
