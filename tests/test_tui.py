"""The Textual app, driven through Pilot as a nurse would, against a real ledger file."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from ledger.models import Infusion
from tests.support import Clinic, dump, pw
from tui.app.vialbook_app import VialbookApp


async def _settle(app: VialbookApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _login(app: VialbookApp, pilot, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.click("#username")
    await pilot.press(*username, "enter", *password, "enter")
    await _settle(app, pilot)


def _static_text(app: VialbookApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_wrong_password_is_shown_and_the_dashboard_stays_shut(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db)
    async with app.run_test(size=(110, 40)) as pilot:
        await _login(app, pilot, "nina", "not-right")
        assert "WrongPassword" in _static_text(app, "#login-error")
        assert type(app.screen).__name__ == "LoginScreen"


async def test_the_dashboard_shows_stock_from_the_ledger(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db)
    async with app.run_test(size=(110, 40)) as pilot:
        await _login(app, pilot, "nina", pw("nina"))
        table = app.screen.query_one("#products", DataTable)
        rows = {table.get_row_at(i)[1]: table.get_row_at(i) for i in range(table.row_count)}
        assert rows["00409-2051-05"][2:] == ["2500", "50.00", "5", "0"]
        assert rows["00641-6057-10"][2:] == ["6", "6.00", "3", "0"]


async def test_a_nurse_records_an_infusion_from_the_form(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        for field, value in [
            ("patient", "MRN1"),
            ("vial", "K-000001"),
            ("drawn", "0.9mL"),
            ("given", "40mg"),
            ("wasted", "5mg"),
            ("protocol", "depression"),
            ("witness", "omar"),
            ("witness_password", pw("omar")),
        ]:
            app.screen.query_one(f"#{field}", Input).value = value
        await pilot.click("#record")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert "Infusion 1 recorded" in _static_text(app, "#status")
        table = app.screen.query_one("#products", DataTable)
        assert table.get_row("00409-2051-05")[2] == "2455"
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, 1)
    assert (inf.drawn_ug, inf.given_ug, inf.wasted_ug) == (45_000, 40_000, 5_000)


async def test_a_refused_infusion_shows_the_rule_and_changes_nothing(
    sqlite_clinic: Clinic,
) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        for field, value in [
            ("patient", "MRN1"),
            ("vial", "K-000001"),
            ("drawn", "45mg"),
            ("given", "40mg"),
            ("wasted", "4mg"),
            ("witness", "omar"),
            ("witness_password", pw("omar")),
        ]:
            app.screen.query_one(f"#{field}", Input).value = value
        await pilot.click("#record")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "InfusionScreen"
        assert "MassBalanceBroken" in _static_text(app, "#infusion-error")
    assert dump(sqlite_clinic.db) == before


async def test_the_log_opens_on_the_newest_entries_and_pages_back(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import log_screen

    monkeypatch.setattr(log_screen, "PAGE", 3)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))

    def ids() -> list[str]:
        table = app.screen.query_one("#log", DataTable)
        return [table.get_row_at(i)[0] for i in range(table.row_count)]

    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("l")
        await _settle(app, pilot)
        assert ids() == ["8", "7", "6"]
        assert app.screen.query_one("#log", DataTable).get_row_at(0)[2:4] == ["receive", "M-000003"]
        await pilot.press("n")
        await _settle(app, pilot)
        assert ids() == ["5", "4", "3"]
        await pilot.press("n", "n")
        await _settle(app, pilot)
        assert ids() == ["2", "1"]
        await pilot.press("p")
        await _settle(app, pilot)
        assert ids() == ["5", "4", "3"]


@pytest.mark.parametrize("size", [(100, 30)])
def test_login_screen_snapshot(sqlite_clinic: Clinic, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(VialbookApp(sqlite_clinic.db), terminal_size=size)


def test_dashboard_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def loaded(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=loaded)
