"""Metric 8: `vialbook stock --json` and `vialbook --help` on the demo database vs
`python -c "import sqlalchemy"`.

All three are fresh processes of the real console script, run in turn within each round.
`stock --json` logs in (argon2 verify at the demo's cheap cost, plus one committed audit
event), queries and prints JSON; `--help` lists every command with its help text.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.demo import password


@dataclass
class StartupResult:
    command_s: float
    baseline_s: float
    import_share: str
    #: `vialbook --help`, measured in the same rounds against the same baseline.
    help_s: float = 0.0
    help_import_share: str = ""

    @property
    def ratio(self) -> float:
        return self.command_s / self.baseline_s

    @property
    def help_ratio(self) -> float:
        return self.help_s / self.baseline_s


def build_demo(path: Path) -> None:
    vialbook = Path(sys.executable).with_name("vialbook")
    subprocess.run(
        [str(vialbook), "demo", "--db", str(path), "--json"], check=True, capture_output=True
    )


def demo_is_current(path: Path) -> bool:
    """The demo takes a minute to build through the services; keep it while the schema holds."""
    if not path.exists():
        return False
    from ledger import schema
    from ledger.database import open_database

    db = open_database(str(path))
    try:
        return schema.current_revision(db) == schema.head_revision(db)
    finally:
        db.dispose()


def _time(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


#: Packages whose import cost the command pays, cumulative, wherever they are first imported.
HEAVY = (
    "alembic",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlmodel",
    "pydantic",
    "typer",
    "typer.rich_utils",
    "ledger.models",
    "argon2",
)


def _import_time(cmd: list[str], env: dict[str, str]) -> str:
    """Where the command's imports go, from `python -X importtime` (cumulative ms)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True, text=True, env=env
    )
    cumulative: dict[str, int] = {}
    total = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if not name.startswith("  "):  # a top-level import: counts once towards the total
            total += int(parts[1])
        cumulative[name.strip()] = max(cumulative.get(name.strip(), 0), int(parts[1]))
    heavy = ", ".join(f"{p} {cumulative[p] / 1000:.0f} ms" for p in HEAVY if p in cumulative)
    absent = ", ".join(p for p in HEAVY if p not in cumulative)
    found = f"imports {total / 1000:.0f} ms in all; of which (cumulative, nested): {heavy}"
    return found + (f"; not imported: {absent}" if absent else "")


def measure(demo_db: Path, rounds: int) -> StartupResult:
    vialbook = str(Path(sys.executable).with_name("vialbook"))
    env = dict(os.environ, VIALBOOK_USER="audrey", VIALBOOK_PASSWORD=password("audrey"))
    command = [vialbook, "stock", "--json", "--db", str(demo_db)]
    help_ = [vialbook, "--help"]
    baseline = [sys.executable, "-c", "import sqlalchemy"]
    _time(command, env), _time(help_, env), _time(baseline, env)  # warm the page cache
    ours, helps, theirs = [], [], []
    for i in range(rounds):
        turn = [(command, ours), (baseline, theirs), (help_, helps)]
        for cmd, out in turn if i % 2 == 0 else reversed(turn):
            out.append(_time(cmd, env))
    return StartupResult(
        command_s=statistics.median(ours),
        baseline_s=statistics.median(theirs),
        import_share=_import_time([sys.executable, *command], env),
        help_s=statistics.median(helps),
        help_import_share=_import_time([sys.executable, *help_], env),
    )
