"""Payables settings: seeded from the standard chart, changed only by a company manager, checked."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from paksa_desktop.core.errors import PermissionDenied, ValidationError
from paksa_desktop.payables.settings import STANDARD_ACCOUNTS, SettingsInput
from paksa_desktop.security.service import NewUser
from tests.conftest import Books


def test_a_new_company_takes_the_standard_accounts(books: Books) -> None:
    stored = books.company.payables_setup(books.ctx).settings()
    assert stored is not None
    assert stored.payable_account == "2010" and stored.input_tax_account == "1450"
    assert (stored.bill_series, stored.payment_series, stored.approval_threshold) == ("BILL", "PMT", None)


def test_settings_are_checked_and_kept(books: Books) -> None:
    setup = books.company.payables_setup(books.ctx)
    current = setup.settings()
    assert current is not None
    with pytest.raises(ValidationError) as bad:
        setup.update_settings(replace(current, payable_account="9999", bill_series="PMT", duplicate_days=-1))
    message = str(bad.value)
    assert "payable account" in message and "series must differ" in message and "negative" in message
    setup.update_settings(replace(current, approval_threshold=Decimal("5000.00"), duplicate_days=10))
    stored = setup.settings()
    assert stored is not None and stored.approval_threshold == Decimal("5000.00") and stored.duplicate_days == 10


def test_only_a_company_manager_changes_them(sqlite_books: Books) -> None:
    b = sqlite_books
    b.company.users(b.ctx).add_user(NewUser("clerk", "Clerk-Passw0rd!", roles=("AP clerk",)))
    clerk = b.company.login("clerk", "Clerk-Passw0rd!")
    setup = b.company.payables_setup(clerk)
    assert setup.settings() is not None
    with pytest.raises(PermissionDenied):
        setup.update_settings(SettingsInput(**STANDARD_ACCOUNTS))
