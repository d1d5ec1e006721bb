"""Typing at a barcode scanner's pace: every key lands in the field it was typed for."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from ledger import clock
from ledger.models import Infusion, Patient, Receipt, User, Vial
from tests.support import Clinic, pw
from tests.test_tui import _notifications, _settle
from tui.app import ledger_loading
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


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


# Editing keys are bindings of the field, not characters: Textual resolves them against the
# field focused when the key reaches the app's binding check, which at a scanner's pace is
# after Enter has moved on. Each must still edit the field it was typed in.
EDITS = ("backspace", "ctrl+u", "ctrl+w", "delete", "home", "end", "left", "right")


def _edit_keys(*parts: str) -> list[str]:
    out: list[str] = []
    for part in parts:
        out.extend([part] if part in EDITS or part in ("enter", "tab") else list(part))
    return out


def _scan_edits(app: VialbookApp, keys: list[str]) -> None:
    assert app._driver is not None
    for key in keys:
        if key in EDITS:
            event = events.Key(key, None)
            event.set_sender(app)
            app._driver.send_message(event)
        else:
            _scan(app, [key])


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_editing_keys_at_scanner_speed_edit_the_field_they_were_typed_in(
    sqlite_clinic: Clinic, size: tuple[int, int]
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await _settle(app, pilot)
        _scan_edits(
            app,
            _edit_keys(
                "MRN1X",
                "backspace",  # the stray X, not the vial's first letter
                "enter",
                "K-000009",
                "ctrl+u",  # the wrong vial scanned: all of it goes, nothing of the drawn
                "K-000001",
                "enter",
                "45mg",
                "home",
                "right",
                "delete",  # the 5 goes, and is typed back in its place: 45mg again
                "5",
                "end",
                "enter",
                "40mgg",
                "backspace",
                "enter",
                "5mg",
                "enter",
                "depression",
                "ctrl+w",  # a word too many: cleared, then typed again
                "depression",
                "enter",
                "enter",
                "enter",
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


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_editing_keys_at_scanner_speed_on_the_receive_form(
    sqlite_clinic: Clinic, size: tuple[int, int]
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        await pilot.press("3")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ReceiveScreen"
        _scan_edits(
            app,
            _edit_keys(
                "Henry ScheinX",
                "backspace",
                "enter",
                "INV-77",
                "enter",
                "enter",  # received: now, as filled in
                "00409-0000-00",
                "ctrl+u",  # the wrong NDC: gone, and the lot untouched
                "00409-2051-05",
                "enter",
                "LOT9",
                "enter",
                "2027-06-30",
                "enter",
                "33",
                "backspace",
                "enter",
            ),
        )
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert "Write on the vials" in str(app.screen.query_one("#receive-labels").render()), (
            str({i.id: i.value for i in app.screen.query(Input)}),
            _notifications(app),
        )
    with sqlite_clinic.db.read() as s:
        receipt = s.exec(select(Receipt).where(Receipt.invoice_number == "INV-77")).one()
        new = s.exec(select(Vial).where(Vial.receipt_id == receipt.id)).all()
    assert receipt.lot == "LOT9" and receipt.supplier_id is not None
    assert [(v.lot, v.expires) for v in new] == [("LOT9", date(2027, 6, 30))] * 3


async def test_a_late_start_typed_at_scanner_speed_puts_the_reason_in_why_late(
    sqlite_clinic: Clinic,
) -> None:
    # "Why late" is shown only once the form has read the start time typed: Enter on the end
    # time must wait for that, or the reason lands in the witness's username.
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await _settle(app, pilot)
        _scan_edits(
            app,
            _edit_keys(
                "MRN1",
                "enter",
                "K-000001",
                "enter",
                "45mg",
                "enter",
                "40mg",
                "enter",
                "5mg",
                "enter",
                "depression",
                "enter",
                "ctrl+u",
                "2026-01-06 09:30",
                "enter",
                "ctrl+u",
                "2026-01-06 09:58",
                "enter",
                "charted after the session",
                "enter",
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
        witness = s.get(User, inf.witness_id)
    assert inf.late and inf.reason == "charted after the session"
    assert witness.username == "omar"
    assert inf.started_at is not None
    assert inf.started_at.replace(tzinfo=UTC) == datetime(2026, 1, 6, 16, 30, tzinfo=UTC)


# -- a vial label scanned on the dashboard -----------------------------------------------------


def _typed_at(app: VialbookApp, keys: list[str], seconds_apart: float) -> None:
    """Keys as the terminal delivers them, each `seconds_apart` after the one before (their
    own times, which the app reads the pace off: no test waits)."""
    assert app._driver is not None
    start = app.screen.scan.last_at + 10.0  # well after anything typed before
    for n, key in enumerate(keys):
        name = key if len(key) > 1 or key.isalnum() else _character_to_key(key)
        char = {"enter": "\r"}.get(key, key if len(key) == 1 else None)
        event = events.Key(name, char)
        event.time = start + n * seconds_apart
        event.set_sender(app)
        app._driver.send_message(event)


def _vials_cursor(app: VialbookApp) -> str:
    from textual.widgets import DataTable

    table = app.screen.query_one("#vials", DataTable)
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_a_vial_label_scanned_on_the_dashboard_opens_that_vial(
    sqlite_clinic: Clinic,
) -> None:
    # Its digits are area keys on the dashboard (3 receive, 4 vials): a scan must not be.
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        _scan(app, _keys("K-000003", "enter"))
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "DashboardScreen",
            "VialsScreen",
        ]
        assert _vials_cursor(app) == "K-000003"
        assert "Proof of use: K-000003" in str(app.screen.query_one("#vial-title").render())


async def test_a_scanned_label_no_vial_has_is_said_and_opens_nothing(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        _scan(app, _keys("K-2026-0913", "enter"))
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["DashboardScreen"]
        said = "UnknownRecord: no vial has the label 'K-2026-0913'"
        assert said in _notifications(app)


async def test_a_scanned_vial_that_is_used_up_opens_its_movements_in_the_ledger(
    sqlite_clinic: Clinic,
) -> None:
    from textual.widgets import DataTable

    from ledger.services import disposal

    disposal.record_breakage(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        vial="K-000004",
        amount_ug=None,
        reason="dropped on the floor",
        witness=sqlite_clinic.witness("omar"),
    )
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        _scan(app, _keys("K-000004", "enter"))
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LogScreen"
        assert app.screen.query_one("#f-vial", Input).value == "K-000004"
        table = app.screen.query_one("#log", DataTable)
        kinds = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert kinds == ["breakage", "receive"]


async def test_keys_typed_at_a_persons_pace_still_open_the_areas(sqlite_clinic: Clinic) -> None:
    # A stray capital, then "4" a moment later: the vials open, as the key says.
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        _typed_at(app, ["K", "4"], seconds_apart=0.3)
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "VialsScreen"


async def test_a_label_typed_by_hand_then_enter_is_no_scan(sqlite_clinic: Clinic) -> None:
    # At a person's pace the digits are area keys: "K-3" opens Receive, as it always did.
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        _typed_at(app, ["K", "-", "3"], seconds_apart=0.2)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ReceiveScreen"
