"""A keyring for tests: in memory, never picked by keyring's own auto-detection."""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring, so no test touches (or depends on) the machine's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def unregister(backend: type[KeyringBackend]) -> None:
    """keyring registers every backend class for auto-detection; test doubles must not be picked."""
    KeyringBackend._classes.discard(backend)  # type: ignore[attr-defined]


unregister(MemoryKeyring)
