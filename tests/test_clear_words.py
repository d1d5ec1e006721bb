"""Messages in the clinic's words: mg not µg, the clinic's clock, one option name for one thing,
the newest log lines, and the password variable each command really reads."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from ledger import clock
from ledger.errors import InsufficientBalance, InvalidDate, MassBalanceBroken
from ledger.models import Infusion
from ledger.services.infusions import record_infusion
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump

DENVER = ZoneInfo("America/Denver")
#: A pinned "now" for the late-entry tests: three hours after a 09:00 draw, at any real hour.
NOON_IN_DENVER = datetime(2026, 3, 10, 12, 0, tzinfo=DENVER)


def _infuse(clinic: Clinic, **kw):  # type: ignore[no-untyped-def]
    args = dict(patient="MRN1", vial="K-000001", drawn_ug=45_000, given_ug=40_000,
                wasted_ug=5_000, witness=clinic.witness("omar"))  # fmt: skip
    return record_infusion(clinic.db, clinic.actor("nina"), **(args | kw))


def test_a_broken_mass_balance_is_told_in_mg(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(MassBalanceBroken) as refused:
        _infuse(clinic, drawn_ug=50_000, given_ug=47_000, wasted_ug=2_000)
    assert refused.value.message.startswith(
        "drawn (50 mg) must equal given (47 mg) + wasted (2 mg)"
    )
    assert "µg" not in refused.value.message
    assert dump(clinic.db) == before


def test_an_overdraw_names_the_amount_drawn_not_the_amount_given(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InsufficientBalance) as refused:
        # The vial holds 500 mg: the 450 mg given alone would fit, the 600 mg drawn does not.
        _infuse(clinic, drawn_ug=600_000, given_ug=450_000, wasted_ug=150_000)
    assert "500 mg" in refused.value.message and "600 mg" in refused.value.message
    assert "drawn" in refused.value.message
    assert dump(clinic.db) == before


def test_an_entry_before_the_receipt_is_told_on_the_clinics_clock(clinic: Clinic) -> None:
    # The test clinic received its vials at 09:00 in Denver (16:00 UTC) on 5 January 2026.
    before = dump(clinic.db)
    with pytest.raises(InvalidDate) as refused:
        _infuse(clinic, drawn_at=datetime(2026, 1, 5, 8, 0, tzinfo=DENVER), reason="paper chart")
    assert "2026-01-05 09:00" in refused.value.message
    assert "UTC" not in refused.value.message and "16:00" not in refused.value.message
    assert dump(clinic.db) == before


def test_the_late_reason_is_late_reason_on_infusion_too(sqlite_clinic: Clinic) -> None:
    assert "--late-reason" in vialbook(sqlite_clinic.db.url, "infusion", "--help").output
    clock.set_clock(lambda: NOON_IN_DENVER)
    result = vialbook(
        sqlite_clinic.db.url, "infusion", "--patient", "MRN1", "--vial", "K-000001",
        "--drawn", "45mg", "--given", "40mg", "--wasted", "5mg", "--witness", "omar",
        "--drawn-at", "2026-03-10T09:00", "--late-reason", "charted after the code", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with sqlite_clinic.db.read() as session:
        (infusion,) = session.exec(select(Infusion)).all()
        assert infusion.late and infusion.reason == "charted after the code"


def test_log_limit_gives_the_newest_movements(sqlite_clinic: Clinic) -> None:
    everything = json.loads(vialbook(sqlite_clinic.db.url, "log", "--json").stdout)["movements"]
    result = vialbook(sqlite_clinic.db.url, "log", "--limit", "3", "--json")
    newest = [m["id"] for m in json.loads(result.stdout)["movements"]]
    assert len(everything) > 3
    assert newest == [m["id"] for m in everything][-3:]


def test_a_log_period_that_ends_before_it_starts_is_refused(sqlite_clinic: Clinic) -> None:
    result = vialbook(sqlite_clinic.db.url, "log", "--from", "2026-02-01", "--to", "2026-01-01")
    assert_refused(result, "InvalidDate")
    assert "2026-02-01" in result.output and result.stdout == ""


def test_each_password_error_names_the_variable_that_command_reads(
    sqlite_clinic: Clinic, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIALBOOK_PASSWORD", raising=False)
    monkeypatch.delenv("VIALBOOK_NEW_PASSWORD", raising=False)
    fresh = vialbook(
        str(tmp_path / "new.db"), "init", "--clinic", "Pearl St Clinic", "--admin", "boss",
        user=None, witness=None,
    )  # fmt: skip
    assert_refused(fresh, "PasswordRequired")
    assert "admin password for boss is read from VIALBOOK_PASSWORD" in fresh.output
    added = vialbook(
        sqlite_clinic.db.url, "user", "add", "newnurse", "--name", "New", "--role", "nurse",
        user="admin",
    )  # fmt: skip
    assert_refused(added, "PasswordRequired")
    assert "user's password for newnurse is read from VIALBOOK_NEW_PASSWORD" in added.output


def test_the_old_reason_on_infusion_still_means_the_late_reason_for_one_release(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: NOON_IN_DENVER)
    result = vialbook(
        sqlite_clinic.db.url, "infusion", "--patient", "MRN1", "--vial", "K-000001",
        "--drawn", "45mg", "--given", "40mg", "--wasted", "5mg", "--witness", "omar",
        "--drawn-at", "2026-03-10T09:00", "--reason", "charted after the code",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "now --late-reason" in result.stderr
    with sqlite_clinic.db.read() as session:
        (infusion,) = session.exec(select(Infusion)).all()
        assert infusion.late and infusion.reason == "charted after the code"
