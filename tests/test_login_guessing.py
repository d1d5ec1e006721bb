"""Guessing passwords: parallel guesses all count, and no refusal tells which usernames exist."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.auth import login
from ledger.errors import AccountDisabled, AccountLocked, Refusal, WeakPassword, WrongPassword
from ledger.models import User
from ledger.services.users import add_user, disable_user
from tests.support import Clinic, audit_rows, dump, pw


def _user(clinic: Clinic, username: str) -> User:
    with clinic.db.read() as s:
        return s.exec(sa.select(User).where(User.username == username)).scalar_one()  # type: ignore[call-overload]


def _guess_in_parallel(clinic: Clinic, username: str, passwords: list[str]) -> list[str]:
    """Every password tried at the same moment from its own thread; the outcome of each."""
    start = threading.Barrier(len(passwords))
    outcomes: list[str] = []

    def attempt(password: str) -> None:
        start.wait()
        try:
            login(clinic.db, username, password)
            outcomes.append("ok")
        except Refusal as exc:
            outcomes.append(exc.rule)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_twelve_simultaneous_guesses_all_count_and_lock_the_account(
    clinic: Clinic, round_: int
) -> None:
    t0 = clock.now()
    clock.set_clock(lambda: t0)
    wrong = [f"guess-number-{i}" for i in range(11)]
    # The right password sits among the guesses, as an attacker who finally hits it would.
    guesses = wrong[: round_ * 4] + [pw("nina")] + wrong[round_ * 4 :]
    outcomes = _guess_in_parallel(clinic, "nina", guesses)
    assert outcomes.count("WrongPassword") == 11
    nina = _user(clinic, "nina")
    assert nina.locked_until is not None and nina.locked_until > t0
    with pytest.raises(AccountLocked):
        login(clinic.db, "nina", pw("nina"))
    rows = audit_rows(clinic.db)
    counted = [r for r in rows if r[:3] == ("nina", "login", "failed")]
    assert len(counted) == 11
    assert ("nina", "login", "locked", "AccountLocked") in rows


def test_simultaneous_wrong_guesses_are_each_counted(clinic: Clinic) -> None:
    t0 = clock.now()
    clock.set_clock(lambda: t0)
    outcomes = _guess_in_parallel(clinic, "omar", [f"guess-number-{i}" for i in range(4)])
    assert outcomes == ["WrongPassword"] * 4
    assert _user(clinic, "omar").failed_logins == 4
    with pytest.raises(WrongPassword):
        login(clinic.db, "omar", "guess-number-5")
    assert _user(clinic, "omar").locked_until is not None


def test_a_disabled_account_with_a_wrong_password_says_only_wrong_password(
    clinic: Clinic,
) -> None:
    disable_user(clinic.db, clinic.actor("admin"), "omar")
    with pytest.raises(WrongPassword) as disabled:
        login(clinic.db, "omar", "guess-guess-1")
    with pytest.raises(WrongPassword) as unknown:
        login(clinic.db, "nobody-here", "guess-guess-1")
    assert disabled.value.message == unknown.value.message
    assert "omar" not in disabled.value.message and "disabled" not in disabled.value.message
    # The audit trail keeps the real reason for the investigator.
    assert audit_rows(clinic.db)[-2] == ("omar", "login", "failed", "AccountDisabled")
    assert audit_rows(clinic.db)[-1] == ("nobody-here", "login", "failed", "UnknownUser")
    # The right password is what earns the real reason.
    with pytest.raises(AccountDisabled):
        login(clinic.db, "omar", pw("omar"))


def test_a_locked_account_with_a_wrong_password_says_only_wrong_password(
    clinic: Clinic,
) -> None:
    t0 = clock.now()
    clock.set_clock(lambda: t0)
    for _ in range(5):
        with pytest.raises(WrongPassword):
            login(clinic.db, "nina", "guess-guess-1")
    before = _user(clinic, "nina").locked_until
    with pytest.raises(WrongPassword) as locked:
        login(clinic.db, "nina", "guess-guess-2")
    with pytest.raises(WrongPassword) as unknown:
        login(clinic.db, "nobody-here", "guess-guess-2")
    assert locked.value.message == unknown.value.message
    assert "locked" not in locked.value.message
    assert audit_rows(clinic.db)[-2] == ("nina", "login", "failed", "AccountLocked")
    # A guess during the lock neither extends it nor starts a new count.
    assert _user(clinic, "nina").locked_until == before
    with pytest.raises(AccountLocked, match="try again in"):
        login(clinic.db, "nina", pw("nina"))
    clock.set_clock(lambda: t0 + timedelta(minutes=16))
    assert login(clinic.db, "nina", pw("nina")).username == "nina"


def test_a_username_is_found_whatever_its_case(clinic: Clinic) -> None:
    assert login(clinic.db, " Nina ", pw("nina")).username == "nina"


@pytest.mark.parametrize("password", [" " * 12, "short-pw", "  abcdefg  ", "\t" * 10])
def test_a_weak_password_is_refused(clinic: Clinic, password: str) -> None:
    before = dump(clinic.db)
    with pytest.raises(WeakPassword):
        add_user(
            clinic.db, clinic.actor("admin"), username="eve", full_name="Eve",
            roles=["nurse"], password=password,
        )  # fmt: skip
    assert dump(clinic.db) == before
    assert ("admin", "user.add", "refused", "WeakPassword") in audit_rows(clinic.db)


def test_a_username_holding_a_nul_byte_is_a_failed_login_not_a_crash(db) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL refuses a NUL byte anywhere in a query; the fuzzer typed one at the login.
    import pytest as _pytest

    from ledger.auth import login as _login
    from ledger.errors import Refusal as _Refusal

    with _pytest.raises(_Refusal) as refused:
        _login(db, "\x9d\x00\x99Õu", "whatever-password")
    assert refused.value.rule == "WrongPassword"
    with db.engine.connect() as conn:
        kept = conn.exec_driver_sql(
            "SELECT username, rule FROM audit_event ORDER BY id DESC LIMIT 1"
        ).one()
    assert kept == ("\x9d\ufffd\x99Õu", "UnknownUser")
