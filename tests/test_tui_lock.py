"""The idle lock on a shared workstation: the same nurse carries on with what she typed;
anyone else starts fresh and the unsaved form is never recorded under their name."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from textual.widgets import Button, Input

from ledger import clock
from ledger.models import Infusion, Patient, User
from tests.support import Clinic, audit_rows, dump, pw
from tests.test_tui import _dashboard_filled, _notifications, _settle, _static_text
from tui.app import infusion_screen, receive_screen, reverse_screen
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


# A save already running when the lock comes: it goes on under the nurse who pressed Record
# (she did, before the lock), but its outcome waits for her under the lock. It never lifts the
# lock, never shows her patient to the next person, and is never shown in someone else's session.


class HeldSave:
    """record_infusion held in its worker until the test lets it go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self.go = threading.Event()
        real = infusion_screen.record_infusion

        def held(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.started.set()
            assert self.go.wait(timeout=30)
            return real(*args, **kwargs)

        monkeypatch.setattr(infusion_screen, "record_infusion", held)


async def _record_and_lock(app: VialbookApp, pilot, held: HeldSave) -> None:  # type: ignore[no-untyped-def]
    await _settle(app, pilot)
    await _type(app, pilot, "2")
    await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter", "40mg")
    await _type(app, pilot, "enter", "5mg", "enter", "enter", "enter", "enter")
    await pilot.press(*"omar", "enter", *pw("omar"), "enter")
    assert held.started.wait(timeout=10), "the save did not start"
    app.lock_workstation()  # by hand, or the idle timer: the same call
    await pilot.pause()
    assert _screens(app)[-1] == "LockScreen"


def _recorded_by(clinic: Clinic) -> list[tuple[str, str]]:
    with clinic.db.read() as s:
        rows = s.exec(select(Infusion)).all()
        return [(s.get(User, r.actor_id).username, s.get(Patient, r.patient_id).mrn) for r in rows]


async def test_a_save_that_finishes_under_the_lock_is_shown_to_the_same_nurse_after_unlock(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldSave(monkeypatch)
    app = _app(sqlite_clinic, FakeClock())
    async with app.run_test(size=(120, 36)) as pilot:
        await _record_and_lock(app, pilot, held)
        held.go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        # Saved, and still locked: the outcome did not close the lock, nor show through it.
        assert _recorded_by(sqlite_clinic) == [("nina", "MRN1")]
        assert _screens(app)[-2:] == ["InfusionScreen", "LockScreen"], _screens(app)
        assert app.workstation_locked
        assert "Pat One" not in app.export_screenshot()
        await _type(app, pilot, pw("nina"), "enter")
        await _settle(app, pilot)
        assert _screens(app)[-1] == "DashboardScreen"
        assert _static_text(app, "#status").startswith("Infusion 1 recorded for Pat One")
        # The form is closed: Enter again records nothing more.
        await _type(app, pilot, "enter", "enter")
    assert _recorded_by(sqlite_clinic) == [("nina", "MRN1")]


@pytest.mark.parametrize("finishes", ["before omar logs in", "after omar logs in"])
async def test_a_save_running_at_the_lock_is_never_shown_in_the_next_users_session(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch, finishes: str
) -> None:
    held = HeldSave(monkeypatch)
    app = _app(sqlite_clinic, FakeClock())
    async with app.run_test(size=(120, 36)) as pilot:
        await _record_and_lock(app, pilot, held)
        if finishes == "before omar logs in":
            held.go.set()
            await _settle(app, pilot)
        await _type(app, pilot, "shift+tab", "ctrl+u", "omar", "enter", pw("omar"), "enter")
        held.go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert _screens(app) == ["Screen", "DashboardScreen"]
        assert app.actor is not None and app.actor.username == "omar"
        assert "Pat One" not in app.export_screenshot()
        assert "Pat One" not in _static_text(app, "#status")
    # Recorded once, under the nurse who pressed Record before the lock; never under Omar.
    assert _recorded_by(sqlite_clinic) == [("nina", "MRN1")]


async def test_a_save_not_yet_started_when_the_lock_comes_is_never_started_for_the_next_user(
    sqlite_clinic: Clinic,
) -> None:
    app = _app(sqlite_clinic, FakeClock())
    before = dump(sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "2")
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter", "40mg")
        await _type(app, pilot, "enter", "5mg", "enter", "enter", "enter", "enter")
        await _type(app, pilot, "omar", "enter", pw("omar"))
        # Record pressed, and the lock in the same instant: the save waits behind the typing.
        app.screen.query_one("#record", Button).press()
        app.lock_workstation()
        await _settle(app, pilot)
        assert _screens(app)[-1] == "LockScreen"
        assert dump(sqlite_clinic.db) == before  # nothing saved while nobody is logged in
        await _type(app, pilot, "shift+tab", "ctrl+u", "omar", "enter", pw("omar"), "enter")
        await _settle(app, pilot)
        assert _screens(app) == ["Screen", "DashboardScreen"]
    assert dump(sqlite_clinic.db) == before


async def test_a_receiving_refused_under_the_lock_is_told_to_the_same_user_after_unlock(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, go = threading.Event(), threading.Event()
    real = receive_screen.receive

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        assert go.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(receive_screen, "receive", held)
    app = VialbookApp(
        sqlite_clinic.db,
        actor=sqlite_clinic.actor("maria"),
        idle_after=timedelta(minutes=5),
        idle_clock=FakeClock(),
    )
    before = dump(sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "3", "Nobody Ltd", "enter", "INV-1", "enter", "enter")
        await _type(app, pilot, "00409-2051-05", "enter", "L1", "enter", "2027-06-30", "enter")
        await pilot.press("2", "enter")
        assert started.wait(timeout=10)
        app.lock_workstation()
        await pilot.pause()
        go.set()
        await _settle(app, pilot)
        # Nothing of the refusal over the lock: no notification, the lock still up.
        assert _screens(app)[-2:] == ["ReceiveScreen", "LockScreen"]
        assert "Nobody" not in app.export_screenshot() and _notifications(app) == []
        await _type(app, pilot, "ctrl+u", pw("maria"), "enter")
        await _settle(app, pilot)
        assert _screens(app)[-1] == "ReceiveScreen"
        assert _static_text(app, "#receive-error").startswith("UnknownRecord: ")
        assert app.screen.query_one("#lot", Input).value == "L1"  # the form kept
    assert dump(sqlite_clinic.db) == before


async def test_a_reversal_that_finishes_under_the_lock_never_lifts_it(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.services.infusions import record_infusion

    record_infusion(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=sqlite_clinic.witness("omar"),
    )
    started, go = threading.Event(), threading.Event()
    real = reverse_screen.reverse

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        assert go.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(reverse_screen, "reverse", held)
    app = VialbookApp(
        sqlite_clinic.db,
        actor=sqlite_clinic.actor("maria"),
        idle_after=timedelta(minutes=5),
        idle_clock=FakeClock(),
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        await _type(app, pilot, "v")
        assert _screens(app)[-1] == "ReverseScreen"
        await _type(app, pilot, "charted to the wrong chair", "enter", "omar", "enter")
        await pilot.press(*pw("omar"), "enter")
        assert started.wait(timeout=10)
        app.lock_workstation()
        await pilot.pause()
        go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert _screens(app)[-2:] == ["ReverseScreen", "LockScreen"], _screens(app)
        await _type(app, pilot, pw("maria"), "enter")
        await _settle(app, pilot)
        assert _screens(app)[-1] == "LogScreen"
        assert "reversed by" in _static_text(app, "#log-status")


async def test_the_lock_takes_typing_even_while_keys_were_held_for_another_screen(
    sqlite_clinic: Clinic,
) -> None:
    idle = FakeClock()
    app = _app(sqlite_clinic, idle)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        # Keys held for a screen on its way or a save's answer, and the lock comes first.
        app.hold_keys()
        app.lock_workstation()
        await _settle(app, pilot)
        await _type(app, pilot, pw("nina"), "enter")
        await _settle(app, pilot)
        assert _screens(app)[-1] == "DashboardScreen" and not app.workstation_locked
