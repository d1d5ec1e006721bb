"""The infusion form names its rendering provider and billed service, when they are not the
usual ones: reached with Tab, passed by Enter, refused by the ledger's own rule."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from textual.widgets import Input

from ledger import clock
from ledger.models import Infusion, PendingCharge, User
from ledger.services import users
from ledger.services.billing import prices
from tests.support import Clinic, dump, pw
from tests.test_tui import _settle, _static_text
from tests.test_tui_infusion import MORNING, _open_form
from tui.app.vialbook_app import VialbookApp

#: A valid NPI (Luhn check with the 80840 prefix), the one the CLI test gives Dr Kim.
KIM_NPI = "1245319599"


def _priced(clinic: Clinic) -> None:
    """The clinic bills through vialbook: the default service and a booster, priced today."""
    bella = clinic.actor("bella")
    prices.set_price(clinic.db, bella, code="MOOD", description="Mood infusion",
                     price_cents=45_000, effective_from=date(2026, 1, 6))  # fmt: skip
    prices.set_price(clinic.db, bella, code="BOOSTER", description="Booster infusion",
                     price_cents=40_000, effective_from=date(2026, 1, 6))  # fmt: skip


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in ("enter", "tab", "shift+tab") else list(t)))
    await _settle(app, pilot)


def _field(app: VialbookApp, key: str) -> Input:
    return app.screen.query_one(f"#{key}", Input)


async def test_an_infusion_naming_its_provider_and_service_records_them(clinic: Clinic) -> None:
    clock.set_clock(lambda: MORNING)
    users.set_npi(clinic.db, clinic.actor("admin"), "drkim", KIM_NPI)
    _priced(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter")
        await _type(app, pilot, "40mg", "enter", "5mg", "enter", "depression")
        # Tab past the weight (the one on file serves) to the provider, then the service.
        await _type(app, pilot, "tab", "tab")
        assert app.focused is _field(app, "provider")
        await _type(app, pilot, "drkim", "tab", "booster", "enter")
        # Enter in a field it otherwise passes moves on, down the form; it does not record.
        assert app.focused is _field(app, "started")
        await _type(app, pilot, "enter", "enter", "omar", "enter", pw("omar"), "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
    with clinic.db.read() as s:
        inf = s.exec(select(Infusion)).one()
        kim = s.exec(select(User).where(User.username == "drkim")).one()
        charge = s.exec(select(PendingCharge).where(PendingCharge.infusion_id == inf.id)).one()
        assert inf.rendering_provider_id == kim.id
        # Named, the service is what is billed (the protocol alone would bill MOOD).
        assert charge.code == "BOOSTER"
        assert (inf.given_ug, inf.wasted_ug, inf.protocol) == (40_000, 5_000, "depression")


async def test_enter_at_the_usual_pace_passes_both_and_the_director_renders_it(
    sqlite_clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    _priced(sqlite_clinic)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "40mg", "enter")
        await _type(app, pilot, "40mg", "enter", "0mg", "enter", "depression", "enter")
        assert app.focused is _field(app, "started")
        # Started, ended, witness, witness password (none: nothing wasted): recorded.
        await _type(app, pilot, "enter", "enter", "enter", "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
    with sqlite_clinic.db.read() as s:
        inf = s.exec(select(Infusion)).one()
        charge = s.exec(select(PendingCharge).where(PendingCharge.infusion_id == inf.id)).one()
    assert inf.rendering_provider_id is None  # the medical director, as before
    assert charge.code == "MOOD"


@pytest.mark.parametrize(
    ("provider", "rule"),
    [
        ("omar", "RenderingProviderNotEligible"),  # a nurse with no NPI: no superbill prints him
        ("drnobody", "UnknownUser"),
    ],
)
async def test_a_provider_who_cannot_render_is_refused_and_the_form_kept(
    clinic: Clinic, provider: str, rule: str
) -> None:
    clock.set_clock(lambda: MORNING)
    before = dump(clinic.db)
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_form(app, pilot)
        await _type(app, pilot, "MRN1", "enter", "K-000001", "enter", "45mg", "enter")
        await _type(app, pilot, "40mg", "enter", "5mg", "enter", "depression", "tab", "80kg")
        # Enter from the weight, reached with Tab, moves on rather than recording the form.
        await _type(app, pilot, "enter")
        assert app.focused is _field(app, "started")
        await _type(app, pilot, "shift+tab", "shift+tab")
        assert app.focused is _field(app, "provider")
        await _type(app, pilot, provider, "tab", "BOOSTER", "enter", "enter", "enter")
        await _type(app, pilot, "omar", "enter", pw("omar"), "enter")
        assert type(app.screen).__name__ == "InfusionScreen"
        assert _static_text(app, "#infusion-error").startswith(f"{rule}: ")
        assert app.focused is _field(app, "provider")
        kept = {key: _field(app, key).value for key in (
            "patient", "vial", "drawn", "given", "wasted", "protocol", "weight", "provider",
            "service", "witness",
        )}  # fmt: skip
        assert kept == {
            "patient": "MRN1", "vial": "K-000001", "drawn": "45mg", "given": "40mg",
            "wasted": "5mg", "protocol": "depression", "weight": "80kg", "provider": provider,
            "service": "BOOSTER", "witness": "omar",
        }  # fmt: skip
        # The witness signs again for the next attempt.
        assert _field(app, "witness_password").value == ""
    assert dump(clinic.db) == before
