"""Connection profiles: how to reach a shared company database, kept per user without any secret.

A profile names an engine, host, port, database, user and SSL mode; its password lives in a
credential store (see credentials.py) under the profile's location. The file is JSON in the XDG
config folder; saving refuses anything that looks like a secret, so the file can be read by anyone
helping the user without exposing a password.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.security.credentials import write_private

PROFILES_FILE = "profiles.json"


class Engine(enum.StrEnum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


class SslMode(enum.StrEnum):
    DISABLE = "disable"
    ALLOW = "allow"
    PREFER = "prefer"
    REQUIRE = "require"
    VERIFY_CA = "verify-ca"
    VERIFY_FULL = "verify-full"


def config_dir() -> Path:
    """Per-user configuration folder ($XDG_CONFIG_HOME/paksa, else ~/.config/paksa)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "paksa"


@dataclass(frozen=True, slots=True)
class ConnectionProfile:
    name: str
    engine: Engine = Engine.POSTGRESQL
    host: str = "localhost"
    port: int = 5432
    database: str = ""
    user: str = ""
    ssl_mode: SslMode = SslMode.PREFER

    def url(self, password: str | None = None) -> URL:
        """The SQLAlchemy URL; the password only in memory, when the caller fetched it from a store."""
        if self.engine == Engine.SQLITE:
            return URL.create("sqlite", database=self.database)
        return URL.create(
            "postgresql+psycopg",
            username=self.user or None,
            password=password,
            host=self.host or None,
            port=self.port or None,
            database=self.database or None,
            query={"sslmode": self.ssl_mode.value},
        )

    @property
    def location(self) -> str:
        """The profile's URL without password: the key its password is stored under."""
        return self.url().render_as_string(hide_password=True)

    def validate(self) -> None:
        if not self.name.strip():
            raise ValidationError("a connection profile needs a name")
        if self.engine == Engine.POSTGRESQL and not (self.host and self.database):
            raise ValidationError(f"profile '{self.name}': a PostgreSQL profile needs a host and a database")
        if not 0 <= self.port <= 65535:
            raise ValidationError(f"profile '{self.name}': port {self.port} is not 0..65535")


_FIELDS = {"name", "engine", "host", "port", "database", "user", "ssl_mode"}


class ProfileStore:
    """The profiles file: read, add or replace by name, remove. Never holds a secret."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / PROFILES_FILE

    def list(self) -> list[ConnectionProfile]:
        if not self.path.exists():
            return []
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return [
                ConnectionProfile(
                    name=str(p["name"]),
                    engine=Engine(p.get("engine", "postgresql")),
                    host=str(p.get("host", "")),
                    port=int(p.get("port", 5432)),
                    database=str(p.get("database", "")),
                    user=str(p.get("user", "")),
                    ssl_mode=SslMode(p.get("ssl_mode", "prefer")),
                )
                for p in doc.get("profiles", [])
            ]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValidationError(f"the profiles file {self.path} is damaged ({type(exc).__name__})") from None

    def get(self, name: str) -> ConnectionProfile | None:
        return next((p for p in self.list() if p.name == name), None)

    def save(self, profile: ConnectionProfile) -> None:
        profile.validate()
        profiles = [p for p in self.list() if p.name != profile.name] + [profile]
        self._write(sorted(profiles, key=lambda p: p.name.lower()))

    def remove(self, name: str) -> None:
        self._write([p for p in self.list() if p.name != name])

    def _write(self, profiles: list[ConnectionProfile]) -> None:
        rows = []
        for p in profiles:
            row = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in asdict(p).items()}
            assert set(row) == _FIELDS  # a new field must be added here knowingly: never a secret
            rows.append(row)
        write_private(self.path, json.dumps({"version": 1, "profiles": rows}, indent=2).encode("utf-8"))
