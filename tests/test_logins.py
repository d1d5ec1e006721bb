"""Logging in: argon2id, lock-out after five failures, and the audit trail of every attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.auth import login
from ledger.errors import AccountDisabled, AccountLocked, PermissionDenied, WrongPassword
from ledger.models import User
from ledger.services.users import add_user, disable_user, list_users
from tests.support import Clinic, audit_rows, dump, pw


def test_passwords_are_stored_as_argon2id_hashes(clinic: Clinic) -> None:
    with clinic.db.read() as s:
        hashes = s.execute(sa.select(User.password_hash)).scalars().all()  # type: ignore[call-overload]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(pw(u) in h for u in ("nina", "admin") for h in hashes)


def test_a_wrong_password_is_refused_and_audited(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WrongPassword):
        login(clinic.db, "nina", "guess-guess")
    assert dump(clinic.db) == before
    assert audit_rows(clinic.db)[-1] == ("nina", "login", "failed", "WrongPassword")


def test_an_unknown_user_gets_the_same_words_as_a_wrong_password(clinic: Clinic) -> None:
    with pytest.raises(WrongPassword) as unknown:
        login(clinic.db, "nobody", "whatever1")
    with pytest.raises(WrongPassword) as wrong:
        login(clinic.db, "nina", "whatever1")
    assert unknown.value.message == wrong.value.message


def test_five_failures_lock_the_account_for_fifteen_minutes(clinic: Clinic) -> None:
    t0 = clock.now()
    clock.set_clock(lambda: t0)
    for _ in range(5):
        with pytest.raises(WrongPassword):
            login(clinic.db, "nina", "bad-password")
    with pytest.raises(AccountLocked, match="try again in"):
        login(clinic.db, "nina", pw("nina"))  # even the right password
    assert ("nina", "login", "locked", "AccountLocked") in audit_rows(clinic.db)
    clock.set_clock(lambda: t0 + timedelta(minutes=14, seconds=59))
    with pytest.raises(AccountLocked):
        login(clinic.db, "nina", pw("nina"))
    clock.set_clock(lambda: t0 + timedelta(minutes=15, seconds=1))
    actor = login(clinic.db, "nina", pw("nina"))
    assert actor.username == "nina"
    with clinic.db.read() as s:
        user = s.exec(sa.select(User).where(User.username == "nina")).scalar_one()  # type: ignore[call-overload]
    assert user.failed_logins == 0 and user.locked_until is None


def test_four_failures_then_success_resets_the_count(clinic: Clinic) -> None:
    for _ in range(4):
        with pytest.raises(WrongPassword):
            login(clinic.db, "omar", "nope-nope")
    login(clinic.db, "omar", pw("omar"))
    for _ in range(4):
        with pytest.raises(WrongPassword):
            login(clinic.db, "omar", "nope-nope")
    assert login(clinic.db, "omar", pw("omar")).username == "omar"


def test_every_login_is_audited(clinic: Clinic) -> None:
    login(clinic.db, "audrey", pw("audrey"))
    assert audit_rows(clinic.db)[-1] == ("audrey", "login", "ok", None)


def test_a_disabled_user_cannot_log_in_or_act(clinic: Clinic) -> None:
    nina = clinic.actor("nina")
    disable_user(clinic.db, clinic.actor("admin"), "nina")
    with pytest.raises(AccountDisabled):
        login(clinic.db, "nina", pw("nina"))
    # A session that started before the disable cannot act either.
    with pytest.raises(AccountDisabled):
        list_users(clinic.db, nina)


def test_only_an_admin_adds_users(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied, match="user.manage"):
        add_user(
            clinic.db,
            clinic.actor("drkim"),
            username="eve",
            full_name="Eve",
            roles=["nurse"],
            password="eve-password",
        )
    assert dump(clinic.db) == before
    assert ("drkim", "user.add", "refused", "PermissionDenied") in audit_rows(clinic.db)


def test_a_user_may_hold_several_roles(clinic: Clinic) -> None:
    add_user(
        clinic.db,
        clinic.actor("admin"),
        username="sol",
        full_name="Sol",
        roles=["nurse", "manager"],
        password="sol-password",
    )
    rows = {u["username"]: u for u in list_users(clinic.db, clinic.actor("audrey"))}
    assert rows["sol"]["roles"] == ["manager", "nurse"]


def test_an_admin_cannot_disable_themselves(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        disable_user(clinic.db, clinic.actor("admin"), "admin")
