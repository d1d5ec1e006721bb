"""The infusion form at speed: the nurse who knows the MRN, the vial the form suggests, the
residue it works out, the ordered dose, and a dose over the order confirmed with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Input, Static

from ledger import clock
from ledger.models import Infusion, Patient, User, Vial
from tests.support import Clinic, dump, pw
from tests.test_tui import _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


class Keys:
    """Presses keys through Pilot and counts them, by who is at the keyboard."""

    def __init__(self, app: VialbookApp, pilot) -> None:  # type: ignore[no-untyped-def]
        self.app, self.pilot = app, pilot
        self.count = {"nurse": 0, "witness": 0}

    async def type(self, who: str, *parts: str) -> None:
        for part in parts:
            keys = [part] if part in ("enter", "tab", "shift+tab") else list(part)
            self.count[who] += len(keys)
            await self.pilot.press(*keys)
        await _settle(self.app, self.pilot)


async def test_a_nurse_who_knows_the_mrn_records_an_infusion_in_under_30_key_presses(
    clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        keys = Keys(app, pilot)
        await keys.type("nurse", "2")
        await keys.type("nurse", "MRN1", "enter")
        # The vial the form suggests: no open vial yet, so the sealed one expiring first.
        assert "Draw from: K-000001 sealed" in _static_text(app, "#vial-hint")
        await keys.type("nurse", "enter", "45mg", "enter", "40mg", "enter")
        # Wasted is drawn − given, shown before anyone types it, and the sum with it.
        assert app.screen.query_one("#wasted", Input).placeholder.startswith("5mg")
        assert _static_text(app, "#balance-hint") == "45 mg drawn = 40 mg given + 5 mg wasted ✓"
        await keys.type("nurse", "enter", "d")
        assert _static_text(app, "#order-hint").startswith(
            "Ordered: 80 kg × 0.5 mg/kg = 40 mg over 40 min (depression)"
        )
        await keys.type("nurse", "enter", "enter", "enter")  # protocol; started and ended: now
        # No witness on the form, and a residue: Enter records, and the witness signs in a box
        # of their own, with their own name and password.
        await keys.type("nurse", "enter", "enter")
        assert type(app.screen).__name__ == "WitnessScreen"
        assert "5 mg wasted from the dose, by nina" in _static_text(app, "#witness-what")
        await keys.type("witness", "omar", "enter", pw("omar"), "enter")
        assert type(app.screen).__name__ == "DashboardScreen", _static_text(app, "#infusion-error")
        assert "recorded for Pat One (MRN1" in _static_text(app, "#status")

    assert keys.count["nurse"] == 24 < 30
    assert keys.count["witness"] == 20
    with clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
        who = (
            s.get(Patient, inf.patient_id).mrn,
            s.get(Vial, inf.vial_id).label,
            s.get(User, inf.witness_id).username,
        )
    assert who == ("MRN1", "K-000001", "omar")
    assert (inf.drawn_ug, inf.given_ug, inf.wasted_ug) == (45_000, 40_000, 5_000)
    assert (inf.protocol, inf.ordered_ug, inf.over_order) == ("depression", 40_000, False)


async def test_a_wrong_witness_password_in_the_box_is_refused_and_the_form_kept(
    sqlite_clinic: Clinic,
) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        keys = Keys(app, pilot)
        await keys.type("nurse", "2", "MRN1", "enter", "enter", "45mg", "enter", "40mg")
        await keys.type("nurse", *["enter"] * 7)
        assert type(app.screen).__name__ == "WitnessScreen"
        await keys.type("witness", "omar", "enter", "not-his-password", "enter")
        assert type(app.screen).__name__ == "InfusionScreen"
        assert _static_text(app, "#infusion-error").startswith("WitnessNotAuthenticated: ")
        assert app.screen.query_one("#given", Input).value == "40mg"
        # Escape in the box: back to the form, nothing recorded.
        await keys.type("nurse", "enter")
        assert type(app.screen).__name__ == "WitnessScreen"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert _static_text(app, "#infusion-error") == "Not recorded: no witness signed"
    assert dump(sqlite_clinic.db) == before


async def test_a_dose_over_the_order_asks_why_and_is_recorded_with_it(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        keys = Keys(app, pilot)
        # Found by name: the one patient called Pat O...
        await keys.type("nurse", "2", "pat o")
        assert str(app.screen.query_one("#patient-card", Static).render()).startswith(
            "Pat One · born 1980-01-01 · MRN1 · 80 kg on file"
        )
        await keys.type("nurse", "enter", "enter", "60mg", "enter", "60mg", "enter", "enter")
        await keys.type("nurse", "depression")
        order = app.screen.query_one("#order-hint", Static)
        assert "more than 10% above the order" in str(order.render())
        assert order.has_class("error")
        assert app.screen.query_one("#over_reason", Input).display
        # Recorded without saying why: refused, nothing written, and the form asks for it.
        await keys.type("nurse", "enter", "enter", "enter", "enter", "enter")
        assert _static_text(app, "#infusion-error").startswith("OverOrderNotConfirmed: ")
        assert app.focused is app.screen.query_one("#over_reason", Input)
        assert dump(sqlite_clinic.db) == before
        await keys.type("nurse", "prescriber raised the dose", "enter")
        await keys.type("nurse", *["enter"] * 6)
        assert type(app.screen).__name__ == "DashboardScreen", _static_text(app, "#infusion-error")
        assert "over the order, confirmed" in _static_text(app, "#status")
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
        assert s.get(Patient, inf.patient_id).mrn == "MRN1"
    assert (inf.given_ug, inf.wasted_ug, inf.ordered_ug) == (60_000, 0, 40_000)
    assert inf.over_order and inf.over_order_reason == "prescriber raised the dose"


async def test_the_over_order_reason_goes_away_when_the_dose_is_brought_back_to_the_order(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        keys = Keys(app, pilot)
        await keys.type("nurse", "2", "MRN1", "enter", "enter", "60mg", "enter", "60mg")
        await keys.type("nurse", "enter", "enter", "depression")
        reason = app.screen.query_one("#over_reason", Input)
        assert reason.display
        # Why, typed; then the nurse thinks better of the dose and gives the order instead.
        await keys.type("nurse", "shift+tab", "shift+tab", "prescriber raised it")
        await keys.type("nurse", "shift+tab")
        assert app.focused is app.screen.query_one("#given", Input)
        await pilot.press("ctrl+u")
        await keys.type("nurse", "40mg")
        assert not reason.display
        assert not app.screen.query_one("#order-hint", Static).has_class("error")
        # Enter passes the hidden field by, down to the witness for the 20 mg wasted.
        await keys.type("nurse", "enter")
        assert app.focused is app.screen.query_one("#wasted", Input)
        await keys.type("nurse", "enter", "enter", "enter", "enter", "omar", "enter")
        await keys.type("nurse", pw("omar"), "enter")
        assert type(app.screen).__name__ == "DashboardScreen", _static_text(app, "#infusion-error")
        assert "over the order" not in _static_text(app, "#status")
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, 1)
        assert inf is not None
    assert (inf.given_ug, inf.wasted_ug, inf.ordered_ug) == (40_000, 20_000, 40_000)
    assert not inf.over_order and inf.over_order_reason is None
