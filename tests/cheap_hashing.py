"""The argon2id hasher the tests use instead of the production one.

Production cost (64 MiB, t=3, p=4) takes 0.7-1 s a hash or a check on two cores, and almost every test
logs in: the suite would spend a third of its time hashing. Its own module (no pytest) so that client
processes the tests start (tests/ledger/stress_client.py) use it too: a process left on the production
hasher would find every test hash too weak and rehash it at login.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type

from paksa_desktop.security import passwords

TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)


def use_test_hasher() -> None:
    """For a process the tests start: hash and check at the tests' cost."""
    passwords._HASHER = TEST_HASHER
