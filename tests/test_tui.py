"""The Textual app, driven through Pilot as a nurse would, against a real ledger file."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerCancelled

from ledger import clock
from ledger.database import open_database
from ledger.models import Infusion
from tests.support import Clinic, dump, pw
from tui.app.vialbook_app import VialbookApp


async def _settle(app: VialbookApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    for _ in range(10):
        try:
            await app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            # An exclusive worker was replaced by a newer one (a refresh after a recording):
            # wait for that one instead.
            await pilot.pause()
    await pilot.pause()


async def _tables_drawn(app: VialbookApp, pilot, *filled: str) -> None:  # type: ignore[no-untyped-def]
    """Until the named tables have rows and every table on screen has measured them.

    A DataTable adds rows at once but measures its columns and height when it is next idle;
    a picture taken in between shows the new rows under the old, narrower header."""
    for _ in range(50):
        await _settle(app, pilot)
        tables = list(app.screen.query(DataTable))
        # Textual has no public "measured" signal: the flag below is what its idle handler
        # clears once columns and height fit the rows.
        if all(app.screen.query_one(f, DataTable).row_count for f in filled) and not any(
            t._require_update_dimensions or t._updated_cells for t in tables
        ):
            return
    raise AssertionError(f"the tables {filled} never filled")


async def _dashboard_filled(app: VialbookApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the dashboard's stock table has its rows: a picture taken over it shows them."""
    for _ in range(50):
        await _settle(app, pilot)
        screen = app.screen
        if (
            type(screen).__name__ == "DashboardScreen"
            and screen.query_one("#products", DataTable).row_count
        ):
            return
    raise AssertionError("the dashboard never filled")


async def _login(app: VialbookApp, pilot, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    await _settle(app, pilot)  # the clinic's name is read in a worker before the login shows
    await pilot.click("#username")
    await pilot.press(*username, "enter", *password, "enter")
    await _settle(app, pilot)


def _row(table: DataTable, i: int) -> list[str]:  # type: ignore[type-arg]
    """A table row as the text it shows (cells reach the table as plain `Text`)."""
    return [str(c) for c in table.get_row_at(i)]


def _static_text(app: VialbookApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _type_infusion(app: VialbookApp, pilot, fields: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("i")
    await _settle(app, pilot)  # the form reads the clinic's clock in a worker
    for field, value in fields.items():
        app.screen.query_one(f"#{field}", Input).value = value


#: Filled in by the form when it opens (now, on the clinic's clock), not typed.
_FILLED_IN = {"started", "ended"}


def _typed(app: VialbookApp) -> dict[str, str]:
    return {
        i.id or "": i.value for i in app.screen.query(Input) if i.value and i.id not in _FILLED_IN
    }


def _notifications(app: VialbookApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def shared_clinic(sqlite_template: str, tmp_path: Path) -> Iterator[tuple[Clinic, Path]]:
    """A clinic whose ledger file sits in a shared folder that can drop off the network."""
    share = tmp_path / "share"
    share.mkdir()
    shutil.copyfile(sqlite_template, share / "ledger.db")
    db = open_database(str(share / "ledger.db"))
    yield Clinic(db), share
    db.dispose()


def _share_drops(clinic: Clinic, share: Path) -> Path:
    """The folder holding the ledger goes away: every new connection fails to open the file.

    (Renaming works even as root, where taking read permission away would not.)
    """
    clinic.db.dispose()
    return share.rename(share.with_name("share-offline"))


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
        rows = {_row(table, i)[1]: _row(table, i) for i in range(table.row_count)}
        assert rows["00409-2051-05"][2:] == ["2500", "50.00", "5", "0"]
        assert rows["00641-6057-10"][2:] == ["6", "6.00", "3", "0"]


async def test_a_nurse_records_an_infusion_from_the_form(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("i")
        await _settle(app, pilot)  # the form reads the clinic's clock in a worker
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
        assert str(table.get_row("00409-2051-05")[2]) == "2455"
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
        await _settle(app, pilot)  # the form reads the clinic's clock in a worker
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


async def test_the_app_outlives_a_database_failure_mid_infusion_and_prints_no_password(
    shared_clinic: tuple[Clinic, Path],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    clinic, share = shared_clinic
    # Anything the app writes to a relative path (a log file) lands here, and is read below.
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    secret = pw("omar")
    typed = {
        "patient": "MRN1",
        "vial": "K-000001",
        "drawn": "45mg",
        "given": "40mg",
        "wasted": "5mg",
        "protocol": "depression",
        "witness": "omar",
        "witness_password": secret,
    }
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await _type_infusion(app, pilot, typed)
        offline = _share_drops(clinic, share)
        await pilot.click("#record")
        await _settle(app, pilot)

        assert app.is_running and app.return_code is None
        assert type(app.screen).__name__ == "InfusionScreen"
        assert _typed(app) == typed
        reached = "The database could not be reached: unable to open database file"
        assert _static_text(app, "#infusion-error") == reached
        assert reached in _notifications(app)
        on_screen = app.export_screenshot()

        # The share comes back: the same form, Record again, and the infusion is in.
        offline.rename(share)
        # A button takes no click while its last press still shows (Textual's 0.2 s effect):
        # on a quick machine the second click came too soon and was dropped. Wait it out.
        record = app.screen.query_one("#record")
        while record.has_class("-active"):
            await pilot.pause(0.05)
        await pilot.click("#record")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert "Infusion 1 recorded" in _static_text(app, "#status")
    with clinic.db.read() as s:
        assert s.get(Infusion, 1).wasted_ug == 5_000

    clinic.db.dispose()
    out, err = capfd.readouterr()
    written = "\n".join([out, err, caplog.text, on_screen, *_notifications(app)])
    assert secret not in written
    assert "Traceback" not in written
    # Nor in any file: the ledger keeps only the witness's password hash.
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert share / "ledger.db" in files
    assert not [p for p in files if secret.encode() in p.read_bytes()]


async def test_a_login_while_the_database_is_away_says_so_and_keeps_the_username(
    shared_clinic: tuple[Clinic, Path],
) -> None:
    clinic, share = shared_clinic
    app = VialbookApp(clinic.db)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        offline = _share_drops(clinic, share)
        await _login(app, pilot, "nina", pw("nina"))
        reached = "The database could not be reached: unable to open database file"
        assert type(app.screen).__name__ == "LoginScreen"
        assert _static_text(app, "#login-error") == reached
        # Said once, under the fields where the nurse is looking: no toast saying it again.
        assert _notifications(app) == []
        assert app.screen.query_one("#username", Input).value == "nina"

        offline.rename(share)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"


async def test_the_witness_types_their_own_password_never_one_from_the_environment(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIALBOOK_WITNESS_PASSWORD", pw("omar"))
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("nina"))
    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        typed = {
            "patient": "MRN1",
            "vial": "K-000001",
            "drawn": "45mg",
            "given": "40mg",
            "wasted": "5mg",
            "witness": "omar",
        }
        await _type_infusion(app, pilot, typed)
        await pilot.click("#record")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "InfusionScreen"
        refusal = _static_text(app, "#infusion-error")
        assert refusal.startswith("WitnessNotAuthenticated: ")
        assert refusal in _notifications(app)
        assert _typed(app) == typed
    assert dump(sqlite_clinic.db) == before


async def test_the_log_opens_on_the_newest_entries_and_pages_back(
    sqlite_clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import log_screen

    monkeypatch.setattr(log_screen, "PAGE", 3)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))

    def ids() -> list[str]:
        table = app.screen.query_one("#log", DataTable)
        return [_row(table, i)[0] for i in range(table.row_count)]

    async with app.run_test(size=(110, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("l")
        await _settle(app, pilot)
        assert ids() == ["8", "7", "6"]
        assert _row(app.screen.query_one("#log", DataTable), 0)[2:4] == ["receive", "M-000003"]
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
    app = VialbookApp(sqlite_clinic.db)

    async def steady_cursor(pilot) -> None:  # type: ignore[no-untyped-def]
        # The cursor blinks every half second: on a busy machine the picture caught it off.
        await pilot.pause()
        assert type(app.screen).__name__ == "LoginScreen"
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=size, run_before=steady_cursor)


def test_dashboard_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    # The title shows the clinic's time: pinned, so the picture is the same at any hour.
    clock.set_clock(lambda: datetime(2026, 1, 6, 17, 0, tzinfo=UTC))
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def loaded(pilot) -> None:  # type: ignore[no-untyped-def]
        await _dashboard_filled(app, pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=loaded)
