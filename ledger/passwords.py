"""argon2id password hashing. The cost is a module setting so tests and the demo can lower it."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.errors import WeakPassword

# OWASP's minimum argon2id profile (19 MiB, 2 passes). Parameters live inside each
# hash, so lowering them for a demo database never weakens an existing real hash.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

MIN_LENGTH = 8


def use_cheap_hashing_for_tests_and_demo() -> None:
    """Fast hashing for throw-away databases only (test suites, the demo clinic)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
