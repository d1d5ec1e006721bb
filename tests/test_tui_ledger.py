"""The ledger browser: newest first, filtered, paged by keyset; a reversal from a movement."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from textual.widgets import DataTable, Input

from ledger import clock
from ledger.models import Movement, MovementKind, User
from ledger.services.infusions import record_infusion
from tests.support import Clinic, dump, pw
from tests.test_tui import _row, _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def _column(app: VialbookApp, column: int) -> list[str]:
    table = app.screen.query_one("#log", DataTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        named = t in ("enter", "tab", "escape", "down", "slash")
        await pilot.press(*([t] if named else list(t)))
    await _settle(app, pilot)


def _infusion(clinic: Clinic) -> None:
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


async def test_a_manager_filters_to_the_dose_and_reverses_it_with_a_witness(
    clinic: Clinic,
) -> None:
    clock.set_clock(lambda: MORNING)
    _infusion(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        assert type(app.screen).__name__ == "LogScreen"
        # Newest first: the infusion's waste and dose, then the deliveries.
        assert _column(app, 0) == ["10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]
        assert _column(app, 2)[:3] == ["waste", "administer", "receive"]
        await _type(app, pilot, "slash", "administer", "tab", "tab", "tab", "MRN1", "enter")
        assert _column(app, 2) == ["administer"]
        assert _column(app, 8) == ["MRN1"]

        await _type(app, pilot, "v")
        assert type(app.screen).__name__ == "ReverseScreen"
        await _type(app, pilot, "charted to the wrong chair", "enter", "omar", "enter")
        await _type(app, pilot, pw("omar"), "enter")
        assert type(app.screen).__name__ == "LogScreen"
        assert "reversed by" in _static_text(app, "#log-status")
        assert _column(app, 9)[0].startswith("reversed by #")
    with clinic.db.read() as s:
        given = s.exec(select(Movement).where(Movement.kind == MovementKind.ADMINISTER)).one()
        answers = s.exec(select(Movement).where(Movement.kind == MovementKind.REVERSAL)).all()
        maria = s.exec(select(User).where(User.username == "maria")).one()
        omar = s.exec(select(User).where(User.username == "omar")).one()
    # The dose and its waste are reversed together: the infusion stays in mass balance.
    assert given.id in {a.original_id for a in answers} and len(answers) == 2
    assert {a.amount_ug for a in answers} == {40_000, 5_000}
    assert {(a.actor_id, a.witness_id, a.reason) for a in answers} == {
        (maria.id, omar.id, "charted to the wrong chair")
    }


async def test_a_wrong_witness_password_keeps_the_reason_and_records_nothing(
    sqlite_clinic: Clinic,
) -> None:
    _infusion(sqlite_clinic)
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5", "v", "typo in the dose", "enter", "omar", "enter")
        await _type(app, pilot, "not-his-password", "enter")
        assert type(app.screen).__name__ == "ReverseScreen"
        assert _static_text(app, "#reverse-error").startswith("WitnessNotAuthenticated")
        fields = {i.id: i.value for i in app.screen.query(Input)}
        assert fields == {
            "reverse-reason": "typo in the dose",
            "reverse-witness": "omar",
            "reverse-password": "",
        }
        await _type(app, pilot, "escape")
        assert type(app.screen).__name__ == "LogScreen"
    assert dump(sqlite_clinic.db) == before


async def test_the_browser_pages_by_keyset_and_says_an_unknown_filter(
    sqlite_clinic: Clinic, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tui.app import log_screen

    monkeypatch.setattr(log_screen, "PAGE", 3)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        assert _column(app, 0) == ["8", "7", "6"]
        await _type(app, pilot, "n")
        assert _column(app, 0) == ["5", "4", "3"]
        await _type(app, pilot, "slash", "tab", "Midazolam", "enter")
        assert _column(app, 0) == ["8", "7", "6"]
        assert set(_column(app, 3)) == {"M-000003", "M-000002", "M-000001"}
        await _type(app, pilot, "n")
        assert "Nothing older" in _static_text(app, "#log-status")
        await _type(app, pilot, "slash", "tab", "tab", "tab", "tab", "nobody", "enter")
        assert "UnknownRecord: no user 'nobody'" in _static_text(app, "#log-status")


async def test_an_auditor_sees_no_reverse_and_no_admin(sqlite_clinic: Clinic) -> None:
    _infusion(sqlite_clinic)
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert "Admin" not in palette and "Exports" in palette and "Ledger" in palette
        await _type(app, pilot, "7")
        assert type(app.screen).__name__ == "DashboardScreen"
        await _type(app, pilot, "5")
        assert not app.screen.check_action("reverse", ())
        assert "Reverse" not in {c.title for c in app.get_system_commands(app.screen)}
        footer = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "reverse" not in footer
        await _type(app, pilot, "v")
        assert type(app.screen).__name__ == "LogScreen"
        # Typed in a filter, the key is only a letter.
        await _type(app, pilot, "slash", "v")
        assert app.screen.query_one("#f-kind", Input).value == "v"
    assert dump(sqlite_clinic.db) == before


def test_ledger_browser_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    # The title shows the clinic's time: pinned, so the picture is the same at any hour.
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def browsing(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        assert type(app.screen).__name__ == "LogScreen"
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=(120, 36), run_before=browsing)


async def test_at_80_columns_the_browser_needs_no_sideways_scrolling(clinic: Clinic) -> None:
    clock.set_clock(lambda: MORNING)
    _infusion(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        await _settle(app, pilot)
        table = app.screen.query_one("#log", DataTable)
        # Every column in view: nothing hidden to the right of the screen.
        assert table.max_scroll_x == 0, table.virtual_size
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["When", "Kind", "Vial", "mg", "By/witness", "Patient", "Note"]
        # The waste, newest: who, the witness, the patient, when (the clinic's clock).
        assert _row(table, 0) == [
            "01-06 10:00",
            "waste",
            "K-000001",
            "-5",
            "nina/omar",
            "MRN1",
            "",
        ]
        # What the row leaves out is in the line under the table, for the highlighted one.
        detail = _static_text(app, "#log-detail")
        assert detail.startswith("#10 waste of Ketamine 50 mg/mL · 2026-01-06 10:00")
        assert "455 mg left" in detail and "by nina, witness omar" in detail
        assert "patient MRN1" in detail
        # Reversed from here, the row says so in a word and the line names the reversal.
        await _type(app, pilot, "down", "v")
        assert type(app.screen).__name__ == "ReverseScreen"
        await _type(app, pilot, "charted to the wrong chair", "enter", "omar", "enter")
        await _type(app, pilot, pw("omar"), "enter")
        assert type(app.screen).__name__ == "LogScreen"
        await _settle(app, pilot)
        assert _column(app, 1)[:2] == ["reversal", "reversal"]
        assert _column(app, 6).count("reversed") == 2, _column(app, 6)
        assert "reverses #" in _static_text(app, "#log-detail")
        assert table.max_scroll_x == 0
        # Wider again, the full table comes back.
        await pilot.resize_terminal(120, 36)
        await _settle(app, pilot)
        assert [str(c.label) for c in table.columns.values()][0] == "#"
        assert _column(app, 0)[0] == "12"


async def test_keys_typed_while_a_filtered_page_is_read_act_on_that_page(
    sqlite_clinic: Clinic, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from tests.test_tui_scanner import _keys, _scan
    from tui.app import log_screen

    # The filtered page takes its time coming (a big ledger, a busy server): Down, Down typed
    # meanwhile must move down the page asked for, not the one it replaces.
    go = threading.Event()
    real = log_screen.movement_page

    def slow(db, actor, narrowed, **kw):  # type: ignore[no-untyped-def]
        if narrowed.kind:
            go.wait(timeout=30)
        return real(db, actor, narrowed, **kw)

    monkeypatch.setattr(log_screen, "movement_page", slow)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "5")
        assert _column(app, 0)[:3] == ["8", "7", "6"]
        _scan(app, ["slash", *_keys("receive", "enter"), "down", "down"])
        await pilot.pause()
        await pilot.pause()
        go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        table = app.screen.query_one("#log", DataTable)
        assert _column(app, 2)[:3] == ["receive"] * 3
        assert table.cursor_row == 2
        assert _row(table, 2)[0] == _column(app, 0)[2]
        # The line under the table is the highlighted movement's: the third receipt's.
        assert _static_text(app, "#log-detail").startswith(f"#{_row(table, 2)[0]} receive ")


async def test_keys_typed_right_after_opening_the_ledger_act_on_its_first_page(
    sqlite_clinic: Clinic, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from tests.test_tui_scanner import _scan
    from tui.app import log_screen

    go = threading.Event()
    real = log_screen.movement_page

    def slow(*args, **kw):  # type: ignore[no-untyped-def]
        go.wait(timeout=30)
        return real(*args, **kw)

    monkeypatch.setattr(log_screen, "movement_page", slow)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        _scan(app, ["5", "down", "down", "down"])
        await pilot.pause()
        await pilot.pause()
        go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        table = app.screen.query_one("#log", DataTable)
        assert table.cursor_row == 3
        assert _static_text(app, "#log-detail").startswith("#5 receive ")
