"""Metric 7: the app as a person meets it, on a large ledger, each figure against a floor
measured in the same run.

- 7a: process start to a login screen that takes key presses, against a process that only
  runs `import textual` (target ≤ 1.3× it and < 0.6 s).
- 7b: the password's Enter to a filled dashboard (stock, alerts, the 12-week chart, the title
  with the user's roles), argon2 verify included, against one argon2 verify of the same hash
  (target < 0.3 s).
- 7c: one page back in the ledger browser, against the same keyset page read with sqlite3
  alone (target < 50 ms).

The child runs the real command, `vialbook app --db LEDGER`, through `tui.cli.main`; only
`App.run` is swapped for Textual's headless `run_test`, which a person's keys then drive.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: From the login taking its first key to Enter: a person typing a username and a password.
TYPING_S = 2.0

#: Run in the child. argv: ledger, username, password, pages to turn, TYPING_S.
#: time.perf_counter is CLOCK_MONOTONIC on Linux: the same clock in parent and child.
PROBE = r"""
import asyncio, json, os, sys, time
from textual import events
import tui.cli
from tui.app.vialbook_app import VialbookApp

db, username, password, pages = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
TYPING_S = float(sys.argv[5])
seen = {}

async def until(test, what, limit=120.0):
    give_up = time.perf_counter() + limit
    while not test():
        if time.perf_counter() > give_up:
            raise SystemExit(f"never: {what}")
        await asyncio.sleep(0.001)

def one(app, selector):
    # None until the screen has composed it: a screen is current before its widgets mount.
    found = app.screen.query(selector)
    return found.first() if found else None

def filled(app):
    if type(app.screen).__name__ != "DashboardScreen" or app.session is None:
        return False  # the title (who, roles, registration, clinic time) comes with the session
    products, alerts, weeks = one(app, "#products"), one(app, "#alerts"), one(app, "#weeks")
    today = one(app, "#today-title")  # "Today's infusions: 3, 120 mg given" once read
    return (
        products is not None and products.row_count > 0
        and alerts is not None and len(alerts.columns) > 0
        and weeks is not None and bool(str(weeks.content))
        and today is not None and ":" in str(today.content)
    )

def first_row(app):
    t = one(app, "#log") if type(app.screen).__name__ == "LogScreen" else None
    return str(t.get_row_at(0)[0]) if t is not None and t.row_count else None

def key(app, name):
    # Straight to the driver, as a terminal delivers it. (Pilot.press waits until the whole
    # process is idle, which the ledger loading in its worker would hold up.)
    char = {"enter": "\r", "tab": "\t"}.get(name, name)
    event = events.Key(name, char)
    event.set_sender(app)
    app._driver.send_message(event)

async def drive(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await until(
            lambda: type(app.screen).__name__ == "LoginScreen"
            and app.focused is not None and app.focused.id == "username"
            and app._held_keys is None,
            "the login screen",
        )
        key(app, username[0])
        await until(lambda: app.focused.value == username[0], "the login taking a key")
        seen["login"], seen["login_cpu"] = time.perf_counter(), time.process_time()
        for k in [*username[1:], "tab", *password]:
            key(app, k)
        # A person takes a couple of seconds over username and password: the ledger opens
        # behind meanwhile (its title is the sign), and Enter comes TYPING_S after the login.
        await until(lambda: bool(app.clinic_name), "the clinic's name")
        seen["ledger"] = time.perf_counter()
        await asyncio.sleep(max(0.0, seen["login"] + TYPING_S - time.perf_counter()))
        assert one(app, "#password").value == password, "the password went astray"
        seen["enter"], cpu = time.perf_counter(), time.process_time()
        key(app, "enter")
        await until(lambda: filled(app), "the filled dashboard")
        seen["dashboard"], seen["dashboard_cpu"] = time.perf_counter(), time.process_time() - cpu
        assert app.actor is not None and app.actor.username == username
        key(app, "5")
        await until(lambda: first_row(app), "the ledger browser")
        seen["pages"], seen["pages_cpu"] = [], []
        for _ in range(pages):
            top = first_row(app)
            started, cpu = time.perf_counter(), time.process_time()
            key(app, "n")
            await until(lambda: first_row(app) not in (None, top), "an older page")
            seen["pages"].append(time.perf_counter() - started)
            seen["pages_cpu"].append(time.process_time() - cpu)
        # Measured: the figures out, and no teardown (not part of any metric; Textual's
        # Header can trip over a screen being removed while the app shuts down headless).
        print(json.dumps(seen), flush=True)
        os._exit(0)

def run(self, *args, **kwargs):
    asyncio.run(drive(self))

VialbookApp.run = run
sys.argv = ["vialbook", "app", "--db", db]
tui.cli.main()
raise SystemExit("the app ended before the figures were taken")
"""


@dataclass
class TuiStart:
    login_s: float
    import_textual_s: float
    dashboard_s: float
    argon2_s: float
    page_s: float
    raw_page_s: float
    ledger_loaded_s: float
    #: CPU seconds of the app's process over the same spans (on a loaded machine the wall
    #: clock also counts waiting for a core).
    login_cpu_s: float
    dashboard_cpu_s: float
    page_cpu_s: float


def _time(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def _app_once(db: Path, username: str, password: str, pages: int) -> dict[str, object]:
    spawned = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(db), username, password, str(pages), str(TYPING_S)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        lines = done.stderr.strip().splitlines() or ["no output"]
        said = [x for x in lines if x.startswith("error: ")] or lines[-1:]
        raise RuntimeError(f"the app's probe failed: {said[0]}")
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    seen["spawned"] = spawned
    return seen


def _argon2_floor(db: Path, username: str, password: str, rounds: int) -> float:
    """One argon2 verify of the user's stored hash: the least a login can cost."""
    from ledger.passwords import verify_password

    with sqlite3.connect(db) as con:
        (stored,) = con.execute(
            "SELECT password_hash FROM app_user WHERE username = ?", (username,)
        ).fetchone()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert verify_password(stored, password)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _raw_page_floor(db: Path, pages: int) -> float:
    """A keyset page of 50 movements, newest first, read with sqlite3 and nothing else."""
    with sqlite3.connect(db) as con:
        (before,) = con.execute("SELECT max(id) + 1 FROM movement").fetchone()
        times = []
        for _ in range(pages):
            started = time.perf_counter()
            rows = con.execute(
                "SELECT * FROM movement WHERE id < ? ORDER BY id DESC LIMIT 50", (before,)
            ).fetchall()
            times.append(time.perf_counter() - started)
            before = rows[-1][0]
    return statistics.median(times)


def measure(db: Path, username: str, password: str, rounds: int, pages: int = 5) -> TuiStart:
    """`db` is written to (a login is audited): pass a copy, not a shared ledger."""
    runs, base = [], []
    for _ in range(rounds):
        runs.append(_app_once(db, username, password, pages))
        base.append(_time([sys.executable, "-c", "import textual"]))

    def median(f) -> float:  # type: ignore[no-untyped-def]
        return statistics.median(f(r) for r in runs)

    return TuiStart(
        login_s=median(lambda r: r["login"] - r["spawned"]),
        import_textual_s=statistics.median(base),
        dashboard_s=median(lambda r: r["dashboard"] - r["enter"]),
        argon2_s=_argon2_floor(db, username, password, rounds),
        page_s=statistics.median(p for r in runs for p in r["pages"]),
        raw_page_s=_raw_page_floor(db, pages * rounds),
        ledger_loaded_s=median(lambda r: r["ledger"] - r["spawned"]),
        login_cpu_s=median(lambda r: r["login_cpu"]),
        dashboard_cpu_s=median(lambda r: r["dashboard_cpu"]),
        page_cpu_s=statistics.median(p for r in runs for p in r["pages_cpu"]),
    )
