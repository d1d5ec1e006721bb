"""argon2id password hashing. The cost is a module setting so tests and the demo can lower it."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.errors import WeakPassword

# OWASP's minimum argon2id profile (19 MiB, 2 passes). Parameters live inside each
# hash, so lowering them for a demo database never weakens an existing real hash.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_decoy: tuple[PasswordHasher, str] | None = None

MIN_LENGTH = 10


def use_cheap_hashing_for_tests_and_demo() -> None:
    """Fast hashing for throw-away databases only (test suites, the demo clinic)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)


def hash_password(password: str) -> str:
    """Hash a new password; one of fewer than 10 characters (spaces aside) is refused."""
    if not isinstance(password, str) or len(password.strip()) < MIN_LENGTH:
        raise WeakPassword(
            f"a password needs at least {MIN_LENGTH} characters besides leading or trailing spaces"
        )
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    """Spend what a real check costs, for a username that does not exist.

    Answering an unknown user faster than a wrong password would tell a guesser
    which usernames exist, whatever the words say.
    """
    global _decoy
    if _decoy is None or _decoy[0] is not _hasher:
        _decoy = (_hasher, _hasher.hash("no user has this password"))
    verify_password(_decoy[1], password if isinstance(password, str) else "")
