"""A small fake bank API on loopback (http.server in a thread) speaking the shape the HTTP connector reads.

Transactions are served `page_size` at a time; the cursor is the index of the next transaction
("c<n>"). `queue` holds canned answers given before the normal ones (a 429, a 500, broken JSON), and
every request is kept in `requests` so tests can see what the connector asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "paksa-test"
SECRET = "s3cret-from-keyring"
TOKEN = "tok-42"


@dataclass
class Canned:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/v1/transactions"  # the canned answer is for this path only
    after: int = 0  # requests to this path answered normally first


@dataclass
class FakeBank:
    transactions: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    account: str = "DE89370400440532013000"
    queue: list[Canned] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    tokens_issued: int = 0
    url: str = ""

    def add(self, n: int, amount: str = "10.00", **more: Any) -> None:
        for _ in range(n):
            i = len(self.transactions) + 1
            self.transactions.append(
                {"id": f"tx-{i}", "booked": f"2026-01-{i:02d}", "amount": amount, "currency": "USD",
                 "description": f"Payment {i}", "reference": f"INV-{i}", "counterparty_name": "Acme",
                 "counterparty_iban": "DE02120300000000202051", **more}
            )  # fmt: skip

    def cursors_asked(self) -> list[str | None]:
        return [q.get("cursor", [None])[0] for m, p, q in self.requests if p == "/v1/transactions"]


def _handler(bank: FakeBank) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {"Content-Type": "application/json"}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _canned(self, path: str) -> bool:
            for i, c in enumerate(bank.queue):
                if c.path == path and c.after:
                    c.after -= 1
                    return False
                if c.path == path:
                    del bank.queue[i]
                    self._answer(c.status, c.body, c.headers or None)
                    return True
            return False

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            bank.requests.append(("POST", parts.path, form))
            if self._canned(parts.path):
                return
            ok = form.get("grant_type") == ["client_credentials"] and form.get("client_id") == [CLIENT_ID]
            if not ok or form.get("client_secret") != [SECRET]:
                self._answer(401, b'{"error": "invalid_client"}')
                return
            bank.tokens_issued += 1
            self._answer(200, json.dumps({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}).encode())

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            bank.requests.append(("GET", parts.path, query))
            if self._canned(parts.path):
                return
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, b'{"error": "invalid_token"}')
                return
            start = int(query.get("cursor", ["c0"])[0][1:])
            page = bank.transactions[start : start + bank.page_size]
            end = start + len(page)
            body = {
                "account": bank.account,
                "transactions": page,
                "next": f"c{end}",
                "has_more": end < len(bank.transactions),
            }
            self._answer(200, json.dumps(body).encode())

    return Handler


@contextmanager
def running(bank: FakeBank) -> Iterator[FakeBank]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(bank))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bank.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield bank
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
