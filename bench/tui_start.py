"""Metric 7: a fresh process opens the TUI headless on a large ledger until the dashboard
shows stock, against `python -c "import textual"` in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: Run in the child: everything a clinic manager waits for, from interpreter start.
PROBE = """
import asyncio, sys
from ledger.auth import login
from ledger.database import open_database
from tui.app.vialbook_app import VialbookApp
db = open_database(sys.argv[1])
app = VialbookApp(db, actor=login(db, sys.argv[2], sys.argv[3]))
async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = app.screen.query_one("#products").row_count
        assert rows > 0, "the dashboard shows no stock"
asyncio.run(main())
"""


@dataclass
class TuiStart:
    app_s: float
    baseline_s: float

    @property
    def ratio(self) -> float:
        return self.app_s / self.baseline_s


def _time(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(db: Path, username: str, password: str, rounds: int) -> TuiStart:
    app, base = [], []
    for _ in range(rounds):
        app.append(_time([sys.executable, "-c", PROBE, str(db), username, password]))
        base.append(_time([sys.executable, "-c", "import textual.app"]))
    return TuiStart(statistics.median(app), statistics.median(base))
