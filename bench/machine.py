"""What the figures were measured on: kernel, cores, memory, Python, SQLite, PostgreSQL, date."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _postgres(url: str | None) -> str:
    if not url:
        return "not measured"
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            version = str(conn.execute(sa.text("select version()")).scalar())
        engine.dispose()
        return version.split(" on ")[0]
    except Exception as exc:  # noqa: BLE001 - a description, never a failure
        return f"unreachable ({type(exc).__name__})"


def describe(pg_url: str | None) -> dict[str, str]:
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "uname -a": uname or platform.platform(),
        "nproc": str(os.cpu_count()),
        "memory": _memory(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres(pg_url),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
