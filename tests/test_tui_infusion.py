"""The infusion form at the chair: who the patient is, when it ran, and why it is late."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Input, Label, Static

from ledger import clock
from ledger.clock import as_utc
from ledger.models import Infusion
from tests.support import Clinic, dump, pw
from tests.test_tui import _dashboard_filled, _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


async def _open_form(app: VialbookApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await _settle(app, pilot)
    await pilot.press("i")
    await _settle(app, pilot)


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in ("enter", "tab", "ctrl+u") else list(t)))
    await _settle(app, pilot)


def _card(app: VialbookApp) -> Static:
    return app.screen.query_one("#patient-card", Static)


async def test_the_form_names_the_patient_and_records_a_late_infusion_with_its_times(
    clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        assert app.screen.query_one("#started", Input).value == "2026-01-06 10:00"
        assert app.screen.query_one("#ended", Input).value == "2026-01-06 10:00"
        assert not app.screen.query_one("#reason", Input).display

        await _type(app, pilot, "mrn1", "enter")
        card = str(_card(app).render())
        assert "Pat One · born 1980-01-01 · MRN1" in card
        assert "3 Elm St, Boulder" in card
        assert not _card(app).has_class("error")

        await _type(app, pilot, "K-000001", "enter", "45mg", "enter", "40mg", "enter")
        await _type(app, pilot, "5mg", "enter", "depression", "enter")
        # Charted after the session: it started at 9:30 and ended at 9:58.
        await _type(app, pilot, "ctrl+u", "2026-01-06 09:30", "enter")
        assert app.screen.query_one("#reason", Input).display
        assert app.screen.query_one("#reason-label", Label).display
        await _type(app, pilot, "ctrl+u", "2026-01-06 09:58", "enter")
        assert app.focused is app.screen.query_one("#reason", Input)
        await _type(app, pilot, "charted after the session", "enter")
        await _type(app, pilot, "omar", "enter", pw("omar"), "enter")
        await _settle(app, pilot)

        assert type(app.screen).__name__ == "DashboardScreen"
        status = app.screen.query_one("#status", Static)
        assert "recorded for Pat One (MRN1, born 1980-01-01)" in str(status.render())
        assert "late entry" in str(status.render())
        assert status.has_class("success") and not status.has_class("error")
    with clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
    assert as_utc(inf.started_at) == datetime(2026, 1, 6, 16, 30, tzinfo=UTC)
    assert as_utc(inf.ended_at) == datetime(2026, 1, 6, 16, 58, tzinfo=UTC)
    assert as_utc(inf.event_at) == datetime(2026, 1, 6, 16, 30, tzinfo=UTC)
    assert as_utc(inf.entered_at) == MORNING
    assert inf.late and inf.reason == "charted after the session"


async def test_a_start_left_as_filled_in_is_stamped_now_and_not_late(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN2", "enter", "K-000001", "enter", "45mg", "enter")
        await _type(app, pilot, "45mg", "enter", "0mg", "enter", "enter", "enter", "enter")
        await _type(app, pilot, "enter", "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
    assert as_utc(inf.event_at) == MORNING and not inf.late
    assert as_utc(inf.started_at) == MORNING == as_utc(inf.ended_at)


async def test_a_patient_without_an_address_is_shown_and_refused(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN3", "enter")
        card = str(_card(app).render())
        assert "No Address · born 1990-02-02 · MRN3" in card
        assert "No address on file" in card
        assert _card(app).has_class("error")
        await _type(app, pilot, "K-000001", "enter", "45mg", "enter", "45mg", "enter")
        await _type(app, pilot, "0mg", "enter", "enter", "enter", "enter", "enter", "enter")
        assert type(app.screen).__name__ == "InfusionScreen"
        assert _static_text(app, "#infusion-error").startswith("PatientAddressMissing: ")
        assert app.screen.query_one("#patient", Input).value == "MRN3"
    assert dump(sqlite_clinic.db) == before


async def test_an_unknown_mrn_is_said_before_anything_is_recorded(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN9", "enter")
        assert str(_card(app).render()).startswith("UnknownRecord: ")
        assert _card(app).has_class("error")


async def test_a_late_start_without_a_reason_is_refused_and_asks_for_it(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter")
        await _type(app, pilot, "45mg", "enter", "0mg", "enter", "enter")
        await _type(app, pilot, "ctrl+u", "2026-01-06 08:00", "enter", "enter", "enter")
        assert app.focused is app.screen.query_one("#witness", Input)
        await _type(app, pilot, "enter", "enter")
        assert _static_text(app, "#infusion-error").startswith("LateEntryNeedsReason: ")
        assert app.focused is app.screen.query_one("#reason", Input)
    assert dump(sqlite_clinic.db) == before


def test_infusion_screen_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))

    async def typed_mrn(pilot) -> None:  # type: ignore[no-untyped-def]
        await _dashboard_filled(app, pilot)
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN1", "enter")
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=(120, 36), run_before=typed_mrn)
