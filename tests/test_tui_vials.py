"""The vials screen: the list, its filters, a vial's proof of use, quarantine and release."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from textual.widgets import DataTable, Input

from ledger import clock
from ledger.models import Vial
from ledger.services.infusions import record_infusion
from ledger.services.quarantine import quarantine
from tests.support import Clinic, dump
from tests.test_tui import _settle, _static_text, _tables_drawn
from tui.app.vialbook_app import VialbookApp


def _column(app: VialbookApp, table_id: str, column: int) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in ("enter", "tab", "escape", "down") else list(t)))
    await _settle(app, pilot)


async def test_the_list_filters_shows_history_and_quarantines_then_releases(
    clinic: Clinic,
) -> None:
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "4")
        assert type(app.screen).__name__ == "VialsScreen"
        labels = _column(app, "#vials", 0)
        assert "K-000001" in labels and "M-000001" in labels
        # The open vial's proof of use: received, given, wasted, with the running balance.
        assert _column(app, "#vial-history", 2) == ["receive", "administer", "waste"]
        assert _column(app, "#vial-history", 4) == ["500", "460", "455"]

        app.screen.query_one("#product-filter", Input).focus()
        await _type(app, pilot, "midaz")
        assert {r for r in _column(app, "#vials", 1)} == {"Midazolam 1 mg/mL"}
        app.screen.query_one("#product-filter", Input).value = ""
        app.screen.query_one("#state-filter", Input).value = "open"
        await _settle(app, pilot)
        assert _column(app, "#vials", 0) == ["K-000001"]

        app.screen.query_one("#vials", DataTable).focus()
        await _type(app, pilot, "x")
        assert type(app.screen).__name__ == "ReasonScreen"
        await _type(app, pilot, "cracked stopper", "enter")
        assert "K-000001 is now quarantined" in _static_text(app, "#vials-status")
        app.screen.query_one("#state-filter", Input).value = "quar"
        await _settle(app, pilot)
        assert _column(app, "#vials", 0) == ["K-000001"]
        await _type(app, pilot, "u", "checked, intact", "enter")
        assert "K-000001 is now open" in _static_text(app, "#vials-status")
    with clinic.db.read() as s:
        v = s.exec(select(Vial).where(Vial.label == "K-000001")).one()
    assert v.state == "open"


async def test_a_nurse_is_not_offered_quarantine_and_escape_changes_nothing(
    sqlite_clinic: Clinic,
) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "4")
        assert not app.screen.check_action("quarantine", ())
        await _type(app, pilot, "x")
        assert type(app.screen).__name__ == "VialsScreen"
    app2 = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app2.run_test(size=(120, 36)) as pilot:
        await _settle(app2, pilot)
        await _type(app2, pilot, "4", "x", "no reason after all", "escape")
        assert type(app2.screen).__name__ == "VialsScreen"
    assert dump(sqlite_clinic.db) == before


def test_vials_screen_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    clock.set_clock(lambda: datetime(2026, 1, 6, 17, 0, tzinfo=UTC))
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def listed(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(app, pilot)
        await _type(app, pilot, "4")
        await _tables_drawn(app, pilot, "#vials", "#vial-history")
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=(120, 36), run_before=listed)


async def test_a_refused_quarantine_keeps_the_reason_typed(sqlite_clinic: Clinic) -> None:
    # Another workstation set the first vial aside a moment ago; this list still shows it.
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "4")
        assert _column(app, "#vials", 0)[0] == "K-000001"
        quarantine(
            sqlite_clinic.db, sqlite_clinic.actor("drkim"), vial="K-000001", reason="dropped"
        )
        before = dump(sqlite_clinic.db)
        await _type(app, pilot, "x", "cracked stopper", "enter")
        assert type(app.screen).__name__ == "ReasonScreen"
        assert "vial K-000001 is quarantined" in _static_text(app, "#reason-error")
        assert app.screen.query_one("#reason-text", Input).value == "cracked stopper"
        assert dump(sqlite_clinic.db) == before
