"""Today's infusions on the dashboard: the clinic's calendar day, latest first, with the
patient, vial, amounts, nurse and witness, and a reversal said, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from ledger import clock
from ledger.models import Movement, Patient
from ledger.queries.todays_infusions import todays_infusions
from ledger.services.corrections import reverse
from ledger.services.infusions import record_infusion
from tests.support import Clinic


def _infuse(clinic: Clinic, at: datetime, patient: str) -> int:
    clock.set_clock(lambda: at)
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient=patient, vial="K-000001", drawn_ug=45_000,
        given_ug=40_000, wasted_ug=5_000, witness=clinic.witness("omar"),
    )  # fmt: skip
    return done.infusion_id


def _reverse(clinic: Clinic, infusion_id: int, at: datetime) -> None:
    clock.set_clock(lambda: at)
    with clinic.db.read() as s:
        first = s.exec(select(Movement).where(Movement.infusion_id == infusion_id)).first()
    assert first is not None and first.id is not None
    reverse(
        clinic.db, clinic.actor("drkim"), movement_id=first.id,
        reason="charted against the wrong patient", witness=clinic.witness("omar"),
    )  # fmt: skip


def test_todays_infusions_are_the_clinics_day_latest_first(clinic: Clinic) -> None:
    # Denver is UTC-7 in January: 06:30 UTC on the 6th is 23:30 on the 5th at the clinic.
    late_evening = _infuse(clinic, datetime(2026, 1, 6, 6, 30, tzinfo=UTC), "MRN1")
    morning = _infuse(clinic, datetime(2026, 1, 6, 16, 0, tzinfo=UTC), "MRN1")
    mid_morning = _infuse(clinic, datetime(2026, 1, 6, 17, 0, tzinfo=UTC), "MRN2")
    _reverse(clinic, mid_morning, datetime(2026, 1, 6, 18, 0, tzinfo=UTC))

    clock.set_clock(lambda: datetime(2026, 1, 7, 2, 0, tzinfo=UTC))  # 19:00 on the 6th
    listed = todays_infusions(clinic.db, clinic.actor("maria"))
    assert [t.id for t in listed] == [mid_morning, morning]
    assert late_evening not in [t.id for t in listed]
    first, second = listed
    assert (first.at.hour, first.at.minute, first.reversed) == (10, 0, True)
    with clinic.db.read() as s:
        name = s.exec(select(Patient.name).where(Patient.mrn == "MRN1")).one()
    assert (second.at.hour, second.patient, second.mrn, second.vial) == (
        9,
        name,
        "MRN1",
        "K-000001",
    )
    assert (second.given_ug, second.wasted_ug, second.nurse, second.witness) == (
        40_000,
        5_000,
        "nina",
        "omar",
    )
    assert not second.reversed and not second.late

    # The next morning: yesterday's infusion reversed today is not today's infusion.
    _reverse(clinic, morning, datetime(2026, 1, 7, 16, 0, tzinfo=UTC))
    assert todays_infusions(clinic.db, clinic.actor("maria")) == []


async def test_the_dashboard_lists_them_and_a_row_opens_the_vials_proof_of_use(
    sqlite_clinic: Clinic,
) -> None:
    from textual.widgets import DataTable

    from tests.test_tui import _dashboard_filled, _settle, _static_text, _tables_drawn
    from tui.app.vialbook_app import VialbookApp

    _infuse(sqlite_clinic, datetime(2026, 1, 6, 16, 0, tzinfo=UTC), "MRN1")
    clock.set_clock(lambda: datetime(2026, 1, 6, 17, 30, tzinfo=UTC))
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _dashboard_filled(app, pilot)
        await _tables_drawn(app, pilot, "#today")
        table = app.screen.query_one("#today", DataTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "09:00" and "MRN1" in row[1]
        assert row[2:6] == ["40", "5", "K-000001", "nina / omar"]
        assert "Today's infusions: 1, 40 mg given" in _static_text(app, "#today-title")
        table.focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "VialsScreen"
        await _tables_drawn(app, pilot, "#vial-history")
        history = app.screen.query_one("#vial-history", DataTable)
        kinds = [str(history.get_row_at(i)[2]) for i in range(history.row_count)]
        assert kinds == ["receive", "administer", "waste"]
