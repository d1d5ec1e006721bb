"""Getting back into an account: unlock, enable, reset a forgotten password, change one's own."""

from __future__ import annotations

import pytest

from ledger.auth import login
from ledger.errors import AccountDisabled, AccountLocked, WrongPassword
from ledger.services import users
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, audit_rows, dump, pw

NEW = "a-brand-new-pass"


def _lock(clinic: Clinic, username: str) -> None:
    for _ in range(5):
        with pytest.raises(WrongPassword):
            login(clinic.db, username, "guess-guess")
    with pytest.raises(AccountLocked):
        login(clinic.db, username, pw(username))


def _trail_text(clinic: Clinic) -> str:
    with clinic.db.engine.connect() as conn:
        return " ".join(map(str, conn.exec_driver_sql("SELECT * FROM audit_event").all()))


def test_an_admin_unlocks_a_locked_nurse_at_once(clinic: Clinic) -> None:
    _lock(clinic, "nina")
    users.unlock_user(clinic.db, clinic.actor("admin"), "nina")
    assert login(clinic.db, "nina", pw("nina")).username == "nina"
    assert ("admin", "user.unlock", "ok", None) in audit_rows(clinic.db)


def test_an_admin_enables_a_disabled_nurse_again(clinic: Clinic) -> None:
    admin = clinic.actor("admin")
    users.disable_user(clinic.db, admin, "omar")
    with pytest.raises(AccountDisabled):
        login(clinic.db, "omar", pw("omar"))
    users.enable_user(clinic.db, admin, "omar")
    assert login(clinic.db, "omar", pw("omar")).username == "omar"
    assert ("admin", "user.enable", "ok", None) in audit_rows(clinic.db)


def test_a_forgotten_password_is_reset_by_an_admin_and_the_old_one_stops_working(
    clinic: Clinic,
) -> None:
    _lock(clinic, "nina")
    users.reset_password(clinic.db, clinic.actor("admin"), "nina", NEW)
    assert login(clinic.db, "nina", NEW).username == "nina"  # the lock went with it
    with pytest.raises(WrongPassword):
        login(clinic.db, "nina", pw("nina"))
    assert ("admin", "user.reset-password", "ok", None) in audit_rows(clinic.db)
    assert NEW not in _trail_text(clinic)


def test_a_nurse_changes_her_own_password_only_with_the_old_one(clinic: Clinic) -> None:
    nina = clinic.actor("nina")
    before = dump(clinic.db)
    with pytest.raises(WrongPassword):
        users.change_password(clinic.db, nina, "not-my-old-password", NEW)
    assert dump(clinic.db) == before
    assert audit_rows(clinic.db)[-1] == ("nina", "user.password", "refused", "WrongPassword")
    users.change_password(clinic.db, nina, pw("nina"), NEW)
    assert login(clinic.db, "nina", NEW).username == "nina"
    assert ("nina", "user.password", "ok", None) in audit_rows(clinic.db)
    assert NEW not in _trail_text(clinic)


def test_the_command_line_reopens_accounts(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqlite_clinic.db.url
    _lock(sqlite_clinic, "nina")
    assert vialbook(url, "user", "unlock", "nina", user="admin").exit_code == 0
    assert login(sqlite_clinic.db, "nina", pw("nina")).username == "nina"
    users.disable_user(sqlite_clinic.db, sqlite_clinic.actor("admin"), "omar")
    assert vialbook(url, "user", "enable", "omar", user="admin").exit_code == 0
    assert login(sqlite_clinic.db, "omar", pw("omar")).username == "omar"
    monkeypatch.setenv("VIALBOOK_NEW_PASSWORD", NEW)
    result = vialbook(url, "user", "reset-password", "bella", user="admin")
    assert result.exit_code == 0, result.output
    assert login(sqlite_clinic.db, "bella", NEW).username == "bella"
    result = vialbook(url, "user", "password", user="omar")
    assert result.exit_code == 0, result.output
    assert login(sqlite_clinic.db, "omar", NEW).username == "omar"
    assert NEW not in result.output


def test_a_nurse_cannot_reset_anothers_password_from_the_command_line(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIALBOOK_NEW_PASSWORD", NEW)
    before = dump(sqlite_clinic.db)
    assert_refused(
        vialbook(sqlite_clinic.db.url, "user", "reset-password", "omar", user="nina"),
        "PermissionDenied",
    )
    assert dump(sqlite_clinic.db) == before
    assert login(sqlite_clinic.db, "omar", pw("omar")).username == "omar"
