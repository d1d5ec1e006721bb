"""Where a benchmark run keeps its ledgers and what it has found so far."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import Row

HERE = Path(__file__).resolve().parent


@dataclass
class Run:
    args: argparse.Namespace
    work: Path
    rows: list[Row] = field(default_factory=list)
    details: dict[str, list[str]] = field(default_factory=dict)
    generated: dict[float, dict[str, Any]] = field(default_factory=dict)

    def note(self, section: str, line: str) -> None:
        self.details.setdefault(section, []).append(line)


def generated(run: Run, scale: float, journals: bool = False, busy: bool = False) -> Path:
    """The SQLite ledger at this scale (bulk path), generated once per run."""
    path = run.work / f"scale-{scale:g}{'-busy' if busy else ''}.db"
    marker = path.with_suffix(".json")
    jdir = run.work / f"journals-{scale:g}"
    fresh = run.args.reuse and marker.exists() and (not journals or jdir.exists())
    if not fresh:
        cmd = [sys.executable, str(HERE / "generate.py"), "--clinic-years", f"{scale:g}"]
        cmd += ["--db", str(path), "--path", "bulk", "--replace"]
        if journals:
            cmd += ["--journals", str(jdir)]
        if busy:
            cmd += ["--busy-site"]
        started = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        info = json.loads(out.strip().splitlines()[-1])
        info["wall_s"] = time.perf_counter() - started
        marker.write_text(json.dumps(info))
    run.generated[scale if not busy else -scale] = json.loads(marker.read_text())
    return path
