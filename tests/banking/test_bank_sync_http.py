"""The HTTP connector against a fake bank on loopback: OAuth2 token exchange, paging, the cursor
resuming where the last sync stopped, 429 with Retry-After, a 500 then success, and answers that are
not the documented shape refused with nothing imported."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from paksa_desktop.banking.connectors.http import HttpConnector, HttpSettings
from paksa_desktop.banking.connectors.models import ConnectionKind
from paksa_desktop.banking.connectors.service import ConnectionInput, secret_label
from paksa_desktop.banking.connectors.sync import SyncOutcome, sync_accounts, sync_one
from paksa_desktop.security.credentials import KeyringStore
from tests.banking.fake_bank import CLIENT_ID, SECRET, Canned, FakeBank, running
from tests.banking.helpers import operating
from tests.conftest import Books
from tests.keyrings import MemoryKeyring


@pytest.fixture
def bank() -> Iterator[FakeBank]:
    with running(FakeBank()) as fake:
        fake.add(5)
        yield fake


@pytest.fixture
def connected(sqlite_books: Books, bank: FakeBank) -> Books:
    company, ctx = sqlite_books.company, sqlite_books.ctx
    company.bank_accounts(ctx).add(operating())
    company.bank_connections(ctx).set(
        "Operating",
        ConnectionInput(
            ConnectionKind.HTTP, base_url=bank.url + "/v1/", token_url=bank.url + "/token", client_id=CLIENT_ID
        ),
    )
    return sqlite_books


def _store(books: Books, secret: str = SECRET) -> KeyringStore:
    store = KeyringStore(MemoryKeyring())
    store.set(secret_label("Operating", books.company.location), secret)
    return store


def _sync_with(books: Books, bank: FakeBank, sleeps: list[float], **settings: object) -> SyncOutcome:
    """One sync through a connector whose waits are recorded instead of slept."""
    (row,) = books.company.bank_connections(books.ctx).connections("Operating")
    values = HttpSettings(row.base_url, row.token_url, row.client_id, timeout=5, **settings)  # type: ignore[arg-type]
    connector = HttpConnector(values, SECRET, sleep=sleeps.append)
    return sync_one(books.company, books.ctx, row, connector)


def _bank_ids(books: Books) -> list[str]:
    return [r.bank_id for r in books.company.bank_queries(books.ctx).lines("Operating")]


def _cursor(books: Books) -> str:
    (row,) = books.company.bank_connections(books.ctx).connections("Operating")
    return row.cursor


def test_token_exchange_paging_and_the_next_sync_resumes_at_the_stored_cursor(connected: Books, bank: FakeBank) -> None:
    store = _store(connected)
    (outcome,) = sync_accounts(connected.company, connected.ctx, store)
    assert (outcome.ok, outcome.imported, outcome.skipped) == (True, 5, 0), outcome.error
    assert bank.tokens_issued == 1  # one token for all three pages
    assert bank.cursors_asked() == [None, "c2", "c4"]
    assert _cursor(connected) == "c5"
    lines = connected.company.bank_queries(connected.ctx).lines("Operating")
    assert [(r.bank_id, r.amount, r.reference, r.counterparty) for r in lines[:1]] == [
        ("tx-1", Decimal("10.00"), "INV-1", "Acme")
    ]
    assert lines[0].counterparty_account == "DE02120300000000202051"

    bank.add(3, amount="-0.01")
    bank.requests.clear()
    (again,) = sync_accounts(connected.company, connected.ctx, store, "Operating")
    assert (again.ok, again.imported, again.skipped) == (True, 3, 0)
    assert bank.cursors_asked() == ["c5", "c7"]  # only what is new is asked for
    assert _bank_ids(connected)[-3:] == ["tx-6", "tx-7", "tx-8"] and _cursor(connected) == "c8"

    settings = {"base_url": bank.url + "/v1", "token_url": bank.url + "/token", "client_id": CLIENT_ID}
    service = connected.company.bank_connections(connected.ctx)
    service.set("Operating", ConnectionInput(ConnectionKind.HTTP, **settings))  # the same source: cursor kept
    assert _cursor(connected) == "c8"
    service.set("Operating", ConnectionInput(ConnectionKind.HTTP, account_ref="ACC-1", **settings))
    assert _cursor(connected) == ""  # another account at the bank: its sync starts from the beginning
    bank.requests.clear()
    (replay,) = sync_accounts(connected.company, connected.ctx, store)
    assert (replay.imported, replay.skipped) == (0, 8)  # the bank's ids make a replay harmless
    assert bank.requests[-1][2]["account"] == ["ACC-1"]


def test_a_429_waits_as_long_as_retry_after_says_then_goes_on(connected: Books, bank: FakeBank) -> None:
    bank.queue.append(Canned(429, b'{"error": "slow down"}', {"Retry-After": "7"}))
    sleeps: list[float] = []
    outcome = _sync_with(connected, bank, sleeps)
    assert (outcome.ok, outcome.imported) == (True, 5), outcome.error
    assert sleeps == [7.0]
    assert bank.cursors_asked() == [None, None, "c2", "c4"]  # the limited page asked again


def test_a_500_then_success_retries_with_backoff(connected: Books, bank: FakeBank) -> None:
    bank.queue += [Canned(500, b"oops"), Canned(503, b"busy")]
    sleeps: list[float] = []
    outcome = _sync_with(connected, bank, sleeps, backoff=0.5)
    assert (outcome.ok, outcome.imported) == (True, 5), outcome.error
    assert sleeps == [0.5, 1.0]


def test_a_server_that_keeps_failing_is_named_and_nothing_is_imported(connected: Books, bank: FakeBank) -> None:
    bank.queue += [Canned(502, b"bad gateway")] * 3
    outcome = _sync_with(connected, bank, [], retries=2)
    assert not outcome.ok
    assert "page 1: the bank's server failed (HTTP 502); gave up after 3 attempt(s)" in outcome.error
    assert _bank_ids(connected) == [] and _cursor(connected) == ""
    (row,) = connected.company.bank_connections(connected.ctx).connections()
    assert row.last_result.startswith("failed:") and "HTTP 502" in row.last_result


def test_bad_json_imports_nothing_and_keeps_the_cursor(connected: Books, bank: FakeBank) -> None:
    store = _store(connected)
    assert sync_accounts(connected.company, connected.ctx, store)[0].imported == 5
    bank.add(4)
    bank.queue.append(Canned(200, b'{"transactions": [', {"Content-Type": "application/json"}))
    (first,) = sync_accounts(connected.company, connected.ctx, store)
    assert not first.ok and "/v1/transactions page 1: the answer is not JSON" in first.error
    bank.queue.append(Canned(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}, after=1))
    (second,) = sync_accounts(connected.company, connected.ctx, store)
    assert not second.ok and "page 2: the answer is not JSON (<html>maintenance</html>)" in second.error
    assert len(_bank_ids(connected)) == 5 and _cursor(connected) == "c5"  # page 1's good lines not kept either
    bank.requests.clear()
    (healed,) = sync_accounts(connected.company, connected.ctx, store)
    assert (healed.ok, healed.imported) == (True, 4) and bank.cursors_asked() == ["c5", "c7"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", 12.5, "'amount' must be a decimal string such as \"-12.50\", not 12.5"),
        ("amount", "12,50", "'amount' must be a decimal string"),
        ("booked", "05/01/2026", "'booked' must be a date such as \"2026-01-05\""),
        ("currency", "dollars", "'currency' must be an ISO 4217 code"),
        ("id", None, "every transaction needs an 'id' string"),
    ],
)
def test_a_transaction_not_in_the_documented_shape_is_named(
    connected: Books, bank: FakeBank, field: str, value: object, message: str
) -> None:
    bank.transactions[3][field] = value  # page 2, its second transaction
    outcome = _sync_with(connected, bank, [])
    assert not outcome.ok and message in outcome.error
    assert "page 2, transaction 2" in outcome.error
    assert _bank_ids(connected) == []


def test_a_wrong_secret_or_none_is_a_clear_error(connected: Books, bank: FakeBank) -> None:
    (outcome,) = sync_accounts(connected.company, connected.ctx, _store(connected, "wrong"))
    assert not outcome.ok
    assert "token exchange" in outcome.error and "refused the credentials" in outcome.error
    (outcome,) = sync_accounts(connected.company, connected.ctx, KeyringStore(MemoryKeyring()))
    assert "no client secret in the keyring" in outcome.error


def test_a_statement_for_another_account_is_refused_by_the_import(connected: Books, bank: FakeBank) -> None:
    bank.account = "NL91ABNA0417164300"
    outcome = _sync_with(connected, bank, [])
    assert not outcome.ok and "not bank account Operating" in outcome.error
    assert _bank_ids(connected) == [] and _cursor(connected) == ""


def test_a_bank_that_cannot_be_reached_is_retried_then_named(connected: Books) -> None:
    settings = HttpSettings("http://127.0.0.1:9/v1", timeout=1, retries=1, backoff=0.01)
    sleeps: list[float] = []
    (row,) = connected.company.bank_connections(connected.ctx).connections()
    outcome = sync_one(connected.company, connected.ctx, row, HttpConnector(settings, "token", sleep=sleeps.append))
    assert not outcome.ok and "cannot connect" in outcome.error and "gave up after 2 attempt(s)" in outcome.error
    assert sleeps == [0.01]


def test_an_expired_token_is_exchanged_again_once(connected: Books, bank: FakeBank) -> None:
    bank.queue.append(Canned(401, b'{"error": "token expired"}', after=1))
    outcome = _sync_with(connected, bank, [])
    assert (outcome.ok, outcome.imported) == (True, 5), outcome.error
    assert bank.tokens_issued == 2
    bank.queue += [Canned(401, b'{"error": "invalid_token"}')] * 2  # refused again after a fresh token: named
    bank.add(1)
    outcome = _sync_with(connected, bank, [])
    assert not outcome.ok and "refused the credentials (check the client id" in outcome.error
