"""Pulling the plug at the chair: after every SIGKILL the ledger opens, verifies, and holds
every infusion the killed process had reported committed, and no half-written infusion.

The killed process is forked from a helper that imported the ledger once, so each of the
many kills costs milliseconds, not an interpreter start.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess

import sqlalchemy as sa

from ledger.database import Database, open_database
from tests.reliability.children import STRESS, start_worker
from tests.reliability.soundness import assert_ledger_sound, infusion_ids

#: Kills per database; SQLite and PostgreSQL together make at least 50 in CI.
KILLS = 200 if STRESS else 26
#: The longest the test waits between two lines; a live child commits far faster.
STALL_SECONDS = 30.0


class Chair:
    """Talks to the crash_loop helper: start a child, read its lines, kill it."""

    def __init__(self, url: str) -> None:
        self.proc: subprocess.Popen[str] = start_worker("crash_loop", url)
        self.fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        self.pending = b""
        assert self.line() == "ready"

    def line(self, timeout: float = STALL_SECONDS) -> str | None:
        """The next line, or None when none arrives within `timeout` seconds."""
        while b"\n" not in self.pending:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            assert chunk, f"helper died: {self.proc.stderr.read()}"  # type: ignore[union-attr]
            self.pending += chunk
        text, self.pending = self.pending.split(b"\n", 1)
        return text.decode()

    def run_and_kill(self, rng: random.Random) -> list[int]:
        """One round: returns the infusion ids the child printed before it died."""
        self.proc.stdin.write("run\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        first = self.line()
        assert first and first.startswith("child "), first
        pid = int(first.split()[1])
        printed: list[int] = []
        # A random moment: after 0-3 commits, then a random extra wait for output, so the
        # kill lands at login, inside a transaction, in COMMIT or between two entries.
        wait_for = rng.randrange(0, 4)
        while len(printed) < wait_for:
            text = self.line()
            assert text and text.startswith("committed "), text
            printed.append(int(text.split()[1]))
        text = self.line(timeout=rng.uniform(0, 0.03))
        if text is not None:
            printed.append(int(text.split()[1]))
        os.kill(pid, signal.SIGKILL)
        while True:  # lines the child wrote before it died still count as reported
            text = self.line()
            assert text is not None, "the helper did not reap the killed child"
            if text.startswith("reaped "):
                assert int(text.split()[1]) == pid
                status = int(text.split()[2])
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                return printed
            printed.append(int(text.split()[1]))

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)


def _open_after_crash(url: str) -> Database:
    db = open_database(url)
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    return db


def test_killing_the_chair_mid_infusion_never_loses_or_halves_an_entry(db: Database) -> None:
    url = db.url
    db.dispose()
    rng = random.Random(5)
    chair = Chair(url)
    reported: list[int] = []
    try:
        for _ in range(KILLS):
            reported += chair.run_and_kill(rng)
            after = _open_after_crash(url)
            try:
                assert_ledger_sound(after)
                present = infusion_ids(after)
                missing = sorted(set(reported) - set(present))
                assert not missing, f"printed as committed but gone after the kill: {missing}"
            finally:
                after.dispose()
    finally:
        chair.close()
    final = _open_after_crash(url)
    with final.engine.connect() as conn:
        total = conn.execute(sa.text("SELECT COUNT(*) FROM infusion")).scalar_one()
    final.dispose()
    # Enough rounds reached commits for the test to mean something.
    assert len(reported) >= KILLS // 2
    print(f"{final.dialect}: {KILLS} kills, {len(reported)} infusions reported, {total} stored")
