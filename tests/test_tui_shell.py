"""The shell after login: areas by role, who is here in the title, log out, the palette."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger import clock
from tests.support import DEA, Clinic, pw
from tests.test_tui import _login, _settle
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def _palette(app: VialbookApp) -> list[str]:
    return [c.title for c in app.get_system_commands(app.screen)]


async def test_the_title_says_who_is_here_with_roles_registration_and_clinic_time(
    clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _login(app, pilot, "nina", pw("nina"))
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app.sub_title == f"nina (nurse) · {DEA}"
        assert app.title == "vialbook · Tue 06 Jan 10:00"
        assert app.screen.check_action("record_infusion", ())
        assert {"Infusion", "Ledger", "Check ledger", "Log out"} <= set(_palette(app))
        await pilot.press("2")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "InfusionScreen"


async def test_an_auditor_sees_no_infusion_entry_and_cannot_reach_it(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert app.sub_title.startswith("audrey (auditor) · ")
        assert not app.screen.check_action("record_infusion", ())
        assert "Infusion" not in _palette(app)
        assert "Ledger" in _palette(app)
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert "2,i" not in footer_keys
        await pilot.press("2", "i")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        await pilot.press("5")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LogScreen"


async def test_log_out_leaves_nothing_and_the_next_user_logs_in_fresh(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _login(app, pilot, "nina", pw("nina"))
        await _settle(app, pilot)
        await pilot.press("o")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert app.actor is None and app.sub_title == "Test Clinic"
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "LoginScreen"]
        await _login(app, pilot, "omar", pw("omar"))
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app.actor is not None and app.actor.username == "omar"
        assert app.sub_title.startswith("omar (nurse) · ")
