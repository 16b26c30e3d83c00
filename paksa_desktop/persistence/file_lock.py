"""One desktop program writes a SQLite company file at a time: a lock file beside it says who.

`acme.paksa.lock` holds JSON (host, OS user, Paksa user, pid, since). It is created atomically
(O_EXCL) and held with an OS lock (flock on POSIX, msvcrt on Windows) for as long as the program has
the company open. The OS drops that lock when the process dies, however it dies, so a lock file whose
OS lock can be taken was left by a crashed program: it is stale and is taken over. A lock on this
host whose process no longer exists is stale too (an OS lock can outlive its process when a child
inherited the descriptor).

The lock is advisory: SQLite's own locking keeps the file consistent whatever happens; this lock
keeps two people from editing the same books at once without knowing it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_SUFFIX = ".lock"
_WINDOWS_LOCK_OFFSET = 1 << 30  # msvcrt locks bytes: lock one far past the JSON, so others can read it


def lock_path(company_file: Path) -> Path:
    return company_file.with_name(company_file.name + LOCK_SUFFIX)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds (or held) a company file's lock, as written in the lock file."""

    host: str
    os_user: str
    pid: int
    since: datetime
    paksa_user: str = ""

    @classmethod
    def me(cls, paksa_user: str = "") -> LockHolder:
        return cls(socket.gethostname(), _os_user(), os.getpid(), datetime.now(UTC), paksa_user)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "host": self.host,
                "os_user": self.os_user,
                "paksa_user": self.paksa_user,
                "pid": self.pid,
                "since": self.since.isoformat(timespec="seconds"),
                "program": "Paksa Desktop",
            },
            indent=1,
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> LockHolder | None:
        """None when the file is empty or garbled (a program died while writing it)."""
        try:
            raw = json.loads(data.decode("utf-8"))
            since = datetime.fromisoformat(raw["since"])
            return cls(
                str(raw["host"]),
                str(raw["os_user"]),
                int(raw["pid"]),
                since if since.tzinfo else since.replace(tzinfo=UTC),
                str(raw.get("paksa_user") or ""),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @property
    def who(self) -> str:
        """'anna (OS user anna)' or just the OS user before anyone logged in."""
        if self.paksa_user and self.paksa_user != self.os_user:
            return f"{self.paksa_user} (OS user {self.os_user})"
        return self.paksa_user or self.os_user

    def describe(self) -> str:
        since = self.since.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"opened by {self.who} on {self.host} since {since}"

    def is_dead_here(self) -> bool:
        """True when the holder ran on this host and its process is gone."""
        if self.host != socket.gethostname() or self.pid <= 0:
            return False
        if self.pid == os.getpid():
            return False
        return not _pid_alive(self.pid)


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _try_os_lock(fd: int) -> bool | None:
    """Take the OS lock without waiting: True taken, False another open file holds it, None no OS locks here."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: only the process check is left
        return None
    return True


def _is_stale(locked: bool | None, previous: LockHolder | None) -> bool:
    """Whether a lock file whose OS lock we tried (`locked`) and whose content is `previous` is stale."""
    if locked:
        return True  # nobody holds the OS lock: its program is gone, whatever the file says
    if previous is None:
        return locked is None  # garbled and unlockable: only a live writer mid-write can be excused
    return previous.is_dead_here()


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


class CompanyLock:
    """A held lock; `release()` (or closing the company) removes the lock file."""

    def __init__(self, path: Path, fd: int, holder: LockHolder, replaced: LockHolder | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self.holder = holder
        self.replaced = replaced  # the stale lock this one took over, if any (to tell the user)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def set_user(self, paksa_user: str) -> None:
        """After login: the lock names the Paksa user too."""
        if self._fd is None:
            return
        self.holder = LockHolder(self.holder.host, self.holder.os_user, self.holder.pid, self.holder.since, paksa_user)
        _write(self._fd, self.holder)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):  # unlink first, unlock second: a waiter then retries on a new file
                self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    def __enter__(self) -> CompanyLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _write(fd: int, holder: LockHolder) -> None:
    data = holder.to_json()
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)
    os.fsync(fd)


class LockResult:
    """Either `lock` (ours now) or `holder` (another live program has the file)."""

    def __init__(self, lock: CompanyLock | None = None, holder: LockHolder | None = None) -> None:
        self.lock = lock
        self.holder = holder


def acquire(company_file: Path, paksa_user: str = "") -> LockResult:
    """Take the lock of `company_file`, taking over a stale one; or say who holds it."""
    path = lock_path(company_file)
    me = LockHolder.me(paksa_user)
    for _ in range(20):  # each turn either wins, finds a live holder, or lost a race and retries
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except FileExistsError:
            pass
        else:
            if _try_os_lock(fd) is not False and _same_file(fd, path):
                _write(fd, me)
                return LockResult(lock=CompanyLock(path, fd, me, None))
            os.close(fd)
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # released meanwhile: try to create it again
        locked = _try_os_lock(fd)
        if not _same_file(fd, path):
            os.close(fd)
            continue
        previous = LockHolder.from_json(_read_all(fd))
        if locked is not False and _is_stale(locked, previous):
            _write(fd, me)  # the holder's process is gone (the OS released its lock): ours now
            return LockResult(lock=CompanyLock(path, fd, me, previous))
        if locked is False and previous is not None and previous.is_dead_here():
            os.close(fd)  # an orphaned OS lock (a child inherited it): replace the file itself
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        os.close(fd)
        if previous is None:  # being written right now by a program that just took it
            time.sleep(0.05)
            continue
        return LockResult(holder=previous)
    raise OSError(f"could not lock {company_file}: the lock file {path} keeps changing")


def current_holder(company_file: Path) -> LockHolder | None:
    """Who holds the lock now, or None if nobody does or the lock is stale (nothing is changed)."""
    path = lock_path(company_file)
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, PermissionError):
        return None
    try:
        locked = _try_os_lock(fd)  # a probe: closing fd releases it
        holder = LockHolder.from_json(_read_all(fd))
        return None if _is_stale(locked, holder) else holder
    finally:
        os.close(fd)
