"""mg administered per week on the clinic's calendar: twelve weeks, oldest first, empty ones 0."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ledger import clock
from ledger.queries.weekly import weekly_administered
from ledger.services.infusions import record_infusion
from tests.support import Clinic

#: Tuesday 6 Jan 2026, 10:00 in Denver.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def test_doses_fall_in_the_clinic_week_they_were_given(clinic: Clinic) -> None:
    clock.set_clock(lambda: MORNING)
    nina, omar = clinic.actor("nina"), clinic.witness("omar")
    record_infusion(clinic.db, nina, patient="MRN1", vial="K-000001", drawn_ug=45_000,
                    given_ug=40_000, wasted_ug=5_000, witness=omar)  # fmt: skip
    # Sunday 11 Jan, 23:30 in Denver: 06:30 UTC on Monday, but still the clinic's first week.
    sunday_night = datetime(2026, 1, 12, 6, 30, tzinfo=UTC)
    clock.set_clock(lambda: sunday_night)
    record_infusion(clinic.db, nina, patient="MRN2", vial="K-000001", drawn_ug=32_000,
                    given_ug=32_000, wasted_ug=0)  # fmt: skip
    clock.set_clock(lambda: sunday_night + timedelta(hours=1))  # Monday 00:30 in Denver
    record_infusion(clinic.db, nina, patient="MRN2", vial="K-000001", drawn_ug=30_000,
                    given_ug=30_000, wasted_ug=0)  # fmt: skip

    weeks = weekly_administered(clinic.db, clinic.actor("audrey"))
    assert len(weeks) == 12
    assert weeks[-1].monday == date(2026, 1, 12) and weeks[0].monday == date(2025, 10, 27)
    assert [w.given_ug for w in weeks[-2:]] == [72_000, 30_000]
    assert all(w.given_ug == 0 for w in weeks[:-2])


def test_dashboard_with_its_chart_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    from tests.test_tui import _dashboard_filled
    from tui.app.vialbook_app import VialbookApp

    nina, omar = sqlite_clinic.actor("nina"), sqlite_clinic.witness("omar")
    # Three weeks of the clinic: 40 mg, then 72 mg, then 30 mg so far this week.
    for when, mrn, given in (
        (MORNING, "MRN1", 40_000),
        (MORNING + timedelta(days=7), "MRN1", 40_000),
        (MORNING + timedelta(days=8), "MRN2", 32_000),
        (MORNING + timedelta(days=14), "MRN2", 30_000),
    ):
        clock.set_clock(lambda when=when: when)
        record_infusion(sqlite_clinic.db, nina, patient=mrn, vial="K-000001", drawn_ug=given,
                        given_ug=given, wasted_ug=0, witness=omar)  # fmt: skip
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def loaded(pilot) -> None:  # type: ignore[no-untyped-def]
        await _dashboard_filled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=loaded)
