"""The idle lock on a shared workstation: the same nurse carries on with what she typed;
anyone else starts fresh and the unsaved form is never recorded under their name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import Input

from ledger import clock
from ledger.models import Infusion
from tests.support import Clinic, audit_rows, dump, pw
from tests.test_tui import _dashboard_filled, _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


class FakeClock:
    """The app's idle clock, moved on by the test instead of waiting minutes."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _app(clinic: Clinic, idle: FakeClock) -> VialbookApp:
    return VialbookApp(
        clinic.db, actor=clinic.actor("nina"), idle_after=timedelta(minutes=5), idle_clock=idle
    )


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        named = t in ("enter", "tab", "shift+tab", "ctrl+u")
        await pilot.press(*([t] if named else list(t)))
    await _settle(app, pilot)


def _screens(app: VialbookApp) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def _walk_away(app: VialbookApp, pilot, idle: FakeClock) -> None:  # type: ignore[no-untyped-def]
    idle.t += 4 * 60
    app.check_idle_lock()  # what the app's timer calls
    await _settle(app, pilot)
    assert _screens(app)[-1] == "InfusionScreen", "locked before the idle time"
    idle.t += 60
    app.check_idle_lock()
    await _settle(app, pilot)


async def test_the_same_nurse_unlocks_and_carries_on_with_what_she_typed(
    clinic: Clinic,
) -> None:
    idle = FakeClock()
    app = _app(clinic, idle)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "2")
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter")
        await _walk_away(app, pilot, idle)
        assert _screens(app)[-2:] == ["InfusionScreen", "LockScreen"]
        # Nothing of the form shows through the lock.
        assert "MRN1" not in app.export_screenshot()

        await _type(app, pilot, "not-her-password", "enter")
        assert _static_text(app, "#lock-error").startswith("WrongPassword: ")
        assert _screens(app)[-1] == "LockScreen"
        await _type(app, pilot, pw("nina"), "enter")
        assert _screens(app)[-1] == "InfusionScreen"
        form = {i.id: i.value for i in app.screen.query(Input)}
        assert (form["patient"], form["vial"], form["drawn"]) == ("MRN1", "K-000001", "45mg")
        assert app.focused is app.screen.query_one("#given", Input)

        await _type(app, pilot, "40mg", "enter", "5mg", "enter", "depression", "enter")
        await _type(app, pilot, "enter", "enter", "omar", "enter", pw("omar"), "enter")
        assert _screens(app)[-1] == "DashboardScreen"
    with clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None and (inf.given_ug, inf.wasted_ug) == (40_000, 5_000)
    trail = [r for r in audit_rows(clinic.db) if r[1].startswith("session.")]
    assert trail == [
        ("nina", "session.lock", "ok", None),
        ("nina", "session.unlock", "failed", "WrongPassword"),
        ("nina", "session.unlock", "ok", None),
    ]


async def test_another_user_logs_in_fresh_and_the_locked_form_is_discarded(
    sqlite_clinic: Clinic,
) -> None:
    idle = FakeClock()
    app = _app(sqlite_clinic, idle)
    before = dump(sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "2")
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter", "40mg")
        await _type(app, pilot, "enter", "5mg", "enter", "enter", "enter", "enter")
        await _type(app, pilot, "omar", "enter", pw("omar"))
        await _walk_away(app, pilot, idle)
        assert _screens(app)[-1] == "LockScreen"

        # Omar, at the same workstation: his own name and password.
        await _type(app, pilot, "shift+tab", "ctrl+u", "omar", "enter", pw("omar"), "enter")
        await _settle(app, pilot)
        assert _screens(app) == ["Screen", "DashboardScreen"]
        assert app.actor is not None and app.actor.username == "omar"
        assert app.sub_title.startswith("omar (nurse)")
        # Enter, again and again, records nothing: the form is gone.
        await _type(app, pilot, "enter", "enter")
    assert dump(sqlite_clinic.db) == before
    trail = [r for r in audit_rows(sqlite_clinic.db) if r[1].startswith("session.")]
    assert trail == [("nina", "session.lock", "ok", None), ("nina", "session.discard", "ok", None)]


async def test_the_idle_time_comes_from_the_clinic_settings(sqlite_clinic: Clinic) -> None:
    from ledger.services.settings import update_settings

    update_settings(sqlite_clinic.db, sqlite_clinic.actor("admin"), idle_lock_minutes=2)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert app.idle_after == timedelta(minutes=2)
        assert "Lock the screen" in [c.title for c in app.get_system_commands(app.screen)]


def test_lock_screen_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    clock.set_clock(lambda: MORNING)
    idle = FakeClock()
    app = _app(sqlite_clinic, idle)

    async def locked(pilot) -> None:  # type: ignore[no-untyped-def]
        await _dashboard_filled(app, pilot)
        app.lock_workstation()
        await _settle(app, pilot)
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=(120, 36), run_before=locked)
