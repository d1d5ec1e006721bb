"""Typing at a barcode scanner's pace: every key lands in the field it was typed for."""

from __future__ import annotations

import threading

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from ledger.models import Infusion, Patient, User, Vial
from tests.support import Clinic, pw
from tests.test_tui import _notifications, _settle
from tui.app import ledger_loading
from tui.app.vialbook_app import VialbookApp


def _keys(*parts: str) -> list[str]:
    """Text and named keys ("enter", "tab") as one stream of key names."""
    out: list[str] = []
    for part in parts:
        if part in ("enter", "ctrl+j", "tab", "shift+tab"):
            out.append(part)
        else:
            out.extend(part)
    return out


def _scan(app: VialbookApp, keys: list[str]) -> None:
    """Every key queued at once, as a scanner delivers them: no pause for the app to catch up.

    (Pilot.press waits for the app to go idle after each key, which hides the race.)
    """
    assert app._driver is not None
    for key in keys:
        name = key if len(key) > 1 or key.isalnum() else _character_to_key(key)
        char = {"enter": "\r", "ctrl+j": "\n", "tab": "\t"}.get(key, key if len(key) == 1 else None)
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_whole_infusion_typed_at_scanner_speed_lands_field_by_field(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await _settle(app, pilot)
        _scan(
            app,
            _keys(
                "MRN1",
                "enter",
                "K-000001",
                "enter",
                "0.9mL",
                "tab",
                "40mg",
                "enter",
                "5mg",
                "enter",
                "depression",
                "enter",
                "enter",  # started: now, as filled in
                "enter",  # ended: now
                "omar",
                "tab",
                pw("omar"),
                "enter",
            ),
        )
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen", (
            str({i.id: i.value for i in app.screen.query(Input)}),
            _notifications(app),
        )
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
        patient = s.get(Patient, inf.patient_id)
        vial = s.get(Vial, inf.vial_id)
        witness = s.get(User, inf.witness_id)
        assert (patient.mrn, vial.label, witness.username) == ("MRN1", "K-000001", "omar")
    assert (inf.drawn_ug, inf.given_ug, inf.wasted_ug) == (45_000, 40_000, 5_000)
    assert inf.protocol == "depression"


# Enter typed before the terminal leaves line mode arrives as a newline (ctrl+j).
@pytest.mark.parametrize("enter", ["enter", "ctrl+j"])
async def test_keys_typed_before_the_login_screen_appears_are_kept_in_order(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch, enter: str
) -> None:
    # The clinic's name is read from a slow database: the ledger is still loading behind
    # the login while the nurse types her username, Tab, her password and Enter.
    reached = threading.Event()
    go = threading.Event()
    real = ledger_loading.clinic_settings

    def slow(session):  # type: ignore[no-untyped-def]
        reached.set()
        go.wait(timeout=30)
        return real(session)

    monkeypatch.setattr(ledger_loading, "clinic_settings", slow)
    app = VialbookApp(sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        _scan(app, _keys("nina", "tab", pw("nina"), enter))
        await pilot.pause()
        go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app.actor is not None and app.actor.username == "nina"
