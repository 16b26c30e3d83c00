"""User preferences kept with QSettings: recent companies (never a password) and window geometry."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ui.style import APP_NAME, ORGANISATION

MAX_RECENT = 8


def app_settings() -> QSettings:
    """INI format everywhere, so tests can redirect it with QSettings.setPath."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APP_NAME)


def strip_password(target: str) -> str:
    """A location safe to remember: file paths as they are, URLs without their password."""
    if "://" not in target:
        return target
    try:
        url = make_url(target)
    except ArgumentError:
        return target
    # URL.set(password=None) would keep the password ("None" means "unchanged" there)
    return url._replace(password=None).render_as_string(hide_password=False)


def needs_password(target: str) -> bool:
    """A remembered PostgreSQL URL has no password; ask for it before connecting."""
    if "://" not in target:
        return False
    try:
        return make_url(target).password is None
    except ArgumentError:
        return False


@dataclass(frozen=True, slots=True)
class RecentCompany:
    location: str  # a file path or a URL without password
    name: str


class RecentCompanies:
    """The companies opened lately, newest first."""

    KEY = "recent/companies"

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or app_settings()

    def items(self) -> list[RecentCompany]:
        raw = self.settings.value(self.KEY, [])
        if isinstance(raw, str):
            raw = [raw]
        result = []
        for value in raw or []:
            location, _, name = str(value).partition("\t")
            if location:
                result.append(RecentCompany(location, name or location))
        return result

    def add(self, location: str, name: str) -> None:
        location = strip_password(location)
        kept = [r for r in self.items() if r.location != location]
        kept.insert(0, RecentCompany(location, name))
        self._save(kept[:MAX_RECENT])

    def remove(self, location: str) -> None:
        self._save([r for r in self.items() if r.location != location])

    def _save(self, items: list[RecentCompany]) -> None:
        self.settings.setValue(self.KEY, [f"{r.location}\t{r.name}" for r in items])
        self.settings.sync()


@dataclass(frozen=True, slots=True)
class UpdatePreferences:
    check_on_start: bool = False  # off by default: nothing leaves the machine unless the user asks
    feed_url: str = ""


class UpdateSettings:
    """Help > Update settings: whether to check the update feed at start-up, and its URL."""

    ON_START = "updates/check_on_start"
    FEED_URL = "updates/feed_url"

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or app_settings()

    def load(self) -> UpdatePreferences:
        on = self.settings.value(self.ON_START, False)
        return UpdatePreferences(
            check_on_start=str(on).lower() in ("true", "1"),
            feed_url=str(self.settings.value(self.FEED_URL, "") or ""),
        )

    def save(self, prefs: UpdatePreferences) -> None:
        self.settings.setValue(self.ON_START, prefs.check_on_start)
        self.settings.setValue(self.FEED_URL, prefs.feed_url)
        self.settings.sync()
