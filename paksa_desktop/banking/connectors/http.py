"""The HTTP connector: transactions from a bank's or an aggregator's JSON API, paged, incremental.

The API shape Paksa reads (documented for users in docs/user-guide/banking.md, "Bank connections"):

    GET {base_url}/transactions?cursor=C&account=REF      (cursor omitted on the first sync,
                                                           account only when an account ref is set)
    Authorization: Bearer <token>

    {"account": "DE89370400440532013000",                 optional; checked against the bank account
     "transactions": [
        {"id": "tx-1001", "booked": "2026-01-05", "value_date": "2026-01-05",
         "amount": "-12.50", "currency": "EUR",
         "description": "Card payment", "reference": "INV-7",
         "counterparty_name": "Acme GmbH", "counterparty_iban": "DE02..."}],
     "next": "opaque-cursor", "has_more": true}

Amounts are decimal *strings* (a JSON number could already have lost a cent). While `has_more` is true
the next page is requested with `cursor=next`; the `next` of the last page is stored and the following
sync starts there. The token comes from an OAuth2 client-credentials exchange at the token URL (the
client secret from the keyring), or is itself kept in the keyring when there is no token URL.

Rate limits (429) wait as long as `Retry-After` says (capped); 5xx answers, timeouts and connection
errors are retried with exponential backoff; any other answer, or a page that is not this shape,
stops the fetch with an error naming the page and the field, and nothing of it is imported.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from paksa_desktop.banking.connectors import ConnectorError, FetchResult
from paksa_desktop.banking.statement_data import ParsedStatement, StatementLine

AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")
MAX_RETRY_AFTER = 300.0  # seconds: a bank asking for longer is reported, not waited for
TEXT_FIELDS = ("description", "reference", "counterparty_name", "counterparty_iban")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Where the API is and how to authenticate (the secret itself is passed separately)."""

    base_url: str
    token_url: str = ""
    client_id: str = ""
    account_ref: str = ""
    timeout: float = 30.0  # seconds, per request
    retries: int = 4  # further attempts after a 429, 5xx or connection failure
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_pages: int = 10_000  # a loop guard against an API that never says it is done


class HttpConnector:
    """One bank account's transactions from a JSON API (see the module docstring for the shape)."""

    def __init__(
        self,
        settings: HttpSettings,
        secret: str | None,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.client = client or httpx.Client(timeout=settings.timeout, follow_redirects=False)
        self.sleep = sleep
        self._token: str | None = None

    # ------------------------------------------------------------------------------------- protocol

    def fetch(self, since_cursor: str | None) -> FetchResult:
        """Every page from `since_cursor` on; the cursor to store is the last page's `next`."""
        cursor = since_cursor or None
        lines: list[tuple[str, StatementLine]] = []
        account = ""
        pages: list[str] = []
        for number in range(1, self.settings.max_pages + 1):
            where = f"{self._transactions_url()} page {number}"
            page = self._page(cursor, where)
            account = account or _text(page, "account", where)
            lines.extend(_line(item, i, where) for i, item in enumerate(page["transactions"], start=1))
            pages.append(where)
            nxt = page.get("next")
            if nxt is not None and not isinstance(nxt, str):
                raise ConnectorError(f"{where}: 'next' must be a cursor string or null")
            more = page.get("has_more", False)
            if not isinstance(more, bool):
                raise ConnectorError(f"{where}: 'has_more' must be true or false")
            if more and not nxt:
                raise ConnectorError(f"{where}: 'has_more' is true but there is no 'next' cursor")
            cursor = nxt or cursor
            if not more:
                return FetchResult(self._statements(lines, account), cursor, tuple(pages))
        raise ConnectorError(f"{self._transactions_url()}: more than {self.settings.max_pages} pages; stopped")

    def acknowledge(self, result: FetchResult) -> None:
        """Nothing to tidy up: the stored cursor is the acknowledgement."""

    def reject(self, result: FetchResult, errors: Sequence[str]) -> None:
        """Nothing to tidy up: the cursor stays, so the same transactions come again next time."""

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------------------------- requests

    def _transactions_url(self) -> str:
        return self.settings.base_url.rstrip("/") + "/transactions"

    def _page(self, cursor: str | None, where: str) -> dict[str, Any]:
        params = {}
        if cursor:
            params["cursor"] = cursor
        if self.settings.account_ref:
            params["account"] = self.settings.account_ref
        response = self._send("GET", self._transactions_url(), where, params=params, authorised=True)
        try:
            page = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ConnectorError(f"{where}: the answer is not JSON ({_excerpt(response)})") from None
        if not isinstance(page, dict) or not isinstance(page.get("transactions"), list):
            raise ConnectorError(f"{where}: the answer has no 'transactions' list")
        return page

    def _send(self, method: str, url: str, where: str, *, authorised: bool, **kwargs: Any) -> httpx.Response:
        """One request with retries: 429 after Retry-After, 5xx and network errors after a backoff."""
        refreshed = False
        attempt = 0
        while True:
            headers = {"Accept": "application/json"}
            if authorised:
                headers["Authorization"] = f"Bearer {self._bearer()}"
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException:
                problem = f"no answer within {self.settings.timeout:g} s"
                wait = self._backoff(attempt)
            except httpx.TransportError as exc:
                problem = f"cannot connect ({type(exc).__name__}: {exc})"
                wait = self._backoff(attempt)
            else:
                status = response.status_code
                if status < 300:
                    return response
                if status == 401 and authorised and self.settings.token_url and not refreshed:
                    self._token, refreshed = None, True  # the token expired: get a new one once
                    continue
                if status == 429:
                    problem = "rate limited by the bank (HTTP 429)"
                    wait = _retry_after(response.headers.get("Retry-After"), self._backoff(attempt))
                    if wait > MAX_RETRY_AFTER:
                        raise ConnectorError(
                            f"{where}: rate limited; the bank asks to wait {wait:.0f} s, try the sync later"
                        )
                elif status >= 500:
                    problem = f"the bank's server failed (HTTP {status})"
                    wait = self._backoff(attempt)
                else:
                    raise ConnectorError(f"{where}: {_refusal(status)} (HTTP {status}: {_excerpt(response)})")
            if attempt >= self.settings.retries:
                raise ConnectorError(f"{where}: {problem}; gave up after {attempt + 1} attempt(s)")
            attempt += 1
            self.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff * (2**attempt)

    def _bearer(self) -> str:
        if self._token:
            return self._token
        if not self.secret:
            what = "client secret" if self.settings.token_url else "API token"
            raise ConnectorError(f"no {what} in the keyring for this connection; store it with 'paksa bank connect'")
        if not self.settings.token_url:
            self._token = self.secret
            return self._token
        where = f"token exchange at {self.settings.token_url}"
        response = self._send(
            "POST",
            self.settings.token_url,
            where,
            authorised=False,
            data={
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.secret,
            },
        )
        try:
            token = response.json().get("access_token")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ConnectorError(f"{where}: the answer has no access_token")
        self._token = token
        return token

    # ------------------------------------------------------------------------------------- parsing

    def _statements(self, lines: list[tuple[str, StatementLine]], account: str) -> list[ParsedStatement]:
        """One statement per currency (normally one), named after the API's host."""
        source = f"sync {urlsplit(self.settings.base_url).hostname}"
        by_currency: dict[str, list[StatementLine]] = {}
        for currency, line in lines:
            by_currency.setdefault(currency, []).append(line)
        return [
            ParsedStatement(
                format="api",
                source=source,
                account=account,
                currency=currency,
                start=min(line.booked for line in found),
                end=max(line.booked for line in found),
                lines=tuple(found),
            )
            for currency, found in sorted(by_currency.items())
        ]


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConnectorError(f"{where}: '{key}' must be a string")
    return value.strip()


def _day(item: dict[str, Any], key: str, where: str, *, required: bool) -> date | None:
    value = item.get(key)
    if value is None and not required:
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value[:10])
    except ValueError:
        pass
    raise ConnectorError(f"{where}: '{key}' must be a date such as \"2026-01-05\", not {value!r}")


def _line(item: object, number: int, where: str) -> tuple[str, StatementLine]:
    if not isinstance(item, dict):
        raise ConnectorError(f"{where}: transaction {number} is not an object")
    ident = item.get("id")
    here = f"{where}, transaction {number}" + (f" (id {ident!r})" if ident is not None else "")
    if not isinstance(ident, str) or not ident.strip():
        raise ConnectorError(f"{here}: every transaction needs an 'id' string (the bank's own id)")
    raw = item.get("amount")
    if not isinstance(raw, str) or not AMOUNT.match(raw.strip()):
        raise ConnectorError(
            f"{here}: 'amount' must be a decimal string such as \"-12.50\", not {raw!r} (a JSON number can lose cents)"
        )
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ConnectorError(f"{here}: 'amount' {raw!r} is not a number") from None
    currency = _text(item, "currency", here).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConnectorError(f"{here}: 'currency' must be an ISO 4217 code such as \"EUR\"")
    texts = {key: _text(item, key, here) for key in TEXT_FIELDS}
    booked = _day(item, "booked", here, required=True)
    assert booked is not None
    return currency, StatementLine(
        booked=booked,
        amount=amount,
        description=texts["description"],
        reference=texts["reference"],
        bank_id=ident.strip(),
        value_date=_day(item, "value_date", here, required=False),
        counterparty=texts["counterparty_name"],
        counterparty_account=texts["counterparty_iban"],
        kind=_text(item, "kind", here),
        row=number,
    )


def _retry_after(header: str | None, default: float) -> float:
    """Seconds from a Retry-After header (seconds or an HTTP date), else `default`."""
    if not header:
        return default
    value = header.strip()
    if value.isdigit():
        return int(value)  # whole seconds (a delay, not money)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _refusal(status: int) -> str:
    if status in (401, 403):
        return "the bank refused the credentials (check the client id and the secret in the keyring)"
    if status == 404:
        return "no such API address (check the base URL and the account reference)"
    return "the bank refused the request"


def _excerpt(response: httpx.Response) -> str:
    body = response.text.strip().replace("\n", " ")
    return (body[:200] + "…") if len(body) > 200 else (body or "empty answer")
