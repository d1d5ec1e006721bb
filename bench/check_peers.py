"""Metric 4: `vialbook check` over a whole ledger vs `hledger check` and `bean-check`.

All three read the same infusions (bench/journals.py writes the peers' files) and
prove every balance; vialbook also re-derives every hash. Each tool runs in a fresh
process, so start-up is in every figure alike. vialbook is timed twice: through the
library (`run_check`, no login), and as a user runs it, the `vialbook check` command
with its command-line start-up and its login (argon2 verify and the audited login).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.timing import profiled


@dataclass
class Peer:
    name: str
    seconds: float | None
    note: str = ""


@dataclass
class CheckResult:
    infusions: int
    vialbook_s: float
    #: The `vialbook check` command, start-up and login included.
    command_s: float
    peers: list[Peer]
    top: list[tuple[str, float, float]]


#: bean-check would otherwise load a pickle of its last parse; vialbook checks from scratch.
NO_CACHE = dict(os.environ, BEANCOUNT_DISABLE_LOAD_CACHE="1")


def _run(cmd: list[str], env: dict[str, str] = NO_CACHE) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {(done.stderr or done.stdout)[-800:]}")
    return seconds


def _vialbook_cmd(db: str) -> list[str]:
    # Through the library, as `vialbook check` does, without needing a login.
    code = (
        "import sys; from ledger.database import open_database; from ledger.check import "
        "run_check; r = run_check(open_database(sys.argv[1])); sys.exit(0 if r.ok else 1)"
    )
    return [sys.executable, "-c", code, db]


def _command(db: str) -> tuple[list[str], dict[str, str]]:
    """`vialbook check` as the clinic's administrator runs it on the generated ledger."""
    from bench.history import password

    vialbook = Path(sys.executable).with_name("vialbook")
    env = dict(NO_CACHE, VIALBOOK_USER="admin", VIALBOOK_PASSWORD=password("admin"))
    return [str(vialbook), "check", "--db", db], env


def measure(
    db: str, journals: Path, infusions: int, rounds: int, hledger: str | None, bean: str | None
) -> CheckResult:
    command, command_env = _command(db)
    commands = {"vialbook": _vialbook_cmd(db), "vialbook check": command}
    envs = {"vialbook check": command_env}
    if hledger:
        commands["hledger"] = [hledger, "-f", str(journals / "ledger.journal"), "check"]
    if bean:
        (journals / ".ledger.beancount.picklecache").unlink(missing_ok=True)
        commands["bean-check"] = [bean, str(journals / "ledger.beancount")]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(rounds):
        order = list(commands) if i % 2 == 0 else list(reversed(commands))
        for name in order:
            times[name].append(_run(commands[name], envs.get(name, NO_CACHE)))
    ours = ("vialbook", "vialbook check")
    peers = [Peer(name, min(times[name])) for name in commands if name not in ours]
    from ledger.check import run_check
    from ledger.database import open_database

    database = open_database(db)
    prof = profiled(lambda: run_check(database))
    database.dispose()
    return CheckResult(
        infusions=infusions,
        vialbook_s=min(times["vialbook"]),
        command_s=min(times["vialbook check"]),
        peers=peers,
        top=prof.top(12),
    )
