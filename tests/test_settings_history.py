"""Settings have history: each change is a new version from the moment it took effect, and
`check` judges every movement under the version in force when it was entered, so setting the
witness policy back to `required` never makes yesterday's lawful unwitnessed waste fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger import clock, schema
from ledger.check import run_check
from ledger.database import Database
from ledger.models import SettingsVersion
from ledger.services.disposal import waste
from ledger.services.settings import update_settings
from tests.reliability.tampering import drop_guards, execute, rehash_from
from tests.support import Clinic


def _versions(db: Database) -> list[tuple[datetime, dict[str, object]]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(SettingsVersion.effective_at, SettingsVersion.settings_json).order_by(
                SettingsVersion.id  # type: ignore[arg-type]
            )
        ).all()
    return [(at, json.loads(text)) for at, text in rows]


def test_an_old_lawful_waste_stays_lawful_after_the_policy_tightens(clinic: Clinic) -> None:
    t0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="recommended")
    clock.set_clock(lambda: t0 + timedelta(hours=1))
    waste(
        clinic.db,
        clinic.actor("nina"),
        vial="K-000001",
        amount_ug=1_000,
        reason="dropped syringe",
        method="sink",
        witness=None,
    )
    clock.set_clock(lambda: t0 + timedelta(days=1))
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="required")
    report = run_check(clinic.db)
    assert report.ok, [p.as_json() for p in report.problems]
    policies = [(at, v["witness_policy"]) for at, v in _versions(clinic.db)]
    assert policies[-2:] == [(t0, "recommended"), (t0 + timedelta(days=1), "required")]


def test_an_unwitnessed_waste_stays_unlawful_after_the_policy_relaxes(clinic: Clinic) -> None:
    """The other direction: a waste entered under `required` with no witness (an attacker
    stripped it and re-hashed the chain) is named by `check`, and relaxing the policy the
    next day does not make it lawful after the fact."""
    from ledger.services.infusions import record_infusion

    t0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    infusion = record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    wasted = infusion.movement_ids[1]
    assert run_check(clinic.db).ok
    drop_guards(clinic.db)
    execute(clinic.db, f"UPDATE movement SET witness_id = NULL WHERE id = {wasted}")
    rehash_from(clinic.db, wasted)

    def witness_problems() -> list[tuple[str, int | None]]:
        problems = run_check(clinic.db).problems
        return [(p.rule, p.movement_id) for p in problems if p.rule == "WitnessRequired"]

    assert witness_problems() == [("WitnessRequired", wasted)]
    clock.set_clock(lambda: t0 + timedelta(days=1))
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="recommended")
    assert _versions(clinic.db)[-1][1]["witness_policy"] == "recommended"
    assert witness_problems() == [("WitnessRequired", wasted)]


#: A new value for every setting that a movement could be judged by, each unlike the one in
#: force when the history below was entered.
LATER_CHANGES = [
    {"witness_policy": "required"},
    {"timezone": "America/New_York"},
    {"late_entry_minutes": 1},
    {"bud_days": 1},
    {"exact_open_counts": True},
    {"count_accept_ul": 0, "count_signoff_ul": 0},
    {"count_interval_days": 1},
    {"inventory_interval_months": 1},
    {"retention_years": 10},
    {"holidays": "2026-03-02"},
]


def test_no_later_change_of_any_setting_makes_the_lawful_history_fail_check(
    clinic: Clinic,
) -> None:
    """An unwitnessed waste under `recommended`, a witnessed infusion and one charted late
    with its reason: each later settings change, one at a time, leaves `check` passing."""
    from ledger.services.disposal import record_breakage
    from ledger.services.infusions import record_infusion

    t0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="recommended")
    nina = clinic.actor("nina")
    clock.set_clock(lambda: t0 + timedelta(hours=1))
    waste(
        clinic.db, nina, vial="K-000001", amount_ug=1_000, reason="dropped syringe",
        method="sink", witness=None,
    )  # fmt: skip
    record_breakage(clinic.db, nina, vial="K-000002", amount_ug=None, reason="dropped",
                    witness=None)  # fmt: skip
    record_infusion(
        clinic.db, nina, patient="MRN1", vial="K-000001", drawn_ug=45_000, given_ug=40_000,
        wasted_ug=5_000, witness=clinic.witness("omar"),
    )  # fmt: skip
    record_infusion(
        clinic.db, nina, patient="MRN2", vial="K-000001", drawn_ug=40_000, given_ug=40_000,
        wasted_ug=0, drawn_at=t0 - timedelta(minutes=55), started_at=t0 - timedelta(minutes=50),
        ended_at=t0 - timedelta(minutes=10),
        reason="charted after the chair emptied",
    )  # fmt: skip
    with clinic.db.read() as s:
        kinds = s.execute(
            sa.text("SELECT kind, witness_id IS NULL, late FROM movement WHERE id > 8 ORDER BY id")
        ).all()
    assert [(k, bool(alone), bool(late)) for k, alone, late in kinds] == [
        ("waste", True, False),
        ("breakage", True, False),
        ("administer", True, False),
        ("waste", False, False),
        ("administer", True, True),
    ]
    assert run_check(clinic.db).ok
    for day, change in enumerate(LATER_CHANGES, start=1):
        clock.set_clock(lambda day=day: t0 + timedelta(days=day))
        update_settings(clinic.db, clinic.actor("admin"), **change)
        report = run_check(clinic.db)
        assert report.ok, (change, [p.as_json() for p in report.problems])
    assert len(_versions(clinic.db)) >= len(LATER_CHANGES) + 2


def test_a_version_is_history_and_cannot_be_changed(clinic: Clinic) -> None:
    update_settings(clinic.db, clinic.actor("admin"), late_entry_minutes=30)
    for sql in (
        "UPDATE settings_version SET settings_json = '{}'",
        "DELETE FROM settings_version",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
            execute(clinic.db, sql)
    assert _versions(clinic.db)[-1][1]["late_entry_minutes"] == 30


def test_a_ledger_upgraded_from_before_the_history_keeps_passing_check(
    clinic: Clinic,
) -> None:
    from ledger.services.infusions import record_infusion

    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    schema.downgrade(clinic.db, "0004")
    schema.upgrade(clinic.db)
    versions = _versions(clinic.db)
    assert len(versions) == 1 and versions[0][0] == datetime(2000, 1, 1, tzinfo=UTC)
    assert versions[0][1]["name"] == "Test Clinic"
    assert run_check(clinic.db).ok
