"""The update check: a small JSON feed says which version is the newest, and where to get it.

A feed is `{"version": "0.2.0", "url": "https://.../download", "notes": "What changed"}` served over
HTTP(S) at a URL the user configures (off by default: nothing leaves the machine unless asked).
Paksa only reads the feed and tells the user; it never downloads or installs anything itself.
Every way a feed can be wrong (unreachable, slow, 404, not JSON, no valid version) is an
UpdateCheckError whose message says what and where, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from packaging.version import InvalidVersion, Version

from paksa_desktop import __version__
from paksa_desktop.core.errors import PaksaError

TIMEOUT_SECONDS = 10
MAX_FEED_BYTES = 64 * 1024  # a feed is a few lines; anything bigger is not one


class UpdateCheckError(PaksaError):
    """The feed could not be read or is not a valid update feed."""


@dataclass(frozen=True, slots=True)
class UpdateInfo:
    current: str
    latest: str
    url: str
    notes: str

    @property
    def newer(self) -> bool:
        return Version(self.latest) > Version(self.current)

    def message(self) -> str:
        """One sentence for a status bar or a dialog."""
        if self.newer:
            return f"Paksa Desktop {self.latest} is available (this is {self.current})."
        return f"Paksa Desktop {self.current} is up to date (the newest version is {self.latest})."


def check_feed_url(url: str) -> str:
    """The URL stripped, or a clear reason it cannot be an update feed."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UpdateCheckError(f"the update feed URL '{url}' must start with https:// (or http://) and name a host")
    return url


def check_for_update(
    feed_url: str,
    current: str = __version__,
    *,
    timeout: float = TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> UpdateInfo:
    """Read the feed and compare its version with `current` (packaging.version: 0.10.0 > 0.9.0)."""
    url = check_feed_url(feed_url)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:
            response = client.get(url, headers={"Accept": "application/json", "User-Agent": f"Paksa/{current}"})
    except httpx.TimeoutException:
        raise UpdateCheckError(f"the update feed at {url} did not answer within {timeout:g} seconds") from None
    except httpx.HTTPError as exc:
        raise UpdateCheckError(f"the update feed at {url} cannot be reached: {exc}") from None
    if response.status_code != 200:
        raise UpdateCheckError(
            f"the update feed at {url} answered HTTP {response.status_code} {response.reason_phrase}".rstrip()
        )
    if len(response.content) > MAX_FEED_BYTES:
        raise UpdateCheckError(f"the update feed at {url} is {len(response.content):,} bytes; a feed is under 64 KB")
    try:
        feed = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise UpdateCheckError(f"the update feed at {url} is not JSON") from None
    if not isinstance(feed, dict):
        raise UpdateCheckError(f"the update feed at {url} is not a JSON object with a 'version'")
    latest = feed.get("version")
    try:
        Version(str(latest))
        if not isinstance(latest, str):
            raise InvalidVersion
    except InvalidVersion:
        raise UpdateCheckError(f"the update feed at {url} has no valid 'version' (found {latest!r})") from None
    download = feed.get("url", "")
    notes = feed.get("notes", "")
    if not isinstance(download, str) or not isinstance(notes, str):
        raise UpdateCheckError(f"the update feed at {url}: 'url' and 'notes' must be text")
    try:
        Version(current)
    except InvalidVersion:
        raise UpdateCheckError(f"this program's version '{current}' cannot be compared") from None
    return UpdateInfo(current=current, latest=latest, url=download, notes=notes.strip())
