"""The app's start: the login screen is up and taking keys before the ledger is open.

The ledger (SQLAlchemy, the models, the engine, argon2) loads in a worker behind the login;
these tests hold that worker back and type as a nurse does.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from textual.widgets import Input, Static

from ledger.database import Database
from tests.support import Clinic, pw
from tests.test_tui import _notifications, _settle
from tests.test_tui_scanner import _keys, _scan
from tui.app.vialbook_app import VialbookApp
from tui.cli.common import open_db


def test_the_login_screen_loads_nothing_of_the_ledger() -> None:
    # A fresh interpreter: what the app imports before the login is on screen.
    code = (
        "import sys\n"
        "import tui.app.vialbook_app, tui.app.login_screen\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}\n"
        "               & {'sqlalchemy', 'sqlmodel', 'pydantic', 'argon2', 'ledger'})\n"
        "print(','.join(heavy))\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


async def test_a_login_typed_before_the_ledger_is_open_waits_for_it(
    sqlite_clinic: Clinic,
) -> None:
    go = threading.Event()

    def slow_open() -> Database:
        go.wait(timeout=30)
        return sqlite_clinic.db

    app = VialbookApp(open_db=slow_open)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "LoginScreen"
        _scan(app, _keys("nina", "tab", pw("nina"), "enter"))
        await pilot.pause()
        await pilot.pause()
        # Still checking: the ledger is not open yet, and nothing typed went astray.
        assert type(app.screen).__name__ == "LoginScreen"
        assert app.screen.query_one("#username", Input).value == "nina"
        assert app.screen.query_one("#password", Input).value == pw("nina")
        go.set()
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        assert app.actor is not None and app.actor.username == "nina"
        assert app.clinic_name == "Test Clinic"


async def test_a_ledger_that_cannot_be_opened_is_said_on_the_login(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-ledger.db"
    empty.touch()
    app = VialbookApp(open_db=lambda: open_db(str(empty)))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        _scan(app, _keys("nina", "tab", "whatever", "enter"))
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        said = str(app.screen.query_one("#login-error", Static).render())
        assert said.startswith("DatabaseNotInitialised: ")
        assert "vialbook init" in said
        # Said once, on the login's own line: no toast saying it again.
        assert _notifications(app) == []
        assert app.actor is None


async def test_a_ledger_behind_the_program_is_said_once_on_the_login(tmp_path: Path) -> None:
    from ledger import schema
    from ledger.database import open_database

    old = tmp_path / "old.db"
    database = open_database(str(old))
    schema.upgrade(database, "0001")
    database.dispose()
    app = VialbookApp(open_db=lambda: open_db(str(old)))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        # As soon as the ledger is found out of date, before anyone presses Enter, and with
        # the focus left in the username where the nurse is typing.
        line = app.screen.query_one("#login-error", Static)
        said = str(line.render())
        assert said.startswith("DatabaseOutOfDate: ") and "vialbook db upgrade" in said
        assert app.screen.focused is app.screen.query_one("#username", Input)
        _scan(app, _keys("nina", "tab", pw("nina"), "enter"))
        await _settle(app, pilot)
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LoginScreen"
        assert str(line.render()) == said
        assert _notifications(app) == []
        # On the screen once: the line (its words wrap in the box), no toast over it.
        assert app.export_screenshot().count("DatabaseOutOfDate") == 1


async def test_the_dashboard_opens_filled_with_what_the_login_read(
    sqlite_clinic: Clinic, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Read right after the password, before the dashboard is on screen: the screen's first
    frame has its sections, and it starts no reading worker of its own (which would take
    turns at the interpreter with Textual laying the new screen out)."""
    from textual.widgets import DataTable

    from tests.test_tui import _dashboard_filled
    from tui.app.dashboard_screen import DashboardScreen

    reads: list[str] = []
    monkeypatch.setattr(DashboardScreen, "_load", lambda self: reads.append("sections"))
    monkeypatch.setattr(DashboardScreen, "_who", lambda self: reads.append("who"))
    app = VialbookApp(open_db=lambda: sqlite_clinic.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        _scan(app, _keys("nina", "tab", pw("nina"), "enter"))
        await _dashboard_filled(app, pilot)
        screen = app.screen
        assert reads == []
        assert screen.query_one("#products", DataTable).row_count > 0
        assert app.session is not None and app.session.username == "nina"
        title = str(screen.query_one("#today-title", Static).content)
        assert title.startswith("Today's infusions")
        # A refresh still reads for itself.
        await pilot.press("r")
        assert reads == ["sections"]
