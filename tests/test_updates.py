"""The update check reads a JSON feed over HTTP and compares versions; every bad feed is a clear message."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from paksa_desktop.updates import UpdateCheckError, check_feed_url, check_for_update
from tests.feed_server import feed_server

FEED = {"version": "0.10.0", "url": "https://example.com/paksa-0.10.0", "notes": "Payables and a faster ledger."}


def _json(data: object) -> tuple[int, str, bytes, float]:
    return (200, "application/json", json.dumps(data).encode(), 0.0)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    routes = {
        "/feed.json": _json(FEED),
        "/same.json": _json({"version": "0.1.0"}),
        "/html": (200, "text/html", b"<html>Sign in to the portal</html>", 0.0),
        "/list.json": _json(["0.2.0"]),
        "/no-version.json": _json({"url": "https://example.com"}),
        "/bad-version.json": _json({"version": "soon"}),
        "/number-version.json": _json({"version": 2}),
        "/slow.json": (200, "application/json", b'{"version": "9.0"}', 3.0),
        "/broken": (500, "text/plain", b"oops", 0.0),
    }
    with feed_server(routes) as url:
        yield url


def test_a_newer_version_is_found_by_version_order_not_text(server: str) -> None:
    info = check_for_update(f"{server}/feed.json", current="0.9.0")
    assert info.newer  # 0.10.0 > 0.9.0, though "0.10.0" < "0.9.0" as text
    assert (info.latest, info.url, info.notes) == ("0.10.0", FEED["url"], FEED["notes"])
    assert info.message() == "Paksa Desktop 0.10.0 is available (this is 0.9.0)."


def test_the_same_or_an_older_feed_version_is_up_to_date(server: str) -> None:
    same = check_for_update(f"{server}/same.json", current="0.1.0")
    assert not same.newer and same.message() == "Paksa Desktop 0.1.0 is up to date (the newest version is 0.1.0)."
    assert not check_for_update(f"{server}/feed.json", current="1.0.0").newer
    assert not check_for_update(f"{server}/feed.json", current="0.10.0+source").newer  # a local build of it


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing.json", "answered HTTP 404 Not Found"),
        ("/broken", "answered HTTP 500 Internal Server Error"),
        ("/html", "is not JSON"),
        ("/list.json", "is not a JSON object with a 'version'"),
        ("/no-version.json", "has no valid 'version' (found None)"),
        ("/bad-version.json", "has no valid 'version' (found 'soon')"),
        ("/number-version.json", "has no valid 'version' (found 2)"),
    ],
)
def test_a_bad_feed_is_a_clear_message(server: str, path: str, reason: str) -> None:
    with pytest.raises(UpdateCheckError) as caught:
        check_for_update(f"{server}{path}", current="0.1.0")
    assert str(caught.value) == f"the update feed at {server}{path} {reason}"


def test_a_slow_feed_times_out_with_a_message(server: str) -> None:
    with pytest.raises(UpdateCheckError, match=r"did not answer within 0\.5 seconds$"):
        check_for_update(f"{server}/slow.json", current="0.1.0", timeout=0.5)


def test_an_unreachable_feed_is_a_message() -> None:
    with feed_server({}) as url:
        pass  # the port is closed again: nothing listens there now
    with pytest.raises(UpdateCheckError, match=rf"^the update feed at {url}/feed.json cannot be reached: "):
        check_for_update(f"{url}/feed.json", current="0.1.0", timeout=2)


@pytest.mark.parametrize("url", ["", "feed.json", "ftp://example.com/feed.json", "file:///etc/passwd", "https://"])
def test_only_http_urls_are_feeds(url: str) -> None:
    with pytest.raises(UpdateCheckError, match="must start with https://"):
        check_feed_url(url)
